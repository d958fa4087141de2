//! Measuring, not presenting: how fast each mechanism moves bytes (throughput) and answers
//! (latency, a ping-pong) between two processes on this machine. Every function here returns
//! data; `report` turns it into a table or JSON.
//!
//! What is measured is the system calls: buffers are allocated before the clock starts, the
//! hot loops allocate nothing and format nothing, and the other process is started and
//! waiting before the first timestamp. Every run checks its data: the reader compares each
//! byte against the pattern the writer sent (except with `--zero-copy`, where it never sees
//! the bytes and checks the count), and each ping-pong answer must carry its round's number.
//!
//! How it can block (and so hang a benchmark): a reader waiting for bytes a dead writer will
//! never send. The parent drops its copies of the child's ends right after `fork(2)`, so the
//! child's death closes the channel and the parent's read fails or ends instead of waiting.

mod channel;
mod child;
mod latency;
mod throughput;

use anyhow::Result;
use serde::Serialize;

use crate::cli::{Mechanism, Pin};
use crate::signals;

use channel::{Channel, open_channel};

/// How to run one benchmark.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Bytes to stream in a throughput run.
    pub total: u64,
    /// Bytes per write(2) (or vmsplice(2)) in a throughput run.
    pub size: usize,
    /// Ping-pong round trips in a latency run (after `warmup` untimed ones).
    pub rounds: u64,
    /// Untimed round trips first, so both processes are running and their pages are in.
    pub warmup: u64,
    /// Bytes per ping and per pong.
    pub msg_size: usize,
    /// Pipe buffer to ask for, in bytes; `None` means /proc/sys/fs/pipe-max-size.
    pub pipe_size: Option<usize>,
    /// Pipes and FIFOs: vmsplice(2) in the writer, splice(2) to /dev/null in the reader.
    pub zero_copy: bool,
    /// Non-blocking ends that spin on EAGAIN instead of sleeping.
    pub busy_poll: bool,
    /// Where the parent and the child run.
    pub pin: Pin,
    /// Back the writer's buffer with a transparent huge page (Linux).
    pub huge_pages: bool,
}

/// One measurement of one mechanism.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// pipe, fifo, unix-stream, unix-seqpacket, socketpair or tcp.
    pub mechanism: &'static str,
    /// throughput or latency.
    pub measure: &'static str,
    /// How it ran: the calls used, polling, pinning, pipe size.
    pub mode: String,
    /// Bytes that crossed, in bytes (for latency: pings and pongs together).
    pub bytes: u64,
    /// Wall time of the measured loop, in seconds.
    pub seconds: f64,
    /// Throughput, in bytes per second (null for latency).
    pub bytes_per_second: Option<f64>,
    /// Timed round trips (null for throughput).
    pub rounds: Option<u64>,
    /// Median round trip, in microseconds.
    pub rtt_median_us: Option<f64>,
    /// 99th-percentile round trip, in microseconds.
    pub rtt_p99_us: Option<f64>,
    /// Round trips per second over the whole timed loop.
    pub round_trips_per_second: Option<f64>,
    /// The pipe buffer the kernel granted, in bytes (pipes and FIFOs only).
    pub pipe_size_bytes: Option<usize>,
    /// Something the reader should know (a refused pipe size, what zero-copy checks).
    pub note: Option<String>,
}

/// Which measure to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Throughput,
    Latency,
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Pipe => "pipe",
            Mechanism::Fifo => "fifo",
            Mechanism::UnixStream => "unix-stream",
            Mechanism::UnixSeqpacket => "unix-seqpacket",
            Mechanism::Socketpair => "socketpair",
            Mechanism::Tcp => "tcp",
        }
    }

    fn is_pipe(self) -> bool {
        matches!(self, Mechanism::Pipe | Mechanism::Fifo)
    }
}

fn mode(
    mechanism: Mechanism,
    measure: Measure,
    config: &BenchConfig,
    pipe_size: Option<usize>,
) -> String {
    let mut parts = Vec::new();
    let zero_copy = config.zero_copy && mechanism.is_pipe() && measure == Measure::Throughput;
    parts.push(
        if zero_copy {
            "vmsplice/splice"
        } else {
            "read/write"
        }
        .to_string(),
    );
    if let Some(size) = pipe_size {
        parts.push(format!("{} pipe", crate::units::human_bytes(size as u64)));
    }
    if config.busy_poll {
        parts.push("busy-poll".into());
    }
    if config.huge_pages && zero_copy {
        parts.push("huge pages".into());
    }
    match config.pin {
        Pin::None => {}
        Pin::Same => parts.push("same CPU".into()),
        Pin::Split => parts.push("split CPUs".into()),
    }
    parts.join(", ")
}

/// Measures one mechanism.
pub fn measure(
    mechanism: Mechanism,
    measure: Measure,
    config: &BenchConfig,
) -> Result<Measurement> {
    let channel = open_channel(mechanism, config)?;
    let mode = mode(mechanism, measure, config, channel.pipe_size);
    let mut result = match measure {
        Measure::Throughput => throughput::measure(mechanism, channel, config)?,
        Measure::Latency => latency::measure(channel, config)?,
    };
    result.mechanism = mechanism.name();
    result.mode = mode;
    Ok(result)
}

fn empty_measurement(measure: &'static str, channel: &Channel) -> Measurement {
    Measurement {
        mechanism: "",
        measure,
        mode: String::new(),
        bytes: 0,
        seconds: 0.0,
        bytes_per_second: None,
        rounds: None,
        rtt_median_us: None,
        rtt_p99_us: None,
        round_trips_per_second: None,
        pipe_size_bytes: channel.pipe_size,
        note: channel.note.clone(),
    }
}

/// `ipcdemo bench`: every chosen mechanism and measure, one after the other, then the table.
pub fn run(args: &crate::cli::BenchArgs, reporter: &crate::report::Reporter) -> Result<()> {
    let config = args.config();
    let mechanisms = args.mechanisms();
    let measures: &[Measure] = match (args.throughput_only, args.latency_only) {
        (true, false) => &[Measure::Throughput],
        (false, true) => &[Measure::Latency],
        _ => &[Measure::Throughput, Measure::Latency],
    };
    let steps = mechanisms.len() * measures.len();
    let mut results = Vec::with_capacity(steps);
    for (i, (mechanism, measure)) in mechanisms
        .iter()
        .flat_map(|m| measures.iter().map(move |x| (*m, *x)))
        .enumerate()
    {
        signals::check()?;
        reporter.progress(
            i + 1,
            steps,
            mechanism.name(),
            measure == Measure::Throughput,
        );
        let result = self::measure(mechanism, measure, &config).map_err(|e| {
            // Ctrl-C reaches the child too; whatever error its death caused here, the cause
            // was the signal.
            match signals::received() {
                Some(signal) => signals::Interrupted(signal).into(),
                None => e.context(format!(
                    "measuring the {} {}",
                    mechanism.name(),
                    measure.name()
                )),
            }
        })?;
        results.push(result);
    }
    reporter.progress_done();
    reporter.bench_results(&results)
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::Throughput => "throughput",
            Measure::Latency => "latency",
        }
    }
}
