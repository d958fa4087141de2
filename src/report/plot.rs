//! `bench --plot`: the bench's rows as one SVG picture, drawn to be read on a projector (big
//! type, thick lines, a colour and a marker shape per mechanism, the same in every panel).
//!
//! Two panels, each drawn only when the run has its rows:
//! - **throughput**: bytes per second against message size, log–log, a line per mechanism
//!   (a sweep); with one size per mechanism (no sweep), a bar per mechanism in GiB/s.
//! - **round trips**: the median (solid) and 99th percentile (dashed) against message size,
//!   log–log (a sweep); with one size per mechanism, the percentiles p50 … max across, a line
//!   per mechanism.
//!
//! A cell a mechanism cannot carry (`skipped`), or a figure that is missing or not positive
//! (no log axis can place it), is no point, and the line breaks there. A run with nothing
//! measured draws one sentence saying so.
//!
//! The SVG is written by hand rather than with a plotting crate: it costs no dependency, and
//! every element carries the structure a test (or a stylesheet) can find: see [`svg`].
use std::fmt::Write as _;

use crate::bench::model::{Measure, Measurement, Mechanism};

use super::text::{PlotWord, Words, human_bytes};

/// The picture's width, and each panel's height, in SVG user units (16:9 panels).
const WIDTH: f64 = 1600.0;
const PANEL_HEIGHT: f64 = 900.0;
/// The plot area inside a panel, from the panel's top left corner.
const TOP: f64 = 130.0;
const BOTTOM: f64 = 760.0;
/// Left of the plot area: room for tick labels and the rotated axis title (mechanism names,
/// for bars).
const LEFT: f64 = 250.0;
const LEFT_BARS: f64 = 270.0;
/// Right of the plot area; the legend stands beyond it, never over a line.
const RIGHT: f64 = 1220.0;
const RIGHT_BARS: f64 = 1200.0;
const LEGEND_LEFT: f64 = 1248.0;

const FONT: &str = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";
const INK: &str = "#222222";
const GRID: &str = "#d9d9d9";
const TITLE_PX: u32 = 44;
const AXIS_TITLE_PX: u32 = 32;
const TICK_PX: u32 = 30;
const LEGEND_PX: u32 = 30;
const LINE_WIDTH: f64 = 5.0;
const MARKER_RADIUS: f64 = 10.0;
/// How far below a line to put the baseline of text meant to stand centred on it (about the
/// height of a lower-case letter, half of it, plus a little).
const CENTRED: f64 = TICK_PX as f64 * 0.35;

/// The bench's rows as a whole SVG document (`<?xml …?>` to `</svg>`), in `words`' language.
///
/// What the structure promises (tests rely on it):
/// - each panel is a `<g class="panel" data-measure="throughput|latency">`, holding one
///   `<text class="title">`, two `<g class="axis" data-axis="x|y" data-scale="log|linear|
///   category" data-unit="…">` (each with its `<text class="axis-title">` and
///   `<g class="tick">`s), and one `<g class="series" data-mechanism="NAME">` per mechanism
///   drawn, whose `<path class="line">`s (`data-percentile="p50|p99"` on round trips by size)
///   and points (`class="point"`, with `data-size` or `data-percentile`) are the data;
///   bars are `<rect class="bar">`;
/// - a line panel has a `<g class="legend">` with a `<g class="legend-item"
///   data-mechanism="NAME">` per series;
/// - a run with nothing to draw has no panel, and one `<text class="no-data">`.
pub fn svg(rows: &[Measurement], words: &dyn Words) -> String {
    let panels: Vec<Panel> = [throughput_panel(rows), latency_panel(rows)]
        .into_iter()
        .flatten()
        .collect();
    let height = PANEL_HEIGHT * panels.len().max(1) as f64;
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{WIDTH}\" \
         height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"{FONT}\" \
         xml:lang=\"{}\">\n<title>{}</title>\n\
         <rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"white\"/>\n",
        words.code(),
        escape(&words.plot(PlotWord::Title)),
    );
    if panels.is_empty() {
        let _ = writeln!(
            out,
            "<text class=\"no-data\" x=\"{}\" y=\"{}\" font-size=\"{}\" \
             text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
            WIDTH / 2.0,
            PANEL_HEIGHT / 2.0,
            fit(&words.plot(PlotWord::NoData), AXIS_TITLE_PX, WIDTH - 80.0),
            escape(&words.plot(PlotWord::NoData)),
        );
    }
    for (i, panel) in panels.iter().enumerate() {
        draw(&mut out, panel, i as f64 * PANEL_HEIGHT, words);
    }
    out.push_str("</svg>\n");
    out
}

/// What one panel shows, found from the rows.
enum Panel {
    /// A line per mechanism: bytes per second at each size.
    ThroughputBySize {
        sizes: Vec<usize>,
        series: Vec<Series>,
    },
    /// A bar per mechanism, at its one size.
    ThroughputBars(Vec<Bar>),
    /// Per mechanism, a p50 and a p99 line across sizes.
    LatencyBySize {
        sizes: Vec<usize>,
        series: Vec<Series>,
    },
    /// Per mechanism, a line across the percentiles.
    LatencyPercentiles {
        columns: Vec<Percentile>,
        series: Vec<Series>,
    },
}

/// One mechanism's lines in a panel.
struct Series {
    mechanism: Mechanism,
    lines: Vec<Line>,
}

/// One line: its points in data units (`None`: a gap), the percentile it draws when a
/// series has two (p50, p99), and whether it is dashed (the p99 one).
struct Line {
    percentile: Option<&'static str>,
    dashed: bool,
    points: Vec<Option<Point>>,
}

#[derive(Clone, Copy)]
struct Point {
    /// A size in bytes, or a column's index.
    x: f64,
    /// Bytes per second, or microseconds.
    y: f64,
}

struct Bar {
    mechanism: Mechanism,
    size: usize,
    gib_per_second: f64,
}

/// A column of the percentile panel: its name in the SVG and on the axis.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Percentile {
    P50,
    P90,
    P99,
    P999,
    Max,
}

impl Percentile {
    const ALL: [Percentile; 5] = [
        Percentile::P50,
        Percentile::P90,
        Percentile::P99,
        Percentile::P999,
        Percentile::Max,
    ];

    fn name(self) -> &'static str {
        match self {
            Percentile::P50 => "p50",
            Percentile::P90 => "p90",
            Percentile::P99 => "p99",
            Percentile::P999 => "p99.9",
            Percentile::Max => "max",
        }
    }

    fn label(self, words: &dyn Words) -> String {
        match self {
            Percentile::Max => words.plot(PlotWord::Max),
            Percentile::P50 | Percentile::P90 | Percentile::P99 | Percentile::P999 => {
                self.name().to_string()
            }
        }
    }

    fn of(self, row: &Measurement) -> Option<f64> {
        let value = match self {
            Percentile::P50 => row.rtt_median_us,
            Percentile::P90 => row.rtt_p90_us,
            Percentile::P99 => row.rtt_p99_us,
            Percentile::P999 => row.rtt_p999_us,
            Percentile::Max => row.rtt_max_us,
        };
        measured(row, value)
    }
}

/// A figure a log axis can place: the row was measured, and the figure is finite and positive.
fn measured(row: &Measurement, value: Option<f64>) -> Option<f64> {
    value.filter(|v| row.skipped.is_none() && v.is_finite() && *v > 0.0)
}

fn bytes_per_second(row: &Measurement) -> Option<f64> {
    measured(row, row.bytes_per_second)
}

