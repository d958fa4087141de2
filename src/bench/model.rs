//! The bench's vocabulary, as data: what can be measured, how, and what a measurement found.
//! A leaf module: `event` names these types, the bench fills them, `report` says them in words
//! and serde derives their JSON.

use serde::Serialize;

use crate::sys::pipesize::PipeSizeError;

/// An IPC mechanism the bench can measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    /// An anonymous pipe(2), enlarged with F_SETPIPE_SZ
    Pipe,
    /// A FIFO made with mkfifo(3): the same kernel object, found by name
    Fifo,
    /// A SOCK_STREAM Unix domain socket, bound to a path
    UnixStream,
    /// A SOCK_SEQPACKET Unix domain socket: one record per write
    UnixSeqpacket,
    /// socketpair(2): two connected Unix stream sockets, no path
    Socketpair,
    /// TCP over 127.0.0.1, the reference most people know
    Tcp,
    /// A realtime signal each way, sigqueue(3) and sigtimedwait(2): latency only
    Signal,
    /// A POSIX message queue (mq_open(3)): whole messages of at most mq_msgsize bytes
    Mq,
    /// A ring of records in a shared memfd: no system call per record (futex, or spin with
    /// --busy-poll)
    Shm,
    /// Two eventfds: a count, not bytes (latency only)
    Eventfd,
}

impl Mechanism {
    /// Every mechanism, in the order the table lists them.
    pub const ALL: [Mechanism; 10] = [
        Mechanism::Pipe,
        Mechanism::Fifo,
        Mechanism::UnixStream,
        Mechanism::UnixSeqpacket,
        Mechanism::Socketpair,
        Mechanism::Tcp,
        Mechanism::Signal,
        Mechanism::Mq,
        Mechanism::Shm,
        Mechanism::Eventfd,
    ];

    /// The name on the command line, in the table and in JSON (not translated: it is a name).
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Pipe => "pipe",
            Mechanism::Fifo => "fifo",
            Mechanism::UnixStream => "unix-stream",
            Mechanism::UnixSeqpacket => "unix-seqpacket",
            Mechanism::Socketpair => "socketpair",
            Mechanism::Tcp => "tcp",
            Mechanism::Signal => "signal",
            Mechanism::Mq => "mq",
            Mechanism::Shm => "shm",
            Mechanism::Eventfd => "eventfd",
        }
    }

    /// Whether it has this measure: an eventfd carries a count, not a stream of bytes.
    pub fn measures(self, measure: Measure) -> bool {
        // Signals and eventfds carry a number, not bytes: no throughput row.
        !(matches!(self, Mechanism::Eventfd | Mechanism::Signal) && measure == Measure::Throughput)
    }

    pub fn is_pipe(self) -> bool {
        matches!(self, Mechanism::Pipe | Mechanism::Fifo)
    }
}

/// Which measure a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Bytes per second, one way.
    Throughput,
    /// Round trips of a ping-pong.
    Latency,
}

/// How a process waiting on shared memory is woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Wake {
    /// Spin on the shared word: the quickest hand-over, and a whole CPU burnt while it waits
    Spin,
    /// Sleep in futex(2) on the shared word; the other side wakes it with FUTEX_WAKE
    Futex,
    /// Sleep in poll(2) on an eventfd (handed over with SCM_RIGHTS); the other side writes to it
    Eventfd,
}

/// Where the two benchmark processes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Pin {
    /// Let the scheduler choose
    None,
    /// Both on CPU 0: no cross-CPU wake-ups, but they take turns
    Same,
    /// Parent on CPU 0, child on CPU 1: every hand-over wakes the other CPU
    Split,
}

impl Pin {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Pin::None => "none",
            Pin::Same => "same",
            Pin::Split => "split",
        }
    }
}

