//! Who holds the ends of a pipe, as `/proc` says (`proc(5)`): `/proc/<pid>/fd/<n>` is a link
//! whose text names what descriptor `n` refers to (`pipe:[48211]` for a pipe, by its inode), and
//! the `flags:` line of `/proc/<pid>/fdinfo/<n>` gives its open flags in octal, whose access
//! mode tells a read end (`O_RDONLY`, 0) from a write end (`O_WRONLY`, 01) and whose
//! `O_CLOEXEC` bit says whether an `execve(2)` would close it.
//!
//! Processes whose descriptors we may not see (another user's, unless we are root) are skipped
//! and counted; processes that end while we look are skipped and not counted. Linux only.

use std::os::fd::AsFd;
use std::path::Path;

use nix::errno::Errno;
use serde::Serialize;

use super::{Context, Doing, SysError};

/// Which end of a pipe a descriptor is, from its access mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PipeEnd {
    /// `O_RDONLY`: `read(2)` only.
    Read,
    /// `O_WRONLY`: `write(2)` only.
    Write,
    /// `O_RDWR`: both; Linux allows it when `/proc/<pid>/fd/<n>` of a pipe is opened so. A
    /// writer all the same.
    ReadWrite,
}

impl PipeEnd {
    /// From the flags of `fdinfo` or `F_GETFL`.
    pub fn from_flags(flags: i32) -> PipeEnd {
        match flags & nix::libc::O_ACCMODE {
            nix::libc::O_WRONLY => PipeEnd::Write,
            nix::libc::O_RDWR => PipeEnd::ReadWrite,
            _ => PipeEnd::Read,
        }
    }

    /// True when writes go through it: a process holding one keeps readers from end of file.
    pub fn writes(self) -> bool {
        matches!(self, PipeEnd::Write | PipeEnd::ReadWrite)
    }
}

/// One descriptor of the pipe, in one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: i32,
    pub fd: i32,
    /// `/proc/<pid>/comm`: the program's name, at most 15 bytes.
    pub command: String,
    pub end: PipeEnd,
    /// `O_CLOEXEC` is set: an `execve(2)` in that process would close it.
    pub cloexec: bool,
}

/// What a look through `/proc` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holders {
    /// Every descriptor of the pipe, by pid, then fd.
    pub found: Vec<Holder>,
    /// Processes whose descriptors we were not allowed to see (`EACCES`): a holder may hide
    /// there.
    pub unreadable: usize,
}

/// The inode of the pipe `fd` refers to: the number in `pipe:[…]`.
pub fn pipe_inode(fd: impl AsFd) -> Result<u64, SysError> {
    let stat = nix::sys::stat::fstat(fd.as_fd()).doing(Doing::Examining)?;
    #[allow(clippy::unnecessary_cast)] // st_ino is a u64 on Linux, not everywhere
    Ok(stat.st_ino as u64)
}

/// The text of `/proc/<pid>/fd/<fd>` (`None`: our own process, `/proc/self`).
pub fn link_of(pid: Option<i32>, fd: i32) -> std::io::Result<String> {
    let who = pid.map_or_else(|| "self".to_string(), |p| p.to_string());
    let link = std::fs::read_link(format!("/proc/{who}/fd/{fd}"))?;
    Ok(link.to_string_lossy().into_owned())
}

/// `pipe:[48211]` → 48211; anything else (a file, a socket) → `None`.
pub fn inode_in_link(link: &str) -> Option<u64> {
    link.strip_prefix("pipe:[")?.strip_suffix(']')?.parse().ok()
}

