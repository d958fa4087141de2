//! What happened, as data: the events a lesson reports (bytes sent and received, sons coming and
//! going), the notes it makes on the way (waiting, warnings), the summaries it ends with, and
//! the errors that stop it. Lessons and the bench report through a [`Sink`]; the `report`
//! module is the only one that turns these into words or JSON.

use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::Signal;
use serde::{Serialize, Serializer};

use crate::bench::model::{Measure, Measurement, Mechanism, Pin, Wake};
use crate::sys::mqueue::{Attributes, Limits, Size};
use crate::sys::pipesize::PipeSizeError;
use crate::sys::procfd::PipeEnd;
use crate::sys::sigqueue::SigNo;
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

fn micros<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((value * 1e6).round() / 1e6)
}

/// When a `read(2)` was called and how long it waited, and which bytes of the stream it
/// returned. Stamps come just before the call and just after it returns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReadTiming {
    /// When the call began, on the run's clock.
    #[serde(serialize_with = "micros")]
    pub call_at: f64,
    /// How long it waited before returning, in microseconds.
    #[serde(serialize_with = "tenths")]
    pub waited_us: f64,
    /// The stream offsets it returned: bytes `[from, to)`.
    pub from: u64,
    pub to: u64,
    /// Bytes in the pipe or socket: for anon, after this read (written so far minus read so
    /// far, an upper bound at any instant); for named and socket, `FIONREAD` just before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_pipe: Option<u64>,
    /// How many of the son's writes these bytes came from (anon, where the father knows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writes: Option<u64>,
}

/// When a `write(2)` was called and returned, and which bytes of the stream it carried.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WriteTiming {
    #[serde(serialize_with = "micros")]
    pub call_at: f64,
    /// When it returned (unknown for a forked son's write the father tells of too early).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returned_at: Option<f64>,
    pub from: u64,
    pub to: u64,
}

