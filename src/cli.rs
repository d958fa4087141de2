//! The command line: one `Args` struct per subcommand; each `///` comment is the help text.
//! Nothing here acts on the arguments: `config` lowers them into each lesson's `Config`.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::TypedValueParser as _;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::bench::model::{Mechanism, Pin, Wake};
use crate::report::Clock;
use crate::report::lessons;
use crate::report::text::Lang;
use crate::sys::mqueue::{HARD_MAX_MESSAGE_SIZE, HARD_MAX_MESSAGES};
use crate::units::{bytes_in_range, duration_at_least, parse_duration};

const EXIT_STATUSES: &str = "\
Exit status:
  0    success (also when the reader of stdout leaves early, as with `| head`)
  1    failure: a system call failed, the other side went away, or unsafe input was refused
  2    bad usage: an unknown option or a value out of range
Stopped by a signal, ipcdemo cleans up, prints its summary and dies by that signal, so a
shell shows 128 + its number and stops its loop:
  129  SIGHUP (the terminal closed)   130  SIGINT (Ctrl-C)
  131  SIGQUIT (Ctrl-\\)              143  SIGTERM
A second signal while it cleans up ends it at once.";

/// See Unix inter-process communication happen: pipes, FIFOs, sockets, shared memory, signals
/// and message queues, byte by byte.
#[derive(Debug, Parser)]
#[command(name = "ipcdemo", version, after_help = EXIT_STATUSES, after_long_help = EXIT_STATUSES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options every demo understands.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Print one JSON object per line on stdout instead of human text
    #[arg(long, global = true)]
    pub json: bool,
    /// Language of the human messages [default: pt or es when LC_ALL, LC_MESSAGES or LANG
    /// starts with "pt" or "es", else en]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// Timestamps as Unix seconds (as the notebook) or seconds since the demo started
    #[arg(long, global = true, value_enum, default_value_t = Clock::Unix)]
    pub clock: Clock,
    /// Colour father and son lines: auto means on a terminal without NO_COLOR; never in --json
    #[arg(long, global = true, value_enum, default_value_t = clap::ColorChoice::Auto)]
    pub color: clap::ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// a son thread (or process) and a father joined by an anonymous pipe(2)
    #[command(after_long_help = ANON_EXAMPLES)]
    Anon(AnonArgs),
    /// a named pipe (FIFO): a father and any number of sons in other terminals
    // Its examples name the real default path: see `command()`.
    Named(NamedArgs),
    /// a Unix domain socket: a connection per son, its identity, answers
    #[command(after_long_help = SOCKET_EXAMPLES)]
    Socket(SocketArgs),
    /// how much a pipe holds before a writer blocks
    #[command(after_long_help = CAPACITY_EXAMPLES)]
    Capacity(CapacityArgs),
    /// several writers, one pipe: which writes tear
    #[command(after_long_help = ATOMIC_EXAMPLES)]
    Atomic(AtomicArgs),
    /// signals: standard ones merge, realtime ones queue
    #[command(after_long_help = SIGNAL_EXAMPLES)]
    Signal(SignalArgs),
    /// a POSIX message queue: whole messages, priorities that overtake, limits said aloud
    #[command(after_long_help = MQ_EXAMPLES)]
    Mq(MqArgs),
    /// who holds a pipe's ends: a forgotten write end, close-on-exec, passing one, kill -9
    #[command(after_long_help = FDS_EXAMPLES)]
    Fds(FdsArgs),
    /// another program on two pipes, as Lutz's pipes.py: the deadlocks everyone meets
    #[command(after_long_help = EXEC_EXAMPLES)]
    Exec(ExecArgs),
    /// shared memory: a counter raced on, then a ring of records
    #[command(after_long_help = SHM_EXAMPLES, args_conflicts_with_subcommands = true)]
    Shm(ShmArgs),
    /// how fast each mechanism is here: throughput and round trips
    #[command(after_long_help = BENCH_EXAMPLES)]
    Bench(BenchArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(after_long_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print a manual page (roff) on stdout: ipcdemo's, or one lesson's
    #[command(after_long_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  mkdir -p ~/.local/share/bash-completion/completions && ipcdemo completions bash > ~/.local/share/bash-completion/completions/ipcdemo
  ipcdemo completions zsh > \"${fpath[1]}/_ipcdemo\"
  ipcdemo completions fish > ~/.config/fish/completions/ipcdemo.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  ipcdemo man | man -l -                read it now
  ipcdemo man socket | man -l -         the page of one lesson, every option explained
  for p in '' anon named socket capacity atomic signal mq fds exec shm bench; do ipcdemo man $p > ~/.local/share/man/man1/ipcdemo${p:+-$p}.1; done";

/// `ipcdemo man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (its page is ipcdemo-NAME(1)) [default: ipcdemo(1)]
    #[arg(value_parser = ["anon", "named", "socket", "capacity", "atomic", "signal", "mq", "fds", "exec", "shm", "bench", "completions"])]
    pub command: Option<String>,
}

/// `ipcdemo completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

const ATOMIC_EXAMPLES: &str = "\
Examples:
  ipcdemo atomic                        8 writers, 4096-byte records: none may tear
  ipcdemo atomic --record-size 4097     one byte over PIPE_BUF: watch them tear
  ipcdemo atomic --sweep --slow-reader  512, 4096, 4097 and 65536 in one table";

/// `ipcdemo atomic`: many writers, one pipe.
#[derive(Debug, Args)]
pub struct AtomicArgs {
    /// How many writer threads share the pipe (1 to 16)
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u8).range(1..=16))]
    pub writers: u8,
    /// Bytes per record, each written with one write(2) (1 to 16M)
    #[arg(long, value_name = "BYTES", default_value = "4096", value_parser = bytes_in_range(1, 16 << 20))]
    pub record_size: usize,
    /// Records each writer writes
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub records: u64,
    /// Run 512, 4096, 4097 and 65536-byte records and print one table
    #[arg(long, conflicts_with = "record_size")]
    pub sweep: bool,
    /// The reader naps 1 ms between reads, so the pipe stays full and writes split more
    #[arg(long)]
    pub slow_reader: bool,
}

