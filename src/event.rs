//! What happened, as data: the events a lesson reports (bytes sent and received, sons coming and
//! going), the notes it makes on the way (waiting, warnings), the summaries it ends with, and
//! the errors that stop it. Lessons and the bench report through a [`Sink`]; the `report`
//! module is the only one that turns these into words or JSON.

use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::Signal;
use serde::{Serialize, Serializer};

use crate::bench::model::{Measure, Measurement, Mechanism, Pin, Wake};
use crate::sys::pipesize::PipeSizeError;
use crate::sys::{Doing, Refusal, SysError};

/// Who is speaking in an event line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Father,
    Son,
}

/// Bytes that moved. JSON shows them as `data` (escaped as in the text lines: `\n`, `\x00`)
/// and `bytes` (their length before escaping).
#[derive(Debug, Clone, Copy)]
pub struct Data<'a>(pub &'a [u8]);

impl Data<'_> {
    /// Printable ASCII as is, the rest escaped the way Rust's `escape_ascii` does.
    pub fn escaped(&self) -> String {
        self.0.escape_ascii().to_string()
    }
}

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut fields = s.serialize_struct("Data", 2)?;
        fields.serialize_field("data", &self.escaped())?;
        fields.serialize_field("bytes", &self.0.len())?;
        fields.end()
    }
}

fn is_false(b: &bool) -> bool {
    !b
}

fn tenths<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((value * 10.0).round() / 10.0)
}

/// Who a socket son is, as the father can know it: its pid from the kernel (`SO_PEERCRED`,
/// Unix sockets), or its address and port (TCP carries no credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SonId {
    Process { son: i32 },
    Address { peer: std::net::SocketAddr },
}

/// Something that happened to bytes in flight: one line on stdout.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<'a> {
    /// One `read(2)` (or one line, for the FIFO father) and exactly the bytes it returned.
    Received {
        #[serde(flatten)]
        data: Data<'a>,
        /// The son, where a connection tells (a socket): its pid, or its TCP address.
        #[serde(flatten)]
        son: Option<SonId>,
        /// A line shown before its end: the writer left, or it is a piece of a long line.
        #[serde(skip_serializing_if = "Option::is_none")]
        partial: Option<Partial>,
        /// seqpacket: the record had this many bytes, more than the read kept (the rest was
        /// discarded).
        #[serde(skip_serializing_if = "Option::is_none")]
        record_bytes: Option<usize>,
        /// shm: the record's number in the son's ring, counted from 0.
        #[serde(skip_serializing_if = "Option::is_none")]
        record: Option<u64>,
    },
    /// One message handed to one `write(2)`.
    Sent {
        #[serde(flatten)]
        data: Data<'a>,
    },
    /// A son connected; its identity comes from the kernel, not from the son (its uid on a
    /// Unix socket).
    Accepted {
        #[serde(flatten)]
        son: SonId,
        #[serde(skip_serializing_if = "Option::is_none")]
        uid: Option<u32>,
    },
    /// A son hung up.
    Left {
        #[serde(flatten)]
        son: SonId,
    },
    /// A TCP father listens here (the port the kernel chose, for `:0`).
    Listening { address: std::net::SocketAddr },
    /// The father's answer came back to the son, `rtt_us` microseconds after the send began.
    Answered {
        #[serde(flatten)]
        data: Data<'a>,
        #[serde(serialize_with = "tenths")]
        rtt_us: f64,
    },
    /// Every writer has closed its end: `read(2)` returned 0.
    Eof,
    /// A non-blocking write into a pipe nobody reads: the kernel took `bytes` of `asked`, and
    /// the pipe now holds `held`.
    Filled {
        asked: usize,
        bytes: usize,
        held: u64,
        #[serde(skip_serializing_if = "is_false")]
        partial: bool,
    },
    /// The kernel refused a write with `EAGAIN`: a blocking writer would sleep here.
    WouldBlock { asked: usize, held: u64 },
    /// shm race: this son locked the robust mutex and got `EOWNERDEAD`: its owner died holding
    /// it; the son made it consistent and went on.
    OwnerDead,
    /// shm: a second son connected while one is served; it was told so and let go.
    TurnedAway {
        #[serde(flatten)]
        son: SonId,
        /// The son being served.
        connected: i32,
    },
    /// shm: the son left with record `record` begun and never committed (it died in the
    /// middle of writing it); its bytes were never shown.
    Uncommitted {
        #[serde(flatten)]
        son: SonId,
        record: u64,
    },
}

