//! The pipe's buffer size: `F_GETPIPE_SZ` and `F_SETPIPE_SZ` (`fcntl(2)`, Linux only).
//! The kernel rounds a request up to a power-of-two number of pages and refuses unprivileged
//! requests above `/proc/sys/fs/pipe-max-size`.

use std::os::fd::AsFd;

use nix::errno::Errno;

/// A resize the kernel (or this system) refused: what was asked, why, and the ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipeSizeError {
    /// The size asked for, in bytes.
    pub asked: usize,
    /// Why: `EPERM` (over pipe-max-size or the per-user limit), `EBUSY` (the pipe holds more),
    /// `EINVAL` (too large for the kernel); `None` where the system cannot resize pipes at all.
    pub errno: Option<Errno>,
    /// `/proc/sys/fs/pipe-max-size`, in bytes, where it can be read.
    pub max: Option<usize>,
}

/// The buffer size the kernel reports, where it can say.
#[cfg(target_os = "linux")]
pub fn get(fd: impl AsFd) -> Option<usize> {
    nix::fcntl::fcntl(fd.as_fd(), nix::fcntl::FcntlArg::F_GETPIPE_SZ)
        .ok()
        .and_then(|size| usize::try_from(size).ok())
}

#[cfg(not(target_os = "linux"))]
pub fn get(_fd: impl AsFd) -> Option<usize> {
    None
}

/// `/proc/sys/fs/pipe-max-size`: the most an unprivileged process may ask for.
pub fn max_size() -> Option<usize> {
    std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .ok()
        .and_then(|text| text.trim().parse().ok())
}

/// Asks for `wanted` bytes; returns what the kernel granted.
#[cfg(target_os = "linux")]
pub fn set(fd: impl AsFd, wanted: usize) -> Result<usize, PipeSizeError> {
    let refused = |errno| PipeSizeError {
        asked: wanted,
        errno: Some(errno),
        max: max_size(),
    };
    let request = i32::try_from(wanted).map_err(|_| refused(Errno::EINVAL))?;
    match nix::fcntl::fcntl(fd.as_fd(), nix::fcntl::FcntlArg::F_SETPIPE_SZ(request)) {
        Ok(granted) => Ok(usize::try_from(granted).unwrap_or(wanted)),
        Err(errno) => Err(refused(errno)),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn set(_fd: impl AsFd, wanted: usize) -> Result<usize, PipeSizeError> {
    Err(PipeSizeError {
        asked: wanted,
        errno: None,
        max: None,
    })
}