const EXEC_EXAMPLES: &str = "\
Examples:
  ipcdemo exec --count 5 --tick 0       ipcdemo's own echo child answers each line at once
  ipcdemo exec -- tr a-z A-Z            tr keeps its answer in its buffer: the deadlock, explained
  ipcdemo exec --big --fix -- cat       1 MiB in and out, read while writing (without --fix: the other deadlock)";

/// `ipcdemo exec`: a father, two pipes, and a program on the other end.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Send this many lines, then close the son's input and read what is left; not with --big
    /// (1 to 1000000000) [default: run until Ctrl-C]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), allow_hyphen_values = true, conflicts_with = "big")]
    pub count: Option<u64>,
    /// The unit of the father's sleeps: 0, 1, 2, 3, 4, 0 … ticks before each line; not with
    /// --big (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, allow_hyphen_values = true, conflicts_with = "big")]
    pub tick: Duration,
    /// Call it a deadlock when no byte has moved for this long while the father waits, and
    /// kill the son and its process group (a son still running gets up to twice as long and
    /// 2 s more) (10ms to 1h)
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = duration_at_least(Duration::from_millis(10)), allow_hyphen_values = true)]
    pub stall: Duration,
    /// Write 1 MiB of input (116509 lines) before reading any output: both 64 KiB pipes fill
    /// and both sides block in write(2)
    #[arg(long)]
    pub big: bool,
    /// With --big: read the output on a second thread while writing, as Python's
    /// communicate() does; every byte is checked
    #[arg(long, requires = "big")]
    pub fix: bool,
    /// Be the echo child the father runs by default (it copies stdin to stdout, line by line)
    #[arg(long, hide = true)]
    pub echo_child: bool,
    /// The program to run and its arguments, after `--` [default: ipcdemo's own echo child]
    #[arg(last = true, value_name = "PROGRAM")]
    pub program: Vec<std::ffi::OsString>,
}

const CAPACITY_EXAMPLES: &str = "\
Examples:
  ipcdemo capacity                      fill a default pipe one byte at a time
  ipcdemo capacity --pipe-size 1M       ask F_SETPIPE_SZ for more first
  ipcdemo capacity --write-size 10000   writes above PIPE_BUF go in part";

/// `ipcdemo capacity`: fill a pipe nobody reads.
#[derive(Debug, Args)]
pub struct CapacityArgs {
    /// Ask the kernel for this buffer size first (F_SETPIPE_SZ, Linux; 1 to 1G)
    #[arg(long, value_name = "BYTES", value_parser = bytes_in_range(1, 1 << 30))]
    pub pipe_size: Option<usize>,
    /// Bytes handed to each write(2) (1 to 16M)
    #[arg(long, value_name = "BYTES", default_value = "1", value_parser = bytes_in_range(1, 16 << 20))]
    pub write_size: usize,
    /// Fill a FIFO instead of an anonymous pipe (the same kernel object)
    #[arg(long)]
    pub fifo: bool,
    /// With --fifo: its path [default: $XDG_RUNTIME_DIR/ipcdemo/capacity-fifo, else
    /// /tmp/ipcdemo-<uid>/capacity-fifo]
    #[arg(long, value_name = "PATH", requires = "fifo")]
    pub path: Option<PathBuf>,
}

const SOCKET_EXAMPLES: &str = "\
Examples:
  ipcdemo socket                        terminal 1: the father listens
  ipcdemo socket --son --ack            terminal 2: a son that waits for each answer
  ipcdemo socket --seqpacket            (and --son --seqpacket): one message per read";

/// `ipcdemo socket`: father and sons over a Unix domain socket.
#[derive(Debug, Args)]
pub struct SocketArgs {
    /// Be a son (a client that connects) instead of the father (the server)
    #[arg(long)]
    pub son: bool,
    /// The socket file [default: $XDG_RUNTIME_DIR/ipcdemo/socket, else
    /// /tmp/ipcdemo-<uid>/socket]
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Father: exit after this many messages (newline-terminated) from all sons; son: send this
    /// many, then exit (1 to 1000000000) [default: run until Ctrl-C]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), allow_hyphen_values = true)]
    pub count: Option<u64>,
    /// The unit of the son's sleeps: 0, 1, 2, 3, 4, 0 … ticks before each message (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, allow_hyphen_values = true)]
    pub tick: Duration,
    /// Father: the most bytes asked of each read(2) (1 to 1M)
    #[arg(long, value_name = "BYTES", default_value = "32", value_parser = bytes_in_range(1, 1 << 20))]
    pub read_size: usize,
    /// Use SOCK_SEQPACKET, which keeps message boundaries (both sides must say it)
    #[arg(long)]
    pub seqpacket: bool,
    /// Father: answer every message; son: wait for each answer and show the round trip
    #[arg(long)]
    pub ack: bool,
    /// Meet over TCP instead: the father listens on [HOST:]PORT (loopback when no host; port 0
    /// picks a free one and says which), a son connects to HOST:PORT; IPv6 in brackets:
    /// [::1]:5000
    #[arg(long, value_name = "[HOST:]PORT", value_parser = crate::units::parse_host_port, conflicts_with_all = ["seqpacket", "path"])]
    pub tcp: Option<crate::sys::net::HostPort>,
    /// With --tcp: leave Nagle's algorithm on (no TCP_NODELAY), and have the son send each
    /// message in two writes before it waits: with --ack, watch the ~40 ms delayed ACK appear
    #[arg(long, requires = "tcp")]
    pub nagle: bool,
    /// Son with --ack: how long to wait for each answer before saying none came (1ms to 1h)
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = positive_duration, allow_hyphen_values = true)]
    pub ack_timeout: Duration,
    #[command(flatten)]
    pub show: ShowArgs,
}

