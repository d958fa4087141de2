//! The only place with words: it turns the data the lessons and the bench report into lines on
//! stdout and stderr, in the chosen language, or into JSON.
//!
//! The rules: stdout carries the lesson's output and nothing else (event lines, or one JSON
//! object per line; the tables of `atomic` and `bench`), so `ipcdemo anon | grep 'Spam 004'`
//! works. Waiting, warnings, summaries and errors go to stderr as prose, wrapped to the width
//! of a terminal (never in a pipe or file). A closed stdout (`| head -3`) means the reader left:
//! the run ends quietly and successfully. Colour only for event lines, only on a terminal (or
//! when asked), never in JSON.

pub mod export;
mod json;
pub mod lessons;
mod out;
pub mod plot;
pub mod text;
mod timeline;
mod trace;

pub use timeline::TimelineStyle;

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use nix::sys::signal::Signal;

use crate::bench::model::{Measurement, Mechanism};
use crate::event::{Error, Event, Note, Outcome, Progress, Result, Role, Sink, Summary, Why};
use crate::sys::Doing;
use out::{Patience, WriteError};
use text::{Align, Lang, ModePart, Reading, Words, human_bytes};

/// How event times are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Clock {
    /// Seconds since 1970, six decimals, like the notebook's time.time()
    Unix,
    /// Seconds since this demo started: easier to read aloud in class
    Relative,
}

/// How the run wants to be told things, lowered from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub json: bool,
    pub lang: Lang,
    pub clock: Clock,
    pub color: clap::ColorChoice,
    /// Draw a timeline instead of event lines.
    pub timeline: Option<TimelineStyle>,
    /// Write the run as a trace to this file at the end.
    pub trace: Option<std::path::PathBuf>,
    /// Write the bench's rows to these files at the end.
    pub exports: export::Exports,
}

/// How the process should end, once everything is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Success,
    Failure,
    /// Stopped by this signal: die by it.
    Signal(Signal),
}

/// Says everything, on the rules above; shared by the son thread and the father.
pub struct Reporter {
    json: bool,
    words: &'static dyn Words,
    color: bool,
    /// The terminal's width, when stderr is a terminal: prose wraps to it.
    width: Option<usize>,
    /// The reader of stdout left: every later event fails at once (whichever thread reports
    /// it), and nothing more is said on stderr, since the run only ends because of that.
    stdout_closed: AtomicBool,
    /// See [`Reporter::last_words`].
    deadline: std::sync::OnceLock<Instant>,
    /// CLOCK_MONOTONIC when the run started, and the run's clock then: every stamp is read on
    /// the monotonic clock and shown on the run's.
    origin_ns: u64,
    origin_clock: f64,
    timeline: Option<timeline::Timeline>,
    trace: Option<(std::path::PathBuf, trace::Trace)>,
    exports: export::Exports,
    /// Bench rows already said as they were measured (JSON), not to be said again at the end.
    streamed: std::sync::atomic::AtomicUsize,
}

impl Reporter {
    pub fn new(settings: Settings) -> Reporter {
        let origin_ns = crate::sys::clock::monotonic_ns();
        let origin_clock = match settings.clock {
            Clock::Unix => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            Clock::Relative => 0.0,
        };
        let color = !settings.json
            && match settings.color {
                clap::ColorChoice::Always => true,
                clap::ColorChoice::Never => false,
                clap::ColorChoice::Auto => {
                    // anstream reads NO_COLOR, CLICOLOR, CLICOLOR_FORCE and TERM=dumb, and
                    // whether stdout is a terminal.
                    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
                }
            };
        Reporter {
            json: settings.json,
            words: settings.lang.words(),
            color,
            width: terminal_width(),
            stdout_closed: AtomicBool::new(false),
            deadline: std::sync::OnceLock::new(),
            origin_ns,
            origin_clock,
            timeline: settings
                .timeline
                .map(|style| timeline::Timeline::new(style, origin_clock)),
            trace: settings.trace.map(|path| (path, trace::Trace::default())),
            streamed: std::sync::atomic::AtomicUsize::new(0),
            exports: settings.exports,
        }
    }

