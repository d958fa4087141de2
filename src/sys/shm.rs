//! Shared memory and what goes with it, on Linux: a `memfd_create(2)` file mapped `MAP_SHARED`
//! (`mmap(2)`), so two processes see the same bytes; futexes in that memory to sleep and wake
//! (`futex(2)`, the shared kind: no `FUTEX_PRIVATE_FLAG`, or a waiter in another process
//! would never be woken); eventfds (`eventfd(2)`); a process-shared, robust pthread mutex
//! (`pthread_mutexattr_setrobust(3)`); and descriptors handed to another process over a Unix
//! socket (`SCM_RIGHTS`, `unix(7)`).
//!
//! A memfd has no name in any folder: it lives as long as a descriptor or a mapping of it does,
//! and `/proc/<pid>/fd` and `/proc/<pid>/maps` show it as `/memfd:NAME (deleted)`. Nothing is
//! ever left in `/dev/shm`, however a process ends, which `shm_open(3)` cannot promise.

use std::ffi::CStr;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, SealFlag, fcntl};
use nix::sys::memfd::{MFdFlags, memfd_create};
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};
use nix::sys::stat::fstat;

use super::{Context, Doing, SysError};

/// A `MAP_SHARED` mapping of a file, unmapped on drop.
#[derive(Debug)]
pub struct Mapping {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory that other processes share by design; every access to
// it goes through atomics or through the raw copies whose callers say why they are sound, so
// sharing the handle between threads adds nothing that another process could not do.
unsafe impl Send for Mapping {}
// SAFETY: as for Send.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes of `fd`, readable and writable, shared.
    pub fn of(fd: &OwnedFd, len: usize) -> nix::Result<Mapping> {
        let size = NonZeroUsize::new(len).ok_or(Errno::EINVAL)?;
        // SAFETY: a new mapping chosen by the kernel overlaps nothing of ours; the file is
        // sealed against shrinking (see `sealed_memfd`, `check_received`), so every page of
        // the length we map stays backed and no access can fault with SIGBUS.
        let base = unsafe {
            mmap(
                None,
                size,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                fd.as_fd(),
                0,
            )
        }?;
        Ok(Mapping {
            base: base.cast(),
            len,
        })
    }

    pub fn base(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// The `T` at `offset`.
    ///
    /// # Safety
    ///
    /// `T` must be valid for any bytes (made of atomics, or of types like `u64`), aligned at
    /// `offset`, and lie inside the mapping.
    pub unsafe fn at<T>(&self, offset: usize) -> &T {
        debug_assert!(offset + std::mem::size_of::<T>() <= self.len);
        // SAFETY: the caller's promise; the mapping lives as long as the reference.
        unsafe { &*self.base.as_ptr().add(offset).cast::<T>() }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: we mapped exactly this range, and every reference into it borrows `self`.
        let _ = unsafe { munmap(self.base.cast(), self.len) };
    }
}

/// A new memfd of `len` zero bytes named `name` (shown as `/memfd:NAME` in `/proc`), sealed so
/// that nobody, not even a process it is handed to, can shrink or grow it: a shrunk file would
/// make every access past its new end fault with SIGBUS in whoever mapped it.
pub fn sealed_memfd(name: &CStr, len: usize) -> Result<OwnedFd, SysError> {
    let fd = memfd_create(name, MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING)
        .doing(Doing::CreatingMemfd)?;
    let size = nix::libc::off_t::try_from(len).map_err(|_| SysError::Call {
        doing: Doing::CreatingMemfd,
        path: None,
        errno: Errno::EFBIG,
    })?;
    nix::unistd::ftruncate(&fd, size).doing(Doing::CreatingMemfd)?;
    let seals = SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_SEAL;
    fcntl(fd.as_fd(), FcntlArg::F_ADD_SEALS(seals)).doing(Doing::Sealing)?;
    Ok(fd)
}

/// The size of a memfd another process handed us, if it is sealed against shrinking (else a
/// shrink by the other side could crash us with SIGBUS, and we refuse to map it).
pub fn check_received(fd: &OwnedFd) -> nix::Result<Option<usize>> {
    let seals = fcntl(fd.as_fd(), FcntlArg::F_GET_SEALS)?;
    let seals = SealFlag::from_bits_truncate(seals);
    if !seals.contains(SealFlag::F_SEAL_SHRINK) {
        return Ok(None);
    }
    let stat = fstat(fd)?;
    Ok(usize::try_from(stat.st_size).ok())
}

/// `FUTEX_WAIT`: sleeps while `word` still holds `expected`, at most `timeout`. `Ok` when
/// woken; `EAGAIN` when the word had already changed, `ETIMEDOUT`, or `EINTR` for a signal:
/// the caller looks again in every case.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: Duration) -> Result<(), Errno> {
    let timeout = nix::libc::timespec {
        tv_sec: nix::libc::time_t::try_from(timeout.as_secs()).unwrap_or(nix::libc::time_t::MAX),
        tv_nsec: timeout.subsec_nanos().into(),
    };
    // SAFETY: `word` is a live, aligned u32 (in shared memory, hence no FUTEX_PRIVATE_FLAG);
    // the timespec is ours and outlives the call; the kernel only reads both.
    let got = unsafe {
        nix::libc::syscall(
            nix::libc::SYS_futex,
            word.as_ptr(),
            nix::libc::FUTEX_WAIT,
            expected,
            &timeout as *const nix::libc::timespec,
        )
    };
    Errno::result(got).map(drop)
}

