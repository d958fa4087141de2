//! The pipe's buffer size: `F_GETPIPE_SZ` and `F_SETPIPE_SZ` (`fcntl(2)`, Linux only).
//! The kernel rounds a request up to a power-of-two number of pages and refuses unprivileged
//! requests above `/proc/sys/fs/pipe-max-size`.

use std::os::fd::AsFd;

/// Why a resize was refused, in a sentence a learner can act on.
#[derive(Debug, Clone)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
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
pub fn set(fd: impl AsFd, wanted: usize) -> Result<usize, Refused> {
    use nix::errno::Errno;
    let asked = crate::units::human_bytes(wanted as u64);
    let request =
        i32::try_from(wanted).map_err(|_| Refused(format!("{asked} is too large a pipe")))?;
    match nix::fcntl::fcntl(fd.as_fd(), nix::fcntl::FcntlArg::F_SETPIPE_SZ(request)) {
        Ok(granted) => Ok(usize::try_from(granted).unwrap_or(wanted)),
        Err(Errno::EPERM) => Err(Refused(format!(
            "the kernel refused a {asked} pipe (EPERM): without privilege a pipe may not exceed \
             /proc/sys/fs/pipe-max-size ({}) nor your pipe-user-pages limit; ask for less",
            max_size().map_or("unknown".into(), |m| crate::units::human_bytes(m as u64))
        ))),
        Err(Errno::EBUSY) => Err(Refused(format!(
            "the kernel refused a {asked} pipe (EBUSY): the pipe already holds more than that"
        ))),
        Err(Errno::EINVAL) => Err(Refused(format!(
            "the kernel refused a {asked} pipe (EINVAL): too large for this kernel"
        ))),
        Err(e) => Err(Refused(format!("the kernel refused a {asked} pipe ({e})"))),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn set(_fd: impl AsFd, _wanted: usize) -> Result<usize, Refused> {
    Err(Refused(
        "this system cannot resize pipes (F_SETPIPE_SZ is Linux only)".into(),
    ))
}
