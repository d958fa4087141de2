//! Another program on two pipes (lesson 11 of the map), as Lutz's `pipes.py`: the father makes
//! two `pipe(2)`s, `fork(2)`s, the son `dup2(2)`s one onto its stdin and the other onto its
//! stdout and `execvp(3)`s a program; the father writes `Spam NNN\n` lines into the son's stdin,
//! with the notebook's sleeps, and reads the answers from its stdout. By default the program
//! is ipcdemo itself in a hidden role, an echo child that answers each line at once.
//!
//! The guarantees on show (`pipe(7)`): `read(2)` returns 0 only when every write end is closed,
//! so every process must close the ends it does not use, and each close below says what would
//! hang without it; a pipe holds 64 KiB by default, and a blocking `write(2)` into a full one
//! sleeps until the reader makes room; a write into a pipe with no reader left fails with
//! `EPIPE` (after `SIGPIPE`, which Rust programs ignore).
//!
//! The two deadlocks everyone meets, shown live and explained:
//! - **buffering**: C stdio (and Python, and `tr`) buffer a stdout that is not a terminal in
//!   blocks (`setvbuf(3)`). `tr` keeps its answer in its buffer and waits for more input; the
//!   father waits for the answer. Both sleep in `read(2)` for ever.
//! - **full pipes** (`--big`): the father writes a large input before reading any output; the
//!   son writes its output as it reads. Once both 64 KiB buffers fill, both sleep in
//!   `write(2)` for ever. `--fix` reads on a second thread while writing, as Python's
//!   `communicate()` does.
//!
//! A blocked father cannot notice its own deadlock: a watchdog thread watches a counter of the
//! bytes moved. After `--stall` without progress while the father waits, it reads where both
//! sides sleep (`/proc/<pid>/wchan` and the state in `stat`, `proc(5)`), says so, and kills the
//! son, so the father's `read(2)` returns 0 or its `write(2)` fails with `EPIPE`; the run then
//! ends with the deadlock as its error. The son is always reaped: no zombie is left.

use std::ffi::{CStr, CString, OsString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::libc;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, pipe, read, write};

use super::spam::SpamSchedule;
use crate::event::{
    Data, Deadlock, Error, Event, ExecReport, Outcome, Partial, PipeFill, ProcessEnd, Result, Role,
    Sink, Sleeper, SonId, Stall, Summary, Waits,
};
use crate::sys::wchan::{self, PipeWait};
use crate::sys::{Context, Doing, pipesize, signals};

/// What `ipcdemo exec` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Lines to send before closing the son's input; `None`: until stopped.
    pub count: Option<u64>,
    /// The unit of the father's 0, 1, 2, 3, 4 tick sleeps.
    pub tick: Duration,
    /// No byte moved for this long while the father waits: a deadlock.
    pub stall: Duration,
    /// Write one large input before reading any output.
    pub big: bool,
    /// With `big`: read the output on a second thread while writing.
    pub fix: bool,
    /// The program and its arguments; `None`: ipcdemo's own echo child.
    pub program: Option<Vec<OsString>>,
}

/// `--big` writes this many 9-byte lines: 1 048 581 bytes, just over 1 MiB, many times what
/// two 64 KiB pipes and a son's buffer hold.
pub const BIG_LINES: u64 = 116_509;
/// Bytes per `write(2)` of the large input: one page, so progress is seen page by page.
const CHUNK: usize = 4096;
/// `--big` says how far it got every this many bytes, each way.
const REPORT_EVERY: u64 = 64 * 1024;
/// An answer longer than this without a newline is shown in pieces, each marked partial.
const LONGEST_LINE: usize = 64 * 1024;

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    let program = match Program::new(config.program.as_deref()) {
        Ok(program) => program,
        Err(e) => return Outcome::from(Err(e)),
    };
    let mut son = match start(&program) {
        Ok(son) => son,
        Err(e) => return Outcome::from(Err(e)),
    };
    let pid = getpid().as_raw();
    let mut report = ExecReport {
        son: son.pid.as_raw(),
        program: program.words.clone(),
        big: config.big,
        lines_sent: 0,
        bytes_sent: 0,
        lines_received: 0,
        bytes_received: 0,
        same_as_sent: None,
        first_difference_at: None,
        exit_status: None,
        killed_by: None,
        end: None,
    };
    let started = Event::Started {
        son: son.pid.as_raw(),
        program: &program.words,
    };
    let end = match sink.event_now(Role::Father, pid, started) {
        Ok(()) => watched(config, &program, &mut son, sink, &mut report),
        Err(e) => Err(e),
    };
    // The watchdog is gone: the son's pid is ours alone to collect now (once collected, it
    // may be another process's, and must never be signalled again).
    let status = son.reap();
    report.end = status.map(|status| match status {
        WaitStatus::Exited(_, code) => ProcessEnd::Exited(code),
        WaitStatus::Signaled(_, signal, _) => ProcessEnd::Signaled(signal),
        _ => ProcessEnd::Other,
    });
    match report.end {
        Some(ProcessEnd::Exited(code)) => report.exit_status = Some(code),
        Some(ProcessEnd::Signaled(signal)) => report.killed_by = Some(signal.as_str().into()),
        Some(ProcessEnd::Other) | None => {}
    }
    // A son that ends badly after a run that went well is the run's failure.
    let son_end = match report.end {
        Some(ProcessEnd::Exited(0)) | None => Ok(()),
        Some(end) => Err(Error::SonProcess(end)),
    };
    let end = end.and(son_end);
    Outcome::new(vec![Summary::Exec(report)], end)
}