/// How a row was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Mode {
    /// The writer vmsplice(2)s and the reader splice(2)s (else read(2)/write(2)).
    pub zero_copy: bool,
    /// The pipe buffer the kernel granted, in bytes (pipes and FIFOs only).
    pub pipe_size_bytes: Option<usize>,
    /// Both sides spin on non-blocking ends instead of sleeping.
    pub busy_poll: bool,
    /// The writer's buffer is backed by a transparent huge page.
    pub huge_pages: bool,
    /// Where the processes ran.
    pub pin: Pin,
    /// The parent's and the child's CPU, when pinned.
    pub cpus: Option<(usize, usize)>,
    /// mq: the most messages each queue held (`mq_maxmsg`).
    pub max_messages: Option<u64>,
    /// mq: the size of each message sent, in bytes (at most `mq_msgsize`).
    pub message_size_bytes: Option<usize>,
    /// shm: the bytes of the ring's data area.
    pub ring_bytes: Option<usize>,
    /// Latency: the clock was read only before and after the whole loop (`--no-percentiles`),
    /// so the row has a mean and no percentiles.
    pub mean_only: bool,
}

/// Something the reader of a row should know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchNote {
    /// The kernel refused the pipe size asked for; the row used the size it kept.
    PipeSizeRefused {
        asked: usize,
        #[serde(serialize_with = "errno_name")]
        errno: Option<nix::errno::Errno>,
        max: Option<usize>,
    },
    /// Zero-copy: the reader never sees the bytes, so only their count was checked.
    ZeroCopyCountsOnly,
    /// A signal carries one number (the round) and no bytes: no throughput row, and
    /// `--msg-size` does not apply.
    SignalLatencyOnly,
    /// mq: messages are at most `max` bytes here (`msgsize_max`, or `RLIMIT_MSGQUEUE`), so
    /// the row used that size instead of the `asked` one.
    MessageSizeCapped { asked: usize, max: usize },
    /// Fan-in (`--senders`): why this mechanism has no fan-in row (a socketpair has two ends;
    /// a queue and a seqpacket socket keep records whole by themselves; the shm ring has one
    /// writer; signals and eventfds carry a number); the row is skipped.
    FanInDoesNotApply,
    /// Fan-in through a pipe or FIFO: records of `pipe_buf` bytes, not the `asked` size, since
    /// only a write of at most `PIPE_BUF` bytes is atomic (`pipe(7)`).
    RecordsCapped { asked: usize, pipe_buf: usize },
    /// Fan-in: records of `header` bytes, not the `asked` size: a record must hold its sender
    /// and sequence number.
    RecordsPadded { asked: usize, header: usize },
}

impl From<PipeSizeError> for BenchNote {
    fn from(e: PipeSizeError) -> Self {
        BenchNote::PipeSizeRefused {
            asked: e.asked,
            errno: e.errno,
            max: e.max,
        }
    }
}

impl BenchNote {
    /// The refusal this note carries, if it is one.
    pub fn pipe_size_error(&self) -> Option<PipeSizeError> {
        match *self {
            BenchNote::PipeSizeRefused { asked, errno, max } => {
                Some(PipeSizeError { asked, errno, max })
            }
            BenchNote::ZeroCopyCountsOnly
            | BenchNote::SignalLatencyOnly
            | BenchNote::MessageSizeCapped { .. }
            | BenchNote::FanInDoesNotApply
            | BenchNote::RecordsCapped { .. }
            | BenchNote::RecordsPadded { .. } => None,
        }
    }
}

fn rounded(value: f64, per_unit: f64) -> f64 {
    (value * per_unit).round() / per_unit
}

fn micro<S: serde::Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(rounded(*value, 1e6))
}

fn milli<S: serde::Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_f64(rounded(*v, 1e3)),
        None => s.serialize_none(),
    }
}

fn whole<S: serde::Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_f64(v.round()),
        None => s.serialize_none(),
    }
}

fn errno_name<S: serde::Serializer>(
    errno: &Option<nix::errno::Errno>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match errno {
        Some(errno) => s.serialize_str(&format!("{errno:?}")),
        None => s.serialize_none(),
    }
}

/// Why a sweep has no row for a mechanism at a message size: it cannot carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Unsupported {
    /// A SOCK_SEQPACKET record must fit the sending socket's buffer (`SO_SNDBUF` less the
    /// kernel's 32 bytes): a bigger one fails with EMSGSIZE.
    AboveSendBuffer { max_bytes: usize },
    /// A queue message is at most `mq_msgsize` bytes here (`msgsize_max`, and within
    /// `RLIMIT_MSGQUEUE`).
    AboveMessageSize { max_bytes: usize },
    /// A signal carries one number, an eventfd a count: no payload to size.
    NoPayload,
    /// Fan-in (`--senders`): only a pipe, a FIFO and Unix stream and TCP listeners take many
    /// senders here; the row's note says why this mechanism does not.
    NoFanIn,
}

