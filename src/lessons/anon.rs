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
    Data, Error, Event, Note, Outcome, ProcessEnd, Result, Role, Sink, Summary, Why,
};
use crate::sys::{Context, Doing, signals};

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
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    let (read_end, write_end) = match pipe().doing(Doing::CreatingPipe) {
        Ok(ends) => ends,
        Err(e) => return Outcome::from(Err(e.into())),
    };
    if config.fork {
        with_forked_son(config, read_end, write_end, sink)
    } else {
        with_son_thread(config, read_end, write_end, sink)
    }
}

fn with_son_thread(
    config: &Config,
    read_end: OwnedFd,
    write_end: OwnedFd,
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
                son_writes(write_end, config, sink, Some(&father_done))
            });
        let son = match son.doing(Doing::StartingThread) {
            Ok(son) => son,
            Err(e) => return Outcome::from(Err(e.into())),
        };
        let outcome = father_reads(read_end, config.read_size, sink);
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
            let code = match son_process(write_end, config, sink, father) {
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
    let outcome = father_reads(read_end, config.read_size, sink);
    let saw_end_of_file = outcome.end.is_ok();
    with_son(outcome, reap(child, saw_end_of_file))
}

fn son_process(write_end: OwnedFd, config: &Config, sink: &dyn Sink, father: Pid) -> Result<()> {
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
    son_writes(write_end, config, sink, None)
}

fn son_writes(
    write_end: OwnedFd,
    config: &Config,
    sink: &dyn Sink,
    father_done: Option<&AtomicBool>,
) -> Result<()> {
    let pid = getpid().as_raw();
    let mut schedule = SpamSchedule::new(config.tick, false);
    let mut sent = 0u64;
    while config.count.is_none_or(|count| sent < count) {
        let message = schedule.wait_for_next_unless(father_done)?;
        let Some(message) = message else {
            return Ok(());
        };
        if config.show_son {
            // Said just before the write(2), stamped then: the father's receipt can never
            // appear before it.
            let event = Event::Sent {
                data: Data(message),
            };
            sink.event_now(Role::Son, pid, event)?;
        }
        match write_message(&write_end, message) {
            Ok(()) => {}
            // The father stopped reading (it was stopped, or its stdout closed): that is its
            // story to tell, not ours.
            Err(Errno::EPIPE) if father_done.is_some_and(|d| d.load(Ordering::SeqCst)) => {
                return Ok(());
            }
            Err(e) => return Err(Error::call(Doing::WritingPipe, e)),
        }
        sent += 1;
    }
    Ok(())
}

fn father_reads(read_end: OwnedFd, read_size: usize, sink: &dyn Sink) -> Outcome {
    let pid = getpid().as_raw();
    let mut buffer = vec![0u8; read_size];
    let mut counter = BoundaryCounter::new(Framing::Fixed(MESSAGE_LEN));
    let end = loop {
        if let Err(stop) = signals::check() {
            break Err(stop.into());
        }
        match read(&read_end, &mut buffer) {
            Ok(0) => {
                // The event first: if the son stopped because stdout closed, it fails and
                // the run ends quietly instead of explaining an end of file nobody caused.
                let eof = sink.event_now(Role::Father, pid, Event::Eof);
                if eof.is_ok() {
                    sink.note(&Note::EndOfFile);
                }
                break eof;
            }
            Ok(n) => {
                counter.record(&buffer[..n]);
                let event = Event::Received {
                    data: Data(&buffer[..n]),
                    son: None,
                    partial: None,
                    record_bytes: None,
                    record: None,
                };
                if let Err(e) = sink.event_now(Role::Father, pid, event) {
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
