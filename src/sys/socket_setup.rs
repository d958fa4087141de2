//! Unix sockets created close-on-exec (and non-blocking where asked) on every system: Linux
//! sets both atomically with `SOCK_CLOEXEC`/`SOCK_NONBLOCK` and `accept4(2)`; macOS has
//! neither, so there the flags follow with `fcntl(2)` (nothing here forks and execs between
//! the two calls, so the window does not matter).

use std::os::fd::OwnedFd;

use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket, socketpair};

/// A new `AF_UNIX` socket of type `ty`.
pub fn unix_socket(ty: SockType, nonblocking: bool) -> nix::Result<OwnedFd> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        socket(AddressFamily::Unix, ty, flags(nonblocking), None)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let fd = socket(AddressFamily::Unix, ty, SockFlag::empty(), None)?;
        set_flags(&fd, nonblocking)?;
        Ok(fd)
    }
}

/// Two connected `AF_UNIX` stream sockets.
pub fn unix_socketpair() -> nix::Result<(OwnedFd, OwnedFd)> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        socketpair(AddressFamily::Unix, SockType::Stream, None, flags(false))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let (a, b) = socketpair(
            AddressFamily::Unix,
            SockType::Stream,
            None,
            SockFlag::empty(),
        )?;
        set_flags(&a, false)?;
        set_flags(&b, false)?;
        Ok((a, b))
    }
}

/// The largest record a new `SOCK_SEQPACKET` socket sends: its `SO_SNDBUF` less the 32 bytes
/// Linux keeps back (`unix_dgram_sendmsg` in net/unix/af_unix.c refuses `len > sk_sndbuf - 32`
/// with EMSGSIZE). Elsewhere the buffer itself, a bound the kernel may lower.
pub fn seqpacket_largest_record() -> nix::Result<usize> {
    use nix::sys::socket::{getsockopt, sockopt::SndBuf};
    let socket = unix_socket(SockType::SeqPacket, false)?;
    let buffer = getsockopt(&socket, SndBuf)?;
    let kept_back = if cfg!(any(target_os = "linux", target_os = "android")) {
        32
    } else {
        0
    };
    Ok(buffer.saturating_sub(kept_back))
}

/// Accepts one connection, non-blocking and close-on-exec.
pub fn accept_nonblocking(listener: &OwnedFd) -> nix::Result<OwnedFd> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        nix::sys::socket::accept4(listener, flags(true))
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let fd = nix::sys::socket::accept(listener)?;
        set_flags(&fd, true)?;
        Ok(fd)
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn flags(nonblocking: bool) -> SockFlag {
    if nonblocking {
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK
    } else {
        SockFlag::SOCK_CLOEXEC
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn set_flags(fd: &OwnedFd, nonblocking: bool) -> nix::Result<()> {
    use nix::fcntl::{FcntlArg, FdFlag, OFlag, fcntl};
    use std::os::fd::AsFd;
    fcntl(fd.as_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    if nonblocking {
        fcntl(fd.as_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    }
    Ok(())
}
