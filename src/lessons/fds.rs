//! Who holds a pipe's ends (lesson 9 of the map). Most real pipe bugs are not in the bytes but
//! in the descriptors: cargo once hung because a pipe's write end leaked into a child (its issue
//! 7858). Four parts, each seen through `/proc/<pid>/fd` and `/proc/<pid>/fdinfo` (`proc(5)`):
//!
//! - **The forgotten write end** (`ipcdemo fds`, `--forget-close`): `read(2)` returns 0 only
//!   when *every* write end is closed, in every process (`pipe(7)`), and `fork(2)` copies every
//!   descriptor. A father that forgets to close its own copy never sees end of file after its
//!   son leaves: it waits (up to `--stall`), shows who holds a write end, then closes its copy,
//!   and the end of file comes at once. Without `--forget-close` it closes its copy after the
//!   fork, as `anon --fork` does, and the end of file comes as soon as the son leaves.
//! - **Close-on-exec**: `execve(2)` keeps every descriptor without `FD_CLOEXEC` (`open(2)`,
//!   `fcntl(2)`). A son that execs (ipcdemo itself, in a hidden role that waits until its stdin
//!   closes) still holds both ends of a `pipe(2)` pipe, so closing the father's write end brings
//!   no end of file until that son exits; a `pipe2(O_CLOEXEC)` pipe reaches it not at all. The
//!   father learns that the exec happened the same way: a close-on-exec pipe that `execve(2)`
//!   closes (end of file) or that carries its errno when it fails.
//! - **Passing a pipe to a stranger** (`--send`, `--receive`, two terminals): a descriptor
//!   travels over a Unix socket as `SCM_RIGHTS` ancillary data (`unix(7)`, `cmsg(3)`); the
//!   kernel installs a new descriptor, usually with another number, for the same open pipe
//!   (`pipe:[inode]` in both `/proc/<pid>/fd`). `SCM_CREDENTIALS` says who sent it: the kernel
//!   checks the pid and uid a sender claims (root may claim any), and the receiver must set
//!   `SO_PASSCRED` to be given them. The sender then closes its own write end, or it would
//!   wait for ever, as in the first part.
//! - **What a crash leaves** (`--kill-son`): a son is killed with SIGKILL inside a 1 MiB
//!   `write(2)` (`/proc/<son>/syscall` says when) into a pipe, a FIFO and a Unix socket. The
//!   kernel closes a dead process's descriptors, so the reader gets what was already in the
//!   buffer (a torn message: above `PIPE_BUF` nothing is atomic) and then end of file. A name
//!   in the file system belongs to no process: the FIFO and the socket file stay, and the
//!   socket refuses connections (`ECONNREFUSED`), which is how `ipcdemo socket` knows it may
//!   replace it. Everything is made in a scratch folder inside the per-user folder, removed at
//!   the end whatever happens.
//!
//! How it blocks: the first part waits for an end of file that cannot come, but never longer
//! than `--stall`; every wait here is a `poll(2)` with a deadline or a call a stop signal
//! interrupts, and every son is killed and reaped on the way out, so none is left a zombie.

use std::ffi::{CStr, CString};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill};
use nix::sys::socket::{
    Backlog, ControlMessage, ControlMessageOwned, MsgFlags, SockType, UnixAddr, UnixCredentials,
    accept, bind, connect, listen, recvmsg, sendmsg, setsockopt, sockopt,
};
use nix::sys::stat::{Mode, lstat};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, pipe, pipe2, read};

use super::boundaries::{BoundaryCounter, Framing};
use super::socket;
use super::spam::{self, SpamSchedule, write_message};
use crate::bench::model::Mechanism;
use crate::event::{
    CrashReport, Data, Error, Event, HeldFd, LeakReport, Note, Outcome, ProcessEnd, Result, Role,
    Sink, SonId, Summary,
};
use crate::sys::procfd::{self, PipeEnd};
use crate::sys::rendezvous::{self, Existing, Object, Refusal, ScratchFolder};
use crate::sys::{Context, Doing, signals, socket_setup};

/// The size of each of the son's writes in `--kill-son`: more than any default buffer (64 KiB
/// for a pipe, about 200 KiB for a Unix socket), so the son is killed inside a `write(2)`.
pub const MESSAGE_BYTES: usize = 1 << 20;

/// How often a waiting father looks at its son and at the signals.
const SLICE: Duration = Duration::from_millis(50);

/// The longest the father watches `/proc` for a son to block in `write(2)`.
const WRITE_DEADLINE: Duration = Duration::from_secs(10);

/// Which part of the lesson to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The forgotten (or closed) write end, then the close-on-exec pair.
    Leak,
    /// Make a pipe and pass its write end to the first `--receive` that connects.
    Send,
    /// Receive a write end from a `--send` and write Spam lines into it.
    Receive,
    /// SIGKILL a son mid-write for each mechanism; say what each leaves.
    KillSon,
}

/// What `ipcdemo fds` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    pub part: Part,
    /// The father keeps its own copy of the write end.
    pub forget_close: bool,
    /// How long the father waits for the end of file that its forgotten copy holds back.
    pub stall: Duration,
    /// Messages the son (or the receiver) writes.
    pub count: u64,
    /// The unit of the writer's sleeps.
    pub tick: Duration,
    /// The socket of `--send` and `--receive`; `None`: `fds-socket` in the per-user folder.
    pub path: Option<PathBuf>,
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    match config.part {
        Part::Leak => leak(config, sink),
        Part::Send => send(config, sink),
        Part::Receive => receive(config, sink),
        Part::KillSon => kill_tour(sink),
    }
}

