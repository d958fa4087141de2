//! Lesson 1, the anonymous pipe: a son (a thread, or a child process with `--fork`) writes
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
use std::thread;

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, pipe, read};

use crate::boundaries::{BoundaryCounter, Framing};
use crate::cli::AnonArgs;
use crate::messages::Msg;
use crate::report::{Event, Reporter, Role, StdoutClosed};
use crate::signals;
use crate::spam::{SpamSchedule, write_message};

/// `Spam 000` is eight bytes and the anon son adds no newline, as in the notebook.
const MESSAGE_LEN: usize = 8;

enum Son {
    Thread(thread::JoinHandle<Result<()>>),
    Process(Pid),
}

pub fn run(args: &AnonArgs, reporter: &Reporter) -> Result<()> {
    let (read_end, write_end) = pipe().context("creating the pipe")?;
    let show = args.show_son.then_some(*reporter);
    let son = if args.fork {
        let father = getpid();
        // SAFETY: the only other thread is the signal thread, parked in sigwait(2) holding
        // no lock, so the child may allocate and print.
        match unsafe { fork() }.context("forking the son process")? {
            ForkResult::Child => {
                // A son that kept a read end would be its own reader: with the father gone its
                // writes would fill the pipe and block for ever instead of failing with EPIPE.
                drop(read_end);
                let code = match son_process(write_end, args, show, father) {
                    Ok(()) => 0,
                    Err(e) if e.is::<StdoutClosed>() => 0,
                    Err(e) => {
                        eprintln!("{}: son {}: {e:#}", Msg::ErrorPrefix, getpid());
                        1
                    }
                };
                // Not returning: the rest of `run` belongs to the father.
                std::process::exit(code)
            }
            ForkResult::Parent { child } => {
                // The father must close its copy of the write end: while any write end is
                // open, read(2) never returns 0 and the father would wait for ever.
                drop(write_end);
                Son::Process(child)
            }
        }
    } else {
        // The write end moves into the thread, so the thread owns the only copy: when it
        // returns, the descriptor closes and the father's read(2) returns 0.
        let (count, tick) = (args.count, args.tick);
        Son::Thread(
            thread::Builder::new()
                .name("son".into())
                .spawn(move || son_writes(write_end, count, tick, show))
                .context("starting the son thread")?,
        )
    };
    let outcome = father_reads(&read_end, args.read_size, reporter);
    let son_outcome = finish(son, outcome.is_ok());
    outcome.and(son_outcome)
}

fn son_process(
    write_end: OwnedFd,
    args: &AnonArgs,
    show: Option<Reporter>,
    father: Pid,
) -> Result<()> {
    signals::restore_defaults_in_child()?;
    #[cfg(target_os = "linux")]
    {
        // If the father dies without a word (kill -9), take us with it: no orphan left writing.
        nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).context("setting PR_SET_PDEATHSIG")?;
        if nix::unistd::getppid() != father {
            return Ok(());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = father;
    son_writes(write_end, args.count, args.tick, show)
}

fn son_writes(
    write_end: OwnedFd,
    count: Option<u64>,
    tick: std::time::Duration,
    show: Option<Reporter>,
) -> Result<()> {
    let pid = getpid().as_raw();
    let mut schedule = SpamSchedule::new(tick, false);
    let mut sent = 0u64;
    while count.is_none_or(|count| sent < count) {
        let message = schedule.wait_for_next()?;
        let stamp = show.map(|reporter| reporter.now());
        write_message(&write_end, message).context("writing to the pipe")?;
        sent += 1;
        if let (Some(reporter), Some(time)) = (show, stamp) {
            reporter.event_at(time, Role::Son, pid, Event::Sent { data: message })?;
        }
    }
    Ok(())
}

fn father_reads(read_end: &OwnedFd, read_size: usize, reporter: &Reporter) -> Result<()> {
    let pid = getpid().as_raw();
    let mut buffer = vec![0u8; read_size];
    let mut counter = BoundaryCounter::new(Framing::Fixed(MESSAGE_LEN));
    let outcome = loop {
        if let Err(stop) = signals::check() {
            break Err(stop.into());
        }
        match read(read_end, &mut buffer) {
            Ok(0) => {
                reporter.note(&Msg::EndOfFile);
                break reporter.event(Role::Father, pid, Event::EndOfFile);
            }
            Ok(n) => {
                counter.record(&buffer[..n]);
                let event = Event::Received {
                    data: &buffer[..n],
                    from: None,
                    partial: false,
                };
                if let Err(e) = reporter.event(Role::Father, pid, event) {
                    break Err(e);
                }
            }
            Err(Errno::EINTR) => continue,
            Err(errno) => break Err(errno).context("reading from the pipe"),
        }
    };
    if outcome.as_ref().is_err_and(|e| e.is::<StdoutClosed>()) {
        return outcome;
    }
    let summary = counter.summary();
    reporter.summary("reads", pid, &summary, &Msg::ReadSummary(&summary))?;
    if summary.reads_several_messages + summary.reads_part_message > 0 && !reporter.is_json() {
        reporter.note(&Msg::ByteStreamLesson);
    }
    outcome
}

/// Waits for the son; stops it first unless the father saw it finish (end of file).
fn finish(son: Son, saw_end_of_file: bool) -> Result<()> {
    match son {
        // A thread still writing dies with the process; one that finished has a verdict.
        Son::Thread(handle) if saw_end_of_file => match handle.join() {
            Ok(result) => result.context("the son thread failed"),
            Err(_) => bail!("the son thread panicked"),
        },
        Son::Thread(_) => Ok(()),
        Son::Process(child) => {
            if !saw_end_of_file {
                let _ = kill(child, Signal::SIGTERM);
            }
            let status = signals::restarting(|| waitpid(child, None))
                .context("waiting for the son process")?;
            match status {
                WaitStatus::Exited(_, 0) => Ok(()),
                _ if !saw_end_of_file => Ok(()),
                WaitStatus::Exited(_, code) => bail!("the son process exited with status {code}"),
                other => bail!("the son process ended abnormally: {other:?}"),
            }
        }
    }
}
