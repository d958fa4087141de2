//! The only place that formats what the user sees: events on stdout (human text in English or
//! Portuguese, or one JSON object per line), diagnostics and summaries on stderr.
//!
//! stdout carries nothing but events, so `ipcdemo anon | grep 'Spam 004'` works; a closed
//! stdout (`| head -3`) means the reader left, which [`StdoutClosed`] turns into a quiet exit.

use std::io::{self, IsTerminal, Write};
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use serde::Serialize;

use crate::bench::Measurement;
use crate::cli::{Clock, ColorChoice, GlobalArgs, Lang};
use crate::messages::Msg;

/// Who is speaking in an event line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Father,
    Son,
}

/// Something that happened to bytes in flight: one line on stdout.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// One `read(2)` (or one line, for the FIFO father) and exactly the bytes it returned.
    Received {
        data: &'a [u8],
        /// The son's pid, where the kernel tells us (`SO_PEERCRED`).
        from: Option<i32>,
        /// The son left before ending this line with `\n`.
        partial: bool,
    },
    /// One message handed to one `write(2)`.
    Sent { data: &'a [u8] },
    /// A son connected; its identity comes from the kernel, not from the son.
    Accepted { son: i32, uid: u32 },
    /// A son hung up.
    Left { son: i32 },
    /// The father's answer came back to the son.
    Answered { data: &'a [u8], rtt_micros: f64 },
    /// Every writer has closed its end: `read(2)` returned 0.
    EndOfFile,
    /// A non-blocking write into a pipe nobody reads: how much the kernel took.
    Filled {
        asked: usize,
        took: usize,
        held: u64,
    },
    /// The kernel refused a write with `EAGAIN`: a blocking writer would sleep here.
    WouldBlock { asked: usize, held: u64 },
}

/// What a father read, set against the message boundaries the sons wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReadSummary {
    /// Whole messages received.
    pub messages: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Successful `read(2)` calls that returned data.
    pub reads: u64,
    /// Reads that returned exactly one whole message.
    pub reads_one_message: u64,
    /// Reads that returned bytes of two or more messages glued together.
    pub reads_several_messages: u64,
    /// Reads that returned only part of one message.
    pub reads_part_message: u64,
}

/// The reader of stdout went away (`EPIPE`): not an error, the demo just ends quietly.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

static LANG: OnceLock<Lang> = OnceLock::new();

/// The language chosen for this run (English until [`Reporter::new`] says otherwise).
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::En)
}

/// Formats and writes events; cheap to copy into a son thread.
#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    json: bool,
    clock: Clock,
    color: bool,
    started: Instant,
}

#[derive(Serialize)]
struct JsonEvent {
    event: &'static str,
    role: Role,
    pid: i32,
    /// Seconds, on the clock chosen with `--clock`.
    time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    son: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rtt_us: Option<f64>,
    /// Bytes handed to one write(2).
    #[serde(skip_serializing_if = "Option::is_none")]
    asked: Option<usize>,
    /// Bytes the pipe holds after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    held: Option<u64>,
}