/// The exec'd son of the close-on-exec pair (`ipcdemo fds --hold`, hidden): it waits until its
/// stdin (a pipe from the father) closes, so the father can look at its descriptors first.
pub fn hold() -> Result<()> {
    // execve(2) put the caught signals back to their defaults; SIGQUIT must not dump core.
    signals::restore_defaults_in_child()?;
    let mut buffer = [0u8; 64];
    loop {
        match read(std::io::stdin().as_fd(), &mut buffer) {
            Ok(0) => return Ok(()),
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::call(Doing::Reading, e)),
        }
    }
}

// --- Sons -----------------------------------------------------------------------------------

/// A forked son. Dropped before it was reaped, it is killed (SIGKILL) and reaped: whatever
/// ends the run, no son is left running, and none is left a zombie.
struct Son {
    pid: Pid,
    reaped: bool,
}

impl Son {
    fn pid(&self) -> i32 {
        self.pid.as_raw()
    }

    /// Reaps the son if it has ended; `None` while it runs.
    fn try_reap(&mut self) -> Result<Option<ProcessEnd>> {
        match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => Ok(None),
            Ok(status) => {
                self.reaped = true;
                Ok(Some(end_of(status)))
            }
            Err(e) => Err(Error::call(Doing::WaitingForSon, e)),
        }
    }

    /// Waits for the son to end and reaps it.
    fn reap(&mut self) -> Result<ProcessEnd> {
        let status = signals::restarting(|| waitpid(self.pid, None)).doing(Doing::WaitingForSon)?;
        self.reaped = true;
        Ok(end_of(status))
    }

    fn kill(&self) -> Result<()> {
        Ok(kill(self.pid, Signal::SIGKILL).doing(Doing::KillingSon)?)
    }
}

impl Drop for Son {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = kill(self.pid, Signal::SIGKILL);
            let _ = signals::restarting(|| waitpid(self.pid, None));
        }
    }
}

fn end_of(status: WaitStatus) -> ProcessEnd {
    match status {
        WaitStatus::Exited(_, code) => ProcessEnd::Exited(code),
        WaitStatus::Signaled(_, signal, _) => ProcessEnd::Signaled(signal),
        _ => ProcessEnd::Other,
    }
}

/// Which side of a `fork(2)` we are on.
enum Forked {
    /// The son: its signals are the defaults and it dies with its father.
    Son,
    Father(Son),
}

fn fork_son(father: Pid) -> Result<Forked> {
    // SAFETY: the only other thread is the signal thread, parked in sigtimedwait(2) holding
    // no lock, so the child may allocate, as anon's forked son does.
    match unsafe { fork() }.doing(Doing::ForkingSon)? {
        ForkResult::Child => {
            if son_setup(father).is_err() {
                std::process::exit(1);
            }
            Ok(Forked::Son)
        }
        ForkResult::Parent { child } => Ok(Forked::Father(Son {
            pid: child,
            reaped: false,
        })),
    }
}

/// In a new son: default stop signals, and death with the father (a father killed with -9
/// takes its son along: no orphan left writing). Exits at once if the father is already gone.
fn son_setup(father: Pid) -> Result<()> {
    signals::restore_defaults_in_child()?;
    #[cfg(target_os = "linux")]
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).doing(Doing::SettingParentDeathSignal)?;
    if nix::unistd::getppid() != father {
        std::process::exit(0);
    }
    Ok(())
}

/// Waits up to `wait` for `fd` to be readable or hung up; false when nothing came.
fn ready(fd: &OwnedFd, wait: Duration) -> nix::Result<bool> {
    let millis = u16::try_from(wait.as_millis()).unwrap_or(u16::MAX);
    let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
    Ok(poll(&mut fds, PollTimeout::from(millis))? > 0)
}

fn report_reaped(sink: &dyn Sink, son: i32, end: ProcessEnd) -> Result<()> {
    sink.event_now(Role::Father, getpid().as_raw(), Event::Reaped { son, end })?;
    match end {
        ProcessEnd::Exited(0) => Ok(()),
        other => Err(Error::SonProcess(other)),
    }
}

// --- The forgotten write end, and close-on-exec ---------------------------------------------

fn leak(config: &Config, sink: &dyn Sink) -> Outcome {
    let mut report = LeakReport {
        forgot_close: config.forget_close,
        ..LeakReport::default()
    };
    let end =
        forgotten_end(config, sink, &mut report).and_then(|()| close_on_exec(sink, &mut report));
    Outcome::new(vec![Summary::Leak(report)], end)
}

/// Makes a pipe (`pipe2(O_CLOEXEC)`, or plain `pipe(2)` when `cloexec` is false) and says so,
/// with the inode `/proc` will show for it: its read end, its write end, its inode.
fn announced_pipe(cloexec: bool, sink: &dyn Sink, pid: i32) -> Result<(OwnedFd, OwnedFd, u64)> {
    let made = if cloexec {
        pipe2(OFlag::O_CLOEXEC)
    } else {
        pipe()
    };
    let (read_end, write_end) = made.doing(Doing::CreatingPipe)?;
    let inode = procfd::pipe_inode(&read_end)?;
    let made = Event::PipeMade {
        inode,
        read_fd: read_end.as_raw_fd(),
        write_fd: write_end.as_raw_fd(),
        cloexec,
    };
    sink.event_now(Role::Father, pid, made)?;
    Ok((read_end, write_end, inode))
}

