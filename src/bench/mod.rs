//! Measuring, not presenting: how fast each mechanism moves bytes (throughput) and answers
//! (latency, a ping-pong) between two processes on this machine. Every function here returns
//! data; `report` turns it into a table or JSON. The bench owns its vocabulary (`model`: the
//! mechanisms, pinning, measurements) and its policy (how much to stream, how many rounds).
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
mod fanin;
mod latency;
pub mod model;
mod mq;
#[cfg(target_os = "linux")]
mod shared;
mod signal;
mod stats;
mod throughput;

use std::time::Duration;

use crate::event::{Error, Outcome, Progress, Result, Sink};
use crate::sys::usage::Usage;
use crate::sys::{Context, Doing, signals, socket_setup};

use channel::open_channel;
pub use model::{BenchNote, Measure, Measurement, Mechanism, Mode, Pin, Unsupported};

/// The message sizes `--sweep` runs when given none: powers of 4 from 1 B to 4 MiB.
pub const SWEEP_SIZES: [usize; 12] = [
    1,
    4,
    16,
    64,
    256,
    1 << 10,
    4 << 10,
    16 << 10,
    64 << 10,
    256 << 10,
    1 << 20,
    4 << 20,
];

/// How long each cell of a sweep is measured: short enough that a `--quick` sweep of every
/// mechanism over the default sizes takes a few seconds.
pub const CELL_TIME: Duration = Duration::from_millis(200);
/// The same for `--quick`.
pub const QUICK_CELL_TIME: Duration = Duration::from_millis(40);

/// How to run the bench.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mechanisms to measure, in order.
    pub mechanisms: Vec<Mechanism>,
    /// Measures to take of each.
    pub measures: Vec<Measure>,
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
    /// Keep each latency row's round trips in buckets, for a histogram: every mechanism's
    /// (`Some(None)`) or one's.
    pub histogram: Option<Option<Mechanism>>,
    /// Latency rows: time each round trip, for percentiles; without, read the clock only
    /// before and after the whole loop and report the mean alone.
    pub percentiles: bool,
    /// Fan-in: this many sender processes write at once into one pipe, FIFO or listener
    /// (throughput only; 1 is the ordinary one-writer run).
    pub senders: usize,
    /// A sweep: these message sizes (ascending, no repeats), each cell measured for about
    /// `cell_time` instead of `total` bytes or `rounds` round trips.
    pub sweep: Option<Vec<usize>>,
    /// The time budget of each cell of a sweep.
    pub cell_time: Duration,
}

impl Config {
    /// The bench's policy: 1 GiB streamed and 100 000 round trips, or 64 MiB and 10 000 for a
    /// quick run; a tenth of the rounds (at most 1000) untimed first; every mechanism, both
    /// measures, 64 KiB writes, 1-byte pings.
    pub fn new(quick: bool) -> Config {
        let mut config = Config {
            mechanisms: Mechanism::ALL.to_vec(),
            measures: vec![Measure::Throughput, Measure::Latency],
            total: if quick { 64 << 20 } else { 1 << 30 },
            size: 64 << 10,
            rounds: 0,
            warmup: 0,
            msg_size: 1,
            pipe_size: None,
            zero_copy: false,
            busy_poll: false,
            pin: Pin::None,
            huge_pages: false,
            histogram: None,
            percentiles: true,
            senders: 1,
            sweep: None,
            cell_time: if quick { QUICK_CELL_TIME } else { CELL_TIME },
        };
        config.set_rounds(if quick { 10_000 } else { 100_000 });
        config
    }

    /// Timed round trips, and the untimed warm-up that goes with them.
    pub fn set_rounds(&mut self, rounds: u64) {
        self.rounds = rounds;
        self.warmup = (rounds / 10).min(1000);
    }

    fn mode(
        &self,
        mechanism: Mechanism,
        measure: Measure,
        pipe_size: Option<usize>,
        cpus: Option<(usize, usize)>,
    ) -> Mode {
        let zero_copy = self.zero_copy && mechanism.is_pipe() && measure == Measure::Throughput;
        Mode {
            zero_copy,
            pipe_size_bytes: pipe_size,
            busy_poll: self.busy_poll,
            huge_pages: self.huge_pages && zero_copy,
            pin: self.pin,
            cpus,
            max_messages: None,
            message_size_bytes: None,
            ring_bytes: None,
            mean_only: !self.percentiles && measure == Measure::Latency,
        }
    }
}