    /// The map of the lessons, on stdout.
    pub fn lesson_map(&self) -> Ending {
        let map = if self.json {
            lessons::MAP
                .iter()
                .enumerate()
                .map(|(i, (lesson, command, _))| {
                    format!(
                        "{}\n",
                        serde_json::json!({
                            "lesson": i + 1,
                            "command": command,
                            "about": self.words.lesson(*lesson),
                        })
                    )
                })
                .collect()
        } else {
            format!("{}\n", lessons::map(self.words))
        };
        self.ending_of_raw(&map)
    }

    /// Generated text (completions, the man page) on stdout, under the same closed-stdout rule.
    pub fn raw(&self, bytes: &[u8]) -> Ending {
        match out::write_all(out::stdout(), bytes, Patience::UntilStopped) {
            Ok(()) | Err(WriteError::Closed) => Ending::Success,
            Err(e) => self.finish(Outcome::from(Err(write_error(e)))),
        }
    }

    fn ending_of_raw(&self, text: &str) -> Ending {
        self.raw(text.as_bytes())
    }

    /// Says how the run ended: the summaries (after everything the lesson made is gone), then
    /// the error if there is one. Returns how the process should end.
    pub fn finish(&self, outcome: Outcome) -> Ending {
        // The main thread has seen how the run ended: no more kicks (see sys::signals).
        let _ = crate::sys::signals::check();
        if let Err(Error::StdoutClosed) = outcome.end {
            // The reader of stdout left: nobody is listening for a summary.
            return Ending::Success;
        }
        // A stop signal decides how the run ends, whatever it caused on the way: a forked son
        // killed by the same Ctrl-C, a pipe closed under a writer.
        let stopped = |end: Result<()>| match crate::sys::signals::received_or_pending() {
            Some(signal) => Err(Error::Stopped(signal)),
            None => end,
        };
        let end = stopped(outcome.end);
        if let Some(legend) = self.timeline.as_ref().and_then(|t| t.legend(self.words)) {
            self.say_last(&legend);
        }
        let said = if self.json {
            self.json_summaries(&outcome.summaries, &outcome.measurements)
        } else {
            self.text_summaries(&outcome.summaries, &outcome.measurements)
        };
        // The trace last: a big one takes a while, and a stop that comes meanwhile abandons it
        // (the summary is already said).
        let saved = self.save_trace(matches!(end, Err(Error::Stopped(_))));
        // And a stop that came while we said it all counts too.
        let end = stopped(end);
        // A trace that could not be written is a failure of its own, after the summary.
        let end = match (end, saved) {
            (Ok(()), Err(e)) => Err(e),
            (end, _) => end,
        };
        // Exports only of a run that ended by itself: a stopped one leaves no file, and a
        // failed one says it wrote none.
        let end = match end {
            Ok(()) => self.export(&outcome.measurements),
            Err(Error::Stopped(signal)) => Err(Error::Stopped(signal)),
            Err(e) => {
                if self.exports.any() {
                    self.say_last(&self.words.note(&Note::ExportsNotWritten));
                }
                Err(e)
            }
        };
        let end = stopped(end);
        match (end, said) {
            (Ok(()), Ok(())) => Ending::Success,
            (Err(Error::Stopped(signal)), _) => Ending::Signal(signal),
            (Ok(()), Err(WriteError::Closed)) => Ending::Success,
            (Ok(()), Err(e)) => self.fail(&write_error(e)),
            (Err(e), _) => self.fail(&e),
        }
    }