fn forgotten_end(config: &Config, sink: &dyn Sink, report: &mut LeakReport) -> Result<()> {
    let father = getpid();
    let pid = father.as_raw();
    let (read_end, write_end, inode) = announced_pipe(true, sink, pid)?;
    let write_fd = write_end.as_raw_fd();
    let mut son = match fork_son(father)? {
        Forked::Son => {
            drop(read_end);
            son_exit(son_writes(&write_end, config), sink)
        }
        Forked::Father(son) => son,
    };
    sink.event_now(
        Role::Father,
        pid,
        Event::Forked {
            son: son.pid(),
            exec: false,
        },
    )?;
    let mut write_end = Some(write_end);
    if !config.forget_close {
        // The father's copy goes at once: then the son's is the only write end, and its exit
        // is the end of file.
        drop(write_end.take());
        sink.event_now(
            Role::Father,
            pid,
            Event::Closed {
                fd: write_fd,
                end: PipeEnd::Write,
            },
        )?;
    }
    let mut buffer = vec![0u8; 4096];
    let mut stalled: Option<Instant> = None;
    loop {
        signals::check()?;
        let wait = match stalled {
            Some(since) => {
                let waited = since.elapsed();
                report.stalled_ms = Some(millis(waited));
                if write_end.is_some() && waited >= config.stall {
                    let waited_ms = millis(waited);
                    sink.event_now(Role::Father, pid, Event::NoEndOfFile { inode, waited_ms })?;
                    // The fix, late: close the forgotten copy.
                    drop(write_end.take());
                    let closed = Event::Closed {
                        fd: write_fd,
                        end: PipeEnd::Write,
                    };
                    sink.event_now(Role::Father, pid, closed)?;
                    continue;
                }
                config.stall.saturating_sub(waited).min(SLICE)
            }
            None => SLICE,
        };
        match ready(&read_end, wait) {
            Ok(false) if !son.reaped => {
                let Some(end) = son.try_reap()? else { continue };
                report_reaped(sink, son.pid(), end)?;
                if write_end.is_some() {
                    // The son has gone and the pipe is empty, yet no end of file: look who
                    // still holds a write end.
                    stalled = Some(Instant::now());
                    report.stalled_ms = Some(0);
                    report.write_ends = show_holders(inode, None, true, sink)?
                        .into_iter()
                        .map(|h| HeldFd {
                            pid: h.pid,
                            fd: h.fd,
                        })
                        .collect();
                    sink.note(&Note::Stalling(config.stall));
                }
            }
            Ok(false) | Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
            Ok(true) => match read(&read_end, &mut buffer) {
                Ok(0) => {
                    report.end_of_file = true;
                    sink.event_now(Role::Father, pid, Event::EndOfFile { inode })?;
                    break;
                }
                Ok(n) => {
                    let event = Event::Received {
                        record: None,
                        data: Data(&buffer[..n]),
                        son: None,
                        partial: None,
                        record_bytes: None,
                        timing: None,
                        priority: None,
                        queued: None,
                    };
                    sink.event_now(Role::Father, pid, event)?;
                }
                Err(Errno::EINTR) => {}
                Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
            },
        }
    }
    if !son.reaped {
        let end = son.reap()?;
        report_reaped(sink, son.pid(), end)?;
    }
    Ok(())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The son of the first part: `count` Spam lines, then it exits (closing its write end).
fn son_writes(write_end: &OwnedFd, config: &Config) -> Result<()> {
    let mut schedule = SpamSchedule::new(config.tick, true);
    for _ in 0..config.count {
        let message = schedule.wait_for_next()?;
        write_message(write_end, message).map_err(|e| Error::call(Doing::WritingPipe, e))?;
    }
    Ok(())
}

/// Ends a son: status 0, or 1 after it has said why itself (its father only sees the status).
fn son_exit(result: Result<()>, sink: &dyn Sink) -> ! {
    let code = match result {
        Ok(()) | Err(Error::StdoutClosed | Error::Stopped(_)) => 0,
        Err(error) => {
            let pid = getpid().as_raw();
            sink.note(&Note::SonFailed { pid, error: &error });
            1
        }
    };
    std::process::exit(code)
}

/// Reports every holder `/proc` shows of pipe `inode` (only in `pid`; only write ends), and
/// `HoldsNothing` for a `pid` that holds none; returns them.
fn show_holders(
    inode: u64,
    pid: Option<i32>,
    writers_only: bool,
    sink: &dyn Sink,
) -> Result<Vec<procfd::Holder>> {
    let me = getpid().as_raw();
    let holders = procfd::holders(inode, pid)?;
    let shown: Vec<procfd::Holder> = holders
        .found
        .into_iter()
        .filter(|h| !writers_only || h.end.writes())
        .collect();
    for h in &shown {
        let event = Event::Holds {
            holder: h.pid,
            command: &h.command,
            fd: h.fd,
            end: h.end,
            cloexec: h.cloexec,
            inode,
        };
        sink.event_now(Role::Father, me, event)?;
    }
    if let (Some(holder), true) = (pid, shown.is_empty()) {
        sink.event_now(Role::Father, me, Event::HoldsNothing { holder, inode })?;
    }
    if holders.unreadable > 0 {
        sink.note(&Note::ProcessesHidden(holders.unreadable));
    }
    Ok(shown)
}

/// The program a son execs: this very binary, by its real path (so `/proc/<pid>/comm` names
/// it), in the hidden role that waits for its stdin to close.
struct Program {
    path: CString,
    argv: [CString; 3],
}

impl Program {
    fn this_one() -> Program {
        let path = std::env::current_exe()
            .ok()
            .and_then(|p| CString::new(p.into_os_string().into_encoded_bytes()).ok())
            .unwrap_or_else(|| c"/proc/self/exe".to_owned());
        Program {
            path,
            argv: [
                c"ipcdemo".to_owned(),
                c"fds".to_owned(),
                c"--hold".to_owned(),
            ],
        }
    }
}

fn close_on_exec(sink: &dyn Sink, report: &mut LeakReport) -> Result<()> {
    let pid = getpid().as_raw();
    let program = Program::this_one();
    for cloexec in [false, true] {
        // pipe(2) as most code calls it, and pipe2(2) with O_CLOEXEC.
        let (read_end, write_end, inode) = announced_pipe(cloexec, sink, pid)?;
        let write_fd = write_end.as_raw_fd();
        let (mut son, release) = exec_son(&program)?;
        sink.event_now(
            Role::Father,
            pid,
            Event::Forked {
                son: son.pid(),
                exec: true,
            },
        )?;
        let held: Vec<i32> = show_holders(inode, Some(son.pid()), false, sink)?
            .iter()
            .map(|h| h.fd)
            .collect();
        if cloexec {
            report.inherited_cloexec = Some(held);
        } else {
            report.inherited = Some(held);
        }
        drop(write_end);
        sink.event_now(
            Role::Father,
            pid,
            Event::Closed {
                fd: write_fd,
                end: PipeEnd::Write,
            },
        )?;
        let at_once = end_of_file(&read_end, Duration::ZERO)?;
        if at_once {
            sink.event_now(Role::Father, pid, Event::EndOfFile { inode })?;
        } else {
            let waited_ms = 0;
            sink.event_now(Role::Father, pid, Event::NoEndOfFile { inode, waited_ms })?;
        }
        // Let the son go: its stdin closes, it exits, and its copies close with it.
        drop(release);
        let end = son.reap()?;
        report_reaped(sink, son.pid(), end)?;
        if !at_once {
            if end_of_file(&read_end, Duration::from_secs(1))? {
                sink.event_now(Role::Father, pid, Event::EndOfFile { inode })?;
            } else {
                let waited_ms = 1000;
                sink.event_now(Role::Father, pid, Event::NoEndOfFile { inode, waited_ms })?;
            }
        }
    }
    Ok(())
}

/// True when `read(2)` on the empty pipe returns 0 within `wait`.
fn end_of_file(read_end: &OwnedFd, wait: Duration) -> Result<bool> {
    let deadline = Instant::now() + wait;
    loop {
        signals::check()?;
        let left = deadline.saturating_duration_since(Instant::now());
        match ready(read_end, left.min(SLICE)) {
            Ok(true) => {
                let mut byte = [0u8; 1];
                match read(read_end, &mut byte) {
                    Ok(0) => return Ok(true),
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
                }
            }
            Ok(false) | Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
    }
}

/// Forks a son that execs `program`; returns it once the exec has happened, with the write
/// end of its stdin (dropping it lets the son go).
fn exec_son(program: &Program) -> Result<(Son, OwnedFd)> {
    let (stdin_read, stdin_write) = pipe2(OFlag::O_CLOEXEC).doing(Doing::CreatingPipe)?;
    // execve(2) closes this pipe's write end in the son: end of file, the exec happened. If
    // the exec fails, the son writes its errno there instead.
    let (told, tell) = pipe2(OFlag::O_CLOEXEC).doing(Doing::CreatingPipe)?;
    let argv: [*const nix::libc::c_char; 4] = [
        program.argv[0].as_ptr(),
        program.argv[1].as_ptr(),
        program.argv[2].as_ptr(),
        std::ptr::null(),
    ];
    let mut son = match fork_son(getpid())? {
        Forked::Son => {
            let errno = exec_in_son(&program.path, &argv, &stdin_read);
            let _ = nix::unistd::write(&tell, &(errno as i32).to_ne_bytes());
            // SAFETY: _exit(2) ends the son at once, running none of the father's exit code.
            unsafe { nix::libc::_exit(127) }
        }
        Forked::Father(son) => son,
    };
    drop((stdin_read, tell));
    let mut errno = [0u8; 4];
    let mut got = 0;
    loop {
        match read(&told, &mut errno[got..]) {
            Ok(0) => break,
            Ok(n) => {
                got += n;
                if got == errno.len() {
                    break;
                }
            }
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::Executing, e)),
        }
    }
    if got == errno.len() {
        let path = PathBuf::from(program.path.to_string_lossy().into_owned());
        let errno = Errno::from_raw(i32::from_ne_bytes(errno));
        let end = son.reap()?;
        let _ = end;
        return Err(Error::call_on(Doing::Executing, &path, errno));
    }
    Ok((son, stdin_write))
}

