//! A log of a son's writes in memory the father shares (`MAP_SHARED`, made before `fork(2)`,
//! so a thread son and a forked son use it alike): when each `write(2)` was called and
//! returned, and which bytes of the stream it carried. The son publishes an entry *before* its
//! write, so when a read returns those bytes the father already sees which write they came
//! from. Memory stores only: no system call is added to the data path.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};

use super::{Context, Doing, SysError};

/// Entries kept; a son that gets further ahead of its father than this loses the oldest.
const ENTRIES: usize = 1 << 16;

/// One write, as the son logged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedWrite {
    /// CLOCK_MONOTONIC ns just before the call.
    pub call_ns: u64,
    /// Just after it returned; 0 while it has not.
    pub return_ns: u64,
    /// The stream offsets it carried: bytes `[from, to)`.
    pub from: u64,
    pub to: u64,
}

#[repr(C)]
struct Entry {
    call_ns: AtomicU64,
    return_ns: AtomicU64,
    from: AtomicU64,
    to: AtomicU64,
}

#[repr(C)]
struct Shared {
    /// Entries published so far.
    count: AtomicU64,
    entries: [Entry; ENTRIES],
}

/// The log; the mapping lives as long as this (and in a forked son, as long as the son).
pub struct WriteLog {
    shared: NonNull<Shared>,
}

// SAFETY: every field of the mapping is an atomic; the mapping is never moved or resized.
unsafe impl Send for WriteLog {}
// SAFETY: as above: shared access goes through atomics only.
unsafe impl Sync for WriteLog {}

impl WriteLog {
    pub fn new() -> Result<WriteLog, SysError> {
        let size = std::num::NonZeroUsize::new(std::mem::size_of::<Shared>())
            .ok_or(nix::errno::Errno::EINVAL)
            .doing(Doing::SharingMemory)?;
        // SAFETY: a fresh anonymous mapping, zero-filled, which is a valid `Shared` (all
        // atomics at 0); nothing else refers to it.
        let memory = unsafe {
            mmap_anonymous(
                None,
                size,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )
        }
        .doing(Doing::SharingMemory)?;
        Ok(WriteLog {
            shared: memory.cast(),
        })
    }

    fn shared(&self) -> &Shared {
        // SAFETY: the mapping is valid and properly aligned (page-aligned) for as long as
        // `self` lives, and only ever accessed through atomics.
        unsafe { self.shared.as_ref() }
    }

    /// The son, just before its write: returns the entry's index, to mark its return.
    pub fn called(&self, call_ns: u64, from: u64, to: u64) -> u64 {
        let shared = self.shared();
        let index = shared.count.load(Ordering::Relaxed);
        let entry = &shared.entries[index as usize % ENTRIES];
        entry.return_ns.store(0, Ordering::Relaxed);
        entry.call_ns.store(call_ns, Ordering::Relaxed);
        entry.from.store(from, Ordering::Relaxed);
        entry.to.store(to, Ordering::Relaxed);
        // Published before the write(2): the father's read of these bytes comes after.
        shared.count.store(index + 1, Ordering::Release);
        index
    }

    /// The son, just after its write returned.
    pub fn returned(&self, index: u64, return_ns: u64) {
        let entry = &self.shared().entries[index as usize % ENTRIES];
        entry.return_ns.store(return_ns, Ordering::Release);
    }

    /// Entries published so far.
    pub fn count(&self) -> u64 {
        self.shared().count.load(Ordering::Acquire)
    }

    /// Entry `index`, if it is still kept.
    pub fn get(&self, index: u64) -> Option<LoggedWrite> {
        let count = self.count();
        if index >= count || count - index > ENTRIES as u64 {
            return None;
        }
        let entry = &self.shared().entries[index as usize % ENTRIES];
        Some(LoggedWrite {
            call_ns: entry.call_ns.load(Ordering::Relaxed),
            return_ns: entry.return_ns.load(Ordering::Acquire),
            from: entry.from.load(Ordering::Relaxed),
            to: entry.to.load(Ordering::Relaxed),
        })
    }
}

impl Drop for WriteLog {
    fn drop(&mut self) {
        // SAFETY: the mapping we made, of this size, no longer used once we are dropped.
        let _ = unsafe { munmap(self.shared.cast(), std::mem::size_of::<Shared>()) };
    }
}
