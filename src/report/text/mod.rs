//! Every sentence ipcdemo says, one file per language. Each file implements [`Words`], whose
//! methods are exhaustive `match`es with no wildcard arm: a message added to `event` or `sys`
//! does not compile until every language says it. Adding a language is one file and one
//! [`Lang`] variant.
//!
//! Shared here, so no language types them by hand: plurals ([`count`]), figures with the
//! language's decimal mark ([`Words::num`]), table widths computed from the cells ([`table`]),
//! and prose wrapped to the terminal ([`wrap`]).

mod en;
mod es;
mod pt;

use std::path::Path;

use crate::bench::model::{BenchNote, FanIn, Measure, Measurement, Mechanism, Unsupported};
use crate::event::{
    AlarmReport, AtomicRun, CapacityReport, CpuReport, CrashReport, Error, Event, ExecReport,
    HeldFd, LeakReport, Note, PingPongReport, ProcessEnd, QueueReport, ReadCounts, Role,
    SignalReport, SyncMode, Why,
};
use crate::sys::pipesize::PipeSizeError;
use crate::sys::sigqueue::SigNo;
use crate::sys::{Doing, FileKind, Object, Refusal};

use super::lessons::Lesson;

/// The language of human messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English
    En,
    /// Português, with the notebook's own words (Pai, Filho, recebeu, às)
    Pt,
    /// Español
    Es,
}

impl Lang {
    /// The POSIX order: LC_ALL, then LC_MESSAGES, then LANG; the first one set decides.
    pub fn from_environment() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .find(|value| !value.is_empty())
            .map_or(Lang::En, |value| Lang::from_locale(&value))
    }

    fn from_locale(value: &str) -> Lang {
        let code = value.get(..2).unwrap_or("");
        Lang::ALL
            .into_iter()
            .find(|lang| lang.words().code() == code)
            .unwrap_or(Lang::En)
    }

    pub const ALL: [Lang; 3] = [Lang::En, Lang::Pt, Lang::Es];

    /// This language's words.
    pub fn words(self) -> &'static dyn Words {
        match self {
            Lang::En => &en::En,
            Lang::Pt => &pt::Pt,
            Lang::Es => &es::Es,
        }
    }
}