const ANON_EXAMPLES: &str = "\
Examples:
  ipcdemo anon                          the notebook's demo; Ctrl-C to stop
  ipcdemo anon --count 20 --tick 0      twenty messages at once: watch them glue together
  ipcdemo anon --fork --show-son        the son as a child process, its sends shown too";

/// `named --help`'s examples, with the real default path of this user on this machine
/// (`$XDG_RUNTIME_DIR` is unset under sudo, ssh and in containers).
fn named_examples() -> String {
    let fifo = crate::sys::rendezvous::default_dir().join("pipefifo");
    format!(
        "Examples:
  ipcdemo named                         terminal 1: the father waits for sons
  ipcdemo named --son                   terminal 2 (and 3, 4 …): a son writes Spam lines
  echo hello > {}   any program can be a son",
        crate::report::text::shell_quote(&fifo.display().to_string())
    )
}

/// How to watch a run, besides its event lines: `anon`, `named` and `socket` take these.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Watching")]
pub struct ShowArgs {
    /// Draw a live timeline instead of event lines: who waited, when bytes moved, how full the
    /// pipe was (fits 80 columns)
    #[arg(long)]
    pub timeline: bool,
    /// With --timeline: plain ASCII instead of box-drawing characters (the default when the
    /// locale is not UTF-8)
    #[arg(long, requires = "timeline")]
    pub ascii: bool,
    /// Also write the run as a trace: Chrome's Trace Event JSON (open it in Perfetto or
    /// chrome://tracing), or, for a name ending in .html, a page of SVG lanes
    #[arg(long, value_name = "FILE", value_parser = trace_path)]
    pub trace: Option<PathBuf>,
}

/// A trace file must be creatable: its folder exists, and it is not a folder, nor in /proc or
/// /sys. Checked before the demo starts.
fn trace_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if text.is_empty() {
        return Err("give a file name, like run.json or run.html".into());
    }
    if path.is_dir() {
        return Err(format!(
            "{text} is a folder; give a file name in it, like {text}/run.json"
        ));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(format!(
            "the folder {} does not exist; create it first (mkdir -p {})",
            parent.display(),
            parent.display()
        ));
    }
    // Where the folder really is, links and `..` resolved: /dev, /proc and /sys are the
    // kernel's, whatever the path says on its way there.
    let real = parent.canonicalize().unwrap_or(parent.clone());
    if ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| real.starts_with(p))
    {
        return Err(format!(
            "{text} is in a kernel file system ({}); give a file in a folder of yours",
            real.display()
        ));
    }
    if nix::unistd::access(&real, nix::unistd::AccessFlags::W_OK).is_err() {
        return Err(format!(
            "you cannot write in {}; give a file in a folder of yours",
            parent.display()
        ));
    }
    if path.symlink_metadata().is_ok_and(|m| !m.is_file()) {
        return Err(format!(
            "{text} exists and is not a regular file; give another name"
        ));
    }
    Ok(path)
}

/// `ipcdemo anon`: the notebook's first demo.
#[derive(Debug, Args)]
pub struct AnonArgs {
    /// Send this many messages, then close the pipe; the father reads to end-of-file and exits
    /// (1 to 1000000000) [default: run until Ctrl-C]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), allow_hyphen_values = true)]
    pub count: Option<u64>,
    /// The unit of the son's sleeps: it sleeps 0, 1, 2, 3, 4, 0 … ticks before each message
    /// (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, allow_hyphen_values = true)]
    pub tick: Duration,
    /// The most bytes the father asks of each read(2) (1 to 1M)
    #[arg(long, value_name = "BYTES", default_value = "32", value_parser = bytes_in_range(1, 1 << 20))]
    pub read_size: usize,
    /// Make the son a child process with fork(2) instead of a thread (Lutz's pipe1.py)
    #[arg(long)]
    pub fork: bool,
    /// Also print each of the son's writes as `Son <pid> sent [...]`
    #[arg(long)]
    pub show_son: bool,
    #[command(flatten)]
    pub show: ShowArgs,
}

/// `ipcdemo named`: the notebook's second demo.
#[derive(Debug, Args)]
pub struct NamedArgs {
    /// Be a son (a writer) instead of the father (the reader)
    #[arg(long)]
    pub son: bool,
    /// The FIFO [default: $XDG_RUNTIME_DIR/ipcdemo/pipefifo, else /tmp/ipcdemo-<uid>/pipefifo]
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Father: exit after this many lines in all; son: send this many lines, then exit
    /// (1 to 1000000000) [default: run until Ctrl-C]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), allow_hyphen_values = true)]
    pub count: Option<u64>,
    /// The unit of the son's sleeps: 0, 1, 2, 3, 4, 0 … ticks before each line (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, allow_hyphen_values = true)]
    pub tick: Duration,
    /// Son: fail at once if no father has the FIFO open, instead of waiting for one
    #[arg(long, requires = "son")]
    pub no_wait: bool,
    #[command(flatten)]
    pub show: ShowArgs,
}

