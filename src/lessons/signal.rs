//! Signals (lesson 8 of the map): the IPC that carries one bit. A son sends `--count` signals as
//! fast as it can (`kill(2)`, or `sigqueue(3)` with `--realtime`) and the father counts what
//! arrives. The default signal is SIGUSR2: ipcdemo keeps SIGUSR1 for itself, to wake its main
//! thread out of a blocked call when Ctrl-C comes (see `sys::signals`).
//!
//! The guarantees on show (`signal(7)`): a pending standard signal is a bit in the pending set,
//! not a counter. A SIGUSR2 sent while one is already pending is merged into it: the kernel
//! says `kill(2)` succeeded, and nothing more arrives. Realtime signals (SIGRTMIN..SIGRTMAX)
//! queue instead: each `sigqueue(3)` arrives once, in the order sent, carrying its value, up to
//! `RLIMIT_SIGPENDING` signals pending for the receiver's real user (all its processes
//! together); past it `sigqueue(3)` fails with `EAGAIN`.
//!
//! How the father receives: the signal is blocked in every thread from the start
//! (`signals::install_blocking`), so it is never delivered to a default action (death for
//! SIGUSR2 and the realtime signals), and the main thread takes it with `sigtimedwait(2)`, in
//! 50 ms slices so a stop is seen. A blocked signal that arrives is made pending; taking it
//! clears it. So merging shows honestly: by default the father takes each signal as it comes
//! and prints it, and whatever the son sends while the father prints merges, a random number
//! each run. With `--blocked` the father takes nothing until the son has sent all N and exited
//! (SIGCHLD, also blocked and taken), then takes what is pending, as unblocking would
//! deliver it: exactly one SIGUSR2 of N, and every realtime one. A handler would see the same
//! pending bit; `sigtimedwait(2)` just takes it without interrupting anything.
//!
//! `--son PID` signals a father in another terminal, as `kill -USR2 PID` would; since a wrong
//! target dies by the default action, the son first checks `/proc/PID/cmdline` (an `ipcdemo
//! signal` father) and `/proc/PID/status` (the signal blocked or caught: a father gives it a
//! handler that does nothing, since while it waits in `sigtimedwait(2)` the kernel shows the
//! signal unblocked; taken there, the signal never runs the handler), and sends through a
//! pidfd (`pidfd_send_signal(2)`, with the siginfo `sigqueue(3)` builds), so a PID reused after
//! the check is never hit. `--ping-pong` sends one realtime signal each way, synchronously
//! (blocked, `sigtimedwait(2)`, no handler), and `--alarm` is Lutz's `signal2.py`: `alarm(2)`
//! then a pause until SIGALRM's handler runs (`sigsuspend(2)`: `pause(2)` without its race).
//!
//! How it blocks: a father waiting for signals nobody sends waits for ever (until Ctrl-C). A
//! father that takes realtime signals as they come prints each, so its son runs ahead; the
//! father caps its `RLIMIT_SIGPENDING` at 1024 so the backlog cannot fill the queue every
//! process of the user shares, and a son that finds it full (`EAGAIN`) waits a millisecond for
//! room and tries again, and says how often.

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getuid, pipe, read, write};

use crate::event::{
    AlarmReport, Error, Event, Note, Outcome, PingPongReport, ProcessEnd, Result, Role,
    SignalReport, Sink, Summary, Why,
};
use crate::sys::sigqueue::{self, Disposition, Pidfd, SigNo, Taken, set_of, take};
use crate::sys::{Context, Doing, signals};

/// Signals a son sends, and round trips, unless `--count` says otherwise.
pub const DEFAULT_COUNT: u64 = 1000;

/// Senders whose values a father checks for order.
const MAX_SENDERS: usize = 1024;

/// The longest single wait before looking for a stop again.
const SLICE: Duration = Duration::from_millis(50);

/// What this run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// A father and the son it forks.
    Both,
    /// Only a father: sons come from other terminals.
    Father,
    /// Only a son, signalling the father with this pid.
    Son(i32),
    /// Round trips with a forked son, one realtime signal each way.
    PingPong,
    /// `alarm(2)` for this many seconds, then a pause.
    Alarm(u32),
}