/// Everything said in one language. Each method is one `match` over a type from `event`,
/// `sys` or `bench::model`.
pub trait Words: Sync {
    /// The ISO 639-1 code a locale starts with (`pt` in `pt_BR.UTF-8`).
    fn code(&self) -> &'static str;
    /// The decimal mark in figures (timestamps keep the point, as the notebook printed them).
    fn decimal_mark(&self) -> char;
    fn role(&self, role: Role) -> &'static str;
    /// One event line; `None` for events shown only in JSON (end of file).
    fn event(&self, who: &str, pid: i32, time: &str, event: &Event<'_>) -> Option<String>;
    fn note(&self, note: &Note<'_>) -> String;
    fn error(&self, error: &Error) -> String;
    /// What we were doing (on `path`, where there is one).
    fn doing(&self, doing: Doing, path: Option<&Path>) -> String;
    fn refusal(&self, path: &Path, refusal: Refusal) -> String;
    fn file_kind(&self, kind: FileKind) -> &'static str;
    fn object(&self, object: Object) -> &'static str;
    fn process_end(&self, end: ProcessEnd) -> String;
    fn pipe_size_refused(&self, refused: &PipeSizeError) -> String;
    /// The word before an error.
    fn error_prefix(&self) -> &'static str;
    fn reads_summary(&self, counts: &ReadCounts) -> String;
    fn sent_summary(&self, pid: i32, messages: u64, bytes: u64) -> String;
    /// signal: what was sent and what arrived (a son's own line when `role` is the son).
    fn signals_summary(&self, pid: i32, report: &SignalReport) -> String;
    fn ping_pong_summary(&self, report: &PingPongReport) -> String;
    fn alarm_summary(&self, report: &AlarmReport) -> String;
    /// The mq father's summary: what it received, and the queue's size.
    fn queue_summary(&self, report: &QueueReport) -> String;
    fn why(&self, why: Why) -> String;
    fn capacity_summary(&self, report: &CapacityReport) -> String;
    fn capacity_why(&self, report: &CapacityReport) -> String;
    /// What went to exec's son and what came back, and how the son ended.
    fn exec_summary(&self, report: &ExecReport) -> String;
    fn atomic_header(&self) -> [&'static str; 6];
    fn atomic_verdict(&self, run: &AtomicRun) -> String;
    /// The columns of `shm race`'s table.
    fn race_header(&self) -> [&'static str; 9];
    /// Why a race with this `sync` lost what it lost.
    fn race_why(&self, sync: SyncMode) -> String;
    /// The robust mutex told a locker `times` times that its owner had died.
    fn race_owner_died(&self, times: u64) -> String;
    /// What one side of `shm` cost in CPU, and how it waited.
    fn cpu_summary(&self, report: &CpuReport) -> String;
    /// The single-process copy-and-verify ceiling beside the shm throughput, in GiB/s, and
    /// the shm row's own figure.
    /// The shm row's ceiling; `which` is `shm`, or `shm, 64 KiB` in a sweep.
    fn copy_ceiling(&self, which: &str, ceiling_gib: f64, shm_gib: f64) -> String;
    fn measure(&self, measure: Measure) -> &'static str;
    fn bench_header(&self) -> [&'static str; 16];
    /// Why a sweep has no row for a mechanism at a size (the mode column of a `-` row).
    fn unsupported(&self, why: Unsupported) -> String;
    /// A bench row's CPU cost: µs per round trip, or seconds per GiB.
    fn cpu_cost(&self, value: f64, measure: Measure) -> String;
    /// The parts of a row's mode column (calls, pipe size, polling, huge pages, pinning).
    fn mode_part(&self, part: ModePart) -> String;
    fn bench_note(&self, mechanism: Mechanism, note: &BenchNote) -> String;
    /// Under the table, for a fan-in row: each sender's share of the bytes read when the first
    /// sender finished, smallest and largest, against the ideal.
    fn fan_in_fairness(&self, mechanism: Mechanism, fan_in: &FanIn) -> String;
    /// The one-line reading of a bench table.
    fn bench_reading(&self, reading: &Reading) -> String;
    /// The title of an exported Markdown page.
    fn export_title(&self) -> &'static str;
    /// A label of an exported Markdown page's facts (see [`machine_facts`]).
    fn fact(&self, fact: Fact) -> &'static str;
    /// "CPUs: 2 online; this run may use 0, 1".
    fn cpus_fact(&self, online: usize, allowed: &str) -> String;
    fn progress(
        &self,
        step: usize,
        steps: usize,
        mechanism: Mechanism,
        measure: Measure,
        size: Option<usize>,
    ) -> String;
    /// "the father spent 87 % of the time waiting".
    fn waiting(&self, waiting: &crate::event::Waiting) -> String;
    /// The words of the timeline.
    fn timeline(&self, word: TimelineWord) -> String;
    /// The words of the bench's SVG picture (titles, axes, legend).
    fn plot(&self, word: PlotWord) -> String;
    /// `atomic`'s sign of life: record size `step` of `steps`.
    fn atomic_progress(&self, step: usize, steps: usize, record_size: usize) -> String;
    /// fds: the forgotten write end and the close-on-exec pair, in one or two lines.
    fn leak_summary(&self, report: &LeakReport) -> String;
    fn leak_why(&self) -> String;
    /// fds --kill-son: what one mechanism left.
    fn crash_summary(&self, report: &CrashReport) -> String;
    /// Said once, after the last crash summary.
    fn crash_why(&self) -> String;
    fn lesson(&self, lesson: Lesson) -> &'static str;
    fn lessons_intro(&self) -> &'static str;
    fn lessons_outro(&self) -> &'static str;

    /// A duration as a person reads it: `2 s`, `1,5 s`, `250 ms`.
    fn duration(&self, d: std::time::Duration) -> String {
        let seconds = d.as_secs_f64();
        if seconds >= 1.0 {
            let text = self.num(seconds, 3);
            let text = text.trim_end_matches('0');
            format!("{} s", text.trim_end_matches(['.', ',']))
        } else if d.as_millis() > 0 {
            format!("{} ms", d.as_millis())
        } else {
            format!("{} µs", d.as_micros())
        }
    }

    /// A figure with `decimals` decimals and this language's decimal mark.
    fn num(&self, value: f64, decimals: usize) -> String {
        let text = format!("{value:.decimals$}");
        match self.decimal_mark() {
            '.' => text,
            mark => text.replace('.', &mark.to_string()),
        }
    }
}

/// The words a timeline needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimelineWord {
    Son,
    Father,
    Pipe,
    Write,
    /// How many writes a read carried.
    Writes(u64),
    /// How long a read waited, in ms.
    Waited(f64),
    EndOfFile,
    /// What the middle column means.
    Legend(crate::event::Channel),
}

/// The words of the bench's SVG picture (`report::plot`): everything it writes but
/// mechanism names, percentile names (p50, p99.9) and figures with their units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotWord {
    /// The picture's own title (its SVG `<title>`).
    Title,
    /// Panel: throughput against message size, a line per mechanism.
    ThroughputBySize,
    /// Panel: throughput with one size per mechanism, a bar each.
    Throughput,
    /// Panel: round-trip percentiles against message size.
    LatencyBySize,
    /// Panel: the round-trip percentiles of each mechanism, one size each.
    Latency,
    /// Axis: the message size (log scale).
    MessageSize,
    /// Axis of throughput against size: bytes per second, one way (log scale).
    BytesPerSecond,
    /// Axis of throughput bars: GiB per second, one way.
    GibPerSecond,
    /// Axis: the round-trip time (log scale).
    RoundTrip,
    /// Axis: which percentile of the round trips.
    Percentile,
    /// Legend: the solid line is the median.
    Median,
    /// Legend: the dashed line is the 99th percentile.
    P99,
    /// The slowest round trip, as a place on the percentile axis.
    Max,
    /// Said instead of a picture when the run measured nothing.
    NoData,
}

/// One part of a bench row's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModePart {
    ReadWrite,
    ZeroCopy,
    /// mq: `mq_send(3)` and `mq_receive(3)`.
    SendReceive,
    /// mq: queues of `max_messages` messages of `message_size` bytes.
    Queue {
        max_messages: u64,
        message_size: usize,
    },
    PipeSize(usize),
    BusyPoll,
    HugePages,
    SameCpu(usize),
    SplitCpus(usize, usize),
    /// A signal each way: sigqueue(3) and sigtimedwait(2).
    Sigqueue,
    /// shm: both sides copy with memcpy, no system call per record.
    Memcpy,
    /// shm: the waiting side sleeps in futex(2).
    Futex,
    /// shm: the ring's data area, in bytes.
    Ring(usize),
    /// Latency without percentiles (`--no-percentiles`): the mean round trip, in nanoseconds.
    MeanOnly(u64),
    /// Fan-in: this many senders, writing records of this many bytes.
    FanIn {
        senders: usize,
        record_bytes: usize,
    },
}

/// A share of one CPU, in per cent: CPU time over wall time.
pub fn percent_of_a_cpu(cpu: f64, wall: f64) -> f64 {
    if wall > 0.0 { 100.0 * cpu / wall } else { 0.0 }
}

/// What the bench table's closing line says.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// The fastest stream, its GiB/s, and how many times TCP's (when TCP ran and lost).
    pub fastest: Option<(Mechanism, f64, Option<f64>)>,
    /// The quickest round trip and its median in µs (its mean, with `by_mean`).
    pub quickest: Option<(Mechanism, f64)>,
    /// No row had percentiles (`--no-percentiles`): the quickest is by its mean round trip.
    pub by_mean: bool,
    /// The quickest round trip was a cross-CPU wake-up (suggest --pin same or --busy-poll).
    pub suggest_pinning: bool,
    /// In a sweep (rows of more than one size): the message sizes of the fastest stream and
    /// of the quickest round trip.
    pub sizes: (Option<usize>, Option<usize>),
}

/// The labels of an exported page's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Command,
    Kernel,
    /// What the system did not say.
    Unknown,
}

