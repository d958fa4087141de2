//! Ctrl-C (SIGINT) and SIGTERM that end a demo even while it is blocked in `open(2)`,
//! `read(2)`, `accept(2)` or a sleep.
//!
//! A handler installed with `SA_RESTART` (what the `ctrlc` crate does) makes the kernel restart
//! the interrupted call, so a father blocked in `open()` on a FIFO would wait for a son forever.
//! Instead, SIGINT and SIGTERM are blocked in every thread and taken by one thread in
//! `sigwait(2)`. That thread records the signal and then *kicks* the main thread with SIGUSR1,
//! whose no-op handler has no `SA_RESTART`: the blocked call fails with `EINTR` and the main
//! loop sees [`check`] fail. The kick repeats until the main thread has noticed, which closes the
//! race where the signal lands just before the main thread enters a blocking call.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::{Context, Doing, SysError};
use nix::sys::pthread::{pthread_kill, pthread_self};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

/// The signal that asked us to stop, or 0.
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// Set once the main thread has seen [`RECEIVED`]; the kicking stops.
static NOTICED: AtomicBool = AtomicBool::new(false);

const KICK_EVERY: Duration = Duration::from_millis(50);

/// A stop signal arrived: the run ends, cleans up, and says what it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped(pub Signal);

extern "C" fn kick_handler(_: nix::libc::c_int) {}

fn stop_signals() -> SigSet {
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    set
}

/// Call once, from the main thread, before any other thread or child exists.
pub fn install() -> Result<(), SysError> {
    let kick = SigAction::new(
        SigHandler::Handler(kick_handler),
        SaFlags::empty(), // no SA_RESTART: the point is to make blocked calls return EINTR
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing, which is async-signal-safe.
    unsafe { sigaction(Signal::SIGUSR1, &kick) }.doing(Doing::InstallingSignals)?;
    let set = stop_signals();
    // Threads spawned later inherit this mask, so only the waiter below ever takes the signal.
    set.thread_block().doing(Doing::InstallingSignals)?;
    let main_thread = pthread_self();
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || wait_and_kick(set, main_thread))
        .doing(Doing::StartingThread)?;
    Ok(())
}

fn wait_and_kick(set: SigSet, main_thread: nix::sys::pthread::Pthread) {
    loop {
        let Ok(signal) = set.wait() else { continue };
        if RECEIVED.swap(signal as i32, Ordering::SeqCst) != 0 {
            // A second Ctrl-C while we clean up: the user insists.
            std::process::exit(128 + signal as i32);
        }
        while !NOTICED.load(Ordering::SeqCst) {
            if pthread_kill(main_thread, Signal::SIGUSR1).is_err() {
                break;
            }
            thread::sleep(KICK_EVERY);
        }
    }
}

extern "C" fn record_stop(signal: nix::libc::c_int) {
    if RECEIVED.swap(signal, Ordering::SeqCst) != 0 {
        // SAFETY: _exit(2) is async-signal-safe; a second Ctrl-C means "now".
        unsafe { nix::libc::_exit(128 + signal) };
    }
}

/// The single-threaded variant, for `bench`: a plain handler, still without `SA_RESTART`, so
/// blocked calls return `EINTR`. A second thread would make every glibc system-call wrapper
/// take its thread-cancellation path, which measured 0.2 µs of a 1 µs busy-poll round trip.
/// The bench never blocks in `open(2)`, so it does not need the kicking thread.
pub fn install_without_thread() -> Result<(), SysError> {
    let stop = SigAction::new(
        SigHandler::Handler(record_stop),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only does an atomic swap (and _exit), both async-signal-safe.
        unsafe { sigaction(signal, &stop) }.doing(Doing::InstallingSignals)?;
    }
    Ok(())
}

/// The stop signal received so far, if any (any thread may ask).
pub fn received() -> Option<Signal> {
    Signal::try_from(RECEIVED.load(Ordering::SeqCst)).ok()
}

/// For the main thread's loops: fails with [`Stopped`] once a stop signal has arrived.
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
        if let Some(signal) = received() {
            return Err(Stopped(signal));
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

/// In a child made by `fork(2)`: the default, deadly SIGINT/SIGTERM, so Ctrl-C in the
/// terminal ends the child too (it has no signal thread of its own).
pub fn restore_defaults_in_child() -> Result<(), SysError> {
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
        // SAFETY: restoring the default disposition installs no code.
        unsafe { sigaction(signal, &default) }.doing(Doing::InstallingSignals)?;
    }
    stop_signals()
        .thread_unblock()
        .doing(Doing::InstallingSignals)
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
