//! Throughput: the child streams `total` bytes, the parent reads (and checks) or splices them.

use std::io::IoSlice;
use std::os::fd::OwnedFd;
use std::time::Instant;

use nix::errno::Errno;
use nix::unistd::{read, write};

use super::channel::{Channel, set_nonblocking};
use super::child::{Affinity, cpus, reap, spawn_child};
use super::{BenchNote, Config, Measure, Measurement, Mechanism, empty_measurement, with_cpu};
use crate::event::{Error, Result, Sink};
use crate::sys::{Context, Doing, signals};

/// The writer's pattern repeats every `PERIOD` bytes: a prime, so no write size lines up with
/// it and a lost or repeated chunk shifts the pattern and fails the comparison.
pub(super) const PERIOD: usize = 251;

/// The writer's bytes: the pattern, long enough to start a write at any phase.
pub(super) fn pattern(len: usize) -> Result<Vec<u8>> {
    let mut bytes = zeroed(len.saturating_add(PERIOD))?;
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = (i % PERIOD) as u8;
    }
    Ok(bytes)
}

/// A buffer of `len` zero bytes, or an error instead of an abort when the memory is not
/// there (a 16 MiB sweep under `ulimit -v`).
pub(super) fn zeroed(len: usize) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(len)
        .map_err(|_| Error::NoMemory { bytes: len })?;
    bytes.resize(len, 0);
    Ok(bytes)
}

pub(super) fn measure(
    mechanism: Mechanism,
    channel: Channel,
    config: &Config,
    sink: &dyn Sink,
) -> Result<Measurement> {
    let zero_copy = config.zero_copy && mechanism.is_pipe();
    let mut result = empty_measurement(
        Measure::Throughput,
        channel.pipe_size,
        channel.notes.clone(),
    );
    if zero_copy {
        result.notes.push(BenchNote::ZeroCopyCountsOnly);
    }
    if config.busy_poll {
        set_nonblocking(&[&channel.parent_read, &channel.child_write])?;
    }
    let (parent_cpu, child_cpu) = cpus(config.pin)?;
    let _affinity = Affinity::pin(parent_cpu)?;
    let Channel {
        parent_read,
        parent_write,
        child_read,
        child_write,
        ..
    } = channel;
    let (total, size, busy, huge) = (
        config.total,
        config.size,
        config.busy_poll,
        config.huge_pages,
    );
    let source = WriterBuffer::new(size + PERIOD, huge)?;
    let before = crate::sys::usage::own();
    let (child, (parent_read, parent_write)) =
        spawn_child((parent_read, parent_write), child_cpu, sink, move || {
            wait_for_go(&child_read)?;
            if zero_copy {
                stream_vmsplice(&child_write, source.bytes(), total, size, busy)
            } else {
                stream_write(&child_write, source.bytes(), total, size, busy)
            }
        })?;
    let mut buffer = zeroed(size.max(64 * 1024))?;
    let expected = pattern(buffer.len())?;
    let devnull = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .doing(Doing::OpeningDevNull)?;
    let started = Instant::now();
    send_go(&parent_write)?;
    let received = if zero_copy {
        drain_splice(&parent_read, &devnull, total, size, busy)
    } else {
        drain_read(&parent_read, &mut buffer, &expected, total, busy)
    };
    let seconds = started.elapsed().as_secs_f64();
    // Close our ends before reaping, so a child stuck writing gets EPIPE instead of waiting.
    drop(parent_read);
    drop(parent_write);
    let reaped = reap(child);
    let received = received?;
    result = with_cpu(result, before, reaped?);
    if received != total {
        return Err(Error::BytesMissing { received, total });
    }
    result.bytes = received;
    result.seconds = seconds;
    result.bytes_per_second = Some(received as f64 / seconds);
    Ok(result)
}

fn wait_for_go(fd: &OwnedFd) -> Result<()> {
    let mut go = [0u8; 1];
    loop {
        match read(fd, &mut go) {
            Ok(1) => return Ok(()),
            Ok(_) => return Err(Error::OtherSideLeft),
            Err(Errno::EINTR | Errno::EAGAIN) => continue,
            Err(e) => return Err(Error::call(Doing::PingPong, e)),
        }
    }
}

fn send_go(fd: &OwnedFd) -> Result<()> {
    loop {
        match write(fd, b"g") {
            Ok(_) => return Ok(()),
            Err(Errno::EINTR | Errno::EAGAIN) => continue,
            Err(e) => return Err(Error::call(Doing::PingPong, e)),
        }
    }
}

/// The writer's buffer; with `huge` it is aligned to 2 MiB and offered to the kernel as a
/// transparent huge page, so vmsplice(2) takes fewer page references.
struct WriterBuffer {
    bytes: Vec<u8>,
    offset: usize,
    len: usize,
}

const HUGE_PAGE: usize = 2 << 20;