const SIGNAL_EXAMPLES: &str = "\
The son sends SIGUSR2, or SIGRTMIN+1 with --realtime and --ping-pong: ipcdemo keeps SIGUSR1
for itself, to wake its main thread out of a blocked call when Ctrl-C comes.

Examples:
  ipcdemo signal --blocked                     1000 SIGUSR2 sent while held: 1 arrives
  ipcdemo signal --realtime --queue-limit 10   10 queued, the rest refused with EAGAIN
  ipcdemo signal --father                      then `ipcdemo signal --son PID` elsewhere";

/// `ipcdemo signal`: the IPC that carries one bit.
#[derive(Debug, Args)]
pub struct SignalArgs {
    /// Signals the son sends; with --ping-pong, timed round trips; with --father, signals to
    /// receive before ending (1 to 1000000000) [default: 1000; with --father: until Ctrl-C]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), allow_hyphen_values = true)]
    pub count: Option<u64>,
    /// The father keeps the signal blocked while the son sends and takes what is pending only
    /// when the son is done: of N standard signals exactly one arrives (realtime ones all do)
    #[arg(long, conflicts_with_all = ["father", "son", "ping_pong", "alarm"])]
    pub blocked: bool,
    /// Send SIGRTMIN+1 with sigqueue(3), each carrying its sequence number as its value:
    /// realtime signals queue, and every one arrives, in order
    #[arg(long, conflicts_with = "alarm")]
    pub realtime: bool,
    /// With --realtime: lower the father's RLIMIT_SIGPENDING to N first and hold the signals
    /// as --blocked does, so sigqueue(3) fails with EAGAIN past N. The limit counts the signals
    /// pending for every process of your user together (1 to 1000000)
    #[arg(long, value_name = "N", requires = "realtime", conflicts_with_all = ["father", "son", "ping_pong"], value_parser = clap::value_parser!(u64).range(1..=1_000_000), allow_hyphen_values = true)]
    pub queue_limit: Option<u64>,
    /// Round trips between father and son, one realtime signal each way, taken with
    /// sigtimedwait(2) (no handler): median and p99, as `bench --mechanism signal` measures
    #[arg(long, conflicts_with_all = ["father", "son", "alarm", "show_son"])]
    pub ping_pong: bool,
    /// Lutz's signal2.py: alarm(2) for SECONDS, then pause until SIGALRM's handler runs, and
    /// the time it really took (1 to 3600)
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=3600), conflicts_with_all = ["father", "son", "count", "show_son"], allow_hyphen_values = true)]
    pub alarm: Option<u32>,
    /// Be only the father: fork no son; wait for `ipcdemo signal --son PID` (or `kill -USR2
    /// PID`) from another terminal
    #[arg(long, conflicts_with_all = ["son", "show_son"])]
    pub father: bool,
    /// Be only a son and signal the father PID, once /proc shows it is an `ipcdemo signal`
    /// father that blocks or catches the signal (a wrong target would be killed) (1 to 4194304)
    #[arg(long, value_name = "PID", value_parser = clap::value_parser!(i32).range(1..=4_194_304), allow_hyphen_values = true)]
    pub son: Option<i32>,
    /// Also print each of the son's sends (it then sends more slowly, so fewer signals merge)
    #[arg(long)]
    pub show_son: bool,
}

const MQ_EXAMPLES: &str = "\
Examples:
  ipcdemo mq --read-after 3s            terminal 1: the father lets messages pile up first
  ipcdemo mq --son --priority-every 3   terminal 2: every third message jumps the queue
  ipcdemo mq --message-size 4           now a son's 8-byte message fails with EMSGSIZE";

/// `ipcdemo mq`: a POSIX message queue between a father and its sons.
#[derive(Debug, Args)]
pub struct MqArgs {
    /// Be a son (a sender) instead of the father (the receiver, who creates the queue)
    #[arg(long)]
    pub son: bool,
    /// The queue's name: one leading slash and no other, at most 248 bytes (the lock file
    /// beside it needs the rest of NAME_MAX) [default: /ipcdemo-<uid>-queue]
    #[arg(long, value_name = "NAME", value_parser = queue_name, allow_hyphen_values = true)]
    pub name: Option<String>,
    /// Father: exit after receiving this many messages; son: send this many, then exit
    /// (1 to 1000000000) [default: run until Ctrl-C]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), allow_hyphen_values = true)]
    pub count: Option<u64>,
    /// Son: the unit of its sleeps: 0, 1, 2, 3, 4, 0 … ticks before each message (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, allow_hyphen_values = true)]
    pub tick: Duration,
    /// Father: the most messages the queue holds (mq_maxmsg), set at creation (1 to 65536;
    /// without CAP_SYS_RESOURCE at most /proc/sys/fs/mqueue/msg_max) [default: msg_default]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=HARD_MAX_MESSAGES), allow_hyphen_values = true, conflicts_with = "son")]
    pub max_messages: Option<u64>,
    /// Father: the largest message (mq_msgsize), set at creation (1 to 16M; without
    /// CAP_SYS_RESOURCE at most /proc/sys/fs/mqueue/msgsize_max) [default: msgsize_default]
    #[arg(long, value_name = "BYTES", value_parser = bytes_in_range(1, HARD_MAX_MESSAGE_SIZE as u64), conflicts_with = "son")]
    pub message_size: Option<usize>,
    /// Father: wait this long before the first receive, so messages pile up in the queue and
    /// the higher priorities visibly overtake (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_duration, allow_hyphen_values = true, conflicts_with = "son")]
    pub read_after: Duration,
    /// Son: send every K-th message at priority 1, the others at 0 (1 to 1000000)
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=1_000_000), allow_hyphen_values = true, requires = "son")]
    pub priority_every: Option<u64>,
    /// Son: fail at once (EAGAIN) when the queue is full, instead of waiting for room
    #[arg(long, requires = "son")]
    pub no_wait: bool,
}

