//! POSIX message queues (`mq_overview(7)`), Linux: open, create exactly 0600, send, receive,
//! the attributes (`mq_getattr(3)`) and the system's limits (`/proc/sys/fs/mqueue`,
//! `RLIMIT_MSGQUEUE`), and the guard that removes the queue its creator made.
//!
//! On Linux a queue descriptor is a file descriptor: it can be `fstat`ed (to see who owns the
//! queue), `poll`ed (`POLLIN`: a message waits; `POLLOUT`: there is room) and inherited across
//! `fork(2)`, and `close(2)` is what `mq_close(3)` does. [`Queue`] therefore holds an
//! [`OwnedFd`], which closes it on drop (nix's `MqdT` never closes by itself).

use nix::unistd::geteuid;

#[cfg(target_os = "linux")]
pub use calls::*;

/// What the kernel allows whoever has `CAP_SYS_RESOURCE` (root): `HARD_MSGMAX` messages of at
/// most `HARD_MSGSIZEMAX` bytes. Without it, `msg_max` and `msgsize_max` below bind.
pub const HARD_MAX_MESSAGES: u64 = 65_536;
pub const HARD_MAX_MESSAGE_SIZE: usize = 16 << 20;

/// `mq_overview(7)`: a name is at most `NAME_MAX` (255) characters, slash included.
pub const NAME_MAX: usize = 255;

/// The longest name we accept: `NAME_MAX`, less what the lock file beside it adds to the name
/// (`mq-` and `.lock`, in place of the slash), so that file's name fits in `NAME_MAX` too.
pub const LONGEST_NAME: usize = NAME_MAX - "mq-.lock".len() + 1;

/// `/ipcdemo-<uid>-queue`: this user's queue, unless `--name` says otherwise.
pub fn default_name() -> String {
    format!("/ipcdemo-{}-queue", geteuid())
}

/// Why a queue name cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadName {
    /// It must start with `/`.
    NoLeadingSlash,
    /// A slash after the first.
    SlashInside,
    /// Nothing (or only `.` or `..`) after the slash.
    Empty,
    /// More than [`LONGEST_NAME`] bytes.
    TooLong(usize),
}

/// Checks a queue name: one leading slash, no other, something after it, and short enough for
/// the lock file that goes with it.
pub fn check_name(name: &str) -> Result<(), BadName> {
    let Some(rest) = name.strip_prefix('/') else {
        return Err(BadName::NoLeadingSlash);
    };
    if rest.contains('/') {
        return Err(BadName::SlashInside);
    }
    if rest.is_empty() || rest == "." || rest == ".." {
        return Err(BadName::Empty);
    }
    if name.len() > LONGEST_NAME {
        return Err(BadName::TooLong(name.len()));
    }
    Ok(())
}

/// The lock file's name (in the per-user folder) for the queue `name`.
pub fn lock_file_name(name: &str) -> String {
    format!("mq-{}.lock", name.trim_start_matches('/'))
}

/// What `mq_getattr(3)` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attributes {
    /// `mq_maxmsg`: the most messages the queue holds.
    pub max_messages: u64,
    /// `mq_msgsize`: the largest message, in bytes.
    pub message_size: usize,
    /// `mq_curmsgs`: messages waiting now.
    pub queued: u64,
}

/// The size of a queue, asked for at its creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub max_messages: u64,
    pub message_size: usize,
}

/// The system's limits, as far as they can be read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// `/proc/sys/fs/mqueue/msg_max`: the most messages per queue without `CAP_SYS_RESOURCE`.
    pub msg_max: Option<u64>,
    /// `/proc/sys/fs/mqueue/msgsize_max`: the largest message without `CAP_SYS_RESOURCE`.
    pub msgsize_max: Option<u64>,
    /// `/proc/sys/fs/mqueue/queues_max`: queues on the whole system.
    pub queues_max: Option<u64>,
    /// `/proc/sys/fs/mqueue/msg_default`: `mq_maxmsg` when none is asked for.
    pub msg_default: Option<u64>,
    /// `/proc/sys/fs/mqueue/msgsize_default`: `mq_msgsize` when none is asked for.
    pub msgsize_default: Option<u64>,
    /// `RLIMIT_MSGQUEUE` (soft), in bytes: what all of a user's queues may take together,
    /// root included; `u64::MAX` when unlimited.
    pub rlimit_bytes: Option<u64>,
}

