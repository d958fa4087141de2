//! The anonymous pipe (lessons 1 and 2 of the map): a son (a thread, or a child process with `--fork`) writes
//! `Spam 000` … into the write end of a `pipe(2)`; the father `read(2)`s up to `--read-size`
//! bytes at a time and prints exactly what each read returned.
//!
//! The guarantee on show (`pipe(7)`): a pipe is a byte stream. Each small `write(2)` lands
//! whole, but nothing marks where it ends, so one read can return two messages glued together
//! (`[Spam 004Spam 000]`) or part of one.
//!
//! How it blocks: `read(2)` sleeps while the pipe is empty and returns 0 (end of file) only when
//! *every* write end is closed. Keep one stray copy of the write end open, in the father or
//! in a forked child, and the father waits forever. A son writing into a full pipe (64 KiB by
//! default) sleeps until the father reads.

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, pipe, read};

use super::boundaries::{BoundaryCounter, Framing};
use super::spam::{SpamSchedule, write_message};
use crate::event::{
    Channel, Data, Error, Event, Note, Outcome, ProcessEnd, ReadTiming, Result, Role, Sink,
    Summary, Waiting, Why, WriteTiming,
};
use crate::sys::write_log::WriteLog;
use crate::sys::{Context, Doing, clock, signals};

/// `Spam 000` is eight bytes and the anon son adds no newline, as in the notebook.
const MESSAGE_LEN: usize = 8;

/// What `ipcdemo anon` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Messages to send before closing the pipe; `None`: until stopped.
    pub count: Option<u64>,
    /// The unit of the son's 0, 1, 2, 3, 4 tick sleeps.
    pub tick: Duration,
    /// The most bytes the father asks of each `read(2)`.
    pub read_size: usize,
    /// The son is a child process (`fork(2)`) rather than a thread.
    pub fork: bool,
    /// Report the son's sends too.
    pub show_son: bool,
    /// The father tells of the son's writes itself, from the shared write log, in order with
    /// its reads (for a timeline or a trace); the son then prints nothing.
    pub narrate: bool,
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    let (read_end, write_end) = match pipe().doing(Doing::CreatingPipe) {
        Ok(ends) => ends,
        Err(e) => return Outcome::from(Err(e.into())),
    };
    // Made before the fork, so a forked son shares it.
    let log = match WriteLog::new() {
        Ok(log) => log,
        Err(e) => return Outcome::from(Err(e.into())),
    };
    if config.fork {
        with_forked_son(config, read_end, write_end, &log, sink)
    } else {
        with_son_thread(config, read_end, write_end, &log, sink)
    }
}

fn with_son_thread(
    config: &Config,
    read_end: OwnedFd,
    write_end: OwnedFd,
    log: &WriteLog,
    sink: &dyn Sink,
) -> Outcome {
    // Set when the father stops reading early, so a son asleep between messages stops too.
    let father_done = AtomicBool::new(false);
    thread::scope(|scope| {
        // The write end moves into the thread, so the thread owns the only copy: when it
        // returns, the descriptor closes and the father's read(2) returns 0.
        let son = thread::Builder::new()
            .name("son".into())
            .spawn_scoped(scope, || {
                // A son blocked writing to a stalled stdout must yield to a stop too.
                let _kick = signals::kick_this_thread();
                son_writes(write_end, config, log, sink, Some(&father_done))
            });
        let son = match son.doing(Doing::StartingThread) {
            Ok(son) => son,
            Err(e) => return Outcome::from(Err(e.into())),
        };
        let son_pid = getpid().as_raw();
        let outcome = father_reads(read_end, config, log, son_pid, sink);
        // The read end is closed now: a son still writing gets EPIPE, one asleep sees this.
        father_done.store(true, Ordering::SeqCst);
        let son_result = match son.join() {
            Ok(result) => result,
            Err(_) => Err(Error::SonThreadPanicked),
        };
        with_son(outcome, son_result)
    })
}

/// The son's failure matters only when the father saw the run to its end.
fn with_son(mut outcome: Outcome, son: Result<()>) -> Outcome {
    if outcome.end.is_ok()
        && let Err(e) = son
    {
        outcome.end = Err(e);
    }
    outcome
}

fn with_forked_son(
    config: &Config,
    read_end: OwnedFd,
    write_end: OwnedFd,
    log: &WriteLog,
    sink: &dyn Sink,
) -> Outcome {
    let father = getpid();
    // SAFETY: the only other thread is the signal thread, parked in sigwait(2) holding
    // no lock, so the child may allocate and print.
    let child = match unsafe { fork() }.doing(Doing::ForkingSon) {
        Ok(ForkResult::Child) => {
            // A son that kept a read end would be its own reader: with the father gone its
            // writes would fill the pipe and block for ever instead of failing with EPIPE.
            drop(read_end);
            let code = match son_process(write_end, config, log, sink, father) {
                Ok(()) | Err(Error::StdoutClosed) => 0,
                Err(error) => {
                    let pid = getpid().as_raw();
                    sink.note(&Note::SonFailed { pid, error: &error });
                    1
                }
            };
            // Not returning: the rest of `run` belongs to the father.
            std::process::exit(code)
        }
        Ok(ForkResult::Parent { child }) => child,
        Err(e) => return Outcome::from(Err(e.into())),
    };
    // The father must close its copy of the write end: while any write end is open, read(2)
    // never returns 0 and the father would wait for ever.
    drop(write_end);
    let outcome = father_reads(read_end, config, log, child.as_raw(), sink);
    let saw_end_of_file = outcome.end.is_ok();
    with_son(outcome, reap(child, saw_end_of_file))
}