/// What `ipcdemo signal` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    pub act: Act,
    /// Signals to send, or round trips; for a father on its own, signals to receive before
    /// ending. `None`: [`DEFAULT_COUNT`], or until stopped for a father on its own.
    pub count: Option<u64>,
    /// SIGRTMIN+1 with `sigqueue(3)` instead of SIGUSR2 with `kill(2)`.
    pub realtime: bool,
    /// The father takes nothing until its son is done.
    pub held: bool,
    /// Set the father's `RLIMIT_SIGPENDING` to this first.
    pub queue_limit: Option<u64>,
    /// Report the son's sends too.
    pub show_son: bool,
}

impl Config {
    /// The signal this run sends and takes.
    pub fn signal(&self) -> SigNo {
        if self.realtime || self.act == Act::PingPong {
            SigNo::realtime(1)
        } else {
            SigNo::from(Signal::SIGUSR2)
        }
    }
}

/// What must be blocked in every thread before any thread or son exists: the signals this run
/// takes with `sigtimedwait(2)` (or, for the alarm, only in `sigsuspend(2)`).
pub fn must_block(config: &Config) -> SigSet {
    let child_ended = SigNo::from(Signal::SIGCHLD);
    match config.act {
        Act::Both | Act::PingPong => set_of(&[config.signal(), child_ended]),
        Act::Father => set_of(&[config.signal()]),
        Act::Son(_) => SigSet::empty(),
        Act::Alarm(_) => set_of(&[SigNo::from(Signal::SIGALRM)]),
    }
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    match config.act {
        Act::Both => father_and_son(config, sink),
        Act::Father => father_alone(config, sink),
        Act::Son(pid) => son_alone(config, pid, sink),
        Act::PingPong => ping_pong(config, sink),
        Act::Alarm(seconds) => alarm(seconds, sink),
    }
}

/// The guarantees each summary ends by explaining.
fn whys(config: &Config) -> Vec<Why> {
    let mut whys = vec![if config.signal().is_realtime() {
        Why::SignalsQueue
    } else {
        Why::SignalsMerge
    }];
    whys.extend(config.queue_limit.map(Why::QueueLimit));
    whys
}

fn father_report(config: &Config) -> SignalReport {
    SignalReport {
        role: Role::Father,
        signal: config.signal(),
        realtime: config.signal().is_realtime(),
        held: config.held,
        target: None,
        sent: None,
        refused: 0,
        queue_full_after: None,
        waits: 0,
        received: Some(0),
        merged: None,
        out_of_order: 0,
        queue_limit: config.queue_limit,
        why: whys(config),
    }
}

/// What the father takes: counted, checked for order, and shown.
struct Tally {
    pid: i32,
    received: u64,
    out_of_order: u64,
    /// The last value from each sender.
    last: HashMap<i32, i32>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            pid: getpid().as_raw(),
            received: 0,
            out_of_order: 0,
            last: HashMap::new(),
        }
    }

    fn record(&mut self, taken: Taken, sink: &dyn Sink) -> Result<()> {
        self.received += 1;
        // Anyone may queue us a value, and name any sender (`rt_sigqueueinfo(2)`): order is
        // followed for the first senders only, so a flood cannot grow the map without end.
        if let Some(value) = taken.value
            && (self.last.len() < MAX_SENDERS || self.last.contains_key(&taken.pid))
        {
            if self.last.get(&taken.pid).is_some_and(|&last| value <= last) {
                self.out_of_order += 1;
            }
            self.last.insert(taken.pid, value);
        }
        let event = Event::SignalReceived {
            signal: taken.signal,
            sender: taken.pid,
            value: taken.value,
        };
        sink.event_now(Role::Father, self.pid, event)
    }

    /// Takes every `signal` pending now, without waiting.
    fn drain(&mut self, signal: SigNo, sink: &dyn Sink) -> Result<()> {
        let only = set_of(&[signal]);
        loop {
            match take(&only, Some(Duration::ZERO)) {
                Ok(Some(taken)) => self.record(taken, sink)?,
                Ok(None) => return Ok(()),
                Err(Errno::EINTR) => signals::check()?,
                Err(e) => return Err(Error::call(Doing::WaitingForSignal, e)),
            }
        }
    }

    fn into_report(self, report: &mut SignalReport) {
        report.received = Some(self.received);
        report.out_of_order = self.out_of_order;
    }
}

/// What a son did: the kernel's answers to its calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sends {
    sent: u64,
    refused: u64,
    /// `sent` when the first refusal came.
    sent_at_first_refusal: u64,
    waits: u64,
}

