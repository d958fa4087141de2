//! The benchmark's other process: forked after the channel exists, pinned where asked, and
//! reaped; and the parent's own CPU pinning.

use std::os::fd::OwnedFd;

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

use crate::cli::Pin;
use crate::signals;

/// The parent's two ends, which the child must not keep.
type ParentEnds = (OwnedFd, OwnedFd);

/// Runs `job` in a child process pinned to `cpu`; returns its pid and the parent's ends.
///
/// `job` owns the child's ends: in the parent it is dropped unrun, which closes the parent's
/// copies, so the child's exit is seen as end of file or EPIPE. The child closes the parent's
/// ends in turn: a child still holding the read end of the pipe it writes into would be its
/// own reader, and when the parent left it would fill the pipe and block for ever instead of
/// failing with EPIPE.
pub(super) fn spawn_child(
    parent_ends: ParentEnds,
    cpu: Option<usize>,
    job: impl FnOnce() -> Result<()>,
) -> Result<(Pid, ParentEnds)> {
    // SAFETY: bench runs single-threaded (see signals::install_without_thread); the child
    // only makes system calls on memory allocated before the fork and then calls _exit(2).
    match unsafe { fork() }.context("forking the benchmark's child")? {
        ForkResult::Child => {
            drop(parent_ends);
            let code = match child_setup(cpu).and_then(|()| job()) {
                Ok(()) => 0,
                // The parent left (it stopped or failed, and says so itself): nothing to add.
                Err(e) if parent_left(&e) => 1,
                Err(e) => {
                    eprintln!("bench child: {e:#}");
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

fn parent_left(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<Errno>(),
        Some(Errno::EPIPE | Errno::ECONNRESET)
    ) || error.is::<OtherSideLeft>()
}

/// End of file in the middle of a run.
#[derive(Debug)]
pub(super) struct OtherSideLeft;

impl std::fmt::Display for OtherSideLeft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the other side left in the middle of a run")
    }
}

impl std::error::Error for OtherSideLeft {}

fn child_setup(cpu: Option<usize>) -> Result<()> {
    signals::restore_defaults_in_child()?;
    // A parent killed with -9 takes its child along instead of leaving it spinning.
    #[cfg(target_os = "linux")]
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
        .context("setting PR_SET_PDEATHSIG")?;
    pin_to(cpu)
}

pub(super) fn reap(child: Pid) -> Result<()> {
    let status = signals::restarting(|| waitpid(child, None))
        .context("waiting for the benchmark's child")?;
    match status {
        WaitStatus::Exited(_, 0) => Ok(()),
        other => bail!("the benchmark's child failed: {other:?}"),
    }
}

#[cfg(target_os = "linux")]
fn pin_to(cpu: Option<usize>) -> Result<()> {
    use nix::sched::{CpuSet, sched_setaffinity};
    let Some(cpu) = cpu else { return Ok(()) };
    let mut set = CpuSet::new();
    set.set(cpu).context("choosing a CPU")?;
    sched_setaffinity(Pid::from_raw(0), &set).with_context(|| format!("pinning to CPU {cpu}"))
}

#[cfg(not(target_os = "linux"))]
fn pin_to(cpu: Option<usize>) -> Result<()> {
    match cpu {
        None => Ok(()),
        Some(_) => bail!("--pin needs Linux (sched_setaffinity)"),
    }
}

/// The CPUs for (parent, child).
pub(super) fn cpus(pin: Pin) -> Result<(Option<usize>, Option<usize>)> {
    match pin {
        Pin::None => Ok((None, None)),
        Pin::Same => Ok((Some(0), Some(0))),
        Pin::Split => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            if n < 2 {
                bail!(
                    "--pin split needs two CPUs and this machine offers {n}; use --pin same or none"
                );
            }
            Ok((Some(0), Some(1)))
        }
    }
}

/// Restores the parent's CPU affinity when a measurement ends.
#[cfg(target_os = "linux")]
pub(super) struct Affinity(Option<nix::sched::CpuSet>);

#[cfg(target_os = "linux")]
impl Affinity {
    pub(super) fn pin(cpu: Option<usize>) -> Result<Affinity> {
        let saved = match cpu {
            Some(_) => Some(
                nix::sched::sched_getaffinity(Pid::from_raw(0)).context("reading CPU affinity")?,
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