/// `FUTEX_WAKE`: wakes up to `waiters` processes asleep on `word`.
pub fn futex_wake(word: &AtomicU32, waiters: i32) {
    // SAFETY: `word` is a live, aligned u32; FUTEX_WAKE reads nothing else.
    unsafe {
        nix::libc::syscall(
            nix::libc::SYS_futex,
            word.as_ptr(),
            nix::libc::FUTEX_WAKE,
            waiters,
        );
    }
}

/// A new eventfd, close-on-exec, counting from 0.
pub fn eventfd(nonblocking: bool) -> nix::Result<OwnedFd> {
    let mut flags = nix::libc::EFD_CLOEXEC;
    if nonblocking {
        flags |= nix::libc::EFD_NONBLOCK;
    }
    // SAFETY: eventfd(2) takes two integers and returns a new descriptor or -1.
    let fd = Errno::result(unsafe { nix::libc::eventfd(0, flags) })?;
    // SAFETY: the descriptor is new and nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Adds `n` to an eventfd's counter (waking a reader).
pub fn eventfd_add(fd: &OwnedFd, n: u64) -> nix::Result<()> {
    nix::unistd::write(fd, &n.to_ne_bytes()).map(drop)
}

/// Reads (and resets) an eventfd's counter.
pub fn eventfd_take(fd: &OwnedFd) -> nix::Result<u64> {
    let mut value = [0u8; 8];
    nix::unistd::read(fd, &mut value)?;
    Ok(u64::from_ne_bytes(value))
}

/// A `pthread_mutex_t` in shared memory, process-shared and robust: when its owner dies holding
/// it, the next locker gets `EOWNERDEAD` instead of waiting for ever (`pthread_mutex_lock(3)`).
#[derive(Debug, Clone, Copy)]
pub struct RobustMutex {
    mutex: *mut nix::libc::pthread_mutex_t,
}

/// What taking the lock found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Free, or released by its last owner.
    Clean,
    /// Its owner died holding it (`EOWNERDEAD`); it was made consistent again
    /// (`pthread_mutex_consistent(3)`) and is ours now.
    OwnerDied,
}

impl RobustMutex {
    /// Initialises the mutex at `mutex`, process-shared and robust.
    ///
    /// # Safety
    ///
    /// `mutex` must point into a live shared mapping, suitably aligned, that outlives every use
    /// of the returned handle, and nobody may use the mutex while this runs.
    pub unsafe fn init(mutex: *mut nix::libc::pthread_mutex_t) -> nix::Result<RobustMutex> {
        let mut attr = std::mem::MaybeUninit::<nix::libc::pthread_mutexattr_t>::uninit();
        // SAFETY: the attribute object is ours and initialised before use and destroyed after;
        // the mutex is the caller's promise.
        unsafe {
            Errno::result(nix::libc::pthread_mutexattr_init(attr.as_mut_ptr()))?;
            let attr = attr.as_mut_ptr();
            let set = Errno::result(nix::libc::pthread_mutexattr_setpshared(
                attr,
                nix::libc::PTHREAD_PROCESS_SHARED,
            ))
            .and_then(|_| {
                Errno::result(nix::libc::pthread_mutexattr_setrobust(
                    attr,
                    nix::libc::PTHREAD_MUTEX_ROBUST,
                ))
            })
            .and_then(|_| Errno::result(nix::libc::pthread_mutex_init(mutex, attr)));
            nix::libc::pthread_mutexattr_destroy(attr);
            set?;
        }
        Ok(RobustMutex { mutex })
    }