impl Sends {
    const BYTES: usize = 32;

    fn full_after(self) -> Option<u64> {
        (self.refused > 0).then_some(self.sent_at_first_refusal)
    }

    fn to_bytes(self) -> [u8; Self::BYTES] {
        let mut bytes = [0u8; Self::BYTES];
        let words = [
            self.sent,
            self.refused,
            self.sent_at_first_refusal,
            self.waits,
        ];
        for (chunk, n) in bytes.chunks_mut(8).zip(words) {
            chunk.copy_from_slice(&n.to_le_bytes());
        }
        bytes
    }

    fn from_bytes(bytes: &[u8; Self::BYTES]) -> Sends {
        let n = |i: usize| {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            u64::from_le_bytes(word)
        };
        Sends {
            sent: n(0),
            refused: n(1),
            sent_at_first_refusal: n(2),
            waits: n(3),
        }
    }
}

/// Where a son's signals go.
enum Target {
    /// Its father, by pid: a forked son's father cannot be replaced while the son lives (the
    /// son dies with it, PR_SET_PDEATHSIG).
    Parent(Pid),
    /// A father found by pid and held by a pidfd.
    Held(Pidfd),
}

impl Target {
    fn pid(&self) -> i32 {
        match self {
            Target::Parent(pid) => pid.as_raw(),
            Target::Held(pidfd) => pidfd.pid().as_raw(),
        }
    }

    fn send(&self, signal: SigNo, value: Option<i32>) -> nix::Result<()> {
        match (self, value) {
            (Target::Parent(pid), None) => sigqueue::kill(*pid, signal),
            (Target::Parent(pid), Some(value)) => sigqueue::queue(*pid, signal, value),
            (Target::Held(pidfd), value) => pidfd.send(signal, value),
        }
    }
}

/// The son's loop: `count` signals, as fast as the kernel takes them. Realtime ones carry
/// their sequence number. While the father holds them, a refused one (`EAGAIN`) is counted and
/// the next is tried; while it takes them, the son waits for room and tries the same again.
fn send_all(
    target: &Target,
    signal: SigNo,
    count: u64,
    held: bool,
    show: bool,
    sends: &mut Sends,
    sink: &dyn Sink,
) -> Result<()> {
    let pid = getpid().as_raw();
    let to = target.pid();
    for sequence in 0..count {
        signals::check()?;
        // --count is at most 10^9: the number fits the value's int.
        let value = signal.is_realtime().then_some(sequence as i32);
        if show {
            sink.event_now(
                Role::Son,
                pid,
                Event::SignalSent {
                    signal,
                    target: to,
                    value,
                },
            )?;
        }
        loop {
            match target.send(signal, value) {
                Ok(()) => {
                    sends.sent += 1;
                    break;
                }
                Err(Errno::EAGAIN) if held => {
                    if sends.refused == 0 {
                        sends.sent_at_first_refusal = sends.sent;
                    }
                    sends.refused += 1;
                    if sends.refused == 1 || show {
                        let value = value.unwrap_or(0);
                        let event = Event::SignalRefused {
                            signal,
                            target: to,
                            value,
                        };
                        sink.event_now(Role::Son, pid, event)?;
                    }
                    break;
                }
                Err(Errno::EAGAIN) => {
                    sends.waits += 1;
                    signals::sleep(Duration::from_millis(1))?;
                }
                Err(Errno::EINTR) => signals::check()?,
                Err(Errno::ESRCH) => {
                    return Err(Error::FatherGone {
                        pid: to,
                        sent: sends.sent,
                    });
                }
                Err(Errno::EPERM) => return Err(Error::SignalNotPermitted { pid: to, signal }),
                Err(e) => return Err(Error::call(Doing::SendingSignal, e)),
            }
        }
    }
    Ok(())
}

/// At most this many realtime signals taken as they come may wait for the father (who prints
/// each, so is slower than the son): past it the son waits for room, rather than fill the queue
/// every process of the user shares (`RLIMIT_SIGPENDING`, 96365 here).
const LIVE_BACKLOG: u64 = 1024;