/// The father's part, with the watchdog watching.
fn watched(
    config: &Config,
    program: &Program,
    son: &mut Son,
    sink: &dyn Sink,
    report: &mut ExecReport,
) -> Result<()> {
    let watch = Watch::new();
    let target = Target {
        son: son.pid,
        main_thread: nix::sys::pthread::pthread_self(),
        father: getpid().as_raw(),
        father_thread: main_thread_id(),
        stdin: son.stdin.as_ref().map_or_else(Weak::new, Arc::downgrade),
        stdout: Arc::downgrade(&son.stdout),
        sizes: son.sizes,
    };
    let end = thread::scope(|scope| {
        let dog = thread::Builder::new()
            .name("watchdog".into())
            .spawn_scoped(scope, || watchdog(&watch, config.stall, &target, sink));
        let dog = match dog.doing(Doing::StartingThread) {
            Ok(dog) => dog,
            Err(e) => return Err(e.into()),
        };
        let father = Father {
            config,
            program,
            watch: &watch,
            sink,
            pid: getpid().as_raw(),
        };
        let end = if config.big {
            father.big(son, report)
        } else {
            father.lines(son, report)
        };
        watch.done.store(true, Ordering::SeqCst);
        // Wake it now rather than at its next look.
        dog.thread().unpark();
        end
    });
    // A verdict the father's own path did not meet (it failed otherwise meanwhile) still
    // names the deadlock; a stop signal always decides.
    match (end, watch.verdict()) {
        (Err(Error::Stopped(signal)), _) => Err(Error::Stopped(signal)),
        (Err(Error::StdoutClosed), _) => Err(Error::StdoutClosed),
        (Err(e @ Error::Deadlock { .. }), _) => Err(e),
        (Err(_), Some(stall)) => Err(Error::Deadlock {
            program: program.words.clone(),
            stall: Box::new(stall),
            written: report.bytes_sent,
        }),
        (end, _) => end,
    }
}

/// The program the son becomes.
struct Program {
    /// Its command line, for messages and JSON.
    words: Vec<String>,
    /// What `execvp(3)` runs: a path, or a name looked up on `PATH`.
    file: CString,
    argv: Vec<CString>,
    /// ipcdemo's own echo child, whose output must be its input exactly.
    echo: bool,
}