impl Limits {
    /// The size a queue gets when none is asked for: the defaults, within the maxima (as the
    /// kernel does it).
    pub fn default_size(&self) -> Size {
        let max_messages = self
            .msg_default
            .unwrap_or(10)
            .min(self.msg_max.unwrap_or(u64::MAX));
        let message_size = self
            .msgsize_default
            .unwrap_or(8192)
            .min(self.msgsize_max.unwrap_or(u64::MAX));
        Size {
            max_messages: max_messages.max(1),
            message_size: usize::try_from(message_size).unwrap_or(8192).max(1),
        }
    }
}

/// Reads `/proc/sys/fs/mqueue/*` and `RLIMIT_MSGQUEUE`.
pub fn limits() -> Limits {
    let read = |name: &str| -> Option<u64> {
        std::fs::read_to_string(format!("/proc/sys/fs/mqueue/{name}"))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    #[cfg(target_os = "linux")]
    let rlimit = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_MSGQUEUE)
        .ok()
        .map(|(soft, _)| soft);
    #[cfg(not(target_os = "linux"))]
    let rlimit = None;
    Limits {
        msg_max: read("msg_max"),
        msgsize_max: read("msgsize_max"),
        queues_max: read("queues_max"),
        msg_default: read("msg_default"),
        msgsize_default: read("msgsize_default"),
        rlimit_bytes: rlimit,
    }
}

/// The calls themselves: Linux only (macOS has no POSIX message queues).
#[cfg(target_os = "linux")]
mod calls {
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use nix::errno::Errno;
    use nix::mqueue::{MQ_OFlag, MqAttr, MqdT, mq_attr_member_t};
    use nix::sys::stat::{FileStat, Mode, fstat};

    use super::{Attributes, Size};
    use crate::sys::rendezvous::{identity, with_umask};