/// The father's `RLIMIT_SIGPENDING`: `--queue-limit`, or the cap of a live realtime run.
fn set_queue_limit(config: &Config, sink: &dyn Sink) -> Result<()> {
    match config.queue_limit {
        Some(limit) => limit_queue(limit, sink),
        None if config.signal().is_realtime() && !config.held => {
            let (soft, _) = sigqueue::pending_limit()?;
            if soft > LIVE_BACKLOG {
                sigqueue::set_pending_limit(LIVE_BACKLOG)?;
                sink.note(&Note::BacklogCapped {
                    limit: LIVE_BACKLOG,
                    uid: getuid().as_raw(),
                });
            }
            Ok(())
        }
        None => Ok(()),
    }
}

fn limit_queue(limit: u64, sink: &dyn Sink) -> Result<()> {
    let (_, hard) = sigqueue::pending_limit()?;
    if limit > hard {
        return Err(Error::QueueLimitTooHigh { asked: limit, hard });
    }
    sigqueue::set_pending_limit(limit)?;
    sink.note(&Note::QueueLimitSet {
        limit,
        uid: getuid().as_raw(),
    });
    Ok(())
}

/// Forks a son that runs `job` and exits with its verdict; returns the son's pid.
fn fork_son(sink: &dyn Sink, father: Pid, job: impl FnOnce() -> Result<()>) -> Result<Pid> {
    // SAFETY: the only other thread is the signal thread, parked in sigtimedwait(2) holding no
    // lock, so the child may allocate and print (as anon's forked son does).
    match unsafe { fork() }.doing(Doing::ForkingSon)? {
        ForkResult::Child => {
            let code = match son_setup(father).and_then(|alive| if alive { job() } else { Ok(()) })
            {
                Ok(()) | Err(Error::StdoutClosed) => 0,
                // The father is stopping and ends us: its story, not ours.
                Err(Error::FatherGone { .. }) => 1,
                Err(error) => {
                    let pid = getpid().as_raw();
                    sink.note(&Note::SonFailed { pid, error: &error });
                    1
                }
            };
            // Not returning: the rest of `run` belongs to the father.
            std::process::exit(code)
        }
        ForkResult::Parent { child } => Ok(child),
    }
}

/// In a forked son: the default stop signals, and death with the father. False when the
/// father is already gone.
fn son_setup(father: Pid) -> Result<bool> {
    signals::restore_defaults_in_child()?;
    #[cfg(target_os = "linux")]
    {
        // If the father dies without a word (kill -9), take us with it.
        nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).doing(Doing::SettingParentDeathSignal)?;
    }
    Ok(nix::unistd::getppid() == father)
}

/// Ends a son that is still running and reaps it; how it ended. SIGKILL, since a son someone
/// stopped (SIGSTOP) would keep a SIGTERM pending and the wait would never end; it holds
/// nothing that needs cleaning up.
fn end_son(son: Pid) -> Result<WaitStatus> {
    let _ = nix::sys::signal::kill(son, Signal::SIGKILL);
    Ok(signals::restarting(|| waitpid(son, None)).doing(Doing::WaitingForSon)?)
}

/// A son's end as an error, unless it ended well; a stop that reached us too is the cause.
fn son_verdict(status: WaitStatus) -> Result<()> {
    signals::check()?;
    match status {
        WaitStatus::Exited(_, 0) => Ok(()),
        WaitStatus::Exited(_, code) => Err(Error::SonProcess(ProcessEnd::Exited(code))),
        // A son killed by the Ctrl-C that reached us too: the report sees our stop pending
        // (signals::received_or_pending) and ends the run by it.
        WaitStatus::Signaled(_, signal, _) => Err(Error::SonProcess(ProcessEnd::Signaled(signal))),
        _ => Err(Error::SonProcess(ProcessEnd::Other)),
    }
}

/// Waits (taking `signal` too, unless held) until the son has exited; its status.
fn wait_for_son(
    son: Pid,
    signal: SigNo,
    held: bool,
    tally: &mut Tally,
    sink: &dyn Sink,
) -> Result<WaitStatus> {
    let child_ended = SigNo::from(Signal::SIGCHLD);
    let set = if held {
        set_of(&[child_ended])
    } else {
        set_of(&[signal, child_ended])
    };
    loop {
        signals::check()?;
        let taken = match take(&set, Some(SLICE)) {
            Ok(taken) => taken,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::WaitingForSignal, e)),
        };
        match taken {
            Some(taken) if taken.signal == signal => tally.record(taken, sink)?,
            // SIGCHLD, or a quiet slice: has the son ended? (It may only have stopped.)
            _ => match waitpid(son, Some(WaitPidFlag::WNOHANG)).doing(Doing::WaitingForSon)? {
                WaitStatus::StillAlive => {}
                status => return Ok(status),
            },
        }
    }
}

