//! Where a father and its sons meet: the default per-user folder, and the checks that make a
//! path in a shared folder safe to open. FIFOs and sockets usually live in `/tmp`, where
//! anybody can put anything, so the path is treated as hostile: nothing is followed, nothing
//! that is not ours is used, and nothing we did not create is removed.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::sys::stat::{FileStat, SFlag, lstat};
use nix::unistd::geteuid;

/// The kind of file a path holds, in words for error messages.
pub fn kind_of(stat: &FileStat) -> &'static str {
    match SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT {
        SFlag::S_IFIFO => "a FIFO",
        SFlag::S_IFSOCK => "a socket",
        SFlag::S_IFLNK => "a symbolic link",
        SFlag::S_IFREG => "a regular file",
        SFlag::S_IFDIR => "a directory",
        SFlag::S_IFCHR => "a character device",
        SFlag::S_IFBLK => "a block device",
        _ => "an unknown kind of file",
    }
}

pub fn is_kind(stat: &FileStat, kind: SFlag) -> bool {
    SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT == kind
}

/// The per-user folder: `$XDG_RUNTIME_DIR/ipcdemo`, else `/tmp/ipcdemo-<uid>`.
pub fn default_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("ipcdemo"),
        _ => PathBuf::from(format!("/tmp/ipcdemo-{}", geteuid())),
    }
}

/// The path to use: `--path` as given, or `name` in the checked per-user folder. Missing
/// folders are created with mode 0700 (the notebook died with FileNotFoundError here).
pub fn resolve(path: Option<&Path>, name: &str) -> Result<PathBuf> {
    match path {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                create_private_dirs(parent)?;
            }
            Ok(path.to_path_buf())
        }
        None => {
            let dir = default_dir();
            create_private_dirs(&dir)?;
            check_private_dir(&dir)?;
            Ok(dir.join(name))
        }
    }
}

fn create_private_dirs(dir: &Path) -> Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating the folder {}", dir.display()))
}

/// The default folder must be ours and closed to others, or someone who made
/// `/tmp/ipcdemo-<uid>` first could read, inject or replace what we put there.
fn check_private_dir(dir: &Path) -> Result<()> {
    let stat = lstat(dir).with_context(|| format!("examining {}", dir.display()))?;
    if !is_kind(&stat, SFlag::S_IFDIR) {
        bail!(
            "refusing to use {}: it is {}, not a folder; remove it or pass --path",
            dir.display(),
            kind_of(&stat)
        );
    }
    let me = geteuid().as_raw();
    if stat.st_uid != me {
        bail!(
            "refusing to use {}: it belongs to uid {}, not to you (uid {me}); someone else may \
             have made it to watch or feed your demo; remove it or pass --path",
            dir.display(),
            stat.st_uid
        );
    }
    let mode = stat.st_mode & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "refusing to use {}: its mode is {mode:04o}, so other users can reach what is in \
             it; run `chmod 700 {}` or pass --path",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

/// What is at the path before we open it.
pub enum Existing {
    Nothing,
    /// Ours, of the expected kind, and closed to other writers.
    Usable,
}

/// Looks at the path without following it. Refuses anything but a file of `kind` that belongs
/// to us and that others cannot write; `what` names the kind ("FIFO", "socket").
pub fn inspect(path: &Path, kind: SFlag, what: &str) -> Result<(Existing, Option<FileStat>)> {
    let stat = match lstat(path) {
        Ok(stat) => stat,
        Err(Errno::ENOENT) => return Ok((Existing::Nothing, None)),
        Err(e) => return Err(e).with_context(|| format!("examining {}", path.display())),
    };
    check_is_ours(path, &stat, kind, what)?;
    Ok((Existing::Usable, Some(stat)))
}

/// The checks of [`inspect`], also run with `fstat(2)` on what was really opened.
pub fn check_is_ours(path: &Path, stat: &FileStat, kind: SFlag, what: &str) -> Result<()> {
    if !is_kind(stat, kind) {
        bail!(
            "refusing to use {}: it is {}, not a {what}; it was left untouched; remove it \
             yourself or pass another --path",
            path.display(),
            kind_of(stat)
        );
    }
    let me = geteuid().as_raw();
    if stat.st_uid != me {
        bail!(
            "refusing to use {}: the {what} belongs to uid {}, not to you (uid {me}); pass \
             another --path",
            path.display(),
            stat.st_uid
        );
    }
    let mode = stat.st_mode & 0o777;
    if mode & 0o022 != 0 {
        bail!(
            "refusing to use {}: its mode is {mode:04o}, so other users could write to it; \
             run `chmod go-w {}` (or `chmod 600`) first",
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// True when others may read the file (they could steal messages): worth a warning.
pub fn readable_by_others(stat: &FileStat) -> bool {
    stat.st_mode & 0o044 != 0
}

/// Device and inode: which file this is, whatever its name.
#[allow(clippy::unnecessary_cast)] // st_dev is an i32 on macOS
pub fn identity(stat: &FileStat) -> (u64, u64) {
    (stat.st_dev as u64, stat.st_ino as u64)
}

/// Removes the file at `path` on drop, if it is still the very one we created (same device and
/// inode): a file someone put there since is never touched.
pub struct RemoveOnExit {
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl RemoveOnExit {
    pub fn new(path: &Path) -> Self {
        let identity = lstat(path).ok().map(|s| identity(&s));
        RemoveOnExit {
            path: path.to_path_buf(),
            identity,
        }
    }
}

impl Drop for RemoveOnExit {
    fn drop(&mut self) {
        let now = lstat(&self.path).ok().map(|s| identity(&s));
        if now.is_some() && now == self.identity {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
