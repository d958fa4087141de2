//! The buffer that fills up (lesson 6 of the map): write into a pipe nobody reads until the kernel says
//! "no more" (`EAGAIN` on a non-blocking write end), and count what it held.
//!
//! The guarantees on show (`pipe(7)`): a pipe holds 65 536 bytes by default (`F_GETPIPE_SZ`
//! reports it, `F_SETPIPE_SZ` changes it); a write of at most `PIPE_BUF` bytes (4096 on Linux) is
//! all-or-nothing, so a non-blocking one is refused whole, while a larger one may be partial.
//!
//! How it blocks: a *blocking* writer at that point sleeps in `write(2)` until a reader makes
//! room, and with no reader ever, for ever: the classic deadlock of a parent that writes a
//! child's whole input before reading its output.

use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::unistd::{getpid, pipe, write};

use crate::bench::model::Mechanism;
use crate::event::{CapacityReport, Error, Event, Note, Outcome, Result, Role, Sink, Summary};
use crate::sys::rendezvous::RemoveOnExit;
use crate::sys::{Context, Doing, fifo, pipe_buf, pipesize, signals};

const PAGE: u64 = 4096;

/// What `ipcdemo capacity` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Ask `F_SETPIPE_SZ` for this many bytes first.
    pub pipe_size: Option<usize>,
    /// Bytes handed to each `write(2)`.
    pub write_size: usize,
    /// Fill a FIFO instead of an anonymous pipe.
    pub fifo: bool,
    /// With `fifo`: its path; `None`: `capacity-fifo` in the per-user folder.
    pub path: Option<PathBuf>,
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    let opened = if config.fifo {
        open_fifo_pair(config, sink)
    } else {
        pipe()
            .doing(Doing::CreatingPipe)
            .map(|(r, w)| (r, w, None))
            .map_err(Error::from)
    };
    let (read_end, write_end, remove) = match opened {
        Ok(ends) => ends,
        Err(e) => return Outcome::from(Err(e)),
    };
    if let Some(wanted) = config.pipe_size {
        match pipesize::set(&write_end, wanted) {
            Ok(granted) => sink.note(&Note::PipeSizeGranted { wanted, granted }),
            Err(refused) => sink.note(&Note::PipeSizeRefused(refused)),
        }
    }
    let mut report = CapacityReport {
        mechanism: if config.fifo {
            Mechanism::Fifo
        } else {
            Mechanism::Pipe
        },
        held_bytes: 0,
        pipe_size_bytes: pipesize::get(&write_end),
        requested_bytes: config.pipe_size,
        write_size_bytes: config.write_size,
        writes: 0,
        partial_writes: 0,
        pipe_buf_bytes: pipe_buf(),
        full: false,
    };
    let end = fill(&write_end, &mut report, sink);
    drop((read_end, write_end, remove));
    Outcome::new(vec![Summary::Capacity(report)], end)
}

fn fill(write_end: &OwnedFd, report: &mut CapacityReport, sink: &dyn Sink) -> Result<()> {
    // Non-blocking, so that a full pipe answers EAGAIN instead of putting us to sleep for ever.
    fcntl(write_end.as_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
        .doing(Doing::MakingNonblocking)?;
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
                        bytes: n,
                        held: report.held_bytes,
                        partial,
                    };
                    sink.event_now(Role::Son, pid, event)?;
                }
            }
            Err(Errno::EAGAIN) => {
                report.full = true;
                let event = Event::WouldBlock {
                    asked: chunk.len(),
                    held: report.held_bytes,
                };
                return sink.event_now(Role::Son, pid, event);
            }
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::WritingPipe, e)),
        }
    }
}

/// The FIFO variant: both ends opened by this process (the read end first, non-blocking, so
/// neither open waits); nobody reads.
fn open_fifo_pair(
    config: &Config,
    sink: &dyn Sink,
) -> Result<(OwnedFd, OwnedFd, Option<RemoveOnExit>)> {
    let (path, remove) = super::named::prepare(config.path.as_deref(), "capacity-fifo", sink)?;
    let created = remove.is_some();
    if !created {
        sink.note(&Note::FifoAlreadyThere(&path));
    }
    let read_end = fifo::open_checked(&path, OFlag::O_RDONLY | OFlag::O_NONBLOCK, created)?;
    let write_end = fifo::open_checked(&path, OFlag::O_WRONLY | OFlag::O_NONBLOCK, false)?;
    Ok((read_end, write_end, remove))
}
