//! The message queue's rows (Linux): two queues, one each way, made and at once unlinked, so
//! nothing is left behind even by `kill -9`; their descriptors cross `fork(2)`. Throughput
//! sends `--total` bytes in messages of `--size` bytes, at most `mq_msgsize` (8 KiB unless the
//! system allows more): it is counted in messages as well as bytes per second. Latency is the
//! ping-pong of the other mechanisms, one message each way.
//!
//! A queue has no end of file: a receiver whose sender died would wait for ever. So the parent
//! receives with a deadline (`mq_timedreceive(3)`) and, when it passes, asks whether the child
//! still lives; after a failure or a stop it kills the child instead of waiting for it.

use super::{Config, Measure, Measurement};
use crate::event::{Result, Sink};

#[cfg(target_os = "linux")]
pub(super) fn measure(measure: Measure, config: &Config, sink: &dyn Sink) -> Result<Measurement> {
    linux::measure(measure, config, sink)
}

/// The largest message a queue of ours can carry here, in bytes (none without queues).
#[cfg(target_os = "linux")]
pub(super) fn largest_message() -> Option<usize> {
    Some(linux::largest_message())
}

#[cfg(not(target_os = "linux"))]
pub(super) fn largest_message() -> Option<usize> {
    None
}

#[cfg(not(target_os = "linux"))]
pub(super) fn measure(_: Measure, _: &Config, _: &dyn Sink) -> Result<Measurement> {
    use crate::event::{Error, LinuxOnly};
    Err(Error::NeedsLinux(LinuxOnly::MessageQueues))
}

#[cfg(target_os = "linux")]
mod linux {
    use std::path::Path;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use nix::errno::Errno;
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
    use nix::unistd::Pid;

    use super::super::child::{Affinity, cpus, reap, spawn_child};
    use super::super::throughput::{PERIOD, pattern, zeroed};
    use super::super::with_cpu;
    use super::super::{BenchNote, Config, Measure, Measurement, blank_measurement};
    use crate::event::{Error, Result, Sink};
    use crate::sys::mqueue::{self, Access, Deadline, Queue, Size, Unlink};
    use crate::sys::usage::Usage;
    use crate::sys::{Context, Doing, signals};

    /// How long the parent waits for a message before asking whether the child still lives.
    const PATIENCE: Duration = Duration::from_secs(1);

    /// The kernel's bookkeeping per message, counted against `RLIMIT_MSGQUEUE` with the
    /// message itself (a `struct msg_msg` and a share of the priority tree): a generous bound.
    const OVERHEAD_PER_MESSAGE: u64 = 128;

    /// Both directions, and what the queues are.
    struct Queues {
        parent_in: Queue,
        parent_out: Queue,
        child_in: Queue,
        child_out: Queue,
        max_messages: u64,
        message_size: usize,
        notes: Vec<BenchNote>,
    }

    pub(super) fn measure(
        measure: Measure,
        config: &Config,
        sink: &dyn Sink,
    ) -> Result<Measurement> {
        let wanted = match measure {
            Measure::Throughput => config.size,
            Measure::Latency => config.msg_size,
        };
        let queues = open_queues(wanted, config.busy_poll)?;
        let (max_messages, message_size) = (queues.max_messages, queues.message_size);
        let mut result = match measure {
            Measure::Throughput => throughput(queues, config, sink)?,
            Measure::Latency => latency(queues, config, sink)?,
        };
        result.mode.max_messages = Some(max_messages);
        result.mode.message_size_bytes = Some(message_size);
        Ok(result)
    }

    /// Two queues sized for `wanted`-byte messages, as deep as the system lets anyone have
    /// them (`msg_max`, and both within `RLIMIT_MSGQUEUE`); their names are gone once both
    /// ends of each are open.
    /// The largest message both queues can hold one of: `msgsize_max`, and within
    /// `RLIMIT_MSGQUEUE` shared by the two.
    pub(super) fn largest_message() -> usize {
        let limits = mqueue::limits();
        let size_max = limits
            .msgsize_max
            .and_then(|m| usize::try_from(m).ok())
            .unwrap_or(8192);
        let within_rlimit = limits.rlimit_bytes.map_or(usize::MAX, |rlimit| {
            // Two queues share the limit: one message each must fit.
            let fits = (rlimit / 2).saturating_sub(OVERHEAD_PER_MESSAGE).max(1);
            usize::try_from(fits).unwrap_or(usize::MAX)
        });
        size_max.min(within_rlimit).max(1)
    }