/// In the son: stdin from the father's pipe, then `execve(2)`. Returns only on failure.
fn exec_in_son(path: &CStr, argv: &[*const nix::libc::c_char; 4], stdin: &OwnedFd) -> Errno {
    if let Err(e) = nix::unistd::dup2_stdin(stdin) {
        return e;
    }
    // SAFETY: `path` and every argument are NUL-terminated strings that outlive the call, and
    // `argv` ends with a null pointer, as execv(3) requires.
    unsafe { nix::libc::execv(path.as_ptr(), argv.as_ptr()) };
    Errno::last()
}

// --- Passing a pipe to a stranger -----------------------------------------------------------

/// The socket path, with the per-user folder repaired and said so where it had to be.
fn socket_path(config: &Config, sink: &dyn Sink) -> Result<PathBuf> {
    let resolved = rendezvous::resolve(config.path.as_deref(), "fds-socket")?;
    if let Some((folder, was)) = &resolved.repaired {
        sink.note(&Note::FolderRepaired { folder, was: *was });
    }
    Ok(resolved.path)
}

fn send(config: &Config, sink: &dyn Sink) -> Outcome {
    let path = match socket_path(config, sink) {
        Ok(path) => path,
        Err(e) => return Outcome::from(Err(e)),
    };
    let (listener, remove) = match socket::listen_on(&path, false, sink) {
        Ok(listening) => listening,
        Err(e) => return Outcome::from(Err(e)),
    };
    let given_path = config.path.is_some();
    sink.note(&Note::SenderListening {
        path: &path,
        given_path,
    });
    let mut counter = BoundaryCounter::new(Framing::Newline);
    let end = pass_and_read(&listener, &mut counter, sink);
    drop(listener);
    drop(remove);
    let summary = Summary::Reads {
        counts: counter.counts(),
        why: None,
        waiting: None,
    };
    Outcome::new(vec![summary], end)
}