impl Program {
    fn new(given: Option<&[OsString]>) -> Result<Program> {
        let Some(args) = given.filter(|args| !args.is_empty()) else {
            return Program::echo_child();
        };
        let words: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        // A command line cannot hold a NUL byte, so this cannot fail with arguments from it.
        let argv = args
            .iter()
            .map(|a| CString::new(a.as_bytes()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| Error::ProgramNotStarted {
                program: words.clone(),
                errno: Errno::EINVAL,
            })?;
        Ok(Program {
            file: argv[0].clone(),
            words,
            argv,
            echo: false,
        })
    }

    fn echo_child() -> Result<Program> {
        let words: Vec<String> = ["ipcdemo", "exec", "--echo-child"].map(String::from).into();
        // /proc/self/exe is this very binary, even if its file was replaced since it started
        // (a rebuild): the son runs the same code as its father.
        let exe = if std::path::Path::new("/proc/self/exe").exists() {
            std::path::PathBuf::from("/proc/self/exe")
        } else {
            std::env::current_exe().map_err(|e| Error::ProgramNotStarted {
                program: words.clone(),
                errno: crate::sys::errno_of(&e),
            })?
        };
        let file =
            CString::new(exe.as_os_str().as_bytes()).map_err(|_| Error::ProgramNotStarted {
                program: words.clone(),
                errno: Errno::EINVAL,
            })?;
        let argv = words
            .iter()
            .map(|w| CString::new(w.as_str()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| Error::ProgramNotStarted {
                program: words.clone(),
                errno: Errno::EINVAL,
            })?;
        Ok(Program {
            words,
            file,
            argv,
            echo: true,
        })
    }
}

/// The son, as the father holds it. Dropped before it is reaped, it is killed and reaped: no
/// path leaves a zombie or an orphan behind.
struct Son {
    pid: Pid,
    /// Our write end of the son's stdin; `None` once closed (the son then sees end of file).
    stdin: Option<Arc<OwnedFd>>,
    /// Our read end of the son's stdout.
    stdout: Arc<OwnedFd>,
    /// `F_GETPIPE_SZ` of the stdin and stdout pipes.
    sizes: (Option<usize>, Option<usize>),
    /// The son has exited (seen with `WNOWAIT`: not yet collected).
    exited: bool,
    /// Collected by `waitpid(2)`: its pid is no longer ours.
    reaped: Option<WaitStatus>,
}

impl Son {
    /// Waits until the son exits, without collecting it (`waitid(2)` with `WNOWAIT`), so the
    /// watchdog may still kill it and never hits a stranger that inherited its pid.
    fn wait_exit(&mut self, watch: &Watch) -> Result<()> {
        if self.exited {
            return Ok(());
        }
        loop {
            match watch.during(Phase::Waiting, || wait_without_reaping(self.pid)) {
                Ok(()) => {
                    self.exited = true;
                    return Ok(());
                }
                Err(Errno::EINTR) => signals::check()?,
                Err(e) => return Err(Error::call(Doing::WaitingForSon, e)),
            }
        }
    }

    /// Kills the son unless it has exited, then collects it (once).
    fn reap(&mut self) -> Option<WaitStatus> {
        if self.reaped.is_none() {
            if !self.exited {
                kill_son(self.pid);
            }
            self.reaped = signals::restarting(|| waitpid(self.pid, None)).ok();
        }
        self.reaped
    }
}

impl Drop for Son {
    fn drop(&mut self) {
        self.reap();
    }
}

/// Ends the son and its process group with SIGKILL: it has nothing of ours to clean up, and
/// SIGTERM may be ignored. Only for a son not yet reaped (its pid, and its group's, are still
/// its own).
fn kill_son(son: Pid) {
    let _ = nix::sys::signal::killpg(son, Signal::SIGKILL);
    let _ = kill(son, Signal::SIGKILL);
}

/// `waitid(P_PID, pid, WEXITED | WNOWAIT)`: returns once `pid` has exited, leaving it to be
/// collected.
fn wait_without_reaping(pid: Pid) -> nix::Result<()> {
    // SAFETY: siginfo_t is plain data, and all zeroes is a valid value of it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: waitid(2) writes only into `info`, which is ours.
    let done = unsafe {
        libc::waitid(
            libc::P_PID,
            pid.as_raw() as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        )
    };
    Errno::result(done).map(drop)
}

/// A pipe whose ends close on `exec`, for the son's report that its `execvp(3)` failed.
fn close_on_exec_pipe() -> nix::Result<(OwnedFd, OwnedFd)> {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    {
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    {
        use nix::fcntl::{FcntlArg, FdFlag, fcntl};
        let (read_end, write_end) = pipe()?;
        for end in [&read_end, &write_end] {
            fcntl(end.as_raw_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
        }
        Ok((read_end, write_end))
    }
}

/// The father's main thread, as `/proc/self/task/<tid>` names it.
fn main_thread_id() -> i32 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        nix::unistd::gettid().as_raw()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        getpid().as_raw()
    }
}

/// Two pipes, a fork, and in the son `dup2(2)` and `execvp(3)`; returns once the program runs
/// (or says why it could not).
fn start(program: &Program) -> Result<Son> {
    // From pipe(2) itself, not close-on-exec (std's pipes are): the son's two ends must
    // survive its exec, as its stdin and stdout.
    let (stdin_read, stdin_write) = pipe().doing(Doing::CreatingPipe)?;
    let (stdout_read, stdout_write) = pipe().doing(Doing::CreatingPipe)?;
    // Close-on-exec on purpose: a successful exec closes the son's copy, and the father reads
    // end of file; a failed one leaves the son time to write its errno there.
    let (report_read, report_write) = close_on_exec_pipe().doing(Doing::CreatingPipe)?;
    // Everything the son needs is allocated now: between fork and exec it may only make
    // system calls (another thread may have held the allocator's lock at the fork).
    let argv: Vec<*const libc::c_char> = program
        .argv
        .iter()
        .map(|a| a.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let ends = SonEnds {
        stdin_read: stdin_read.as_raw_fd(),
        stdin_write: stdin_write.as_raw_fd(),
        stdout_read: stdout_read.as_raw_fd(),
        stdout_write: stdout_write.as_raw_fd(),
        report: report_write.as_raw_fd(),
    };
    let father = getpid();
    // SAFETY: the son only makes async-signal-safe system calls before exec or _exit (see
    // `become_program`), so no lock another thread held at the fork can trip it.
    let child = match unsafe { fork() }.doing(Doing::ForkingSon)? {
        ForkResult::Child => become_program(&ends, &program.file, &argv, father),
        ForkResult::Parent { child } => child,
    };
    // The son leads a process group of its own (it says so too, before its exec; whichever
    // comes first wins the race), so that ending it ends whatever it started, like the two
    // halves of `sh -c 'tr a-z A-Z | cat'`: a grandchild left holding one of our pipes would
    // keep us waiting for ever. A stop signal from the terminal reaches the father, which
    // then ends the son's group.
    let _ = nix::unistd::setpgid(child, child);
    let sizes = (pipesize::get(&stdin_write), pipesize::get(&stdout_read));
    let mut son = Son {
        pid: child,
        stdin: Some(Arc::new(stdin_write)),
        stdout: Arc::new(stdout_read),
        sizes,
        exited: false,
        reaped: None,
    };
    // The read end of the son's stdin: while we held it, a son that exits would leave a
    // reader behind, and our write(2) would never fail with EPIPE: it would fill the pipe
    // and sleep there for ever.
    drop(stdin_read);
    // The write end of the son's stdout: while we held it, our read(2) would never return 0
    // after the son exits (one writer would remain: us), and we would wait for ever.
    drop(stdout_write);
    // Our copy of the report's write end: with it open, the read below would wait for ever
    // instead of seeing the end of file that means "exec succeeded".
    drop(report_write);
    match exec_report(&report_read)? {
        None => Ok(son),
        Some(errno) => {
            // The son _exits at once; collect it.
            son.exited = wait_without_reaping(son.pid).is_ok();
            son.reap();
            Err(Error::ProgramNotStarted {
                program: program.words.clone(),
                errno,
            })
        }
    }
}

/// The son's report: `None` (end of file: the exec succeeded and closed the pipe), or the
/// errno of its failed `execvp(3)`.
fn exec_report(report: &OwnedFd) -> Result<Option<Errno>> {
    let mut bytes = [0u8; 4];
    let mut got = 0;
    loop {
        match read(report, &mut bytes[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            // A son that died half-way through its report (it cannot, but say something).
            Ok(0) => return Ok(Some(Errno::EIO)),
            Ok(n) => {
                got += n;
                if got == bytes.len() {
                    return Ok(Some(Errno::from_raw(i32::from_ne_bytes(bytes))));
                }
            }
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
        }
    }
}

/// The descriptors of both pipes, as the son sees them right after the fork.
struct SonEnds {
    stdin_read: i32,
    stdin_write: i32,
    stdout_read: i32,
    stdout_write: i32,
    report: i32,
}

/// The son, between fork and exec: only async-signal-safe system calls, no allocation.
fn become_program(ends: &SonEnds, file: &CStr, argv: &[*const libc::c_char], father: Pid) -> ! {
    // The stop signals back to their defaults and unblocked (the father blocks them in every
    // thread, and a blocked mask survives exec), so Ctrl-C in the terminal ends the program.
    let _ = signals::restore_defaults_in_child();
    // SAFETY: every call below is a plain, async-signal-safe system call on descriptors this
    // process owns, and writes only into its own locals; none allocates.
    unsafe {
        // Rust ignores SIGPIPE, and an ignored signal stays ignored across exec: give the
        // program the default, so `tr` dies quietly when its reader leaves, as it expects.
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        #[cfg(target_os = "linux")]
        {
            // If the father dies without a word (kill -9), take the son with it.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            if libc::getppid() != father.as_raw() {
                libc::_exit(1);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = father;
        libc::setpgid(0, 0);
        // A demo's son leaves no core file behind when a Ctrl-\ meant "stop".
        let mut core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_CORE, &mut core) == 0 {
            core.rlim_cur = 0;
            libc::setrlimit(libc::RLIMIT_CORE, &core);
        }
        // Above 2 first. Rust's runtime opens /dev/null on a standard descriptor closed at
        // start, so pipe(2) should never have handed out 0, 1 or 2; if it ever did, a dup2
        // below would overwrite one end with another. These copies are close-on-exec: after
        // the exec only 0 and 1 remain.
        let high = |fd: i32| libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3);
        let report = match high(ends.report) {
            -1 => ends.report,
            fd => fd,
        };
        let input = high(ends.stdin_read);
        let output = high(ends.stdout_write);
        if input == -1 || output == -1 {
            fail(report);
        }
        // The originals of the son's own ends: copies of them stay at 0 and 1.
        libc::close(ends.stdin_read);
        libc::close(ends.stdout_write);
        if report != ends.report {
            libc::close(ends.report);
        }
        // The father's ends. The write end of the son's own stdin: while it holds one, its
        // read(2) never returns 0, so a `cat` would wait for ever for the end of its input.
        // The read end of its own stdout: while it holds one, a father that leaves would not
        // make the son's writes fail (EPIPE): a full pipe would block it for ever instead.
        libc::close(ends.stdin_write);
        libc::close(ends.stdout_read);
        if libc::dup2(input, 0) == -1 || libc::dup2(output, 1) == -1 {
            fail(report);
        }
        libc::execvp(file.as_ptr(), argv.as_ptr());
        fail(report)
    }
}

/// In the son: reports the errno of the failed call to the father, then exits (127, as a
/// shell does for a command it cannot run).
fn fail(report: i32) -> ! {
    let errno = Errno::last_raw().to_ne_bytes();
    // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffer is ours.
    unsafe {
        libc::write(report, errno.as_ptr().cast(), errno.len());
        libc::_exit(127)
    }
}

/// What a thread of the father is doing, for the watchdog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Phase {
    /// Not waiting on the son: sleeping between lines, printing, computing.
    Busy = 0,
    /// In read(2) on the son's stdout.
    Reading = 1,
    /// In write(2) on the son's stdin.
    Writing = 2,
    /// Waiting for the son to exit.
    Waiting = 3,
    /// No such thread (the reader thread outside `--big --fix`).
    Absent = 4,
}

impl Phase {
    fn of(value: u8) -> Phase {
        match value {
            1 => Phase::Reading,
            2 => Phase::Writing,
            3 => Phase::Waiting,
            4 => Phase::Absent,
            _ => Phase::Busy,
        }
    }
}

/// What the father shares with its watchdog.
struct Watch {
    /// Bytes moved either way, by any thread.
    progress: AtomicU64,
    /// The main thread's phase.
    main: AtomicU8,
    /// The reader thread's phase (`--big --fix`).
    reader: AtomicU8,
    /// The reader thread, while it runs (`--big --fix`).
    reader_thread: Mutex<Option<nix::sys::pthread::Pthread>>,
    /// What the watchdog saw, once it has called a deadlock.
    verdict: Mutex<Option<Stall>>,
    /// The father is done: the watchdog leaves.
    done: AtomicBool,
}

impl Watch {
    fn new() -> Watch {
        Watch {
            progress: AtomicU64::new(0),
            main: AtomicU8::new(Phase::Busy as u8),
            reader: AtomicU8::new(Phase::Absent as u8),
            reader_thread: Mutex::new(None),
            verdict: Mutex::new(None),
            done: AtomicBool::new(false),
        }
    }

    /// Runs a blocking call of the main thread in `phase`.
    fn during<T>(&self, phase: Phase, call: impl FnOnce() -> T) -> T {
        self.during_on(&self.main, phase, call)
    }

    fn during_on<T>(&self, who: &AtomicU8, phase: Phase, call: impl FnOnce() -> T) -> T {
        who.store(phase as u8, Ordering::SeqCst);
        let result = call();
        who.store(Phase::Busy as u8, Ordering::SeqCst);
        result
    }

    fn moved(&self, bytes: usize) {
        self.progress.fetch_add(bytes as u64, Ordering::SeqCst);
    }

    /// Every thread of the father waits on the son (none is sleeping between lines or
    /// printing, which is no deadlock).
    fn all_waiting(&self) -> bool {
        let main = Phase::of(self.main.load(Ordering::SeqCst));
        let reader = Phase::of(self.reader.load(Ordering::SeqCst));
        main != Phase::Busy && main != Phase::Absent && reader != Phase::Busy
    }

    fn verdict(&self) -> Option<Stall> {
        self.verdict.lock().ok().and_then(|v| v.clone())
    }

    fn has_verdict(&self) -> bool {
        self.verdict.lock().is_ok_and(|v| v.is_some())
    }

    /// After a verdict, interrupts every thread of the father still blocked on the son: one
    /// of its grandchildren may hold a pipe open (killing the son's group reaches all but
    /// those that left it).
    fn interrupt_waiters(&self, main: nix::sys::pthread::Pthread) {
        if Phase::of(self.main.load(Ordering::SeqCst)) != Phase::Busy {
            signals::interrupt(main);
        }
        // Under the lock: the reader thread cannot end (it clears this first) while it is
        // being signalled.
        if let Ok(reader) = self.reader_thread.lock()
            && let Some(thread) = *reader
            && Phase::of(self.reader.load(Ordering::SeqCst)) != Phase::Busy
        {
            signals::interrupt(thread);
        }
    }
}

/// What the watchdog looks at.
struct Target {
    son: Pid,
    /// The father's main thread, to interrupt once the son is dead.
    main_thread: nix::sys::pthread::Pthread,
    father: i32,
    father_thread: i32,
    /// The father's ends, to ask how full each pipe is (weak: the father closes its end of
    /// the son's stdin when it has said everything, and a strong copy here would keep it
    /// open, so the son would never see its end of file).
    stdin: Weak<OwnedFd>,
    stdout: Weak<OwnedFd>,
    sizes: (Option<usize>, Option<usize>),
}

/// The watchdog: a thread that wakes a few times per `stall`; when the father has waited on
/// the son for `stall` with no byte moving, it says where both sleep, keeps that as the
/// verdict and kills the son, so the father's blocked call returns.
fn watchdog(watch: &Watch, stall: Duration, target: &Target, sink: &dyn Sink) {
    let every = (stall / 5).clamp(Duration::from_millis(1), Duration::from_millis(50));
    let mut seen = watch.progress.load(Ordering::SeqCst);
    let mut since = Instant::now();
    while !watch.done.load(Ordering::SeqCst) && signals::received().is_none() {
        thread::park_timeout(every);
        let now = watch.progress.load(Ordering::SeqCst);
        if now != seen || !watch.all_waiting() {
            seen = now;
            since = Instant::now();
            continue;
        }
        let waited = since.elapsed();
        if waited < stall {
            continue;
        }
        let stalled = look(watch, stall, waited, target);
        // A son that runs (R) or waits for its disk (D) is working, not stuck: it may still be
        // starting up (a Python takes a good part of a second). It gets more time, up to
        // twice --stall and 2 s more.
        let busy = matches!(stalled.son_sleeps.state, Some('R' | 'D'));
        if busy && waited < stall * 2 + Duration::from_secs(2) {
            continue;
        }
        if let Ok(mut verdict) = watch.verdict.lock() {
            *verdict = Some(stalled.clone());
        }
        // The verdict first, then the kill: when the father's read(2) returns 0 (or its
        // write(2) fails with EPIPE), it finds why. The son is not reaped before the watchdog
        // has left (see `run`), so this pid is still the son's.
        kill_son(target.son);
        let _ = sink.event_now(Role::Father, target.father, Event::Stalled(&stalled));
        while !watch.done.load(Ordering::SeqCst) {
            watch.interrupt_waiters(target.main_thread);
            thread::park_timeout(every);
        }
        return;
    }
}

/// Where both sides sleep, and which deadlock that makes.
fn look(watch: &Watch, stall: Duration, waited: Duration, target: &Target) -> Stall {
    let father = wchan::of_own_thread(target.father_thread);
    let son = wchan::of_process(target.son.as_raw());
    let father_waits = match Phase::of(watch.main.load(Ordering::SeqCst)) {
        Phase::Reading => Waits::Reading,
        Phase::Writing => Waits::Writing,
        Phase::Busy | Phase::Waiting | Phase::Absent => Waits::Elsewhere,
    };
    let son_waits = match son.pipe_wait() {
        PipeWait::Reading => Waits::Reading,
        PipeWait::Writing => Waits::Writing,
        PipeWait::Other => Waits::Elsewhere,
    };
    let deadlock = match (father_waits, son_waits) {
        (Waits::Reading, Waits::Reading) => Deadlock::Buffering,
        (Waits::Writing, Waits::Writing) => Deadlock::FullPipes,
        _ => Deadlock::Neither,
    };
    let fill = |end: &Weak<OwnedFd>, size| PipeFill {
        held_bytes: end.upgrade().and_then(|fd| wchan::pipe_held(&*fd)),
        size_bytes: size,
    };
    Stall {
        stall,
        waited,
        deadlock,
        father_sleeps: Sleeper {
            pid: target.father,
            wchan: father.wchan,
            state: father.state,
            waits: father_waits,
        },
        son_sleeps: Sleeper {
            pid: target.son.as_raw(),
            wchan: son.wchan,
            state: son.state,
            waits: son_waits,
        },
        input_pipe: fill(&target.stdin, target.sizes.0),
        output_pipe: fill(&target.stdout, target.sizes.1),
    }
}

/// The father's side of a run.
struct Father<'a> {
    config: &'a Config,
    program: &'a Program,
    watch: &'a Watch,
    sink: &'a dyn Sink,
    pid: i32,
}

impl Father<'_> {
    /// The notebook's way: a line, then its answer, with the 0–4 tick sleeps between lines.
    fn lines(&self, son: &mut Son, report: &mut ExecReport) -> Result<()> {
        let mut schedule = SpamSchedule::new(self.config.tick, true);
        let mut answers = Answers::new(son.pid.as_raw());
        let mut buffer = vec![0u8; 4096];
        'lines: while self.config.count.is_none_or(|n| report.lines_sent < n) {
            let message = schedule.wait_for_next()?;
            let Some(stdin) = son.stdin.clone() else {
                break;
            };
            // Stamped as the write(2) begins, said once it succeeded: a line the son never got
            // is not shown as sent. The answer is read only after, by this same thread.
            let stamp = self.sink.now();
            match self.write_line(&stdin, message) {
                Ok(()) => {
                    report.lines_sent += 1;
                    report.bytes_sent += message.len() as u64;
                    let event = Event::Sent {
                        data: Data(message),
                        priority: None,
                        timing: None,
                    };
                    self.sink.event(stamp, Role::Father, self.pid, event)?;
                }
                Err(Errno::EPIPE) => return Err(self.left_early(son, report, true)),
                // Given up: a stop signal, or the watchdog's verdict.
                Err(Errno::EINTR) => {
                    signals::check()?;
                    return Err(self.interrupted(report));
                }
                Err(e) => return Err(Error::call(Doing::WritingPipe, e)),
            }
            // The answer: at least one whole line.
            let before = report.lines_received;
            while report.lines_received == before {
                if self.read_answers(son, &mut buffer, &mut answers, report)? {
                    continue;
                }
                // The son's output ended before it answered.
                if let Some(stall) = self.watch.verdict() {
                    return Err(self.deadlock(stall, report));
                }
                self.sink.event_now(Role::Father, self.pid, Event::Eof)?;
                answers.flush(self.pid, self.sink, report)?;
                son.wait_exit(self.watch)?;
                if let Some(stall) = self.watch.verdict() {
                    return Err(self.deadlock(stall, report));
                }
                if self.config.count.is_some_and(|n| report.lines_sent >= n) {
                    return Err(self.left_early(son, report, false));
                }
                // The next line meets the closed pipe: EPIPE, explained.
                continue 'lines;
            }
        }
        // Said everything: close our end of the son's stdin. It is the last write end, so
        // the son's read(2) returns 0 and a filter like `cat` ends; while we held it, both
        // would wait for ever, the son for input and we for its end of file.
        drop(son.stdin.take());
        while self.read_answers(son, &mut buffer, &mut answers, report)? {}
        if let Some(stall) = self.watch.verdict() {
            return Err(self.deadlock(stall, report));
        }
        answers.flush(self.pid, self.sink, report)?;
        son.wait_exit(self.watch)?;
        match self.watch.verdict() {
            Some(stall) => Err(self.deadlock(stall, report)),
            None => Ok(()),
        }
    }

    /// Writes one line (one write(2): it is shorter than PIPE_BUF, so it goes in whole or
    /// not at all); gives up with EINTR on a stop signal or the watchdog's verdict.
    fn write_line(&self, stdin: &OwnedFd, line: &[u8]) -> std::result::Result<(), Errno> {
        let mut written = 0;
        while written < line.len() {
            match self
                .watch
                .during(Phase::Writing, || write(stdin, &line[written..]))
            {
                Ok(n) => {
                    self.watch.moved(n);
                    written += n;
                }
                Err(Errno::EINTR) if signals::received().is_none() && !self.watch.has_verdict() => {
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// A blocked call interrupted without a stop signal: the watchdog's verdict.
    fn interrupted(&self, report: &ExecReport) -> Error {
        match self.watch.verdict() {
            Some(stall) => self.deadlock(stall, report),
            None => Error::call(Doing::ReadingPipe, Errno::EINTR),
        }
    }

    /// One read(2) of the son's output, its whole lines shown; false at its end.
    fn read_answers(
        &self,
        son: &Son,
        buffer: &mut [u8],
        answers: &mut Answers,
        report: &mut ExecReport,
    ) -> Result<bool> {
        loop {
            match self
                .watch
                .during(Phase::Reading, || read(&*son.stdout, buffer))
            {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.watch.moved(n);
                    report.bytes_received += n as u64;
                    answers.take(&buffer[..n], self.pid, self.sink, report)?;
                    return Ok(true);
                }
                Err(Errno::EINTR) => {
                    signals::check()?;
                    if self.watch.has_verdict() {
                        return Err(self.interrupted(report));
                    }
                }
                Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
            }
        }
    }

    /// The son stopped reading: why, once it has exited (or the watchdog ended it).
    fn left_early(&self, son: &mut Son, report: &ExecReport, epipe: bool) -> Error {
        if let Some(stall) = self.watch.verdict() {
            return self.deadlock(stall, report);
        }
        if let Err(e) = son.wait_exit(self.watch) {
            return e;
        }
        if let Some(stall) = self.watch.verdict() {
            return self.deadlock(stall, report);
        }
        Error::SonStoppedReading {
            son: son.pid.as_raw(),
            program: self.program.words.clone(),
            sent_lines: report.lines_sent,
            sent_bytes: report.bytes_sent,
            answered: (!self.config.big).then_some(report.lines_received),
            epipe,
        }
    }

    fn deadlock(&self, stall: Stall, report: &ExecReport) -> Error {
        Error::Deadlock {
            program: self.program.words.clone(),
            stall: Box::new(stall),
            written: report.bytes_sent,
        }
    }

    /// `--big`: one large input, written in pages; the output read after it (and the pipes
    /// fill), or with `--fix` at the same time on a second thread.
    fn big(&self, son: &mut Son, report: &mut ExecReport) -> Result<()> {
        let input = big_input();
        let stdout = Arc::clone(&son.stdout);
        let son_pid = son.pid.as_raw();
        let got = if self.config.fix {
            thread::scope(|scope| {
                let reader = thread::Builder::new()
                    .name("reader".into())
                    .spawn_scoped(scope, || {
                        // A reader blocked in read(2), or in printing, must yield to a stop.
                        let _kick = signals::kick_this_thread();
                        let who = &self.watch.reader;
                        who.store(Phase::Busy as u8, Ordering::SeqCst);
                        if let Ok(mut me) = self.watch.reader_thread.lock() {
                            *me = Some(nix::sys::pthread::pthread_self());
                        }
                        let got = self.read_output(&stdout, who, &input, son_pid);
                        if let Ok(mut me) = self.watch.reader_thread.lock() {
                            *me = None;
                        }
                        who.store(Phase::Absent as u8, Ordering::SeqCst);
                        got
                    })
                    .doing(Doing::StartingThread)?;
                if let Err(e) = self.write_input(son, &input, report) {
                    // The reader waits for the end of the son's output: make sure it comes.
                    // (The son is not reaped yet, so its pid is still its own.)
                    if !son.exited {
                        kill_son(son.pid);
                    }
                    // What it had read still counts in the summary.
                    if let Ok(Ok(got)) = reader.join() {
                        report.lines_received = got.lines;
                        report.bytes_received = got.received;
                    }
                    return Err(e);
                }
                self.watch
                    .during(Phase::Reading, || reader.join())
                    .unwrap_or(Err(Error::SonThreadPanicked))
            })?
        } else {
            self.write_input(son, &input, report)?;
            self.read_output(&stdout, &self.watch.main, &input, son_pid)?
        };
        report.lines_received = got.lines;
        report.bytes_received = got.received;
        if let Some(stall) = self.watch.verdict() {
            return Err(self.deadlock(stall, report));
        }
        let difference = got.first_difference(&input);
        report.same_as_sent = Some(difference.is_none());
        report.first_difference_at = difference;
        son.wait_exit(self.watch)?;
        if let Some(stall) = self.watch.verdict() {
            return Err(self.deadlock(stall, report));
        }
        match difference {
            // ipcdemo's own echo child must give back every byte as it came: anything else is
            // a bug, not a lesson. Another program may transform its input, as `tr` does.
            Some(_) if self.program.echo && got.received < input.len() as u64 => {
                Err(Error::BytesMissing {
                    received: got.received,
                    total: input.len() as u64,
                })
            }
            Some(at) if self.program.echo => Err(Error::CorruptStream { after: at }),
            _ => Ok(()),
        }
    }

    /// Writes the whole input into the son's stdin, a page per write(2), then closes it.
    fn write_input(&self, son: &mut Son, input: &[u8], report: &mut ExecReport) -> Result<()> {
        let Some(stdin) = son.stdin.clone() else {
            return Ok(());
        };
        let son_pid = son.pid.as_raw();
        let mut written = 0usize;
        while written < input.len() {
            if let Some(signal) = signals::received() {
                return Err(Error::Stopped(signal));
            }
            let end = (written + CHUNK).min(input.len());
            let result = self
                .watch
                .during(Phase::Writing, || write(&*stdin, &input[written..end]));
            match result {
                Ok(n) => {
                    self.watch.moved(n);
                    let before = written as u64;
                    let lines = input[written..written + n].iter().filter(|&&b| b == b'\n');
                    report.lines_sent += lines.count() as u64;
                    written += n;
                    report.bytes_sent = written as u64;
                    let after = written as u64;
                    if after / REPORT_EVERY != before / REPORT_EVERY || written == input.len() {
                        let event = Event::InputWritten {
                            son: son_pid,
                            total: after,
                        };
                        self.sink.event_now(Role::Father, self.pid, event)?;
                    }
                }
                Err(Errno::EINTR) => {
                    if let Some(signal) = signals::received() {
                        return Err(Error::Stopped(signal));
                    }
                    if self.watch.has_verdict() {
                        return Err(self.interrupted(report));
                    }
                }
                Err(Errno::EPIPE) => return Err(self.left_early(son, report, true)),
                Err(e) => return Err(Error::call(Doing::WritingPipe, e)),
            }
        }
        // All written: close our end of the son's stdin (the last write end), so its read(2)
        // returns 0 and it can finish; while we held it, it would wait for more input for
        // ever, and we for the end of its output.
        drop(stdin);
        drop(son.stdin.take());
        Ok(())
    }

    /// Reads the son's output to its end, comparing it with the input as it comes (nothing
    /// is kept, so a son that never stops costs no memory).
    fn read_output(
        &self,
        stdout: &OwnedFd,
        who: &AtomicU8,
        input: &[u8],
        son_pid: i32,
    ) -> Result<Received> {
        let mut buffer = vec![0u8; 64 * 1024];
        let mut got = Received::default();
        let mut said = 0;
        loop {
            // received(), not check(): this may be the reader thread, and only the main
            // thread may tell the signal thread to stop kicking.
            if let Some(signal) = signals::received() {
                return Err(Error::Stopped(signal));
            }
            match self
                .watch
                .during_on(who, Phase::Reading, || read(stdout, &mut buffer))
            {
                Ok(0) => {
                    // The last count, unless it was just said.
                    if got.received != said || got.received == 0 {
                        let event = Event::OutputRead {
                            son: son_pid,
                            total: got.received,
                        };
                        self.sink.event_now(Role::Father, self.pid, event)?;
                    }
                    return Ok(got);
                }
                Ok(n) => {
                    self.watch.moved(n);
                    let before = got.received;
                    got.take(&buffer[..n], input);
                    if got.received / REPORT_EVERY != before / REPORT_EVERY {
                        said = got.received;
                        let event = Event::OutputRead {
                            son: son_pid,
                            total: got.received,
                        };
                        self.sink.event_now(Role::Father, self.pid, event)?;
                    }
                }
                Err(Errno::EINTR) => {
                    if let Some(signal) = signals::received() {
                        return Err(Error::Stopped(signal));
                    }
                    if self.watch.has_verdict() {
                        // The run ends with the verdict, which the main thread reports.
                        return Ok(got);
                    }
                }
                Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
            }
        }
    }
}

/// The `--big` input: `Spam 000\n` … `Spam 999\n`, again and again, [`BIG_LINES`] lines.
pub fn big_input() -> Vec<u8> {
    let mut input = Vec::with_capacity(BIG_LINES as usize * 9);
    for line in 0..BIG_LINES {
        input.extend_from_slice(format!("Spam {:03}\n", line % 1000).as_bytes());
    }
    input
}

/// What came back of the `--big` input, checked byte by byte as it arrived.
#[derive(Debug, Default)]
struct Received {
    received: u64,
    lines: u64,
    /// The first offset where the output is not the input.
    differs_at: Option<u64>,
}

impl Received {
    fn take(&mut self, chunk: &[u8], input: &[u8]) {
        if self.differs_at.is_none() {
            let at = self.received as usize;
            let expected = input.get(at..).unwrap_or(&[]);
            if let Some(i) = chunk.iter().zip(expected).position(|(a, b)| a != b) {
                self.differs_at = Some((at + i) as u64);
            } else if chunk.len() > expected.len() {
                // More output than input.
                self.differs_at = Some((at + expected.len()) as u64);
            }
        }
        self.received += chunk.len() as u64;
        self.lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
    }

    /// Where the output first differs from the input, counting a short output.
    fn first_difference(&self, input: &[u8]) -> Option<u64> {
        self.differs_at
            .or_else(|| (self.received < input.len() as u64).then_some(self.received))
    }
}

/// The son's answers, cut into lines as they arrive.
struct Answers {
    son: i32,
    pending: Vec<u8>,
}

impl Answers {
    fn new(son: i32) -> Answers {
        Answers {
            son,
            pending: Vec::new(),
        }
    }

    /// Shows every whole line of what arrived (with its `\n`), and pieces of a line too long
    /// to keep.
    fn take(
        &mut self,
        mut data: &[u8],
        pid: i32,
        sink: &dyn Sink,
        report: &mut ExecReport,
    ) -> Result<()> {
        while let Some(end) = data.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&data[..=end]);
            data = &data[end + 1..];
            self.emit(pid, None, sink)?;
            report.lines_received += 1;
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() >= LONGEST_LINE {
            self.emit(pid, Some(Partial::LongLine), sink)?;
        }
        Ok(())
    }

    /// At the end of the output: a last line without its newline.
    fn flush(&mut self, pid: i32, sink: &dyn Sink, report: &mut ExecReport) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        report.lines_received += 1;
        self.emit(pid, Some(Partial::WriterLeft), sink)
    }

    fn emit(&mut self, pid: i32, partial: Option<Partial>, sink: &dyn Sink) -> Result<()> {
        let event = Event::Received {
            record: None,
            data: Data(&self.pending),
            son: Some(SonId::Process { son: self.son }),
            partial,
            record_bytes: None,
            priority: None,
            queued: None,
            timing: None,
        };
        let result = sink.event_now(Role::Father, pid, event);
        self.pending.clear();
        result
    }
}

