//! The Unix domain socket (lessons 4 and 5 of the map): the same father and sons, but each son gets its own
//! connection, the kernel tells the father who is on the other end (`SO_PEERCRED`), traffic
//! goes both ways (`--ack`), and with `--seqpacket` message boundaries survive.
//!
//! The guarantees on show (`unix(7)`, `socket(7)`): `SOCK_STREAM` is a byte stream like a pipe,
//! so one read may hold `Spam 004\nSpam 000\n`; `SOCK_SEQPACKET` delivers each `write(2)` as one
//! record, and every `read(2)` returns exactly one.
//!
//! With `--tcp` the same father and sons meet over TCP (`tcp(7)`), as Lutz teaches sockets:
//! a byte stream too, but one that carries no credentials, so the father knows a son by its
//! address and port. `TCP_NODELAY` is on; `--nagle` turns it off and has the son send each
//! message in two writes before it waits for the answer, so Nagle's algorithm and the
//! father's delayed ACK add their ~40 ms to the round trip.
//!
//! How it blocks: `connect(2)` does not wait for a father the way a FIFO's `open(2)` does; with
//! nobody listening it fails at once (`ENOENT`, or `ECONNREFUSED` for a stale socket file).
//! The father multiplexes its sons with `poll(2)` and never blocks on any one of them, so a son
//! that stops reading, or sends a megabyte without a newline, cannot stall the others.

use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{Backlog, MsgFlags, SockType, UnixAddr, bind, connect, listen, recv};
use nix::sys::stat::{Mode, umask};
use nix::unistd::{getpid, read};

use super::boundaries::{BoundaryCounter, Framing};
use super::spam::{self, write_message};
use crate::event::{
    Channel, Data, Error, Event, Note, Outcome, ReadCounts, ReadTiming, Result, Role, Sink, SonId,
    Summary, Waiting, Why,
};
use crate::sys::net::HostPort;
use crate::sys::rendezvous::{self, Existing, Object, Refusal, RemoveOnExit};
use crate::sys::{Context, Doing, clock, signals, socket_setup};

/// What `ipcdemo socket` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Be a son (a client) instead of the father (the server).
    pub son: bool,
    /// The socket file; `None`: `socket` in the per-user folder.
    pub path: Option<PathBuf>,
    /// Father: messages to read from all sons; son: messages to send. `None`: until stopped.
    pub count: Option<u64>,
    /// The unit of the son's sleeps.
    pub tick: Duration,
    /// Father: the most bytes asked of each `read(2)`.
    pub read_size: usize,
    /// `SOCK_SEQPACKET` instead of `SOCK_STREAM`.
    pub seqpacket: bool,
    /// Father: answer every message; son: wait for each answer.
    pub ack: bool,
    /// Son with `ack`: how long to wait for an answer before saying none came.
    pub ack_timeout: Duration,
    /// TCP instead of a Unix socket: where the father listens, or where the son connects.
    pub tcp: Option<HostPort>,
    /// TCP: Nagle's algorithm on (`TCP_NODELAY` off), and each message in two writes.
    pub nagle: bool,
    /// Father: also measure what each read found waiting (`FIONREAD`), for a timeline or a
    /// trace.
    pub narrate: bool,
}

/// How long the father waited, in poll(2) and read(2) together.
#[derive(Debug, Default)]
struct Waits {
    waited_ns: u64,
    first_call: Option<u64>,
    last_return: u64,
}

/// Where father and sons meet.
enum Place {
    Unix(PathBuf),
    Tcp(HostPort),
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    if let Some(target) = &config.tcp {
        return if config.son {
            spam_son(config, &Place::Tcp(target.clone()), sink)
        } else {
            tcp_father(config, target, sink)
        };
    }
    let path = match rendezvous::resolve(config.path.as_deref(), "socket") {
        Ok(resolved) => {
            if let Some((folder, was)) = &resolved.repaired {
                sink.note(&Note::FolderRepaired { folder, was: *was });
            }
            resolved.path
        }
        Err(e) => return Outcome::from(Err(e.into())),
    };
    if config.son {
        spam_son(config, &Place::Unix(path), sink)
    } else {
        father(config, &path, sink)
    }
}