fn pass_and_read(listener: &OwnedFd, counter: &mut BoundaryCounter, sink: &dyn Sink) -> Result<()> {
    let pid = getpid().as_raw();
    let (read_end, write_end, inode) = announced_pipe(true, sink, pid)?;
    let write_fd = write_end.as_raw_fd();
    // The pipe goes to the first connection that says it is a receiver; anything else that
    // connects (another sender checking whether this one lives, a stray client) is let go.
    let (who, son) = loop {
        let connection = accept_one(listener)?;
        let (son, uid) = socket::peer_identity(&connection)?;
        let who = SonId::Process { son };
        let accepted = Event::Accepted {
            son: who,
            uid: Some(uid),
        };
        sink.event_now(Role::Father, pid, accepted)?;
        if says_hello(&connection)? && pass(&connection, &write_end)? {
            sink.event_now(
                Role::Father,
                pid,
                Event::Passed {
                    fd: write_fd,
                    inode,
                    son,
                },
            )?;
            break (who, son);
        }
        sink.event_now(Role::Father, pid, Event::Left { son: who })?;
    };
    // Ours must go, or the receiver's leaving would never show as end of file (part one).
    drop(write_end);
    sink.event_now(
        Role::Father,
        pid,
        Event::Closed {
            fd: write_fd,
            end: PipeEnd::Write,
        },
    )?;
    let mut buffer = vec![0u8; 4096];
    let mut looked = false;
    loop {
        signals::check()?;
        match ready(&read_end, SLICE) {
            Ok(false) | Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
            Ok(true) => {}
        }
        let n = match read(&read_end, &mut buffer) {
            Ok(0) => return sink.event_now(Role::Father, pid, Event::EndOfFile { inode }),
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
        };
        counter.record(&buffer[..n]);
        let event = Event::Received {
            record: None,
            data: Data(&buffer[..n]),
            son: Some(who),
            partial: None,
            record_bytes: None,
            timing: None,
            priority: None,
            queued: None,
        };
        sink.event_now(Role::Father, pid, event)?;
        if !looked {
            // Bytes came, so the receiver has the descriptor (before, it was in flight, held by
            // no process): /proc shows it under the receiver's own number, unless the receiver
            // has already finished and gone.
            looked = true;
            show_holders(inode, Some(son), true, sink)?;
        }
    }
}

/// Waits for one receiver, waking for stop signals; its connection, blocking.
fn accept_one(listener: &OwnedFd) -> Result<OwnedFd> {
    loop {
        signals::check()?;
        match ready(listener, SLICE) {
            Ok(false) | Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::Accepting, e)),
            Ok(true) => {}
        }
        match socket_setup::accept_nonblocking(listener) {
            Ok(connection) => {
                fcntl(connection.as_fd(), FcntlArg::F_SETFL(OFlag::empty()))
                    .doing(Doing::MakingBlocking)?;
                return Ok(connection);
            }
            Err(Errno::EAGAIN | Errno::EINTR | Errno::ECONNABORTED) => {}
            Err(e) => return Err(Error::call(Doing::AcceptingSon, e)),
        }
    }
}

/// What a receiver says first, so that only a receiver gets the pipe.
const HELLO: &[u8] = b"r";

/// How long a connection has to say [`HELLO`] before the sender lets it go.
const HELLO_WITHIN: Duration = Duration::from_secs(1);

/// True when the connection says [`HELLO`] in time; false when it says anything else, hangs up
/// or stays silent.
fn says_hello(connection: &OwnedFd) -> Result<bool> {
    let deadline = Instant::now() + HELLO_WITHIN;
    loop {
        signals::check()?;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        match ready(connection, left.min(SLICE)) {
            Ok(false) | Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::ReadingFromSon, e)),
            Ok(true) => {}
        }
        let mut said = [0u8; 1];
        return match read(connection, &mut said) {
            Ok(1) => Ok(said == HELLO),
            Ok(_) | Err(Errno::ECONNRESET) => Ok(false),
            Err(Errno::EINTR) => continue,
            Err(e) => Err(Error::call(Doing::ReadingFromSon, e)),
        };
    }
}

/// One byte of data carrying the descriptor (`SCM_RIGHTS`) and our credentials
/// (`SCM_CREDENTIALS`); a stream socket sends no ancillary data without some data. False when
/// the receiver has gone already.
fn pass(connection: &OwnedFd, write_end: &OwnedFd) -> Result<bool> {
    let fds = [write_end.as_raw_fd()];
    let credentials = UnixCredentials::new();
    let messages = [
        ControlMessage::ScmRights(&fds),
        ControlMessage::ScmCredentials(&credentials),
    ];
    let data = [IoSlice::new(b"p")];
    loop {
        let sent = sendmsg::<UnixAddr>(
            connection.as_raw_fd(),
            &data,
            &messages,
            MsgFlags::MSG_NOSIGNAL,
            None,
        );
        match sent {
            Ok(_) => return Ok(true),
            Err(Errno::EPIPE | Errno::ECONNRESET) => return Ok(false),
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::PassingDescriptor, e)),
        }
    }
}

