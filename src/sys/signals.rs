//! How a run ends when asked to: one design for every lesson and the bench.
//!
//! SIGINT (Ctrl-C), SIGTERM, SIGHUP (the terminal closed) and SIGQUIT (Ctrl-\) all take the
//! same path: the work stops, whatever we created is removed, the summary is said, and then the
//! process dies *by that signal* ([`die_by`]: default action restored, signal unblocked,
//! raised), so a shell running us in a loop sees the signal and stops the loop too. A second
//! stop signal while we clean up ends the process at once. A signal that the parent left
//! ignored (SIGHUP under `nohup`, SIGINT in a background job of a script) stays ignored.
//!
//! The demos may block in `open(2)` on a FIFO, and a handler with `SA_RESTART` (what the
//! `ctrlc` crate installs) would make the kernel restart that call for ever. So the stop
//! signals are blocked in every thread and taken by one thread in `sigtimedwait(2)`. That
//! thread records the signal, then *kicks* the main thread with SIGUSR1, whose no-op handler has
//! no `SA_RESTART`: the blocked call (an `open`, a `read`, a `write` to a stalled terminal)
//! fails with `EINTR` and the main loop sees [`check`] fail. The kick repeats every 50 ms until
//! the main thread has noticed, which closes the race where the signal lands just before the
//! main thread enters a blocking call; and between kicks the thread keeps waiting, so it sees a
//! second signal.
//!
//! The bench runs single-threaded instead ([`install_without_thread`]): a plain handler, also
//! without `SA_RESTART`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::pthread::{pthread_kill, pthread_self};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

use super::{Context, Doing, SysError};

/// The signal that asked us to stop, or 0.
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// Set once the main thread has seen [`RECEIVED`]; the kicking stops.
static NOTICED: AtomicBool = AtomicBool::new(false);

const KICK_EVERY: Duration = Duration::from_millis(50);

/// The signals that end a run.
pub const STOP_SIGNALS: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

/// A stop signal arrived: the run ends, cleans up, and says what it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped(pub Signal);

extern "C" fn kick_handler(_: nix::libc::c_int) {}

/// True when the parent left `signal` ignored: we must leave it so.
fn inherited_ignored(signal: Signal) -> bool {
    let mut old = std::mem::MaybeUninit::<nix::libc::sigaction>::zeroed();
    // SAFETY: a null new action only reads the current one into `old`, which is ours.
    let read = unsafe { nix::libc::sigaction(signal as i32, std::ptr::null(), old.as_mut_ptr()) };
    // SAFETY: sigaction(2) filled `old` when it returned 0; zeroed memory is a valid sigaction.
    read == 0 && unsafe { old.assume_init() }.sa_sigaction == nix::libc::SIG_IGN
}

/// The stop signals we take over (those the parent did not leave ignored).
fn stop_set() -> SigSet {
    let mut set = SigSet::empty();
    for signal in STOP_SIGNALS {
        if !inherited_ignored(signal) {
            set.add(signal);
        }
    }
    set
}

/// Set once the kick's handler is installed: before that, a kick would kill the process.
static KICK_INSTALLED: AtomicBool = AtomicBool::new(false);

/// Call once, from the main thread, before any other thread or child exists.
pub fn install() -> Result<(), SysError> {
    install_blocking(&SigSet::empty())
}

/// [`install`], with `extra` signals blocked too, in the main thread and the signal thread
/// alike (it inherits the mask): a lesson that takes them with `sigtimedwait(2)` gets every
/// one, and none is ever delivered to a thread that leaves it at its default action (for
/// SIGUSR2 or a realtime signal, death).
pub fn install_blocking(extra: &SigSet) -> Result<(), SysError> {
    // Before anything else: a signal that came now would still find them blocked.
    extra.thread_block().doing(Doing::BlockingSignals)?;
    child_signal_default()?;
    let kick = SigAction::new(
        SigHandler::Handler(kick_handler),
        SaFlags::empty(), // no SA_RESTART: the point is to make blocked calls return EINTR
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing, which is async-signal-safe.
    unsafe { sigaction(Signal::SIGUSR1, &kick) }.doing(Doing::InstallingSignals)?;
    KICK_INSTALLED.store(true, Ordering::SeqCst);
    let set = stop_set();
    // Threads spawned later inherit this mask, so only the waiter below ever takes the signal.
    set.thread_block().doing(Doing::InstallingSignals)?;
    let main_thread = pthread_self();
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || wait_and_kick(set, main_thread))
        .doing(Doing::StartingThread)?;
    Ok(())
}