/// Measures one mechanism.
pub fn measure(
    mechanism: Mechanism,
    measure: Measure,
    config: &Config,
    sink: &dyn Sink,
) -> Result<Measurement> {
    // A fan-in run gives every mechanism a row, if only to say fan-in does not apply.
    if !mechanism.measures(measure) && config.senders <= 1 {
        return Err(Error::NoSuchMeasure { mechanism, measure });
    }
    let cpus = match child::cpus(config.pin)? {
        (Some(parent), Some(child)) => Some((parent, child)),
        _ => None,
    };
    let mut result = match mechanism {
        // Fan-in measures itself, or says it does not apply.
        _ if config.senders > 1 => fanin::measure(mechanism, config, sink)?,
        Mechanism::Mq => mq::measure(measure, config, sink)?,
        Mechanism::Signal => signal::measure(config, sink)?,
        Mechanism::Shm | Mechanism::Eventfd => shared_memory(mechanism, measure, config, sink)?,
        Mechanism::Pipe
        | Mechanism::Fifo
        | Mechanism::UnixStream
        | Mechanism::UnixSeqpacket
        | Mechanism::Socketpair
        | Mechanism::Tcp => {
            let channel = open_channel(mechanism, config)?;
            match measure {
                Measure::Throughput => throughput::measure(mechanism, channel, config, sink)?,
                Measure::Latency => latency::measure(channel, config, sink)?,
            }
        }
    };
    let ring_bytes = result.mode.ring_bytes;
    result.mechanism = mechanism;
    result.size_bytes = match (mechanism, measure) {
        // Fan-in knows its writes (records of at most PIPE_BUF through a pipe).
        _ if config.senders > 1 => result.size_bytes,
        (Mechanism::Signal | Mechanism::Eventfd, _) => 0,
        (Mechanism::Mq, _) => result.mode.message_size_bytes.unwrap_or(0),
        (_, Measure::Throughput) => config.size,
        (_, Measure::Latency) => config.msg_size,
    };
    // What only the measuring knows (a ring's size, a queue's shape), kept over the mode.
    let (max_messages, message_size_bytes) =
        (result.mode.max_messages, result.mode.message_size_bytes);
    result.mode = config.mode(mechanism, measure, result.pipe_size_bytes, cpus);
    result.mode.ring_bytes = ring_bytes;
    result.mode.max_messages = max_messages;
    result.mode.message_size_bytes = message_size_bytes;
    result.set_cpu_cost(config.warmup);
    result.set_mean_round_trip();
    if config
        .histogram
        .is_some_and(|only| only.is_some_and(|m| m != mechanism))
    {
        result.histogram = None;
    }
    Ok(result)
}

/// Why `mechanism` cannot carry `size`-byte messages here, if it cannot.
pub fn unsupported(mechanism: Mechanism, size: usize) -> Result<Option<Unsupported>> {
    Ok(match mechanism {
        Mechanism::Signal | Mechanism::Eventfd => Some(Unsupported::NoPayload),
        Mechanism::UnixSeqpacket => {
            let max = socket_setup::seqpacket_largest_record().doing(Doing::CreatingSocket)?;
            (size > max).then_some(Unsupported::AboveSendBuffer { max_bytes: max })
        }
        Mechanism::Mq => mq::largest_message()
            .filter(|&max| size > max)
            .map(|max| Unsupported::AboveMessageSize { max_bytes: max }),
        Mechanism::Pipe
        | Mechanism::Fifo
        | Mechanism::UnixStream
        | Mechanism::Socketpair
        | Mechanism::Tcp
        | Mechanism::Shm => None,
    })
}

/// Pilot runs at most, before a cell's timed run.
const PILOTS: usize = 4;