/// The hidden echo child (`ipcdemo exec --echo-child`): copies stdin to stdout, every whole
/// line as soon as it has arrived, with one `write(2)` and no buffer in between, so it
/// answers each line at once. It never stops reading to let its output be read: with
/// `--big`, once the father stops reading, its write(2) blocks on a full pipe.
pub fn echo_child() -> Outcome {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    Outcome::from(echo(stdin.as_fd(), stdout.as_fd()))
}

fn echo(input: BorrowedFd<'_>, output: BorrowedFd<'_>) -> Result<()> {
    let mut buffer = vec![0u8; 64 * 1024];
    // The bytes of an unfinished line, kept at the front of the buffer.
    let mut held = 0;
    loop {
        if held == buffer.len() {
            // A line longer than the buffer goes on in pieces.
            if !send(output, &buffer[..held])? {
                return Ok(());
            }
            held = 0;
        }
        let n = match read(input, &mut buffer[held..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::ReadingPipe, e)),
        };
        let filled = held + n;
        let whole = buffer[..filled]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |last| last + 1);
        if !send(output, &buffer[..whole])? {
            return Ok(());
        }
        buffer.copy_within(whole..filled, 0);
        held = filled - whole;
    }
    // A last line without its newline.
    send(output, &buffer[..held]).map(drop)
}