fn son_process(
    write_end: OwnedFd,
    config: &Config,
    log: &WriteLog,
    sink: &dyn Sink,
    father: Pid,
) -> Result<()> {
    signals::restore_defaults_in_child()?;
    #[cfg(target_os = "linux")]
    {
        // If the father dies without a word (kill -9), take us with it: no orphan left writing.
        // SIGKILL, since SIGTERM may be one the parent of us all left ignored.
        nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).doing(Doing::SettingParentDeathSignal)?;
        if nix::unistd::getppid() != father {
            return Ok(());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = father;
    son_writes(write_end, config, log, sink, None)
}

fn son_writes(
    write_end: OwnedFd,
    config: &Config,
    log: &WriteLog,
    sink: &dyn Sink,
    father_done: Option<&AtomicBool>,
) -> Result<()> {
    let pid = getpid().as_raw();
    let mut schedule = SpamSchedule::new(config.tick, false);
    let (mut sent, mut offset) = (0u64, 0u64);
    while config.count.is_none_or(|count| sent < count) {
        let message = schedule.wait_for_next_unless(father_done)?;
        let Some(message) = message else {
            return Ok(());
        };
        let to = offset + message.len() as u64;
        let call_ns = clock::monotonic_ns();
        if config.show_son && !config.narrate {
            // Said just before the write(2), stamped then: the father's receipt can never
            // appear before it.
            let event = Event::Sent {
                data: Data(message),
                priority: None,
                timing: Some(WriteTiming {
                    call_at: sink.time_of(call_ns),
                    returned_at: None,
                    from: offset,
                    to,
                }),
            };
            sink.event(sink.time_of(call_ns), Role::Son, pid, event)?;
        }
        // Published before the write, so the father knows these bytes when they arrive.
        let entry = log.called(call_ns, offset, to);
        match write_message(&write_end, message) {
            Ok(()) => log.returned(entry, clock::monotonic_ns()),
            // The father stopped reading (it was stopped, or its stdout closed): that is its
            // story to tell, not ours.
            Err(Errno::EPIPE) if father_done.is_some_and(|d| d.load(Ordering::SeqCst)) => {
                return Ok(());
            }
            Err(e) => return Err(Error::call(Doing::WritingPipe, e)),
        }
        sent += 1;
        offset = to;
    }
    Ok(())
}

/// The father's view of the son's writes, from the shared log: which it has told of, and
/// which bytes are still in the pipe.
struct Writes<'a> {
    log: &'a WriteLog,
    /// Log entries already told of.
    told: u64,
    /// Bytes written by the writes told of (an upper bound of what is in the pipe, once what
    /// was read is taken off).
    written: u64,
    /// The `[from, to)` of writes not wholly read yet.
    unread: std::collections::VecDeque<(u64, u64)>,
}

impl Writes<'_> {
    /// Tells of every write called up to `until_ns` (narrated on the son's behalf).
    fn tell_until(
        &mut self,
        until_ns: u64,
        config: &Config,
        son_pid: i32,
        sink: &dyn Sink,
    ) -> Result<()> {
        while let Some(write) = self.log.get(self.told) {
            if write.call_ns > until_ns {
                break;
            }
            self.told += 1;
            self.written = self.written.max(write.to);
            self.unread.push_back((write.from, write.to));
            if config.narrate {
                let message = spam_bytes(write.from, write.to);
                let event = Event::Sent {
                    data: Data(&message),
                    priority: None,
                    timing: Some(WriteTiming {
                        call_at: sink.time_of(write.call_ns),
                        returned_at: (write.return_ns != 0).then(|| sink.time_of(write.return_ns)),
                        from: write.from,
                        to: write.to,
                    }),
                };
                let time = sink.time_of(write.call_ns);
                sink.narrated(time, Role::Son, son_pid, event, config.show_son)?;
            }
        }
        Ok(())
    }

    /// How many writes the bytes `[from, to)` came from; forgets the writes now wholly read.
    fn carried(&mut self, from: u64, to: u64) -> u64 {
        let count = self
            .unread
            .iter()
            .filter(|(start, end)| *start < to && *end > from)
            .count() as u64;
        while self.unread.front().is_some_and(|(_, end)| *end <= to) {
            self.unread.pop_front();
        }
        count
    }
}

