//! System helpers: signals (as a stop and as a channel), pipe sizes, safe paths, FIFOs, sockets,
//! message queues, shared memory, CPU time, who holds a pipe (`/proc`). They make the system
//! calls and return data and typed errors, never text: what went wrong is a [`SysError`], and
//! the words for it live in `report`.

pub mod atomic_file;
pub mod cleanup;
pub mod clock;
pub mod fifo;
pub mod lock;
pub mod machine;
pub mod mqueue;
pub mod net;
pub mod pipesize;
pub mod procfd;
pub mod rendezvous;
#[cfg(target_os = "linux")]
pub mod ring;
#[cfg(target_os = "linux")]
pub mod shm;
pub mod signals;
pub mod sigqueue;
pub mod socket_setup;
pub mod usage;
pub mod wchan;
pub mod write_log;

use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::Signal;

pub use rendezvous::{FileKind, Object, Refusal};

/// What we were doing when a system call failed: the context of an error, before the errno
/// says why. `report` puts each into words, in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    CreatingFolder,
    Examining,
    CreatingFifo,
    Opening,
    SettingMode,
    Reading,
    Reopening,
    MakingBlocking,
    MakingNonblocking,
    WritingTo,
    RemovingStaleSocket,
    CheckingInUse,
    Binding,
    ListeningOn,
    Publishing,
    ConnectingTo,
    CreatingPipe,
    CreatingSocket,
    ForkingSon,
    StartingThread,
    ReadingPipe,
    WritingPipe,
    WaitingForSon,
    WaitingForSons,
    AcceptingSon,
    ReadingFromSon,
    AskingPeer,
    SettingParentDeathSignal,
    InstallingSignals,
    WritingStdout,
    WritingRecords,
    ReadingRecords,
    CreatingScratch,
    Accepting,
    SettingNoDelay,
    Pinning,
    ReadingAffinity,
    ForkingBenchChild,
    WaitingForBenchChild,
    Streaming,
    Draining,
    PingPong,
    OpeningDevNull,
    Locking,
    OpeningQueue,
    CreatingQueue,
    RemovingQueue,
    ReadingQueueAttributes,
    SendingToQueue,
    ReceivingFromQueue,
    WaitingForRoom,
    SharingMemory,
    WritingTrace,
    WritingExport,
    BlockingSignals,
    SettingQueueLimit,
    ReadingProcess,
    SendingSignal,
    WaitingForSignal,
    OpeningPidfd,
    ScanningProc,
    PassingDescriptor,
    ReceivingDescriptor,
    SettingPassCred,
    Executing,
    KillingSon,
    CreatingMemfd,
    Sealing,
    Mapping,
    CreatingEventfd,
    PassingDescriptors,
    ReceivingDescriptors,
    InitialisingMutex,
    LockingMutex,
    WaitingInRing,
}

/// A failed system call, or a path we refused, or a stop signal that cut a call short.
#[derive(Debug)]
pub enum SysError {
    /// A system call failed while we were `doing` something (on `path`, where there is one).
    Call {
        doing: Doing,
        path: Option<PathBuf>,
        errno: Errno,
    },
    /// A path that is not ours or not safe; left untouched.
    Refused { path: PathBuf, refusal: Refusal },
    /// A stop signal arrived while we waited.
    Stopped(Signal),
}

impl SysError {
    /// The errno of a failed call, if this is one.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            SysError::Call { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

impl From<signals::Stopped> for SysError {
    fn from(stopped: signals::Stopped) -> Self {
        SysError::Stopped(stopped.0)
    }
}

/// The errno behind an `io::Error` (std's calls all carry one; EIO stands in otherwise).
pub fn errno_of(error: &std::io::Error) -> Errno {
    error.raw_os_error().map_or(Errno::EIO, Errno::from_raw)
}

/// Attaches what we were doing to a failed call: `.doing(Doing::CreatingPipe)?`.
pub trait Context<T> {
    fn doing(self, doing: Doing) -> Result<T, SysError>;
    fn doing_on(self, doing: Doing, path: &Path) -> Result<T, SysError>;
}

impl<T> Context<T> for nix::Result<T> {
    fn doing(self, doing: Doing) -> Result<T, SysError> {
        self.map_err(|errno| SysError::Call {
            doing,
            path: None,
            errno,
        })
    }

    fn doing_on(self, doing: Doing, path: &Path) -> Result<T, SysError> {
        self.map_err(|errno| SysError::Call {
            doing,
            path: Some(path.to_path_buf()),
            errno,
        })
    }
}

impl<T> Context<T> for std::io::Result<T> {
    fn doing(self, doing: Doing) -> Result<T, SysError> {
        self.map_err(|e| errno_of(&e)).doing(doing)
    }

    fn doing_on(self, doing: Doing, path: &Path) -> Result<T, SysError> {
        self.map_err(|e| errno_of(&e)).doing_on(doing, path)
    }
}

/// Bytes waiting to be read on a pipe, FIFO or socket (`FIONREAD`, `ioctl(2)`), where the
/// system says.
pub fn bytes_waiting(fd: std::os::fd::BorrowedFd<'_>) -> Option<u64> {
    use std::os::fd::AsRawFd;
    let mut waiting: nix::libc::c_int = 0;
    // SAFETY: FIONREAD writes one int, which we own, for a descriptor we hold.
    let done = unsafe { nix::libc::ioctl(fd.as_raw_fd(), nix::libc::FIONREAD, &mut waiting) };
    (done == 0).then(|| u64::try_from(waiting).unwrap_or(0))
}

/// `PIPE_BUF`: the largest write to a pipe or FIFO that `pipe(7)` promises is atomic. A
/// constant on Linux (4096); elsewhere the system says (`fpathconf(_PC_PIPE_BUF)`: 512 on macOS).
#[cfg(target_os = "linux")]
pub fn pipe_buf() -> usize {
    nix::libc::PIPE_BUF
}

#[cfg(not(target_os = "linux"))]
pub fn pipe_buf() -> usize {
    use std::os::fd::AsRawFd;
    let Ok((read_end, _write_end)) = nix::unistd::pipe() else {
        return 512; // POSIX's minimum (_POSIX_PIPE_BUF)
    };
    // SAFETY: fpathconf only reads a property of an open descriptor we own.
    let value = unsafe { nix::libc::fpathconf(read_end.as_raw_fd(), nix::libc::_PC_PIPE_BUF) };
    usize::try_from(value).unwrap_or(512)
}
