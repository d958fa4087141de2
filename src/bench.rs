//! Measuring, not presenting: how fast each mechanism moves bytes (throughput) and answers
//! (latency, a ping-pong) between two processes on this machine. Every function here returns
//! data; `report` turns it into a table or JSON.
//!
//! What is measured is the system calls: buffers are allocated before the clock starts, the
//! hot loops allocate nothing and format nothing, and the other process is started and
//! waiting before the first timestamp. Every run checks its data: the reader compares each
//! byte against the pattern the writer sent (except with `--zero-copy`, where it never sees
//! the bytes and checks the count), and each ping-pong answer must carry its round's number.
//!
//! How it can block (and so hang a benchmark): a reader waiting for bytes a dead writer will
//! never send. The parent drops its copies of the child's ends right after `fork(2)`, so the
//! child's death closes the channel and the parent's read fails or ends instead of waiting.

use std::io::IoSlice;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, dup, fork, pipe, read, write};
use serde::Serialize;

use crate::cli::{Mechanism, Pin};
use crate::pipesize;
use crate::signals;

/// The writer's pattern repeats every `PERIOD` bytes: a prime, so no write size lines up with
/// it and a lost or repeated chunk shifts the pattern and fails the comparison.
const PERIOD: usize = 251;

/// How to run one benchmark.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Bytes to stream in a throughput run.
    pub total: u64,
    /// Bytes per write(2) (or vmsplice(2)) in a throughput run.
    pub size: usize,
    /// Ping-pong round trips in a latency run (after `warmup` untimed ones).
    pub rounds: u64,
    pub warmup: u64,
    /// Bytes per ping and per pong.
    pub msg_size: usize,
    /// Pipe buffer to ask for, in bytes; `None` means /proc/sys/fs/pipe-max-size.
    pub pipe_size: Option<usize>,
    /// Pipes and FIFOs: vmsplice(2) in the writer, splice(2) to /dev/null in the reader.
    pub zero_copy: bool,
    /// Non-blocking ends that spin on EAGAIN instead of sleeping.
    pub busy_poll: bool,
    pub pin: Pin,
    /// Back the writer's buffer with a transparent huge page (Linux).
    pub huge_pages: bool,
}

/// One measurement of one mechanism.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// pipe, fifo, unix-stream, unix-seqpacket, socketpair or tcp.
    pub mechanism: &'static str,
    /// throughput or latency.
    pub measure: &'static str,
    /// How it ran: the calls used, polling, pinning, pipe size.
    pub mode: String,
    /// Bytes that crossed, in bytes (for latency: pings and pongs together).
    pub bytes: u64,
    /// Wall time of the measured loop, in seconds.
    pub seconds: f64,
    /// Throughput, in bytes per second (null for latency).
    pub bytes_per_second: Option<f64>,
    /// Timed round trips (null for throughput).
    pub rounds: Option<u64>,
    /// Median round trip, in microseconds.
    pub rtt_median_us: Option<f64>,
    /// 99th-percentile round trip, in microseconds.
    pub rtt_p99_us: Option<f64>,
    /// Round trips per second over the whole timed loop.
    pub round_trips_per_second: Option<f64>,
    /// The pipe buffer the kernel granted, in bytes (pipes and FIFOs only).
    pub pipe_size_bytes: Option<usize>,
    /// Something the reader should know (a refused pipe size, what zero-copy checks).
    pub note: Option<String>,
}

/// Which measure to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Throughput,
    Latency,
}

/// Both directions between the parent and one child.
struct Channel {
    parent_read: OwnedFd,
    parent_write: OwnedFd,
    child_read: OwnedFd,
    child_write: OwnedFd,
    pipe_size: Option<usize>,
    note: Option<String>,
    _place: Option<ScratchDir>,
}

