//! Signals as a channel: signal numbers (the realtime ones exist only at run time, so `nix`'s
//! `Signal` cannot name them), sets that hold them, sending with `kill(2)` and `sigqueue(3)` or
//! through a pidfd, taking with `sigtimedwait(2)` (nix 0.32 has neither call), the per-user
//! queue limit (`RLIMIT_SIGPENDING`), and what `/proc` says about another process.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::Duration;

use nix::errno::Errno;
use nix::libc;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::unistd::Pid;
use serde::{Serialize, Serializer};

use super::{Context, Doing, SysError};

/// A signal number, standard or realtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SigNo(pub i32);

impl SigNo {
    /// `SIGRTMIN + k`. glibc keeps the kernel's first two realtime signals for its threads, so
    /// SIGRTMIN is a function (34 here), not a constant.
    pub fn realtime(k: i32) -> SigNo {
        SigNo(libc::SIGRTMIN() + k)
    }

    /// A realtime signal: queued, in order, with a value (`signal(7)`).
    pub fn is_realtime(self) -> bool {
        self.0 >= libc::SIGRTMIN() && self.0 <= libc::SIGRTMAX()
    }

    /// Its name as `kill -l` and the man pages write it: `SIGUSR2`, `SIGRTMIN+1`.
    pub fn name(self) -> String {
        if let Ok(signal) = Signal::try_from(self.0) {
            return signal.as_str().to_string();
        }
        let rtmin = libc::SIGRTMIN();
        match self.0 - rtmin {
            0 => "SIGRTMIN".to_string(),
            k if self.is_realtime() => format!("SIGRTMIN+{k}"),
            _ => format!("signal {}", self.0),
        }
    }

    /// The bit of this signal in a `/proc/PID/status` mask (signal 1 is bit 0).
    fn bit(self) -> u64 {
        match u32::try_from(self.0 - 1) {
            Ok(shift) if shift < 64 => 1 << shift,
            _ => 0,
        }
    }
}

impl From<Signal> for SigNo {
    fn from(signal: Signal) -> Self {
        SigNo(signal as i32)
    }
}

impl Serialize for SigNo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// A set of signals, realtime ones included.
pub fn set_of(signals: &[SigNo]) -> SigSet {
    let mut raw = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigemptyset initialises the set it is given; sigaddset only sets a bit in it (and
    // refuses an invalid number with EINVAL, which leaves the set as it was).
    unsafe {
        libc::sigemptyset(raw.as_mut_ptr());
        for signal in signals {
            libc::sigaddset(raw.as_mut_ptr(), signal.0);
        }
        SigSet::from_sigset_t_unchecked(raw.assume_init())
    }
}

/// A signal taken with `sigtimedwait(2)`: which, who sent it, and the value `sigqueue(3)`
/// carried (none for `kill(2)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub signal: SigNo,
    /// `si_pid`: the sender, as the kernel recorded it.
    pub pid: i32,
    /// `si_value.sival_int`, when the sender queued one (`si_code == SI_QUEUE`).
    pub value: Option<i32>,
}