/// Writes all of `bytes`; false when the reader has left (`EPIPE`: the father is gone, which
/// ends the echo quietly).
fn send(output: BorrowedFd<'_>, mut bytes: &[u8]) -> Result<bool> {
    while !bytes.is_empty() {
        match write(output, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EINTR) => {}
            Err(Errno::EPIPE) => return Ok(false),
            Err(e) => return Err(Error::call(Doing::WritingPipe, e)),
        }
    }
    Ok(true)
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_big_input_is_whole_spam_lines_over_a_mebibyte() {
        let input = big_input();
        assert_eq!(input.len() as u64, BIG_LINES * 9);
        assert!(input.len() > 1 << 20);
        assert!(input.starts_with(b"Spam 000\nSpam 001\n"));
        assert!(input.ends_with(b"Spam 508\n"));
    }

    #[test]
    fn the_comparison_finds_the_first_difference_a_short_and_a_long_output() {
        let input = b"Spam 000\nSpam 001\n";
        let mut same = Received::default();
        same.take(b"Spam 00", input);
        same.take(b"0\nSpam 001\n", input);
        assert_eq!(same.first_difference(input), None);
        assert_eq!(same.lines, 2);
        let mut upper = Received::default();
        upper.take(b"SPAM 000\n", input);
        assert_eq!(upper.first_difference(input), Some(1), "S is S, p is not P");
        let mut short = Received::default();
        short.take(b"Spam 000\n", input);
        assert_eq!(short.first_difference(input), Some(9));
        let mut long = Received::default();
        long.take(b"Spam 000\nSpam 001\nmore", input);
        assert_eq!(long.first_difference(input), Some(18));
    }

    #[test]
    fn the_echo_gives_back_every_byte_line_by_line() {
        let (in_read, in_write) = pipe().unwrap();
        let (out_read, out_write) = pipe().unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let writer = {
            let data = data.clone();
            thread::spawn(move || {
                let mut left = &data[..];
                while !left.is_empty() {
                    let n = write(&in_write, left).unwrap();
                    left = &left[n..];
                }
            })
        };
        let echo = thread::spawn(move || echo(in_read.as_fd(), out_write.as_fd()).unwrap());
        let mut back = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            let n = read(&out_read, &mut buffer).unwrap();
            if n == 0 {
                break;
            }
            back.extend_from_slice(&buffer[..n]);
        }
        writer.join().unwrap();
        echo.join().unwrap();
        assert_eq!(back, data);
    }
}