fn receive(config: &Config, sink: &dyn Sink) -> Outcome {
    let received = socket_path(config, sink).and_then(|path| receive_write_end(&path, sink));
    let (pipe, inode) = match received {
        Ok(received) => received,
        Err(e) => return spam::son_never_started(e),
    };
    // The pipe has no path: errors name it as /proc does.
    let shown = PathBuf::from(format!("pipe:[{inode}]"));
    spam::run_son(
        Some(config.count),
        config.tick,
        sink,
        |out| match write_message(&pipe, out.message) {
            Ok(()) => {
                out.written.set(true);
                Ok(())
            }
            Err(Errno::EPIPE) => Err(Error::FatherWentAway {
                path: shown.clone(),
                sent: out.sent_before,
            }),
            Err(Errno::EINTR) => match signals::received() {
                Some(signal) => Err(Error::Stopped(signal)),
                None => Err(Error::call_on(Doing::WritingTo, &shown, Errno::EINTR)),
            },
            Err(e) => Err(Error::call_on(Doing::WritingTo, &shown, e)),
        },
    )
}

/// Connects to the sender, checks it is ours, and receives exactly one descriptor: the write
/// end of an anonymous pipe. Anything else is closed unused and refused.
fn receive_write_end(path: &Path, sink: &dyn Sink) -> Result<(OwnedFd, u64)> {
    let connection = connect_to_sender(path)?;
    write_message(&connection, HELLO).map_err(|e| Error::call_on(Doing::ConnectingTo, path, e))?;
    let mut byte = [0u8; 1];
    let mut data = [IoSliceMut::new(&mut byte)];
    // Room for the most descriptors one message can carry (SCM_MAX_FD, 253), so the kernel
    // never cuts the list (MSG_CTRUNC) and every one that came can be closed.
    let mut space = nix::cmsg_space!([RawFd; 253], UnixCredentials);
    let (fds, sender) = loop {
        let got = recvmsg::<UnixAddr>(
            connection.as_raw_fd(),
            &mut data,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        );
        let message = match got {
            Ok(message) => message,
            Err(Errno::EINTR) => {
                signals::check()?;
                continue;
            }
            Err(e) => return Err(Error::call_on(Doing::ReceivingDescriptor, path, e)),
        };
        if message.bytes == 0 {
            break (Vec::new(), None);
        }
        let mut fds = Vec::new();
        let mut sender = None;
        let messages = message
            .cmsgs()
            .map_err(|e| Error::call_on(Doing::ReceivingDescriptor, path, e))?;
        for control in messages {
            match control {
                ControlMessageOwned::ScmRights(received) => {
                    // SAFETY: the kernel has just installed each of these descriptors in our
                    // table, and nothing else owns them.
                    fds.extend(
                        received
                            .into_iter()
                            .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                    );
                }
                ControlMessageOwned::ScmCredentials(credentials) => {
                    sender = Some((credentials.pid(), credentials.uid()));
                }
                _ => {}
            }
        }
        break (fds, sender);
    };
    drop(connection);
    let count = fds.len();
    let Ok([pipe]) = <[OwnedFd; 1]>::try_from(fds) else {
        return Err(Error::NoDescriptor {
            path: path.to_path_buf(),
            count,
        });
    };
    let fd = pipe.as_raw_fd();
    let inode = procfd::link_of(None, fd)
        .ok()
        .and_then(|link| procfd::inode_in_link(&link));
    let flags = fcntl(pipe.as_fd(), FcntlArg::F_GETFL).doing(Doing::Examining)?;
    let (Some(inode), true) = (inode, PipeEnd::from_flags(flags).writes()) else {
        return Err(Error::NotAPipeWriteEnd {
            path: path.to_path_buf(),
        });
    };
    let event = Event::GotDescriptor {
        fd,
        inode,
        sender_pid: sender.map(|(pid, _)| pid),
        sender_uid: sender.map(|(_, uid)| uid),
    };
    sink.event_now(Role::Son, getpid().as_raw(), event)?;
    Ok((pipe, inode))
}

/// Connects to the sender's socket with `SO_PASSCRED` set (without it the kernel gives us no
/// credentials), and checks that the process listening there is ours.
fn connect_to_sender(path: &Path) -> Result<OwnedFd> {
    if let (Existing::Nothing, _) = rendezvous::inspect(path, Object::Socket)? {
        return Err(no_sender(path, false));
    }
    let connection =
        socket_setup::unix_socket(SockType::Stream, false).doing(Doing::CreatingSocket)?;
    setsockopt(&connection, sockopt::PassCred, &true).doing(Doing::SettingPassCred)?;
    let address = socket::socket_address(path, path)?;
    loop {
        match connect(connection.as_raw_fd(), &address) {
            Ok(()) => break,
            Err(Errno::EINTR) => signals::check()?,
            Err(Errno::ENOENT) => return Err(no_sender(path, false)),
            Err(Errno::ECONNREFUSED) => return Err(no_sender(path, true)),
            Err(Errno::EPROTOTYPE) => return Err(Error::SocketTypeMismatch(path.into())),
            Err(e) => return Err(Error::call_on(Doing::ConnectingTo, path, e)),
        }
    }
    let (_, uid) = socket::peer_identity(&connection)?;
    let me = nix::unistd::geteuid().as_raw();
    if uid != me {
        let refusal = Refusal::ListenerOwner { owner: uid, me };
        return Err(rendezvous::refuse(path, refusal).into());
    }
    Ok(connection)
}