/// The units a cell counts: bytes of `size`-byte writes streamed, or round trips.
fn set_units(config: &mut Config, measure: Measure, size: usize, units: u64) {
    match measure {
        // At most 1 TiB, as --total: a cell of tiny writes on a fast machine stays bounded.
        Measure::Throughput => {
            let most = (1u64 << 40) / size as u64;
            config.total = units.clamp(1, most.max(1)) * size as u64;
        }
        Measure::Latency => config.set_rounds(units.clamp(1, 10_000_000)),
    }
}

/// One cell of a sweep: `mechanism` moving `size`-byte messages for about `config.cell_time`.
/// Short pilot runs find how long one write or round trip takes, so the timed run can be sized
/// to the budget while both processes still agree on the count before they start (every byte
/// and every round is checked, as in any row): a tiny one, whose time is mostly the start (the
/// child not yet running, pages not yet in), then, if that was much shorter than the budget,
/// runs of an eighth of it until one lasts that long: its estimate is good.
fn cell(
    mechanism: Mechanism,
    measure: Measure,
    size: usize,
    config: &Config,
    sink: &dyn Sink,
) -> Result<Measurement> {
    if let Some(why) = unsupported(mechanism, size)? {
        let mut row = blank_measurement(measure);
        row.mechanism = mechanism;
        row.size_bytes = size;
        row.skipped = Some(why);
        return Ok(row);
    }
    let mut cell = config.clone();
    cell.size = size;
    cell.msg_size = size;
    cell.sweep = None;
    // About 1 MiB of writes (at least 8), or a few round trips (up to 4 MiB in all): small,
    // since a round trip can take a whole time slice (spinning on one CPU); the pilots grow.
    let pilot_units = match measure {
        Measure::Throughput => ((1u64 << 20) / size as u64).clamp(8, 256),
        Measure::Latency => ((4u64 << 20) / size as u64).clamp(2, 16),
    };
    let histogram = cell.histogram.take();
    let budget = config.cell_time.as_secs_f64();
    // A float too big for u64 saturates (set_units bounds it); never fewer than the pilot ran.
    let units_for = |seconds: f64, per_unit: f64| match per_unit > 0.0 {
        true => ((seconds / per_unit) as u64).max(pilot_units),
        false => u64::MAX,
    };
    let mut units = pilot_units;
    let mut per_unit = 0.0;
    let mut last: Option<(u64, f64)> = None;
    for _ in 0..PILOTS {
        set_units(&mut cell, measure, size, units);
        let pilot = self::measure(mechanism, measure, &cell, sink)?;
        signals::check()?;
        // What one more unit costs. A stream: the slope between two pilots, without what
        // every run pays once (the child's first touches of copied pages, its first wake-up),
        // but never less than half the plain mean (a slope of two noisy pilots can be tiny).
        // A round trip: the plain mean, not the median: the scheduler flips between keeping
        // both processes on one CPU (4 µs here) and two (50 µs), and a median of the quick
        // mode would make a cell last ten times its budget.
        let mean = pilot.seconds / units as f64;
        let slope = last
            .filter(|&(u, _)| u < units && measure == Measure::Throughput)
            .map(|(u, s)| (pilot.seconds - s) / (units - u) as f64)
            .filter(|&slope| slope > 0.0);
        per_unit = slope.unwrap_or(mean).max(mean / 2.0);
        last = Some((units, pilot.seconds));
        if pilot.seconds >= budget / 8.0 {
            break;
        }
        // Too short to trust: an eighth of the budget on this estimate, at least twice as
        // many as this time.
        units = units_for(budget / 8.0, per_unit).max(units.saturating_mul(2));
    }
    units = units_for(budget, per_unit);
    cell.histogram = histogram;
    set_units(&mut cell, measure, size, units);
    self::measure(mechanism, measure, &cell, sink)
}

#[cfg(target_os = "linux")]
fn shared_memory(
    mechanism: Mechanism,
    measure: Measure,
    config: &Config,
    sink: &dyn Sink,
) -> Result<Measurement> {
    match (mechanism, measure) {
        (Mechanism::Eventfd, _) => shared::eventfd_latency(config, sink),
        (_, Measure::Throughput) => shared::throughput(config, sink),
        (_, Measure::Latency) => shared::latency(config, sink),
    }
}