/// What a timeline's middle column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An anonymous pipe whose every write the father knows.
    Pipe,
    /// A FIFO: bytes waiting before each read (FIONREAD), from sons it cannot tell apart.
    Fifo,
    /// A socket: bytes waiting on a son's connection before each read (FIONREAD).
    Socket,
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
        /// mq: the message's priority (`mq_receive(3)` hands out the highest first).
        #[serde(skip_serializing_if = "Option::is_none")]
        priority: Option<u32>,
        /// mq: messages still waiting in the queue after this one (`mq_curmsgs`).
        #[serde(skip_serializing_if = "Option::is_none")]
        queued: Option<u64>,
        /// When the read was called, how long it waited, which bytes.
        #[serde(flatten)]
        timing: Option<ReadTiming>,
        /// shm: the record's number in the son's ring, counted from 0.
        #[serde(skip_serializing_if = "Option::is_none")]
        record: Option<u64>,
    },
    /// One message handed to one `write(2)` (or one `mq_send(3)`).
    Sent {
        #[serde(flatten)]
        data: Data<'a>,
        /// mq: the priority it was sent at.
        #[serde(skip_serializing_if = "Option::is_none")]
        priority: Option<u32>,
        /// When the write was called and returned, which bytes.
        #[serde(flatten)]
        timing: Option<WriteTiming>,
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
    /// The sides a timeline draws: anon's father knows its son too; a FIFO or socket father
    /// draws only its own lane.
    Lanes {
        #[serde(skip_serializing_if = "Option::is_none")]
        son: Option<i32>,
        father: i32,
        channel: Channel,
    },
    /// A TCP father listens here (the port the kernel chose, for `:0`).
    Listening { address: std::net::SocketAddr },
    /// One `read(2)` of a FIFO father, whole, as its timeline and trace draw it (its event
    /// lines are whole lines, which a read may split or glue).
    Read {
        #[serde(flatten)]
        data: Data<'a>,
        #[serde(flatten)]
        timing: ReadTiming,
    },
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
    /// A signal handed to `kill(2)` (no value) or `sigqueue(3)` (with `value`), said just
    /// before the call.
    SignalSent {
        signal: SigNo,
        /// The pid it is sent to.
        target: i32,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<i32>,
    },
    /// A signal taken with `sigtimedwait(2)`.
    SignalReceived {
        signal: SigNo,
        /// The sender's pid, as the kernel recorded it (`si_pid`).
        sender: i32,
        /// The value `sigqueue(3)` carried; none for `kill(2)`.
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<i32>,
    },
    /// `sigqueue(3)` failed with `EAGAIN`: the queue of pending signals for this user is full.
    SignalRefused {
        signal: SigNo,
        target: i32,
        value: i32,
    },
    /// `alarm(2)` asked for SIGALRM in `seconds`; now the father pauses.
    AlarmSet { seconds: u32 },
    /// SIGALRM's handler ran and the pause ended, `waited_s` seconds after `alarm(2)`.
    AlarmRang {
        seconds: u32,
        #[serde(serialize_with = "micros")]
        waited_s: f64,
    },
    /// fds: a pipe was made, `pipe:[inode]` in `/proc/<pid>/fd`; `cloexec`: both ends close on
    /// `execve(2)` (made by `pipe2(O_CLOEXEC)`, not `pipe(2)`).
    PipeMade {
        inode: u64,
        read_fd: i32,
        write_fd: i32,
        cloexec: bool,
    },
    /// fds: the father forked `son`; `exec`: the son then became another program with
    /// `execve(2)` (ipcdemo itself, in a role that waits until its stdin closes).
    Forked { son: i32, exec: bool },
    /// fds: `/proc` shows process `holder` (its `command`, from `/proc/<pid>/comm`) holding
    /// `fd`, this `end` of pipe `inode`; `cloexec`: an `execve(2)` there would close it.
    Holds {
        holder: i32,
        command: &'a str,
        fd: i32,
        end: PipeEnd,
        cloexec: bool,
        inode: u64,
    },
    /// fds: `/proc` shows no descriptor of pipe `inode` in process `holder`.
    HoldsNothing { holder: i32, inode: u64 },
    /// fds: this process closed `fd`, its `end` of a pipe.
    Closed { fd: i32, end: PipeEnd },
    /// fds: a son ended and was reaped with `waitpid(2)`, so no zombie is left.
    Reaped {
        son: i32,
        #[serde(flatten)]
        end: ProcessEnd,
    },
    /// fds: `read(2)` returned 0 on pipe `inode`: every write end is closed.
    EndOfFile { inode: u64 },
    /// fds: no end of file on pipe `inode` after waiting `waited_ms` (0: a look, no wait).
    NoEndOfFile { inode: u64, waited_ms: u64 },
    /// fds --send: the write end `fd` of pipe `inode` went to `son` over the socket
    /// (`SCM_RIGHTS`), with this process's credentials (`SCM_CREDENTIALS`).
    Passed { fd: i32, inode: u64, son: i32 },
    /// fds --receive: descriptor `fd` arrived, pipe `inode` as `/proc/self/fd/<fd>` names it,
    /// from the sender whose pid and uid `SCM_CREDENTIALS` carried (the kernel checks them).
    GotDescriptor {
        fd: i32,
        inode: u64,
        sender_pid: Option<i32>,
        sender_uid: Option<u32>,
    },
    /// fds --kill-son: SIGKILL went to `son` while it wrote into the `mechanism`; `in_write`:
    /// `/proc/<son>/syscall` showed it inside `write(2)`.
    Killed {
        son: i32,
        mechanism: Mechanism,
        in_write: bool,
    },
    /// fds --kill-son: after the kill the reader still got `bytes` of the son's
    /// `message_bytes`-byte messages, then end of file.
    Drained {
        mechanism: Mechanism,
        bytes: u64,
        message_bytes: u64,
    },
    /// fds --kill-son: what the dead son left in the file system (null: nothing).
    LeftBehind {
        mechanism: Mechanism,
        path: Option<&'a Path>,
    },
    /// fds --kill-son: `connect(2)` to the socket file left behind is refused: nobody listens.
    Stale { path: &'a Path },
    /// fds --kill-son: the stale-socket handling of `ipcdemo socket` took the path back: a new
    /// socket listens there.
    Recovered { path: &'a Path },
    /// exec: the father started `program` as its son `son`, on two pipes (the `execvp(3)` in
    /// the son succeeded).
    Started { son: i32, program: &'a [String] },
    /// exec `--big`: the father has written `total` bytes of the son's input so far.
    InputWritten { son: i32, total: u64 },
    /// exec `--big`: the father has read `total` bytes of the son's output so far.
    OutputRead { son: i32, total: u64 },
    /// exec: no byte moved for `--stall` while the father waited: where both sides sleep.
    Stalled(&'a Stall),
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

/// What exec's watchdog saw when no byte had moved for `--stall`.
#[derive(Debug, Clone, Serialize)]
pub struct Stall {
    /// `--stall`, in milliseconds.
    #[serde(rename = "stall_ms", serialize_with = "millis")]
    pub stall: std::time::Duration,
    /// How long no byte had moved, in milliseconds (`--stall` or a little more).
    #[serde(rename = "stalled_ms", serialize_with = "millis")]
    pub waited: std::time::Duration,
    /// Which deadlock the two sides are in, judged from what each waits for.
    pub deadlock: Deadlock,
    /// Where the father's main thread sleeps.
    pub father_sleeps: Sleeper,
    /// Where the son sleeps.
    pub son_sleeps: Sleeper,
    /// The pipe the father writes and the son reads: its stdin.
    pub input_pipe: PipeFill,
    /// The pipe the son writes and the father reads: its stdout.
    pub output_pipe: PipeFill,
}

fn millis<S: Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The two deadlocks everyone meets with a son on two pipes, and the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadlock {
    /// Both sides sleep in `read(2)`: the son keeps its answer in its output buffer.
    Buffering,
    /// Both sides sleep in `write(2)`: both pipes are full.
    FullPipes,
    /// No byte moves, but the son waits for something else (it sleeps, or computes).
    Neither,
}

/// Where a process (or the father's main thread) sleeps, as `/proc` says.
#[derive(Debug, Clone, Serialize)]
pub struct Sleeper {
    pub pid: i32,
    /// `/proc/<pid>/wchan`: the kernel function it sleeps in, like `anon_pipe_read`; null
    /// where the kernel does not say.
    pub wchan: Option<String>,
    /// The state letter of `/proc/<pid>/stat`: `S` asleep, `R` running, `D` in the disk's
    /// hands, `T` stopped, `Z` a zombie.
    pub state: Option<char>,
    /// What it waits for, judged from `wchan` (or `/proc/<pid>/syscall`).
    pub waits: Waits,
}

/// What a sleeping side waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Waits {
    /// In `read(2)` on a pipe: for bytes.
    Reading,
    /// In `write(2)` on a pipe: for room.
    Writing,
    /// Something else (a timer, the end of another process, nothing at all).
    Elsewhere,
}

/// How full a pipe is, in bytes.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PipeFill {
    /// Bytes it holds now (`FIONREAD`); null once our end is closed.
    pub held_bytes: Option<u64>,
    /// Its buffer (`F_GETPIPE_SZ`; 65536 by default).
    pub size_bytes: Option<usize>,
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
    /// The trace kept only the first `kept` calls of a long run.
    TraceTruncated {
        path: &'a Path,
        kept: u64,
        left_out: u64,
    },
    /// The bench's exports were not written: the run did not finish.
    ExportsNotWritten,
    /// A forked son failed; it says so itself before exiting.
    SonFailed {
        pid: i32,
        error: &'a Error,
    },
    /// `bench`'s child failed.
    BenchChildFailed(&'a Error),
    /// mq father: the queue is made; its attributes and the system's limits, said aloud.
    QueueCreated {
        name: &'a str,
        attributes: Attributes,
        limits: Limits,
    },
    /// mq father: the queue was there but nobody held its lock (its father died, as by
    /// `kill -9`): removed, with the `left` messages in it, and made anew.
    StaleQueueReplaced {
        name: &'a str,
        lock: &'a Path,
        left: u64,
    },
    /// mq father: it waits `after` before its first receive, so messages pile up.
    ReadingAfter {
        name: &'a str,
        after: std::time::Duration,
        max_messages: u64,
    },
    /// mq father: receiving now; `given_name`: the user chose the name (so a son must be told).
    FatherReceiving {
        name: &'a str,
        given_name: bool,
    },
    /// mq son: the queue it sends to, as `mq_getattr(3)` sees it.
    SonSendingTo {
        name: &'a str,
        attributes: Attributes,
    },
    /// mq son: no father holds the queue's lock: the queue was left by a father that died.
    NoFatherHoldsQueue {
        name: &'a str,
        lock: &'a Path,
    },
    /// mq son: the queue is full; it waits for room.
    QueueFullWaiting {
        name: &'a str,
        max_messages: u64,
    },
    /// signal: the father takes nothing until its son has sent all `count` and exited.
    SignalHeld {
        signal: SigNo,
        count: u64,
    },
    /// signal: the son has exited (SIGCHLD); the father now takes what is pending.
    SignalSonDone {
        son: i32,
    },
    /// signal `--queue-limit`: the father's `RLIMIT_SIGPENDING` is now `limit`, which counts
    /// the signals pending for every process of the real user `uid`.
    QueueLimitSet {
        limit: u64,
        uid: u32,
    },
    /// signal, realtime signals taken as they come: the father's `RLIMIT_SIGPENDING` lowered
    /// to `limit`, so its backlog cannot fill the queue all processes of `uid` share.
    BacklogCapped {
        limit: u64,
        uid: u32,
    },
    /// signal `--father`: waiting; how a son (or `kill`) reaches us.
    SignalFatherWaiting {
        pid: i32,
        signal: SigNo,
        realtime: bool,
    },
    /// fds --send listens; `given_path`: the user chose the path (so the receiver must be told).
    SenderListening {
        path: &'a Path,
        given_path: bool,
    },
    /// fds: `/proc` would not show the descriptors of this many processes (other users'); a
    /// holder may hide among them.
    ProcessesHidden(usize),
    /// fds --forget-close: the son has left and no end of file came; the father waits this
    /// long before it closes its forgotten copy.
    Stalling(std::time::Duration),
    /// fds --kill-son: everything is made in this folder, which goes at the end.
    ScratchFolder(&'a Path),
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

/// How a child process ended. JSON: `exit_code`, or `signal` (its name, like `"SIGKILL"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessEnd {
    Exited(i32),
    Signaled(Signal),
    Other,
}

impl Serialize for ProcessEnd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut fields = s.serialize_struct("ProcessEnd", 1)?;
        match self {
            ProcessEnd::Exited(code) => fields.serialize_field("exit_code", code)?,
            ProcessEnd::Signaled(signal) => fields.serialize_field("signal", signal.as_str())?,
            ProcessEnd::Other => fields.serialize_field("ended", "abnormally")?,
        }
        fields.end()
    }
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
    /// bench: a buffer of this many bytes could not be had (a memory limit).
    NoMemory {
        bytes: usize,
    },
    /// A measurement failed; `error` says why.
    Bench {
        mechanism: Mechanism,
        measure: Measure,
        /// In a sweep, the message size of the cell that failed.
        size: Option<usize>,
        error: Box<Error>,
    },
    BenchChild(ProcessEnd),
    /// bench and the signal ping-pong: an answer carried the wrong round number.
    RoundMismatch {
        round: u64,
        got: i64,
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
    /// mq son: there is no queue of that name (`ENOENT`); `given_name`: chosen with --name.
    NoQueue {
        name: String,
        given_name: bool,
    },
    /// mq: the queue belongs to another user; it was left untouched.
    QueueOwner {
        name: String,
        owner: u32,
        me: u32,
    },
    /// mq: the queue exists and may not even be opened (`EACCES`): another user's.
    QueueForbidden(String),
    /// mq: another father (this pid, if known) receives on the queue.
    AnotherFatherReceiving {
        name: String,
        pid: Option<i32>,
    },
    /// mq son with `--no-wait`: the queue is full (`EAGAIN`) after `sent` messages.
    QueueFull {
        name: String,
        max_messages: u64,
        sent: u64,
    },
    /// mq son: a message longer than `mq_msgsize` (`EMSGSIZE`).
    MessageTooLong {
        name: String,
        bytes: usize,
        message_size: usize,
    },
    /// mq father: the kernel refused to create the queue with the size asked for.
    QueueRefused {
        name: String,
        errno: Errno,
        /// What was asked (or the system's default size).
        asked: Size,
        /// Boxed: it would make every `Result` of ours large.
        limits: Box<Limits>,
    },
    /// mq son: the name no longer leads to the queue it sends to (its father removed it).
    QueueRemoved {
        name: String,
        sent: u64,
    },
    /// bench: a stream channel asked of a mechanism that has none (a signal).
    NotAStream(Mechanism),
    /// `--pin split` with fewer than two CPUs.
    PinNeedsTwoCpus {
        cpus: usize,
        pin: Pin,
    },
    /// signal `--son`: no process has this pid.
    NoSuchProcess(i32),
    /// signal `--son`: this pid is a thread of another process, not a process.
    ThreadNotProcess {
        tid: i32,
        process: i32,
    },
    /// signal `--son`: this process is not an `ipcdemo signal` father; its command line (empty
    /// for a kernel thread or a process that has exited).
    NotASignalFather {
        pid: i32,
        cmdline: String,
    },
    /// signal `--son`: the father neither blocks nor catches `signal`, so its default action
    /// would kill it (`ignored`: it throws it away).
    WouldKill {
        pid: i32,
        signal: SigNo,
        ignored: bool,
    },
    /// signal: the kernel refused to let us signal `pid` (`EPERM`: another user's).
    SignalNotPermitted {
        pid: i32,
        signal: SigNo,
    },
    /// signal: the father went away (`ESRCH`) after `sent` signals.
    FatherGone {
        pid: i32,
        sent: u64,
    },
    /// signal `--queue-limit`: above the hard limit, which only a privileged user may raise.
    QueueLimitTooHigh {
        asked: u64,
        hard: u64,
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
    /// fds --receive: nobody listens on the path: nothing is there, or (`stale`) a socket file
    /// a killed sender left.
    NoSender {
        path: PathBuf,
        stale: bool,
    },
    /// fds --receive: the message came with `count` descriptors, not one (extras are closed).
    NoDescriptor {
        path: PathBuf,
        count: usize,
    },
    /// fds --receive: what arrived is not the write end of a pipe; it was closed unused.
    NotAPipeWriteEnd {
        path: PathBuf,
    },
    /// exec: the program could not be run: `execvp(3)` failed in the son with `errno`.
    ProgramNotStarted {
        program: Vec<String>,
        errno: Errno,
    },
    /// exec: no byte moved for `--stall`; the watchdog killed the son to end the run.
    Deadlock {
        program: Vec<String>,
        stall: Box<Stall>,
        /// Bytes of the son's input the father had written.
        written: u64,
    },
    /// exec: the son stopped reading early: a `write(2)` failed with `EPIPE` (`epipe`), or its
    /// output ended before it answered every line.
    SonStoppedReading {
        son: i32,
        program: Vec<String>,
        /// Lines and bytes the father had written.
        sent_lines: u64,
        sent_bytes: u64,
        /// Lines that came back; `None` with `--big`, where the father had not read yet.
        answered: Option<u64>,
        epipe: bool,
    },
}

/// Options that only Linux can honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(target_os = "linux", allow(dead_code))]
pub enum LinuxOnly {
    ZeroCopy,
    Pin,
    MessageQueues,
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

/// How much of a father's run went into waiting in `read(2)` (or `poll(2)`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Waiting {
    /// Seconds spent blocked, waiting for bytes.
    #[serde(serialize_with = "micros")]
    pub waited_s: f64,
    /// Seconds from the first read's call to the last read's return.
    #[serde(serialize_with = "micros")]
    pub reading_s: f64,
}

/// The kernel guarantee a summary ends by explaining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A pipe or stream socket keeps bytes, not messages.
    ByteStream,
    /// SOCK_SEQPACKET keeps every boundary.
    Seqpacket,
    /// A message queue keeps every boundary, and orders by priority.
    MessageQueue,
    /// TCP is a byte stream too, and carries no credentials.
    Tcp,
    /// A pending standard signal is one bit: more of it merge into one (`signal(7)`).
    SignalsMerge,
    /// Realtime signals queue: each once, in order, with its value (`signal(7)`).
    SignalsQueue,
    /// `RLIMIT_SIGPENDING` (this many) caps the queue per real user: then `EAGAIN`.
    QueueLimit(u64),
    /// A signal round trip is two `sigqueue(3)` calls and two wake-ups.
    SignalPingPong,
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
    /// A stop signal ended this run before its writers had written every record.
    pub stopped: bool,
}

impl AtomicRun {
    pub fn within_pipe_buf(&self) -> bool {
        self.record_size <= self.pipe_buf_bytes
    }
}

/// What the mq father received, and the queue it received from.
#[derive(Debug, Clone, Serialize)]
pub struct QueueReport {
    /// The queue's name, `/` first.
    pub name: String,
    /// Whole messages received.
    pub messages: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Successful `mq_receive(3)` calls: each returned exactly one whole message.
    pub receives: u64,
    /// Messages that came with a priority above 0.
    pub priority_messages: u64,
    /// `mq_maxmsg`: the most messages the queue held.
    pub max_messages: u64,
    /// `mq_msgsize`: the largest message it took, in bytes.
    pub message_size_bytes: usize,
    /// Messages still in the queue when it was removed: they went with it.
    pub left_in_queue: u64,
}

/// What a signal run counted.
#[derive(Debug, Clone, Serialize)]
pub struct SignalReport {
    /// Who counted: the father (what arrived, and what its son said it sent) or a son on its own
    /// (what it sent).
    pub role: Role,
    /// SIGUSR2, or SIGRTMIN+1 with `--realtime`.
    pub signal: SigNo,
    pub realtime: bool,
    /// The father took nothing until its son was done (`--blocked`, `--queue-limit`).
    pub held: bool,
    /// The pid signalled by a son on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<i32>,
    /// Signals the kernel accepted from the son (`kill(2)` or `sigqueue(3)` returned 0); null
    /// where the father cannot know (a father on its own).
    pub sent: Option<u64>,
    /// `sigqueue(3)` calls refused with `EAGAIN` (the queue was full); while the father holds,
    /// each value is tried once.
    pub refused: u64,
    /// Signals queued when the first `EAGAIN` came: with `--queue-limit`, the limit minus
    /// what other processes of the same user had pending then.
    pub queue_full_after: Option<u64>,
    /// Times the son found the queue full and waited for room before trying the same value
    /// again (realtime, while the father takes them as they come).
    pub waits: u64,
    /// Signals the father took; null in a son's own summary.
    pub received: Option<u64>,
    /// Sent but not received: merged into one already pending. Null unless the father saw
    /// the run to its end and knows what was sent.
    pub merged: Option<u64>,
    /// Realtime values that came no later than an earlier one from the same sender (always 0:
    /// the queue keeps order).
    pub out_of_order: u64,
    /// `RLIMIT_SIGPENDING` as `--queue-limit` set it.
    pub queue_limit: Option<u64>,
    #[serde(skip)]
    pub why: Vec<Why>,
}

/// The signal ping-pong's round trips (`--ping-pong`), measured like the bench's latency.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PingPongReport {
    pub signal: SigNo,
    /// Timed round trips (after the untimed warm-up).
    pub rounds: u64,
    /// Median round trip, in microseconds (null when none was timed).
    #[serde(serialize_with = "tenths_or_null")]
    pub rtt_median_us: Option<f64>,
    /// 99th-percentile round trip, in microseconds.
    #[serde(serialize_with = "tenths_or_null")]
    pub rtt_p99_us: Option<f64>,
    /// Round trips per second over the timed loop.
    pub round_trips_per_second: Option<f64>,
}

fn tenths_or_null<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => tenths(v, s),
        None => s.serialize_none(),
    }
}

/// `--alarm`: what was asked and how long it really took.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AlarmReport {
    /// The seconds handed to `alarm(2)`.
    pub seconds: u32,
    /// Seconds from `alarm(2)` to the end of the pause (or to the stop).
    #[serde(serialize_with = "micros")]
    pub waited_s: f64,
    /// SIGALRM came (false: stopped first).
    pub rang: bool,
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
        #[serde(flatten)]
        waiting: Option<Waiting>,
    },
    /// The FIFO father's lines.
    Lines {
        #[serde(flatten)]
        counts: ReadCounts,
        #[serde(flatten)]
        waiting: Option<Waiting>,
    },
    /// What a son sent.
    Sent {
        messages: u64,
        bytes: u64,
    },
    Capacity(CapacityReport),
    Atomic(AtomicRun),
    /// The mq father's messages.
    Queue(QueueReport),
    /// signal: sent, received, merged (or queued and refused).
    Signals(SignalReport),
    /// signal `--ping-pong`.
    PingPong(PingPongReport),
    /// signal `--alarm`.
    Alarm(AlarmReport),
    /// fds: the forgotten write end and the close-on-exec pair.
    Leak(LeakReport),
    /// fds --kill-son: one per mechanism.
    Crash(CrashReport),
    Exec(ExecReport),
    Race(RaceRun),
    Cpu(CpuReport),
}