fn no_sender(path: &Path, stale: bool) -> Error {
    Error::NoSender {
        path: path.to_path_buf(),
        stale,
    }
}

// --- What a crash leaves --------------------------------------------------------------------

fn kill_tour(sink: &dyn Sink) -> Outcome {
    let scratch = rendezvous::private_folder()
        .map_err(Error::from)
        .and_then(|(folder, was)| {
            if let Some(was) = was {
                sink.note(&Note::FolderRepaired {
                    folder: &folder,
                    was,
                });
            }
            Ok(ScratchFolder::new_in(&folder, "fds-kill")?)
        });
    let scratch = match scratch {
        Ok(scratch) => scratch,
        Err(e) => return Outcome::from(Err(e)),
    };
    sink.note(&Note::ScratchFolder(scratch.path()));
    let mut reports = Vec::new();
    let mut end = Ok(());
    for mechanism in [Mechanism::Pipe, Mechanism::Fifo, Mechanism::UnixStream] {
        let mut report = CrashReport {
            mechanism,
            son: None,
            killed_in_write: false,
            bytes_after_kill: 0,
            message_bytes: MESSAGE_BYTES as u64,
            end_of_file: false,
            left_behind: None,
            stale: false,
            recovered: false,
            removed: false,
        };
        let crashed = crash(mechanism, &scratch, &mut report, sink);
        reports.push(report);
        if let Err(e) = crashed {
            end = Err(e);
            break;
        }
    }
    // Everything goes, before the summaries say what was there.
    drop(scratch);
    for report in &mut reports {
        report.removed = report
            .left_behind
            .as_deref()
            .is_some_and(|path| matches!(lstat(path), Err(Errno::ENOENT)));
    }
    Outcome::new(reports.into_iter().map(Summary::Crash).collect(), end)
}

/// One mechanism: a son writes into it, is killed inside `write(2)`, and the father says what
/// the reader got and what is left.
fn crash(
    mechanism: Mechanism,
    scratch: &ScratchFolder,
    report: &mut CrashReport,
    sink: &dyn Sink,
) -> Result<()> {
    let father = getpid();
    let pid = father.as_raw();
    let path = match mechanism {
        Mechanism::Fifo => Some(scratch.join("fifo")),
        Mechanism::UnixStream => Some(scratch.join("socket")),
        _ => None,
    };
    let (mut son, reader) = start_flooding_son(mechanism, path.as_deref(), father, sink)?;
    report.son = Some(son.pid());
    sink.event_now(
        Role::Father,
        pid,
        Event::Forked {
            son: son.pid(),
            exec: false,
        },
    )?;
    let in_write = wait_until_writing(&mut son, &reader)?;
    son.kill()?;
    report.killed_in_write = in_write;
    let killed = Event::Killed {
        son: son.pid(),
        mechanism,
        in_write,
    };
    sink.event_now(Role::Father, pid, killed)?;
    let end = son.reap()?;
    sink.event_now(
        Role::Father,
        pid,
        Event::Reaped {
            son: son.pid(),
            end,
        },
    )?;
    report.bytes_after_kill = drain(&reader)?;
    report.end_of_file = true;
    let drained = Event::Drained {
        mechanism,
        bytes: report.bytes_after_kill,
        message_bytes: MESSAGE_BYTES as u64,
    };
    sink.event_now(Role::Father, pid, drained)?;
    drop(reader);
    let left = path.filter(|p| lstat(p.as_path()).is_ok());
    report.left_behind = left.clone();
    let event = Event::LeftBehind {
        mechanism,
        path: left.as_deref(),
    };
    sink.event_now(Role::Father, pid, event)?;
    if let (Mechanism::UnixStream, Some(path)) = (mechanism, &left) {
        // What the next `ipcdemo socket` finds there: a file nobody listens on.
        let probe =
            socket_setup::unix_socket(SockType::Stream, false).doing(Doing::CreatingSocket)?;
        let address = socket::socket_address(path, path)?;
        if connect(probe.as_raw_fd(), &address) == Err(Errno::ECONNREFUSED) {
            report.stale = true;
            sink.event_now(Role::Father, pid, Event::Stale { path })?;
        }
        drop(probe);
        // And what it does about it (the note says it replaced a stale socket).
        let (listener, remove) = socket::listen_on(path, false, sink)?;
        report.recovered = true;
        sink.event_now(Role::Father, pid, Event::Recovered { path })?;
        drop((listener, remove));
    }
    Ok(())
}

