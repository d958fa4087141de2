//! Signal latency: a ping-pong of realtime signals. The parent queues `SIGRTMIN+1` carrying the
//! round's number (`sigqueue(3)`); the child takes it with `sigtimedwait(2)` and queues the same
//! number back. Both keep the signal blocked and take it synchronously: no handler runs and no
//! system call is interrupted. There is no throughput row: a signal carries one number, no bytes.
//!
//! How it can block: a parent waiting for the answer of a dead child. SIGCHLD is in the set the
//! parent waits on, so the child's death ends the wait; the stop handler (no `SA_RESTART`) makes
//! `sigtimedwait(2)` fail with `EINTR`, and the wait is cut into slices besides.

use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{SigSet, Signal};
use nix::unistd::{Pid, getpid, getppid};

use super::child::{Affinity, cpus, reap, spawn_child};
use super::{BenchNote, Config, Measure, Measurement, blank_measurement, with_cpu};
use crate::event::{Error, Result, Sink};
use crate::sys::sigqueue::{Blocked, SigNo, has_exited, queue, set_of, take};
use crate::sys::{Doing, signals};

/// The longest single wait before looking again (for a stop, or a parent that left).
const SLICE: Duration = Duration::from_millis(50);

pub(super) fn measure(config: &Config, sink: &dyn Sink) -> Result<Measurement> {
    let signal = SigNo::realtime(1);
    let answers = set_of(&[signal, SigNo::from(Signal::SIGCHLD)]);
    // Blocked before the fork, so the child inherits the mask and neither process ever leaves
    // SIGRTMIN+1 to its default action (death). Dropped last: what is left pending is taken.
    let _blocked = Blocked::new(&answers)?;
    let (parent_cpu, child_cpu) = cpus(config.pin)?;
    let _affinity = Affinity::pin(parent_cpu)?;
    let parent = getpid();
    let all_rounds = config.warmup.saturating_add(config.rounds);
    let busy = config.busy_poll;
    let pings = set_of(&[signal]);
    let before = crate::sys::usage::own();
    let (child, ()) = spawn_child((), child_cpu, sink, move || {
        echo(parent, signal, &pings, all_rounds, busy)
    })?;
    let mut nanos = super::stats::RoundTrips::new(config.percentiles);
    let outcome = (|| -> Result<f64> {
        let mut started = nanos.begin();
        for round in 0..all_rounds {
            if round == config.warmup {
                started = Instant::now();
            }
            signals::check()?;
            // At most 10^7 + 1000 rounds: the number fits the value's int.
            let value = round as i32;
            send(child, signal, value)?;
            let answer = answer(&answers, signal, child, busy)?;
            nanos.lap(round >= config.warmup);
            if answer != value {
                return Err(Error::RoundMismatch {
                    round,
                    got: i64::from(answer),
                });
            }
        }
        Ok(started.elapsed().as_secs_f64())
    })();
    if outcome.is_err() {
        // The child waits for a ping that will not come: end it, or reaping would wait for ever.
        let _ = nix::sys::signal::kill(child, Signal::SIGKILL);
    }
    let reaped = reap(child);
    let seconds = outcome?;
    let mut result = with_cpu(blank_measurement(Measure::Latency), before, reaped?);
    result.seconds = seconds;
    result.rounds = Some(config.rounds);
    nanos.fill(&mut result, config.histogram.is_some());
    result.round_trips_per_second = Some(config.rounds as f64 / seconds);
    result.notes.push(BenchNote::SignalLatencyOnly);
    Ok(result)
}

/// Queues `value` to `to`, waiting for room if this user's queue is full.
fn send(to: Pid, signal: SigNo, value: i32) -> Result<()> {
    loop {
        match queue(to, signal, value) {
            Ok(()) => return Ok(()),
            // Other processes of this user hold every queue entry RLIMIT_SIGPENDING allows:
            // wait for room, as a writer waits for a full pipe.
            Err(Errno::EAGAIN) => {
                signals::check()?;
                std::thread::yield_now();
            }
            Err(Errno::ESRCH) => return Err(Error::OtherSideLeft),
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::SendingSignal, e)),
        }
    }
}

/// The parent's wait for the answer: its value, or an error once the child has died.
fn answer(set: &SigSet, signal: SigNo, child: Pid, busy: bool) -> Result<i32> {
    let timeout = if busy { Duration::ZERO } else { SLICE };
    loop {
        match take(set, Some(timeout)) {
            Ok(Some(taken)) if taken.signal == signal && taken.pid == child.as_raw() => {
                return Ok(taken.value.unwrap_or(-1));
            }
            // From someone else: not part of the measurement.
            Ok(Some(taken)) if taken.signal == signal => {}
            // A child that answered its last ping and exited leaves both pending, and
            // sigtimedwait(2) gives the lower number, SIGCHLD, first: look for the answer.
            Ok(Some(_)) => {
                if let Ok(Some(taken)) = take(&set_of(&[signal]), Some(Duration::ZERO))
                    && taken.pid == child.as_raw()
                {
                    return Ok(taken.value.unwrap_or(-1));
                }
                if has_exited(child).map_err(|e| Error::call(Doing::WaitingForBenchChild, e))? {
                    return Err(Error::OtherSideLeft);
                }
            }
            Ok(None) | Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::WaitingForSignal, e)),
        }
    }
}

/// The child: every ping from the parent goes straight back with its number.
fn echo(parent: Pid, signal: SigNo, pings: &SigSet, rounds: u64, busy: bool) -> Result<()> {
    let timeout = if busy { Duration::ZERO } else { SLICE };
    for _ in 0..rounds {
        let value = loop {
            match take(pings, Some(timeout)) {
                Ok(Some(taken)) if taken.pid == parent.as_raw() => {
                    break taken.value.unwrap_or(-1);
                }
                // Not from the parent: not part of the measurement.
                Ok(Some(_)) => {}
                Ok(None) | Err(Errno::EINTR) => {
                    if getppid() != parent {
                        return Err(Error::OtherSideLeft);
                    }
                }
                Err(e) => return Err(Error::call(Doing::WaitingForSignal, e)),
            }
        };
        send(parent, signal, value)?;
    }
    Ok(())
}