    /// Writes the exports asked for, each whole or not at all; a stop that comes meanwhile
    /// abandons the rest.
    fn export(&self, rows: &[Measurement]) -> Result<()> {
        if !self.exports.any() {
            return Ok(());
        }
        let machine = crate::sys::machine::facts();
        let command = &self.exports.command;
        let exports = &self.exports;
        let mut files: Vec<(&std::path::Path, String)> = Vec::new();
        if let Some(path) = &exports.json {
            files.push((path, export::json(rows, &machine, command)));
        }
        if let Some(path) = &exports.csv {
            files.push((path, export::csv(rows)));
        }
        if let Some(path) = &exports.markdown {
            let (table, _) = bench_cells(self.words, rows);
            let reading = self.words.bench_reading(&Reading::of(rows));
            let page = export::markdown(self.words, &table, &reading, &machine, command);
            files.push((path, page));
        }
        if let Some(path) = &exports.plot {
            files.push((path, plot::svg(rows, self.words)));
        }
        let give_up = || crate::sys::signals::received().is_some();
        let failed = |path: &std::path::Path, e: std::io::Error| {
            Error::call_on(Doing::WritingExport, path, crate::sys::errno_of(&e))
        };
        // Every file complete first, then all put in place: a stop, or a failure, on the way
        // leaves every old file as it was.
        let mut ready = Vec::new();
        for (path, contents) in &files {
            match export::prepare(path, contents, &give_up).map_err(|e| failed(path, e))? {
                Some(file) => ready.push((*path, file)),
                None => return Ok(()),
            }
        }
        if give_up() {
            return Ok(());
        }
        for (path, file) in ready {
            file.commit().map_err(|e| failed(path, e))?;
        }
        Ok(())
    }

    /// Writes the trace, if one was asked for.
    fn save_trace(&self, run_stopped: bool) -> Result<()> {
        let Some((path, trace)) = &self.trace else {
            return Ok(());
        };
        // A run that a stop signal ended still gets its trace, of what happened up to the
        // stop (a second signal ends us at once, and the temporary file goes with us). A run
        // that ended by itself gives its trace up for a stop that comes after its end.
        let give_up = || !run_stopped && crate::sys::signals::received().is_some();
        let kept = trace
            .save(path, &give_up)
            .map_err(|e| Error::call_on(Doing::WritingTrace, path, crate::sys::errno_of(&e)))?;
        if kept && trace.dropped() > 0 {
            self.say_last(&self.words.note(&Note::TraceTruncated {
                path,
                kept: trace::MOST_CALLS as u64,
                left_out: trace.dropped(),
            }));
        }
        Ok(())
    }

    fn fail(&self, error: &Error) -> Ending {
        let line = format!("{}: {}", self.words.error_prefix(), self.words.error(error));
        self.say_last(&line);
        Ending::Failure
    }

    fn json_summaries(
        &self,
        summaries: &[Summary],
        measurements: &[Measurement],
    ) -> Result<(), WriteError> {
        let pid = std::process::id() as i32;
        for summary in summaries {
            self.last_stdout(&json::summary(summary, pid, self.now()))?;
        }
        let streamed = self.streamed.load(Ordering::SeqCst);
        for measurement in measurements.iter().skip(streamed) {
            self.last_stdout(&json::measurement(measurement))?;
        }
        Ok(())
    }

