//! Where a father and its sons meet: the default per-user folder, and the checks that make a
//! path in a shared folder safe to open. FIFOs and sockets usually live in `/tmp`, where
//! anybody can put anything, so the path is treated as hostile: nothing is followed, nothing
//! that is not ours is used, and nothing we did not create is removed.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::stat::{FileStat, SFlag, lstat};
use nix::unistd::geteuid;

use super::{Context, Doing, SysError};

type Result<T> = std::result::Result<T, SysError>;

/// The kind of file a path holds; `report` puts it into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Fifo,
    Socket,
    Symlink,
    Regular,
    Directory,
    CharDevice,
    BlockDevice,
    Unknown,
}

pub fn kind_of(stat: &FileStat) -> FileKind {
    match SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT {
        SFlag::S_IFIFO => FileKind::Fifo,
        SFlag::S_IFSOCK => FileKind::Socket,
        SFlag::S_IFLNK => FileKind::Symlink,
        SFlag::S_IFREG => FileKind::Regular,
        SFlag::S_IFDIR => FileKind::Directory,
        SFlag::S_IFCHR => FileKind::CharDevice,
        SFlag::S_IFBLK => FileKind::BlockDevice,
        _ => FileKind::Unknown,
    }
}

/// What we expected to find at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Fifo,
    Socket,
}

impl Object {
    fn file_type(self) -> SFlag {
        match self {
            Object::Fifo => SFlag::S_IFIFO,
            Object::Socket => SFlag::S_IFSOCK,
        }
    }
}

/// Why a path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The path holds the wrong kind of file.
    WrongKind { found: FileKind, wanted: Object },
    /// The default folder is not a folder.
    FolderIsNot(FileKind),
    /// The default folder belongs to another user.
    FolderOwner { owner: u32, me: u32 },
    /// The default folder is open to other users.
    FolderMode(u32),
    /// The FIFO or socket belongs to another user.
    Owner { what: Object, owner: u32, me: u32 },
    /// Others could write to the FIFO or socket.
    Writable(u32),
    /// The FIFO was swapped for another file while we used it.
    Replaced,
    /// The process listening on the socket is another user's.
    ListenerOwner { owner: u32, me: u32 },
}

/// A refused path, as an error.
pub fn refuse(path: &Path, refusal: Refusal) -> SysError {
    SysError::Refused {
        path: path.to_path_buf(),
        refusal,
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
        .doing_on(Doing::CreatingFolder, dir)
}

/// The default folder must be ours and closed to others, or someone who made
/// `/tmp/ipcdemo-<uid>` first could read, inject or replace what we put there.
fn check_private_dir(dir: &Path) -> Result<()> {
    let stat = lstat(dir).doing_on(Doing::Examining, dir)?;
    if !is_kind(&stat, SFlag::S_IFDIR) {
        return Err(refuse(dir, Refusal::FolderIsNot(kind_of(&stat))));
    }
    let me = geteuid().as_raw();
    if stat.st_uid != me {
        let owner = stat.st_uid;
        return Err(refuse(dir, Refusal::FolderOwner { owner, me }));
    }
    let mode = stat.st_mode & 0o777;
    if mode & 0o077 != 0 {
        return Err(refuse(dir, Refusal::FolderMode(mode)));
    }
    Ok(())
}

/// What is at the path before we open it.
pub enum Existing {
    Nothing,
    /// Ours, of the expected kind, and closed to other writers.
    Usable,
}

/// Looks at the path without following it. Refuses anything but a `what` that belongs to us
/// and that others cannot write.
pub fn inspect(path: &Path, what: Object) -> Result<(Existing, Option<FileStat>)> {
    let stat = match lstat(path) {
        Ok(stat) => stat,
        Err(Errno::ENOENT) => return Ok((Existing::Nothing, None)),
        Err(e) => return Err(e).doing_on(Doing::Examining, path),
    };
    check_is_ours(path, &stat, what)?;
    Ok((Existing::Usable, Some(stat)))
}

/// The checks of [`inspect`], also run with `fstat(2)` on what was really opened.
pub fn check_is_ours(path: &Path, stat: &FileStat, what: Object) -> Result<()> {
    if !is_kind(stat, what.file_type()) {
        let found = kind_of(stat);
        return Err(refuse(
            path,
            Refusal::WrongKind {
                found,
                wanted: what,
            },
        ));
    }
    let me = geteuid().as_raw();
    if stat.st_uid != me {
        let owner = stat.st_uid;
        return Err(refuse(path, Refusal::Owner { what, owner, me }));
    }
    let mode = stat.st_mode & 0o777;
    if mode & 0o022 != 0 {
        return Err(refuse(path, Refusal::Writable(mode)));
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