/// The rows of one measure, and whether some mechanism has several of them (a sweep).
fn rows_of(rows: &[Measurement], measure: Measure) -> (Vec<&Measurement>, bool) {
    let of: Vec<&Measurement> = rows.iter().filter(|r| r.measure == measure).collect();
    let swept = Mechanism::ALL
        .iter()
        .any(|&m| of.iter().filter(|r| r.mechanism == m).count() >= 2);
    (of, swept)
}

/// Every size the rows name (skipped ones too, so a skipped cell is a gap), smallest first; 0
/// (signals, eventfds) has no place on a log axis.
fn sizes_of(rows: &[&Measurement]) -> Vec<usize> {
    let mut sizes: Vec<usize> = rows
        .iter()
        .map(|r| r.size_bytes)
        .filter(|&s| s > 0)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// A line across `sizes`: the first row of `mechanism` at each size, through `value`.
fn line_by_size(
    rows: &[&Measurement],
    mechanism: Mechanism,
    sizes: &[usize],
    value: impl Fn(&Measurement) -> Option<f64>,
) -> Vec<Option<Point>> {
    sizes
        .iter()
        .map(|&size| {
            rows.iter()
                .find(|r| r.mechanism == mechanism && r.size_bytes == size)
                .and_then(|r| value(r))
                .map(|y| Point { x: size as f64, y })
        })
        .collect()
}

fn has_points(points: &[Option<Point>]) -> bool {
    points.iter().any(Option::is_some)
}

fn throughput_panel(rows: &[Measurement]) -> Option<Panel> {
    let (rows, swept) = rows_of(rows, Measure::Throughput);
    if swept {
        let sizes = sizes_of(&rows);
        let series: Vec<Series> = Mechanism::ALL
            .iter()
            .map(|&mechanism| Series {
                mechanism,
                lines: vec![Line {
                    percentile: None,
                    dashed: false,
                    points: line_by_size(&rows, mechanism, &sizes, bytes_per_second),
                }],
            })
            .filter(|s| s.lines.iter().any(|l| has_points(&l.points)))
            .collect();
        (!series.is_empty()).then_some(Panel::ThroughputBySize { sizes, series })
    } else {
        let bars: Vec<Bar> = Mechanism::ALL
            .iter()
            .filter_map(|&mechanism| {
                rows.iter()
                    .filter(|r| r.mechanism == mechanism)
                    .find_map(|r| bytes_per_second(r).map(|b| (r.size_bytes, b)))
                    .map(|(size, b)| Bar {
                        mechanism,
                        size,
                        gib_per_second: b / f64::from(1u32 << 30),
                    })
            })
            .collect();
        (!bars.is_empty()).then_some(Panel::ThroughputBars(bars))
    }
}

fn latency_panel(rows: &[Measurement]) -> Option<Panel> {
    let (rows, swept) = rows_of(rows, Measure::Latency);
    if swept {
        let sizes = sizes_of(&rows);
        let series: Vec<Series> = Mechanism::ALL
            .iter()
            .map(|&mechanism| Series {
                mechanism,
                lines: [(Percentile::P50, false), (Percentile::P99, true)]
                    .into_iter()
                    .map(|(p, dashed)| Line {
                        percentile: Some(p.name()),
                        dashed,
                        points: line_by_size(&rows, mechanism, &sizes, |r| p.of(r)),
                    })
                    .filter(|l| has_points(&l.points))
                    .collect(),
            })
            .filter(|s| !s.lines.is_empty())
            .collect();
        (!series.is_empty()).then_some(Panel::LatencyBySize { sizes, series })
    } else {
        // A percentile no row has (p99.9 below 10 000 round trips) takes no column.
        let columns: Vec<Percentile> = Percentile::ALL
            .into_iter()
            .filter(|p| rows.iter().any(|r| p.of(r).is_some()))
            .collect();
        let series: Vec<Series> = Mechanism::ALL
            .iter()
            .filter_map(|&mechanism| {
                let row = rows
                    .iter()
                    .filter(|r| r.mechanism == mechanism)
                    .find(|r| columns.iter().any(|p| p.of(r).is_some()))?;
                let points = columns
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p.of(row).map(|y| Point { x: i as f64, y }))
                    .collect();
                Some(Series {
                    mechanism,
                    lines: vec![Line {
                        percentile: None,
                        dashed: false,
                        points,
                    }],
                })
            })
            .collect();
        (!series.is_empty()).then_some(Panel::LatencyPercentiles { columns, series })
    }
}

/// How a mechanism looks, the same in every panel: a colour (dark enough for a washed-out
/// projector) and a marker shape, so the lines part even in grey.
fn look(mechanism: Mechanism) -> (&'static str, Shape) {
    match mechanism {
        Mechanism::Pipe => ("#1f77b4", Shape::Circle),
        Mechanism::Fifo => ("#ff7f0e", Shape::Square),
        Mechanism::UnixStream => ("#2ca02c", Shape::TriangleUp),
        Mechanism::UnixSeqpacket => ("#d62728", Shape::Diamond),
        Mechanism::Socketpair => ("#9467bd", Shape::TriangleDown),
        Mechanism::Tcp => ("#8c564b", Shape::Cross),
        Mechanism::Signal => ("#e377c2", Shape::Plus),
        Mechanism::Mq => ("#4d4d4d", Shape::Star),
        Mechanism::Shm => ("#0e9aa7", Shape::Hexagon),
        Mechanism::Eventfd => ("#9a9c1a", Shape::Pentagon),
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Cross,
    Plus,
    Star,
    Hexagon,
    Pentagon,
}

/// A marker centred on (x, y): a circle, or a closed polygon (so it can be hollow).
fn marker(shape: Shape, x: f64, y: f64, r: f64, fill: &str, stroke: &str, data: &str) -> String {
    let polygon = |corners: &[(f64, f64)]| {
        let mut d = String::new();
        for (i, (cx, cy)) in corners.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1} {:.1} ",
                if i == 0 { "M" } else { "L" },
                x + cx * r,
                y + cy * r
            );
        }
        d.push('Z');
        format!(
            "<path class=\"point\"{data} d=\"{d}\" fill=\"{fill}\" stroke=\"{stroke}\" \
             stroke-width=\"2.5\" stroke-linejoin=\"round\"/>"
        )
    };
    // Corners on the unit circle, from the top, clockwise (SVG's y grows downwards).
    let regular = |n: usize, radius: f64, turn: f64| -> Vec<(f64, f64)> {
        (0..n)
            .map(|i| {
                let a = std::f64::consts::TAU * (i as f64 / n as f64 + turn);
                (radius * a.sin(), -radius * a.cos())
            })
            .collect()
    };
    // A plus sign as a twelve-cornered outline: arms half `w` wide.
    let plus = |w: f64| -> Vec<(f64, f64)> {
        vec![
            (-w, -1.0),
            (w, -1.0),
            (w, -w),
            (1.0, -w),
            (1.0, w),
            (w, w),
            (w, 1.0),
            (-w, 1.0),
            (-w, w),
            (-1.0, w),
            (-1.0, -w),
            (-w, -w),
        ]
    };
    match shape {
        Shape::Circle => format!(
            "<circle class=\"point\"{data} cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" \
             fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2.5\"/>",
            r * 0.9
        ),
        Shape::Square => polygon(&regular(4, 1.15, 0.125)),
        Shape::TriangleUp => polygon(&regular(3, 1.3, 0.0)),
        Shape::TriangleDown => polygon(&regular(3, 1.3, 0.5)),
        Shape::Diamond => polygon(&regular(4, 1.3, 0.0)),
        Shape::Hexagon => polygon(&regular(6, 1.1, 0.0)),
        Shape::Pentagon => polygon(&regular(5, 1.15, 0.0)),
        Shape::Star => {
            let outer = regular(5, 1.4, 0.0);
            let inner = regular(5, 0.6, 0.1);
            let corners: Vec<(f64, f64)> = outer
                .into_iter()
                .zip(inner)
                .flat_map(|(o, i)| [o, i])
                .collect();
            polygon(&corners)
        }
        Shape::Plus => polygon(
            &plus(0.38)
                .iter()
                .map(|&(a, b)| (a * 1.2, b * 1.2))
                .collect::<Vec<_>>(),
        ),
        Shape::Cross => {
            // The plus, turned an eighth.
            let s = std::f64::consts::FRAC_1_SQRT_2 * 1.25;
            let turned: Vec<(f64, f64)> = plus(0.38)
                .iter()
                .map(|&(a, b)| ((a - b) * s, (a + b) * s))
                .collect();
            polygon(&turned)
        }
    }
}