    fn text_summaries(
        &self,
        summaries: &[Summary],
        measurements: &[Measurement],
    ) -> Result<(), WriteError> {
        let words = self.words;
        let pid = std::process::id() as i32;
        let mut atomic_rows = Vec::new();
        let mut crashed = false;
        let mut races = Vec::new();
        for summary in summaries {
            match summary {
                Summary::Reads {
                    counts,
                    why,
                    waiting,
                } => {
                    self.say_last(&words.reads_summary(counts));
                    if let Some(waiting) = waiting.filter(|w| w.reading_s > 0.0) {
                        self.say_last(&words.waiting(&waiting));
                    }
                    if let Some(why) = why {
                        self.say_last(&words.why(*why));
                    }
                }
                Summary::Lines { counts, waiting } => {
                    self.say_last(&words.reads_summary(counts));
                    if let Some(waiting) = waiting.filter(|w| w.reading_s > 0.0) {
                        self.say_last(&words.waiting(&waiting));
                    }
                }
                Summary::Sent { messages, bytes } => {
                    self.say_last(&words.sent_summary(pid, *messages, *bytes));
                }
                Summary::Queue(report) => {
                    self.say_last(&words.queue_summary(report));
                    self.say_last(&words.why(crate::event::Why::MessageQueue));
                }
                Summary::Capacity(report) => {
                    self.say_last(&words.capacity_summary(report));
                    // The lesson's "why" is about a full pipe: only once the kernel said so.
                    if report.full {
                        self.say_last(&words.capacity_why(report));
                    }
                }
                Summary::Signals(report) => {
                    self.say_last(&words.signals_summary(pid, report));
                    for why in &report.why {
                        self.say_last(&words.why(*why));
                    }
                }
                Summary::PingPong(report) => {
                    self.say_last(&words.ping_pong_summary(report));
                    self.say_last(&words.why(Why::SignalPingPong));
                }
                Summary::Alarm(report) => self.say_last(&words.alarm_summary(report)),
                Summary::Leak(report) => {
                    self.say_last(&words.leak_summary(report));
                    self.say_last(&words.leak_why());
                }
                Summary::Crash(report) => {
                    self.say_last(&words.crash_summary(report));
                    crashed = true;
                }
                Summary::Exec(report) => self.say_last(&words.exec_summary(report)),
                Summary::Atomic(run) => atomic_rows.push(vec![
                    human_bytes(run.record_size as u64),
                    run.writers.to_string(),
                    run.records_written.to_string(),
                    run.records_torn.to_string(),
                    run.bytes_lost.to_string(),
                    words.atomic_verdict(run),
                ]),
                Summary::Race(run) => races.push(*run),
                Summary::Cpu(report) => self.say_last(&words.cpu_summary(report)),
            }
        }
        if crashed {
            self.say_last(&words.crash_why());
        }
        if !races.is_empty() {
            self.race_table(&races)?;
        }
        if !atomic_rows.is_empty() {
            let mut rows = vec![words.atomic_header().map(String::from).to_vec()];
            rows.extend(atomic_rows);
            let align = [Align::Right; 5]
                .into_iter()
                .chain([Align::Left])
                .collect::<Vec<_>>();
            for line in text::table(&rows, &align) {
                self.last_stdout(&line)?;
            }
        }
        if !measurements.is_empty() {
            self.bench_table(measurements)?;
        }
        Ok(())
    }

    /// `shm race`: one row per race on stdout, then why each lost what it lost on stderr.
    fn race_table(&self, races: &[crate::event::RaceRun]) -> Result<(), WriteError> {
        let words = self.words;
        let mut rows = vec![words.race_header().map(String::from).to_vec()];
        for run in races {
            let share = if run.expected > 0 {
                100.0 * run.lost as f64 / run.expected as f64
            } else {
                0.0
            };
            rows.push(vec![
                run.sync.name().to_string(),
                run.sons.to_string(),
                run.adds.to_string(),
                run.expected.to_string(),
                run.got.to_string(),
                run.lost.to_string(),
                words.num(share, 1),
                words.num(run.wall_s, 3),
                words.num(run.cpu_user_s + run.cpu_sys_s, 3),
            ]);
        }
        let align = [Align::Left]
            .into_iter()
            .chain([Align::Right; 8])
            .collect::<Vec<_>>();
        for line in text::table(&rows, &align) {
            self.last_stdout(&line)?;
        }
        let mut said = Vec::new();
        for run in races {
            if !said.contains(&run.sync) {
                self.say_last(&words.race_why(run.sync));
                said.push(run.sync);
            }
        }
        let owner_died: u64 = races.iter().map(|r| r.owner_died).sum();
        if owner_died > 0 {
            self.say_last(&words.race_owner_died(owner_died));
        }
        Ok(())
    }