/// A queue name as `mq_overview(7)` wants it, with room for its lock file.
fn queue_name(text: &str) -> Result<String, String> {
    use crate::sys::mqueue::{BadName, LONGEST_NAME, check_name};
    match check_name(text) {
        Ok(()) => Ok(text.to_string()),
        Err(BadName::NoLeadingSlash) => Err(format!(
            "a queue name starts with a slash, like /{text} (mq_overview(7))"
        )),
        Err(BadName::SlashInside) => Err(
            "a queue name has one slash, the first character, and no other, like /myqueue".into(),
        ),
        Err(BadName::Empty) => {
            Err("a queue name needs a name after its slash, like /myqueue".into())
        }
        Err(BadName::TooLong(bytes)) => Err(format!(
            "{bytes} bytes is too long for a queue name; give at most {LONGEST_NAME}"
        )),
    }
}

const FDS_EXAMPLES: &str = "\
Examples:
  ipcdemo fds --forget-close            no end of file: who still holds the write end?
  ipcdemo fds --send                    pass a pipe's write end to `ipcdemo fds --receive`
  ipcdemo fds --kill-son                kill -9 mid-write: what a pipe, a FIFO, a socket leave";

/// `ipcdemo fds`: who holds a pipe's ends.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("part").args(["send", "receive", "kill_son"])))]
#[command(group(clap::ArgGroup::new("passing").args(["send", "receive"])))]
pub struct FdsArgs {
    /// The father keeps its own copy of the write end: after its son leaves, no end of file
    /// comes until it closes that copy
    #[arg(long, conflicts_with = "part")]
    pub forget_close: bool,
    /// With --forget-close: how long the father waits for that end of file before it closes
    /// its copy (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration, allow_hyphen_values = true, requires = "forget_close")]
    pub stall: Duration,
    /// Messages the son (or --receive) writes before it closes its end (1 to 1000000)
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1_000_000), allow_hyphen_values = true, conflicts_with_all = ["send", "kill_son"])]
    pub count: u64,
    /// The unit of the writer's sleeps: 0, 1, 2, 3, 4, 0 … ticks before each message (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "100ms", value_parser = parse_duration, allow_hyphen_values = true, conflicts_with_all = ["send", "kill_son"])]
    pub tick: Duration,
    /// Make a pipe, pass its write end (SCM_RIGHTS, with SCM_CREDENTIALS) to the first
    /// `ipcdemo fds --receive` that connects, and print what it writes
    #[arg(long)]
    pub send: bool,
    /// Connect to an `ipcdemo fds --send`, receive the write end of its pipe and write Spam
    /// lines into a pipe this process never opened
    #[arg(long)]
    pub receive: bool,
    /// With --send or --receive: the socket [default: $XDG_RUNTIME_DIR/ipcdemo/fds-socket,
    /// else /tmp/ipcdemo-<uid>/fds-socket]
    #[arg(long, value_name = "PATH", requires = "passing")]
    pub path: Option<PathBuf>,
    /// SIGKILL a son in the middle of a write(2) into a pipe, a FIFO and a Unix socket, and say
    /// what each leaves behind (in a scratch folder, removed at the end)
    #[arg(long)]
    pub kill_son: bool,
    /// The exec'd son of the close-on-exec demo: wait until stdin closes (internal)
    #[arg(long, hide = true, exclusive = true)]
    pub hold: bool,
}

const SHM_EXAMPLES: &str = "\
Examples:
  ipcdemo shm                           terminal 1: the father hands each son a ring
  ipcdemo shm --son                     terminal 2: a son writes Spam records into it
  ipcdemo shm --wake spin               the father spins while it waits: see its CPU time";

/// `ipcdemo shm`: a father and its sons, one at a time, through a ring in shared memory.
#[derive(Debug, Args)]
pub struct ShmArgs {
    #[command(subcommand)]
    pub race: Option<ShmCommand>,
    /// Be a son (the writer) instead of the father (the reader)
    #[arg(long)]
    pub son: bool,
    /// The socket where father and son meet [default: $XDG_RUNTIME_DIR/ipcdemo/shm-socket, else
    /// /tmp/ipcdemo-<uid>/shm-socket]
    #[arg(long, value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Father: exit after this many records from all sons; son: send this many, then exit (1 to
    /// 1000000000) [default: run until Ctrl-C]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), allow_hyphen_values = true)]
    pub count: Option<u64>,
    /// The unit of the son's sleeps: 0, 1, 2, 3, 4, 0 … ticks before each record (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, allow_hyphen_values = true)]
    pub tick: Duration,
    /// Father: how the side that waits is woken (the son learns it from the ring)
    #[arg(long, value_enum, default_value_t = Wake::Futex, conflicts_with = "son")]
    pub wake: Wake,
}