/// How data values map to one axis of the plot area.
#[derive(Clone, Copy)]
enum Scale {
    /// From `lo` to `hi` (both positive), on a log scale.
    Log { lo: f64, hi: f64 },
    /// From 0 to `hi`.
    Linear { hi: f64 },
    /// `n` evenly spaced columns, indices 0 to n-1 at their centres.
    Category { n: usize },
}

impl Scale {
    /// Where `v` falls between the pixels `from` and `to`.
    fn at(self, v: f64, from: f64, to: f64) -> f64 {
        let share = match self {
            Scale::Log { lo, hi } => (v.ln() - lo.ln()) / (hi.ln() - lo.ln()),
            Scale::Linear { hi } => v / hi,
            Scale::Category { n } => (v + 0.5) / n.max(1) as f64,
        };
        from + share * (to - from)
    }

    fn name(self) -> &'static str {
        match self {
            Scale::Log { .. } => "log",
            Scale::Linear { .. } => "linear",
            Scale::Category { .. } => "category",
        }
    }
}

/// The smallest and largest of some positive values (1 and 2 when there are none).
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo.is_finite() && hi >= lo {
        (lo, hi)
    } else {
        (1.0, 2.0)
    }
}

/// A log scale for sizes: the sizes, with half a power of two to spare on each side so no
/// marker sits on the frame.
fn size_scale(sizes: &[usize]) -> Scale {
    let (lo, hi) = extent(sizes.iter().map(|&s| s as f64));
    let spare = if hi / lo < 4.0 {
        2.0
    } else {
        std::f64::consts::SQRT_2
    };
    Scale::Log {
        lo: lo / spare,
        hi: hi * spare,
    }
}

/// A log scale in powers of two around the values (at least a factor of 4), with a quarter
/// of one to spare, so no marker sits on the frame.
fn binary_scale(values: impl Iterator<Item = f64>) -> Scale {
    let (lo, hi) = extent(values);
    let (mut a, mut b) = ((lo.log2() - 0.25).floor(), (hi.log2() + 0.25).ceil());
    if b - a < 2.0 {
        a -= 1.0;
        b += 1.0;
    }
    Scale::Log {
        lo: a.exp2(),
        hi: b.exp2(),
    }
}

/// A log scale in decades around the values, with a little to spare.
fn decimal_scale(values: impl Iterator<Item = f64>) -> Scale {
    let (lo, hi) = extent(values);
    let (a, mut b) = ((lo.log10() - 0.08).floor(), (hi.log10() + 0.08).ceil());
    if b <= a {
        b = a + 1.0;
    }
    Scale::Log {
        lo: 10f64.powf(a),
        hi: 10f64.powf(b),
    }
}

/// Powers of two inside the scale, every `step` of them so there are at most `most`.
fn binary_ticks(scale: Scale, most: i32) -> Vec<f64> {
    let Scale::Log { lo, hi } = scale else {
        return Vec::new();
    };
    // A hair inside, so a bound that is a power of two keeps its tick despite rounding.
    let (a, b) = (
        (lo.log2() - 1e-9).ceil() as i32,
        (hi.log2() + 1e-9).floor() as i32,
    );
    let span = (b - a).max(0);
    let step = [1, 2, 4, 10, 20, 30, 40]
        .into_iter()
        .find(|s| span / s < most)
        .unwrap_or(60);
    (a..=b)
        .filter(|k| k.rem_euclid(step) == 0)
        .map(|k| f64::from(k).exp2())
        .collect()
}

/// Decades inside the scale (with 2 and 5 between them when there are few), every second or
/// third decade when there are many.
fn decimal_ticks(scale: Scale) -> Vec<f64> {
    let Scale::Log { lo, hi } = scale else {
        return Vec::new();
    };
    let (a, b) = (
        (lo.log10() - 1e-9).ceil() as i32,
        (hi.log10() + 1e-9).floor() as i32,
    );
    let decades = (b - a).max(0);
    let mut ticks = Vec::new();
    let step = 1 + decades / 8;
    for k in a..=b {
        if k.rem_euclid(step) != 0 {
            continue;
        }
        let decade = 10f64.powi(k);
        ticks.push(decade);
        if decades <= 2 && k < b {
            ticks.extend([2.0 * decade, 5.0 * decade]);
        }
    }
    ticks
}

/// A tidy linear scale from 0 past `most`, and its ticks (at most six).
fn linear_scale(most: f64) -> (Scale, Vec<f64>) {
    let most = if most.is_finite() && most > 0.0 {
        most
    } else {
        1.0
    };
    let raw = most / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|f| f * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let steps = (most / step).ceil().max(1.0) as u32;
    let ticks = (0..=steps).map(|i| f64::from(i) * step).collect();
    (
        Scale::Linear {
            hi: f64::from(steps) * step,
        },
        ticks,
    )
}

/// A power of two as bytes: `1 B`, `64 B`, `4 KiB`, `1 MiB` (below one byte, `1/4 B`).
fn bytes_label(value: f64) -> String {
    let k = value.log2().round() as i32;
    if k < 0 {
        format!("1/{} B", 1u64 << (-k).min(62))
    } else {
        human_bytes(1u64 << k.min(62))
    }
}

/// Microseconds as a person reads them: `5 µs`, `0,2 µs`, `10 ms`, `1 s`.
fn time_label(words: &dyn Words, us: f64) -> String {
    let (value, unit) = if us >= 1e6 {
        (us / 1e6, "s")
    } else if us >= 1e3 {
        (us / 1e3, "ms")
    } else {
        (us, "µs")
    };
    format!("{} {unit}", words.num(value, decimals_of(value)))
}