/// `sigtimedwait(2)`: takes the next pending signal of `set` (which must be blocked), waiting
/// at most `timeout` (`None`: for ever; zero: only a look). `Ok(None)` when nothing came;
/// `Err(EINTR)` when a handler ran (the stop kick).
pub fn take(set: &SigSet, timeout: Option<Duration>) -> nix::Result<Option<Taken>> {
    let spec = timeout.map(|t| libc::timespec {
        tv_sec: libc::time_t::try_from(t.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: t.subsec_nanos().into(),
    });
    let mut info = std::mem::MaybeUninit::<libc::siginfo_t>::zeroed();
    let spec_ptr = spec
        .as_ref()
        .map_or(std::ptr::null(), |s| s as *const libc::timespec);
    // SAFETY: `set` is a valid set, `info` is ours and large enough, `spec_ptr` is null or
    // points at a timespec that outlives the call.
    let got = unsafe { libc::sigtimedwait(set.as_ref(), info.as_mut_ptr(), spec_ptr) };
    if got < 0 {
        return match Errno::last() {
            Errno::EAGAIN => Ok(None),
            errno => Err(errno),
        };
    }
    // SAFETY: sigtimedwait(2) filled `info` for the signal it returned; si_pid and si_value are
    // the fields of kill(2) and sigqueue(3) signals, and for others they read as plain numbers.
    let (pid, code, value) = unsafe {
        let info = info.assume_init();
        (info.si_pid(), info.si_code, info.si_value())
    };
    Ok(Some(Taken {
        signal: SigNo(got),
        pid,
        // The int half of the union, as the sender put it there (see `queue`).
        value: (code == libc::SI_QUEUE).then_some(value.sival_ptr as usize as u32 as i32),
    }))
}

/// `kill(2)`: a standard signal, no value.
pub fn kill(pid: Pid, signal: SigNo) -> nix::Result<()> {
    // SAFETY: kill(2) takes plain numbers.
    Errno::result(unsafe { libc::kill(pid.as_raw(), signal.0) }).map(drop)
}

/// `sigqueue(3)`: `signal` with `value` as its `sival_int`.
pub fn queue(pid: Pid, signal: SigNo, value: i32) -> nix::Result<()> {
    // The union's pointer member carries the int: on a little-endian machine its low bytes are
    // `sival_int`, and `take` reads it back the same way on any machine.
    let sigval = libc::sigval {
        sival_ptr: value as u32 as usize as *mut libc::c_void,
    };
    // SAFETY: sigqueue(3) takes plain numbers and a sigval by value.
    Errno::result(unsafe { libc::sigqueue(pid.as_raw(), signal.0, sigval) }).map(drop)
}

extern "C" fn ignore_quietly(_: libc::c_int) {}

/// Gives `signal` a handler that does nothing (with `SA_RESTART`). A father takes its signal
/// with `sigtimedwait(2)`, and while it waits there the kernel unblocks that signal for it: so
/// `/proc/PID/status` shows it blocked only between waits. The handler is what a son can always
/// see (`SigCgt`), and the guarantee it checks: were the signal ever delivered instead of
/// taken, it would not kill.
pub fn catch_harmlessly(signal: SigNo) -> Result<(), SysError> {
    let mut action = std::mem::MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: `action` is zeroed (a valid sigaction: empty mask, no flags); we fill in a
    // handler that does nothing, which is async-signal-safe, and SA_RESTART.
    let installed = unsafe {
        let action = action.as_mut_ptr();
        (*action).sa_sigaction = ignore_quietly as extern "C" fn(libc::c_int) as usize;
        (*action).sa_flags = libc::SA_RESTART;
        libc::sigaction(signal.0, action, std::ptr::null_mut())
    };
    Errno::result(installed)
        .map(drop)
        .doing(Doing::InstallingSignals)
}

/// Whether the child `pid` has exited, without reaping it (`waitid(2)` with `WNOWAIT`): the
/// caller still reaps it and learns how it ended.
pub fn has_exited(pid: Pid) -> nix::Result<bool> {
    use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    Ok(!matches!(
        waitid(Id::Pid(pid), flags)?,
        WaitStatus::StillAlive
    ))
}

/// Signals blocked in this thread for as long as the guard lives. On drop, whatever of them is
/// still pending is taken (so none is delivered with its default action, which would kill us),
/// then the old mask comes back.
pub struct Blocked {
    set: SigSet,
    old: SigSet,
}

impl Blocked {
    pub fn new(set: &SigSet) -> Result<Blocked, SysError> {
        let mut old = SigSet::empty();
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(set), Some(&mut old))
            .doing(Doing::BlockingSignals)?;
        Ok(Blocked { set: *set, old })
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        while let Ok(Some(_)) = take(&self.set, Some(Duration::ZERO)) {}
        let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&self.old), None);
    }
}

/// `RLIMIT_SIGPENDING` now: (soft, hard).
pub fn pending_limit() -> Result<(u64, u64), SysError> {
    use nix::sys::resource::{Resource, getrlimit};
    getrlimit(Resource::RLIMIT_SIGPENDING).doing(Doing::SettingQueueLimit)
}