    fn bench_table(&self, results: &[Measurement]) -> Result<(), WriteError> {
        let words = self.words;
        let (rows, align) = bench_cells(words, results);
        for line in text::table(&rows, &align) {
            self.last_stdout(&line)?;
        }
        let gib = |b: f64| b / f64::from(1u32 << 30);
        // In a sweep there is a ceiling per size: each names its own.
        let ceilings = results
            .iter()
            .filter(|m| m.copy_ceiling_bytes_per_second.is_some())
            .count();
        for m in results {
            if let (Some(ceiling), Some(own)) =
                (m.copy_ceiling_bytes_per_second, m.bytes_per_second)
            {
                let which = match ceilings > 1 {
                    true => format!(
                        "{}, {}",
                        m.mechanism.name(),
                        crate::units::human_bytes(m.size_bytes as u64)
                    ),
                    false => m.mechanism.name().to_string(),
                };
                self.last_stdout(&words.copy_ceiling(&which, gib(ceiling), gib(own)))?;
            }
        }
        for m in results {
            if let Some(fan_in) = &m.fan_in {
                self.last_stdout(&words.fan_in_fairness(m.mechanism, fan_in))?;
            }
        }
        for m in results {
            if let Some(buckets) = &m.histogram {
                for line in histogram(words, m, buckets) {
                    self.last_stdout(&line)?;
                }
            }
        }
        // A note is said once per mechanism, however many rows carry it.
        let mut said: Vec<(Mechanism, String)> = Vec::new();
        for m in results {
            for note in &m.notes {
                let text = words.bench_note(m.mechanism, note);
                if !said
                    .iter()
                    .any(|(mech, t)| *mech == m.mechanism && *t == text)
                {
                    self.say_last(&text);
                    said.push((m.mechanism, text));
                }
            }
        }
        // A table where nothing was measured (fan-in, on mechanisms it does not apply to) has
        // nothing to read.
        let reading = Reading::of(results);
        if reading.fastest.is_none() && reading.quickest.is_none() {
            return Ok(());
        }
        self.last_stdout(&words.bench_reading(&reading))
    }

    /// How long the last words may wait for a stalled stdout or stderr: one second in all,
    /// from the first of them, not a second per line.
    fn last_words(&self) -> Patience {
        Patience::Until(
            *self
                .deadline
                .get_or_init(|| Instant::now() + std::time::Duration::from_secs(1)),
        )
    }

    /// One line on stdout among a run's last words.
    fn last_stdout(&self, line: &str) -> Result<(), WriteError> {
        out::write_all(
            out::stdout(),
            format!("{line}\n").as_bytes(),
            self.last_words(),
        )
    }

    /// Prose on stderr among a run's last words (a closed stderr is not our problem).
    fn say_last(&self, text: &str) {
        let _ = out::write_all(
            out::stderr(),
            self.prose(text).as_bytes(),
            self.last_words(),
        );
    }

    fn prose(&self, text: &str) -> String {
        match self.width {
            Some(width) => format!("{}\n", text::wrap(text, width)),
            None => format!("{text}\n"),
        }
    }

    fn paint(&self, role: Role, line: String) -> String {
        if !self.color {
            return line;
        }
        let style = match role {
            Role::Father => anstyle::AnsiColor::Cyan.on_default(),
            Role::Son => anstyle::AnsiColor::Yellow.on_default(),
        };
        format!("{}{line}{}", style.render(), style.render_reset())
    }

    fn stdout_line(&self, line: &str) -> Result<()> {
        let written = out::write_all(out::stdout(), line.as_bytes(), Patience::UntilStopped);
        if written == Err(WriteError::Closed) {
            self.stdout_closed.store(true, Ordering::SeqCst);
        }
        written.map_err(write_error)
    }
}

impl Sink for Reporter {
    fn now(&self) -> f64 {
        self.time_of(crate::sys::clock::monotonic_ns())
    }

    fn time_of(&self, monotonic_ns: u64) -> f64 {
        let since = monotonic_ns as f64 - self.origin_ns as f64;
        self.origin_clock + since / 1e9
    }

    fn narrated(
        &self,
        time: f64,
        role: Role,
        pid: i32,
        event: Event<'_>,
        show: bool,
    ) -> Result<()> {
        if self.timeline.is_some() || show {
            return self.event(time, role, pid, event);
        }
        if let Some((_, trace)) = &self.trace {
            trace.record(time, role, pid, &event);
        }
        Ok(())
    }

    fn event(&self, time: f64, role: Role, pid: i32, event: Event<'_>) -> Result<()> {
        if self.stdout_closed.load(Ordering::SeqCst) {
            return Err(Error::StdoutClosed);
        }
        if let Some((_, trace)) = &self.trace {
            trace.record(time, role, pid, &event);
        }
        if let Some(timeline) = &self.timeline {
            let rows = timeline.rows(self.words, time, role, pid, &event);
            if rows.is_empty() {
                return Ok(());
            }
            // Painted as event lines are: the son's rows in its colour, the father's in his.
            let rows: Vec<String> = rows.into_iter().map(|r| self.paint(role, r)).collect();
            return self.stdout_line(&format!("{}\n", rows.join("\n")));
        }
        let line = if self.json {
            json::event(&event, role, pid, time)
        } else {
            let who = self.words.role(role);
            match self.words.event(who, pid, &format!("{time:.6}"), &event) {
                Some(line) => self.paint(role, line),
                None => return Ok(()),
            }
        };
        self.stdout_line(&format!("{line}\n"))
    }

