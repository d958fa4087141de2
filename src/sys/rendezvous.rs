//! Where a father and its sons meet: the default per-user folder, and the checks that make a
//! path in a shared folder safe to open. FIFOs and sockets usually live in `/tmp`, where
//! anybody can put anything, so the path is treated as hostile: nothing is followed, nothing
//! that is not ours is used, and nothing we did not create is removed.

use std::fs::DirBuilder;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use std::os::fd::OwnedFd;

use nix::errno::Errno;
use nix::sys::stat::{FileStat, SFlag, fstat, lstat};
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

/// A path resolved, and the repair made on the way.
#[derive(Debug)]
pub struct Resolved {
    pub path: PathBuf,
    /// The per-user folder was ours but its owner bits were missing (an earlier run under an
    /// odd umask made it so): its mode before we set it back to 0700.
    pub repaired: Option<(PathBuf, u32)>,
}

/// The path to use: `--path` as given, or `name` in the checked per-user folder. Missing
/// folders are created with mode 0700 exactly, whatever the umask (the notebook died with
/// FileNotFoundError here).
pub fn resolve(path: Option<&Path>, name: &str) -> Result<Resolved> {
    match path {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                create_private_dirs(parent)?;
            }
            Ok(Resolved {
                path: path.to_path_buf(),
                repaired: None,
            })
        }
        None => {
            let (dir, repaired) = private_folder()?;
            Ok(Resolved {
                path: dir.join(name),
                repaired: repaired.map(|mode| (dir, mode)),
            })
        }
    }
}

/// The per-user folder, created if missing and checked; the mode it had if it was repaired.
pub fn private_folder() -> Result<(PathBuf, Option<u32>)> {
    let dir = default_dir();
    create_private_dirs(&dir)?;
    let repaired = check_private_dir(&dir)?;
    Ok((dir, repaired))
}

/// Runs `make` with the umask at `mask`, then puts the old one back. The umask belongs to the
/// whole process; nothing else here creates files while it runs (the only other thread waits
/// for signals).
pub fn with_umask<T>(mask: u32, make: impl FnOnce() -> T) -> T {
    use nix::sys::stat::{Mode, umask};
    let old = umask(Mode::from_bits_truncate(mask));
    let made = make();
    umask(old);
    made
}

/// Creates the missing folders of `dir`, each 0700: a umask that clears owner bits (`umask
/// 277` would give 0500, where not even we could make the FIFO) does not apply.
fn create_private_dirs(dir: &Path) -> Result<()> {
    with_umask(0o077, || {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)
    })
    .doing_on(Doing::CreatingFolder, dir)
}

/// The default folder must be ours and closed to others, or someone who made
/// `/tmp/ipcdemo-<uid>` first could read, inject or replace what we put there. One that is ours
/// but lacks owner bits is repaired; returns the mode it had then.
fn check_private_dir(dir: &Path) -> Result<Option<u32>> {
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
    if mode != 0o700 {
        // Ours and closed to others, but we could not use it: give ourselves our bits back
        // (lstat above showed the path is our folder itself, not a link).
        use std::os::unix::fs::PermissionsExt;
        let changed = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        changed.doing_on(Doing::SettingMode, dir)?;
        return Ok(Some(mode));
    }
    Ok(None)
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

/// Removes the file at `path` on drop, if it is still the very one we created: same device,
/// inode and owner. A file someone put there since is never touched.
///
/// The identity is taken from the object itself, through a descriptor opened right after we
/// made it, and that descriptor stays open until the unlink, so the inode cannot be freed and
/// given to another file in the meantime (on ext4 a freed inode number is soon reused). On
/// Linux it is an `O_PATH` descriptor: it neither reads nor writes, so a FIFO sees no extra
/// reader. What remains is the moment between the last check and `unlink(2)`, which Linux
/// cannot close (there is no "unlink this inode"): someone able to rename entries in the folder
/// could swap the file then. Other users cannot do that in a sticky folder such as /tmp, nor
/// enter our 0700 per-user folder at all; only we (or root) could race ourselves.
pub struct RemoveOnExit {
    path: PathBuf,
    identity: Option<(u64, u64, u32)>,
    _held: Option<OwnedFd>,
    /// Registered for removal on the fast path of a second stop signal.
    token: Option<u64>,
}

impl RemoveOnExit {
    /// Adopts what is at `path` now, which we just created; nothing is adopted if it is not
    /// ours (someone swapped it already).
    pub fn new(path: &Path) -> Self {
        let held = hold(path);
        let stat = match &held {
            Some(fd) => fstat(fd).ok(),
            None => lstat(path).ok(),
        };
        let me = geteuid().as_raw();
        let identity = stat.filter(|s| s.st_uid == me).map(|s| {
            let (dev, ino) = identity(&s);
            (dev, ino, s.st_uid)
        });
        let token = identity.map(|id| super::cleanup::register(path.to_path_buf(), id));
        RemoveOnExit {
            path: path.to_path_buf(),
            identity,
            _held: held,
            token,
        }
    }

    /// Leaves the file in place after all (a son's FIFO, which a father may already hold).
    pub fn keep(mut self) {
        self.identity = None;
    }
}

#[cfg(target_os = "linux")]
fn hold(path: &Path) -> Option<OwnedFd> {
    use nix::fcntl::{OFlag, open};
    open(
        path,
        OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .ok()
}

#[cfg(not(target_os = "linux"))]
fn hold(_path: &Path) -> Option<OwnedFd> {
    None
}

impl Drop for RemoveOnExit {
    fn drop(&mut self) {
        if let Some(token) = self.token {
            super::cleanup::unregister(token);
        }
        let Some(ours) = self.identity else { return };
        let now = lstat(&self.path).ok().map(|s| {
            let (dev, ino) = identity(&s);
            (dev, ino, s.st_uid)
        });
        if now == Some(ours) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A folder of our own inside `parent` (`mkdtemp(3)`: a fresh name, mode 0700), removed with
/// everything in it on drop, and on the fast path of a second stop signal too. Nobody else can
/// put anything in it, so removing it whole removes only what we (and our sons) made.
pub struct ScratchFolder {
    path: PathBuf,
    token: u64,
}

impl ScratchFolder {
    /// `parent/<prefix>.XXXXXX`, mode 0700 exactly: mkdtemp(3) applies the umask, and under
    /// `umask 277` we could not make anything in it, under `umask 477` not even list it to
    /// remove it.
    pub fn new_in(parent: &Path, prefix: &str) -> Result<ScratchFolder> {
        let template = parent.join(format!("{prefix}.XXXXXX"));
        let path = with_umask(0o077, || nix::unistd::mkdtemp(&template))
            .doing_on(Doing::CreatingScratch, &template)?;
        let token = match lstat(&path) {
            Ok(stat) => {
                let (dev, ino) = identity(&stat);
                super::cleanup::register_folder(path.clone(), (dev, ino, stat.st_uid))
            }
            Err(e) => {
                let _ = std::fs::remove_dir(&path);
                return Err(e).doing_on(Doing::CreatingScratch, &path);
            }
        };
        Ok(ScratchFolder { path, token })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for ScratchFolder {
    fn drop(&mut self) {
        super::cleanup::unregister_folder(self.token);
        // Ours, so make sure we may list it before emptying it.
        let _ = set_private_mode(&self.path);
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn set_private_mode(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}