/// The addresses `[HOST:]PORT` names; loopback when no host is given.
fn addresses(target: &HostPort) -> Result<Vec<SocketAddr>> {
    let host = target.host.as_deref().unwrap_or("127.0.0.1");
    let found = (host, target.port)
        .to_socket_addrs()
        .map_err(|_| Error::BadAddress(target.to_string()))?;
    let found: Vec<SocketAddr> = found.collect();
    if found.is_empty() {
        return Err(Error::BadAddress(target.to_string()));
    }
    Ok(found)
}

/// Binds a TCP listener, non-blocking (the father polls it with the sons).
fn tcp_listen(target: &HostPort, sink: &dyn Sink) -> Result<(OwnedFd, SocketAddr)> {
    let address = addresses(target)?[0];
    let listener = match TcpListener::bind(address) {
        Ok(listener) => listener,
        Err(e) => {
            return Err(match crate::sys::errno_of(&e) {
                Errno::EADDRINUSE => Error::AddressInUse(address.to_string()),
                Errno::EADDRNOTAVAIL => Error::BadAddress(target.to_string()),
                errno => Error::call(Doing::Binding, errno),
            });
        }
    };
    listener
        .set_nonblocking(true)
        .doing(Doing::MakingNonblocking)?;
    let bound = listener.local_addr().doing(Doing::Binding)?;
    let loopback = match bound.ip() {
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
        ip => ip.is_loopback(),
    };
    if !loopback {
        sink.note(&Note::OpenToNetwork { address: bound });
    }
    Ok((OwnedFd::from(listener), bound))
}

fn tcp_father(config: &Config, target: &HostPort, sink: &dyn Sink) -> Outcome {
    let pid = getpid().as_raw();
    let (listener, address) = match tcp_listen(target, sink) {
        Ok(listening) => listening,
        Err(e) => return Outcome::from(Err(e)),
    };
    // A father on every address (0.0.0.0, [::]) is reached here through loopback: that is
    // the address to give a son.
    let reach = if address.ip().is_unspecified() {
        let ip = match address {
            SocketAddr::V4(_) => std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            SocketAddr::V6(_) => std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        };
        SocketAddr::new(ip, address.port())
    } else {
        address
    };
    sink.note(&Note::TcpListening { address: reach });
    if let Err(e) = sink.event_now(Role::Father, pid, Event::Listening { address }) {
        return Outcome::from(Err(e));
    }
    serve_and_sum(config, &listener, pid, Why::Tcp, sink)
}

fn sock_type(seqpacket: bool) -> SockType {
    if seqpacket {
        SockType::SeqPacket
    } else {
        SockType::Stream
    }
}

fn new_socket(seqpacket: bool, nonblocking: bool) -> Result<OwnedFd> {
    Ok(
        socket_setup::unix_socket(sock_type(seqpacket), nonblocking)
            .doing(Doing::CreatingSocket)?,
    )
}

/// The son's pid and uid as the kernel recorded them at `connect(2)`: a son cannot lie.
#[cfg(target_os = "linux")]
pub(super) fn peer_identity(fd: &OwnedFd) -> Result<(i32, u32)> {
    let cred = nix::sys::socket::getsockopt(fd, nix::sys::socket::sockopt::PeerCredentials)
        .doing(Doing::AskingPeer)?;
    Ok((cred.pid(), cred.uid()))
}

/// Elsewhere only the uid is known (`getpeereid(3)`); the pid shows as -1.
#[cfg(not(target_os = "linux"))]
pub(super) fn peer_identity(fd: &OwnedFd) -> Result<(i32, u32)> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: plain out-parameters.
    Errno::result(unsafe { nix::libc::getpeereid(fd.as_raw_fd(), &mut uid, &mut gid) })
        .doing(Doing::AskingPeer)?;
    Ok((-1, uid))
}

