//! What we created and must remove even when the process ends on the fast path (a second stop
//! signal while cleaning up, which dies at once from the signal thread and runs no guard): each
//! removal guard registers its file (or scratch folder) here and unregisters when it has done
//! its work.

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

/// Removes every registered file that is still the one we made, then every registered
/// folder that still is, with what is in it.
pub fn remove_all_now() {
    let still_ours = |path: &PathBuf, ours: &(u64, u64, u32)| {
        let now = lstat(path).ok().map(|s| {
            let (dev, ino) = identity(&s);
            (dev, ino, s.st_uid)
        });
        now.as_ref() == Some(ours)
    };
    if let Ok(files) = FILES.lock() {
        for (_, path, ours) in files.iter() {
            if still_ours(path, ours) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    if let Ok(folders) = FOLDERS.lock() {
        for (_, path, ours) in folders.iter() {
            if still_ours(path, ours) {
                // remove_dir_all(3) does not follow symbolic links inside the folder.
                let _ = std::fs::remove_dir_all(path);
            }
        }
    }
}

/// Scratch folders we made (a private one each, in the per-user folder), removed whole.
static FOLDERS: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// Registers the folder `path`, which we made and nobody else can write in; returns the token
/// that unregisters it.
pub fn register_folder(path: PathBuf, identity: (u64, u64, u32)) -> u64 {
    let token = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if let Ok(mut folders) = FOLDERS.lock() {
        folders.push((token, path, identity));
    }
    token
}

pub fn unregister_folder(token: u64) {
    if let Ok(mut folders) = FOLDERS.lock() {
        folders.retain(|(t, _, _)| *t != token);
    }
}
