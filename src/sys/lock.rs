//! A lock file in the per-user folder, taken with `flock(2)`: it says whether a live process
//! holds a name (a FIFO's father, a queue's owner), and the kernel lets it go when that
//! process dies, however it dies (`kill -9` included). So a second father is refused while
//! the first lives, and a leftover from a dead one is known to be stale.
//!
//! The file holds the owner's pid, for the message. It is removed while still locked when the
//! owner ends; a process that opened it just before then locks a file no longer in the folder,
//! which it notices (the path no longer leads to its descriptor) and tries again.

use std::io::{Read, Seek, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{OFlag, open};
use nix::sys::stat::{Mode, fstat, lstat};

use super::rendezvous::{identity, with_umask};
use super::{Context, Doing, SysError};

/// A name we hold; released (and its file removed) on drop.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    file: std::fs::File,
}

/// What trying the lock found.
#[derive(Debug)]
pub enum Locked {
    /// Ours now.
    Ours(Lock),
    /// A live process holds it; its pid, if it wrote one.
    HeldBy(Option<i32>),
}

/// Tries to take the lock at `path` without waiting.
pub fn try_lock(path: &Path) -> Result<Locked, SysError> {
    loop {
        // Exactly 0600 whatever the umask: under `umask 777` a lock file left by a killed
        // owner would be mode 0000, and the next owner could not open it to lock it.
        let fd: OwnedFd = with_umask(0o177, || {
            open(
                path,
                OFlag::O_RDWR | OFlag::O_CREAT | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::S_IRUSR | Mode::S_IWUSR,
            )
        })
        .doing_on(Doing::Locking, path)?;
        // SAFETY: flock(2) on a descriptor we own; LOCK_NB never blocks.
        let taken =
            unsafe { nix::libc::flock(fd.as_raw_fd(), nix::libc::LOCK_EX | nix::libc::LOCK_NB) };
        let mut file = std::fs::File::from(fd);
        if taken != 0 {
            return match Errno::last() {
                Errno::EWOULDBLOCK => Ok(Locked::HeldBy(read_pid(&mut file))),
                errno => Err(errno).doing_on(Doing::Locking, path),
            };
        }
        // The file we locked must still be the one at the path: its owner may have removed it
        // between our open and our flock.
        let ours = fstat(&file).doing_on(Doing::Locking, path)?;
        match lstat(path) {
            Ok(there) if identity(&there) == identity(&ours) => {}
            Ok(_) | Err(Errno::ENOENT) => continue,
            Err(e) => return Err(e).doing_on(Doing::Locking, path),
        }
        file.set_len(0).doing_on(Doing::Locking, path)?;
        write!(file, "{}", std::process::id()).doing_on(Doing::Locking, path)?;
        return Ok(Locked::Ours(Lock {
            path: path.to_path_buf(),
            file,
        }));
    }
}

/// Who holds a lock, found without taking it for more than a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// Nobody: no file, or a file whose owner died (its lock went with it).
    Nobody,
    /// A live process; its pid, if it wrote one.
    Alive(Option<i32>),
}

/// Looks at the lock at `path` without creating it: a shared lock taken and dropped at once
/// says whether an exclusive one is held. (An owner trying its lock in that very moment would
/// find it held; [`try_lock`]'s callers may try again.)
pub fn holder(path: &Path) -> Result<Holder, SysError> {
    let fd: OwnedFd = match open(
        path,
        OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) => return Ok(Holder::Nobody),
        Err(e) => return Err(e).doing_on(Doing::Locking, path),
    };
    // SAFETY: flock(2) on a descriptor we own; LOCK_NB never blocks. Closing the descriptor
    // (at the end of this function) lets the shared lock go.
    let taken =
        unsafe { nix::libc::flock(fd.as_raw_fd(), nix::libc::LOCK_SH | nix::libc::LOCK_NB) };
    if taken == 0 {
        return Ok(Holder::Nobody);
    }
    match Errno::last() {
        Errno::EWOULDBLOCK => Ok(Holder::Alive(read_pid(&mut std::fs::File::from(fd)))),
        errno => Err(errno).doing_on(Doing::Locking, path),
    }
}

fn read_pid(file: &mut std::fs::File) -> Option<i32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked (the lock goes with the descriptor, just after).
        let _ = std::fs::remove_file(&self.path);
        let _ = &self.file;
    }
}
