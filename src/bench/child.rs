//! The benchmark's other process: forked after the channel exists, pinned where asked, and
//! reaped; and the parent's own CPU pinning.

use nix::errno::Errno;
use nix::sys::wait::WaitStatus;
use nix::unistd::{ForkResult, Pid, fork};

use super::model::Pin;
use crate::event::{Error, Note, ProcessEnd, Result, Sink};
use crate::sys::usage::{self, Usage};
use crate::sys::{Context, Doing, signals};

/// Runs `job` in a child process pinned to `cpu`; returns its pid and the parent's ends (the
/// descriptors the child must not keep; nothing, for shared memory).
///
/// `job` owns the child's ends: in the parent it is dropped unrun, which closes the parent's
/// copies, so the child's exit is seen as end of file or EPIPE. The child closes the parent's
/// ends in turn: a child still holding the read end of the pipe it writes into would be its
/// own reader, and when the parent left it would fill the pipe and block for ever instead of
/// failing with EPIPE.
pub(super) fn spawn_child<Ends>(
    parent_ends: Ends,
    cpu: Option<usize>,
    sink: &dyn Sink,
    job: impl FnOnce() -> Result<()>,
) -> Result<(Pid, Ends)> {
    // SAFETY: bench runs single-threaded (see signals::install_without_thread); the child
    // only makes system calls on memory allocated before the fork and then calls _exit(2).
    match unsafe { fork() }.doing(Doing::ForkingBenchChild)? {
        ForkResult::Child => {
            drop(parent_ends);
            let code = match child_setup(cpu).and_then(|()| job()) {
                Ok(()) => 0,
                // The parent left (it stopped or failed, and says so itself): nothing to add.
                Err(e) if parent_left(&e) => 1,
                Err(e) => {
                    sink.note(&Note::BenchChildFailed(&e));
                    1
                }
            };
            // SAFETY: _exit(2) ends the child at once, without running the parent's
            // destructors a second time.
            unsafe { nix::libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(job);
            Ok((child, parent_ends))
        }
    }
}

fn parent_left(error: &Error) -> bool {
    match error {
        Error::Call { errno, .. } => matches!(errno, Errno::EPIPE | Errno::ECONNRESET),
        Error::OtherSideLeft => true,
        _ => false,
    }
}

fn child_setup(cpu: Option<usize>) -> Result<()> {
    signals::restore_defaults_in_child()?;
    // A parent killed with -9 takes its child along instead of leaving it spinning.
    #[cfg(target_os = "linux")]
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
        .doing(Doing::SettingParentDeathSignal)?;
    pin_to(cpu)
}

/// Waits for the child; returns the CPU time it used over its whole life (`wait4(2)`).
pub(super) fn reap(child: Pid) -> Result<Usage> {
    let (status, used) = usage::wait4(child).doing(Doing::WaitingForBenchChild)?;
    match status {
        WaitStatus::Exited(_, 0) => Ok(used),
        WaitStatus::Exited(_, code) => Err(Error::BenchChild(ProcessEnd::Exited(code))),
        WaitStatus::Signaled(_, signal, _) => Err(Error::BenchChild(ProcessEnd::Signaled(signal))),
        _ => Err(Error::BenchChild(ProcessEnd::Other)),
    }
}

#[cfg(target_os = "linux")]
fn pin_to(cpu: Option<usize>) -> Result<()> {
    use nix::sched::{CpuSet, sched_setaffinity};
    let Some(cpu) = cpu else { return Ok(()) };
    let mut set = CpuSet::new();
    set.set(cpu).doing(Doing::Pinning)?;
    Ok(sched_setaffinity(Pid::from_raw(0), &set).doing(Doing::Pinning)?)
}

#[cfg(not(target_os = "linux"))]
fn pin_to(cpu: Option<usize>) -> Result<()> {
    match cpu {
        None => Ok(()),
        Some(_) => Err(Error::NeedsLinux(crate::event::LinuxOnly::Pin)),
    }
}

/// The CPUs for (parent, child).
/// Chosen among the CPUs this process may use (`taskset -c 1 ipcdemo bench --pin same` runs
/// on CPU 1, not outside the set on CPU 0).
pub(super) fn cpus(pin: Pin) -> Result<(Option<usize>, Option<usize>)> {
    let allowed = allowed_cpus()?;
    match (pin, allowed.as_slice()) {
        (Pin::None, _) => Ok((None, None)),
        (Pin::Same, [first, ..]) => Ok((Some(*first), Some(*first))),
        (Pin::Split, [first, second, ..]) => Ok((Some(*first), Some(*second))),
        (Pin::Same | Pin::Split, _) => Err(Error::PinNeedsTwoCpus {
            cpus: allowed.len(),
            pin,
        }),
    }
}

/// The CPUs this process may run on, in order.
#[cfg(target_os = "linux")]
fn allowed_cpus() -> Result<Vec<usize>> {
    use nix::sched::{CpuSet, sched_getaffinity};
    let set = sched_getaffinity(Pid::from_raw(0)).doing(Doing::ReadingAffinity)?;
    Ok((0..CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect())
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Result<Vec<usize>> {
    Ok((0..std::thread::available_parallelism().map_or(1, |n| n.get())).collect())
}

/// Restores the parent's CPU affinity when a measurement ends.
#[cfg(target_os = "linux")]
pub(super) struct Affinity(Option<nix::sched::CpuSet>);

#[cfg(target_os = "linux")]
impl Affinity {
    pub(super) fn pin(cpu: Option<usize>) -> Result<Affinity> {
        let saved = match cpu {
            Some(_) => Some(
                nix::sched::sched_getaffinity(Pid::from_raw(0)).doing(Doing::ReadingAffinity)?,
            ),
            None => None,
        };
        pin_to(cpu)?;
        Ok(Affinity(saved))
    }
}

#[cfg(target_os = "linux")]
impl Drop for Affinity {
    fn drop(&mut self) {
        if let Some(set) = &self.0 {
            let _ = nix::sched::sched_setaffinity(Pid::from_raw(0), set);
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) struct Affinity;

#[cfg(not(target_os = "linux"))]
impl Affinity {
    pub(super) fn pin(cpu: Option<usize>) -> Result<Affinity> {
        pin_to(cpu)?;
        Ok(Affinity)
    }
}