/// The decimals a tick value needs to be written exactly (at most 3).
fn decimals_of(value: f64) -> usize {
    (0..3)
        .find(|&d| {
            let scaled = value * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(3)
}

/// The plot area of a panel, in picture coordinates.
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// One axis: where it lies, its ticks and labels, and what it measures.
struct Axis {
    scale: Scale,
    ticks: Vec<(f64, String)>,
    title: String,
    /// What the values count, for `data-unit`.
    unit: &'static str,
}

fn draw(out: &mut String, panel: &Panel, dy: f64, words: &dyn Words) {
    let (measure, title) = match panel {
        Panel::ThroughputBySize { .. } => ("throughput", PlotWord::ThroughputBySize),
        Panel::ThroughputBars(_) => ("throughput", PlotWord::Throughput),
        Panel::LatencyBySize { .. } => ("latency", PlotWord::LatencyBySize),
        Panel::LatencyPercentiles { .. } => ("latency", PlotWord::Latency),
    };
    let _ = writeln!(
        out,
        "<g class=\"panel\" data-measure=\"{measure}\">\n\
         <text class=\"title\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{}\" \
         font-weight=\"bold\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
        WIDTH / 2.0,
        dy + 58.0,
        fit(&words.plot(title), TITLE_PX, WIDTH - 80.0),
        escape(&words.plot(title)),
    );
    match panel {
        Panel::ThroughputBySize { sizes, series } => {
            let x = size_axis(sizes, words);
            let scale = binary_scale(all_y(series));
            let y = Axis {
                scale,
                ticks: binary_ticks(scale, 10)
                    .into_iter()
                    .map(|v| (v, format!("{}/s", bytes_label(v))))
                    .collect(),
                title: words.plot(PlotWord::BytesPerSecond),
                unit: "bytes-per-second",
            };
            lines(out, &frame(dy, LEFT, RIGHT), &x, &y, series, &[]);
        }
        Panel::ThroughputBars(bars) => {
            bars_panel(out, &frame(dy, LEFT_BARS, RIGHT_BARS), bars, words)
        }
        Panel::LatencyBySize { sizes, series } => {
            let x = size_axis(sizes, words);
            let y = time_axis(series, words);
            key(out, dy, words, series);
            lines(out, &frame(dy, LEFT, RIGHT), &x, &y, series, &[]);
        }
        Panel::LatencyPercentiles { columns, series } => {
            let x = Axis {
                scale: Scale::Category { n: columns.len() },
                ticks: columns
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i as f64, p.label(words)))
                    .collect(),
                title: words.plot(PlotWord::Percentile),
                unit: "percentile",
            };
            let y = time_axis(series, words);
            let names: Vec<&str> = columns.iter().map(|p| p.name()).collect();
            lines(out, &frame(dy, LEFT, RIGHT), &x, &y, series, &names);
        }
    }
    out.push_str("</g>\n");
}

fn frame(dy: f64, left: f64, right: f64) -> Frame {
    Frame {
        left,
        right,
        top: dy + TOP,
        bottom: dy + BOTTOM,
    }
}

fn all_y(series: &[Series]) -> impl Iterator<Item = f64> + '_ {
    series
        .iter()
        .flat_map(|s| &s.lines)
        .flat_map(|l| l.points.iter().flatten().map(|p| p.y))
}

fn size_axis(sizes: &[usize], words: &dyn Words) -> Axis {
    let scale = size_scale(sizes);
    Axis {
        scale,
        ticks: binary_ticks(scale, 8)
            .into_iter()
            .map(|v| (v, bytes_label(v)))
            .collect(),
        title: words.plot(PlotWord::MessageSize),
        unit: "bytes",
    }
}

fn time_axis(series: &[Series], words: &dyn Words) -> Axis {
    let scale = decimal_scale(all_y(series));
    Axis {
        scale,
        ticks: decimal_ticks(scale)
            .into_iter()
            .map(|v| (v, time_label(words, v)))
            .collect(),
        title: words.plot(PlotWord::RoundTrip),
        unit: "microseconds",
    }
}

/// The line styles of the round-trip panel, under its title: solid p50, dashed p99.
fn key(out: &mut String, dy: f64, words: &dyn Words, series: &[Series]) {
    let y = dy + 100.0;
    let _ = writeln!(out, "<g class=\"key\">");
    // Only the styles drawn: a run whose rows have no p99 has no dashed line to explain.
    let drawn = |dashed: bool| {
        series
            .iter()
            .flat_map(|s| &s.lines)
            .any(|l| l.dashed == dashed)
    };
    for (i, (word, dashed)) in [(PlotWord::Median, false), (PlotWord::P99, true)]
        .into_iter()
        .filter(|&(_, dashed)| drawn(dashed))
        .enumerate()
    {
        let x = LEFT + 140.0 + i as f64 * 440.0;
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{INK}\" \
             stroke-width=\"{LINE_WIDTH}\"{}/>\n\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{TICK_PX}\" fill=\"{INK}\">{}</text>",
            y - CENTRED,
            x + 70.0,
            y - CENTRED,
            dash(dashed),
            x + 84.0,
            y,
            escape(&words.plot(word)),
        );
    }
    out.push_str("</g>\n");
}

fn dash(dashed: bool) -> &'static str {
    if dashed {
        // Lighter than the median's line, which is the one to read first.
        " stroke-dasharray=\"14 9\" stroke-opacity=\"0.7\""
    } else {
        ""
    }
}

