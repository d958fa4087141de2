//! Lesson 3, the Unix domain socket: the same father and sons, but each son gets its own
//! connection, the kernel tells the father who is on the other end (`SO_PEERCRED`), traffic
//! goes both ways (`--ack`), and with `--seqpacket` message boundaries survive.
//!
//! The guarantees on show (`unix(7)`, `socket(7)`): `SOCK_STREAM` is a byte stream like a pipe,
//! so one read may hold `Spam 004\nSpam 000\n`; `SOCK_SEQPACKET` delivers each `write(2)` as one
//! record, and every `read(2)` returns exactly one.
//!
//! How it blocks: `connect(2)` does not wait for a father the way a FIFO's `open(2)` does; with
//! nobody listening it fails at once (`ENOENT`, or `ECONNREFUSED` for a stale socket file).
//! The father multiplexes its sons with `poll(2)` and never blocks on any one of them, so a son
//! that stops reading, or sends a megabyte without a newline, cannot stall the others.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{Backlog, SockType, UnixAddr, bind, connect, listen};
use nix::sys::stat::{Mode, SFlag, umask};
use nix::unistd::{getpid, read};

use crate::boundaries::{BoundaryCounter, Framing};
use crate::cli::SocketArgs;
use crate::messages::{Doing, Msg, doing};
use crate::rendezvous::{self, Existing, RemoveOnExit};
use crate::report::{Event, ReadSummary, Reporter, Role, StdoutClosed};
use crate::signals;
use crate::socket_setup;
use crate::spam::{self, write_message};

pub fn run(args: &SocketArgs, reporter: &Reporter) -> Result<()> {
    let path = rendezvous::resolve(args.path.as_deref(), "socket")?;
    if args.son {
        son(args, &path, reporter)
    } else {
        father(args, &path, reporter)
    }
}

fn sock_type(seqpacket: bool) -> SockType {
    if seqpacket {
        SockType::SeqPacket
    } else {
        SockType::Stream
    }
}

fn new_socket(seqpacket: bool, nonblocking: bool) -> Result<OwnedFd> {
    socket_setup::unix_socket(sock_type(seqpacket), nonblocking).context("creating a Unix socket")
}

/// The son's pid and uid as the kernel recorded them at `connect(2)`: a son cannot lie.
#[cfg(target_os = "linux")]
fn peer_identity(fd: &OwnedFd) -> Result<(i32, u32)> {
    let cred = nix::sys::socket::getsockopt(fd, nix::sys::socket::sockopt::PeerCredentials)
        .context("asking the kernel who the peer is (SO_PEERCRED)")?;
    Ok((cred.pid(), cred.uid()))
}

/// Elsewhere only the uid is known (`getpeereid(3)`); the pid shows as -1.
#[cfg(not(target_os = "linux"))]
fn peer_identity(fd: &OwnedFd) -> Result<(i32, u32)> {
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: plain out-parameters.
    Errno::result(unsafe { nix::libc::getpeereid(fd.as_raw_fd(), &mut uid, &mut gid) })
        .context("asking the kernel who the peer is (getpeereid)")?;
    Ok((-1, uid))
}

/// Makes the path free for `bind(2)`: nothing there, or a stale socket of ours that nobody
/// listens on any more (a father killed with -9). Anything else is refused and left alone.
fn claim_path(path: &Path, seqpacket: bool, reporter: &Reporter) -> Result<()> {
    let (existing, _) = rendezvous::inspect(path, SFlag::S_IFSOCK, "socket")?;
    if let Existing::Nothing = existing {
        return Ok(());
    }
    let probe = new_socket(seqpacket, false)?;
    let address = socket_address(path, path)?;
    match connect(probe.as_raw_fd(), &address) {
        Ok(()) | Err(Errno::EPROTOTYPE) => bail!("{}", Msg::AnotherFatherListening(path)),
        Err(Errno::ECONNREFUSED) => {
            std::fs::remove_file(path).with_context(|| doing(Doing::RemovingStaleSocket, path))?;
            reporter.note(&Msg::StaleSocketReplaced(path));
            Ok(())
        }
        Err(e) => Err(e).with_context(|| doing(Doing::CheckingInUse, path)),
    }
}

/// A socket address holds at most 107 bytes of path (`unix(7)`): say so, and what to do.
/// `shown` is the path the user knows (the father binds a longer private name first).
fn socket_address(path: &Path, shown: &Path) -> Result<UnixAddr> {
    UnixAddr::new(path).with_context(|| {
        format!(
            "{} is too long for a Unix socket address (at most 107 bytes, unix(7), and the \
             father needs room for a private name beside it); pass a shorter --path",
            shown.display()
        )
    })
}

/// `.socket.<pid>`, beside the public name.
fn private_name(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}", std::process::id()))
}

/// One connected son, as the father sees it.
struct Connection {
    fd: OwnedFd,
    son: i32,
    counter: BoundaryCounter,
}