#[cfg(not(target_os = "linux"))]
fn shared_memory(_: Mechanism, _: Measure, _: &Config, _: &dyn Sink) -> Result<Measurement> {
    Err(Error::NeedsLinux(crate::event::LinuxOnly::SharedMemory))
}

/// Puts the CPU time of both sides into a row: the parent's own since `before`, the child's
/// from `wait4(2)`.
fn with_cpu(mut result: Measurement, before: Usage, child: Usage) -> Measurement {
    let parent = crate::sys::usage::own().since(before);
    result.cpu_parent_user_s = parent.user.as_secs_f64();
    result.cpu_parent_sys_s = parent.system.as_secs_f64();
    result.cpu_child_user_s = child.user.as_secs_f64();
    result.cpu_child_sys_s = child.system.as_secs_f64();
    result
}

/// A row with nothing measured yet, for a mechanism without a byte channel (signals, queues).
fn blank_measurement(measure: Measure) -> Measurement {
    empty_measurement(measure, None, Vec::new())
}

fn empty_measurement(
    measure: Measure,
    pipe_size: Option<usize>,
    notes: Vec<BenchNote>,
) -> Measurement {
    let mut row = Measurement::blank(Mechanism::Pipe, measure);
    row.pipe_size_bytes = pipe_size;
    row.notes = notes;
    row
}

/// `ipcdemo bench`: every chosen mechanism and measure, one after the other.
pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    // A mechanism without a measure (eventfd has no throughput) is left out of a run that asks
    // for both; asked for that measure alone, it is an error.
    // A sweep's cells: each (mechanism, measure) at each size, smallest first.
    let sizes: Vec<Option<usize>> = match &config.sweep {
        Some(sizes) => sizes.iter().copied().map(Some).collect(),
        None => vec![None],
    };
    let steps: Vec<(Mechanism, Measure, Option<usize>)> = config
        .mechanisms
        .iter()
        .flat_map(|m| config.measures.iter().map(move |x| (*m, *x)))
        .filter(|(m, x)| m.measures(*x) || config.senders > 1)
        .flat_map(|(m, x)| sizes.iter().map(move |s| (m, x, *s)))
        .collect();
    if steps.is_empty() {
        let mechanism = config
            .mechanisms
            .first()
            .copied()
            .unwrap_or(Mechanism::Eventfd);
        let measure = config
            .measures
            .first()
            .copied()
            .unwrap_or(Measure::Throughput);
        return Outcome::from(Err(Error::NoSuchMeasure { mechanism, measure }));
    }
    // A child that dies makes a blocked read(2) or futex wait return EINTR, so a waiter that
    // cannot see end of file (an eventfd) notices.
    if let Err(e) = signals::interrupt_on_child_exit() {
        return Outcome::from(Err(e.into()));
    }
    let mut measurements = Vec::with_capacity(steps.len());
    let mut end = Ok(());
    for (i, &(mechanism, measure, size)) in steps.iter().enumerate() {
        if let Err(stop) = signals::check() {
            end = Err(stop.into());
            break;
        }
        sink.progress(Progress::Bench {
            step: i + 1,
            steps: steps.len(),
            mechanism,
            measure,
            size,
        });
        let row = match size {
            Some(size) => cell(mechanism, measure, size, config, sink),
            None => self::measure(mechanism, measure, config, sink),
        };
        match row {
            Ok(result) => {
                let said = sink.measured(&result);
                measurements.push(result);
                if let Err(e) = said {
                    end = Err(e);
                    break;
                }
            }
            Err(e) => {
                // Ctrl-C reaches the child too; whatever error its death caused here, the cause
                // was the signal.
                end = Err(match signals::received() {
                    Some(signal) => Error::Stopped(signal),
                    None => Error::Bench {
                        mechanism,
                        measure,
                        size,
                        error: Box::new(e),
                    },
                });
                break;
            }
        }
    }
    sink.progress(Progress::Done);
    Outcome {
        summaries: Vec::new(),
        measurements,
        end,
    }
}