impl WriterBuffer {
    fn new(len: usize, huge: bool) -> Result<WriterBuffer> {
        let pattern = pattern(len - PERIOD)?;
        if !huge {
            return Ok(WriterBuffer {
                bytes: pattern,
                offset: 0,
                len,
            });
        }
        let rounded = len.div_ceil(HUGE_PAGE) * HUGE_PAGE;
        let mut bytes = zeroed(rounded + HUGE_PAGE)?;
        let offset = bytes.as_ptr().align_offset(HUGE_PAGE);
        advise_huge(&mut bytes[offset..offset + rounded]);
        bytes[offset..offset + len].copy_from_slice(&pattern[..len]);
        Ok(WriterBuffer { bytes, offset, len })
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes[self.offset..self.offset + self.len]
    }
}

#[cfg(target_os = "linux")]
fn advise_huge(region: &mut [u8]) {
    use nix::sys::mman::{MmapAdvise, madvise};
    if let Some(start) = std::ptr::NonNull::new(region.as_mut_ptr().cast()) {
        // SAFETY: the range is memory we own; MADV_HUGEPAGE only changes how it is backed.
        let _ = unsafe { madvise(start, region.len(), MmapAdvise::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_region: &mut [u8]) {}

fn stream_write(fd: &OwnedFd, source: &[u8], total: u64, size: usize, busy: bool) -> Result<()> {
    let mut sent = 0u64;
    while sent < total {
        let phase = (sent % PERIOD as u64) as usize;
        let len = size.min((total - sent) as usize);
        match write(fd, &source[phase..phase + len]) {
            Ok(n) => sent += n as u64,
            Err(Errno::EAGAIN) if busy => signals::check()?,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::call(Doing::Streaming, e)),
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn stream_vmsplice(fd: &OwnedFd, source: &[u8], total: u64, size: usize, busy: bool) -> Result<()> {
    use nix::fcntl::{SpliceFFlags, vmsplice};
    let flags = if busy {
        SpliceFFlags::SPLICE_F_NONBLOCK
    } else {
        SpliceFFlags::empty()
    };
    let mut sent = 0u64;
    while sent < total {
        // Always from the start of the buffer: page-aligned (with --huge-pages) so each
        // vmsplice maps whole pages; the reader never looks at the pattern in this mode.
        let len = size.min((total - sent) as usize);
        let slice = [IoSlice::new(&source[..len])];
        // SAFETY: vmsplice maps these pages into the pipe by reference; the buffer is never
        // written again and outlives the child, so the reader sees exactly what was sent.
        match unsafe { vmsplice(fd, &slice, flags) } {
            Ok(n) => sent += n as u64,
            Err(Errno::EAGAIN) if busy => signals::check()?,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::call(Doing::Streaming, e)),
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn stream_vmsplice(_: &OwnedFd, _: &[u8], _: u64, _: usize, _: bool) -> Result<()> {
    Err(Error::NeedsLinux(crate::event::LinuxOnly::ZeroCopy))
}

fn drain_read(
    fd: &OwnedFd,
    buffer: &mut [u8],
    expected: &[u8],
    total: u64,
    busy: bool,
) -> Result<u64> {
    let mut received = 0u64;
    while received < total {
        // A full pipe never makes read(2) block, so EINTR alone would not notice Ctrl-C; an
        // atomic load per read costs nothing next to the system call.
        signals::check()?;
        match read(fd, buffer) {
            Ok(0) => break,
            Ok(n) => {
                let phase = (received % PERIOD as u64) as usize;
                if buffer[..n] != expected[phase..phase + n] {
                    return Err(Error::CorruptStream { after: received });
                }
                received += n as u64;
            }
            Err(Errno::EAGAIN) if busy => signals::check()?,
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::Draining, e)),
        }
    }
    Ok(received)
}

#[cfg(target_os = "linux")]
fn drain_splice(
    fd: &OwnedFd,
    devnull: &std::fs::File,
    total: u64,
    size: usize,
    busy: bool,
) -> Result<u64> {
    use nix::fcntl::{SpliceFFlags, splice};
    let mut flags = SpliceFFlags::SPLICE_F_MOVE;
    if busy {
        flags |= SpliceFFlags::SPLICE_F_NONBLOCK;
    }
    let mut received = 0u64;
    while received < total {
        signals::check()?;
        match splice(fd, None, devnull, None, size, flags) {
            Ok(0) => break,
            Ok(n) => received += n as u64,
            Err(Errno::EAGAIN) if busy => signals::check()?,
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::Draining, e)),
        }
    }
    Ok(received)
}

#[cfg(not(target_os = "linux"))]
fn drain_splice(_: &OwnedFd, _: &std::fs::File, _: u64, _: usize, _: bool) -> Result<u64> {
    Err(Error::NeedsLinux(crate::event::LinuxOnly::ZeroCopy))
}