impl Reporter {
    pub fn new(args: &GlobalArgs) -> Self {
        let lang = args.lang.unwrap_or_else(Lang::from_environment);
        let _ = LANG.set(lang);
        let color = !args.json
            && match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && io::stdout().is_terminal()
                }
            };
        Reporter {
            json: args.json,
            clock: args.clock,
            color,
            started: Instant::now(),
        }
    }

    pub fn is_json(&self) -> bool {
        self.json
    }

    /// The time now on the chosen clock, for an event reported a moment later.
    pub fn now(&self) -> f64 {
        match self.clock {
            Clock::Unix => unix_now(),
            Clock::Relative => self.started.elapsed().as_secs_f64(),
        }
    }

    /// Writes one event line on stdout.
    pub fn event(&self, role: Role, pid: i32, event: Event<'_>) -> Result<()> {
        self.event_at(self.now(), role, pid, event)
    }

    /// An event that happened at `time` (a son stamps its send before write(2), so its line
    /// never claims a later time than the father's receipt).
    pub fn event_at(&self, time: f64, role: Role, pid: i32, event: Event<'_>) -> Result<()> {
        let line = if self.json {
            json_line(role, pid, time, event)?
        } else {
            if matches!(event, Event::EndOfFile) {
                // Each demo explains end of file in its own words, on stderr.
                return Ok(());
            }
            let text = Msg::Event {
                role,
                pid,
                time,
                event,
            }
            .to_string();
            self.paint(role, text)
        };
        write_stdout(&line)
    }

    /// Writes a summary: JSON on stdout in `--json` mode, translated text on stderr otherwise.
    pub fn summary<T: Serialize>(
        &self,
        kind: &'static str,
        pid: i32,
        fields: &T,
        text: &Msg,
    ) -> Result<()> {
        if self.json {
            #[derive(Serialize)]
            struct Summary<'a, T> {
                event: &'static str,
                kind: &'static str,
                pid: i32,
                time: f64,
                #[serde(flatten)]
                fields: &'a T,
            }
            let line = serde_json::to_string(&Summary {
                event: "summary",
                kind,
                pid,
                time: self.now(),
                fields,
            })?;
            write_stdout(&line)
        } else {
            self.note(text);
            Ok(())
        }
    }

    /// A line of a result table, on stdout (the table is the lesson's output).
    pub fn table_line(&self, msg: &Msg) -> Result<()> {
        write_stdout(&msg.to_string())
    }

    /// `bench`: a progress line on stderr, only when stderr is a terminal.
    pub fn progress(&self, step: usize, steps: usize, mechanism: &str, throughput: bool) {
        if io::stderr().is_terminal() {
            let msg = Msg::BenchProgress {
                step,
                steps,
                mechanism,
                throughput,
            };
            let _ = write!(io::stderr().lock(), "\r\x1b[2K{msg}");
        }
    }

    pub fn progress_done(&self) {
        if io::stderr().is_terminal() {
            let _ = write!(io::stderr().lock(), "\r\x1b[2K");
        }
    }

    /// `bench`: one JSON object per measurement, or a table and a one-line reading.
    pub fn bench_results(&self, results: &[Measurement]) -> Result<()> {
        if self.json {
            for result in results {
                write_stdout(&serde_json::to_string(result)?)?;
            }
            return Ok(());
        }
        write_stdout(&Msg::BenchHeader.to_string())?;
        for result in results {
            write_stdout(&Msg::BenchRow(result).to_string())?;
        }
        for result in results {
            if let Some(note) = &result.note {
                self.note(&Msg::BenchNote {
                    mechanism: result.mechanism,
                    note,
                });
            }
        }
        write_stdout(&Msg::BenchReading(results).to_string())
    }

    /// A diagnostic on stderr: waiting, warnings, explanations. A closed stderr is ignored.
    pub fn note(&self, msg: &Msg) {
        let _ = writeln!(io::stderr().lock(), "{msg}");
    }

    fn paint(&self, role: Role, text: String) -> String {
        if !self.color {
            return text;
        }
        let code = match role {
            Role::Father => "36", // cyan
            Role::Son => "33",    // yellow
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

fn json_line(role: Role, pid: i32, time: f64, event: Event<'_>) -> Result<String> {
    let mut json = JsonEvent {
        event: "",
        role,
        pid,
        time: (time * 1e6).round() / 1e6,
        data: None,
        bytes: None,
        son: None,
        uid: None,
        partial: false,
        rtt_us: None,
        asked: None,
        held: None,
    };
    let mut with_data = |data: &[u8]| {
        json.data = Some(escape(data));
        json.bytes = Some(data.len());
    };
    match event {
        Event::Received {
            data,
            from,
            partial,
        } => {
            with_data(data);
            json.event = "received";
            json.son = from;
            json.partial = partial;
        }
        Event::Sent { data } => {
            with_data(data);
            json.event = "sent";
        }
        Event::Answered { data, rtt_micros } => {
            with_data(data);
            json.event = "answered";
            json.rtt_us = Some((rtt_micros * 10.0).round() / 10.0);
        }
        Event::Accepted { son, uid } => {
            json.event = "accepted";
            json.son = Some(son);
            json.uid = Some(uid);
        }
        Event::Left { son } => {
            json.event = "left";
            json.son = Some(son);
        }
        Event::EndOfFile => json.event = "eof",
        Event::Filled { asked, took, held } => {
            json.event = "filled";
            json.bytes = Some(took);
            json.asked = Some(asked);
            json.held = Some(held);
            json.partial = took < asked;
        }
        Event::WouldBlock { asked, held } => {
            json.event = "would_block";
            json.asked = Some(asked);
            json.held = Some(held);
        }
    }
    Ok(serde_json::to_string(&json)?)
}

fn write_stdout(line: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    stdout_result(writeln!(out, "{line}").and_then(|()| out.flush()))
}

/// Writes generated text (completions, the man page) with the same closed-stdout rules.
pub fn write_raw_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    stdout_result(out.write_all(bytes).and_then(|()| out.flush()))
}

fn stdout_result(written: io::Result<()>) -> Result<()> {
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context(Msg::WritingStdout.to_string())),
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Bytes as the event line shows them: printable ASCII as is, the rest escaped the way
/// Rust's `escape_ascii` does (`\n`, `\x00`, `\xff`).
pub fn escape(data: &[u8]) -> String {
    data.escape_ascii().to_string()
}

/// Seconds with six decimals, like the seed's `time.time()`.
pub fn format_time(seconds: f64) -> String {
    format!("{seconds:.6}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_escape_ascii() {
        assert_eq!(escape(b"Spam 004Spam 000"), "Spam 004Spam 000");
        assert_eq!(escape(b"hi\n\x00\xff"), "hi\\n\\x00\\xff");
    }

    #[test]
    fn json_events_carry_data_and_length() {
        let line = json_line(
            Role::Father,
            7,
            1.5,
            Event::Received {
                data: b"Spam 000\n",
                from: Some(9),
                partial: false,
            },
        )
        .unwrap();
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["event"], "received");
        assert_eq!(value["data"], "Spam 000\\n");
        assert_eq!(value["bytes"], 9);
        assert_eq!(value["son"], 9);
    }
}