/// Lowers (or raises, up to the hard limit) this process's soft `RLIMIT_SIGPENDING`. The kernel
/// checks it against every signal queued for this process's real user, across all of that
/// user's processes (`getrlimit(2)`).
pub fn set_pending_limit(limit: u64) -> Result<(), SysError> {
    use nix::sys::resource::{Resource, setrlimit};
    let (_, hard) = pending_limit()?;
    setrlimit(Resource::RLIMIT_SIGPENDING, limit, hard).doing(Doing::SettingQueueLimit)
}

/// A process held by a pidfd (`pidfd_open(2)`): signals sent through it reach that process or
/// fail with `ESRCH`, never another process that was given the same number later.
pub struct Pidfd {
    fd: OwnedFd,
    pid: Pid,
}

/// `siginfo_t` as `sigqueue(3)` fills it (`SI_QUEUE`): the kernel's layout, in which the union
/// after the first three ints is aligned like a pointer (offset 16 on 64-bit machines).
#[repr(C)]
struct QueueInfo {
    signo: libc::c_int,
    errno: libc::c_int,
    code: libc::c_int,
    rt: QueueFields,
}

#[repr(C)]
struct QueueFields {
    pid: libc::pid_t,
    uid: libc::uid_t,
    value: libc::sigval,
}

const _: () = assert!(std::mem::size_of::<QueueInfo>() <= std::mem::size_of::<libc::siginfo_t>());
const _: () = assert!(std::mem::align_of::<QueueInfo>() <= std::mem::align_of::<libc::siginfo_t>());

impl Pidfd {
    pub fn open(pid: Pid) -> nix::Result<Pidfd> {
        // SAFETY: pidfd_open(2) takes a pid and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
        let fd = Errno::result(fd)?;
        let fd = i32::try_from(fd).map_err(|_| Errno::EBADF)?;
        // SAFETY: the kernel just gave us this descriptor; nobody else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Pidfd { fd, pid })
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Signal 0: is the process alive, and may we signal it? (`EPERM`, `ESRCH`)
    pub fn probe(&self) -> nix::Result<()> {
        self.send_raw(0, None)
    }

    /// `signal` as `kill(2)` sends it (no value) or as `sigqueue(3)` does (with `value`).
    pub fn send(&self, signal: SigNo, value: Option<i32>) -> nix::Result<()> {
        self.send_raw(signal.0, value)
    }

    fn send_raw(&self, signal: i32, value: Option<i32>) -> nix::Result<()> {
        let mut info = std::mem::MaybeUninit::<libc::siginfo_t>::zeroed();
        let info_ptr = match value {
            None => std::ptr::null(),
            Some(value) => {
                let queued = QueueInfo {
                    signo: signal,
                    errno: 0,
                    code: libc::SI_QUEUE,
                    rt: QueueFields {
                        pid: std::process::id() as libc::pid_t,
                        uid: nix::unistd::getuid().as_raw(),
                        value: libc::sigval {
                            sival_ptr: value as u32 as usize as *mut libc::c_void,
                        },
                    },
                };
                // SAFETY: `info` is zeroed memory of siginfo_t's size and alignment, which hold
                // a QueueInfo (checked at compile time above); the rest stays zero.
                unsafe { info.as_mut_ptr().cast::<QueueInfo>().write(queued) };
                info.as_ptr()
            }
        };
        // SAFETY: pidfd_send_signal(2) reads at most one siginfo_t from `info_ptr` (null or our
        // buffer) and takes our own descriptor.
        let sent = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.fd.as_raw_fd(),
                signal,
                info_ptr,
                0,
            )
        };
        Errno::result(sent).map(drop)
    }
}

/// What a process is, as `/proc/PID` tells it.
#[derive(Debug, Clone)]
pub struct ProcessView {
    /// Its arguments, `argv[0]` first (empty for a zombie or a kernel thread).
    pub cmdline: Vec<String>,
    /// `/proc/PID/exe` is the very file this program runs from (unknown for other users).
    pub same_program: bool,
    blocked: u64,
    caught: u64,
    ignored: u64,
}

/// What a process does with a signal sent to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Blocked: it stays pending until taken.
    Blocked,
    /// A handler runs.
    Caught,
    /// Thrown away.
    Ignored,
    /// The default action: for SIGUSR2 and the realtime signals, death.
    Default,
}