    /// The mutex another process of ours initialised at `mutex` (a forked son's view).
    ///
    /// # Safety
    ///
    /// As for [`RobustMutex::init`], and the mutex there must have been initialised by it.
    pub unsafe fn at(mutex: *mut nix::libc::pthread_mutex_t) -> RobustMutex {
        RobustMutex { mutex }
    }

    /// Locks it, waiting for its owner; recovers it when its owner died holding it.
    pub fn lock(&self) -> Result<Taken, Errno> {
        // SAFETY: initialised by `init` in a mapping that outlives us (its callers' promise).
        let got = unsafe { nix::libc::pthread_mutex_lock(self.mutex) };
        self.taken(got)
    }

    /// Locks it if nobody holds it (`EBUSY` otherwise).
    pub fn try_lock(&self) -> Result<Taken, Errno> {
        // SAFETY: as for `lock`.
        let got = unsafe { nix::libc::pthread_mutex_trylock(self.mutex) };
        self.taken(got)
    }

    fn taken(&self, got: nix::libc::c_int) -> Result<Taken, Errno> {
        match got {
            0 => Ok(Taken::Clean),
            nix::libc::EOWNERDEAD => {
                // SAFETY: we own the lock now (EOWNERDEAD hands it over); marking it
                // consistent is what the owner of a recovered robust mutex must do.
                let fixed = unsafe { nix::libc::pthread_mutex_consistent(self.mutex) };
                match fixed {
                    0 => Ok(Taken::OwnerDied),
                    e => Err(Errno::from_raw(e)),
                }
            }
            e => Err(Errno::from_raw(e)),
        }
    }

    pub fn unlock(&self) {
        // SAFETY: called only by the owner, after `lock` or `try_lock` succeeded.
        unsafe { nix::libc::pthread_mutex_unlock(self.mutex) };
    }
}

/// Sends `bytes` and the descriptors `fds` in one message (`SCM_RIGHTS`): the other process
/// gets its own descriptors to the same open files, eventfds included, which no path could
/// reopen.
pub fn send_with_fds(socket: &OwnedFd, bytes: &[u8], fds: &[RawFd]) -> nix::Result<()> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let iov = [std::io::IoSlice::new(bytes)];
    let rights = [ControlMessage::ScmRights(fds)];
    let control: &[ControlMessage] = if fds.is_empty() { &[] } else { &rights };
    loop {
        match sendmsg::<()>(
            socket.as_raw_fd(),
            &iov,
            control,
            MsgFlags::MSG_NOSIGNAL,
            None,
        ) {
            Err(Errno::EINTR) => continue,
            other => return other.map(drop),
        }
    }
}

/// What one `recvmsg(2)` brought.
#[derive(Debug)]
pub struct Received {
    pub bytes: usize,
    /// The descriptors that came with them, ours now (close-on-exec).
    pub fds: Vec<OwnedFd>,
    /// The kernel had more descriptors than room for them (`MSG_CTRUNC`): some were closed.
    pub truncated: bool,
}

/// Receives one message and up to four descriptors.
pub fn recv_with_fds(socket: &OwnedFd, buffer: &mut [u8]) -> nix::Result<Received> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut space = nix::cmsg_space!([RawFd; 4]);
    let mut iov = [std::io::IoSliceMut::new(buffer)];
    let message = recvmsg::<()>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )?;
    let mut fds = Vec::new();
    for control in message.cmsgs()? {
        if let ControlMessageOwned::ScmRights(raw) = control {
            for fd in raw {
                // SAFETY: SCM_RIGHTS installed these descriptors in our table just now; nobody
                // else owns them.
                fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
    }
    Ok(Received {
        bytes: message.bytes,
        fds,
        truncated: message.flags.contains(MsgFlags::MSG_CTRUNC),
    })
}