/// Makes the path free for `bind(2)`: nothing there, or a stale socket of ours that nobody
/// listens on any more (a father killed with -9). Anything else is refused and left alone.
fn claim_path(path: &Path, seqpacket: bool, sink: &dyn Sink) -> Result<()> {
    let (existing, _) = rendezvous::inspect(path, Object::Socket)?;
    if let Existing::Nothing = existing {
        return Ok(());
    }
    let probe = new_socket(seqpacket, false)?;
    let address = socket_address(path, path)?;
    match connect(probe.as_raw_fd(), &address) {
        Ok(()) | Err(Errno::EPROTOTYPE) => Err(Error::AnotherFatherListening(path.into())),
        Err(Errno::ECONNREFUSED) => {
            std::fs::remove_file(path).doing_on(Doing::RemovingStaleSocket, path)?;
            sink.note(&Note::StaleSocketReplaced(path));
            Ok(())
        }
        Err(e) => Err(Error::call_on(Doing::CheckingInUse, path, e)),
    }
}

/// A socket address holds at most 107 bytes of path (`unix(7)`): say so, and what to do.
/// `shown` is the path the user knows (the father binds a longer private name first).
pub(super) fn socket_address(path: &Path, shown: &Path) -> Result<UnixAddr> {
    UnixAddr::new(path).map_err(|_| Error::SocketPathTooLong(shown.into()))
}

/// `.socket.<pid>`, beside the public name.
fn private_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}", std::process::id()))
}

/// One connected son, as the father sees it.
struct Connection {
    fd: OwnedFd,
    son: SonId,
    counter: BoundaryCounter,
    /// `--ack` on a stream: the start of a line not yet answered.
    line: Vec<u8>,
    /// Bytes read from this son so far: its stream offset.
    offset: u64,
}

/// Binds, listens and publishes the socket; the guard removes the public name. `fds --send`,
/// `fds --kill-son` and `shm` use it too: the same safety, the same stale-socket handling.
pub(super) fn listen_on(
    path: &Path,
    seqpacket: bool,
    sink: &dyn Sink,
) -> Result<(OwnedFd, RemoveOnExit)> {
    claim_path(path, seqpacket, sink)?;
    let listener = new_socket(seqpacket, true)?;
    // bind(2) makes the file before listen(2) is called, and a son that connects in between is
    // refused as if the father were dead. So bind a private name, listen, and only then
    // publish it with link(2), which (unlike rename(2)) never replaces what is at the path.
    let private = private_name(path);
    let address = socket_address(&private, path)?;
    // bind(2) creates the file with the umask applied; 0177 leaves srw------- so only we can
    // connect (connecting needs write permission on the file, unix(7)).
    let old_umask = umask(Mode::from_bits_truncate(0o177));
    let bound = bind(listener.as_raw_fd(), &address);
    umask(old_umask);
    bound.doing_on(Doing::Binding, &private)?;
    let remove_private = RemoveOnExit::new(&private);
    listen(&listener, Backlog::MAXCONN).doing_on(Doing::ListeningOn, path)?;
    match std::fs::hard_link(&private, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::AnotherFatherListening(path.into()));
        }
        Err(e) => {
            return Err(Error::call_on(
                Doing::Publishing,
                path,
                crate::sys::errno_of(&e),
            ));
        }
    }
    // The public name now reaches the same socket, so the private one can go at once; even a
    // father killed with -9 then leaves only the public name, which the next father replaces.
    drop(remove_private);
    Ok((listener, RemoveOnExit::new(path)))
}