/// Why a FIFO line is shown before its newline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Partial {
    /// Every writer left without ending the line.
    WriterLeft,
    /// The line is longer than the father holds at once; this is one piece, more follows.
    LongLine,
}

/// A diagnostic on the way: waiting, warnings, explanations (stderr, never JSON).
#[derive(Debug)]
pub enum Note<'a> {
    /// anon: `read(2)` returned 0.
    EndOfFile,
    FatherWaitingForSon(&'a Path),
    SonWaitingForFather(&'a Path),
    AllSonsGone(&'a Path),
    CreatedFifo(&'a Path),
    /// The per-user folder was ours but unusable (mode `was`, owner bits cleared by an odd
    /// umask): set back to 0700.
    FolderRepaired {
        folder: &'a Path,
        was: u32,
    },
    /// The father found a FIFO it did not make (a waiting son's, or one a killed run left):
    /// it will not remove it.
    FifoAlreadyThere(&'a Path),
    /// Others may read the FIFO (and steal lines).
    FifoReadableByOthers(&'a Path),
    /// The father listens; `given_path`: the user chose the path (so the son must be told).
    SocketListening {
        path: &'a Path,
        seqpacket: bool,
        given_path: bool,
    },
    StaleSocketReplaced(&'a Path),
    /// A TCP father listens; the son's exact command follows from the address.
    TcpListening {
        address: std::net::SocketAddr,
    },
    /// A TCP father bound to an address others on the network can reach.
    OpenToNetwork {
        address: std::net::SocketAddr,
    },
    /// `accept(2)` failed with EMFILE/ENFILE while this many sons were connected.
    TooManySons(usize),
    PipeSizeGranted {
        wanted: usize,
        granted: usize,
    },
    PipeSizeRefused(PipeSizeError),
    /// A forked son failed; it says so itself before exiting.
    SonFailed {
        pid: i32,
        error: &'a Error,
    },
    /// `bench`'s child failed.
    BenchChildFailed(&'a Error),
    /// The shm father listens; `given_path`: the user chose the path (so the son must be told).
    ShmListening {
        path: &'a Path,
        given_path: bool,
        wake: Wake,
        /// The father's pid, for `/proc/<pid>/fd`.
        pid: i32,
    },
    /// shm: a son wrote something that breaks the ring's protocol; the father hung up on it.
    RingBroken {
        son: i32,
        record: u64,
        len: Option<u32>,
    },
    /// shm race: this process may use only this many CPUs (one): little or nothing is lost.
    OneCpu(usize),
    /// shm race: a son was killed by a signal before it finished its adds.
    RaceSonKilled {
        pid: i32,
        signal: Signal,
        /// It was the one told to die holding the lock (`--die-holding-lock`).
        on_purpose: bool,
    },
}

/// How a child process ended, when it did not end well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessEnd {
    Exited(i32),
    Signaled(Signal),
    Other,
}

/// Why a run stopped early, or failed.
#[derive(Debug)]
pub enum Error {
    /// A stop signal: clean up, say what we have, end by the signal.
    Stopped(Signal),
    /// The reader of stdout left (`| head`): not a failure, nobody to tell.
    StdoutClosed,
    /// A system call failed while we were doing something.
    Call {
        doing: Doing,
        path: Option<PathBuf>,
        errno: Errno,
    },
    /// A path that is not ours or not safe, left untouched.
    Refused {
        path: PathBuf,
        refusal: Refusal,
    },
    /// named son with `--no-wait`: no father has the FIFO open (`ENXIO`).
    NoFatherReading(PathBuf),
    /// A son's father closed its end (`EPIPE`) after `sent` messages.
    FatherWentAway {
        path: PathBuf,
        sent: u64,
    },
    /// socket: the father reset the connection (`ECONNRESET`).
    FatherReset {
        path: PathBuf,
        sent: u64,
    },
    /// socket `--ack`: no answer came within `waited`.
    NoAnswer {
        path: PathBuf,
        waited: std::time::Duration,
    },
    /// socket `--ack`: the father hung up before answering.
    FatherHungUp {
        path: PathBuf,
        sent: u64,
    },
    AnotherFatherListening(PathBuf),
    /// TCP: the address is taken (`EADDRINUSE`).
    AddressInUse(String),
    /// TCP: nobody listens there (`ECONNREFUSED`).
    ConnectionRefused(String),
    /// TCP: no route to that host or network.
    Unreachable(String),
    /// TCP: the host could not be resolved or the address is not one of this machine's.
    BadAddress(String),
    /// TCP: a son with port 0 (any port) has nowhere to connect.
    SonNeedsPort,
    /// named: another father (this pid, if known) already reads this FIFO.
    AnotherFatherReading {
        path: PathBuf,
        pid: Option<i32>,
    },
    NoFatherAtPath(PathBuf),
    StaleSocket(PathBuf),
    SocketTypeMismatch(PathBuf),
    /// A socket address holds at most 107 bytes of path (`unix(7)`).
    SocketPathTooLong(PathBuf),
    SonThreadPanicked,
    SonProcess(ProcessEnd),
    /// atomic: bytes written but never read.
    BytesLost {
        record_size: usize,
        lost: u64,
    },
    /// atomic: a byte that is not the next byte of any writer.
    CorruptRecords {
        byte: u8,
    },
    /// atomic: a record of at most `PIPE_BUF` bytes tore.
    PipeBufBroken {
        pipe_buf: usize,
    },
    /// A measurement failed; `error` says why.
    Bench {
        mechanism: Mechanism,
        measure: Measure,
        error: Box<Error>,
    },
    BenchChild(ProcessEnd),
    /// bench: an answer carried the wrong round number.
    RoundMismatch {
        round: u64,
        got: u8,
    },
    /// bench: the bytes read are not the ones written.
    CorruptStream {
        after: u64,
    },
    /// bench: fewer bytes arrived than were sent.
    BytesMissing {
        received: u64,
        total: u64,
    },
    /// bench: the other side left in the middle of a run.
    OtherSideLeft,
    /// `--pin split` with fewer than two CPUs.
    PinNeedsTwoCpus {
        cpus: usize,
        pin: Pin,
    },
    /// shm son: another son is connected to the father (this pid): one son at a time.
    ShmBusy {
        path: PathBuf,
        son: i32,
    },
    /// shm son: the father handed over something that is not an ipcdemo ring.
    NotARing(PathBuf),
    /// shm son: nothing came from the process listening there within `waited`.
    NoHandOver {
        path: PathBuf,
        waited: std::time::Duration,
    },
    /// shm son: the father went away (its socket hung up) after `sent` records.
    FatherLeftRing {
        path: PathBuf,
        sent: u64,
    },
    /// shm son: no father listens there (`stale`: a socket file is left, nobody behind it).
    NoShmFather {
        path: PathBuf,
        stale: bool,
    },
    /// shm son: the father wrote a position into the ring that cannot be.
    RingBrokenByFather(PathBuf),
    /// shm race: adds were lost with a `sync` that must lose none: a bug, not a lesson.
    AddsLost {
        sync: SyncMode,
        lost: i64,
    },
    /// bench: a mechanism that has no such measure (an eventfd carries a count, not bytes).
    NoSuchMeasure {
        mechanism: Mechanism,
        measure: Measure,
    },
    /// An option that needs Linux, elsewhere.
    #[cfg_attr(target_os = "linux", allow(dead_code))]
    NeedsLinux(LinuxOnly),
}

/// Options that only Linux can honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(target_os = "linux", allow(dead_code))]
pub enum LinuxOnly {
    ZeroCopy,
    Pin,
    /// memfd_create, futexes, eventfds, robust mutexes.
    SharedMemory,
}

impl Error {
    /// A failed call with no path.
    pub fn call(doing: Doing, errno: Errno) -> Error {
        Error::Call {
            doing,
            path: None,
            errno,
        }
    }

    /// A failed call on `path`.
    pub fn call_on(doing: Doing, path: &Path, errno: Errno) -> Error {
        Error::Call {
            doing,
            path: Some(path.to_path_buf()),
            errno,
        }
    }
}

impl From<SysError> for Error {
    fn from(e: SysError) -> Self {
        match e {
            SysError::Call { doing, path, errno } => Error::Call { doing, path, errno },
            SysError::Refused { path, refusal } => Error::Refused { path, refusal },
            SysError::Stopped(signal) => Error::Stopped(signal),
        }
    }
}

impl From<crate::sys::signals::Stopped> for Error {
    fn from(stopped: crate::sys::signals::Stopped) -> Self {
        Error::Stopped(stopped.0)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The counts behind every "n reads held several messages".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReadCounts {
    /// Whole messages received.
    pub messages: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Successful `read(2)` calls that returned data.
    pub reads: u64,
    /// Reads that returned exactly one whole message.
    pub reads_one_message: u64,
    /// Reads that returned bytes of two or more messages glued together.
    pub reads_several_messages: u64,
    /// Reads that returned only part of one message.
    pub reads_part_message: u64,
    /// Bytes of seqpacket records beyond the read size, which the kernel discarded.
    #[serde(skip_serializing_if = "is_zero")]
    pub bytes_discarded: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl std::ops::Add for ReadCounts {
    type Output = ReadCounts;
    fn add(self, b: ReadCounts) -> ReadCounts {
        ReadCounts {
            messages: self.messages + b.messages,
            bytes: self.bytes + b.bytes,
            reads: self.reads + b.reads,
            reads_one_message: self.reads_one_message + b.reads_one_message,
            reads_several_messages: self.reads_several_messages + b.reads_several_messages,
            reads_part_message: self.reads_part_message + b.reads_part_message,
            bytes_discarded: self.bytes_discarded + b.bytes_discarded,
        }
    }
}

/// The kernel guarantee a summary ends by explaining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A pipe or stream socket keeps bytes, not messages.
    ByteStream,
    /// SOCK_SEQPACKET keeps every boundary.
    Seqpacket,
    /// TCP is a byte stream too, and carries no credentials.
    Tcp,
    /// A ring in shared memory stores each record's length: records arrive whole and alone,
    /// and no system call carried them.
    Ring,
}

/// How the sons of `shm race` add to the shared counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Load, add one, store: three steps another son can come between.
    None,
    /// One atomic read-modify-write (`fetch_add`, `lock xadd` on x86).
    Atomic,
    /// A process-shared robust mutex around the three steps.
    Lock,
}

impl SyncMode {
    /// The name on the command line (not translated: it is what one types).
    pub fn name(self) -> &'static str {
        match self {
            SyncMode::None => "none",
            SyncMode::Atomic => "atomic",
            SyncMode::Lock => "lock",
        }
    }
}

/// What one race found.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RaceRun {
    pub sync: SyncMode,
    /// Son processes that raced.
    pub sons: usize,
    /// Adds each son was to make.
    pub adds: u64,
    /// Adds the sons made, all together: what the counter should say.
    pub expected: u64,
    /// What the counter says.
    pub got: u64,
    /// expected − got (negative only if a son was killed between its add and its count).
    pub lost: i64,
    /// From the moment the last son passed the start barrier to the end of the last one, in
    /// seconds.
    #[serde(serialize_with = "micros")]
    pub wall_s: f64,
    /// CPU time the sons used, all together, over their whole lives (`wait4(2)`, the barrier
    /// included), in seconds.
    #[serde(serialize_with = "micros")]
    pub cpu_user_s: f64,
    #[serde(serialize_with = "micros")]
    pub cpu_sys_s: f64,
    /// CPUs this process may use.
    pub cpus: usize,
    /// Times a son (or the father, at the end) locked the mutex and got `EOWNERDEAD`.
    pub owner_died: u64,
    /// Sons that a signal killed before they finished.
    pub sons_killed: usize,
}

/// What a side of `shm` cost in CPU while it ran.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CpuReport {
    pub role: Role,
    /// Whose CPU time this is (for a son's, as it last wrote it into the ring).
    pub process: i32,
    /// Records it sent (son) or received (father).
    pub records: u64,
    /// CPU seconds in user mode.
    #[serde(serialize_with = "micros")]
    pub user_s: f64,
    /// CPU seconds in the kernel.
    #[serde(serialize_with = "micros")]
    pub sys_s: f64,
    /// Seconds it ran (null for a son seen from the father).
    #[serde(serialize_with = "micros_or_null")]
    pub wall_s: Option<f64>,
    /// How it waited.
    pub wake: Wake,
}

fn micros<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((value * 1e6).round() / 1e6)
}

fn micros_or_null<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => micros(v, s),
        None => s.serialize_none(),
    }
}

/// What the kernel held and how the writes went.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CapacityReport {
    /// "pipe" or "fifo".
    pub mechanism: Mechanism,
    /// Bytes the kernel accepted before refusing more, in bytes.
    pub held_bytes: u64,
    /// The buffer size `F_GETPIPE_SZ` reports, in bytes (null where the system cannot say).
    pub pipe_size_bytes: Option<usize>,
    /// The size asked for with `--pipe-size`, in bytes.
    pub requested_bytes: Option<usize>,
    /// Bytes handed to each `write(2)`.
    pub write_size_bytes: usize,
    /// Successful `write(2)` calls.
    pub writes: u64,
    /// Writes the kernel took only part of.
    pub partial_writes: u64,
    /// `PIPE_BUF` here, in bytes: the largest write promised to be all-or-nothing.
    pub pipe_buf_bytes: usize,
    /// The kernel refused a write (`EAGAIN`): the pipe was full. False when the run was
    /// stopped before.
    pub full: bool,
}