/// The facts of an exported Markdown page, a line each: ipcdemo's version, the command, the
/// CPU, the CPUs online and allowed, the kernel, pipe-max-size.
pub fn machine_facts(
    words: &dyn Words,
    machine: &crate::sys::machine::Machine,
    version: &str,
    command: &[String],
) -> Vec<String> {
    let unknown = || words.fact(Fact::Unknown).to_string();
    let allowed: Vec<String> = machine.cpus_allowed.iter().map(|c| c.to_string()).collect();
    let allowed = match allowed.is_empty() {
        true => unknown(),
        false => allowed.join(", "),
    };
    vec![
        format!("ipcdemo {version}"),
        // Double backticks: a backtick inside the command cannot end the code span.
        format!(
            "{}: `` {} ``",
            words.fact(Fact::Command),
            command_line(command)
        ),
        format!("CPU: {}", machine.cpu_model.clone().unwrap_or_else(unknown)),
        words.cpus_fact(machine.cpus_online, &allowed),
        format!(
            "{}: {}",
            words.fact(Fact::Kernel),
            machine.kernel.clone().unwrap_or_else(unknown)
        ),
        format!(
            "pipe-max-size: {}",
            machine
                .pipe_max_size_bytes
                .map_or_else(unknown, |b| human_bytes(b as u64))
        ),
    ]
}

