//! The named pipe (lesson 3 of the map): `mkfifo(3)` puts a pipe in the file system, so unrelated
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
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl, open};
use nix::sys::stat::{Mode, fstat, lstat};
use nix::unistd::{getpid, read};

use super::boundaries::{BoundaryCounter, Framing};
use super::spam::{self, write_message};
use crate::event::{
    Channel, Data, Error, Event, Note, Outcome, Partial, ReadTiming, Result, Role, Sink, Summary,
    Waiting,
};
use crate::sys::lock::{self, Lock, Locked};
use crate::sys::rendezvous::{self, Existing, Object, Refusal, RemoveOnExit};
use crate::sys::{Context, Doing, clock, fifo, signals};

/// A line longer than this without a newline is shown in pieces, each marked partial, so a
/// writer that never sends `\n` cannot make the father hoard memory.
const LONGEST_LINE: usize = 64 * 1024;

/// What `ipcdemo named` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Be a son (a writer) instead of the father (the reader).
    pub son: bool,
    /// The FIFO; `None`: `pipefifo` in the per-user folder.
    pub path: Option<PathBuf>,
    /// Father: lines to read in all; son: lines to send. `None`: until stopped.
    pub count: Option<u64>,
    /// The unit of the son's sleeps.
    pub tick: Duration,
    /// Son: fail at once when no father has the FIFO open.
    pub no_wait: bool,
    /// Father: also measure what each read found waiting (`FIONREAD`), for a timeline or a
    /// trace.
    pub narrate: bool,
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    let (path, made) = match prepare(config.path.as_deref(), "pipefifo", sink) {
        Ok(prepared) => prepared,
        Err(e) => return Outcome::from(Err(e)),
    };
    let created = made.is_some();
    if config.son {
        son(config, &path, made, sink)
    } else {
        if !created {
            sink.note(&Note::FifoAlreadyThere(&path));
        }
        // Only the process that made the FIFO removes it, and only if it is still that FIFO:
        // `made` holds it until the father is done.
        let outcome = father(config, &path, created, sink);
        drop(made);
        outcome
    }
}

/// Resolves the path, checks what is there and makes the FIFO if nothing is; the guard that
/// removes it if we made it.
pub fn prepare(
    path: Option<&Path>,
    name: &str,
    sink: &dyn Sink,
) -> Result<(PathBuf, Option<RemoveOnExit>)> {
    let resolved = rendezvous::resolve(path, name)?;
    if let Some((folder, was)) = &resolved.repaired {
        sink.note(&Note::FolderRepaired { folder, was: *was });
    }
    let path = resolved.path;
    let (existing, stat) = rendezvous::inspect(&path, Object::Fifo)?;
    let made = match existing {
        Existing::Usable => {
            if stat.as_ref().is_some_and(rendezvous::readable_by_others) {
                sink.note(&Note::FifoReadableByOthers(&path));
            }
            None
        }
        Existing::Nothing => {
            let made = fifo::make(&path)?;
            if made.is_some() {
                sink.note(&Note::CreatedFifo(&path));
            }
            made
        }
    };
    Ok((path, made))
}

/// One father per FIFO: a second one would silently take half of every son's lines. The lock
/// lives in the per-user folder, named after the FIFO's device and inode, and the kernel
/// releases it when the father dies, however it dies. Without a usable per-user folder (the
/// user passed --path to avoid it) there is no lock, and no refusal.
fn one_father(path: &Path) -> Result<Option<Lock>> {
    let stat = lstat(path).doing_on(Doing::Examining, path)?;
    let (dev, ino) = rendezvous::identity(&stat);
    let Ok((folder, _)) = rendezvous::private_folder() else {
        return Ok(None);
    };
    match lock::try_lock(&folder.join(format!("fifo-{dev}-{ino}.lock")))? {
        Locked::Ours(lock) => Ok(Some(lock)),
        Locked::HeldBy(pid) => Err(Error::AnotherFatherReading {
            path: path.to_path_buf(),
            pid,
        }),
    }
}

