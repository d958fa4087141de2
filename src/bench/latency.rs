//! Latency: a ping-pong of `rounds` messages, each answer carrying its round's number.

use std::os::fd::OwnedFd;
use std::time::Instant;

use nix::errno::Errno;
use nix::unistd::{read, write};

use super::channel::{Channel, set_nonblocking};
use super::child::{Affinity, cpus, reap, spawn_child};
use super::throughput::zeroed;
use super::{Config, Measure, Measurement, empty_measurement, with_cpu};
use crate::event::{Error, Result, Sink};
use crate::sys::{Doing, signals};

pub(super) fn measure(channel: Channel, config: &Config, sink: &dyn Sink) -> Result<Measurement> {
    let mut result = empty_measurement(Measure::Latency, channel.pipe_size, channel.notes.clone());
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
    let all_rounds = config.warmup.saturating_add(config.rounds);
    let mut echo = zeroed(size)?;
    let before = crate::sys::usage::own();
    let (child, (parent_read, parent_write)) =
        spawn_child((parent_read, parent_write), child_cpu, sink, move || {
            for _ in 0..all_rounds {
                read_exact(&child_read, &mut echo, busy)?;
                write_all(&child_write, &echo, busy)?;
            }
            Ok(())
        })?;
    let mut ping = zeroed(size)?;
    let mut pong = zeroed(size)?;
    let mut nanos = super::stats::RoundTrips::new(config.percentiles);
    let outcome = (|| -> Result<f64> {
        let mut started = nanos.begin();
        for round in 0..all_rounds {
            if round == config.warmup {
                started = Instant::now();
            }
            signals::check()?;
            // The round's number travels in the first byte: a lost or repeated answer shows.
            ping[0] = round as u8;
            write_all(&parent_write, &ping, busy)?;
            read_exact(&parent_read, &mut pong, busy)?;
            nanos.lap(round >= config.warmup);
            if pong[0] != round as u8 {
                return Err(Error::RoundMismatch {
                    round,
                    got: i64::from(pong[0]),
                });
            }
        }
        Ok(started.elapsed().as_secs_f64())
    })();
    // Close our ends before reaping: a child still waiting for a ping then reads end of file
    // (or EPIPE) and exits, instead of waiting for ever.
    drop(parent_read);
    drop(parent_write);
    let reaped = reap(child);
    let seconds = outcome?;
    result = with_cpu(result, before, reaped?);
    // At most 2 × 10^7 rounds × 64 KiB: far inside a u64, but say so with checked arithmetic.
    result.bytes = config.rounds.saturating_mul(2).saturating_mul(size as u64);
    result.seconds = seconds;
    result.rounds = Some(config.rounds);
    nanos.fill(&mut result, config.histogram.is_some());
    result.round_trips_per_second = Some(config.rounds as f64 / seconds);
    Ok(result)
}

fn read_exact(fd: &OwnedFd, buffer: &mut [u8], busy: bool) -> Result<()> {
    let mut filled = 0;
    while filled < buffer.len() {
        match read(fd, &mut buffer[filled..]) {
            Ok(0) => return Err(Error::OtherSideLeft),
            Ok(n) => filled += n,
            Err(Errno::EAGAIN) if busy => signals::check()?,
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::PingPong, e)),
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
            Err(e) => return Err(Error::call(Doing::PingPong, e)),
        }
    }
    Ok(())
}