fn father_and_son(config: &Config, sink: &dyn Sink) -> Outcome {
    let signal = config.signal();
    let count = config.count.unwrap_or(DEFAULT_COUNT);
    let mut report = father_report(config);
    if let Err(e) = set_queue_limit(config, sink) {
        return Outcome::new(Vec::new(), Err(e));
    }
    let (from_son, to_father) = match pipe().doing(Doing::CreatingPipe) {
        Ok(ends) => ends,
        Err(e) => return Outcome::new(Vec::new(), Err(e.into())),
    };
    if let Err(e) = sigqueue::catch_harmlessly(signal) {
        return Outcome::new(Vec::new(), Err(e.into()));
    }
    if config.held {
        sink.note(&Note::SignalHeld { signal, count });
    }
    let father = getpid();
    // The son keeps its copy of the read end: it writes its 32 bytes once and exits.
    let son = fork_son(sink, father, || {
        let mut sends = Sends::default();
        let target = Target::Parent(father);
        let (held, show) = (config.held, config.show_son);
        send_all(&target, signal, count, held, show, &mut sends, sink)?;
        // One write of 32 bytes, far below PIPE_BUF: it lands whole. A father gone is not
        // ours to report.
        let _ = write(&to_father, &sends.to_bytes());
        Ok(())
    });
    let son = match son {
        Ok(son) => son,
        Err(e) => return Outcome::new(Vec::new(), Err(e)),
    };
    drop(to_father);
    let mut tally = Tally::new();
    let waited = wait_for_son(son, signal, config.held, &mut tally, sink);
    let end = match waited {
        Ok(status) => son_verdict(status).and_then(|()| {
            let sends = read_sends(&from_son);
            if config.held {
                sink.note(&Note::SignalSonDone { son: son.as_raw() });
            }
            tally.drain(signal, sink)?;
            if let Some(sends) = sends {
                // Refused without --queue-limit: the limit the user already had (`ulimit -i`).
                if sends.refused > 0
                    && config.queue_limit.is_none()
                    && let Ok((soft, _)) = sigqueue::pending_limit()
                {
                    report.why.push(Why::QueueLimit(soft));
                }
                report.sent = Some(sends.sent);
                report.refused = sends.refused;
                report.queue_full_after = sends.full_after();
                report.waits = sends.waits;
                report.merged = Some(sends.sent.saturating_sub(tally.received));
            }
            Ok(())
        }),
        Err(e) => {
            // Stopped, or the father failed: the son must not outlive the run.
            let _ = end_son(son);
            Err(e)
        }
    };
    tally.into_report(&mut report);
    Outcome::new(vec![Summary::Signals(report)], end)
}

/// The son's counts, written just before it exited (none if it failed first).
fn read_sends(from_son: &OwnedFd) -> Option<Sends> {
    let mut bytes = [0u8; Sends::BYTES];
    match signals::restarting(|| read(from_son, &mut bytes)) {
        Ok(n) if n == Sends::BYTES => Some(Sends::from_bytes(&bytes)),
        _ => None,
    }
}

fn father_alone(config: &Config, sink: &dyn Sink) -> Outcome {
    let signal = config.signal();
    let mut report = father_report(config);
    let mut tally = Tally::new();
    if let Err(e) = sigqueue::catch_harmlessly(signal) {
        return Outcome::new(Vec::new(), Err(e.into()));
    }
    if let Err(e) = set_queue_limit(config, sink) {
        return Outcome::new(Vec::new(), Err(e));
    }
    sink.note(&Note::SignalFatherWaiting {
        pid: tally.pid,
        signal,
        realtime: signal.is_realtime(),
    });
    let only = set_of(&[signal]);
    let end = loop {
        if config.count.is_some_and(|n| tally.received >= n) {
            break Ok(());
        }
        if let Err(stop) = signals::check() {
            break Err(stop.into());
        }
        match take(&only, Some(SLICE)) {
            Ok(Some(taken)) => {
                if let Err(e) = tally.record(taken, sink) {
                    break Err(e);
                }
            }
            Ok(None) | Err(Errno::EINTR) => {}
            Err(e) => break Err(Error::call(Doing::WaitingForSignal, e)),
        }
    };
    tally.into_report(&mut report);
    Outcome::new(vec![Summary::Signals(report)], end)
}