/// Round trips up to `up_to_us` (and above the bucket before).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bucket {
    pub up_to_us: f64,
    pub count: u64,
}

/// What a fan-in row adds: several senders write into one pipe, FIFO or listener at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FanIn {
    /// Sender processes, writing at once.
    pub senders: usize,
    /// Bytes per record: a 16-byte header (sender, sequence number) and a payload derived from
    /// both, so the reader checks every byte.
    pub record_bytes: usize,
    /// Bytes received from each sender, in sender order (all equal: every run is checked).
    pub sender_bytes: Vec<u64>,
    /// The smallest sender's share of the bytes received up to the moment the first sender's
    /// stream was complete (ideal: 1/senders; to six decimals).
    #[serde(serialize_with = "micro")]
    pub share_min: f64,
    /// The largest sender's share, over the same bytes.
    #[serde(serialize_with = "micro")]
    pub share_max: f64,
}

/// One measurement of one mechanism.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    /// pipe, fifo, unix-stream, unix-seqpacket, socketpair, tcp, signal or mq.
    pub mechanism: Mechanism,
    /// throughput or latency.
    pub measure: Measure,
    /// How it ran: the calls used, polling, pinning, pipe size.
    pub mode: Mode,
    /// Bytes per write(2) or message (throughput), per ping and per pong (latency); 0 for
    /// signal and eventfd rows, which carry no payload.
    pub size_bytes: usize,
    /// In a sweep: why this mechanism has no row at this size (every number is then null or 0).
    pub skipped: Option<Unsupported>,
    /// Bytes that crossed, in bytes (for latency: pings and pongs together; 0 for signals,
    /// which carry a number and no bytes).
    pub bytes: u64,
    /// Wall time of the measured loop, in seconds (to the microsecond).
    #[serde(serialize_with = "micro")]
    pub seconds: f64,
    /// Throughput, in bytes per second (null for latency; whole bytes).
    #[serde(serialize_with = "whole")]
    pub bytes_per_second: Option<f64>,
    /// mq throughput: whole messages received (null elsewhere).
    pub messages: Option<u64>,
    /// mq throughput: messages per second (null elsewhere).
    pub messages_per_second: Option<f64>,
    /// Timed round trips (null for throughput).
    pub rounds: Option<u64>,
    /// Median round trip, in microseconds (to the nanosecond).
    #[serde(serialize_with = "milli")]
    #[serde(rename = "rtt_p50_us")]
    pub rtt_median_us: Option<f64>,
    /// 90th-percentile round trip, in microseconds.
    #[serde(serialize_with = "milli")]
    pub rtt_p90_us: Option<f64>,
    /// 99th-percentile round trip, in microseconds (to the nanosecond).
    #[serde(serialize_with = "milli")]
    pub rtt_p99_us: Option<f64>,
    /// 99.9th-percentile round trip, in microseconds (null below 10 000 rounds: too few to
    /// have a tail).
    #[serde(serialize_with = "milli")]
    pub rtt_p999_us: Option<f64>,
    /// The slowest round trip, in microseconds.
    #[serde(serialize_with = "milli")]
    pub rtt_max_us: Option<f64>,
    /// The mean round trip, in microseconds (to the nanosecond): the timed loop's wall time
    /// over its rounds; with or without percentiles.
    #[serde(serialize_with = "milli")]
    pub rtt_mean_us: Option<f64>,
    /// With --histogram: the round trips in buckets whose bounds double.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Vec<Bucket>>,
    /// Fan-in rows only (`--senders N`, N > 1): the senders, their records, what each moved
    /// and how fairly the reader was served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fan_in: Option<FanIn>,
    /// Round trips per second over the whole timed loop (whole round trips).
    #[serde(serialize_with = "whole")]
    pub round_trips_per_second: Option<f64>,
    /// The pipe buffer the kernel granted, in bytes (pipes and FIFOs only).
    pub pipe_size_bytes: Option<usize>,
    /// What the reader should know about this row (a refused pipe size, what zero-copy checks).
    pub notes: Vec<BenchNote>,
    /// CPU seconds the parent spent in user mode, from forking the child to reaping it
    /// (`getrusage(2)`; to the microsecond).
    #[serde(serialize_with = "micro")]
    pub cpu_parent_user_s: f64,
    /// CPU seconds the parent spent in the kernel, over the same span.
    #[serde(serialize_with = "micro")]
    pub cpu_parent_sys_s: f64,
    /// CPU seconds the child spent in user mode over its whole life (`wait4(2)`).
    #[serde(serialize_with = "micro")]
    pub cpu_child_user_s: f64,
    /// CPU seconds the child spent in the kernel over its whole life.
    #[serde(serialize_with = "micro")]
    pub cpu_child_sys_s: f64,
    /// shm throughput: one process copying and checking the same records through a buffer
    /// the size of the ring, in bytes per second: the ceiling of a transport that copies.
    #[serde(serialize_with = "whole")]
    pub copy_ceiling_bytes_per_second: Option<f64>,
    /// Latency rows: the CPU time of both sides together per round trip, in microseconds
    /// (over every round trip the processes made, the untimed warm-up included).
    #[serde(serialize_with = "milli")]
    pub cpu_us_per_round_trip: Option<f64>,
    /// Throughput rows: the CPU seconds of both sides together per GiB moved.
    #[serde(serialize_with = "milli")]
    pub cpu_s_per_gib: Option<f64>,
}