    /// Which way a descriptor goes.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Access {
        Receive,
        Send,
    }

    /// An open queue descriptor, closed on drop.
    #[derive(Debug)]
    pub struct Queue {
        fd: OwnedFd,
    }

    fn flags(access: Access, nonblocking: bool) -> MQ_OFlag {
        let mut flags = MQ_OFlag::O_CLOEXEC
            | match access {
                Access::Receive => MQ_OFlag::O_RDONLY,
                Access::Send => MQ_OFlag::O_WRONLY,
            };
        if nonblocking {
            flags |= MQ_OFlag::O_NONBLOCK;
        }
        flags
    }

    /// Opens an existing queue.
    pub fn open(name: &str, access: Access, nonblocking: bool) -> nix::Result<Queue> {
        nix::mqueue::mq_open(name, flags(access, nonblocking), Mode::empty(), None)
            .map(Queue::from_mqd)
    }

    /// Creates a new queue of `size` (`O_EXCL`: never one that is there already), mode 0600
    /// exactly whatever the umask. (The size is always given: without attributes, nix 0.32
    /// passes `O_CREAT` with no mode either, and the kernel reads garbage.)
    pub fn create(name: &str, access: Access, nonblocking: bool, size: Size) -> nix::Result<Queue> {
        let attr = MqAttr::new(
            0,
            member(size.max_messages)?,
            member(size.message_size as u64)?,
            0,
        );
        let flags = flags(access, nonblocking) | MQ_OFlag::O_CREAT | MQ_OFlag::O_EXCL;
        let mode = Mode::S_IRUSR | Mode::S_IWUSR;
        with_umask(0o177, || {
            nix::mqueue::mq_open(name, flags, mode, Some(&attr))
        })
        .map(Queue::from_mqd)
    }

    fn member(n: u64) -> nix::Result<mq_attr_member_t> {
        mq_attr_member_t::try_from(n).map_err(|_| Errno::EINVAL)
    }

    /// Removes the name (`mq_unlink(3)`); the queue itself lives on while a descriptor is open.
    pub fn unlink(name: &str) -> nix::Result<()> {
        nix::mqueue::mq_unlink(name)
    }

    impl Queue {
        fn from_mqd(mqd: MqdT) -> Queue {
            // SAFETY: on Linux an mqd_t is a file descriptor (mq_overview(7)); `mqd` is consumed,
            // so the OwnedFd is its only owner, and close(2) is what mq_close(3) does.
            let fd = unsafe { OwnedFd::from_raw_fd(mqd.into_raw_fd()) };
            Queue { fd }
        }

        /// A queue descriptor passed around as a plain descriptor (across `fork(2)`). Calls on a
        /// descriptor that is not a queue fail with `EBADF`.
        pub fn from_fd(fd: OwnedFd) -> Queue {
            Queue { fd }
        }

        fn with_mqd<T>(&self, call: impl FnOnce(&MqdT) -> T) -> T {
            // SAFETY: the descriptor stays ours: MqdT has no Drop, and it is turned back into a
            // plain number before it goes, so nothing closes it.
            let mqd = unsafe { MqdT::from_raw_fd(self.fd.as_raw_fd()) };
            let result = call(&mqd);
            let _ = mqd.into_raw_fd();
            result
        }

        /// `mq_send(3)`: one whole message, at `priority`.
        pub fn send(&self, message: &[u8], priority: u32) -> nix::Result<()> {
            self.with_mqd(|mqd| nix::mqueue::mq_send(mqd, message, priority))
        }

        /// `mq_receive(3)`: the oldest message of the highest priority, whole, and its priority.
        /// `buffer` must hold at least `mq_msgsize` bytes (or the call fails with `EMSGSIZE`).
        pub fn receive(&self, buffer: &mut [u8]) -> nix::Result<(usize, u32)> {
            let mut priority = 0;
            let n = self.with_mqd(|mqd| nix::mqueue::mq_receive(mqd, buffer, &mut priority))?;
            Ok((n, priority))
        }

        /// `mq_timedreceive(3)`: as [`receive`](Self::receive), but `ETIMEDOUT` once the clock
        /// passes `deadline` with the queue still empty.
        pub fn receive_by(
            &self,
            buffer: &mut [u8],
            deadline: &Deadline,
        ) -> nix::Result<(usize, u32)> {
            let mut priority = 0;
            // SAFETY: the buffer and the priority are ours and live across the call; the length
            // is the buffer's; the deadline is a valid timespec.
            let n = unsafe {
                nix::libc::mq_timedreceive(
                    self.fd.as_raw_fd(),
                    buffer.as_mut_ptr().cast(),
                    buffer.len(),
                    &mut priority,
                    &deadline.0,
                )
            };
            Errno::result(n).map(|n| (n as usize, priority))
        }

        /// `mq_getattr(3)`.
        pub fn attributes(&self) -> nix::Result<Attributes> {
            let attr = self.with_mqd(nix::mqueue::mq_getattr)?;
            Ok(Attributes {
                max_messages: u64::try_from(attr.maxmsg()).unwrap_or(0),
                message_size: usize::try_from(attr.msgsize()).unwrap_or(0),
                queued: u64::try_from(attr.curmsgs()).unwrap_or(0),
            })
        }

        /// `O_NONBLOCK` on or off for this descriptor (`mq_setattr(3)`).
        pub fn set_nonblocking(&self, on: bool) -> nix::Result<()> {
            let set = if on {
                nix::mqueue::mq_set_nonblock
            } else {
                nix::mqueue::mq_remove_nonblock
            };
            self.with_mqd(set).map(drop)
        }

        /// `fstat(2)` on the queue: its owner, its mode, its identity.
        pub fn stat(&self) -> nix::Result<FileStat> {
            fstat(&self.fd)
        }
    }

    impl AsFd for Queue {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.fd.as_fd()
        }
    }

    impl From<Queue> for OwnedFd {
        fn from(queue: Queue) -> OwnedFd {
            queue.fd
        }
    }

    /// An absolute `CLOCK_REALTIME` time, as `mq_timedreceive(3)` wants it.
    pub struct Deadline(nix::libc::timespec);

    impl Deadline {
        pub fn after(wait: Duration) -> Deadline {
            let at = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .saturating_add(wait);
            Deadline(nix::libc::timespec {
                tv_sec: at.as_secs().try_into().unwrap_or(nix::libc::time_t::MAX),
                tv_nsec: at.subsec_nanos().into(),
            })
        }
    }

    /// Who owns a queue and which it is: `(device, inode, owner)`.
    pub type Identity = (u64, u64, u32);

    pub fn identity_of(stat: &FileStat) -> Identity {
        let (dev, ino) = identity(stat);
        (dev, ino, stat.st_uid)
    }

    /// True while `name` still leads to the queue `ours`: not removed, not replaced.
    pub fn still_named(name: &str, ours: Identity) -> bool {
        let there = open(name, Access::Receive, true).or_else(|_| open(name, Access::Send, true));
        match there {
            Ok(queue) => queue.stat().is_ok_and(|s| identity_of(&s) == ours),
            Err(Errno::ENOENT) => false,
            // We cannot look: say it is there rather than claim it went.
            Err(_) => true,
        }
    }

    /// The queue its creator made: removed (`mq_unlink(3)`) on drop, if the name still leads to
    /// that very queue. The descriptor is held until then, so the queue, and with it its inode
    /// number, cannot be freed and reused in the meantime; another user cannot remove or replace
    /// it (the mqueue folder is sticky, like /tmp). What remains is the moment between the last
    /// check and the unlink, when only we (or root) could swap it.
    #[derive(Debug)]
    pub struct Created {
        name: String,
        queue: Queue,
        identity: Option<Identity>,
    }

    impl Created {
        /// Adopts the queue just created as `name`.
        pub fn new(name: &str, queue: Queue) -> Created {
            let identity = queue.stat().ok().map(|s| identity_of(&s));
            Created {
                name: name.to_string(),
                queue,
                identity,
            }
        }

        pub fn queue(&self) -> &Queue {
            &self.queue
        }
    }

    impl Drop for Created {
        fn drop(&mut self) {
            if let Some(ours) = self.identity
                && still_named(&self.name, ours)
            {
                let _ = unlink(&self.name);
            }
        }
    }

    /// Removes names on drop: for queues that are reached only through descriptors (the bench
    /// unlinks its queues as soon as both ends are open, or when opening them fails half-way).
    pub struct Unlink(pub Vec<String>);

    impl Drop for Unlink {
        fn drop(&mut self) {
            for name in &self.0 {
                let _ = unlink(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_have_one_leading_slash_and_room_for_their_lock() {
        assert_eq!(check_name("/ipcdemo-0-queue"), Ok(()));
        assert_eq!(check_name("ipcdemo"), Err(BadName::NoLeadingSlash));
        assert_eq!(check_name("/a/b"), Err(BadName::SlashInside));
        assert_eq!(check_name("/"), Err(BadName::Empty));
        assert_eq!(check_name("/.."), Err(BadName::Empty));
        let longest = format!("/{}", "q".repeat(LONGEST_NAME - 1));
        assert_eq!(check_name(&longest), Ok(()));
        assert_eq!(lock_file_name(&longest).len(), NAME_MAX);
        let longer = format!("{longest}q");
        assert_eq!(check_name(&longer), Err(BadName::TooLong(LONGEST_NAME + 1)));
    }
}