/// Forks a son that writes 1 MiB messages into `mechanism` for ever; returns it and the end
/// the father reads. The FIFO and the socket are made by the son, at `path`.
fn start_flooding_son(
    mechanism: Mechanism,
    path: Option<&Path>,
    father: Pid,
    sink: &dyn Sink,
) -> Result<(Son, OwnedFd)> {
    let (ready_read, ready_write) = pipe2(OFlag::O_CLOEXEC).doing(Doing::CreatingPipe)?;
    let pipe = match mechanism {
        Mechanism::Pipe => Some(pipe2(OFlag::O_CLOEXEC).doing(Doing::CreatingPipe)?),
        _ => None,
    };
    let mut son = match fork_son(father)? {
        Forked::Son => {
            drop(ready_read);
            let result = match (pipe, path) {
                (Some((read_end, write_end)), _) => {
                    drop(read_end);
                    flood(&write_end)
                }
                (None, Some(path)) if mechanism == Mechanism::Fifo => fifo_son(path, ready_write),
                (None, Some(path)) => socket_son(path, ready_write),
                (None, None) => Ok(()),
            };
            son_exit(result, sink)
        }
        Forked::Father(son) => son,
    };
    drop(ready_write);
    if let Some((read_end, write_end)) = pipe {
        drop(write_end);
        return Ok((son, read_end));
    }
    let Some(path) = path else {
        return Err(Error::SonProcess(son.reap()?));
    };
    // The son says when its FIFO or socket is there; end of file means it failed first.
    let mut byte = [0u8; 1];
    loop {
        match read(&ready_read, &mut byte) {
            Ok(1) => break,
            Ok(_) => return Err(Error::SonProcess(son.reap()?)),
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
        }
    }
    let reader = if mechanism == Mechanism::Fifo {
        // Without waiting for the son's open for writing: a son that dies before it must not
        // leave us in open(2). Then blocking again, so the drain waits for the end of file.
        let fifo =
            crate::sys::fifo::open_checked(path, OFlag::O_RDONLY | OFlag::O_NONBLOCK, false)?;
        fcntl(fifo.as_fd(), FcntlArg::F_SETFL(OFlag::empty()))
            .doing_on(Doing::MakingBlocking, path)?;
        fifo
    } else {
        let socket =
            socket_setup::unix_socket(SockType::Stream, false).doing(Doing::CreatingSocket)?;
        let address = socket::socket_address(path, path)?;
        loop {
            match connect(socket.as_raw_fd(), &address) {
                Ok(()) => break,
                Err(Errno::EINTR) => signals::check()?,
                Err(e) => return Err(Error::call_on(Doing::ConnectingTo, path, e)),
            }
        }
        socket
    };
    Ok((son, reader))
}

/// The son's messages: 1 MiB of Spam lines, written whole, again and again, until it is
/// killed. Returns only when a write fails.
fn flood(fd: &impl AsFd) -> Result<()> {
    let message: Vec<u8> = b"Spam 000\n"
        .iter()
        .cycle()
        .take(MESSAGE_BYTES)
        .copied()
        .collect();
    loop {
        write_message(fd, &message).map_err(|e| Error::call(Doing::WritingPipe, e))?;
    }
}

/// Tells the father the FIFO or socket is there (one byte; a son that fails first says
/// nothing, and the father sees end of file).
fn say_ready(ready: OwnedFd) -> Result<()> {
    write_message(&ready, b"r").map_err(|e| Error::call(Doing::WritingPipe, e))
}

/// The FIFO son: makes the FIFO (0600), says so, opens it for writing and floods it.
fn fifo_son(path: &Path, ready: OwnedFd) -> Result<()> {
    rendezvous::with_umask(0o177, || {
        nix::unistd::mkfifo(path, Mode::S_IRUSR | Mode::S_IWUSR)
    })
    .doing_on(Doing::CreatingFifo, path)?;
    say_ready(ready)?;
    let fifo = crate::sys::fifo::open_checked(path, OFlag::O_WRONLY, true)?;
    flood(&fifo)
}

/// The socket son: binds and listens (0600), says so, accepts the father and floods it.
fn socket_son(path: &Path, ready: OwnedFd) -> Result<()> {
    let listener =
        socket_setup::unix_socket(SockType::Stream, false).doing(Doing::CreatingSocket)?;
    let address = socket::socket_address(path, path)?;
    rendezvous::with_umask(0o177, || bind(listener.as_raw_fd(), &address))
        .doing_on(Doing::Binding, path)?;
    let backlog = Backlog::new(1).doing(Doing::ListeningOn)?;
    listen(&listener, backlog).doing_on(Doing::ListeningOn, path)?;
    say_ready(ready)?;
    let connection = signals::restarting(|| accept(&listener)).doing(Doing::Accepting)?;
    flood(&connection)
}

/// Waits until `/proc/<son>/syscall` shows the son inside `write(2)` (its buffer full, since
/// nobody reads); false if `/proc` will not say, once bytes are waiting (so it writes).
fn wait_until_writing(son: &mut Son, reader: &OwnedFd) -> Result<bool> {
    let deadline = Instant::now() + WRITE_DEADLINE;
    loop {
        signals::check()?;
        if let Some(end) = son.try_reap()? {
            return Err(Error::SonProcess(end));
        }
        match procfd::in_write(son.pid()) {
            Some(true) => return Ok(true),
            None if queued(reader) > 0 => return Ok(false),
            _ if Instant::now() >= deadline => return Ok(false),
            _ => {}
        }
        signals::sleep(Duration::from_millis(1))?;
    }
}

/// Bytes waiting to be read (`FIONREAD`: pipes, FIFOs and stream sockets alike).
fn queued(fd: &OwnedFd) -> usize {
    let mut bytes: nix::libc::c_int = 0;
    // SAFETY: FIONREAD writes one int, into `bytes`, which we own.
    let done = unsafe { nix::libc::ioctl(fd.as_raw_fd(), nix::libc::FIONREAD, &mut bytes) };
    if done == 0 {
        usize::try_from(bytes).unwrap_or(0)
    } else {
        0
    }
}

/// Reads to end of file; the bytes it got. A connection reset counts as the end.
fn drain(reader: &OwnedFd) -> Result<u64> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        signals::check()?;
        match read(reader, &mut buffer) {
            Ok(0) | Err(Errno::ECONNRESET) => return Ok(total),
            Ok(n) => total += n as u64,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
        }
    }
}