/// A mechanism's name, with the message size in a sweep: `shm (64 KiB)`.
pub fn sized(mechanism: Mechanism, size: Option<usize>) -> String {
    match size {
        Some(size) => format!("{} ({})", mechanism.name(), human_bytes(size as u64)),
        None => mechanism.name().to_string(),
    }
}

impl Reading {
    pub fn of(results: &[Measurement]) -> Reading {
        let gib = |m: &Measurement| m.bytes_per_second.unwrap_or(0.0) / f64::from(1u32 << 30);
        let fastest = results
            .iter()
            .filter(|m| m.bytes_per_second.is_some())
            .max_by(|a, b| gib(a).total_cmp(&gib(b)));
        let quickest_by = |of: fn(&Measurement) -> Option<f64>| {
            results
                .iter()
                .filter_map(|m| of(m).map(|value| (m, value)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
        };
        let by_median = quickest_by(|m| m.rtt_median_us);
        let by_mean = by_median.is_none();
        let quickest = by_median.or_else(|| quickest_by(|m| m.rtt_mean_us));
        // TCP at the same size as the fastest: a sweep compares like with like.
        let tcp = results.iter().find(|m| {
            m.mechanism == Mechanism::Tcp
                && m.bytes_per_second.is_some()
                && fastest.is_some_and(|best| best.size_bytes == m.size_bytes)
        });
        // A sweep measures one mechanism and measure more than once (at several sizes); a
        // plain run's rows may differ in size too (mq's capped messages, signal's none).
        let swept = results.iter().enumerate().any(|(i, m)| {
            results[..i].iter().any(|o| {
                o.mechanism == m.mechanism && o.measure == m.measure && o.size_bytes != m.size_bytes
            })
        });
        let size_of = |m: &Measurement| swept.then_some(m.size_bytes);
        Reading {
            sizes: (
                fastest.and_then(size_of),
                quickest.and_then(|(m, _)| size_of(m)),
            ),
            fastest: fastest.map(|best| {
                let times_tcp = tcp
                    .filter(|t| t.mechanism != best.mechanism && gib(t) > 0.0)
                    .map(|t| gib(best) / gib(t));
                (best.mechanism, gib(best), times_tcp)
            }),
            quickest: quickest.map(|(m, median)| (m.mechanism, median)),
            by_mean: by_mean && quickest.is_some(),
            // Only for small messages: moving megabytes takes time of its own.
            suggest_pinning: quickest.is_some_and(|(m, median)| {
                median > 20.0
                    && m.size_bytes <= 4096
                    && m.mode.pin != crate::bench::model::Pin::Same
                    && !m.mode.busy_poll
            }),
        }
    }
}

/// `n` and the noun, singular for exactly one: "1 message", "0 messages", "2 messages".
/// English, Portuguese and Spanish agree on this rule.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub use crate::units::human_bytes;

/// A socket son as the father names it: its pid, or its TCP address and port.
pub fn son_name(son: crate::event::SonId) -> String {
    match son {
        crate::event::SonId::Process { son } => son.to_string(),
        crate::event::SonId::Address { peer } => peer.to_string(),
    }
}

/// The exact command a socket son needs to reach this father (not words: a command line).
pub fn son_command(path: &Path, seqpacket: bool, given_path: bool) -> String {
    let mut command = String::from("ipcdemo socket --son");
    if seqpacket {
        command.push_str(" --seqpacket");
    }
    if given_path {
        command.push_str(&format!(
            " --path {}",
            shell_quote(&path.display().to_string())
        ));
    }
    command
}

/// A command line as a shell would take it back: each word quoted where it needs to be, and
/// a word with control characters (a newline, an escape sequence) as bash's `$'…'`, so none
/// reaches the terminal raw.
pub fn command_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if w.chars().any(char::is_control) {
                let inner: String = w
                    .chars()
                    .map(|c| match c {
                        '\'' => "\\'".to_string(),
                        '\\' => "\\\\".to_string(),
                        '\n' => "\\n".to_string(),
                        '\t' => "\\t".to_string(),
                        '\r' => "\\r".to_string(),
                        c if c.is_control() => format!("\\u{:04x}", u32::from(c)),
                        c => c.to_string(),
                    })
                    .collect();
                format!("$'{inner}'")
            } else {
                shell_quote(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The exact command a signal son needs to reach this father (a command line, not words).
pub fn signal_son_command(pid: i32, realtime: bool) -> String {
    let mut command = format!("ipcdemo signal --son {pid}");
    if realtime {
        command.push_str(" --realtime");
    }
    command
}

/// The exact command for the other side of a message queue: `ipcdemo mq` (the father) or
/// `ipcdemo mq --son`, with `--name` when the name was chosen (not words: a command line).
pub fn mq_command(name: &str, given_name: bool, son: bool) -> String {
    let mut command = String::from("ipcdemo mq");
    if son {
        command.push_str(" --son");
    }
    if given_name {
        command.push_str(&format!(" --name {}", shell_quote(name)));
    }
    command
}

/// The shell's way to send the same signal by hand: `kill -s USR2 PID`.
pub fn signal_kill_command(pid: i32, signal: SigNo) -> String {
    let name = signal.name();
    format!("kill -s {} {pid}", name.trim_start_matches("SIG"))
}

/// A limit read from the system: the number, `?` when it could not be read.
pub fn limit(value: Option<u64>) -> String {
    value.map_or_else(|| "?".to_string(), |v| v.to_string())
}

/// The exact command that receives from this sender (not words: a command line).
pub fn receive_command(path: &Path, given_path: bool) -> String {
    let mut command = String::from("ipcdemo fds --receive");
    if given_path {
        command.push_str(&format!(
            " --path {}",
            shell_quote(&path.display().to_string())
        ));
    }
    command
}

/// The exact command a shm son needs to reach this father.
pub fn shm_son_command(path: &Path, given_path: bool) -> String {
    let mut command = String::from("ipcdemo shm --son");
    if given_path {
        command.push_str(&format!(
            " --path {}",
            shell_quote(&path.display().to_string())
        ));
    }
    command
}

/// Descriptor numbers as a list: `3, 4`.
pub fn fd_list(fds: &[i32]) -> String {
    fds.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Descriptors in processes: `pid 100 fd 4, pid 102 fd 3` (names, the same in every language).
pub fn held_list(held: &[HeldFd]) -> String {
    held.iter()
        .map(|h| format!("pid {} fd {}", h.pid, h.fd))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` as one shell word: as is when it is plain, else in single quotes.
pub fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// How a column lines up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Lines of a table whose widths come from its cells (header included), two spaces apart;
/// the last column is left ragged.
pub fn table(rows: &[Vec<String>], align: &[Align]) -> Vec<String> {
    let columns = align.len();
    let mut widths = vec![0; columns];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = widths[i].saturating_sub(cell.chars().count());
                let last = i + 1 == columns;
                match align[i] {
                    Align::Right => {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(cell);
                    }
                    Align::Left if last => line.push_str(cell),
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// Wraps prose at word boundaries to `width` columns. Continuation lines hang under the text
/// after a leading label (`why: `, `summary: `), as clap's help hangs its descriptions; lines
/// already shorter than `width` are left alone.
pub fn wrap(text: &str, width: usize) -> String {
    text.lines()
        .map(|line| wrap_line(line, width))
        .collect::<Vec<_>>()
        .join("\n")
}

fn wrap_line(line: &str, width: usize) -> String {
    if line.chars().count() <= width || width < 20 {
        return line.to_string();
    }
    // The hanging indent: after a short "label: " at the start, else two spaces.
    let indent = line
        .find(": ")
        .map(|at| line[..at + 2].chars().count())
        .filter(|&n| n <= 16)
        .unwrap_or(2);
    let mut out = String::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in line.split(' ') {
        let word_len = word.chars().count();
        let room = if out.is_empty() {
            width
        } else {
            width - indent
        };
        if current_len > 0 && current_len + 1 + word_len > room {
            push_line(&mut out, &current, indent);
            current.clear();
            current_len = 0;
        }
        if current_len > 0 {
            current.push(' ');
            current_len += 1;
        }
        current.push_str(word);
        current_len += word_len;
    }
    push_line(&mut out, &current, indent);
    out
}

fn push_line(out: &mut String, line: &str, indent: usize) {
    if !out.is_empty() {
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    out.push_str(line);
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests;