fn father(config: &Config, path: &Path, sink: &dyn Sink) -> Outcome {
    let pid = getpid().as_raw();
    let (listener, remove) = match listen_on(path, config.seqpacket, sink) {
        Ok(listening) => listening,
        Err(e) => return Outcome::from(Err(e)),
    };
    sink.note(&Note::SocketListening {
        path,
        seqpacket: config.seqpacket,
        given_path: config.path.is_some(),
    });
    let why = if config.seqpacket {
        Why::Seqpacket
    } else {
        Why::ByteStream
    };
    let outcome = serve_and_sum(config, &listener, pid, why, sink);
    drop(remove);
    outcome
}

/// Serves sons until done or stopped, then sums up their reads.
fn serve_and_sum(
    config: &Config,
    listener: &OwnedFd,
    pid: i32,
    why: Why,
    sink: &dyn Sink,
) -> Outcome {
    let mut sons: Vec<Connection> = Vec::new();
    let mut finished = ReadCounts::default();
    if config.narrate {
        let lanes = Event::Lanes {
            son: None,
            father: pid,
            channel: Channel::Socket,
        };
        if let Err(e) = sink.narrated(sink.now(), Role::Father, pid, lanes, false) {
            return Outcome::from(Err(e));
        }
    }
    let mut waits = Waits::default();
    let end = serve(
        config,
        listener,
        &mut sons,
        &mut finished,
        &mut waits,
        pid,
        sink,
    );
    let counts = sons
        .iter()
        .fold(finished, |sum, c| sum + c.counter.counts());
    let summary = Summary::Reads {
        counts,
        // Nothing read, nothing to explain.
        why: (counts.reads > 0).then_some(why),
        waiting: waits.first_call.map(|first| Waiting {
            waited_s: waits.waited_ns as f64 / 1e9,
            reading_s: waits.last_return.saturating_sub(first) as f64 / 1e9,
        }),
    };
    Outcome::new(vec![summary], end)
}