    fn open_queues(wanted: usize, nonblocking: bool) -> Result<Queues> {
        let limits = mqueue::limits();
        let mut notes = Vec::new();
        let message_size = wanted.min(largest_message()).max(1);
        let mut max_messages = limits.msg_max.unwrap_or(10).max(1);
        if let Some(rlimit) = limits.rlimit_bytes {
            // Two queues share the limit: as many messages as fit beside each other.
            let per_message = message_size as u64 + OVERHEAD_PER_MESSAGE;
            max_messages = max_messages.min((rlimit / 2) / per_message).max(1);
        }
        if message_size < wanted {
            notes.push(BenchNote::MessageSizeCapped {
                asked: wanted,
                max: message_size,
            });
        }
        let size = Size {
            max_messages,
            message_size,
        };
        // Names nobody can guess ahead of us, so another user cannot take them first.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let base = format!("/ipcdemo-bench-{}-{nanos}", std::process::id());
        let (up, down) = (format!("{base}-up"), format!("{base}-down"));
        // Removes the names we made, however this function ends.
        let mut made = Unlink(Vec::new());
        let mut pair = |name: &str| -> Result<(Queue, Queue)> {
            let receiver = mqueue::create(name, Access::Receive, nonblocking, size)
                .doing_on(Doing::CreatingQueue, Path::new(name))?;
            made.0.push(name.to_string());
            let sender = mqueue::open(name, Access::Send, nonblocking)
                .doing_on(Doing::OpeningQueue, Path::new(name))?;
            Ok((receiver, sender))
        };
        let (parent_in, child_out) = pair(&up)?;
        let (child_in, parent_out) = pair(&down)?;
        drop(made);
        Ok(Queues {
            parent_in,
            parent_out,
            child_in,
            child_out,
            max_messages,
            message_size,
            notes,
        })
    }

    fn throughput(queues: Queues, config: &Config, sink: &dyn Sink) -> Result<Measurement> {
        let mut result = blank_measurement(Measure::Throughput);
        result.notes = queues.notes.clone();
        let (parent_cpu, child_cpu) = cpus(config.pin)?;
        let _affinity = Affinity::pin(parent_cpu)?;
        let Queues {
            parent_in,
            parent_out,
            child_in,
            child_out,
            message_size,
            ..
        } = queues;
        let (total, busy) = (config.total, config.busy_poll);
        let source = pattern(message_size)?;
        let before = crate::sys::usage::own();
        let (child, (parent_in, parent_out)) = spawn_child(
            (parent_in.into(), parent_out.into()),
            child_cpu,
            sink,
            move || {
                let mut go = zeroed(message_size)?;
                receive(&child_in, &mut go, busy, Doing::Streaming)?;
                let mut sent = 0u64;
                while sent < total {
                    let phase = (sent % PERIOD as u64) as usize;
                    let len = message_size.min((total - sent) as usize);
                    send(
                        &child_out,
                        &source[phase..phase + len],
                        busy,
                        Doing::Streaming,
                    )?;
                    sent += len as u64;
                }
                Ok(())
            },
        )?;
        let (parent_in, parent_out) = (Queue::from_fd(parent_in), Queue::from_fd(parent_out));
        let mut buffer = zeroed(message_size)?;
        let expected = pattern(message_size)?;
        let started = Instant::now();
        let outcome = (|| -> Result<(u64, u64)> {
            send(&parent_out, b"g", busy, Doing::Streaming)?;
            let mut watch = Watch::new(child);
            let (mut received, mut messages) = (0u64, 0u64);
            while received < total {
                signals::check()?;
                let n = watch.receive(&parent_in, &mut buffer, busy, Doing::Draining)?;
                // Boundaries are kept: each message is exactly as long as it was sent.
                let phase = (received % PERIOD as u64) as usize;
                let len = message_size.min((total - received) as usize);
                if n != len || buffer[..n] != expected[phase..phase + n] {
                    return Err(Error::CorruptStream { after: received });
                }
                received += n as u64;
                messages += 1;
            }
            Ok((received, messages))
        })();
        let seconds = started.elapsed().as_secs_f64();
        let reaped = finish(child, outcome.is_err(), [parent_in, parent_out]);
        let (received, messages) = outcome?;
        let mut result = with_cpu(result, before, reaped?);
        result.bytes = received;
        result.seconds = seconds;
        result.bytes_per_second = Some(received as f64 / seconds);
        result.messages = Some(messages);
        result.messages_per_second = Some(messages as f64 / seconds);
        Ok(result)
    }