/// What one run of one record size found.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AtomicRun {
    /// Bytes per record, each written with one write(2).
    pub record_size: usize,
    /// Writer threads sharing the pipe.
    pub writers: usize,
    /// Records written, all writers together.
    pub records_written: u64,
    /// Records whose bytes did not arrive contiguously.
    pub records_torn: u64,
    /// Bytes written but never read (always 0: a pipe loses nothing).
    pub bytes_lost: u64,
    /// `PIPE_BUF` here, in bytes.
    pub pipe_buf_bytes: usize,
}

impl AtomicRun {
    pub fn within_pipe_buf(&self) -> bool {
        self.record_size <= self.pipe_buf_bytes
    }
}

/// What a run ends by saying (stderr in text, a `summary` object in JSON).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Summary {
    /// A father's reads against the messages its sons wrote (anon, socket).
    Reads {
        #[serde(flatten)]
        counts: ReadCounts,
        #[serde(skip)]
        why: Option<Why>,
    },
    /// The FIFO father's lines.
    Lines {
        #[serde(flatten)]
        counts: ReadCounts,
    },
    /// What a son sent.
    Sent {
        messages: u64,
        bytes: u64,
    },
    Capacity(CapacityReport),
    Atomic(AtomicRun),
    Race(RaceRun),
    Cpu(CpuReport),
}