/// The bytes of `Spam NNN` messages at stream offsets `[from, to)`: the son's messages are
/// fixed, so the father can tell what a logged write carried without it being copied.
fn spam_bytes(from: u64, to: u64) -> Vec<u8> {
    (from..to)
        .map(|at| {
            // Message k is `Spam 00{k % 5}`: only the last byte changes.
            let (message, at) = (at / MESSAGE_LEN as u64, (at % MESSAGE_LEN as u64) as usize);
            match at {
                7 => b'0' + (message % 5) as u8,
                _ => b"Spam 000"[at],
            }
        })
        .collect()
}

fn father_reads(
    read_end: OwnedFd,
    config: &Config,
    log: &WriteLog,
    son_pid: i32,
    sink: &dyn Sink,
) -> Outcome {
    let pid = getpid().as_raw();
    let mut buffer = vec![0u8; config.read_size];
    let mut counter = BoundaryCounter::new(Framing::Fixed(MESSAGE_LEN));
    let mut writes = Writes {
        log,
        told: 0,
        written: 0,
        unread: std::collections::VecDeque::new(),
    };
    let (mut offset, mut waited_ns) = (0u64, 0u64);
    let mut first_call: Option<u64> = None;
    let mut last_return = 0u64;
    if config.narrate {
        let lanes = Event::Lanes {
            son: Some(son_pid),
            father: pid,
            channel: Channel::Pipe,
        };
        if let Err(e) = sink.narrated(sink.now(), Role::Father, pid, lanes, false) {
            return Outcome::from(Err(e));
        }
    }
    let end = loop {
        if let Err(stop) = signals::check() {
            break Err(stop.into());
        }
        // Stamps just before the call and just after it returns: the wait is the kernel's.
        let call_ns = clock::monotonic_ns();
        let read = read(&read_end, &mut buffer);
        let return_ns = clock::monotonic_ns();
        match read {
            Ok(0) => {
                if let Err(e) = writes.tell_until(u64::MAX, config, son_pid, sink) {
                    break Err(e);
                }
                // The event first: if the son stopped because stdout closed, it fails and
                // the run ends quietly instead of explaining an end of file nobody caused.
                let eof = sink.event_now(Role::Father, pid, Event::Eof);
                if eof.is_ok() {
                    sink.note(&Note::EndOfFile);
                }
                break eof;
            }
            Ok(n) => {
                first_call.get_or_insert(call_ns);
                last_return = return_ns;
                waited_ns += return_ns - call_ns;
                counter.record(&buffer[..n]);
                if let Err(e) = writes.tell_until(return_ns, config, son_pid, sink) {
                    break Err(e);
                }
                let to = offset + n as u64;
                let timing = ReadTiming {
                    call_at: sink.time_of(call_ns),
                    waited_us: (return_ns - call_ns) as f64 / 1e3,
                    from: offset,
                    to,
                    in_pipe: Some(writes.written.saturating_sub(to)),
                    writes: Some(writes.carried(offset, to)),
                };
                offset = to;
                let event = Event::Received {
                    data: Data(&buffer[..n]),
                    son: None,
                    partial: None,
                    record_bytes: None,
                    priority: None,
                    queued: None,
                    timing: Some(timing),
                    record: None,
                };
                if let Err(e) = sink.event(sink.time_of(return_ns), Role::Father, pid, event) {
                    break Err(e);
                }
            }
            Err(Errno::EINTR) => continue,
            Err(errno) => break Err(Error::call(Doing::ReadingPipe, errno)),
        }
    };
    drop(read_end);
    let counts = counter.counts();
    let glued = counts.reads_several_messages + counts.reads_part_message > 0;
    let summary = Summary::Reads {
        counts,
        why: glued.then_some(Why::ByteStream),
        waiting: first_call.map(|first| Waiting {
            waited_s: waited_ns as f64 / 1e9,
            reading_s: last_return.saturating_sub(first) as f64 / 1e9,
        }),
    };
    Outcome::new(vec![summary], end)
}

/// Waits for the son process; stops it first unless the father saw it finish (end of file).
fn reap(child: Pid, saw_end_of_file: bool) -> Result<()> {
    if !saw_end_of_file {
        // The son has nothing to clean up; SIGKILL, since SIGTERM may be inherited ignored.
        let _ = kill(child, Signal::SIGKILL);
    }
    let status = signals::restarting(|| waitpid(child, None)).doing(Doing::WaitingForSon)?;
    match status {
        WaitStatus::Exited(_, 0) => Ok(()),
        _ if !saw_end_of_file => Ok(()),
        WaitStatus::Exited(_, code) => Err(Error::SonProcess(ProcessEnd::Exited(code))),
        WaitStatus::Signaled(_, signal, _) => Err(Error::SonProcess(ProcessEnd::Signaled(signal))),
        _ => Err(Error::SonProcess(ProcessEnd::Other)),
    }
}