/// Every descriptor of pipe `inode` in every process we may look at, or only in `pid`.
pub fn holders(inode: u64, pid: Option<i32>) -> Result<Holders, SysError> {
    let mut holders = Holders::default();
    let pids: Vec<i32> = match pid {
        Some(pid) => vec![pid],
        None => {
            let proc = Path::new("/proc");
            std::fs::read_dir(proc)
                .doing_on(Doing::ScanningProc, proc)?
                .flatten()
                .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
                .collect()
        }
    };
    let wanted = format!("pipe:[{inode}]");
    for pid in pids {
        let fds = match std::fs::read_dir(format!("/proc/{pid}/fd")) {
            Ok(fds) => fds,
            Err(e) if e.raw_os_error() == Some(Errno::EACCES as i32) => {
                holders.unreadable += 1;
                continue;
            }
            // Gone since we listed it (ENOENT), or a zombie with no descriptors left.
            Err(_) => continue,
        };
        let mut command: Option<String> = None;
        for entry in fds.flatten() {
            let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            match std::fs::read_link(entry.path()) {
                Ok(link) if link.as_os_str() == wanted.as_str() => {}
                _ => continue,
            }
            // The descriptor may close between the link and its fdinfo: then it is no holder.
            let Some(flags) = flags_of(pid, fd) else {
                continue;
            };
            let command = command.get_or_insert_with(|| command_of(pid)).clone();
            holders.found.push(Holder {
                pid,
                fd,
                command,
                end: PipeEnd::from_flags(flags),
                cloexec: flags & nix::libc::O_CLOEXEC != 0,
            });
        }
    }
    holders.found.sort_by_key(|h| (h.pid, h.fd));
    Ok(holders)
}

/// The `flags:` line of `/proc/<pid>/fdinfo/<fd>`, an octal number.
fn flags_of(pid: i32, fd: i32) -> Option<i32> {
    let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    parse_flags(&info)
}

fn parse_flags(info: &str) -> Option<i32> {
    let line = info.lines().find_map(|l| l.strip_prefix("flags:"))?;
    i32::from_str_radix(line.trim(), 8).ok()
}

/// `/proc/<pid>/comm` without its newline; `?` if it cannot be read.
fn command_of(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim_end_matches('\n').to_string())
        .unwrap_or_else(|_| "?".to_string())
}

/// Whether `pid` sleeps inside `write(2)` now, from `/proc/<pid>/syscall` (its first field is
/// the number of the system call it is in, or `running`); `None` when `/proc` will not say.
pub fn in_write(pid: i32) -> Option<bool> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    let first = text.split_whitespace().next()?;
    Some(first.parse::<i64>().ok() == Some(nix::libc::SYS_write))
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_line_tells_the_ends_apart() {
        let info = "pos:\t0\nflags:\t02000001\nmnt_id:\t15\nino:\t48211\n";
        let flags = parse_flags(info).unwrap();
        assert_eq!(PipeEnd::from_flags(flags), PipeEnd::Write);
        assert!(flags & nix::libc::O_CLOEXEC != 0);
        assert_eq!(PipeEnd::from_flags(0o0), PipeEnd::Read);
        assert_eq!(PipeEnd::from_flags(0o2), PipeEnd::ReadWrite);
        assert_eq!(parse_flags("pos:\t0\n"), None);
    }

    #[test]
    fn only_pipe_links_have_an_inode() {
        assert_eq!(inode_in_link("pipe:[48211]"), Some(48211));
        assert_eq!(inode_in_link("socket:[48211]"), None);
        assert_eq!(inode_in_link("/tmp/pipe:[1]"), None);
    }

    #[test]
    fn our_own_pipe_shows_both_ends_with_their_flags() {
        let (read_end, write_end) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        let inode = pipe_inode(&read_end).unwrap();
        let me = std::process::id() as i32;
        let found = holders(inode, Some(me)).unwrap().found;
        use std::os::fd::AsRawFd;
        assert_eq!(found.len(), 2, "{found:?}");
        let read = found.iter().find(|h| h.fd == read_end.as_raw_fd()).unwrap();
        let write = found
            .iter()
            .find(|h| h.fd == write_end.as_raw_fd())
            .unwrap();
        assert_eq!((read.end, write.end), (PipeEnd::Read, PipeEnd::Write));
        assert!(read.cloexec && write.cloexec);
        assert_eq!(
            inode_in_link(&link_of(None, write_end.as_raw_fd()).unwrap()),
            Some(inode)
        );
    }
}