fn father(config: &Config, path: &Path, created: bool, sink: &dyn Sink) -> Outcome {
    let pid = getpid().as_raw();
    let _lock = match one_father(path) {
        Ok(lock) => lock,
        Err(e) => return Outcome::from(Err(e)),
    };
    sink.note(&Note::FatherWaitingForSon(path));
    let mut lines = LineReader::new(config.count, config.narrate);
    if config.narrate {
        let lanes = Event::Lanes {
            son: None,
            father: pid,
            channel: Channel::Fifo,
        };
        if let Err(e) = sink.narrated(sink.now(), Role::Father, pid, lanes, false) {
            return Outcome::from(Err(e));
        }
    }
    let end = fifo::open_checked(path, OFlag::O_RDONLY, created)
        .map_err(Error::from)
        .and_then(|fifo| lines.serve(&fifo, path, pid, sink));
    let summary = Summary::Lines {
        counts: lines.counter.counts(),
        waiting: lines.waiting(),
    };
    Outcome::new(vec![summary], end)
}

/// The father's side: raw reads in, whole lines out.
struct LineReader {
    counter: BoundaryCounter,
    pending: Vec<u8>,
    lines_wanted: Option<u64>,
    lines_seen: u64,
    /// Measure FIONREAD before each read.
    narrate: bool,
    /// The timing of the read in hand, given to the first line it completes.
    timing: Option<ReadTiming>,
    /// Bytes read so far: the stream offset.
    offset: u64,
    waited_ns: u64,
    first_call: Option<u64>,
    last_return: u64,
}

impl LineReader {
    fn new(lines_wanted: Option<u64>, narrate: bool) -> Self {
        LineReader {
            counter: BoundaryCounter::new(Framing::Newline),
            pending: Vec::with_capacity(LONGEST_LINE),
            lines_wanted,
            lines_seen: 0,
            narrate,
            timing: None,
            offset: 0,
            waited_ns: 0,
            first_call: None,
            last_return: 0,
        }
    }

    fn waiting(&self) -> Option<Waiting> {
        self.first_call.map(|first| Waiting {
            waited_s: self.waited_ns as f64 / 1e9,
            reading_s: self.last_return.saturating_sub(first) as f64 / 1e9,
        })
    }

    fn done(&self) -> bool {
        self.lines_wanted.is_some_and(|n| self.lines_seen >= n)
    }

    fn serve(&mut self, fifo: &OwnedFd, path: &Path, pid: i32, sink: &dyn Sink) -> Result<()> {
        let mut buffer = vec![0u8; 4096];
        // Our own write end, held only while no son is connected (see the module comment).
        let mut keep_open: Option<OwnedFd> = None;
        while !self.done() {
            signals::check()?;
            // FIONREAD is one more system call, made only for a timeline or a trace.
            let waiting = if self.narrate {
                crate::sys::bytes_waiting(fifo.as_fd())
            } else {
                None
            };
            let call_ns = clock::monotonic_ns();
            let read = read(fifo, &mut buffer);
            let return_ns = clock::monotonic_ns();
            let n = match read {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(Error::call_on(Doing::Reading, path, e)),
            };
            if n > 0 {
                self.first_call.get_or_insert(call_ns);
                self.last_return = return_ns;
                self.waited_ns += return_ns - call_ns;
                let to = self.offset + n as u64;
                self.timing = Some(ReadTiming {
                    call_at: sink.time_of(call_ns),
                    waited_us: (return_ns - call_ns) as f64 / 1e3,
                    from: self.offset,
                    to,
                    in_pipe: waiting,
                    writes: None,
                });
                self.offset = to;
            }
            if n == 0 {
                self.flush_partial(pid, sink)?;
                sink.event_now(Role::Father, pid, Event::Eof)?;
                sink.note(&Note::AllSonsGone(path));
                keep_open = Some(self.own_write_end(fifo, path)?);
                continue;
            }
            // A son is writing: drop our write end so its leaving shows as end of file.
            drop(keep_open.take());
            self.counter.record(&buffer[..n]);
            if let (true, Some(timing)) = (self.narrate, self.timing) {
                // The read itself, for the timeline and the trace: glued lines show there.
                let read = Event::Read {
                    data: Data(&buffer[..n]),
                    timing,
                };
                sink.narrated(sink.time_of(return_ns), Role::Father, pid, read, false)?;
            }
            self.take_lines(&buffer[..n], pid, sink)?;
        }
        Ok(())
    }