/// A private folder for FIFOs and socket files, removed with everything in it on drop. It is
/// made with `create_dir` (which fails if anything is there), so only our own files go.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<ScratchDir> {
        use std::os::unix::fs::DirBuilderExt;
        let path = std::env::temp_dir().join(format!("ipcdemo-bench-{}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .with_context(|| format!("creating the scratch folder {}", path.display()))?;
        Ok(ScratchDir(path))
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Mechanism {
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Pipe => "pipe",
            Mechanism::Fifo => "fifo",
            Mechanism::UnixStream => "unix-stream",
            Mechanism::UnixSeqpacket => "unix-seqpacket",
            Mechanism::Socketpair => "socketpair",
            Mechanism::Tcp => "tcp",
        }
    }

    fn is_pipe(self) -> bool {
        matches!(self, Mechanism::Pipe | Mechanism::Fifo)
    }
}

fn open_channel(mechanism: Mechanism, config: &BenchConfig) -> Result<Channel> {
    let mut place = None;
    let (parent, child, parent_write, child_write) = match mechanism {
        Mechanism::Pipe => {
            let (from_child, to_parent) = pipe().context("creating a pipe")?;
            let (from_parent, to_child) = pipe().context("creating a pipe")?;
            (from_child, from_parent, to_child, to_parent)
        }
        Mechanism::Fifo => {
            let dir = ScratchDir::new()?;
            let (from_child, to_parent) = fifo_pair(&dir.join("up"))?;
            let (from_parent, to_child) = fifo_pair(&dir.join("down"))?;
            place = Some(dir);
            (from_child, from_parent, to_child, to_parent)
        }
        Mechanism::Socketpair
        | Mechanism::UnixStream
        | Mechanism::UnixSeqpacket
        | Mechanism::Tcp => {
            let (parent, child) = match mechanism {
                Mechanism::Socketpair => socketpair(
                    AddressFamily::Unix,
                    SockType::Stream,
                    None,
                    SockFlag::SOCK_CLOEXEC,
                )
                .context("creating a socketpair")?,
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
            let parent_write = dup(&parent).context("duplicating a socket")?;
            let child_write = dup(&child).context("duplicating a socket")?;
            (parent, child, parent_write, child_write)
        }
    };
    let mut channel = Channel {
        parent_read: parent,
        parent_write,
        child_read: child,
        child_write,
        pipe_size: None,
        note: None,
        _place: place,
    };
    if mechanism.is_pipe() {
        enlarge_pipes(&mut channel, config.pipe_size);
    }
    Ok(channel)
}

/// Opens both ends of a new FIFO without blocking: the read end first, with `O_NONBLOCK`, so
/// the write end's open finds a reader; then the read end goes back to blocking.
fn fifo_pair(path: &Path) -> Result<(OwnedFd, OwnedFd)> {
    use nix::sys::stat::Mode;
    nix::unistd::mkfifo(path, Mode::S_IRUSR | Mode::S_IWUSR)
        .with_context(|| format!("creating the FIFO {}", path.display()))?;
    let flags = OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
    let read_end = nix::fcntl::open(
        path,
        flags | OFlag::O_RDONLY | OFlag::O_NONBLOCK,
        Mode::empty(),
    )
    .with_context(|| format!("opening {}", path.display()))?;
    let write_end = nix::fcntl::open(path, flags | OFlag::O_WRONLY, Mode::empty())
        .with_context(|| format!("opening {}", path.display()))?;
    fcntl(read_end.as_fd(), FcntlArg::F_SETFL(OFlag::empty())).context("making a FIFO blocking")?;
    Ok((read_end, write_end))
}

fn unix_stream_pair(path: &Path) -> Result<(OwnedFd, OwnedFd)> {
    let listener =
        UnixListener::bind(path).with_context(|| format!("binding {}", path.display()))?;
    let client =
        UnixStream::connect(path).with_context(|| format!("connecting to {}", path.display()))?;
    let (server, _) = listener.accept().context("accepting")?;
    Ok((OwnedFd::from(server), OwnedFd::from(client)))
}

fn seqpacket_pair(path: &Path) -> Result<(OwnedFd, OwnedFd)> {
    use nix::sys::socket::{Backlog, UnixAddr, accept, bind, connect, listen, socket};
    use std::os::fd::AsRawFd;
    let address = UnixAddr::new(path).context("making the socket address")?;
    let new = || {
        socket(
            AddressFamily::Unix,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .context("creating a SOCK_SEQPACKET socket")
    };
    let listener = new()?;
    bind(listener.as_raw_fd(), &address).with_context(|| format!("binding {}", path.display()))?;
    listen(&listener, Backlog::MAXCONN).context("listening")?;
    let client = new()?;
    connect(client.as_raw_fd(), &address)
        .with_context(|| format!("connecting to {}", path.display()))?;
    let server = accept(&listener).context("accepting")?;
    Ok((server, client))
}

fn tcp_pair() -> Result<(OwnedFd, OwnedFd)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("listening on 127.0.0.1")?;
    let address = listener.local_addr().context("reading the TCP port")?;
    let client = TcpStream::connect(address).context("connecting to 127.0.0.1")?;
    let (server, _) = listener.accept().context("accepting on 127.0.0.1")?;
    // Without TCP_NODELAY, Nagle's algorithm holds each 1-byte ping back for up to 40 ms.
    client.set_nodelay(true).context("setting TCP_NODELAY")?;
    server.set_nodelay(true).context("setting TCP_NODELAY")?;
    Ok((OwnedFd::from(server), OwnedFd::from(client)))
}

fn enlarge_pipes(channel: &mut Channel, wanted: Option<usize>) {
    let Some(wanted) = wanted.or_else(pipesize::max_size) else {
        channel.pipe_size = pipesize::get(&channel.parent_read);
        return;
    };
    for fd in [&channel.parent_read, &channel.child_read] {
        if let Err(refused) = pipesize::set(fd, wanted) {
            channel.note = Some(format!("{refused}; measured with the size the kernel kept"));
        }
    }
    channel.pipe_size = pipesize::get(&channel.parent_read);
}

fn set_nonblocking(fds: &[&OwnedFd]) -> Result<()> {
    for fd in fds {
        fcntl(fd.as_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).context("setting O_NONBLOCK")?;
    }
    Ok(())
}

/// The parent's two ends, which the child must not keep.
type ParentEnds = (OwnedFd, OwnedFd);

/// Runs `job` in a child process pinned to `cpu`; returns its pid and the parent's ends.
///
/// `job` owns the child's ends: in the parent it is dropped unrun, which closes the parent's
/// copies, so the child's exit is seen as end of file or EPIPE. The child closes the parent's
/// ends in turn: a child still holding the read end of the pipe it writes into would be its
/// own reader, and when the parent left it would fill the pipe and block for ever instead of
/// failing with EPIPE.
fn spawn_child(
    parent_ends: ParentEnds,
    cpu: Option<usize>,
    job: impl FnOnce() -> Result<()>,
) -> Result<(Pid, ParentEnds)> {
    // SAFETY: bench runs single-threaded (see signals::install_without_thread); the child
    // only makes system calls on memory allocated before the fork and then calls _exit(2).
    match unsafe { fork() }.context("forking the benchmark's child")? {
        ForkResult::Child => {
            drop(parent_ends);
            let code = match child_setup(cpu).and_then(|()| job()) {
                Ok(()) => 0,
                // The parent left (it stopped or failed, and says so itself): nothing to add.
                Err(e) if parent_left(&e) => 1,
                Err(e) => {
                    eprintln!("bench child: {e:#}");
                    1
                }
            };
            // SAFETY: _exit(2) ends the child at once, without running the parent's
            // destructors a second time.
            unsafe { nix::libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(job);
            Ok((child, parent_ends))
        }
    }
}

fn parent_left(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<Errno>(),
        Some(Errno::EPIPE | Errno::ECONNRESET)
    ) || error.is::<OtherSideLeft>()
}

/// End of file in the middle of a run.
#[derive(Debug)]
struct OtherSideLeft;

impl std::fmt::Display for OtherSideLeft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the other side left in the middle of a run")
    }
}