impl Measurement {
    /// A row with nothing measured yet: every figure 0 or none, the mode plain.
    pub fn blank(mechanism: Mechanism, measure: Measure) -> Measurement {
        Measurement {
            mechanism,
            measure,
            mode: Mode {
                zero_copy: false,
                pipe_size_bytes: None,
                busy_poll: false,
                huge_pages: false,
                pin: Pin::None,
                cpus: None,
                max_messages: None,
                message_size_bytes: None,
                ring_bytes: None,
                mean_only: false,
            },
            size_bytes: 0,
            skipped: None,
            bytes: 0,
            seconds: 0.0,
            bytes_per_second: None,
            messages: None,
            messages_per_second: None,
            rounds: None,
            rtt_median_us: None,
            rtt_p90_us: None,
            rtt_p99_us: None,
            rtt_p999_us: None,
            rtt_max_us: None,
            rtt_mean_us: None,
            histogram: None,
            fan_in: None,
            round_trips_per_second: None,
            pipe_size_bytes: None,
            notes: Vec::new(),
            cpu_parent_user_s: 0.0,
            cpu_parent_sys_s: 0.0,
            cpu_child_user_s: 0.0,
            cpu_child_sys_s: 0.0,
            copy_ceiling_bytes_per_second: None,
            cpu_us_per_round_trip: None,
            cpu_s_per_gib: None,
        }
    }

    /// What the row's speed cost: CPU time per round trip (latency) or per GiB (throughput),
    /// from both sides' totals; none when nothing was timed.
    pub fn set_cpu_cost(&mut self, warmup: u64) {
        let (parent, child) = self.cpu_seconds();
        let total = parent + child;
        match self.measure {
            Measure::Latency => {
                self.cpu_us_per_round_trip = self
                    .rounds
                    .map(|r| r.saturating_add(warmup))
                    .filter(|&r| r > 0)
                    .map(|r| total * 1e6 / r as f64);
            }
            Measure::Throughput => {
                self.cpu_s_per_gib =
                    (self.bytes > 0).then(|| total / (self.bytes as f64 / f64::from(1u32 << 30)));
            }
        }
    }

    /// The mean round trip, from the timed loop's wall time and its rounds (latency rows).
    pub fn set_mean_round_trip(&mut self) {
        self.rtt_mean_us = self
            .rounds
            .filter(|&r| r > 0 && self.seconds > 0.0)
            .map(|r| self.seconds * 1e6 / r as f64);
    }

    /// CPU seconds of the parent and of the child (user and system together).
    pub fn cpu_seconds(&self) -> (f64, f64) {
        (
            self.cpu_parent_user_s + self.cpu_parent_sys_s,
            self.cpu_child_user_s + self.cpu_child_sys_s,
        )
    }
}