fn father(args: &SocketArgs, path: &Path, reporter: &Reporter) -> Result<()> {
    let pid = getpid().as_raw();
    claim_path(path, args.seqpacket, reporter)?;
    let listener = new_socket(args.seqpacket, true)?;
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
    bound.with_context(|| doing(Doing::Binding, &private))?;
    let remove_private = RemoveOnExit::new(&private);
    listen(&listener, Backlog::MAXCONN).with_context(|| doing(Doing::ListeningOn, path))?;
    match std::fs::hard_link(&private, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{}", Msg::AnotherFatherListening(path))
        }
        Err(e) => return Err(e).with_context(|| doing(Doing::Publishing, path)),
    }
    // The public name now reaches the same socket, so the private one can go at once; even a
    // father killed with -9 then leaves only the public name, which the next father replaces.
    drop(remove_private);
    let _remove = RemoveOnExit::new(path);
    reporter.note(&Msg::SocketListening {
        path,
        seqpacket: args.seqpacket,
    });
    let mut sons: Vec<Connection> = Vec::new();
    let mut finished = ReadSummary::default();
    let outcome = serve(args, &listener, &mut sons, &mut finished, pid, reporter);
    if outcome.as_ref().is_err_and(|e| e.is::<StdoutClosed>()) {
        return outcome;
    }
    let total = sons
        .iter()
        .fold(finished, |sum, c| add(sum, c.counter.summary()));
    reporter.summary("reads", pid, &total, &Msg::ReadSummary(&total))?;
    if !reporter.is_json() {
        reporter.note(if args.seqpacket {
            &Msg::SeqpacketLesson
        } else {
            &Msg::ByteStreamLesson
        });
    }
    outcome
}

fn add(a: ReadSummary, b: ReadSummary) -> ReadSummary {
    ReadSummary {
        messages: a.messages + b.messages,
        bytes: a.bytes + b.bytes,
        reads: a.reads + b.reads,
        reads_one_message: a.reads_one_message + b.reads_one_message,
        reads_several_messages: a.reads_several_messages + b.reads_several_messages,
        reads_part_message: a.reads_part_message + b.reads_part_message,
    }
}

fn serve(
    args: &SocketArgs,
    listener: &OwnedFd,
    sons: &mut Vec<Connection>,
    finished: &mut ReadSummary,
    pid: i32,
    reporter: &Reporter,
) -> Result<()> {
    let mut buffer = vec![0u8; args.read_size];
    let mut messages = 0u64;
    // Out of descriptors (EMFILE), new sons wait in the listen backlog; the listener is left
    // out of poll(2) until a son leaves, or it would report "readable" in a busy loop.
    let mut accepting = true;
    loop {
        signals::check()?;
        let ready: Vec<bool> = {
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
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e).context("waiting for sons (poll)"),
            }
            fds.iter()
                .map(|fd| fd.revents().is_some_and(|r| !r.is_empty()))
                .collect()
        };
        if ready[0] {
            accepting = accept_sons(listener, sons, pid, reporter)?;
        }
        // One read per ready son per round: a son that floods cannot starve the others.
        let mut index = 0;
        for is_ready in &ready[1..] {
            if !is_ready {
                index += 1;
                continue;
            }
            let son = &mut sons[index];
            let n = match read(&son.fd, &mut buffer) {
                Ok(n) => n,
                Err(Errno::EAGAIN | Errno::EINTR) => {
                    index += 1;
                    continue;
                }
                // A son that vanished mid-stream (kill -9 with unread answers) resets.
                Err(Errno::ECONNRESET) => 0,
                Err(e) => return Err(e).context("reading from a son"),
            };
            if n == 0 {
                reporter.event(Role::Father, pid, Event::Left { son: son.son })?;
                accepting = true;
                let gone = sons.remove(index);
                *finished = add(*finished, gone.counter.summary());
                continue;
            }
            let data = &buffer[..n];
            let completed = son.counter.record(data);
            if args.ack {
                // Answer before printing, so the son's round trip is the socket's, not ours.
                answer(&son.fd, data, args.seqpacket);
            }
            let stamp = reporter.now();
            let event = Event::Received {
                data,
                from: Some(son.son),
                partial: false,
            };
            reporter.event_at(stamp, Role::Father, pid, event)?;
            messages += completed;
            if args.count.is_some_and(|count| messages >= count) {
                return Ok(());
            }
            index += 1;
        }
    }
}

/// Accepts every waiting son; false when out of descriptors (stop listening for a while).
fn accept_sons(
    listener: &OwnedFd,
    sons: &mut Vec<Connection>,
    pid: i32,
    reporter: &Reporter,
) -> Result<bool> {
    loop {
        let fd = match socket_setup::accept_nonblocking(listener) {
            Ok(fd) => fd,
            Err(Errno::EAGAIN | Errno::EINTR | Errno::ECONNABORTED) => return Ok(true),
            Err(Errno::EMFILE | Errno::ENFILE) => {
                reporter.note(&Msg::TooManySons(sons.len()));
                return Ok(false);
            }
            Err(e) => return Err(e).context("accepting a son"),
        };
        let (son, uid) = peer_identity(&fd)?;
        reporter.event(Role::Father, pid, Event::Accepted { son, uid })?;
        sons.push(Connection {
            fd,
            son,
            counter: BoundaryCounter::new(Framing::Newline),
        });
    }
}