/// SIGCHLD back to its default. A parent that left it ignored (SIG_IGN survives execve(2))
/// would make the kernel reap our children itself, and our waitpid(2) fail with ECHILD.
fn child_signal_default() -> Result<(), SysError> {
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: the default disposition installs no code.
    unsafe { sigaction(Signal::SIGCHLD, &default) }.doing(Doing::InstallingSignals)?;
    Ok(())
}

/// `sigtimedwait(2)` (not in nix 0.32): the next signal of `set`, or `None` after `timeout`.
fn wait_for(set: &SigSet, timeout: Duration) -> Option<Signal> {
    let timeout = nix::libc::timespec {
        tv_sec: 0,
        tv_nsec: timeout.subsec_nanos().into(),
    };
    // SAFETY: `set` is a valid signal set, `timeout` a valid timespec, and a null siginfo is
    // allowed.
    let got = unsafe { nix::libc::sigtimedwait(set.as_ref(), std::ptr::null_mut(), &timeout) };
    Signal::try_from(got).ok()
}

/// Other threads that may block on a write (a son thread printing, atomic's writers): kicked
/// like the main thread while they are registered, for as long as a stop is pending.
static KICKED: Mutex<Vec<nix::sys::pthread::Pthread>> = Mutex::new(Vec::new());

/// Registers the calling thread to be kicked out of blocked calls once a stop signal arrives;
/// it stays registered until the guard drops (keep the guard for the thread's whole life: a
/// thread that has exited must never be signalled).
pub fn kick_this_thread() -> KickGuard {
    let me = pthread_self();
    if let Ok(mut threads) = KICKED.lock() {
        threads.push(me);
    }
    KickGuard(me)
}

/// Interrupts whatever `thread` is blocked in (the call fails with `EINTR`), as the kick of a
/// stop signal does, for a thread that must give up a wait for a reason of its own: exec's
/// watchdog, having ended a deadlock, frees a father whose pipe a grandchild still holds. The
/// caller must know `thread` is alive. Does nothing before [`install`].
pub fn interrupt(thread: nix::sys::pthread::Pthread) {
    if KICK_INSTALLED.load(Ordering::SeqCst) {
        let _ = pthread_kill(thread, Signal::SIGUSR1);
    }
}

/// See [`kick_this_thread`].
pub struct KickGuard(nix::sys::pthread::Pthread);

impl Drop for KickGuard {
    fn drop(&mut self) {
        if let Ok(mut threads) = KICKED.lock() {
            threads.retain(|t| *t != self.0);
        }
    }
}

fn kick_all(main_thread: nix::sys::pthread::Pthread) {
    if !NOTICED.load(Ordering::SeqCst) {
        let _ = pthread_kill(main_thread, Signal::SIGUSR1);
    }
    // Under the lock, so no registered thread can exit (its guard waits for the lock) while
    // it is being signalled.
    if let Ok(threads) = KICKED.lock() {
        for thread in threads.iter() {
            let _ = pthread_kill(*thread, Signal::SIGUSR1);
        }
    }
}

/// A second signal closer to the first than this is the same request delivered twice (GNU
/// `timeout` signals its child and then its group; a closing terminal sends SIGHUP to the job
/// and the shell passes it on), not a user who insists.
const SAME_REQUEST: Duration = Duration::from_millis(100);

fn wait_and_kick(set: SigSet, main_thread: nix::sys::pthread::Pthread) {
    let mut first: Option<Instant> = None;
    loop {
        let Some(signal) = wait_for(&set, KICK_EVERY) else {
            if first.is_some() {
                kick_all(main_thread);
            }
            continue;
        };
        match first {
            None => first = Some(Instant::now()),
            Some(at) if at.elapsed() < SAME_REQUEST => continue,
            // A second stop signal while we clean up: the user insists. What we created goes
            // first (the guards of the main thread will not run).
            Some(_) => {
                crate::sys::cleanup::remove_all_now();
                die_by(signal);
            }
        }
        RECEIVED.store(signal as i32, Ordering::SeqCst);
        kick_all(main_thread);
    }
}

