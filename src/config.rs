//! Lowering: the command line's `Args`, parsed by clap, become each lesson's `Config` here, once.
//! Lessons never see clap's types, and clap's types never decide anything.

use crate::bench;
use crate::cli::{
    AnonArgs, AtomicArgs, BenchArgs, CapacityArgs, Cli, Command, ExecArgs, FdsArgs, GlobalArgs,
    MqArgs, NamedArgs, RaceArgs, ShmArgs, ShowArgs, SignalArgs, SocketArgs, SyncArg,
};
use crate::lessons::{anon, atomic, capacity, exec, fds, mq, named, race, shm, signal, socket};
use crate::report::export::Exports;
use crate::report::text::Lang;
use crate::report::{Settings, TimelineStyle};

pub fn settings(cli: &Cli) -> Settings {
    let args: &GlobalArgs = &cli.global;
    let show = match &cli.command {
        Some(Command::Anon(a)) => a.show.clone(),
        Some(Command::Named(a)) => a.show.clone(),
        Some(Command::Socket(a)) => a.show.clone(),
        _ => ShowArgs::default(),
    };
    Settings {
        json: args.json,
        lang: args.lang.unwrap_or_else(Lang::from_environment),
        clock: args.clock,
        color: args.color,
        // The timeline replaces event lines, but not JSON, which gains the timing fields.
        timeline: (show.timeline && !args.json).then(|| TimelineStyle {
            ascii: show.ascii || !locale_is_utf8(),
        }),
        trace: show.trace,
        exports: match &cli.command {
            Some(Command::Bench(bench)) => Exports {
                json: bench.export_json.clone(),
                csv: bench.export_csv.clone(),
                markdown: bench.export_markdown.clone(),
                plot: bench.plot.clone(),
                command: std::env::args_os()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect(),
            },
            _ => Exports::default(),
        },
    }
}

/// Box-drawing characters need a UTF-8 locale (LC_ALL, then LC_CTYPE, then LANG).
fn locale_is_utf8() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())
        .is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            value.contains("utf-8") || value.contains("utf8")
        })
}

pub fn anon(args: &AnonArgs) -> anon::Config {
    anon::Config {
        count: args.count,
        tick: args.tick,
        read_size: args.read_size,
        fork: args.fork,
        show_son: args.show_son,
        narrate: args.show.timeline || args.show.trace.is_some(),
    }
}

pub fn named(args: &NamedArgs) -> named::Config {
    named::Config {
        son: args.son,
        path: args.path.clone(),
        count: args.count,
        tick: args.tick,
        no_wait: args.no_wait,
        narrate: args.show.timeline || args.show.trace.is_some(),
    }
}

pub fn socket(args: &SocketArgs) -> socket::Config {
    socket::Config {
        son: args.son,
        path: args.path.clone(),
        count: args.count,
        tick: args.tick,
        read_size: args.read_size,
        seqpacket: args.seqpacket,
        ack: args.ack,
        ack_timeout: args.ack_timeout,
        tcp: args.tcp.clone(),
        nagle: args.nagle,
        narrate: args.show.timeline || args.show.trace.is_some(),
    }
}

pub fn capacity(args: &CapacityArgs) -> capacity::Config {
    capacity::Config {
        pipe_size: args.pipe_size,
        write_size: args.write_size,
        fifo: args.fifo,
        path: args.path.clone(),
    }
}

pub fn atomic(args: &AtomicArgs) -> atomic::Config {
    atomic::Config {
        writers: usize::from(args.writers),
        record_sizes: if args.sweep {
            atomic::sweep_sizes()
        } else {
            vec![args.record_size]
        },
        records: args.records,
        slow_reader: args.slow_reader,
    }
}