    fn latency(queues: Queues, config: &Config, sink: &dyn Sink) -> Result<Measurement> {
        let mut result = blank_measurement(Measure::Latency);
        result.notes = queues.notes.clone();
        let (parent_cpu, child_cpu) = cpus(config.pin)?;
        let _affinity = Affinity::pin(parent_cpu)?;
        let Queues {
            parent_in,
            parent_out,
            child_in,
            child_out,
            message_size,
            ..
        } = queues;
        let size = config.msg_size.min(message_size);
        let busy = config.busy_poll;
        let all_rounds = config.warmup.saturating_add(config.rounds);
        let before = crate::sys::usage::own();
        let (child, (parent_in, parent_out)) = spawn_child(
            (parent_in.into(), parent_out.into()),
            child_cpu,
            sink,
            move || {
                let mut echo = zeroed(message_size)?;
                for _ in 0..all_rounds {
                    let n = receive(&child_in, &mut echo, busy, Doing::PingPong)?;
                    send(&child_out, &echo[..n], busy, Doing::PingPong)?;
                }
                Ok(())
            },
        )?;
        let (parent_in, parent_out) = (Queue::from_fd(parent_in), Queue::from_fd(parent_out));
        let mut ping = zeroed(size)?;
        let mut pong = zeroed(message_size)?;
        let mut nanos = crate::bench::stats::RoundTrips::new(config.percentiles);
        let outcome = (|| -> Result<f64> {
            let mut watch = Watch::new(child);
            let mut started = nanos.begin();
            for round in 0..all_rounds {
                if round == config.warmup {
                    started = Instant::now();
                }
                signals::check()?;
                // The round's number travels in the first byte: a lost or repeated answer shows.
                ping[0] = round as u8;
                send(&parent_out, &ping, busy, Doing::PingPong)?;
                let n = watch.receive(&parent_in, &mut pong, busy, Doing::PingPong)?;
                nanos.lap(round >= config.warmup);
                if n != size || pong[0] != round as u8 {
                    return Err(Error::RoundMismatch {
                        round,
                        got: i64::from(pong[0]),
                    });
                }
            }
            Ok(started.elapsed().as_secs_f64())
        })();
        let reaped = finish(child, outcome.is_err(), [parent_in, parent_out]);
        let seconds = outcome?;
        let mut result = with_cpu(result, before, reaped?);
        result.bytes = config.rounds.saturating_mul(2).saturating_mul(size as u64);
        result.seconds = seconds;
        result.rounds = Some(config.rounds);
        nanos.fill(&mut result, config.histogram.is_some());
        result.round_trips_per_second = Some(config.rounds as f64 / seconds);
        Ok(result)
    }

    /// Closes our ends and reaps the child; after a failure or a stop it is killed first, since
    /// a queue, unlike a pipe, never tells it that we left. With SIGKILL: a child so young that
    /// it still has our stop handler (before `restore_defaults_in_child`) would catch SIGTERM,
    /// then stream into a full queue for ever while we wait for it. It holds nothing to clean
    /// up: the queues' names are gone already.
    fn finish(child: Pid, failed: bool, ours: [Queue; 2]) -> Result<Usage> {
        drop(ours);
        if failed {
            let _ = kill(child, Signal::SIGKILL);
        }
        reap(child)
    }

    /// The parent's receives, with an eye on the child.
    struct Watch {
        child: Pid,
        deadline: Deadline,
        spins: u32,
    }

    impl Watch {
        fn new(child: Pid) -> Watch {
            Watch {
                child,
                deadline: Deadline::after(PATIENCE),
                spins: 0,
            }
        }

        /// One whole message. The deadline is renewed only when it has passed, so the hot loop
        /// reads no clock; a child found dead ends the run.
        fn receive(
            &mut self,
            queue: &Queue,
            buffer: &mut [u8],
            busy: bool,
            doing: Doing,
        ) -> Result<usize> {
            loop {
                let got = if busy {
                    queue.receive(buffer)
                } else {
                    queue.receive_by(buffer, &self.deadline)
                };
                match got {
                    Ok((n, _)) => return Ok(n),
                    Err(Errno::EAGAIN) if busy => {
                        signals::check()?;
                        self.spins = self.spins.wrapping_add(1);
                        if self.spins.is_multiple_of(1 << 16) {
                            self.child_lives()?;
                        }
                    }
                    Err(Errno::ETIMEDOUT) => {
                        self.child_lives()?;
                        self.deadline = Deadline::after(PATIENCE);
                    }
                    Err(Errno::EINTR) => signals::check()?,
                    Err(e) => return Err(Error::call(doing, e)),
                }
            }
        }

        /// Whether the child still runs, without reaping it (`WNOWAIT`).
        fn child_lives(&self) -> Result<()> {
            let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
            match waitid(Id::Pid(self.child), flags) {
                Ok(WaitStatus::StillAlive) => Ok(()),
                _ => Err(Error::OtherSideLeft),
            }
        }
    }

    /// The child's receive: it sleeps in the kernel, or spins with `--busy-poll`.
    fn receive(queue: &Queue, buffer: &mut [u8], busy: bool, doing: Doing) -> Result<usize> {
        loop {
            match queue.receive(buffer) {
                Ok((n, _)) => return Ok(n),
                Err(Errno::EAGAIN) if busy => {}
                Err(Errno::EINTR) => {}
                Err(e) => return Err(Error::call(doing, e)),
            }
        }
    }

    fn send(queue: &Queue, message: &[u8], busy: bool, doing: Doing) -> Result<()> {
        loop {
            match queue.send(message, 0) {
                Ok(()) => return Ok(()),
                Err(Errno::EAGAIN) if busy => signals::check()?,
                Err(Errno::EINTR) => signals::check()?,
                Err(e) => return Err(Error::call(doing, e)),
            }
        }
    }
}