/// When the first stop signal came, in ns on CLOCK_MONOTONIC (0: none yet).
static FIRST_AT_NS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

extern "C" fn record_stop(signal: nix::libc::c_int) {
    // clock_gettime(2) is async-signal-safe.
    let now = super::clock::monotonic_ns();
    let first = FIRST_AT_NS.load(Ordering::SeqCst);
    if first != 0 && now.saturating_sub(first) < SAME_REQUEST.as_nanos() as u64 {
        return; // the same request, delivered twice
    }
    FIRST_AT_NS
        .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst)
        .ok();
    if RECEIVED.swap(signal, Ordering::SeqCst) != 0 {
        // A second stop signal means "now". First what we created goes (an export's
        // temporary file), by async-signal-safe calls only. Then back to the default action;
        // the signal is blocked while its handler runs, so raising it again leaves it pending,
        // and it kills us as this handler returns. Both calls are async-signal-safe.
        super::cleanup::remove_files_from_handler();
        // SAFETY: see above; no memory is touched.
        unsafe {
            nix::libc::signal(signal, nix::libc::SIG_DFL);
            nix::libc::raise(signal);
        }
    }
}

/// The single-threaded variant, for `bench`: a plain handler, still without `SA_RESTART`, so
/// blocked calls return `EINTR`. A second thread would make every glibc system-call wrapper
/// take its thread-cancellation path, which measured 0.2 µs of a 1 µs busy-poll round trip.
/// The bench never blocks in `open(2)`, so it does not need the kicking thread.
pub fn install_without_thread() -> Result<(), SysError> {
    child_signal_default()?;
    let stop = SigAction::new(
        SigHandler::Handler(record_stop),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for signal in STOP_SIGNALS {
        if !inherited_ignored(signal) {
            // SAFETY: the handler does an atomic swap, and on a second signal lstat/unlink of
            // registered files (no allocation, try_lock only) and signal/raise: all
            // async-signal-safe.
            unsafe { sigaction(signal, &stop) }.doing(Doing::InstallingSignals)?;
        }
    }
    Ok(())
}

extern "C" fn child_exited(_: nix::libc::c_int) {}

/// A no-op SIGCHLD handler without `SA_RESTART`: a child's death then interrupts a blocked
/// call with `EINTR` (SIGCHLD is ignored by default, which interrupts nothing), so a parent
/// waiting where no end of file can come (an eventfd, a futex) looks whether its child is
/// still there.
pub fn interrupt_on_child_exit() -> Result<(), SysError> {
    let action = SigAction::new(
        SigHandler::Handler(child_exited),
        SaFlags::SA_NOCLDSTOP,
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing, which is async-signal-safe.
    unsafe { sigaction(Signal::SIGCHLD, &action) }.doing(Doing::InstallingSignals)?;
    Ok(())
}

/// The stop signal received so far, if any (any thread may ask).
pub fn received() -> Option<Signal> {
    Signal::try_from(RECEIVED.load(Ordering::SeqCst)).ok()
}

/// As [`received`], or a stop signal already sent to us that the signal thread has not taken
/// yet: when a Ctrl-C reaches a whole process group, a forked son may die of it and its end of
/// file reach the father before the father's signal thread wakes up.
pub fn received_or_pending() -> Option<Signal> {
    received().or_else(|| {
        let mut set = std::mem::MaybeUninit::<nix::libc::sigset_t>::zeroed();
        // SAFETY: sigpending(2) fills the set we own; zeroed memory is a valid empty set.
        if unsafe { nix::libc::sigpending(set.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: filled above (or still the zeroed, empty set).
        let set = unsafe { set.assume_init() };
        STOP_SIGNALS.into_iter().find(|s| {
            // SAFETY: sigismember only reads the set.
            unsafe { nix::libc::sigismember(&set, *s as i32) == 1 }
        })
    })
}

/// For the main thread: fails with [`Stopped`] once a stop signal has arrived (and stops the
/// kicking, since the main thread now knows).
pub fn check() -> Result<(), Stopped> {
    match received() {
        Some(signal) => {
            NOTICED.store(true, Ordering::SeqCst);
            Err(Stopped(signal))
        }
        None => Ok(()),
    }
}

/// Sleeps for `duration`, waking early (with [`Stopped`]) when a stop signal arrives.
pub fn sleep(duration: Duration) -> Result<(), Stopped> {
    sleep_unless(duration, None).map(|_| ())
}

/// Sleeps for `duration`; false as soon as `done` is set, [`Stopped`] on a stop signal.
pub fn sleep_unless(duration: Duration, done: Option<&AtomicBool>) -> Result<bool, Stopped> {
    let deadline = Instant::now().checked_add(duration);
    loop {
        if received().is_some() {
            return check().map(|()| false);
        }
        if done.is_some_and(|d| d.load(Ordering::SeqCst)) {
            return Ok(false);
        }
        let left = deadline.map_or(KICK_EVERY, |d| d.saturating_duration_since(Instant::now()));
        if left.is_zero() {
            return Ok(true);
        }
        // Short slices keep Ctrl-C prompt even in a thread the kick does not reach.
        thread::sleep(left.min(KICK_EVERY));
    }
}

/// Ends the process by `signal`, as if we had never caught it: shells then see "killed by
/// SIGINT" (status 130 in `$?`) and stop a loop, where a plain `exit(130)` would let it go on.
/// SIGQUIT would dump core by default; a stop we asked for is not a crash, so we say we are not
/// dumpable first.
pub fn die_by(signal: Signal) -> ! {
    NOTICED.store(true, Ordering::SeqCst);
    #[cfg(target_os = "linux")]
    if signal == Signal::SIGQUIT {
        // SAFETY: PR_SET_DUMPABLE with 0 only marks this process as not to be dumped.
        unsafe { nix::libc::prctl(nix::libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    }
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: the default disposition installs no code.
    let _ = unsafe { sigaction(signal, &default) };
    let mut only = SigSet::empty();
    only.add(signal);
    // Our stop signals are blocked in every thread: unblocked here, the raise is delivered
    // here, at once, and kills the whole process.
    let _ = only.thread_unblock();
    let _ = nix::sys::signal::raise(signal);
    // Not reached; if it were, say it the way a shell would.
    std::process::exit(128 + signal as i32)
}

extern "C" fn quit_without_core(signal: nix::libc::c_int) {
    // SAFETY: prctl(2), signal(2) and raise(3) are plain system calls, async-signal-safe; the
    // signal is blocked while this runs, so it is delivered, by default, as we return.
    unsafe {
        #[cfg(target_os = "linux")]
        nix::libc::prctl(nix::libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        nix::libc::signal(signal, nix::libc::SIG_DFL);
        nix::libc::raise(signal);
    }
}

/// In a child made by `fork(2)`: the default, deadly stop signals (except those the parent of
/// us all left ignored), so Ctrl-C in the terminal ends the child too (it has no signal thread
/// of its own). SIGQUIT (Ctrl-\) kills it too, but without the core dump of a crash.
pub fn restore_defaults_in_child() -> Result<(), SysError> {
    let set = stop_set();
    for signal in set.iter() {
        let action = if signal == Signal::SIGQUIT {
            SigHandler::Handler(quit_without_core)
        } else {
            SigHandler::SigDfl
        };
        let action = SigAction::new(action, SaFlags::empty(), SigSet::empty());
        // SAFETY: the default disposition installs no code; quit_without_core is
        // async-signal-safe (see there).
        unsafe { sigaction(signal, &action) }.doing(Doing::InstallingSignals)?;
    }
    set.thread_unblock().doing(Doing::InstallingSignals)
}

/// Repeats a system call that a signal interrupted (`EINTR`), for calls that must finish even
/// while we stop, such as reaping a child with `waitpid(2)`.
pub fn restarting<T>(mut call: impl FnMut() -> nix::Result<T>) -> nix::Result<T> {
    loop {
        match call() {
            Err(nix::errno::Errno::EINTR) => continue,
            other => return other,
        }
    }
}
