//! The two-way channel between the benchmark's parent and child, for each mechanism, with the
//! pipes enlarged and the scratch files (FIFOs, socket paths) cleaned up.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::socket::SockType;
use nix::unistd::{dup, pipe};

use super::Config;
use super::model::{BenchNote, Mechanism};
use crate::event::{Error, Result};
use crate::sys::{Context, Doing, pipesize, socket_setup};

/// Both directions between the parent and one child.
pub(super) struct Channel {
    pub parent_read: OwnedFd,
    pub parent_write: OwnedFd,
    pub child_read: OwnedFd,
    pub child_write: OwnedFd,
    pub pipe_size: Option<usize>,
    pub notes: Vec<BenchNote>,
    _place: Option<ScratchDir>,
}

/// A private folder for FIFOs and socket files, removed with everything in it on drop. It is
/// made with `create_dir` (which fails if anything is there), so only our own files go.
pub(super) struct ScratchDir(PathBuf);

impl ScratchDir {
    pub(super) fn new() -> Result<ScratchDir> {
        use std::os::unix::fs::DirBuilderExt;
        let path = std::env::temp_dir().join(format!("ipcdemo-bench-{}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .doing_on(Doing::CreatingScratch, &path)?;
        Ok(ScratchDir(path))
    }

    pub(super) fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn open_channel(mechanism: Mechanism, config: &Config) -> Result<Channel> {
    let mut place = None;
    let (parent, child, parent_write, child_write) = match mechanism {
        // Queues are no byte channel (read(2) on one returns its status text): bench::mq
        // measures them itself, and never comes here.
        Mechanism::Mq => {
            let errno = nix::errno::Errno::EINVAL;
            return Err(crate::event::Error::call(Doing::CreatingQueue, errno));
        }
        Mechanism::Pipe => {
            let (from_child, to_parent) = pipe().doing(Doing::CreatingPipe)?;
            let (from_parent, to_child) = pipe().doing(Doing::CreatingPipe)?;
            (from_child, from_parent, to_child, to_parent)
        }
        Mechanism::Fifo => {
            let dir = ScratchDir::new()?;
            let (from_child, to_parent) = fifo_pair(&dir.join("up"))?;
            let (from_parent, to_child) = fifo_pair(&dir.join("down"))?;
            place = Some(dir);
            (from_child, from_parent, to_child, to_parent)
        }
        // A signal moves no bytes: `measure` never asks for its channel.
        Mechanism::Signal => return Err(Error::NotAStream(mechanism)),
        // Shared memory carries no bytes through descriptors: `bench::measure` never asks.
        Mechanism::Shm | Mechanism::Eventfd => {
            return Err(crate::event::Error::NeedsLinux(
                crate::event::LinuxOnly::SharedMemory,
            ));
        }
        Mechanism::Socketpair
        | Mechanism::UnixStream
        | Mechanism::UnixSeqpacket
        | Mechanism::Tcp => {
            let (parent, child) = match mechanism {
                Mechanism::Socketpair => {
                    socket_setup::unix_socketpair().doing(Doing::CreatingSocket)?
                }
                Mechanism::UnixStream => {
                    let dir = ScratchDir::new()?;
                    let pair = unix_stream_pair(&dir.join("stream.sock"))?;
                    place = Some(dir);
                    pair
                }
                Mechanism::UnixSeqpacket => {
                    let dir = ScratchDir::new()?;
                    let pair = seqpacket_pair(&dir.join("seqpacket.sock"))?;
                    place = Some(dir);
                    pair
                }
                _ => tcp_pair()?,
            };
            let parent_write = dup(&parent).doing(Doing::CreatingSocket)?;
            let child_write = dup(&child).doing(Doing::CreatingSocket)?;
            (parent, child, parent_write, child_write)
        }
    };
    let mut channel = Channel {
        parent_read: parent,
        parent_write,
        child_read: child,
        child_write,
        pipe_size: None,
        notes: Vec::new(),
        _place: place,
    };
    if mechanism.is_pipe() {
        enlarge_pipes(&mut channel, config.pipe_size);
    }
    Ok(channel)
}

/// Opens both ends of a new FIFO without blocking: the read end first, with `O_NONBLOCK`, so
/// the write end's open finds a reader; then the read end goes back to blocking.
pub(super) fn fifo_pair(path: &Path) -> Result<(OwnedFd, OwnedFd)> {
    use nix::sys::stat::Mode;
    nix::unistd::mkfifo(path, Mode::S_IRUSR | Mode::S_IWUSR).doing_on(Doing::CreatingFifo, path)?;
    let flags = OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
    let read_end = nix::fcntl::open(
        path,
        flags | OFlag::O_RDONLY | OFlag::O_NONBLOCK,
        Mode::empty(),
    )
    .doing_on(Doing::Opening, path)?;
    let write_end = nix::fcntl::open(path, flags | OFlag::O_WRONLY, Mode::empty())
        .doing_on(Doing::Opening, path)?;
    fcntl(read_end.as_fd(), FcntlArg::F_SETFL(OFlag::empty()))
        .doing_on(Doing::MakingBlocking, path)?;
    Ok((read_end, write_end))
}

fn unix_stream_pair(path: &Path) -> Result<(OwnedFd, OwnedFd)> {
    let listener = UnixListener::bind(path).doing_on(Doing::Binding, path)?;
    let client = UnixStream::connect(path).doing_on(Doing::ConnectingTo, path)?;
    let (server, _) = listener.accept().doing(Doing::Accepting)?;
    Ok((OwnedFd::from(server), OwnedFd::from(client)))
}

fn seqpacket_pair(path: &Path) -> Result<(OwnedFd, OwnedFd)> {
    use nix::sys::socket::{Backlog, UnixAddr, accept, bind, connect, listen};
    use std::os::fd::AsRawFd;
    let address = UnixAddr::new(path).doing_on(Doing::Binding, path)?;
    let new = || socket_setup::unix_socket(SockType::SeqPacket, false).doing(Doing::CreatingSocket);
    let listener = new()?;
    bind(listener.as_raw_fd(), &address).doing_on(Doing::Binding, path)?;
    listen(&listener, Backlog::MAXCONN).doing_on(Doing::ListeningOn, path)?;
    let client = new()?;
    connect(client.as_raw_fd(), &address).doing_on(Doing::ConnectingTo, path)?;
    let server = accept(&listener).doing(Doing::Accepting)?;
    Ok((server, client))
}

fn tcp_pair() -> Result<(OwnedFd, OwnedFd)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).doing(Doing::Binding)?;
    let address = listener.local_addr().doing(Doing::Binding)?;
    let client = TcpStream::connect(address).doing(Doing::ConnectingTo)?;
    let (server, _) = listener.accept().doing(Doing::Accepting)?;
    // Without TCP_NODELAY, Nagle's algorithm holds each 1-byte ping back for up to 40 ms.
    client.set_nodelay(true).doing(Doing::SettingNoDelay)?;
    server.set_nodelay(true).doing(Doing::SettingNoDelay)?;
    Ok((OwnedFd::from(server), OwnedFd::from(client)))
}

fn enlarge_pipes(channel: &mut Channel, wanted: Option<usize>) {
    let Some(wanted) = wanted.or_else(pipesize::max_size) else {
        channel.pipe_size = pipesize::get(&channel.parent_read);
        return;
    };
    for fd in [&channel.parent_read, &channel.child_read] {
        if let Err(refused) = pipesize::set(fd, wanted) {
            // Both pipes are refused alike; one note says it.
            let note = BenchNote::from(refused);
            if !channel.notes.contains(&note) {
                channel.notes.push(note);
            }
        }
    }
    channel.pipe_size = pipesize::get(&channel.parent_read);
}

pub(super) fn set_nonblocking(fds: &[&OwnedFd]) -> Result<()> {
    for fd in fds {
        fcntl(fd.as_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).doing(Doing::MakingNonblocking)?;
    }
    Ok(())
}