    fn take_lines(&mut self, mut data: &[u8], pid: i32, sink: &dyn Sink) -> Result<()> {
        while let Some(end) = data.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&data[..end]);
            data = &data[end + 1..];
            self.emit(pid, None, sink)?;
            self.lines_seen += 1;
            if self.done() {
                return Ok(());
            }
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() >= LONGEST_LINE {
            self.emit(pid, Some(Partial::LongLine), sink)?;
        }
        Ok(())
    }

    fn flush_partial(&mut self, pid: i32, sink: &dyn Sink) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.emit(pid, Some(Partial::WriterLeft), sink)
    }

    fn emit(&mut self, pid: i32, partial: Option<Partial>, sink: &dyn Sink) -> Result<()> {
        let event = Event::Received {
            data: Data(&self.pending),
            son: None,
            partial,
            record_bytes: None,
            priority: None,
            queued: None,
            timing: self.timing.take(),
            record: None,
        };
        let result = sink.event_now(Role::Father, pid, event);
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
        .doing_on(Doing::Reopening, path)?;
        let ours = fstat(fifo).doing_on(Doing::Examining, path)?;
        let theirs = fstat(&writer).doing_on(Doing::Examining, path)?;
        if rendezvous::identity(&ours) != rendezvous::identity(&theirs) {
            return Err(rendezvous::refuse(path, Refusal::Replaced).into());
        }
        Ok(writer)
    }
}

fn son(config: &Config, path: &Path, made: Option<RemoveOnExit>, sink: &dyn Sink) -> Outcome {
    let fifo = match open_as_son(config, path, made, sink) {
        Ok(fifo) => fifo,
        Err(e) => return spam::son_never_started(e),
    };
    spam::run_son(config.count, config.tick, sink, |out| {
        match write_message(&fifo, out.message) {
            Ok(()) => {
                out.written.set(true);
                Ok(())
            }
            Err(Errno::EPIPE) => Err(Error::FatherWentAway {
                path: path.to_path_buf(),
                sent: out.sent_before,
            }),
            Err(Errno::EINTR) => match signals::received() {
                Some(signal) => Err(Error::Stopped(signal)),
                None => Err(Error::call_on(Doing::WritingTo, path, Errno::EINTR)),
            },
            Err(e) => Err(Error::call_on(Doing::WritingTo, path, e)),
        }
    })
}

fn open_as_son(
    config: &Config,
    path: &Path,
    made: Option<RemoveOnExit>,
    sink: &dyn Sink,
) -> Result<OwnedFd> {
    let created = made.is_some();
    let fifo = if config.no_wait {
        match fifo::open_checked(path, OFlag::O_WRONLY | OFlag::O_NONBLOCK, created) {
            Err(e) if e.errno() == Some(Errno::ENXIO) => {
                // Nobody can be using a FIFO we just made and nobody reads: do not leave it.
                drop(made);
                return Err(Error::NoFatherReading(path.to_path_buf()));
            }
            other => other?,
        }
    } else {
        sink.note(&Note::SonWaitingForFather(path));
        fifo::open_checked(path, OFlag::O_WRONLY, created)?
    };
    // The open needed O_NONBLOCK to fail fast; the writes should block like the seed's.
    fcntl(fifo.as_fd(), FcntlArg::F_SETFL(OFlag::empty())).doing_on(Doing::MakingBlocking, path)?;
    // A FIFO a son made stays: a father may already hold it, and only a father removes the
    // FIFO it made.
    if let Some(made) = made {
        made.keep();
    }
    Ok(fifo)
}