impl std::error::Error for OtherSideLeft {}

fn child_setup(cpu: Option<usize>) -> Result<()> {
    signals::restore_defaults_in_child()?;
    // A parent killed with -9 takes its child along instead of leaving it spinning.
    #[cfg(target_os = "linux")]
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
        .context("setting PR_SET_PDEATHSIG")?;
    pin_to(cpu)
}

fn reap(child: Pid) -> Result<()> {
    let status = signals::restarting(|| waitpid(child, None))
        .context("waiting for the benchmark's child")?;
    match status {
        WaitStatus::Exited(_, 0) => Ok(()),
        other => bail!("the benchmark's child failed: {other:?}"),
    }
}

#[cfg(target_os = "linux")]
fn pin_to(cpu: Option<usize>) -> Result<()> {
    use nix::sched::{CpuSet, sched_setaffinity};
    let Some(cpu) = cpu else { return Ok(()) };
    let mut set = CpuSet::new();
    set.set(cpu).context("choosing a CPU")?;
    sched_setaffinity(Pid::from_raw(0), &set).with_context(|| format!("pinning to CPU {cpu}"))
}

#[cfg(not(target_os = "linux"))]
fn pin_to(cpu: Option<usize>) -> Result<()> {
    match cpu {
        None => Ok(()),
        Some(_) => bail!("--pin needs Linux (sched_setaffinity)"),
    }
}