fn serve(
    config: &Config,
    listener: &OwnedFd,
    sons: &mut Vec<Connection>,
    finished: &mut ReadCounts,
    waits: &mut Waits,
    pid: i32,
    sink: &dyn Sink,
) -> Result<()> {
    let mut buffer = vec![0u8; config.read_size];
    let mut messages = 0u64;
    // Out of descriptors (EMFILE), new sons wait in the listen backlog; the listener is left
    // out of poll(2) until a son leaves, or it would report "readable" in a busy loop.
    let mut accepting = true;
    loop {
        signals::check()?;
        let mut poll_call;
        let ready: Vec<PollFlags> = {
            let mut fds = Vec::with_capacity(sons.len() + 1);
            let listen_for = if accepting {
                PollFlags::POLLIN
            } else {
                PollFlags::empty()
            };
            fds.push(PollFd::new(listener.as_fd(), listen_for));
            fds.extend(
                sons.iter()
                    .map(|c| PollFd::new(c.fd.as_fd(), PollFlags::POLLIN)),
            );
            poll_call = clock::monotonic_ns();
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(Error::call(Doing::WaitingForSons, e)),
            }
            fds.iter()
                .map(|fd| fd.revents().unwrap_or(PollFlags::empty()))
                .collect()
        };
        if !ready[0].is_empty() {
            let framing = if config.seqpacket {
                Framing::Record
            } else {
                Framing::Newline
            };
            accepting = accept_sons(config, listener, sons, framing, pid, sink)?;
        }
        // One read per ready son per round: a son that floods cannot starve the others.
        let mut index = 0;
        for revents in &ready[1..] {
            if revents.is_empty() {
                index += 1;
                continue;
            }
            let son = &mut sons[index];
            // On a seqpacket socket MSG_TRUNC makes recv(2) return the record's real length
            // even when the buffer is smaller (the rest of the record is discarded).
            let flags = if config.seqpacket {
                MsgFlags::MSG_TRUNC
            } else {
                MsgFlags::empty()
            };
            // FIONREAD is one more system call, made only for a timeline or a trace.
            let waiting = if config.narrate {
                crate::sys::bytes_waiting(son.fd.as_fd())
            } else {
                None
            };
            // The first read after poll(2) waited as long as poll did; the next ones did not.
            let call_ns = std::mem::replace(&mut poll_call, 0);
            let call_ns = if call_ns == 0 {
                clock::monotonic_ns()
            } else {
                call_ns
            };
            let received = recv(son.fd.as_raw_fd(), &mut buffer, flags);
            let return_ns = clock::monotonic_ns();
            let n = match received {
                Ok(n) => n,
                Err(Errno::EAGAIN | Errno::EINTR) => {
                    index += 1;
                    continue;
                }
                // A son that vanished mid-stream (kill -9 with unread answers) resets.
                Err(Errno::ECONNRESET) => 0,
                Err(e) => return Err(Error::call(Doing::ReadingFromSon, e)),
            };
            // A zero-length record from a son still connected is a message, not a hang-up:
            // only poll(2)'s POLLHUP tells the two apart.
            let hung_up = revents.intersects(PollFlags::POLLHUP | PollFlags::POLLERR);
            if n == 0 && (!config.seqpacket || hung_up) {
                sink.event_now(Role::Father, pid, Event::Left { son: son.son })?;
                accepting = true;
                let gone = sons.remove(index);
                *finished = *finished + gone.counter.counts();
                continue;
            }
            let kept = n.min(buffer.len());
            waits.first_call.get_or_insert(call_ns);
            waits.last_return = return_ns;
            waits.waited_ns += return_ns.saturating_sub(call_ns);
            let timing = ReadTiming {
                call_at: sink.time_of(call_ns),
                waited_us: return_ns.saturating_sub(call_ns) as f64 / 1e3,
                from: son.offset,
                to: son.offset + kept as u64,
                in_pipe: waiting,
                writes: None,
            };
            son.offset += kept as u64;
            let data = &buffer[..kept];
            let completed = son.counter.record_of(data, n);
            if config.ack {
                // Answer before printing, so the son's round trip is the socket's, not ours.
                answer(&son.fd, data, config.seqpacket, &mut son.line);
            }
            let event = Event::Received {
                data: Data(data),
                son: Some(son.son),
                partial: None,
                record_bytes: (n > kept).then_some(n),
                priority: None,
                queued: None,
                timing: Some(timing),
                record: None,
            };
            sink.event(sink.time_of(return_ns), Role::Father, pid, event)?;
            messages += completed;
            if config.count.is_some_and(|count| messages >= count) {
                return Ok(());
            }
            index += 1;
        }
    }
}

/// Accepts every waiting son; false when out of descriptors (stop listening for a while).
fn accept_sons(
    config: &Config,
    listener: &OwnedFd,
    sons: &mut Vec<Connection>,
    framing: Framing,
    pid: i32,
    sink: &dyn Sink,
) -> Result<bool> {
    loop {
        let fd = match socket_setup::accept_nonblocking(listener) {
            Ok(fd) => fd,
            Err(Errno::EAGAIN | Errno::EINTR | Errno::ECONNABORTED) => return Ok(true),
            Err(Errno::EMFILE | Errno::ENFILE) => {
                sink.note(&Note::TooManySons(sons.len()));
                return Ok(false);
            }
            Err(e) => return Err(Error::call(Doing::AcceptingSon, e)),
        };
        let (fd, son, uid) = if config.tcp.is_some() {
            // TCP carries no credentials: all the father can know is where the son is.
            let stream = std::net::TcpStream::from(fd);
            stream
                .set_nodelay(!config.nagle)
                .doing(Doing::SettingNoDelay)?;
            let peer = stream.peer_addr().doing(Doing::AskingPeer)?;
            (OwnedFd::from(stream), SonId::Address { peer }, None)
        } else {
            let (son, uid) = peer_identity(&fd)?;
            (fd, SonId::Process { son }, Some(uid))
        };
        sink.event_now(Role::Father, pid, Event::Accepted { son, uid })?;
        sons.push(Connection {
            fd,
            son,
            counter: BoundaryCounter::new(framing),
            line: Vec::new(),
            offset: 0,
        });
    }
}

