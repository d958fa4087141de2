//! What we created and must remove even when the process ends on the fast path (a second stop
//! signal while cleaning up, which dies at once from the signal thread and runs no guard): each
//! removal guard registers its file here and unregisters when it has done its work.

use std::path::PathBuf;
use std::sync::Mutex;

use nix::sys::stat::lstat;

use super::rendezvous::identity;

/// A file to remove, and the (device, inode, owner) it must still have.
type Entry = (u64, PathBuf, (u64, u64, u32));

static FILES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Registers `path`; returns the token that unregisters it.
pub fn register(path: PathBuf, identity: (u64, u64, u32)) -> u64 {
    let token = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if let Ok(mut files) = FILES.lock() {
        files.push((token, path, identity));
    }
    token
}

pub fn unregister(token: u64) {
    if let Ok(mut files) = FILES.lock() {
        files.retain(|(t, _, _)| *t != token);
    }
}

/// Removes every registered file that is still the one we made.
pub fn remove_all_now() {
    let Ok(files) = FILES.lock() else { return };
    for (_, path, ours) in files.iter() {
        let now = lstat(path).ok().map(|s| {
            let (dev, ino) = identity(&s);
            (dev, ino, s.st_uid)
        });
        if now.as_ref() == Some(ours) {
            let _ = std::fs::remove_file(path);
        }
    }
}