/// What `ipcdemo shm` can do besides carry messages.
#[derive(Debug, Subcommand)]
pub enum ShmCommand {
    /// several son processes add 1 to one counter in shared memory: watch adds get lost
    #[command(after_long_help = RACE_EXAMPLES)]
    Race(RaceArgs),
}

const RACE_EXAMPLES: &str = "\
Examples:
  ipcdemo shm race                      4 sons, a million adds each, the three ways side by side
  ipcdemo shm race --sync none --sons 8 --adds 100000    only the race that loses
  ipcdemo shm race --sync lock --die-holding-lock        a son dies holding the lock";

/// `ipcdemo shm race`: lost updates.
#[derive(Debug, Args)]
pub struct RaceArgs {
    /// How many son processes add to the counter (1 to 64)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64), allow_hyphen_values = true)]
    pub sons: u16,
    /// How many times each son adds 1 (1 to 1000000000)
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000), allow_hyphen_values = true)]
    pub adds: u64,
    /// How each son adds: load then store (none), fetch_add (atomic), under a robust
    /// process-shared mutex (lock), or all three, one race after the other
    #[arg(long, value_enum, default_value_t = SyncArg::All)]
    pub sync: SyncArg,
    /// In the lock race, the first son dies by SIGKILL holding the lock, halfway through its
    /// adds: the next son to lock it is told EOWNERDEAD
    #[arg(long)]
    pub die_holding_lock: bool,
}

/// `--sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncArg {
    /// count.load, then count.store(seen + 1): three steps, and adds get lost
    None,
    /// count.fetch_add(1): one instruction the CPU does whole
    Atomic,
    /// a pthread mutex in the mapping, process-shared and robust, around the three steps
    Lock,
    /// none, atomic and lock, one after the other, in one table
    All,
}

const BENCH_EXAMPLES: &str = "\
Examples:
  ipcdemo bench --quick                 every mechanism in a few seconds
  ipcdemo bench --mechanism pipe,tcp --pin split   the cross-CPU wake-up, made visible
  ipcdemo bench --quick --sweep         every mechanism at 1 B, 4 B, … 4 MiB: where they cross";

/// `ipcdemo bench`: throughput and latency of every mechanism, side by side.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which mechanisms to measure, comma-separated [default: all]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub mechanism: Vec<Mechanism>,
    /// Bytes to stream in each throughput run, like 256M or 4G (1 to 1T) [default: 1G; 64M
    /// with --quick]
    #[arg(long, value_name = "BYTES", value_parser = total_bytes)]
    pub total: Option<u64>,
    /// Bytes per write(2) in throughput runs (1 to 16M)
    #[arg(long, value_name = "BYTES", default_value = "64K", value_parser = bytes_in_range(1, 16 << 20))]
    pub size: usize,
    /// Timed ping-pong round trips in each latency run (1 to 10000000: each is kept to find the
    /// percentiles) [default: 100000; 10000 with --quick]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000), allow_hyphen_values = true)]
    pub rounds: Option<u64>,
    /// Bytes per ping and per pong (1 to 64K)
    #[arg(long, value_name = "BYTES", default_value = "1", value_parser = bytes_in_range(1, 64 << 10))]
    pub msg_size: usize,
    /// Pipe and FIFO buffer to ask for with F_SETPIPE_SZ [default: /proc/sys/fs/pipe-max-size]
    #[arg(long, value_name = "BYTES", value_parser = bytes_in_range(1, 1 << 30))]
    pub pipe_size: Option<usize>,
    /// Pipes and FIFOs: the writer vmsplice(2)s, the reader splice(2)s to /dev/null (Linux)
    #[arg(long)]
    pub zero_copy: bool,
    /// Spin on non-blocking ends instead of sleeping in the kernel (burns both CPUs)
    #[arg(long)]
    pub busy_poll: bool,
    /// Put both processes on one CPU (same), on two (split), or let the kernel choose (none)
    #[arg(long, value_enum, default_value_t = Pin::None)]
    pub pin: Pin,
    /// Back the writer's buffer with a transparent huge page (with --zero-copy)
    #[arg(long)]
    pub huge_pages: bool,
    /// A run of a few seconds in all: 64M streamed, 10000 round trips
    #[arg(long)]
    pub quick: bool,
    /// Measure every size in a list, like 64,4K,1M (1 B to 16M each, at most 32 sizes), each
    /// for --cell-time instead of --total or --rounds [default list: powers of 4, 1 to 4M]
    #[arg(long, value_name = "SIZES", value_parser = sweep_sizes, num_args = 0..=1, default_missing_value = None, conflicts_with_all = ["total", "rounds", "size", "msg_size"])]
    pub sweep: Option<Option<SweepSizes>>,
    /// How long to measure each size of a sweep (1ms to 1m) [default: 200ms; 40ms with --quick]
    #[arg(long, value_name = "DURATION", value_parser = cell_time, requires = "sweep", allow_hyphen_values = true)]
    pub cell_time: Option<Duration>,
    /// Also write the rows, with the machine's facts and this command line, to FILE as JSON
    /// (written whole or not at all)
    #[arg(long, value_name = "FILE", value_parser = clap::builder::OsStringValueParser::new().try_map(export_path))]
    pub export_json: Option<PathBuf>,
    /// Also write the rows to FILE as CSV: one header line, one line per row, no comments
    #[arg(long, value_name = "FILE", value_parser = clap::builder::OsStringValueParser::new().try_map(export_path))]
    pub export_csv: Option<PathBuf>,
    /// Also write the table, with the machine's facts, to FILE as Markdown (to paste in an issue)
    #[arg(long, value_name = "FILE", value_parser = clap::builder::OsStringValueParser::new().try_map(export_path))]
    pub export_markdown: Option<PathBuf>,
    /// Also draw the run as an SVG picture in FILE: throughput and round trips against message
    /// size with --sweep, else a bar and the percentiles per mechanism
    #[arg(long, value_name = "FILE", value_parser = clap::builder::OsStringValueParser::new().try_map(export_path))]
    pub plot: Option<PathBuf>,
    /// Measure only throughput
    #[arg(long, conflicts_with = "latency_only")]
    pub throughput_only: bool,
    /// Measure only latency
    #[arg(long)]
    pub latency_only: bool,
    /// After the table, an ASCII histogram of the round trips of every latency row, or only
    /// of the named mechanism's (--histogram pipe)
    #[arg(long, value_name = "MECHANISM", value_enum, num_args = 0..=1, default_missing_value = None)]
    pub histogram: Option<Option<Mechanism>>,
    /// Latency rows: read the clock once before and once after all the round trips, as
    /// `perf bench sched pipe` does, and report round trips per second and the mean round trip
    /// only (no percentiles: they need a clock read around every round trip)
    #[arg(long, conflicts_with = "histogram")]
    pub no_percentiles: bool,
    /// Fan-in: N sender processes write at once into one pipe, FIFO, Unix stream listener or
    /// TCP listener (each socket sender on its own connection), in records the reader checks
    /// (at most PIPE_BUF bytes each in a pipe); throughput only, and the other mechanisms say
    /// it does not apply (1 to 64)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64), allow_hyphen_values = true)]
    pub senders: u16,
}

