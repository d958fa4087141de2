//! What a kept benchmark result must say about where it ran (the CPU, how many CPUs and which
//! ones the run may use, the kernel, the largest pipe an unprivileged process may ask for), and
//! whether a file can be written where an export is asked for. Data only: `report` says it.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// The machine a bench ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Machine {
    /// The CPU's model name (`model name` in /proc/cpuinfo), when the system says.
    pub cpu_model: Option<String>,
    /// CPUs online.
    pub cpus_online: usize,
    /// The CPUs this process may run on (`sched_getaffinity(2)`: `taskset` narrows them).
    pub cpus_allowed: Vec<usize>,
    /// The kernel: its name, release and build (`uname -srv`), when the system says.
    pub kernel: Option<String>,
    /// /proc/sys/fs/pipe-max-size, in bytes.
    pub pipe_max_size_bytes: Option<usize>,
}

/// Reads the machine's facts; what cannot be read is left out (`None`, empty).
pub fn facts() -> Machine {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty())
    };
    let cpu_model = read("/proc/cpuinfo").and_then(|info| {
        info.lines()
            .find(|line| line.starts_with("model name"))
            .and_then(|line| line.split_once(':'))
            .map(|(_, model)| model.trim().to_string())
    });
    let kernel = match (
        read("/proc/sys/kernel/ostype"),
        read("/proc/sys/kernel/osrelease"),
        read("/proc/sys/kernel/version"),
    ) {
        (Some(name), Some(release), Some(build)) => Some(format!("{name} {release} {build}")),
        _ => None,
    };
    Machine {
        cpu_model,
        cpus_online: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpus_allowed: allowed_cpus(),
        kernel,
        pipe_max_size_bytes: super::pipesize::max_size(),
    }
}

#[cfg(target_os = "linux")]
fn allowed_cpus() -> Vec<usize> {
    use nix::sched::{CpuSet, sched_getaffinity};
    match sched_getaffinity(nix::unistd::Pid::from_raw(0)) {
        Ok(set) => (0..CpuSet::count())
            .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Vec<usize> {
    Vec::new()
}

/// Why a result cannot be written at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unwritable {
    /// The folder it would go in is not there.
    NoFolder(PathBuf),
    /// The path is a folder.
    IsFolder,
    /// Something other than a plain file is there (a device, a FIFO, a socket, a link): ours
    /// to replace only if it is a file.
    NotAFile,
    /// The folder is in a kernel file system (/proc, /sys): no place for a file.
    KernelFiles,
    /// The folder is on a read-only file system, or we may not write in it.
    ReadOnly(PathBuf),
    /// The path names no file (it ends with `/`, `.` or `..`).
    NoFileName,
    /// The name is too long to write beside it under a temporary name (at most this many
    /// bytes).
    NameTooLong(usize),
    /// A file of another user is there: not ours to replace.
    NotYours,
    /// A read-only file is there: someone meant to keep it.
    ReadOnlyFile,
}

/// The most bytes a file name may have (NAME_MAX) less what the temporary name adds
/// (`.NAME.` and 16 hex digits and `.tmp`).
pub const LONGEST_NAME: usize = 255 - 22;

/// Whether a file can be put at `path` by writing a new one beside it and renaming it over:
/// its folder exists, is writable and holds ordinary files, and nothing but a plain file is
/// there now.
pub fn writable(path: &Path) -> Result<(), Unwritable> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => return Err(Unwritable::IsFolder),
        Ok(meta) if !meta.is_file() => return Err(Unwritable::NotAFile),
        Ok(meta) if meta.uid() != nix::unistd::geteuid().as_raw() => {
            return Err(Unwritable::NotYours);
        }
        Ok(meta) if meta.mode() & 0o200 == 0 => return Err(Unwritable::ReadOnlyFile),
        _ => {}
    }
    // Path's components hide a trailing `/` or `.`: look at the bytes.
    let bytes = path.as_os_str().as_bytes();
    let last = bytes.rsplit(|&b| b == b'/').next().unwrap_or_default();
    let no_name = matches!(last, b"" | b"." | b"..");
    let Some(name) = path.file_name().filter(|_| !no_name) else {
        return Err(Unwritable::NoFileName);
    };
    if name.as_bytes().len() > LONGEST_NAME {
        return Err(Unwritable::NameTooLong(LONGEST_NAME));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(Unwritable::NoFolder(folder));
    }
    if in_kernel_files(&folder) {
        return Err(Unwritable::KernelFiles);
    }
    use nix::unistd::{AccessFlags, access};
    let read_only = nix::sys::statvfs::statvfs(&folder)
        .is_ok_and(|s| s.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY));
    if read_only || access(&folder, AccessFlags::W_OK | AccessFlags::X_OK).is_err() {
        return Err(Unwritable::ReadOnly(folder));
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn in_kernel_files(folder: &Path) -> bool {
    use nix::sys::statfs::{PROC_SUPER_MAGIC, SYSFS_MAGIC, statfs};
    statfs(folder).is_ok_and(|s| {
        let kind = s.filesystem_type();
        kind == PROC_SUPER_MAGIC || kind == SYSFS_MAGIC
    })
}

#[cfg(not(target_os = "linux"))]
fn in_kernel_files(_: &Path) -> bool {
    false
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_says_what_it_can() {
        let m = facts();
        assert!(m.cpus_online >= 1);
        if cfg!(target_os = "linux") {
            assert!(!m.cpus_allowed.is_empty());
            assert!(m.kernel.as_deref().is_some_and(|k| k.starts_with("Linux ")));
        }
    }

    #[test]
    fn only_a_plain_file_in_a_writable_folder_is_writable() {
        let dir = std::env::temp_dir();
        assert_eq!(writable(&dir.join("ipcdemo-no-such-file.json")), Ok(()));
        assert_eq!(writable(&dir), Err(Unwritable::IsFolder));
        assert!(matches!(
            writable(Path::new("/no/such/folder/x.csv")),
            Err(Unwritable::NoFolder(_))
        ));
        assert_eq!(writable(Path::new("new/.")), Err(Unwritable::NoFileName));
        assert_eq!(writable(Path::new("x.csv/")), Err(Unwritable::NoFileName));
        let long = "x".repeat(LONGEST_NAME + 1);
        assert_eq!(
            writable(&dir.join(long)),
            Err(Unwritable::NameTooLong(LONGEST_NAME))
        );
        if cfg!(target_os = "linux") {
            assert_eq!(
                writable(Path::new("/proc/x.json")),
                Err(Unwritable::KernelFiles)
            );
            assert_eq!(writable(Path::new("/dev/null")), Err(Unwritable::NotAFile));
        }
    }
}
