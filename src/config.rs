//! Lowering: the command line's `Args`, parsed by clap, become each lesson's `Config` here, once.
//! Lessons never see clap's types, and clap's types never decide anything.

use crate::bench;
use crate::cli::{
    AnonArgs, AtomicArgs, BenchArgs, CapacityArgs, GlobalArgs, NamedArgs, RaceArgs, ShmArgs,
    SocketArgs, SyncArg,
};
use crate::lessons::{anon, atomic, capacity, named, race, shm, socket};
use crate::report::Settings;
use crate::report::text::Lang;

pub fn settings(args: &GlobalArgs) -> Settings {
    Settings {
        json: args.json,
        lang: args.lang.unwrap_or_else(Lang::from_environment),
        clock: args.clock,
        color: args.color,
    }
}

pub fn anon(args: &AnonArgs) -> anon::Config {
    anon::Config {
        count: args.count,
        tick: args.tick,
        read_size: args.read_size,
        fork: args.fork,
        show_son: args.show_son,
    }
}

pub fn named(args: &NamedArgs) -> named::Config {
    named::Config {
        son: args.son,
        path: args.path.clone(),
        count: args.count,
        tick: args.tick,
        no_wait: args.no_wait,
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
        config.mechanisms = args.mechanism.clone();
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
    config
}