impl ProcessView {
    pub fn disposition(&self, signal: SigNo) -> Disposition {
        let bit = signal.bit();
        if self.blocked & bit != 0 {
            Disposition::Blocked
        } else if self.caught & bit != 0 {
            Disposition::Caught
        } else if self.ignored & bit != 0 {
            Disposition::Ignored
        } else {
            Disposition::Default
        }
    }
}

/// The process a thread id belongs to (`Tgid:` in `/proc/TID/status`; itself for a process),
/// if there is such a task.
pub fn process_of(tid: Pid) -> Option<i32> {
    let status = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Tgid:"))
        .and_then(|tgid| tgid.trim().parse().ok())
}

/// Reads `/proc/PID/cmdline` and the signal masks of `/proc/PID/status` (whose `SigBlk` is the
/// main thread's).
pub fn look_at(pid: Pid) -> Result<ProcessView, SysError> {
    let dir = PathBuf::from(format!("/proc/{pid}"));
    let cmdline_path = dir.join("cmdline");
    let raw = std::fs::read(&cmdline_path).doing_on(Doing::ReadingProcess, &cmdline_path)?;
    let cmdline = raw
        .split(|&b| b == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    let status_path = dir.join("status");
    let status =
        std::fs::read_to_string(&status_path).doing_on(Doing::ReadingProcess, &status_path)?;
    let mask = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .unwrap_or(0)
    };
    let same_program = match (
        std::fs::read_link(dir.join("exe")),
        std::fs::read_link("/proc/self/exe"),
    ) {
        (Ok(theirs), Ok(ours)) => theirs == ours,
        _ => false,
    };
    Ok(ProcessView {
        cmdline,
        same_program,
        blocked: mask("SigBlk:"),
        caught: mask("SigCgt:"),
        ignored: mask("SigIgn:"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kill_l() {
        assert_eq!(SigNo::from(Signal::SIGUSR2).name(), "SIGUSR2");
        assert_eq!(SigNo::realtime(0).name(), "SIGRTMIN");
        assert_eq!(SigNo::realtime(1).name(), "SIGRTMIN+1");
        assert!(SigNo::realtime(1).is_realtime());
        assert!(!SigNo::from(Signal::SIGUSR2).is_realtime());
    }

    #[test]
    fn our_own_masks_are_read_from_proc() {
        let signal = SigNo::realtime(3);
        let _blocked = Blocked::new(&set_of(&[signal])).unwrap();
        // This test's thread is not the main thread, whose mask /proc/PID/status shows; ask
        // about our own thread instead.
        let tid = nix::unistd::gettid();
        let me = look_at(tid).unwrap();
        assert_eq!(me.disposition(signal), Disposition::Blocked);
        assert!(me.same_program);
    }

    #[test]
    fn a_queued_value_comes_back_with_its_sender() {
        let signal = SigNo::realtime(2);
        let set = set_of(&[signal]);
        let _blocked = Blocked::new(&set).unwrap();
        // Sent to this thread, not the process, so no other test thread can take it.
        let tid = nix::unistd::gettid();
        let mut info = std::mem::MaybeUninit::<libc::siginfo_t>::zeroed();
        let queued = QueueInfo {
            signo: signal.0,
            errno: 0,
            code: libc::SI_QUEUE,
            rt: QueueFields {
                pid: 4242,
                uid: 0,
                value: libc::sigval {
                    sival_ptr: 77usize as *mut libc::c_void,
                },
            },
        };
        // SAFETY: `info` is zeroed siginfo_t-sized memory that holds a QueueInfo; the call
        // reads it and takes plain numbers otherwise.
        let sent = unsafe {
            info.as_mut_ptr().cast::<QueueInfo>().write(queued);
            libc::syscall(
                libc::SYS_rt_tgsigqueueinfo,
                std::process::id() as libc::pid_t,
                tid.as_raw(),
                signal.0,
                info.as_ptr(),
            )
        };
        assert_eq!(sent, 0);
        let taken = take(&set, Some(Duration::from_secs(5))).unwrap().unwrap();
        assert_eq!(taken.signal, signal);
        assert_eq!(taken.pid, 4242);
        assert_eq!(taken.value, Some(77));
        assert_eq!(take(&set, Some(Duration::ZERO)), Ok(None));
    }
}