fn son_alone(config: &Config, pid: i32, sink: &dyn Sink) -> Outcome {
    let signal = config.signal();
    let target = match find_father(pid, signal) {
        Ok(pidfd) => Target::Held(pidfd),
        Err(e) => return Outcome::from(Err(e)),
    };
    let mut sends = Sends::default();
    let count = config.count.unwrap_or(DEFAULT_COUNT);
    let end = send_all(
        &target,
        signal,
        count,
        false,
        config.show_son,
        &mut sends,
        sink,
    );
    let report = SignalReport {
        role: Role::Son,
        signal,
        realtime: signal.is_realtime(),
        held: false,
        target: Some(pid),
        sent: Some(sends.sent),
        refused: sends.refused,
        queue_full_after: sends.full_after(),
        waits: sends.waits,
        received: None,
        merged: None,
        out_of_order: 0,
        queue_limit: None,
        why: Vec::new(),
    };
    Outcome::new(vec![Summary::Signals(report)], end)
}

/// Holds the process `pid` by a pidfd, then checks it is an `ipcdemo signal` father that will
/// survive `signal` (blocked or caught), and that we may signal it. The pidfd comes first: if
/// the process it holds is still alive after the checks, /proc/PID was that process.
fn find_father(pid: i32, signal: SigNo) -> Result<Pidfd> {
    let gone = |e: Errno, doing: Doing| match e {
        Errno::ESRCH | Errno::ENOENT => Error::NoSuchProcess(pid),
        Errno::EPERM => Error::SignalNotPermitted { pid, signal },
        e => Error::call(doing, e),
    };
    let pidfd = Pidfd::open(Pid::from_raw(pid)).map_err(|e| {
        // A thread's id is no process's: pidfd_open(2) refuses it (ENOENT, EINVAL or ESRCH,
        // by kernel), while /proc still shows the thread.
        match sigqueue::process_of(Pid::from_raw(pid)) {
            Some(process) if process != pid => Error::ThreadNotProcess { tid: pid, process },
            _ => gone(e, Doing::OpeningPidfd),
        }
    })?;
    let view = sigqueue::look_at(Pid::from_raw(pid)).map_err(|e| match e.errno() {
        Some(Errno::ENOENT | Errno::ESRCH) => Error::NoSuchProcess(pid),
        _ => Error::from(e),
    })?;
    if !is_signal_father(&view.cmdline, view.same_program) {
        return Err(Error::NotASignalFather {
            pid,
            cmdline: shown_cmdline(&view.cmdline),
        });
    }
    match view.disposition(signal) {
        Disposition::Blocked | Disposition::Caught => {}
        Disposition::Ignored | Disposition::Default => {
            return Err(Error::WouldKill {
                pid,
                signal,
                ignored: view.disposition(signal) == Disposition::Ignored,
            });
        }
    }
    pidfd.probe().map_err(|e| gone(e, Doing::SendingSignal))?;
    Ok(pidfd)
}

/// `ipcdemo signal`, as a father: not a son, nor a ping-pong or an alarm (which take other
/// signals, or none from outside).
fn is_signal_father(cmdline: &[String], same_program: bool) -> bool {
    let Some((program, args)) = cmdline.split_first() else {
        return false;
    };
    let ours = same_program
        || Path::new(program)
            .file_name()
            .is_some_and(|n| n == "ipcdemo");
    ours && args.iter().any(|a| a == "signal")
        && !args.iter().any(|a| {
            ["--son", "--ping-pong", "--alarm"]
                .iter()
                .any(|flag| a.starts_with(flag))
        })
}

/// A command line as a message may show it: control characters escaped, at most 120
/// characters.
fn shown_cmdline(cmdline: &[String]) -> String {
    let joined = cmdline.join(" ");
    let mut shown: String = joined
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .take(120)
        .collect();
    if joined.chars().count() > shown.chars().count() {
        shown.push('…');
    }
    shown
}

