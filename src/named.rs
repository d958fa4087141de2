//! Lesson 2, the named pipe: `mkfifo(3)` puts a pipe in the file system, so unrelated
//! processes (a father and any number of sons, each in its own terminal) can find it by name.
//!
//! The guarantees on show (`fifo(7)`, `pipe(7)`): a FIFO is the same byte stream as a pipe;
//! writes of at most `PIPE_BUF` (4096) bytes are atomic, so one `write(2)` per line means lines
//! from many sons interleave but never tear.
//!
//! How it blocks: `open(2)` for reading waits for a writer and `open(2)` for writing waits for
//! a reader (`O_NONBLOCK` makes the writer fail with `ENXIO` instead). When the last son
//! closes, the father's `read(2)` returns 0 again and again: the notebook's father spun there,
//! printing empty lines. Ours then opens a write end of its own, so `read(2)` sleeps until the
//! next son writes, and lets it go as soon as data flows, so it sees the next end of file too.
//! The father never closes its read end, so no son is ever left blocked in `open(2)` because
//! the father stepped away between two sons.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl, open};
use nix::sys::stat::{Mode, SFlag, fchmod, fstat};
use nix::unistd::{getpid, mkfifo, read};

use crate::boundaries::{BoundaryCounter, Framing};
use crate::cli::NamedArgs;
use crate::messages::{Doing, Msg, doing};
use crate::rendezvous::{self, Existing, Refusal, RemoveOnExit};
use crate::report::{Event, Reporter, Role, StdoutClosed};
use crate::signals;
use crate::spam::{self, write_message};

/// A line longer than this without a newline is shown in pieces, each marked partial, so a
/// writer that never sends `\n` cannot make the father hoard memory.
const LONGEST_LINE: usize = 64 * 1024;

pub fn run(args: &NamedArgs, reporter: &Reporter) -> Result<()> {
    let path = rendezvous::resolve(args.path.as_deref(), "pipefifo")?;
    let (existing, stat) = rendezvous::inspect(&path, SFlag::S_IFIFO, "FIFO")?;
    let created = match existing {
        Existing::Usable => {
            if stat.as_ref().is_some_and(rendezvous::readable_by_others) {
                reporter.note(&Msg::FifoReadableByOthers(&path));
            }
            false
        }
        Existing::Nothing => make_fifo(&path, reporter)?,
    };
    if args.son {
        son(args, &path, created, reporter)
    } else {
        // Only the process that made the FIFO removes it, and only if it is still that FIFO.
        let _remove = created.then(|| RemoveOnExit::new(&path));
        father(args, &path, created, reporter)
    }
}

/// Creates the FIFO; false if another process got there first (that race is fine).
pub fn make_fifo(path: &Path, reporter: &Reporter) -> Result<bool> {
    match mkfifo(path, Mode::S_IRUSR | Mode::S_IWUSR) {
        Ok(()) => {
            reporter.note(&Msg::CreatedFifo(path));
            Ok(true)
        }
        Err(Errno::EEXIST) => {
            rendezvous::inspect(path, SFlag::S_IFIFO, "FIFO")?;
            Ok(false)
        }
        Err(e) => Err(e).with_context(|| doing(Doing::CreatingFifo, path)),
    }
}

/// Opens the FIFO without following a symbolic link, retrying when a harmless signal
/// interrupts the wait, then checks with `fstat(2)` that what opened is really our FIFO.
pub fn open_fifo(path: &Path, flags: OFlag, created: bool) -> Result<OwnedFd> {
    let fd = loop {
        match open(
            path,
            flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => break fd,
            Err(Errno::EINTR) => signals::check()?,
            Err(Errno::ELOOP) => {
                let found = rendezvous::FileKind::Symlink;
                let refusal = Refusal::WrongKind {
                    found,
                    wanted: "FIFO",
                };
                return Err(rendezvous::refuse(path, refusal));
            }
            Err(e) => return Err(e).with_context(|| doing(Doing::Opening, path)),
        }
    };
    let stat = fstat(&fd).with_context(|| doing(Doing::Examining, path))?;
    rendezvous::check_is_ours(path, &stat, SFlag::S_IFIFO, "FIFO")?;
    if created {
        // mkfifo(3) applied the umask; make it exactly 0600 (others may neither read nor write).
        fchmod(&fd, Mode::S_IRUSR | Mode::S_IWUSR)
            .with_context(|| doing(Doing::SettingMode0600, path))?;
    }
    Ok(fd)
}

fn father(args: &NamedArgs, path: &Path, created: bool, reporter: &Reporter) -> Result<()> {
    let pid = getpid().as_raw();
    reporter.note(&Msg::FatherWaitingForSon(path));
    let mut lines = LineReader::new(args.count);
    let outcome = open_fifo(path, OFlag::O_RDONLY, created)
        .and_then(|fifo| lines.serve(&fifo, path, pid, reporter));
    if outcome.as_ref().is_err_and(|e| e.is::<StdoutClosed>()) {
        return outcome;
    }
    let summary = lines.counter.summary();
    reporter.summary("lines", pid, &summary, &Msg::ReadSummary(&summary))?;
    outcome
}