/// The CPUs for (parent, child).
fn cpus(pin: Pin) -> Result<(Option<usize>, Option<usize>)> {
    match pin {
        Pin::None => Ok((None, None)),
        Pin::Same => Ok((Some(0), Some(0))),
        Pin::Split => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            if n < 2 {
                bail!("--pin split needs two CPUs and this machine offers {n}");
            }
            Ok((Some(0), Some(1)))
        }
    }
}

/// Restores the parent's CPU affinity when a measurement ends.
#[cfg(target_os = "linux")]
struct Affinity(Option<nix::sched::CpuSet>);

#[cfg(target_os = "linux")]
impl Affinity {
    fn pin(cpu: Option<usize>) -> Result<Affinity> {
        let saved = match cpu {
            Some(_) => Some(
                nix::sched::sched_getaffinity(Pid::from_raw(0)).context("reading CPU affinity")?,
            ),
            None => None,
        };
        pin_to(cpu)?;
        Ok(Affinity(saved))
    }
}

#[cfg(target_os = "linux")]
impl Drop for Affinity {
    fn drop(&mut self) {
        if let Some(set) = &self.0 {
            let _ = nix::sched::sched_setaffinity(Pid::from_raw(0), set);
        }
    }
}

#[cfg(not(target_os = "linux"))]
struct Affinity;

#[cfg(not(target_os = "linux"))]
impl Affinity {
    fn pin(cpu: Option<usize>) -> Result<Affinity> {
        pin_to(cpu)?;
        Ok(Affinity)
    }
}

fn mode(
    mechanism: Mechanism,
    measure: Measure,
    config: &BenchConfig,
    pipe_size: Option<usize>,
) -> String {
    let mut parts = Vec::new();
    let zero_copy = config.zero_copy && mechanism.is_pipe() && measure == Measure::Throughput;
    parts.push(
        if zero_copy {
            "vmsplice/splice"
        } else {
            "read/write"
        }
        .to_string(),
    );
    if let Some(size) = pipe_size {
        parts.push(format!("{} pipe", crate::units::human_bytes(size as u64)));
    }
    if config.busy_poll {
        parts.push("busy-poll".into());
    }
    if config.huge_pages && zero_copy {
        parts.push("huge pages".into());
    }
    match config.pin {
        Pin::None => {}
        Pin::Same => parts.push("same CPU".into()),
        Pin::Split => parts.push("split CPUs".into()),
    }
    parts.join(", ")
}

/// Measures one mechanism.
pub fn measure(
    mechanism: Mechanism,
    measure: Measure,
    config: &BenchConfig,
) -> Result<Measurement> {
    let channel = open_channel(mechanism, config)?;
    let mode = mode(mechanism, measure, config, channel.pipe_size);
    let mut result = match measure {
        Measure::Throughput => throughput(mechanism, channel, config)?,
        Measure::Latency => latency(channel, config)?,
    };
    result.mechanism = mechanism.name();
    result.mode = mode;
    Ok(result)
}