fn ping_pong(config: &Config, sink: &dyn Sink) -> Outcome {
    let signal = config.signal();
    let rounds = config.count.unwrap_or(DEFAULT_COUNT);
    let warmup = (rounds / 10).min(1000);
    let all_rounds = warmup + rounds;
    let father = getpid();
    let son = fork_son(sink, father, || echo(father, signal, all_rounds));
    let son = match son {
        Ok(son) => son,
        Err(e) => return Outcome::from(Err(e)),
    };
    let answers = set_of(&[signal, SigNo::from(Signal::SIGCHLD)]);
    let mut nanos: Vec<u64> = Vec::with_capacity(rounds as usize);
    let mut started = Instant::now();
    let mut timed_for = Duration::ZERO;
    let mut end = Ok(());
    for round in 0..all_rounds {
        if round == warmup {
            started = Instant::now();
        }
        let trip = (|| -> Result<Duration> {
            signals::check()?;
            // At most 10^9 + 1000 rounds: the number fits the value's int.
            let value = round as i32;
            let sent_at = Instant::now();
            // The son gone: the reaping below says how it ended.
            send_waiting(son, signal, value, Error::SonProcess(ProcessEnd::Other))?;
            let answer = answer(&answers, signal, son)?;
            let rtt = sent_at.elapsed();
            if answer != value {
                return Err(Error::RoundMismatch {
                    round,
                    got: i64::from(answer),
                });
            }
            Ok(rtt)
        })();
        match trip {
            Ok(rtt) if round >= warmup => nanos.push(rtt.as_nanos() as u64),
            Ok(_) => {}
            Err(e) => {
                end = Err(e);
                break;
            }
        }
        timed_for = started.elapsed();
    }
    let reaped = if end.is_ok() {
        signals::restarting(|| waitpid(son, None))
            .doing(Doing::WaitingForSon)
            .map_err(Error::from)
    } else {
        // A son waiting for a ping that will not come: end it.
        end_son(son)
    };
    end = match (end, reaped) {
        (Ok(()), Ok(status)) => son_verdict(status),
        // The son died mid-game (SIGCHLD came instead of an answer): say how.
        (Err(Error::SonProcess(ProcessEnd::Other)), Ok(status)) => match son_verdict(status) {
            Ok(()) => Err(Error::SonProcess(ProcessEnd::Other)),
            verdict => verdict,
        },
        (Ok(()), Err(e)) | (Err(e), _) => Err(e),
    };
    nanos.sort_unstable();
    let percentile = |p: usize| {
        (!nanos.is_empty())
            .then(|| nanos[(nanos.len() * p / 100).min(nanos.len() - 1)] as f64 / 1000.0)
    };
    let timed = nanos.len() as u64;
    let seconds = timed_for.as_secs_f64();
    let report = PingPongReport {
        signal,
        rounds: timed,
        rtt_median_us: percentile(50),
        rtt_p99_us: percentile(99),
        round_trips_per_second: (timed > 0 && seconds > 0.0).then(|| timed as f64 / seconds),
    };
    Outcome::new(vec![Summary::PingPong(report)], end)
}

/// Queues `value` to `to`, waiting for room when this user's queue is full.
/// `gone`: the error when `to` no longer exists (`ESRCH`).
fn send_waiting(to: Pid, signal: SigNo, value: i32, gone: Error) -> Result<()> {
    loop {
        match sigqueue::queue(to, signal, value) {
            Ok(()) => return Ok(()),
            Err(Errno::EAGAIN) => signals::sleep(Duration::from_millis(1))?,
            Err(Errno::EINTR) => signals::check()?,
            Err(Errno::ESRCH) => return Err(gone),
            Err(e) => return Err(Error::call(Doing::SendingSignal, e)),
        }
    }
}

/// The father's wait for the son's answer: its value, or an error when the son has died.
fn answer(set: &SigSet, signal: SigNo, son: Pid) -> Result<i32> {
    let only = set_of(&[signal]);
    loop {
        match take(set, Some(SLICE)) {
            Ok(Some(taken)) if taken.signal == signal && taken.pid == son.as_raw() => {
                return Ok(taken.value.unwrap_or(-1));
            }
            // From someone else: not part of the game.
            Ok(Some(taken)) if taken.signal == signal => {}
            // SIGCHLD, or a quiet slice. A son that answered and exited leaves both pending, and
            // sigtimedwait(2) gives the lower number, SIGCHLD, first: look for the answer.
            Ok(_) => {
                if let Ok(Some(taken)) = take(&only, Some(Duration::ZERO))
                    && taken.pid == son.as_raw()
                {
                    return Ok(taken.value.unwrap_or(-1));
                }
                if sigqueue::has_exited(son).doing(Doing::WaitingForSon)? {
                    return Err(Error::SonProcess(ProcessEnd::Other));
                }
                signals::check()?;
            }
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::WaitingForSignal, e)),
        }
    }
}