    fn measured(&self, row: &Measurement) -> Result<()> {
        if !self.json {
            return Ok(());
        }
        if self.stdout_closed.load(Ordering::SeqCst) {
            return Err(Error::StdoutClosed);
        }
        self.stdout_line(&format!("{}\n", json::measurement(row)))?;
        self.streamed.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn note(&self, note: &Note<'_>) {
        if self.stdout_closed.load(Ordering::SeqCst) {
            return;
        }
        let text = self.prose(&self.words.note(note));
        // A note that cannot be written (stderr closed or stalled and a stop asked for) is
        // dropped: the run goes on, and the stop is seen at the next check.
        let _ = out::write_all(out::stderr(), text.as_bytes(), Patience::UntilStopped);
    }

    fn progress(&self, progress: Progress) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let text = match progress {
            Progress::Bench {
                step,
                steps,
                mechanism,
                measure,
                size,
            } => format!(
                "\r\x1b[2K{}",
                self.words.progress(step, steps, mechanism, measure, size)
            ),
            Progress::Atomic {
                step,
                steps,
                record_size,
            } => format!(
                "\r\x1b[2K{}",
                self.words.atomic_progress(step, steps, record_size)
            ),
            Progress::Done => "\r\x1b[2K".to_string(),
        };
        let _ = out::write_all(out::stderr(), text.as_bytes(), Patience::UntilStopped);
    }
}

fn write_error(e: WriteError) -> Error {
    match e {
        WriteError::Closed | WriteError::Abandoned => Error::StdoutClosed,
        WriteError::Stopped(signal) => Error::Stopped(signal),
        WriteError::Failed(errno) => Error::call(Doing::WritingStdout, errno),
    }
}

