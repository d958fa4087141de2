//! Writing to stdout and stderr with `write(2)` ourselves. `std`'s `write_all` retries `EINTR`
//! for ever, so a process blocked writing to a stalled terminal (Ctrl-S) or to a pipe nobody
//! reads could never be stopped; here a stop signal ends the wait. `O_NONBLOCK` is never set on
//! these descriptors: the file description is shared with the shell and other processes.

use std::os::fd::BorrowedFd;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::Signal;

use crate::sys::signals;

/// Why a write did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError {
    /// The reader left (`EPIPE`): `| head` had enough.
    Closed,
    /// A stop signal arrived while the write waited.
    Stopped(Signal),
    /// The descriptor stayed full past the deadline (see [`Patience::Until`]).
    Abandoned,
    Failed(Errno),
}

/// How long a write may wait for room.
#[derive(Debug, Clone, Copy)]
pub enum Patience {
    /// While the run goes on: until a stop signal.
    UntilStopped,
    /// After a stop, when only the summary is left to say: until `deadline`, signal or not.
    Until(Instant),
}

pub fn stdout() -> BorrowedFd<'static> {
    // SAFETY: descriptor 1 is open for the life of the process (the runtime reopens it on
    // /dev/null if it was closed at start).
    unsafe { BorrowedFd::borrow_raw(1) }
}

pub fn stderr() -> BorrowedFd<'static> {
    // SAFETY: as for stdout, descriptor 2.
    unsafe { BorrowedFd::borrow_raw(2) }
}

/// Writes all of `bytes`, a `write(2)` at a time.
pub fn write_all(
    fd: BorrowedFd<'_>,
    mut bytes: &[u8],
    patience: Patience,
) -> Result<(), WriteError> {
    while !bytes.is_empty() {
        match patience {
            Patience::Until(deadline) => wait_for_room(fd, deadline)?,
            // A stop that came before the write began would not interrupt it: look first.
            Patience::UntilStopped => {
                if let Some(signal) = signals::received() {
                    return Err(WriteError::Stopped(signal));
                }
            }
        }
        match nix::unistd::write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EINTR) => {
                if let (Patience::UntilStopped, Some(signal)) = (patience, signals::received()) {
                    return Err(WriteError::Stopped(signal));
                }
            }
            Err(Errno::EPIPE) => return Err(WriteError::Closed),
            // Someone else made the shared description non-blocking: wait for room instead.
            Err(Errno::EAGAIN) => {
                let deadline = match patience {
                    Patience::Until(deadline) => deadline,
                    Patience::UntilStopped => Instant::now() + Duration::from_millis(50),
                };
                match wait_for_room(fd, deadline) {
                    Err(WriteError::Abandoned) if matches!(patience, Patience::UntilStopped) => {
                        if let Some(signal) = signals::received() {
                            return Err(WriteError::Stopped(signal));
                        }
                    }
                    other => other?,
                }
            }
            Err(errno) => return Err(WriteError::Failed(errno)),
        }
    }
    Ok(())
}

fn wait_for_room(fd: BorrowedFd<'_>, deadline: Instant) -> Result<(), WriteError> {
    loop {
        // Past the deadline, one look (a zero timeout) still writes to a descriptor that has
        // room: the deadline bounds waiting for room, not the time the run took to get here.
        let left = deadline.saturating_duration_since(Instant::now());
        let millis = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(fd, PollFlags::POLLOUT)];
        match poll(&mut fds, PollTimeout::from(millis)) {
            Ok(0) => return Err(WriteError::Abandoned),
            Ok(_) => return Ok(()),
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(WriteError::Failed(errno)),
        }
    }
}