/// `--ack`: one answer per message, the whole message even when a stream delivered it in
/// pieces (`line` keeps the start of an unfinished one). The socket is non-blocking, so a son
/// that never reads its answers loses them instead of stalling the father.
fn answer(fd: &OwnedFd, data: &[u8], seqpacket: bool, line: &mut Vec<u8>) {
    let reply = |message: &[u8]| {
        let reply = [b"ack ", message].concat();
        let _ = nix::unistd::write(fd, &reply);
    };
    if seqpacket {
        reply(data);
        return;
    }
    for piece in data.split_inclusive(|&b| b == b'\n') {
        line.extend_from_slice(piece);
        if piece.ends_with(b"\n") {
            reply(line);
            line.clear();
        } else if line.len() > 64 * 1024 {
            // A son that never ends its line gets no answer, and costs us no memory.
            line.clear();
        }
    }
}

/// Connects to a TCP father, with `TCP_NODELAY` unless `--nagle`.
fn connect_tcp(config: &Config, target: &HostPort) -> Result<OwnedFd> {
    if target.port == 0 {
        return Err(Error::SonNeedsPort);
    }
    let mut last = Error::BadAddress(target.to_string());
    for address in addresses(target)? {
        match TcpStream::connect(address) {
            Ok(stream) => {
                stream
                    .set_nodelay(!config.nagle)
                    .doing(Doing::SettingNoDelay)?;
                return Ok(OwnedFd::from(stream));
            }
            Err(e) => {
                last = match crate::sys::errno_of(&e) {
                    Errno::ECONNREFUSED => Error::ConnectionRefused(address.to_string()),
                    Errno::ENETUNREACH | Errno::EHOSTUNREACH | Errno::EADDRNOTAVAIL => {
                        Error::Unreachable(address.to_string())
                    }
                    Errno::EINTR => match signals::received() {
                        Some(signal) => Error::Stopped(signal),
                        None => Error::call(Doing::ConnectingTo, Errno::EINTR),
                    },
                    errno => Error::call(Doing::ConnectingTo, errno),
                };
            }
        }
    }
    Err(last)
}

/// Connects to the father on `path`, checking that it runs as us. (`shm`'s sons too.)
pub(super) fn connect_to_father(seqpacket: bool, path: &Path) -> Result<OwnedFd> {
    if let (Existing::Nothing, _) = rendezvous::inspect(path, Object::Socket)? {
        return Err(Error::NoFatherAtPath(path.into()));
    }
    let fd = new_socket(seqpacket, false)?;
    let address = socket_address(path, path)?;
    loop {
        match connect(fd.as_raw_fd(), &address) {
            Ok(()) => break,
            Err(Errno::EINTR) => signals::check()?,
            Err(Errno::ENOENT) => return Err(Error::NoFatherAtPath(path.into())),
            Err(Errno::ECONNREFUSED) => return Err(Error::StaleSocket(path.into())),
            Err(Errno::EPROTOTYPE) => return Err(Error::SocketTypeMismatch(path.into())),
            Err(e) => return Err(Error::call_on(Doing::ConnectingTo, path, e)),
        }
    }
    // The file was checked before connect(2); the kernel's word on who listens closes the race
    // where someone swapped it in between.
    let (_, father_uid) = peer_identity(&fd)?;
    let me = nix::unistd::geteuid().as_raw();
    if father_uid != me {
        let refusal = Refusal::ListenerOwner {
            owner: father_uid,
            me,
        };
        return Err(rendezvous::refuse(path, refusal).into());
    }
    Ok(fd)
}