/// A descriptor in a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HeldFd {
    pub pid: i32,
    pub fd: i32,
}

/// What `ipcdemo fds` found about who holds a pipe's ends.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LeakReport {
    /// The father kept its own copy of the write end (`--forget-close`).
    pub forgot_close: bool,
    /// Milliseconds it waited, after its son had left, for an end of file that could not come
    /// (null: it did not have to wait).
    pub stalled_ms: Option<u64>,
    /// The write ends `/proc` showed while it waited.
    pub write_ends: Vec<HeldFd>,
    /// The end of file came (false: the run was stopped before).
    pub end_of_file: bool,
    /// The descriptors of a `pipe(2)` pipe that its son still held after `execve(2)` (null:
    /// the run was stopped before).
    pub inherited: Option<Vec<i32>>,
    /// The same for a `pipe2(O_CLOEXEC)` pipe: none, since `execve(2)` closed them.
    pub inherited_cloexec: Option<Vec<i32>>,
}

/// What killing a son in the middle of a write left, for one mechanism.
#[derive(Debug, Clone, Serialize)]
pub struct CrashReport {
    pub mechanism: Mechanism,
    /// The son killed with SIGKILL (null: the run was stopped before it was forked).
    pub son: Option<i32>,
    /// `/proc/<son>/syscall` showed it inside `write(2)` when SIGKILL was sent.
    pub killed_in_write: bool,
    /// Bytes the reader still got after the kill.
    pub bytes_after_kill: u64,
    /// The size of each of the son's writes, in bytes.
    pub message_bytes: u64,
    /// `read(2)` then returned 0.
    pub end_of_file: bool,
    /// What the dead son left in the file system (null: nothing).
    pub left_behind: Option<PathBuf>,
    /// A socket file left behind that refuses connections: nobody listens.
    pub stale: bool,
    /// The stale-socket handling of `ipcdemo socket` replaced it and listened there again.
    pub recovered: bool,
    /// What was left behind is gone now: removed with the scratch folder.
    pub removed: bool,
}