/// Gridlines, both axes, the series and their legend; `columns` names the columns of a
/// category x axis.
fn lines(out: &mut String, f: &Frame, x: &Axis, y: &Axis, series: &[Series], columns: &[&str]) {
    grid(out, f, x, y);
    x_axis(out, f, x);
    y_axis(out, f, y, 38.0);
    for s in series {
        let (colour, shape) = look(s.mechanism);
        let _ = writeln!(
            out,
            "<g class=\"series\" data-mechanism=\"{}\">",
            s.mechanism.name()
        );
        for line in &s.lines {
            let percentile = line
                .percentile
                .map_or(String::new(), |p| format!(" data-percentile=\"{p}\""));
            let mut d = String::new();
            let mut pen_down = false;
            for point in &line.points {
                match point {
                    Some(p) => {
                        let _ = write!(
                            d,
                            "{}{:.1} {:.1} ",
                            if pen_down { "L" } else { "M" },
                            x.scale.at(p.x, f.left, f.right),
                            y.scale.at(p.y, f.bottom, f.top)
                        );
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
            }
            let width = if line.dashed {
                LINE_WIDTH - 1.5
            } else {
                LINE_WIDTH
            };
            let _ = writeln!(
                out,
                "<path class=\"line\"{percentile} d=\"{}\" fill=\"none\" stroke=\"{colour}\" \
                 stroke-width=\"{width}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"{}/>",
                d.trim_end(),
                dash(line.dashed),
            );
        }
        for line in &s.lines {
            // A p99 point is hollow, a p50 (or only) point filled.
            let fill = if line.dashed { "white" } else { colour };
            let stroke = if line.dashed { colour } else { "white" };
            for point in line.points.iter().flatten() {
                let data = match x.scale {
                    Scale::Category { .. } => columns
                        .get(point.x as usize)
                        .map_or(String::new(), |n| format!(" data-percentile=\"{n}\"")),
                    Scale::Log { .. } | Scale::Linear { .. } => {
                        format!(" data-size=\"{}\"", point.x)
                    }
                };
                let data = match line.percentile {
                    Some(p) => format!("{data} data-percentile=\"{p}\""),
                    None => data,
                };
                let _ = writeln!(
                    out,
                    "{}",
                    marker(
                        shape,
                        x.scale.at(point.x, f.left, f.right),
                        y.scale.at(point.y, f.bottom, f.top),
                        MARKER_RADIUS,
                        fill,
                        stroke,
                        &data,
                    )
                );
            }
        }
        out.push_str("</g>\n");
    }
    legend(out, f, series);
}

fn grid(out: &mut String, f: &Frame, x: &Axis, y: &Axis) {
    out.push_str("<g class=\"grid\">\n");
    for (v, _) in &x.ticks {
        let at = x.scale.at(*v, f.left, f.right);
        let _ = writeln!(
            out,
            "<line x1=\"{at:.1}\" y1=\"{:.1}\" x2=\"{at:.1}\" y2=\"{:.1}\" stroke=\"{GRID}\" \
             stroke-width=\"1.5\"/>",
            f.top, f.bottom
        );
    }
    for (v, _) in &y.ticks {
        let at = y.scale.at(*v, f.bottom, f.top);
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{at:.1}\" x2=\"{:.1}\" y2=\"{at:.1}\" stroke=\"{GRID}\" \
             stroke-width=\"1.5\"/>",
            f.left, f.right
        );
    }
    out.push_str("</g>\n");
}

fn x_axis(out: &mut String, f: &Frame, x: &Axis) {
    let _ = writeln!(
        out,
        "<g class=\"axis\" data-axis=\"x\" data-scale=\"{}\" data-unit=\"{}\">\n\
         <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{INK}\" \
         stroke-width=\"2.5\"/>",
        x.scale.name(),
        x.unit,
        f.left,
        f.bottom,
        f.right,
        f.bottom
    );
    for (v, label) in &x.ticks {
        let at = x.scale.at(*v, f.left, f.right);
        let _ = writeln!(
            out,
            "<g class=\"tick\"><line x1=\"{at:.1}\" y1=\"{:.1}\" x2=\"{at:.1}\" y2=\"{:.1}\" \
             stroke=\"{INK}\" stroke-width=\"2.5\"/><text x=\"{at:.1}\" y=\"{:.1}\" \
             font-size=\"{TICK_PX}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text></g>",
            f.bottom,
            f.bottom + 10.0,
            f.bottom + 46.0,
            escape(label)
        );
    }
    let _ = writeln!(
        out,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{}\" \
         text-anchor=\"middle\" fill=\"{INK}\">{}</text>\n</g>",
        (f.left + f.right) / 2.0,
        f.bottom + 100.0,
        fit(&x.title, AXIS_TITLE_PX, f.right - f.left),
        escape(&x.title)
    );
}

/// The y axis; its title, turned, at `title_x` (none when empty: the bars' names say it).
fn y_axis(out: &mut String, f: &Frame, y: &Axis, title_x: f64) {
    let _ = writeln!(
        out,
        "<g class=\"axis\" data-axis=\"y\" data-scale=\"{}\" data-unit=\"{}\">\n\
         <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{INK}\" \
         stroke-width=\"2.5\"/>",
        y.scale.name(),
        y.unit,
        f.left,
        f.top,
        f.left,
        f.bottom
    );
    for (v, label) in &y.ticks {
        let at = y.scale.at(*v, f.bottom, f.top);
        let _ = writeln!(
            out,
            "<g class=\"tick\"><line x1=\"{:.1}\" y1=\"{at:.1}\" x2=\"{:.1}\" y2=\"{at:.1}\" \
             stroke=\"{INK}\" stroke-width=\"2.5\"/><text x=\"{:.1}\" y=\"{:.1}\" \
             font-size=\"{TICK_PX}\" text-anchor=\"end\" fill=\"{INK}\">{}</text></g>",
            f.left - 10.0,
            f.left,
            f.left - 16.0,
            at + CENTRED,
            escape(label)
        );
    }
    if !y.title.is_empty() {
        let middle = (f.top + f.bottom) / 2.0;
        let _ = writeln!(
            out,
            "<text class=\"axis-title\" x=\"{title_x:.1}\" y=\"{middle:.1}\" \
             font-size=\"{}\" text-anchor=\"middle\" fill=\"{INK}\" \
             transform=\"rotate(-90 {title_x:.1} {middle:.1})\">{}</text>",
            // Beside the plot area, the column is free a little above and below it.
            fit(&y.title, AXIS_TITLE_PX, f.bottom - f.top + 80.0),
            escape(&y.title)
        );
    }
    out.push_str("</g>\n");
}

/// A sample of each series' line and marker, and its name, right of the plot area.
fn legend(out: &mut String, f: &Frame, series: &[Series]) {
    const ROW: f64 = 48.0;
    let height = ROW * series.len() as f64 + 24.0;
    let _ = writeln!(
        out,
        "<g class=\"legend\">\n<rect x=\"{LEGEND_LEFT}\" y=\"{:.1}\" width=\"{:.1}\" \
         height=\"{height:.1}\" fill=\"white\" stroke=\"{GRID}\" stroke-width=\"2\" rx=\"8\"/>",
        f.top,
        WIDTH - LEGEND_LEFT - 12.0,
    );
    for (i, s) in series.iter().enumerate() {
        let (colour, shape) = look(s.mechanism);
        let y = f.top + 12.0 + ROW * (i as f64 + 0.5);
        let x = LEGEND_LEFT + 16.0;
        let _ = writeln!(
            out,
            "<g class=\"legend-item\" data-mechanism=\"{name}\"><line x1=\"{x:.1}\" \
             y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" \
             stroke-width=\"{LINE_WIDTH}\" stroke-linecap=\"round\"/>{}<text x=\"{:.1}\" \
             y=\"{:.1}\" font-size=\"{LEGEND_PX}\" fill=\"{INK}\">{name}</text></g>",
            x + 56.0,
            marker(shape, x + 28.0, y, MARKER_RADIUS, colour, "white", ""),
            x + 72.0,
            y + CENTRED,
            name = s.mechanism.name(),
        );
    }
    out.push_str("</g>\n");
}

/// A bar per mechanism, in GiB/s, its name on the left and its figure (and size) at its end.
fn bars_panel(out: &mut String, f: &Frame, bars: &[Bar], words: &dyn Words) {
    let (scale, ticks) = linear_scale(bars.iter().map(|b| b.gib_per_second).fold(0.0, f64::max));
    let x = Axis {
        scale,
        ticks: ticks
            .into_iter()
            .map(|v| (v, words.num(v, decimals_of(v))))
            .collect(),
        title: words.plot(PlotWord::GibPerSecond),
        unit: "gib-per-second",
    };
    // The y axis counts upwards; the bars read downwards, in the order of the table.
    let names = Scale::Category { n: bars.len() };
    let place = |i: usize| bars.len().saturating_sub(i + 1) as f64;
    let y = Axis {
        scale: names,
        ticks: bars
            .iter()
            .enumerate()
            .map(|(i, b)| (place(i), b.mechanism.name().to_string()))
            .collect(),
        title: String::new(),
        unit: "mechanism",
    };
    // Gridlines across the figures only.
    let no_lines = Axis {
        scale: names,
        ticks: Vec::new(),
        title: String::new(),
        unit: "mechanism",
    };
    grid(out, f, &x, &no_lines);
    x_axis(out, f, &x);
    y_axis(out, f, &y, 0.0);
    let band = (f.bottom - f.top) / bars.len().max(1) as f64;
    let thick = (band * 0.62).min(64.0);
    for (i, b) in bars.iter().enumerate() {
        let (colour, _) = look(b.mechanism);
        let middle = names.at(place(i), f.bottom, f.top);
        let end = scale.at(b.gib_per_second, f.left, f.right);
        let _ = writeln!(
            out,
            "<g class=\"series\" data-mechanism=\"{}\"><rect class=\"bar\" data-size=\"{}\" \
             x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{thick:.1}\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{TICK_PX}\" fill=\"{INK}\">{} GiB/s · {}</text></g>",
            b.mechanism.name(),
            b.size,
            f.left,
            middle - thick / 2.0,
            (end - f.left).max(0.0),
            end + 12.0,
            middle + CENTRED,
            words.num(b.gib_per_second, 2),
            human_bytes(b.size as u64),
        );
    }
}

/// The font size, at most `px`, at which `text` fits in `room` units: a sentence can be
/// longer in one language than in another. The width is estimated (0.6 em a character, about
/// DejaVu Sans'), since a picture cannot measure its text before a viewer draws it.
fn fit(text: &str, px: u32, room: f64) -> u32 {
    let wide = text.chars().count() as f64 * 0.6;
    if wide * f64::from(px) <= room {
        px
    } else {
        ((room / wide).floor() as u32).clamp(16, px)
    }
}

/// Text as SVG character data or an attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::model::Unsupported;
    use crate::report::text::Lang;

    /// A row with nothing measured: the tests fill in what they need.
    fn row(mechanism: Mechanism, measure: Measure, size_bytes: usize) -> Measurement {
        let mut row = Measurement::blank(mechanism, measure);
        row.size_bytes = size_bytes;
        row
    }

    fn stream(mechanism: Mechanism, size: usize, bytes_per_second: f64) -> Measurement {
        Measurement {
            bytes_per_second: Some(bytes_per_second),
            ..row(mechanism, Measure::Throughput, size)
        }
    }

    fn rtt(mechanism: Mechanism, size: usize, p50: f64) -> Measurement {
        Measurement {
            rtt_median_us: Some(p50),
            rtt_p90_us: Some(p50 * 1.2),
            rtt_p99_us: Some(p50 * 3.0),
            rtt_p999_us: None,
            rtt_max_us: Some(p50 * 40.0),
            ..row(mechanism, Measure::Latency, size)
        }
    }

    fn skipped(mechanism: Mechanism, measure: Measure, size: usize) -> Measurement {
        Measurement {
            skipped: Some(Unsupported::AboveSendBuffer { max_bytes: 212_960 }),
            ..row(mechanism, measure, size)
        }
    }

    const SIZES: [usize; 4] = [64, 4096, 65536, 1 << 20];

    /// A sweep like `bench --sweep 64,4K,64K,1M` on pipe, unix-seqpacket (which cannot carry
    /// the two big sizes) and tcp, plus a signal whose rows are all skipped.
    fn sweep() -> Vec<Measurement> {
        let mut rows = Vec::new();
        for (i, &size) in SIZES.iter().enumerate() {
            let f = (i + 1) as f64;
            rows.push(stream(Mechanism::Pipe, size, 1e8 * f));
            rows.push(rtt(Mechanism::Pipe, size, 5.0 * f));
            if size <= 4096 {
                rows.push(stream(Mechanism::UnixSeqpacket, size, 2e8 * f));
                rows.push(rtt(Mechanism::UnixSeqpacket, size, 6.0 * f));
            } else {
                rows.push(skipped(Mechanism::UnixSeqpacket, Measure::Throughput, size));
                rows.push(skipped(Mechanism::UnixSeqpacket, Measure::Latency, size));
            }
            rows.push(stream(Mechanism::Tcp, size, 5e7 * f));
            rows.push(rtt(Mechanism::Tcp, size, 20.0 * f));
            rows.push(Measurement {
                skipped: Some(Unsupported::NoPayload),
                ..row(Mechanism::Signal, Measure::Latency, size)
            });
        }
        rows
    }

    /// A run without a sweep: a row per mechanism and measure, signal at size 0, mq's
    /// messages capped at 8 KiB.
    fn single() -> Vec<Measurement> {
        vec![
            stream(Mechanism::Pipe, 65536, 2.7e9),
            rtt(Mechanism::Pipe, 1, 3.9),
            stream(Mechanism::Mq, 8192, 1.4e9),
            rtt(Mechanism::Mq, 1, 4.3),
            rtt(Mechanism::Signal, 0, 5.7),
        ]
    }

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
    }

    fn class_is<'a>(class: &'a str) -> impl Fn(&roxmltree::Node<'_, '_>) -> bool + 'a {
        move |n| n.attribute("class") == Some(class)
    }

    fn panels<'a, 'i>(doc: &'a roxmltree::Document<'i>) -> Vec<roxmltree::Node<'a, 'i>> {
        doc.descendants().filter(class_is("panel")).collect()
    }

    fn panel<'a, 'i>(doc: &'a roxmltree::Document<'i>, measure: &str) -> roxmltree::Node<'a, 'i> {
        panels(doc)
            .into_iter()
            .find(|p| p.attribute("data-measure") == Some(measure))
            .unwrap_or_else(|| panic!("no {measure} panel"))
    }

    /// The mechanisms of a panel's series, in order.
    fn series(panel: roxmltree::Node<'_, '_>) -> Vec<String> {
        panel
            .descendants()
            .filter(class_is("series"))
            .map(|s| s.attribute("data-mechanism").unwrap().to_string())
            .collect()
    }

    fn series_of<'a, 'i>(
        panel: roxmltree::Node<'a, 'i>,
        mechanism: &str,
    ) -> roxmltree::Node<'a, 'i> {
        panel
            .descendants()
            .filter(class_is("series"))
            .find(|s| s.attribute("data-mechanism") == Some(mechanism))
            .unwrap_or_else(|| panic!("no {mechanism} series"))
    }

    /// The `data-size`s of a series' points (of one percentile line, when given).
    fn point_sizes(series: roxmltree::Node<'_, '_>, percentile: Option<&str>) -> Vec<String> {
        series
            .descendants()
            .filter(class_is("point"))
            .filter(|p| percentile.is_none() || p.attribute("data-percentile") == percentile)
            .map(|p| p.attribute("data-size").unwrap().to_string())
            .collect()
    }

    /// The x and y axes of a panel: (scale, unit, title text).
    fn axes(panel: roxmltree::Node<'_, '_>) -> Vec<(String, String, String, String)> {
        panel
            .descendants()
            .filter(class_is("axis"))
            .map(|a| {
                let title = a
                    .descendants()
                    .find(class_is("axis-title"))
                    .and_then(|t| t.text())
                    .unwrap_or("")
                    .to_string();
                (
                    a.attribute("data-axis").unwrap().to_string(),
                    a.attribute("data-scale").unwrap().to_string(),
                    a.attribute("data-unit").unwrap().to_string(),
                    title,
                )
            })
            .collect()
    }

    fn tick_labels(panel: roxmltree::Node<'_, '_>, axis: &str) -> Vec<String> {
        panel
            .descendants()
            .filter(class_is("axis"))
            .find(|a| a.attribute("data-axis") == Some(axis))
            .unwrap()
            .descendants()
            .filter(class_is("tick"))
            .filter_map(|t| t.descendants().find(|n| n.has_tag_name("text")))
            .map(|t| t.text().unwrap_or("").to_string())
            .collect()
    }

    /// Every number in every coordinate attribute and path of the picture.
    fn coordinates(doc: &roxmltree::Document<'_>) -> Vec<String> {
        let mut found = Vec::new();
        for node in doc.descendants().filter(|n| n.is_element()) {
            for a in node.attributes() {
                if [
                    "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height", "d",
                ]
                .contains(&a.name())
                    || a.name() == "transform"
                {
                    found.extend(
                        a.value()
                            .split(|c: char| c.is_whitespace() || "MLZ(),".contains(c))
                            .filter(|w| !w.is_empty() && w != &"rotate")
                            .map(str::to_string),
                    );
                }
            }
        }
        found
    }

    fn assert_finite(doc: &roxmltree::Document<'_>) {
        let coordinates = coordinates(doc);
        assert!(!coordinates.is_empty());
        for c in coordinates {
            let v: f64 = c.parse().unwrap_or_else(|_| panic!("not a number: {c}"));
            assert!(v.is_finite(), "{c}");
        }
    }

    #[test]
    fn a_sweep_draws_a_line_per_mechanism_in_each_panel_with_units_on_both_axes() {
        let svg = svg(&sweep(), Lang::En.words());
        let doc = parse(&svg);
        assert_eq!(panels(&doc).len(), 2);
        let throughput = panel(&doc, "throughput");
        assert_eq!(series(throughput), ["pipe", "unix-seqpacket", "tcp"]);
        assert_eq!(
            axes(throughput),
            [
                (
                    "x".into(),
                    "log".into(),
                    "bytes".into(),
                    "message size (log scale)".into()
                ),
                (
                    "y".into(),
                    "log".into(),
                    "bytes-per-second".into(),
                    "bytes/s, one way (log scale)".into()
                ),
            ]
        );
        assert_eq!(
            tick_labels(throughput, "x"),
            [
                "64 B", "256 B", "1 KiB", "4 KiB", "16 KiB", "64 KiB", "256 KiB", "1 MiB"
            ]
        );
        assert!(
            tick_labels(throughput, "y")
                .iter()
                .all(|l| l.ends_with("/s"))
        );
        // Signal's rows are all skipped: no series, in either panel.
        let latency = panel(&doc, "latency");
        assert_eq!(series(latency), ["pipe", "unix-seqpacket", "tcp"]);
        let (x, y) = (&axes(latency)[0], &axes(latency)[1]);
        assert_eq!((x.1.as_str(), x.2.as_str()), ("log", "bytes"));
        assert_eq!((y.1.as_str(), y.2.as_str()), ("log", "microseconds"));
        assert_eq!(y.3, "round trip (log scale)");
        assert!(tick_labels(latency, "y").contains(&"10 µs".to_string()));
        // Each panel has a legend naming its series, and a title.
        for p in [throughput, latency] {
            let legend: Vec<&str> = p
                .descendants()
                .filter(class_is("legend-item"))
                .map(|i| i.attribute("data-mechanism").unwrap())
                .collect();
            assert_eq!(legend, series(p));
            assert_eq!(p.descendants().filter(class_is("title")).count(), 1);
        }
        assert_finite(&doc);
    }

    #[test]
    fn skipped_cells_are_no_points_and_break_no_other_line() {
        let doc_text = svg(&sweep(), Lang::En.words());
        let doc = parse(&doc_text);
        let sizes = |s: &[usize]| s.iter().map(usize::to_string).collect::<Vec<_>>();
        let throughput = panel(&doc, "throughput");
        assert_eq!(
            point_sizes(series_of(throughput, "unix-seqpacket"), None),
            sizes(&[64, 4096])
        );
        assert_eq!(
            point_sizes(series_of(throughput, "pipe"), None),
            sizes(&SIZES)
        );
        let latency = panel(&doc, "latency");
        let seqpacket = series_of(latency, "unix-seqpacket");
        assert_eq!(point_sizes(seqpacket, Some("p50")), sizes(&[64, 4096]));
        assert_eq!(point_sizes(seqpacket, Some("p99")), sizes(&[64, 4096]));
        // One p50 line and one dashed p99 line per mechanism, each one unbroken stroke.
        for mechanism in ["pipe", "unix-seqpacket", "tcp"] {
            let lines: Vec<_> = series_of(latency, mechanism)
                .descendants()
                .filter(class_is("line"))
                .collect();
            let percentiles: Vec<_> = lines
                .iter()
                .map(|l| l.attribute("data-percentile").unwrap())
                .collect();
            assert_eq!(percentiles, ["p50", "p99"]);
            assert!(lines[1].attribute("stroke-dasharray").is_some());
            for line in lines {
                assert_eq!(line.attribute("d").unwrap().matches('M').count(), 1);
            }
        }
    }

    #[test]
    fn a_hole_in_the_middle_of_a_sweep_breaks_the_line_there() {
        let mut rows = sweep();
        for r in rows
            .iter_mut()
            .filter(|r| r.mechanism == Mechanism::Pipe && r.size_bytes == 4096)
        {
            r.bytes_per_second = Some(f64::NAN);
            r.rtt_median_us = Some(0.0);
            r.rtt_p99_us = None;
        }
        let text = svg(&rows, Lang::En.words());
        let doc = parse(&text);
        for measure in ["throughput", "latency"] {
            let pipe = series_of(panel(&doc, measure), "pipe");
            let line = pipe.descendants().find(class_is("line")).unwrap();
            assert_eq!(
                line.attribute("d").unwrap().matches('M').count(),
                2,
                "{measure}"
            );
            assert!(!point_sizes(pipe, None).contains(&"4096".to_string()));
        }
        assert_finite(&doc);
    }

    #[test]
    fn without_a_sweep_throughput_is_bars_and_round_trips_are_percentiles() {
        let text = svg(&single(), Lang::En.words());
        let doc = parse(&text);
        let throughput = panel(&doc, "throughput");
        assert_eq!(series(throughput), ["pipe", "mq"]);
        let bars: Vec<_> = throughput.descendants().filter(class_is("bar")).collect();
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[1].attribute("data-size"), Some("8192"));
        assert_eq!(tick_labels(throughput, "y"), ["pipe", "mq"]);
        // Each name stands level with its own bar, the first at the top.
        let ticks: Vec<_> = throughput.descendants().filter(class_is("tick")).collect();
        let number = |n: roxmltree::Node<'_, '_>, a: &str| -> f64 {
            n.attribute(a).unwrap().parse().unwrap()
        };
        for (i, bar) in bars.iter().enumerate() {
            let name = ticks
                .iter()
                .filter_map(|t| t.descendants().find(|n| n.has_tag_name("text")))
                .find(|t| t.text() == Some(series(throughput)[i].as_str()))
                .unwrap();
            let middle = number(*bar, "y") + number(*bar, "height") / 2.0;
            assert!(
                (number(name, "y") - CENTRED - middle).abs() < 1.0,
                "bar {i}"
            );
        }
        assert!(number(bars[0], "y") < number(bars[1], "y"));
        assert_eq!(axes(throughput)[0].2, "gib-per-second");
        assert_eq!(axes(throughput)[0].3, "GiB per second, one way");
        // Signal's row is at size 0: still a line here, where x is the percentile.
        let latency = panel(&doc, "latency");
        assert_eq!(series(latency), ["pipe", "signal", "mq"]);
        assert_eq!(axes(latency)[0].1, "category");
        // No row has a p99.9 (too few round trips): no column for it.
        assert_eq!(tick_labels(latency, "x"), ["p50", "p90", "p99", "max"]);
        let points: Vec<&str> = series_of(latency, "signal")
            .descendants()
            .filter(class_is("point"))
            .map(|p| p.attribute("data-percentile").unwrap())
            .collect();
        assert_eq!(points, ["p50", "p90", "p99", "max"]);
        assert_finite(&doc);
    }

    #[test]
    fn a_run_of_one_measure_draws_one_panel() {
        let rows: Vec<Measurement> = sweep()
            .into_iter()
            .filter(|r| r.measure == Measure::Latency)
            .collect();
        let text = svg(&rows, Lang::En.words());
        let doc = parse(&text);
        assert_eq!(panels(&doc).len(), 1);
        assert_eq!(
            panel(&doc, "latency").attribute("data-measure"),
            Some("latency")
        );
        let root = doc.root_element();
        assert_eq!(root.attribute("height"), Some("900"));
    }

    #[test]
    fn a_run_with_nothing_measured_says_so_instead_of_drawing() {
        for rows in [
            Vec::new(),
            vec![skipped(Mechanism::Mq, Measure::Throughput, 1 << 20)],
        ] {
            let text = svg(&rows, Lang::Pt.words());
            let doc = parse(&text);
            assert!(panels(&doc).is_empty());
            let said = doc.descendants().find(class_is("no-data")).unwrap();
            assert_eq!(
                said.text(),
                Some(Lang::Pt.words().plot(PlotWord::NoData).as_str())
            );
        }
    }

    #[test]
    fn every_word_on_the_picture_is_in_the_chosen_language() {
        let texts = |lang: Lang| -> Vec<String> {
            let mut all = Vec::new();
            for rows in [sweep(), single()] {
                let text = svg(&rows, lang.words());
                let doc = parse(&text);
                all.extend(
                    doc.descendants()
                        .filter(|n| n.is_text())
                        .filter_map(|n| n.text())
                        .map(str::to_string),
                );
            }
            all
        };
        let english = texts(Lang::En);
        assert!(english.contains(&"Throughput by message size".to_string()));
        for lang in [Lang::Pt, Lang::Es] {
            let theirs = texts(lang);
            assert_eq!(theirs.len(), english.len());
            for word in [
                PlotWord::Title,
                PlotWord::ThroughputBySize,
                PlotWord::LatencyBySize,
                PlotWord::MessageSize,
                PlotWord::BytesPerSecond,
                PlotWord::RoundTrip,
                PlotWord::Median,
                PlotWord::Throughput,
                PlotWord::Latency,
                PlotWord::GibPerSecond,
                PlotWord::Percentile,
                PlotWord::Max,
            ] {
                let said = lang.words().plot(word);
                assert!(theirs.contains(&said), "{lang:?}: {word:?} not drawn");
                assert!(!english.contains(&said), "{lang:?}: {word:?} still English");
            }
            // Figures take the language's decimal mark: 2,51 GiB/s.
            assert!(
                theirs.iter().any(|t| t.starts_with("2,51 GiB/s")),
                "{theirs:?}"
            );
        }
        assert!(english.iter().any(|t| t.starts_with("2.51 GiB/s")));
    }

    #[test]
    fn a_mechanism_looks_the_same_in_both_panels() {
        let text = svg(&sweep(), Lang::En.words());
        let doc = parse(&text);
        let colour = |measure: &str| {
            series_of(panel(&doc, measure), "tcp")
                .descendants()
                .find(class_is("line"))
                .unwrap()
                .attribute("stroke")
                .unwrap()
                .to_string()
        };
        assert_eq!(colour("throughput"), colour("latency"));
        let colours: std::collections::HashSet<_> =
            Mechanism::ALL.iter().map(|&m| look(m).0).collect();
        assert_eq!(colours.len(), Mechanism::ALL.len());
    }

    #[test]
    fn tick_labels_read_as_people_say_them() {
        let en = Lang::En.words();
        let pt = Lang::Pt.words();
        assert_eq!(bytes_label(1.0), "1 B");
        assert_eq!(bytes_label(4096.0), "4 KiB");
        assert_eq!(bytes_label(f64::from(1u32 << 30)), "1 GiB");
        assert_eq!(time_label(en, 0.2), "0.2 µs");
        assert_eq!(time_label(pt, 0.2), "0,2 µs");
        assert_eq!(time_label(en, 50.0), "50 µs");
        assert_eq!(time_label(en, 1e4), "10 ms");
        assert_eq!(time_label(en, 1e6), "1 s");
        assert_eq!(
            decimal_ticks(Scale::Log { lo: 1.0, hi: 100.0 }),
            [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
        );
        assert_eq!(
            binary_ticks(
                Scale::Log {
                    lo: 1.0,
                    hi: 4194304.0
                },
                8
            )
            .len(),
            6,
            "1 B to 4 MiB: every 16×"
        );
        let (scale, ticks) = linear_scale(2.51);
        assert_eq!(ticks, [0.0, 1.0, 2.0, 3.0]);
        assert!(matches!(scale, Scale::Linear { hi } if hi == 3.0));
    }

    #[test]
    fn odd_figures_stay_on_the_picture_and_never_make_nan() {
        let odd = [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-6, 1e18];
        let mut rows = Vec::new();
        for (i, &v) in odd.iter().enumerate() {
            let size = 1 << (2 * i);
            rows.push(stream(Mechanism::Pipe, size, v));
            rows.push(rtt(Mechanism::Pipe, size, v));
            // One good point per mechanism, and one at size 0 that no log axis can place.
            rows.push(stream(Mechanism::Fifo, size, 1e9));
            rows.push(rtt(Mechanism::Fifo, 0, 5.0));
        }
        for rows in [rows.clone(), rows[..2].to_vec(), rows[4..6].to_vec()] {
            let text = svg(&rows, Lang::Es.words());
            let doc = parse(&text);
            assert_finite(&doc);
            let height: f64 = doc
                .root_element()
                .attribute("height")
                .unwrap()
                .parse()
                .unwrap();
            for point in doc.descendants().filter(class_is("point")) {
                for (a, most) in [("cx", WIDTH), ("cy", height)] {
                    if let Some(v) = point.attribute(a) {
                        let v: f64 = v.parse().unwrap();
                        assert!((0.0..=most).contains(&v), "{a}={v}");
                    }
                }
            }
        }
        // Without any p99, the key does not explain a dashed line.
        let no_tail: Vec<Measurement> = sweep()
            .into_iter()
            .map(|r| Measurement {
                rtt_p99_us: None,
                ..r
            })
            .collect();
        let text = svg(&no_tail, Lang::En.words());
        let doc = parse(&text);
        let key = doc.descendants().find(class_is("key")).unwrap();
        assert_eq!(
            key.descendants().filter(|n| n.has_tag_name("line")).count(),
            1
        );
    }

    /// Not a check: draws rows from a bench's JSON lines to look at, e.g.
    /// `cargo run --release -- --json bench --quick --sweep > /tmp/rows.json`, then
    /// `IPCDEMO_PLOT_ROWS=/tmp/rows.json IPCDEMO_PLOT_LANG=pt cargo test -- --ignored draws_`
    /// writes /tmp/plot.svg (or IPCDEMO_PLOT_OUT).
    #[test]
    #[ignore]
    fn draws_rows_from_a_json_file_to_look_at() {
        let rows_path =
            std::env::var("IPCDEMO_PLOT_ROWS").unwrap_or_else(|_| "/tmp/rows.json".into());
        let out = std::env::var("IPCDEMO_PLOT_OUT").unwrap_or_else(|_| "/tmp/plot.svg".into());
        let lang = match std::env::var("IPCDEMO_PLOT_LANG").as_deref() {
            Ok("pt") => Lang::Pt,
            Ok("es") => Lang::Es,
            _ => Lang::En,
        };
        let text = std::fs::read_to_string(rows_path).unwrap();
        let rows: Vec<Measurement> = text
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|v| {
                let mechanism = Mechanism::ALL
                    .into_iter()
                    .find(|m| v["mechanism"].as_str() == Some(m.name()))?;
                let measure = match v["measure"].as_str()? {
                    "throughput" => Measure::Throughput,
                    _ => Measure::Latency,
                };
                let size = v["size_bytes"].as_u64()? as usize;
                let f = |k: &str| v[k].as_f64();
                Some(Measurement {
                    skipped: (!v["skipped"].is_null()).then_some(Unsupported::NoPayload),
                    bytes_per_second: f("bytes_per_second"),
                    rtt_median_us: f("rtt_p50_us"),
                    rtt_p90_us: f("rtt_p90_us"),
                    rtt_p99_us: f("rtt_p99_us"),
                    rtt_p999_us: f("rtt_p999_us"),
                    rtt_max_us: f("rtt_max_us"),
                    ..row(mechanism, measure, size)
                })
            })
            .collect();
        std::fs::write(out, svg(&rows, lang.words())).unwrap();
    }
}