/// The ping-pong son: each ping from the father goes straight back with its number.
fn echo(father: Pid, signal: SigNo, rounds: u64) -> Result<()> {
    let pings = set_of(&[signal]);
    for _ in 0..rounds {
        let value = loop {
            match take(&pings, Some(SLICE)) {
                Ok(Some(taken)) if taken.pid == father.as_raw() => break taken.value.unwrap_or(-1),
                // Not from the father: not part of the game.
                Ok(Some(_)) | Ok(None) | Err(Errno::EINTR) => {}
                Err(e) => return Err(Error::call(Doing::WaitingForSignal, e)),
            }
        };
        let gone = Error::FatherGone {
            pid: father.as_raw(),
            sent: 0,
        };
        send_waiting(father, signal, value, gone)?;
    }
    Ok(())
}

/// Set by SIGALRM's handler.
static ALARM_RANG: AtomicBool = AtomicBool::new(false);

extern "C" fn alarm_rang(_: nix::libc::c_int) {
    ALARM_RANG.store(true, Ordering::SeqCst);
}

fn alarm(seconds: u32, sink: &dyn Sink) -> Outcome {
    let pid = getpid().as_raw();
    // No SA_RESTART: nothing here needs restarting, and the kick must still interrupt.
    let rang = SigAction::new(
        SigHandler::Handler(alarm_rang),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    if let Err(e) = unsafe { sigaction(Signal::SIGALRM, &rang) }.doing(Doing::InstallingSignals) {
        return Outcome::from(Err(e.into()));
    }
    // SIGALRM stays blocked except inside sigsuspend(2), which unblocks it and waits in one
    // step: pause(2) could miss an alarm that came just before it.
    let mut awake = match SigSet::thread_get_mask().doing(Doing::BlockingSignals) {
        Ok(mask) => mask,
        Err(e) => return Outcome::from(Err(e.into())),
    };
    awake.remove(Signal::SIGALRM);
    if let Err(e) = sink.event_now(Role::Father, pid, Event::AlarmSet { seconds }) {
        return Outcome::from(Err(e));
    }
    let started = Instant::now();
    nix::unistd::alarm::set(seconds);
    let mut end = loop {
        if ALARM_RANG.load(Ordering::SeqCst) {
            break Ok(());
        }
        if let Err(stop) = signals::check() {
            nix::unistd::alarm::cancel();
            break Err(Error::from(stop));
        }
        // Returns when a handler has run: SIGALRM's, or the kick of a stop.
        let _ = awake.suspend();
    };
    let waited_s = started.elapsed().as_secs_f64();
    let rang = end.is_ok();
    if rang {
        end = sink.event_now(Role::Father, pid, Event::AlarmRang { seconds, waited_s });
    }
    let report = AlarmReport {
        seconds,
        waited_s,
        rang,
    };
    Outcome::new(vec![Summary::Alarm(report)], end)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split(' ').map(String::from).collect()
    }

    #[test]
    fn only_a_signal_father_is_a_target() {
        assert!(is_signal_father(&args("ipcdemo signal --father"), false));
        assert!(is_signal_father(
            &args("/x/target/debug/ipcdemo --json signal --father --realtime"),
            false
        ));
        assert!(!is_signal_father(&args("sleep 30"), false));
        assert!(!is_signal_father(&args("ipcdemo signal --son 7"), false));
        assert!(!is_signal_father(&args("ipcdemo signal --son=7"), false));
        assert!(!is_signal_father(&args("ipcdemo signal --alarm 5"), false));
        assert!(!is_signal_father(&args("ipcdemo named"), false));
        assert!(is_signal_father(&args("renamed signal"), true));
        assert!(!is_signal_father(&[], true));
    }

    #[test]
    fn a_shown_command_line_is_short_and_escaped() {
        let long = vec!["x".repeat(300)];
        assert_eq!(shown_cmdline(&long).chars().count(), 121);
        assert_eq!(
            shown_cmdline(&["evil\x1b[2J".to_string()]),
            "evil\\u{1b}[2J"
        );
    }

    #[test]
    fn sends_cross_the_pipe_whole() {
        let sends = Sends {
            sent: 10,
            refused: 990,
            sent_at_first_refusal: 9,
            waits: 3,
        };
        assert_eq!(Sends::from_bytes(&sends.to_bytes()), sends);
    }
}
