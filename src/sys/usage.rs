//! CPU time: what a process spent running its own code (user) and in the kernel on its behalf
//! (system), from `getrusage(2)` for ourselves and `wait4(2)` for a child we reap. Wall time
//! says how long something took; CPU time says what it cost, which is what tells a process
//! that sleeps while it waits from one that spins (`getrusage(2)`, `wait4(2)`).

use std::time::Duration;

use nix::errno::Errno;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

/// CPU time spent, split as the kernel counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub user: Duration,
    pub system: Duration,
}

impl Usage {
    /// What was spent since `earlier` (never negative).
    pub fn since(&self, earlier: Usage) -> Usage {
        Usage {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }

    fn from_rusage(r: &nix::libc::rusage) -> Usage {
        let time = |t: nix::libc::timeval| {
            Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
                + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
        };
        Usage {
            user: time(r.ru_utime),
            system: time(r.ru_stime),
        }
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, b: Usage) -> Usage {
        Usage {
            user: self.user + b.user,
            system: self.system + b.system,
        }
    }
}

/// The CPU time this process has used so far, all its threads together.
pub fn own() -> Usage {
    let mut usage = std::mem::MaybeUninit::<nix::libc::rusage>::zeroed();
    // SAFETY: getrusage(2) fills the struct we own; RUSAGE_SELF cannot fail with a valid
    // pointer, and zeroed memory is a valid rusage if it ever did.
    let usage = unsafe {
        nix::libc::getrusage(nix::libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    Usage::from_rusage(&usage)
}

/// `wait4(2)`: waits for `child` to end (retrying when a signal interrupts), and returns how
/// it ended with the CPU time it used over its whole life.
pub fn wait4(child: Pid) -> nix::Result<(WaitStatus, Usage)> {
    wait4_telling(child, || {})
}

/// As [`wait4`], calling `interrupted` each time a signal cuts the wait short (a father that
/// must tell its sons to stop, then go on waiting for them).
pub fn wait4_telling(
    child: Pid,
    mut interrupted: impl FnMut(),
) -> nix::Result<(WaitStatus, Usage)> {
    loop {
        let mut status: nix::libc::c_int = 0;
        let mut usage = std::mem::MaybeUninit::<nix::libc::rusage>::zeroed();
        // SAFETY: both out-parameters are ours and live across the call; flags 0 waits for
        // the end of that one child.
        let got = unsafe { nix::libc::wait4(child.as_raw(), &mut status, 0, usage.as_mut_ptr()) };
        match Errno::result(got) {
            Err(Errno::EINTR) => interrupted(),
            Err(e) => return Err(e),
            Ok(pid) => {
                // SAFETY: wait4 filled the rusage when it returned a pid (and it was zeroed
                // before, which is valid too).
                let usage = unsafe { usage.assume_init() };
                let status = WaitStatus::from_raw(Pid::from_raw(pid), status)?;
                return Ok((status, Usage::from_rusage(&usage)));
            }
        }
    }
}

/// As [`wait4`], without waiting (`WNOHANG`): `None` while `child` still runs; once it has
/// ended, it is reaped, with how it ended and the CPU time it used.
pub fn try_wait4(child: Pid) -> nix::Result<Option<(WaitStatus, Usage)>> {
    loop {
        let mut status: nix::libc::c_int = 0;
        let mut usage = std::mem::MaybeUninit::<nix::libc::rusage>::zeroed();
        // SAFETY: both out-parameters are ours and live across the call; WNOHANG returns at
        // once, with 0 while the child runs.
        let got = unsafe {
            nix::libc::wait4(
                child.as_raw(),
                &mut status,
                nix::libc::WNOHANG,
                usage.as_mut_ptr(),
            )
        };
        match Errno::result(got) {
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
            Ok(0) => return Ok(None),
            Ok(pid) => {
                // SAFETY: wait4 filled the rusage when it returned a pid (zeroed before).
                let usage = unsafe { usage.assume_init() };
                let status = WaitStatus::from_raw(Pid::from_raw(pid), status)?;
                return Ok(Some((status, Usage::from_rusage(&usage))));
            }
        }
    }
}

/// True once `child` has ended, without reaping it (`waitid(2)` with `WNOWAIT`): a waiter
/// that cannot see end of file (a futex, an eventfd) asks this instead.
#[cfg(target_os = "linux")]
pub fn has_ended(child: Pid) -> bool {
    let mut info = std::mem::MaybeUninit::<nix::libc::siginfo_t>::zeroed();
    // SAFETY: waitid(2) fills the siginfo we own; WNOWAIT leaves the child to be reaped later.
    let got = unsafe {
        nix::libc::waitid(
            nix::libc::P_PID,
            child.as_raw() as nix::libc::id_t,
            info.as_mut_ptr(),
            nix::libc::WEXITED | nix::libc::WNOHANG | nix::libc::WNOWAIT,
        )
    };
    if got != 0 {
        // ECHILD: already reaped, or not ours: gone either way.
        return true;
    }
    // SAFETY: filled by waitid (or still zeroed: si_pid 0 means "nothing changed").
    let info = unsafe { info.assume_init() };
    // SAFETY: reading si_pid from a siginfo that waitid(2) filled for a child.
    unsafe { info.si_pid() != 0 }
}

/// Nanoseconds on `CLOCK_MONOTONIC`: the same clock in every process, so times taken in
/// different processes can be compared.
pub fn monotonic_ns() -> u64 {
    let mut now = nix::libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime(2) fills a timespec we own.
    unsafe { nix::libc::clock_gettime(nix::libc::CLOCK_MONOTONIC, &mut now) };
    u64::try_from(now.tv_sec)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::try_from(now.tv_nsec).unwrap_or(0))
}

/// How many CPUs this process may run on (`sched_getaffinity(2)`: `taskset` narrows it).
pub fn allowed_cpus() -> usize {
    #[cfg(target_os = "linux")]
    {
        use nix::sched::{CpuSet, sched_getaffinity};
        if let Ok(set) = sched_getaffinity(Pid::from_raw(0)) {
            return (0..CpuSet::count())
                .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
                .count();
        }
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
