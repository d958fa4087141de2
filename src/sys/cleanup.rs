//! What we created and must remove even when the process ends on the fast path (a second stop
//! signal while cleaning up, which dies at once from the signal thread and runs no guard): each
//! removal guard registers its file (or scratch folder) here and unregisters when it has done
//! its work.

use std::path::PathBuf;
use std::sync::Mutex;

use nix::sys::stat::lstat;

use super::rendezvous::identity;

/// A folder to remove, and the (device, inode, owner) it must still have.
type Entry = (u64, PathBuf, (u64, u64, u32));

/// A file to remove: its path also as a C string, for a signal handler that may not allocate.
type FileEntry = (u64, PathBuf, std::ffi::CString, (u64, u64, u32));

static FILES: Mutex<Vec<FileEntry>> = Mutex::new(Vec::new());
static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Registers `path`; returns the token that unregisters it.
pub fn register(path: PathBuf, identity: (u64, u64, u32)) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let token = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // A path has no NUL byte; were it ever to, only the handler's copy is lost.
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap_or_default();
    if let Ok(mut files) = FILES.lock() {
        files.push((token, path, c_path, identity));
    }
    token
}

pub fn unregister(token: u64) {
    if let Ok(mut files) = FILES.lock() {
        files.retain(|(t, _, _, _)| *t != token);
    }
}

/// Removes every registered file that is still the one we made, from a signal handler on the
/// thread that registers them (the bench's, which has no signal thread): no allocation and no
/// waiting for a lock (if the interrupted code holds it, nothing is removed), only lstat(2)
/// and unlink(2), both async-signal-safe.
// st_dev and st_ino are u64 on Linux, narrower elsewhere.
#[allow(clippy::unnecessary_cast)]
pub fn remove_files_from_handler() {
    let Ok(files) = FILES.try_lock() else {
        return;
    };
    for (_, _, c_path, ours) in files.iter() {
        if c_path.as_bytes().is_empty() {
            continue;
        }
        let mut stat = std::mem::MaybeUninit::<nix::libc::stat>::uninit();
        // SAFETY: c_path is a valid NUL-terminated string that outlives the calls; lstat only
        // writes into `stat`, read only when it succeeded.
        unsafe {
            if nix::libc::lstat(c_path.as_ptr(), stat.as_mut_ptr()) == 0 {
                let stat = stat.assume_init();
                if (stat.st_dev as u64, stat.st_ino as u64, stat.st_uid) == *ours {
                    nix::libc::unlink(c_path.as_ptr());
                }
            }
        }
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
        for (_, path, _, ours) in files.iter() {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_handler_removes_our_file_and_spares_one_put_in_its_place() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("ours.tmp");
        let swapped = dir.path().join("swapped.tmp");
        let identity = |path: &std::path::Path| {
            let meta = std::fs::metadata(path).unwrap();
            (meta.dev(), meta.ino(), meta.uid())
        };
        std::fs::write(&ours, "x").unwrap();
        let a = register(ours.clone(), identity(&ours));
        std::fs::write(&swapped, "x").unwrap();
        let b = register(swapped.clone(), identity(&swapped));
        // Someone else's file now has the name we registered (made while ours still exists,
        // so it cannot reuse its inode).
        std::fs::write(dir.path().join("other"), "theirs").unwrap();
        std::fs::rename(dir.path().join("other"), &swapped).unwrap();
        remove_files_from_handler();
        assert!(!ours.exists());
        assert!(swapped.exists());
        unregister(a);
        unregister(b);
    }
}