/// A path a result can be written to (see `sys::machine::writable`), checked before anything
/// runs.
fn export_path(os_text: std::ffi::OsString) -> Result<PathBuf, String> {
    // Any bytes make a Unix path; the messages show them as well as they can.
    let lossy = os_text.to_string_lossy().into_owned();
    let text = lossy.as_str();
    let path = PathBuf::from(os_text);
    use crate::sys::machine::{Unwritable, writable};
    if text.is_empty() {
        return Err("an empty path; give a file name, like results.json".into());
    }
    match writable(&path) {
        Ok(()) => Ok(path),
        Err(Unwritable::NoFolder(folder)) => Err(format!(
            "the folder `{}` does not exist; create it first, or choose another path",
            folder.display()
        )),
        Err(Unwritable::IsFolder) => Err(format!(
            "`{text}` is a folder; give a file name, like {}/results.json",
            text.trim_end_matches('/')
        )),
        Err(Unwritable::NotAFile) => Err(format!(
            "`{text}` is not a plain file, and ipcdemo only replaces files; choose another path"
        )),
        Err(Unwritable::KernelFiles) => Err(format!(
            "`{text}` is in a kernel file system (/proc, /sys); choose a path on a disk"
        )),
        Err(Unwritable::ReadOnly(folder)) => Err(format!(
            "cannot write in `{}` (read-only, or not yours); choose another folder",
            folder.display()
        )),
        Err(Unwritable::NoFileName) => Err(format!(
            "`{text}` names no file; give a file name, like results.json"
        )),
        Err(Unwritable::NameTooLong(most)) => Err(format!(
            "the file name in `{text}` is too long; give one of at most {most} bytes"
        )),
        Err(Unwritable::NotYours) => Err(format!(
            "`{text}` belongs to another user, and ipcdemo replaces only your files; choose \
             another path"
        )),
        Err(Unwritable::ReadOnlyFile) => Err(format!(
            "`{text}` is read-only, so it is kept; make it writable (chmod u+w) or choose \
             another path"
        )),
    }
}

/// The message sizes of a sweep, ascending, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepSizes(pub Vec<usize>);

/// The most sizes one sweep takes.
const MOST_SWEEP_SIZES: usize = 32;

fn sweep_sizes(text: &str) -> Result<SweepSizes, String> {
    let one = bytes_in_range(1, 16 << 20);
    let mut sizes = Vec::new();
    for part in text.split(',') {
        if part.trim().is_empty() {
            return Err(format!(
                "`{text}` has an empty size; list sizes like 64,4K,1M"
            ));
        }
        if crate::units::parse_bytes(part) == Ok(0) {
            return Err(
                "a message of 0 bytes measures nothing; give sizes from 1 B to 16 MiB, \
                        like 64,4K,1M"
                    .into(),
            );
        }
        sizes.push(one(part)?);
    }
    sizes.sort_unstable();
    sizes.dedup();
    if sizes.len() > MOST_SWEEP_SIZES {
        return Err(format!(
            "{} sizes is too many for one sweep; give at most {MOST_SWEEP_SIZES}",
            sizes.len()
        ));
    }
    Ok(SweepSizes(sizes))
}

fn cell_time(text: &str) -> Result<Duration, String> {
    let too_long = || format!("`{text}` is too long for one cell; give at most 1m, like 200ms");
    if text.trim().starts_with('-') {
        return Err(format!(
            "`{text}` is negative; a cell lasts 1ms to 1m, like 200ms"
        ));
    }
    match parse_duration(text) {
        Err(e) if e.contains("too long") => Err(too_long()),
        Err(e) => Err(e),
        Ok(d) if d < Duration::from_millis(1) => Err(format!(
            "`{text}` is too short for one cell; give at least 1ms, like 200ms"
        )),
        Ok(d) if d > Duration::from_secs(60) => Err(too_long()),
        Ok(d) => Ok(d),
    }
}