fn empty_measurement(measure: &'static str, channel: &Channel) -> Measurement {
    Measurement {
        mechanism: "",
        measure,
        mode: String::new(),
        bytes: 0,
        seconds: 0.0,
        bytes_per_second: None,
        rounds: None,
        rtt_median_us: None,
        rtt_p99_us: None,
        round_trips_per_second: None,
        pipe_size_bytes: channel.pipe_size,
        note: channel.note.clone(),
    }
}

/// The writer's bytes: the pattern, long enough to start a write at any phase.
fn pattern(len: usize) -> Vec<u8> {
    (0..len + PERIOD).map(|i| (i % PERIOD) as u8).collect()
}

fn throughput(mechanism: Mechanism, channel: Channel, config: &BenchConfig) -> Result<Measurement> {
    let zero_copy = config.zero_copy && mechanism.is_pipe();
    let mut result = empty_measurement("throughput", &channel);
    if zero_copy {
        let what = "zero-copy: the reader splice(2)s the pages to /dev/null without looking at \
                    them, so only the byte count is checked";
        result.note = Some(match result.note.take() {
            Some(note) => format!("{note}; {what}"),
            None => what.to_string(),
        });
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
    let (child, (parent_read, parent_write)) =
        spawn_child((parent_read, parent_write), child_cpu, move || {
            wait_for_go(&child_read)?;
            if zero_copy {
                stream_vmsplice(&child_write, source.bytes(), total, size, busy)
            } else {
                stream_write(&child_write, source.bytes(), total, size, busy)
            }
        })?;
    let mut buffer = vec![0u8; size.max(64 * 1024)];
    let expected = pattern(buffer.len());
    let devnull = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .context("opening /dev/null")?;
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
    reaped?;
    if received != total {
        bail!(
            "{} lost bytes: {received} of {total} arrived",
            mechanism.name()
        );
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
            Ok(_) => return Err(OtherSideLeft.into()),
            Err(Errno::EINTR | Errno::EAGAIN) => continue,
            Err(e) => return Err(e).context("waiting for the start"),
        }
    }
}

fn send_go(fd: &OwnedFd) -> Result<()> {
    loop {
        match write(fd, b"g") {
            Ok(_) => return Ok(()),
            Err(Errno::EINTR | Errno::EAGAIN) => continue,
            Err(e) => return Err(e).context("starting the child"),
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
        let pattern = pattern(len - PERIOD);
        if !huge {
            return Ok(WriterBuffer {
                bytes: pattern,
                offset: 0,
                len,
            });
        }
        let rounded = len.div_ceil(HUGE_PAGE) * HUGE_PAGE;
        let mut bytes = vec![0u8; rounded + HUGE_PAGE];
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
            Err(e) => return Err(e).context("writing"),
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
            Err(e) => return Err(e).context("vmsplice"),
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn stream_vmsplice(_: &OwnedFd, _: &[u8], _: u64, _: usize, _: bool) -> Result<()> {
    bail!("--zero-copy needs Linux (vmsplice and splice)")
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
                    bail!("corrupt data after {received} bytes: not what the writer sent");
                }
                received += n as u64;
            }
            Err(Errno::EAGAIN) if busy => signals::check()?,
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(e).context("reading"),
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
            Err(e) => return Err(e).context("splice"),
        }
    }
    Ok(received)
}

#[cfg(not(target_os = "linux"))]
fn drain_splice(_: &OwnedFd, _: &std::fs::File, _: u64, _: usize, _: bool) -> Result<u64> {
    bail!("--zero-copy needs Linux (vmsplice and splice)")
}