/// The bench table's header and rows as the terminal shows them (and Markdown exports), and
/// how each column is aligned.
fn bench_cells(words: &dyn Words, results: &[Measurement]) -> (Vec<Vec<String>>, Vec<Align>) {
    let or_dash = |value: Option<f64>, decimals: usize| {
        value.map_or_else(|| "-".to_string(), |v| words.num(v, decimals))
    };
    let mut rows = vec![words.bench_header().map(String::from).to_vec()];
    for m in results {
        let mut row = vec![
            m.mechanism.name().to_string(),
            words.measure(m.measure).to_string(),
            match m.size_bytes {
                0 => "-".to_string(),
                bytes => crate::units::human_bytes(bytes as u64),
            },
        ];
        if let Some(why) = m.skipped {
            row.extend(std::iter::repeat_n("-".to_string(), 12));
            row.push(words.unsupported(why));
            rows.push(row);
            continue;
        }
        row.push(count_of(m).map_or_else(|| "-".to_string(), |n| n.to_string()));
        row.extend([
            // Tiny writes move little: enough decimals to tell 1 B from 4 B.
            m.bytes_per_second
                .map(|b| b / f64::from(1u32 << 30))
                .map_or_else(|| "-".to_string(), |v| words.num(v, gib_decimals(v))),
            or_dash(m.messages_per_second, 0),
            or_dash(m.rtt_median_us, 1),
            or_dash(m.rtt_p90_us, 1),
            or_dash(m.rtt_p99_us, 1),
            or_dash(m.rtt_p999_us, 1),
            or_dash(m.rtt_max_us, 1),
            or_dash(m.round_trips_per_second, 0),
            words.num(m.cpu_seconds().0, 3),
            words.num(m.cpu_seconds().1, 3),
            m.cpu_us_per_round_trip
                .map(|v| words.cpu_cost(v, crate::bench::model::Measure::Latency))
                .or_else(|| {
                    m.cpu_s_per_gib
                        .map(|v| words.cpu_cost(v, crate::bench::model::Measure::Throughput))
                })
                .unwrap_or_else(|| "-".to_string()),
            mode_parts(m)
                .into_iter()
                .map(|part| words.mode_part(part))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
        rows.push(row);
    }
    let align = [Align::Left, Align::Left]
        .into_iter()
        .chain([Align::Right; 13])
        .chain([Align::Left])
        .collect::<Vec<_>>();
    (rows, align)
}

/// Decimals for a GiB/s figure: two, more for a figure below 0.1.
fn gib_decimals(gib: f64) -> usize {
    match gib {
        g if g >= 0.1 => 2,
        g if g >= 0.001 => 4,
        _ => 6,
    }
}

/// What a row counted: its timed round trips, or its writes (messages, for a queue).
fn count_of(m: &Measurement) -> Option<u64> {
    match m.measure {
        crate::bench::model::Measure::Latency => m.rounds,
        crate::bench::model::Measure::Throughput => m
            .messages
            .or_else(|| (m.size_bytes > 0).then(|| m.bytes.div_ceil(m.size_bytes as u64))),
    }
}

/// An ASCII histogram of a row's round trips: a bar per bucket, 50 columns for the fullest.
fn histogram(
    words: &dyn Words,
    m: &Measurement,
    buckets: &[crate::bench::model::Bucket],
) -> Vec<String> {
    let most = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let mut lines = vec![format!(
        "{} {}, {}:",
        m.mechanism.name(),
        words.measure(m.measure),
        crate::units::human_bytes(m.size_bytes as u64)
    )];
    for bucket in buckets {
        let bar = (bucket.count * 50).div_ceil(most) as usize;
        lines.push(format!(
            "  ≤ {:>9} µs {:>9} {}",
            words.num(bucket.up_to_us, 0),
            bucket.count,
            "#".repeat(bar)
        ));
    }
    lines
}

/// What a bench row's mode column says, as parts.
fn mode_parts(m: &Measurement) -> Vec<ModePart> {
    use crate::bench::model::Pin;
    let mode = &m.mode;
    let mut parts = vec![if m.mechanism == Mechanism::Signal {
        ModePart::Sigqueue
    } else if m.mechanism == Mechanism::Shm {
        ModePart::Memcpy
    } else if mode.zero_copy {
        ModePart::ZeroCopy
    } else if m.mechanism == Mechanism::Mq {
        ModePart::SendReceive
    } else {
        ModePart::ReadWrite
    }];
    if let (Some(max_messages), Some(message_size)) = (mode.max_messages, mode.message_size_bytes) {
        parts.push(ModePart::Queue {
            max_messages,
            message_size,
        });
    }
    if let Some(fan_in) = &m.fan_in {
        parts.push(ModePart::FanIn {
            senders: fan_in.senders,
            record_bytes: fan_in.record_bytes,
        });
    }
    if let Some(size) = mode.pipe_size_bytes {
        parts.push(ModePart::PipeSize(size));
    }
    if let Some(bytes) = mode.ring_bytes {
        parts.push(ModePart::Ring(bytes));
    }
    if m.mechanism == Mechanism::Shm && !mode.busy_poll {
        parts.push(ModePart::Futex);
    }
    if mode.busy_poll {
        parts.push(ModePart::BusyPoll);
    }
    if mode.huge_pages {
        parts.push(ModePart::HugePages);
    }
    if let (true, Some(mean)) = (mode.mean_only, m.rtt_mean_us) {
        parts.push(ModePart::MeanOnly((mean * 1e3).round() as u64));
    }
    match (mode.pin, mode.cpus) {
        (Pin::Same, Some((cpu, _))) => parts.push(ModePart::SameCpu(cpu)),
        (Pin::Split, Some((parent, child))) => parts.push(ModePart::SplitCpus(parent, child)),
        (Pin::None | Pin::Same | Pin::Split, _) => {}
    }
    parts
}

/// The width prose wraps to: `COLUMNS` or the terminal's own, only when stderr is a terminal.
fn terminal_width() -> Option<usize> {
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return None;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| terminal_size::terminal_size_of(&stderr).map(|(w, _)| usize::from(w.0)))
        .filter(|&w| w >= 20)
}