/// What went to exec's son and what came back.
#[derive(Debug, Clone, Serialize)]
pub struct ExecReport {
    /// The son's pid.
    pub son: i32,
    /// The program and its arguments.
    pub program: Vec<String>,
    /// `--big`: the father wrote one large input before reading (or, with `--fix`, while a
    /// reader thread read).
    pub big: bool,
    pub lines_sent: u64,
    pub bytes_sent: u64,
    pub lines_received: u64,
    pub bytes_received: u64,
    /// `--big`: the output was exactly the input, byte for byte (null without `--big`, or
    /// when the run ended before the output did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_as_sent: Option<bool>,
    /// `--big`: the offset of the first byte of output that differs from the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_difference_at: Option<u64>,
    /// The son's exit status, when it exited.
    pub exit_status: Option<i32>,
    /// The signal that killed the son, when one did (`SIGKILL`: the watchdog, or a stop).
    pub killed_by: Option<String>,
    /// How the son ended, for the text (the two fields above, for JSON).
    #[serde(skip)]
    pub end: Option<ProcessEnd>,
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
        /// In a sweep, the message size of this cell.
        size: Option<usize>,
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
    /// A bench row as soon as it is measured (a JSON stream says it at once; a table waits
    /// for the last row to know its widths).
    fn measured(&self, _row: &crate::bench::model::Measurement) -> Result<()> {
        Ok(())
    }
    /// One event, stamped now.
    fn event_now(&self, role: Role, pid: i32, event: Event<'_>) -> Result<()> {
        self.event(self.now(), role, pid, event)
    }
    /// A moment on CLOCK_MONOTONIC (see `sys::clock`), on the clock the run reports in.
    fn time_of(&self, monotonic_ns: u64) -> f64;
    /// An event the father tells on another's behalf (a son's write it learned of from the
    /// shared log): drawn on a timeline and kept for a trace; printed as a line only if `show`.
    fn narrated(&self, time: f64, role: Role, pid: i32, event: Event<'_>, show: bool)
    -> Result<()>;
}