/// A duration of at least a millisecond (a wait of nothing can only fail).
fn positive_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d < Duration::from_millis(1) => {
            Err(format!("`{text}` is too short; give at least 1ms"))
        }
        d => Ok(d),
    }
}

fn total_bytes(text: &str) -> Result<u64, String> {
    match crate::units::parse_bytes(text)? {
        0 => Err("a zero-length run measures nothing; give at least 1 byte, like 1M".into()),
        bytes if bytes > 1 << 40 => Err(format!(
            "{bytes} bytes is out of range; choose 1 B to 1 TiB"
        )),
        bytes => Ok(bytes),
    }
}

/// The whole command line, with what only the running program knows: the map of the lessons
/// after the top-level help and "Lesson N" before each lesson's one-line help, both made from
/// the one list in `report::lessons`, in the language of the environment.
pub fn command() -> clap::Command {
    let words = Lang::from_environment().words();
    let after = format!("{}\n\n{EXIT_STATUSES}", lessons::map(words));
    let mut command = Cli::command()
        .after_help(after.clone())
        .after_long_help(after);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    command = command.mut_subcommand("named", |sub| sub.after_long_help(named_examples()));
    for name in names {
        if let Some(numbers) = lessons::numbers_of(&name) {
            command = command.mut_subcommand(&name, |sub| {
                let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
                let label = if numbers.contains('–') {
                    "Lessons"
                } else {
                    "Lesson"
                };
                sub.about(format!("{label} {numbers}: {about}"))
            });
        }
    }
    command
}

/// Parses the command line (clap prints usage errors and exits with status 2).
pub fn parse() -> Cli {
    let mut command = command();
    let matches = command.get_matches_mut();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Some(Command::Bench(bench)) = &cli.command
        && bench.throughput_only
        && bench.mechanism.contains(&Mechanism::Signal)
    {
        command
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--mechanism signal has no throughput to measure (a signal carries one number, \
                 not a stream of bytes); drop --throughput-only, or measure it with --latency-only",
            )
            .exit();
    }
    if let Some(Command::Bench(bench)) = &cli.command
        && bench.senders > 1
        && let Some(flag) = fan_in_conflict(bench)
    {
        command
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "--senders {} (fan-in, throughput only) cannot be used with {flag}; drop one \
                     of them",
                    bench.senders
                ),
            )
            .exit();
    }
    if let Some(Command::Bench(bench)) = &cli.command {
        let paths: Vec<&PathBuf> = [
            &bench.export_json,
            &bench.export_csv,
            &bench.export_markdown,
            &bench.plot,
        ]
        .into_iter()
        .flatten()
        .collect();
        // One file under two spellings (./r.csv and r.csv, a linked folder) is still one file.
        let file_of = |path: &PathBuf| {
            let folder = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => std::path::Path::new("."),
            };
            (
                std::fs::canonicalize(folder).ok(),
                path.file_name().map(|n| n.to_owned()),
            )
        };
        let files: Vec<_> = paths.iter().map(|p| file_of(p)).collect();
        if let Some(twice) = paths
            .iter()
            .enumerate()
            .find_map(|(i, p)| files[..i].contains(&files[i]).then_some(p))
        {
            let mut bench_command = command
                .find_subcommand("bench")
                .map(|sub| sub.clone().bin_name("ipcdemo bench"))
                .unwrap_or_else(|| command.clone());
            bench_command
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "two exports would write `{}`; give each its own file",
                        twice.display()
                    ),
                )
                .exit();
        }
    }
    if let Some(Command::Shm(ShmArgs {
        race: Some(ShmCommand::Race(race)),
        ..
    })) = &cli.command
        && race.die_holding_lock
        && matches!(race.sync, SyncArg::None | SyncArg::Atomic)
    {
        command
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--die-holding-lock needs --sync lock or all: only a lock has an owner to die \
                 holding it",
            )
            .exit();
    }
    cli
}

/// The flag a fan-in run (`--senders` above 1) cannot honour, and why: latency is a ping-pong
/// between two processes; the fan-in reader checks every record, which a zero-copy reader
/// never sees; it sleeps in read(2) and poll(2) rather than spinning.
fn fan_in_conflict(bench: &BenchArgs) -> Option<&'static str> {
    if bench.latency_only {
        Some("--latency-only: latency is a ping-pong between two processes")
    } else if bench.histogram.is_some() {
        Some("--histogram: it draws latency rows")
    } else if bench.zero_copy {
        Some("--zero-copy: its reader never sees the records fan-in checks")
    } else if bench.busy_poll {
        Some("--busy-poll: fan-in sleeps in read(2) and poll(2)")
    } else if bench.sweep.is_some() {
        Some("--sweep: its cells are sized by pilot runs of one writer")
    } else {
        None
    }
}

/// The completion script for `shell`, generated from this very definition.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "ipcdemo", &mut out);
    out
}

/// A man page (roff), generated from this very definition: ipcdemo(1), or ipcdemo-NAME(1) for
/// one subcommand, which the top page's SUBCOMMANDS section refers to.
pub fn man_page(subcommand: Option<&str>) -> std::io::Result<Vec<u8>> {
    let top = command();
    let page = match subcommand.and_then(|name| top.find_subcommand(name)) {
        Some(sub) => {
            let name = format!("ipcdemo-{}", sub.get_name());
            sub.clone()
                .name(name)
                .bin_name(format!("ipcdemo {}", sub.get_name()))
        }
        None => top,
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out)?;
    Ok(out)
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
        command().debug_assert();
    }
}