fn latency(channel: Channel, config: &BenchConfig) -> Result<Measurement> {
    let mut result = empty_measurement("latency", &channel);
    if config.busy_poll {
        set_nonblocking(&[
            &channel.parent_read,
            &channel.parent_write,
            &channel.child_read,
            &channel.child_write,
        ])?;
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
    let (size, busy) = (config.msg_size, config.busy_poll);
    let all_rounds = config.warmup + config.rounds;
    let mut echo = vec![0u8; size];
    let (child, (parent_read, parent_write)) =
        spawn_child((parent_read, parent_write), child_cpu, move || {
            for _ in 0..all_rounds {
                read_exact(&child_read, &mut echo, busy)?;
                write_all(&child_write, &echo, busy)?;
            }
            Ok(())
        })?;
    let mut ping = vec![0u8; size];
    let mut pong = vec![0u8; size];
    let mut nanos: Vec<u64> = Vec::with_capacity(config.rounds as usize);
    let outcome = (|| -> Result<f64> {
        let mut started = Instant::now();
        for round in 0..all_rounds {
            if round == config.warmup {
                started = Instant::now();
            }
            signals::check()?;
            // The round's number travels in the first byte: a lost or repeated answer shows.
            ping[0] = round as u8;
            let sent_at = Instant::now();
            write_all(&parent_write, &ping, busy)?;
            read_exact(&parent_read, &mut pong, busy)?;
            let rtt = sent_at.elapsed();
            if pong[0] != round as u8 {
                bail!("round trip {round} came back as round {}", pong[0]);
            }
            if round >= config.warmup {
                nanos.push(rtt.as_nanos() as u64);
            }
        }
        Ok(started.elapsed().as_secs_f64())
    })();
    drop(parent_read);
    drop(parent_write);
    let reaped = reap(child);
    let seconds = outcome?;
    reaped?;
    nanos.sort_unstable();
    let percentile = |p: usize| nanos[(nanos.len() * p / 100).min(nanos.len() - 1)] as f64 / 1000.0;
    result.bytes = 2 * config.rounds * size as u64;
    result.seconds = seconds;
    result.rounds = Some(config.rounds);
    result.rtt_median_us = Some(percentile(50));
    result.rtt_p99_us = Some(percentile(99));
    result.round_trips_per_second = Some(config.rounds as f64 / seconds);
    Ok(result)
}

fn read_exact(fd: &OwnedFd, buffer: &mut [u8], busy: bool) -> Result<()> {
    let mut filled = 0;
    while filled < buffer.len() {
        match read(fd, &mut buffer[filled..]) {
            Ok(0) => return Err(OtherSideLeft.into()),
            Ok(n) => filled += n,
            Err(Errno::EAGAIN) if busy => signals::check()?,
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(e).context("reading a round trip"),
        }
    }
    Ok(())
}

fn write_all(fd: &OwnedFd, buffer: &[u8], busy: bool) -> Result<()> {
    let mut written = 0;
    while written < buffer.len() {
        match write(fd, &buffer[written..]) {
            Ok(n) => written += n,
            Err(Errno::EAGAIN) if busy => signals::check()?,
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(e).context("writing a round trip"),
        }
    }
    Ok(())
}

/// `ipcdemo bench`: every chosen mechanism and measure, one after the other, then the table.
pub fn run(args: &crate::cli::BenchArgs, reporter: &crate::report::Reporter) -> Result<()> {
    let config = args.config();
    let mechanisms = args.mechanisms();
    let measures: &[Measure] = match (args.throughput_only, args.latency_only) {
        (true, false) => &[Measure::Throughput],
        (false, true) => &[Measure::Latency],
        _ => &[Measure::Throughput, Measure::Latency],
    };
    let steps = mechanisms.len() * measures.len();
    let mut results = Vec::with_capacity(steps);
    for (i, (mechanism, measure)) in mechanisms
        .iter()
        .flat_map(|m| measures.iter().map(move |x| (*m, *x)))
        .enumerate()
    {
        signals::check()?;
        reporter.progress(
            i + 1,
            steps,
            mechanism.name(),
            measure == Measure::Throughput,
        );
        let result = self::measure(mechanism, measure, &config).map_err(|e| {
            // Ctrl-C reaches the child too; whatever error its death caused here, the cause
            // was the signal.
            match signals::received() {
                Some(signal) => signals::Interrupted(signal).into(),
                None => e.context(format!(
                    "measuring the {} {}",
                    mechanism.name(),
                    measure.name()
                )),
            }
        })?;
        results.push(result);
    }
    reporter.progress_done();
    reporter.bench_results(&results)
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::Throughput => "throughput",
            Measure::Latency => "latency",
        }
    }
}