fn spam_son(config: &Config, place: &Place, sink: &dyn Sink) -> Outcome {
    let (fd, path) = match place {
        Place::Unix(path) => (connect_to_father(config.seqpacket, path), path.clone()),
        // The errors below name a place; for TCP it is the address.
        Place::Tcp(target) => (
            connect_tcp(config, target),
            PathBuf::from(target.to_string()),
        ),
    };
    let path = path.as_path();
    let fd = match fd {
        Ok(fd) => fd,
        Err(e) => return spam::son_never_started(e),
    };
    let mut answer = vec![0u8; 4096];
    spam::run_son(config.count, config.tick, sink, |out| {
        let started = Instant::now();
        // With --nagle, each message goes in two writes before the son waits for the answer:
        // the second one waits in the kernel for the first's ACK, which the father delays.
        let (first, second) = if config.nagle {
            out.message.split_at(out.message.len() / 2)
        } else {
            (out.message, &[][..])
        };
        for piece in [first, second] {
            if piece.is_empty() {
                continue;
            }
            if let Err(e) = write_message(&fd, piece) {
                return Err(father_gone(e, path, out.sent_before));
            }
        }
        out.written.set(true);
        let sent = out.sent_before + 1;
        // With --ack, the clock runs from just before the write to the answer, and nothing is
        // printed in between: the round trip measures the socket, not our terminal.
        let answered = if config.ack {
            match read_answer(&fd, &mut answer, config.seqpacket, config.ack_timeout) {
                Ok(Answer::Got(n)) => Some((n, started.elapsed().as_secs_f64() * 1e6)),
                Ok(Answer::HungUp) => {
                    return Err(Error::FatherHungUp {
                        path: path.into(),
                        sent,
                    });
                }
                Ok(Answer::None) => {
                    return Err(Error::NoAnswer {
                        path: path.into(),
                        waited: config.ack_timeout,
                    });
                }
                Err(errno) => return Err(father_gone(errno, path, sent)),
            }
        } else {
            None
        };
        if let Some((n, rtt_us)) = answered {
            let event = Event::Answered {
                data: Data(&answer[..n]),
                rtt_us,
            };
            sink.event_now(Role::Son, getpid().as_raw(), event)?;
        }
        Ok(())
    })
}

/// What waiting for an answer found.
enum Answer {
    /// This many bytes: one record on a seqpacket socket, one line on a stream.
    Got(usize),
    HungUp,
    /// Nothing within the timeout: a father without --ack never answers.
    None,
}

/// Reads one answer, waiting at most `timeout` for each piece of it.
fn read_answer(
    fd: &OwnedFd,
    buffer: &mut [u8],
    seqpacket: bool,
    timeout: Duration,
) -> Result<Answer, Errno> {
    let mut filled = 0;
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let millis = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        match poll(
            &mut fds,
            PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX),
        ) {
            Ok(0) => return Ok(Answer::None),
            Ok(_) => {}
            Err(Errno::EINTR) if signals::received().is_none() => continue,
            Err(e) => return Err(e),
        }
        match read(fd, &mut buffer[filled..]) {
            Ok(0) => return Ok(Answer::HungUp),
            Ok(n) => filled += n,
            Err(Errno::EINTR) if signals::received().is_none() => continue,
            Err(e) => return Err(e),
        }
        if seqpacket || buffer[..filled].ends_with(b"\n") || filled == buffer.len() {
            return Ok(Answer::Got(filled));
        }
    }
}

fn father_gone(errno: Errno, path: &Path, sent: u64) -> Error {
    let path = path.to_path_buf();
    match errno {
        Errno::EPIPE => Error::FatherWentAway { path, sent },
        Errno::ECONNRESET => Error::FatherReset { path, sent },
        Errno::EINTR => match signals::received() {
            Some(signal) => Error::Stopped(signal),
            None => Error::call_on(Doing::WritingTo, &path, errno),
        },
        errno => Error::call_on(Doing::WritingTo, &path, errno),
    }
}
