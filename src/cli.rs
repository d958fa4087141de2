//! The command line: one `Args` struct per subcommand; each `///` comment is the help text.
//! Nothing here acts on the arguments: `config` lowers them into each lesson's `Config`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::bench::model::{Mechanism, Pin, Wake};
use crate::report::Clock;
use crate::report::lessons;
use crate::report::text::Lang;
use crate::units::{bytes_in_range, parse_duration};

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

/// See Unix inter-process communication happen: pipes, FIFOs, sockets and shared memory, byte by
/// byte.
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
  ipcdemo completions bash > ~/.local/share/bash-completion/completions/ipcdemo
  ipcdemo completions zsh > \"${fpath[1]}/_ipcdemo\"
  ipcdemo completions fish > ~/.config/fish/completions/ipcdemo.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  ipcdemo man | man -l -                read it now
  ipcdemo man socket | man -l -         the page of one lesson, every option explained
  for p in '' anon named socket capacity atomic shm bench; do ipcdemo man $p > ~/.local/share/man/man1/ipcdemo${p:+-$p}.1; done";

/// `ipcdemo man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (its page is ipcdemo-NAME(1)) [default: ipcdemo(1)]
    #[arg(value_parser = ["anon", "named", "socket", "capacity", "atomic", "shm", "bench", "completions"])]
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
    /// Son with --ack: how long to wait for each answer before saying none came (0 to 1h)
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration, allow_hyphen_values = true)]
    pub ack_timeout: Duration,
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
  ipcdemo bench --mechanism pipe --zero-copy --busy-poll --huge-pages --throughput-only";

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
    /// Measure only throughput
    #[arg(long, conflicts_with = "latency_only")]
    pub throughput_only: bool,
    /// Measure only latency
    #[arg(long)]
    pub latency_only: bool,
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