pub fn signal(args: &SignalArgs) -> signal::Config {
    let act = if let Some(seconds) = args.alarm {
        signal::Act::Alarm(seconds)
    } else if args.ping_pong {
        signal::Act::PingPong
    } else if let Some(pid) = args.son {
        signal::Act::Son(pid)
    } else if args.father {
        signal::Act::Father
    } else {
        signal::Act::Both
    };
    signal::Config {
        act,
        count: args.count,
        realtime: args.realtime,
        // --queue-limit shows the queue filling: the father must hold what arrives.
        held: args.blocked || args.queue_limit.is_some(),
        queue_limit: args.queue_limit,
        show_son: args.show_son,
    }
}

pub fn mq(args: &MqArgs) -> mq::Config {
    mq::Config {
        son: args.son,
        name: args.name.clone(),
        count: args.count,
        tick: args.tick,
        max_messages: args.max_messages,
        message_size: args.message_size,
        priority_every: args.priority_every,
        read_after: args.read_after,
        no_wait: args.no_wait,
    }
}

pub fn fds(args: &FdsArgs) -> fds::Config {
    let part = if args.send {
        fds::Part::Send
    } else if args.receive {
        fds::Part::Receive
    } else if args.kill_son {
        fds::Part::KillSon
    } else {
        fds::Part::Leak
    };
    fds::Config {
        part,
        forget_close: args.forget_close,
        stall: args.stall,
        count: args.count,
        tick: args.tick,
        path: args.path.clone(),
    }
}

pub fn exec(args: &ExecArgs) -> exec::Config {
    exec::Config {
        count: args.count,
        tick: args.tick,
        stall: args.stall,
        big: args.big,
        fix: args.fix,
        program: (!args.program.is_empty()).then(|| args.program.clone()),
    }
}

pub fn shm(args: &ShmArgs) -> shm::Config {
    shm::Config {
        son: args.son,
        path: args.path.clone(),
        count: args.count,
        tick: args.tick,
        wake: args.wake,
    }
}

pub fn race(args: &RaceArgs) -> race::Config {
    use race::SyncMode;
    race::Config {
        sons: usize::from(args.sons),
        adds: args.adds,
        syncs: match args.sync {
            SyncArg::None => vec![SyncMode::None],
            SyncArg::Atomic => vec![SyncMode::Atomic],
            SyncArg::Lock => vec![SyncMode::Lock],
            SyncArg::All => vec![SyncMode::None, SyncMode::Atomic, SyncMode::Lock],
        },
        die_holding_lock: args.die_holding_lock,
    }
}

/// The bench's own policy (`bench::Config::new`), then what the command line overrides.
pub fn bench(args: &BenchArgs) -> bench::Config {
    let mut config = bench::Config::new(args.quick);
    if !args.mechanism.is_empty() {
        // Each once, in the order first given.
        config.mechanisms = Vec::new();
        for &mechanism in &args.mechanism {
            if !config.mechanisms.contains(&mechanism) {
                config.mechanisms.push(mechanism);
            }
        }
    }
    if args.throughput_only {
        config.measures = vec![bench::Measure::Throughput];
    }
    if args.latency_only {
        config.measures = vec![bench::Measure::Latency];
    }
    if let Some(total) = args.total {
        config.total = total;
    }
    if let Some(rounds) = args.rounds {
        config.set_rounds(rounds);
    }
    config.size = args.size;
    config.msg_size = args.msg_size;
    config.pipe_size = args.pipe_size;
    config.zero_copy = args.zero_copy;
    config.busy_poll = args.busy_poll;
    config.pin = args.pin;
    config.huge_pages = args.huge_pages;
    config.histogram = args.histogram;
    config.percentiles = !args.no_percentiles;
    config.senders = usize::from(args.senders);
    if config.senders > 1 {
        // Fan-in is a stream from many writers: there is no many-sided ping-pong.
        config.measures = vec![bench::Measure::Throughput];
    }
    config.sweep = args.sweep.as_ref().map(|sizes| match sizes {
        Some(sizes) => sizes.0.clone(),
        None => bench::SWEEP_SIZES.to_vec(),
    });
    if let Some(cell_time) = args.cell_time {
        config.cell_time = cell_time;
    }
    config
}