/// How a lesson ended: what it has to say, and whether it stopped early or failed. The
/// summaries are said after everything the lesson made is removed.
#[derive(Debug)]
pub struct Outcome {
    pub summaries: Vec<Summary>,
    /// bench: the rows measured.
    pub measurements: Vec<Measurement>,
    pub end: Result<()>,
}

impl Outcome {
    pub fn new(summaries: Vec<Summary>, end: Result<()>) -> Outcome {
        Outcome {
            summaries,
            measurements: Vec::new(),
            end,
        }
    }
}

impl From<Result<()>> for Outcome {
    fn from(end: Result<()>) -> Self {
        Outcome::new(Vec::new(), end)
    }
}

/// A sign of life from a long run (shown only on a terminal).
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Bench {
        step: usize,
        steps: usize,
        mechanism: Mechanism,
        measure: Measure,
    },
    /// `atomic`: record size `step` of `steps` is running.
    Atomic {
        step: usize,
        steps: usize,
        record_size: usize,
    },
    Done,
}

/// Where lessons and the bench report what happens. Events may fail (the reader of stdout
/// left, or a stop signal cut a blocked write short); notes and progress never do.
pub trait Sink: Sync {
    /// The time now, on the clock the run reports in.
    fn now(&self) -> f64;
    /// One event, stamped `time` (a son stamps its send just before `write(2)`).
    fn event(&self, time: f64, role: Role, pid: i32, event: Event<'_>) -> Result<()>;
    fn note(&self, note: &Note<'_>);
    fn progress(&self, progress: Progress);
    /// One event, stamped now.
    fn event_now(&self, role: Role, pid: i32, event: Event<'_>) -> Result<()> {
        self.event(self.now(), role, pid, event)
    }
}