/// `--ack`: one answer per message. The socket is non-blocking, so a son that never reads its
/// answers loses them instead of stalling the father.
fn answer(fd: &OwnedFd, data: &[u8], seqpacket: bool) {
    let messages: Vec<&[u8]> = if seqpacket {
        vec![data]
    } else {
        data.split_inclusive(|&b| b == b'\n')
            .filter(|m| m.ends_with(b"\n"))
            .collect()
    };
    for message in messages {
        let reply = [b"ack ", message].concat();
        let _ = nix::unistd::write(fd, &reply);
    }
}

fn son(args: &SocketArgs, path: &Path, reporter: &Reporter) -> Result<()> {
    if let (Existing::Nothing, _) = rendezvous::inspect(path, SFlag::S_IFSOCK, "socket")? {
        bail!("{}", Msg::NoFatherAtPath(path));
    }
    let fd = new_socket(args.seqpacket, false)?;
    let address = socket_address(path, path)?;
    loop {
        match connect(fd.as_raw_fd(), &address) {
            Ok(()) => break,
            Err(Errno::EINTR) => signals::check()?,
            Err(Errno::ENOENT) => bail!("{}", Msg::NoFatherAtPath(path)),
            Err(Errno::ECONNREFUSED) => bail!("{}", Msg::StaleSocket(path)),
            Err(Errno::EPROTOTYPE) => bail!("{}", Msg::SocketTypeMismatch(path)),
            Err(e) => return Err(e).with_context(|| doing(Doing::ConnectingTo, path)),
        }
    }
    // The file was checked before connect(2); the kernel's word on who listens closes the race
    // where someone swapped it in between.
    let (_, father_uid) = peer_identity(&fd)?;
    let me = nix::unistd::geteuid().as_raw();
    if father_uid != me {
        let refusal = rendezvous::Refusal::ListenerOwner {
            owner: father_uid,
            me,
        };
        return Err(rendezvous::refuse(path, refusal));
    }
    let mut answer = vec![0u8; 4096];
    spam::run_son(args.count, args.tick, reporter, |out| {
        let started = Instant::now();
        if let Err(e) = write_message(&fd, out.message) {
            return Err(father_gone(e.raw_os_error(), path, out.sent_before));
        }
        let sent = out.sent_before + 1;
        // With --ack, wait for the answer before printing anything: the round trip measures
        // the socket, not our terminal.
        let answered = if args.ack {
            match read_answer(&fd, &mut answer, args.seqpacket) {
                Ok(Some(n)) => Some((n, started.elapsed().as_secs_f64() * 1e6)),
                Ok(None) => bail!("{}", Msg::FatherHungUp { path, sent }),
                Err(errno) => return Err(father_gone(Some(errno as i32), path, sent)),
            }
        } else {
            None
        };
        spam::report_sent(reporter, &out)?;
        if let Some((n, rtt_micros)) = answered {
            let event = Event::Answered {
                data: &answer[..n],
                rtt_micros,
            };
            reporter.event(Role::Son, getpid().as_raw(), event)?;
        }
        Ok(())
    })
}

/// Reads one answer: one record on a seqpacket socket, one line on a stream. `None` at end of
/// file.
fn read_answer(fd: &OwnedFd, buffer: &mut [u8], seqpacket: bool) -> Result<Option<usize>, Errno> {
    let mut filled = 0;
    loop {
        match read(fd, &mut buffer[filled..]) {
            Ok(0) => return Ok(None),
            Ok(n) => filled += n,
            Err(Errno::EINTR) if signals::received().is_none() => continue,
            Err(e) => return Err(e),
        }
        if seqpacket || buffer[..filled].ends_with(b"\n") || filled == buffer.len() {
            return Ok(Some(filled));
        }
    }
}

fn father_gone(errno: Option<i32>, path: &Path, sent: u64) -> anyhow::Error {
    match errno.map(Errno::from_raw) {
        Some(Errno::EPIPE) => anyhow::anyhow!("{}", Msg::FatherWentAway { path, sent }),
        Some(Errno::ECONNRESET) => anyhow::anyhow!("{}", Msg::FatherReset { path, sent }),
        Some(Errno::EINTR) => match signals::received() {
            Some(signal) => signals::Interrupted(signal).into(),
            None => anyhow::anyhow!("writing to {} was interrupted", path.display()),
        },
        Some(errno) => anyhow::Error::new(errno).context(doing(Doing::WritingTo, path)),
        None => anyhow::anyhow!("writing to {} failed", path.display()),
    }
}
