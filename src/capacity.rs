//! Lesson 4a, the buffer that fills up: write into a pipe nobody reads until the kernel says
//! "no more" (`EAGAIN` on a non-blocking write end), and count what it held.
//!
//! The guarantees on show (`pipe(7)`): a pipe holds 65 536 bytes by default (`F_GETPIPE_SZ`
//! reports it, `F_SETPIPE_SZ` changes it); a write of at most `PIPE_BUF` (4096) bytes is
//! all-or-nothing, so a non-blocking one is refused whole, while a larger one may be partial.
//!
//! How it blocks: a *blocking* writer at that point sleeps in `write(2)` until a reader makes
//! room, and with no reader ever, for ever: the classic deadlock of a parent that writes a
//! child's whole input before reading its output.

use std::os::fd::{AsFd, OwnedFd};

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::stat::SFlag;
use nix::unistd::{getpid, pipe, write};
use serde::Serialize;

use crate::cli::CapacityArgs;
use crate::messages::Msg;
use crate::named;
use crate::pipesize;
use crate::rendezvous::{self, Existing, RemoveOnExit};
use crate::report::{Event, Reporter, Role};
use crate::signals;

/// `PIPE_BUF` on Linux and macOS alike (`pipe(7)`).
pub const PIPE_BUF: usize = 4096;
const PAGE: u64 = 4096;

/// What the kernel held and how the writes went.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CapacityReport {
    /// "pipe" or "fifo".
    pub mechanism: &'static str,
    /// Bytes the kernel accepted before refusing more, in bytes.
    pub held_bytes: u64,
    /// The buffer size `F_GETPIPE_SZ` reports, in bytes (null where the system cannot say).
    pub pipe_size_bytes: Option<usize>,
    /// The size asked for with `--pipe-size`, in bytes.
    pub requested_bytes: Option<usize>,
    /// Bytes handed to each `write(2)`.
    pub write_size_bytes: usize,
    /// Successful `write(2)` calls.
    pub writes: u64,
    /// Writes the kernel took only part of.
    pub partial_writes: u64,
}

pub fn run(args: &CapacityArgs, reporter: &Reporter) -> Result<()> {
    let (_read_end, write_end, _remove) = if args.fifo {
        open_fifo_pair(args, reporter)?
    } else {
        let (read_end, write_end) = pipe().context("creating the pipe")?;
        (read_end, write_end, None)
    };
    if let Some(wanted) = args.pipe_size {
        match pipesize::set(&write_end, wanted) {
            Ok(granted) => reporter.note(&Msg::PipeSizeGranted { wanted, granted }),
            Err(refused) => reporter.note(&Msg::PipeSizeRefused(&refused)),
        }
    }
    // Non-blocking, so that a full pipe answers EAGAIN instead of putting us to sleep for ever.
    fcntl(write_end.as_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
        .context("making the write end non-blocking")?;
    let mut report = CapacityReport {
        mechanism: if args.fifo { "fifo" } else { "pipe" },
        held_bytes: 0,
        pipe_size_bytes: pipesize::get(&write_end),
        requested_bytes: args.pipe_size,
        write_size_bytes: args.write_size,
        writes: 0,
        partial_writes: 0,
    };
    fill(&write_end, &mut report, reporter)?;
    let pid = getpid().as_raw();
    reporter.summary("capacity", pid, &report, &Msg::CapacitySummary(&report))?;
    if !reporter.is_json() {
        reporter.note(&Msg::CapacityLesson(&report));
    }
    Ok(())
}

fn fill(write_end: &OwnedFd, report: &mut CapacityReport, reporter: &Reporter) -> Result<()> {
    let pid = getpid().as_raw();
    let chunk = vec![b'x'; report.write_size_bytes];
    loop {
        signals::check()?;
        match write(write_end, &chunk) {
            Ok(n) => {
                let before = report.held_bytes;
                report.held_bytes += n as u64;
                report.writes += 1;
                let partial = n < chunk.len();
                report.partial_writes += u64::from(partial);
                if partial || report.held_bytes / PAGE != before / PAGE {
                    let event = Event::Filled {
                        asked: chunk.len(),
                        took: n,
                        held: report.held_bytes,
                    };
                    reporter.event(Role::Son, pid, event)?;
                }
            }
            Err(Errno::EAGAIN) => {
                let event = Event::WouldBlock {
                    asked: chunk.len(),
                    held: report.held_bytes,
                };
                return reporter.event(Role::Son, pid, event);
            }
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e).context("writing into the pipe"),
        }
    }
}

/// The FIFO variant: both ends opened by this process (the read end first, non-blocking, so
/// neither open waits); nobody reads.
fn open_fifo_pair(
    args: &CapacityArgs,
    reporter: &Reporter,
) -> Result<(OwnedFd, OwnedFd, Option<RemoveOnExit>)> {
    let path = rendezvous::resolve(args.path.as_deref(), "capacity-fifo")?;
    let (existing, _) = rendezvous::inspect(&path, SFlag::S_IFIFO, "FIFO")?;
    let created = match existing {
        Existing::Nothing => named::make_fifo(&path, reporter)?,
        Existing::Usable => false,
    };
    let remove = created.then(|| RemoveOnExit::new(&path));
    let read_end = named::open_fifo(&path, OFlag::O_RDONLY | OFlag::O_NONBLOCK, created)?;
    let write_end = named::open_fifo(&path, OFlag::O_WRONLY | OFlag::O_NONBLOCK, false)?;
    Ok((read_end, write_end, remove))
}
