//! `--trace FILE`: the run as Chrome's Trace Event Format (what Perfetto's UI and
//! chrome://tracing open), or as a self-contained HTML page of SVG lanes for a slide. One track
//! per process and role, an `X` slice per `read(2)`/`write(2)` with its duration, a flow from
//! each write to every read that returned its bytes, and a counter of the bytes in the pipe
//! (added at a write's call, taken off at a read's return). Times are microseconds since the
//! first call, on the one clock of the run.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::event::{Event, Role};

/// One call, as the trace keeps it.
#[derive(Debug, Clone)]
struct Call {
    write: bool,
    pid: i32,
    role: Role,
    /// Seconds on the run's clock.
    start: f64,
    end: f64,
    bytes: usize,
    data: String,
    from: u64,
    to: u64,
}

/// The most calls a trace keeps: a million-message run would otherwise take gigabytes; the
/// first ones are kept, and the file says how many were left out.
pub const MOST_CALLS: usize = 50_000;

#[derive(Default)]
pub struct Trace {
    calls: Mutex<Vec<Call>>,
    /// Calls left out past [`MOST_CALLS`].
    dropped: std::sync::atomic::AtomicU64,
}

impl Trace {
    /// Keeps a read or a write that carries its timing; other events are not calls.
    pub fn record(&self, time: f64, role: Role, pid: i32, event: &Event<'_>) {
        let call = match *event {
            Event::Sent {
                data,
                timing: Some(t),
                ..
            } => Call {
                write: true,
                pid,
                role,
                start: t.call_at,
                end: t.returned_at.unwrap_or(t.call_at).max(t.call_at),
                bytes: data.0.len(),
                data: data.escaped(),
                from: t.from,
                to: t.to,
            },
            Event::Read { data, timing: t }
            | Event::Received {
                data,
                timing: Some(t),
                ..
            } => Call {
                write: false,
                pid,
                role,
                start: t.call_at,
                end: time.max(t.call_at),
                bytes: data.0.len(),
                data: data.escaped(),
                from: t.from,
                to: t.to,
            },
            _ => return,
        };
        if let Ok(mut calls) = self.calls.lock() {
            // A FIFO father's first line carries the timing of the read just recorded whole.
            let same_read = |last: &Call| {
                !last.write && !call.write && last.pid == call.pid && last.from == call.from
            };
            if calls.last().is_some_and(same_read) {
                return;
            }
            if calls.len() < MOST_CALLS {
                calls.push(call);
            } else {
                self.dropped
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// Calls left out, past [`MOST_CALLS`].
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn calls(&self) -> Vec<Call> {
        let mut calls = self.calls.lock().map(|c| c.clone()).unwrap_or_default();
        calls.sort_by(|a, b| a.start.total_cmp(&b.start));
        calls
    }

    /// Writes the trace to `path` (JSON, or HTML for a `.html` name), through a temporary file
    /// in the same folder renamed into place: a run stopped half-way never leaves half a file.
    /// The temporary file is made new (`O_EXCL`, so never through a link someone planted) under
    /// an unpredictable name, and registered for removal should a second stop signal end us at
    /// once. `give_up` is asked between pieces: a stop that comes while a big trace is written
    /// abandons it. Returns false when it gave up.
    pub fn save(&self, path: &Path, give_up: &dyn Fn() -> bool) -> std::io::Result<bool> {
        let calls = self.calls();
        let html = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        crate::sys::atomic_file::save(path, &mut |out| {
            if html {
                out.write_all(page(&calls).as_bytes()).map(|()| true)
            } else {
                chrome(&calls, self.dropped(), &mut &mut *out, give_up)
            }
        })
    }
}

fn track(call: &Call) -> i32 {
    match call.role {
        Role::Father => 1,
        Role::Son => 2,
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Father => "father",
        Role::Son => "son",
    }
}

/// The pairs (write, read) where the read returned bytes of the write: both sorted by stream
/// offset, so one pass over each finds them all.
fn flows(calls: &[Call]) -> Vec<(usize, usize)> {
    let mut writes: Vec<usize> = (0..calls.len()).filter(|&i| calls[i].write).collect();
    let mut reads: Vec<usize> = (0..calls.len()).filter(|&i| !calls[i].write).collect();
    writes.sort_by_key(|&i| calls[i].from);
    reads.sort_by_key(|&i| calls[i].from);
    let mut pairs = Vec::new();
    let mut first = 0;
    for &r in &reads {
        let read = &calls[r];
        while first < writes.len() && calls[writes[first]].to <= read.from {
            first += 1;
        }
        for &w in &writes[first..] {
            let write = &calls[w];
            if write.from >= read.to {
                break;
            }
            pairs.push((w, r));
        }
    }
    pairs
}

/// Writes the Chrome trace, one event at a time (a big run never sits in memory as one JSON
/// value); false when `give_up` said to stop.
fn chrome(
    calls: &[Call],
    dropped: u64,
    out: &mut impl std::io::Write,
    give_up: &dyn Fn() -> bool,
) -> std::io::Result<bool> {
    let origin = calls.first().map_or(0.0, |c| c.start);
    let us = |t: f64| ((t - origin) * 1e6 * 1000.0).round() / 1000.0;
    let mut first = true;
    let mut emit = |out: &mut dyn std::io::Write, event: Value| -> std::io::Result<()> {
        if !first {
            out.write_all(b",\n")?;
        }
        first = false;
        serde_json::to_writer(&mut *out, &event).map_err(std::io::Error::other)
    };
    out.write_all(b"{\"displayTimeUnit\":\"ms\",")?;
    if dropped > 0 {
        write!(out, "\"calls_left_out\":{dropped},")?;
    }
    out.write_all(b"\"traceEvents\":[\n")?;
    let mut named = std::collections::BTreeSet::new();
    for (n, call) in calls.iter().enumerate() {
        if n % 4096 == 0 && give_up() {
            return Ok(false);
        }
        if named.insert((call.pid, track(call))) {
            emit(
                out,
                json!({"ph": "M", "name": "process_name", "pid": call.pid,
                "args": {"name": format!("{} {}", role_name(call.role), call.pid)}}),
            )?;
            emit(
                out,
                json!({"ph": "M", "name": "thread_name", "pid": call.pid,
                "tid": track(call), "args": {"name": role_name(call.role)}}),
            )?;
        }
        emit(
            out,
            json!({
                "name": if call.write { "write" } else { "read" },
                "cat": "io", "ph": "X", "pid": call.pid, "tid": track(call),
                "ts": us(call.start), "dur": us(call.end) - us(call.start),
                "args": {"bytes": call.bytes, "data": call.data, "from": call.from, "to": call.to},
            }),
        )?;
    }
    for (id, (w, r)) in flows(calls).into_iter().enumerate() {
        if id % 4096 == 0 && give_up() {
            return Ok(false);
        }
        let (write, read) = (&calls[w], &calls[r]);
        emit(
            out,
            json!({"name": "bytes", "cat": "flow", "ph": "s", "id": id,
            "pid": write.pid, "tid": track(write), "ts": us(write.start)}),
        )?;
        emit(
            out,
            json!({"name": "bytes", "cat": "flow", "ph": "f", "bp": "e", "id": id,
            "pid": read.pid, "tid": track(read), "ts": us(read.end)}),
        )?;
    }
    // The counter: +bytes at each write's call, -bytes at each read's return, in time order.
    let mut changes: Vec<(f64, i64)> = calls
        .iter()
        .map(|c| {
            if c.write {
                (c.start, c.bytes as i64)
            } else {
                (c.end, -(c.bytes as i64))
            }
        })
        .collect();
    changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let counter_pid = calls
        .iter()
        .find(|c| c.role == Role::Father)
        .or(calls.first())
        .map_or(0, |c| c.pid);
    let mut in_pipe = 0i64;
    for (time, change) in changes {
        in_pipe += change;
        emit(
            out,
            json!({"name": "in pipe", "ph": "C", "pid": counter_pid,
            "ts": us(time), "args": {"bytes": in_pipe.max(0)}}),
        )?;
    }
    out.write_all(b"\n]}\n")?;
    Ok(true)
}

/// XML text: `&`, `<`, `>` and quotes escaped.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained page: one lane per process and role, a mark per call (hover for its
/// details), a line per flow. No script, no network.
fn page(calls: &[Call]) -> String {
    let origin = calls.first().map_or(0.0, |c| c.start);
    let last = calls.iter().map(|c| c.end).fold(origin, f64::max);
    let span = (last - origin).max(1e-6);
    let mut lanes: Vec<(i32, Role)> = Vec::new();
    for call in calls {
        if !lanes.contains(&(call.pid, call.role)) {
            lanes.push((call.pid, call.role));
        }
    }
    let (left, width, lane_h) = (140.0, 1000.0, 60.0);
    let height = 40.0 + lane_h * lanes.len() as f64 + 30.0;
    let x = |t: f64| left + (t - origin) / span * width;
    let y = |pid: i32, role: Role| {
        let i = lanes.iter().position(|l| *l == (pid, role)).unwrap_or(0);
        40.0 + lane_h * i as f64
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{height}" font-family="sans-serif" font-size="14">"#,
        left + width + 40.0
    );
    for (pid, role) in &lanes {
        let top = y(*pid, *role);
        let _ = write!(
            svg,
            r##"<g class="lane" data-pid="{pid}"><text x="10" y="{}">{} {pid}</text><line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#bbb"/></g>"##,
            top + 30.0,
            role_name(*role),
            top + 25.0,
            left + width,
            top + 25.0
        );
    }
    for (w, r) in flows(calls) {
        let (write, read) = (&calls[w], &calls[r]);
        let _ = write!(
            svg,
            r##"<line class="flow" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#888" stroke-dasharray="4 3"/>"##,
            x(write.start),
            y(write.pid, write.role) + 25.0,
            x(read.end),
            y(read.pid, read.role) + 25.0
        );
    }
    for call in calls {
        let colour = if call.write { "#d08c00" } else { "#0a7ea4" };
        let _ = write!(
            svg,
            r##"<rect class="call" x="{:.1}" y="{:.1}" width="{:.1}" height="20" fill="{colour}"><title>{} {} bytes [{}] at {:.6} s, {:.1} µs</title></rect>"##,
            x(call.start),
            y(call.pid, call.role) + 15.0,
            (x(call.end) - x(call.start)).max(2.0),
            if call.write { "write" } else { "read" },
            call.bytes,
            xml(&call.data),
            call.start - origin,
            (call.end - call.start) * 1e6
        );
    }
    // The bytes of each read written on the page where there is room: the glued reads show.
    for call in calls.iter().filter(|c| !c.write) {
        let (from, to) = (x(call.start), x(call.end));
        let label = format!("[{}]", call.data);
        if to - from >= 7.5 * label.chars().count() as f64 {
            let _ = write!(
                svg,
                r##"<text class="data" x="{:.1}" y="{:.1}" font-size="12" fill="#fff">{}</text>"##,
                from + 4.0,
                y(call.pid, call.role) + 30.0,
                xml(&label)
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text x="{left}" y="{}">0 s</text><text x="{}" y="{}" text-anchor="end">{:.3} s</text></svg>"#,
        height - 8.0,
        left + width,
        height - 8.0,
        span
    );
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ipcdemo trace</title>\
         </head><body>\n<h1>ipcdemo: who wrote, who read, and when</h1>\n{svg}\n\
         <p>Orange: write(2); blue: read(2), as long as it waited; dashed: the bytes of a write \
         reaching the read that returned them. Hover a mark for its bytes.</p>\n</body></html>\n"
    )
}