/// The father's side: raw reads in, whole lines out.
struct LineReader {
    counter: BoundaryCounter,
    pending: Vec<u8>,
    lines_wanted: Option<u64>,
    lines_seen: u64,
}

impl LineReader {
    fn new(lines_wanted: Option<u64>) -> Self {
        LineReader {
            counter: BoundaryCounter::new(Framing::Newline),
            pending: Vec::with_capacity(LONGEST_LINE),
            lines_wanted,
            lines_seen: 0,
        }
    }

    fn done(&self) -> bool {
        self.lines_wanted.is_some_and(|n| self.lines_seen >= n)
    }

    fn serve(&mut self, fifo: &OwnedFd, path: &Path, pid: i32, reporter: &Reporter) -> Result<()> {
        let mut buffer = vec![0u8; 4096];
        // Our own write end, held only while no son is connected (see the module comment).
        let mut keep_open: Option<OwnedFd> = None;
        while !self.done() {
            signals::check()?;
            let n = match read(fifo, &mut buffer) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e).with_context(|| doing(Doing::Reading, path)),
            };
            if n == 0 {
                self.flush_partial(pid, reporter)?;
                reporter.event(Role::Father, pid, Event::EndOfFile)?;
                reporter.note(&Msg::AllSonsGone(path));
                keep_open = Some(self.own_write_end(fifo, path)?);
                continue;
            }
            // A son is writing: drop our write end so its leaving shows as end of file.
            drop(keep_open.take());
            self.counter.record(&buffer[..n]);
            self.take_lines(&buffer[..n], pid, reporter)?;
        }
        Ok(())
    }

    fn take_lines(&mut self, mut data: &[u8], pid: i32, reporter: &Reporter) -> Result<()> {
        while let Some(end) = data.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&data[..end]);
            data = &data[end + 1..];
            self.emit(pid, false, reporter)?;
            self.lines_seen += 1;
            if self.done() {
                return Ok(());
            }
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() >= LONGEST_LINE {
            self.emit(pid, true, reporter)?;
        }
        Ok(())
    }

    fn flush_partial(&mut self, pid: i32, reporter: &Reporter) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.emit(pid, true, reporter)
    }

    fn emit(&mut self, pid: i32, partial: bool, reporter: &Reporter) -> Result<()> {
        let event = Event::Received {
            data: &self.pending,
            from: None,
            partial,
        };
        let result = reporter.event(Role::Father, pid, event);
        self.pending.clear();
        result
    }

    /// A write end on the very FIFO we read: opened by path, so checked to be the same inode.
    fn own_write_end(&self, fifo: &OwnedFd, path: &Path) -> Result<OwnedFd> {
        // We hold the read end, so this open(2) cannot block.
        let writer = open(
            path,
            OFlag::O_WRONLY | OFlag::O_NONBLOCK | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .with_context(|| doing(Doing::Reopening, path))?;
        let (ours, theirs) = (fstat(fifo)?, fstat(&writer)?);
        if rendezvous::identity(&ours) != rendezvous::identity(&theirs) {
            return Err(rendezvous::refuse(path, Refusal::Replaced));
        }
        Ok(writer)
    }
}

fn son(args: &NamedArgs, path: &Path, created: bool, reporter: &Reporter) -> Result<()> {
    let fifo = if args.no_wait {
        match open_fifo(path, OFlag::O_WRONLY | OFlag::O_NONBLOCK, created) {
            Err(e) if e.downcast_ref::<Errno>() == Some(&Errno::ENXIO) => {
                // Nobody can be using a FIFO we just made and nobody reads: do not leave it.
                drop(created.then(|| RemoveOnExit::new(path)));
                bail!("{}", Msg::NoFatherReading(path))
            }
            other => other?,
        }
    } else {
        reporter.note(&Msg::SonWaitingForFather(path));
        open_fifo(path, OFlag::O_WRONLY, created)?
    };
    // The open needed O_NONBLOCK to fail fast; the writes should block like the seed's.
    fcntl(fifo.as_fd(), FcntlArg::F_SETFL(OFlag::empty()))
        .with_context(|| doing(Doing::MakingBlocking, path))?;
    spam::run_son(args.count, args.tick, reporter, |out| {
        match write_message(&fifo, out.message) {
            Ok(()) => spam::report_sent(reporter, &out),
            Err(e) if e.raw_os_error() == Some(Errno::EPIPE as i32) => {
                let sent = out.sent_before;
                bail!("{}", Msg::FatherWentAway { path, sent })
            }
            Err(e) => Err(e).with_context(|| doing(Doing::WritingTo, path)),
        }
    })
}
