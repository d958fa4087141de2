//! Making and opening a FIFO at a path that may be hostile (`fifo(7)`): never follow a symbolic
//! link, check with `fstat(2)` that what opened is really our FIFO, and make our own exactly
//! 0600 whatever the umask.

use std::os::fd::OwnedFd;
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::{OFlag, open};
use nix::sys::stat::{Mode, fchmod, fstat};
use nix::unistd::mkfifo;

use super::rendezvous::{self, FileKind, Object, Refusal, RemoveOnExit};
use super::{Context, Doing, SysError, signals};

/// Creates the FIFO, exactly 0600 whatever the umask, and adopts it at once for removal (see
/// [`RemoveOnExit`]); `None` if another process got there first (that race is fine, and what is
/// there is checked like any existing file).
pub fn make(path: &Path) -> Result<Option<RemoveOnExit>, SysError> {
    let made = rendezvous::with_umask(0o177, || mkfifo(path, Mode::S_IRUSR | Mode::S_IWUSR));
    match made {
        Ok(()) => Ok(Some(RemoveOnExit::new(path))),
        Err(Errno::EEXIST) => {
            rendezvous::inspect(path, Object::Fifo)?;
            Ok(None)
        }
        Err(e) => Err(e).doing_on(Doing::CreatingFifo, path),
    }
}

/// Opens the FIFO without following a symbolic link, retrying when a harmless signal
/// interrupts the wait, then checks with `fstat(2)` that what opened is really our FIFO.
pub fn open_checked(path: &Path, flags: OFlag, created: bool) -> Result<OwnedFd, SysError> {
    let fd = loop {
        match open(
            path,
            flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => break fd,
            Err(Errno::EINTR) => signals::check()?,
            Err(Errno::ELOOP) => {
                let refusal = Refusal::WrongKind {
                    found: FileKind::Symlink,
                    wanted: Object::Fifo,
                };
                return Err(rendezvous::refuse(path, refusal));
            }
            Err(e) => return Err(e).doing_on(Doing::Opening, path),
        }
    };
    let stat = fstat(&fd).doing_on(Doing::Examining, path)?;
    rendezvous::check_is_ours(path, &stat, Object::Fifo)?;
    if created {
        // mkfifo(3) applied the umask; make it exactly 0600 (others may neither read nor write).
        fchmod(&fd, Mode::S_IRUSR | Mode::S_IWUSR).doing_on(Doing::SettingMode, path)?;
    }
    Ok(fd)
}
