//! The rows that need no byte channel: `shm` (a ring of records in a shared memfd, see
//! `sys::ring`) for throughput and latency, and `eventfd` (two counters) for latency.
//!
//! With no end of file to tell a waiter that the other side is gone, each waits in slices: a
//! futex wait of at most 50 ms, a spin that looks up every 65 536 turns, a read(2) that a
//! SIGCHLD interrupts; then it asks whether its peer is still there. On any failure the parent
//! closes the ring (or kills the child, for eventfd) before reaping, so a child never waits
//! for a parent that has stopped reading.

use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, getpid, getppid};

use super::child::{Affinity, cpus, reap, spawn_child};
use super::throughput::{PERIOD, pattern, zeroed};
use super::{Config, Measure, Measurement, empty_measurement, with_cpu};
use crate::event::{Error, Result, Sink};
use crate::sys::ring::{Consumer, Producer, RECORD_HEADER, Recv, Ring, Waker};
use crate::sys::shm::{eventfd, eventfd_add, eventfd_take};
use crate::sys::{Context, Doing, signals, usage};

/// How long one futex wait lasts before the waiter looks whether its peer is still there.
const SLICE: Duration = Duration::from_millis(50);
/// Spins between two looks.
const SPINS: u32 = 1 << 16;

/// The ring for throughput: as big as the largest pipe the bench asks for (1 MiB), and room
/// for at least four records; a power of two, so the table can say its size plainly.
fn ring_size(record: usize) -> usize {
    (1usize << 20)
        .max(4 * Ring::footprint(record))
        .next_power_of_two()
}

/// Who the waiter waits for, and how to tell it is gone.
#[derive(Clone, Copy)]
enum Peer {
    /// The parent, waiting for its child.
    Child(Pid),
    /// The child, waiting for its parent (which closes the ring when it stops).
    Parent(Pid),
}

impl Peer {
    fn gone(self, ring: &Ring) -> bool {
        match self {
            Peer::Child(child) => usage::has_ended(child),
            Peer::Parent(parent) => ring.closed() || getppid() != parent,
        }
    }

    /// The parent also stops on a stop signal (the child dies of it by default).
    fn check(self, ring: &Ring) -> Result<()> {
        if let Peer::Child(_) = self {
            signals::check()?;
        }
        if self.gone(ring) {
            return Err(Error::OtherSideLeft);
        }
        Ok(())
    }
}

/// Waits on `waker` until `ready` says yes: spinning, or in futex slices.
fn wait_until(
    ring: &Ring,
    waker: &Waker,
    spin: bool,
    peer: Peer,
    mut ready: impl FnMut() -> bool,
) -> Result<()> {
    if spin {
        let mut turns = 0u32;
        while !ready() {
            std::hint::spin_loop();
            turns = turns.wrapping_add(1);
            if turns.is_multiple_of(SPINS) {
                peer.check(ring)?;
            }
        }
        return Ok(());
    }
    loop {
        let seen = waker.prepare();
        if ready() {
            waker.done();
            return Ok(());
        }
        // Woken, timed out or interrupted: with still nothing to do, it may be the other side
        // saying goodbye (the parent closes the ring and wakes us), or a signal.
        let _ = waker.futex_wait(seen, SLICE);
        waker.done();
        if ready() {
            return Ok(());
        }
        peer.check(ring)?;
    }
}

/// Sends one record, waiting for room.
fn send(
    ring: &Ring,
    producer: &mut Producer<'_>,
    data: &[u8],
    spin: bool,
    peer: Peer,
) -> Result<()> {
    let broken = |_| Error::OtherSideLeft;
    if !producer.try_send(data).map_err(broken)? {
        let mut failed = None;
        wait_until(ring, ring.space(), spin, peer, || {
            match producer.try_send(data) {
                Ok(sent) => sent,
                Err(e) => {
                    failed = Some(e);
                    true
                }
            }
        })?;
        if let Some(e) = failed {
            return Err(broken(e));
        }
    }
    if !spin && ring.data().must_wake() {
        ring.data().futex_wake();
    }
    Ok(())
}

/// Receives one record into `out`, waiting for it; returns its length.
///
/// A producer asleep for room is woken once half the ring is free, or the ring is empty, not
/// after every record: each wake-up costs a system call here and a cross-CPU wake-up there,
/// and one that lets the producer write a single record before it sleeps again is wasted.
/// (`freed` counts the bytes released since the last wake-up.)
fn receive(
    ring: &Ring,
    consumer: &mut Consumer<'_>,
    out: &mut [u8],
    spin: bool,
    peer: Peer,
    after: u64,
    freed: &mut usize,
) -> Result<usize> {
    loop {
        match consumer.try_recv(out) {
            Recv::Record(n) => {
                *freed += Ring::footprint(n);
                let worth_it = *freed >= ring.capacity() / 2 || !consumer.ready();
                if !spin && worth_it && ring.space().must_wake() {
                    ring.space().futex_wake();
                    *freed = 0;
                }
                return Ok(n);
            }
            Recv::Empty | Recv::Begun => {
                wait_until(ring, ring.data(), spin, peer, || consumer.ready())?;
            }
            Recv::Broken(_) => return Err(Error::CorruptStream { after }),
        }
    }
}

/// Waits for the parent's start, so the clock runs from a child that is ready.
fn wait_for_start(ring: &Ring, parent: Pid) -> Result<()> {
    while !ring.started() {
        if Peer::Parent(parent).gone(ring) {
            return Err(Error::OtherSideLeft);
        }
        std::thread::yield_now();
    }
    Ok(())
}

fn new_ring(name: &std::ffi::CStr, capacity: usize) -> Result<(OwnedFd, Ring)> {
    Ok(Ring::create(name, capacity)?)
}

/// Ends a row: closes the ring so a waiting child leaves, wakes it, and reaps it.
fn finish(child: Pid, rings: &[&Ring]) -> Result<usage::Usage> {
    for ring in rings {
        ring.close();
        ring.space().futex_wake();
        ring.data().futex_wake();
    }
    reap(child)
}

pub(super) fn throughput(config: &Config, sink: &dyn Sink) -> Result<Measurement> {
    let (total, size, spin) = (config.total, config.size, config.busy_poll);
    let capacity = ring_size(size);
    let (_fd, ring) = new_ring(c"ipcdemo-bench-ring", capacity)?;
    let mut result = empty_measurement(Measure::Throughput, None, Vec::new());
    result.mode.ring_bytes = Some(ring.capacity());
    let (parent_cpu, child_cpu) = cpus(config.pin)?;
    let _affinity = Affinity::pin(parent_cpu)?;
    let source = pattern(size)?;
    let parent = getpid();
    let before = usage::own();
    let (child, ()) = spawn_child((), child_cpu, sink, || {
        wait_for_start(&ring, parent)?;
        let mut producer = ring.producer();
        let mut sent = 0u64;
        while sent < total {
            let phase = (sent % PERIOD as u64) as usize;
            let len = size.min((total - sent) as usize);
            send(
                &ring,
                &mut producer,
                &source[phase..phase + len],
                spin,
                Peer::Parent(parent),
            )?;
            sent += len as u64;
        }
        Ok(())
    })?;
    let mut buffer = zeroed(size)?;
    let expected = pattern(size)?;
    let started = Instant::now();
    ring.start();
    let received = (|| -> Result<u64> {
        let mut consumer = ring.consumer();
        let mut received = 0u64;
        let mut freed = 0;
        while received < total {
            signals::check()?;
            let n = receive(
                &ring,
                &mut consumer,
                &mut buffer,
                spin,
                Peer::Child(child),
                received,
                &mut freed,
            )?;
            let phase = (received % PERIOD as u64) as usize;
            let wanted = size.min((total - received) as usize);
            if n != wanted || buffer[..n] != expected[phase..phase + n] {
                return Err(Error::CorruptStream { after: received });
            }
            received += n as u64;
        }
        Ok(received)
    })();
    let seconds = started.elapsed().as_secs_f64();
    let reaped = finish(child, &[&ring]);
    let received = received?;
    result = with_cpu(result, before, reaped?);
    result.bytes = received;
    result.seconds = seconds;
    result.bytes_per_second = Some(received as f64 / seconds);
    result.copy_ceiling_bytes_per_second = Some(copy_ceiling(total, size, ring.capacity())?);
    Ok(result)
}

/// One process copies each record into a buffer the size of the ring and out again, and
/// checks it, as the two sides of the `shm` row do between them: what a transport that copies
/// twice could reach here at best, with no waiting and no sharing of cache lines.
fn copy_ceiling(total: u64, size: usize, capacity: usize) -> Result<f64> {
    let source = pattern(size)?;
    let mut area = zeroed(capacity)?;
    let mut out = zeroed(size)?;
    let footprint = Ring::footprint(size);
    let mut offset = 0;
    let mut done = 0u64;
    let started = Instant::now();
    while done < total {
        signals::check()?;
        let phase = (done % PERIOD as u64) as usize;
        let len = size.min((total - done) as usize);
        if offset + footprint > capacity {
            offset = 0;
        }
        let slot = offset + RECORD_HEADER;
        area[slot..slot + len].copy_from_slice(&source[phase..phase + len]);
        // Keep the compiler from copying straight from the source to `out`.
        std::hint::black_box(&mut area);
        out[..len].copy_from_slice(&area[slot..slot + len]);
        if out[..len] != source[phase..phase + len] {
            return Err(Error::CorruptStream { after: done });
        }
        offset += footprint;
        done += len as u64;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

pub(super) fn latency(config: &Config, sink: &dyn Sink) -> Result<Measurement> {
    let (size, spin) = (config.msg_size, config.busy_poll);
    let capacity = (4 * Ring::footprint(size)).next_power_of_two();
    let (_ping_fd, ping) = new_ring(c"ipcdemo-bench-ping", capacity)?;
    let (_pong_fd, pong) = new_ring(c"ipcdemo-bench-pong", capacity)?;
    let mut result = empty_measurement(Measure::Latency, None, Vec::new());
    result.mode.ring_bytes = Some(ping.capacity());
    let (parent_cpu, child_cpu) = cpus(config.pin)?;
    let _affinity = Affinity::pin(parent_cpu)?;
    let all_rounds = config.warmup.saturating_add(config.rounds);
    let parent = getpid();
    let before = usage::own();
    let (child, ()) = spawn_child((), child_cpu, sink, || {
        wait_for_start(&ping, parent)?;
        let (mut pings, mut pongs) = (ping.consumer(), pong.producer());
        let mut echo = zeroed(size)?;
        let peer = Peer::Parent(parent);
        let mut freed = 0;
        for round in 0..all_rounds {
            let n = receive(&ping, &mut pings, &mut echo, spin, peer, round, &mut freed)?;
            send(&pong, &mut pongs, &echo[..n], spin, peer)?;
        }
        Ok(())
    })?;
    let mut nanos = super::stats::RoundTrips::new(config.percentiles);
    let outcome = (|| -> Result<f64> {
        let (mut pings, mut pongs) = (ping.producer(), pong.consumer());
        let mut message = zeroed(size)?;
        let mut answer = zeroed(size)?;
        let peer = Peer::Child(child);
        let mut freed = 0;
        ping.start();
        let mut started = nanos.begin();
        for round in 0..all_rounds {
            if round == config.warmup {
                started = Instant::now();
            }
            signals::check()?;
            message[0] = round as u8;
            send(&ping, &mut pings, &message, spin, peer)?;
            let n = receive(
                &pong,
                &mut pongs,
                &mut answer,
                spin,
                peer,
                round,
                &mut freed,
            )?;
            nanos.lap(round >= config.warmup);
            if n != size || answer[0] != round as u8 {
                return Err(Error::RoundMismatch {
                    round,
                    got: i64::from(answer[0]),
                });
            }
        }
        Ok(started.elapsed().as_secs_f64())
    })();
    let reaped = finish(child, &[&ping, &pong]);
    let seconds = outcome?;
    result = with_cpu(result, before, reaped?);
    Ok(with_round_trips(result, config, &nanos, seconds, size))
}

fn with_round_trips(
    mut result: Measurement,
    config: &Config,
    nanos: &super::stats::RoundTrips,
    seconds: f64,
    message: usize,
) -> Measurement {
    result.bytes = config
        .rounds
        .saturating_mul(2)
        .saturating_mul(message as u64);
    result.seconds = seconds;
    result.rounds = Some(config.rounds);
    nanos.fill(&mut result, config.histogram.is_some());
    result.round_trips_per_second = Some(config.rounds as f64 / seconds);
    result
}

/// Reads an eventfd's count: blocking (a SIGCHLD interrupts it if the child dies), or
/// spinning on `EAGAIN` with `--busy-poll`.
fn take(fd: &OwnedFd, peer: Option<Pid>) -> Result<u64> {
    let mut turns = 0u32;
    loop {
        match eventfd_take(fd) {
            Ok(value) => return Ok(value),
            Err(Errno::EAGAIN) => {
                turns = turns.wrapping_add(1);
                if turns.is_multiple_of(SPINS) {
                    look_for(peer)?;
                }
            }
            Err(Errno::EINTR) => look_for(peer)?,
            Err(e) => return Err(Error::call(Doing::PingPong, e)),
        }
    }
}

fn look_for(child: Option<Pid>) -> Result<()> {
    signals::check()?;
    if child.is_some_and(usage::has_ended) {
        return Err(Error::OtherSideLeft);
    }
    Ok(())
}

fn add(fd: &OwnedFd, value: u64) -> Result<()> {
    loop {
        match eventfd_add(fd, value) {
            Ok(()) => return Ok(()),
            Err(Errno::EINTR) => signals::check()?,
            Err(e) => return Err(Error::call(Doing::PingPong, e)),
        }
    }
}

pub(super) fn eventfd_latency(config: &Config, sink: &dyn Sink) -> Result<Measurement> {
    let busy = config.busy_poll;
    let down = eventfd(busy).doing(Doing::CreatingEventfd)?;
    let up = eventfd(busy).doing(Doing::CreatingEventfd)?;
    let mut result = empty_measurement(Measure::Latency, None, Vec::new());
    let (parent_cpu, child_cpu) = cpus(config.pin)?;
    let _affinity = Affinity::pin(parent_cpu)?;
    let all_rounds = config.warmup.saturating_add(config.rounds);
    let before = usage::own();
    let (child, ()) = spawn_child((), child_cpu, sink, || {
        for _ in 0..all_rounds {
            let value = take(&down, None)?;
            add(&up, value)?;
        }
        Ok(())
    })?;
    let mut nanos = super::stats::RoundTrips::new(config.percentiles);
    let outcome = (|| -> Result<f64> {
        let mut started = nanos.begin();
        for round in 0..all_rounds {
            if round == config.warmup {
                started = Instant::now();
            }
            signals::check()?;
            // A count of 0 would wake nobody: round + 1 travels, and must come back.
            add(&down, round + 1)?;
            let value = take(&up, Some(child))?;
            nanos.lap(round >= config.warmup);
            if value != round + 1 {
                return Err(Error::RoundMismatch {
                    round,
                    got: i64::try_from(value).unwrap_or(i64::MAX),
                });
            }
        }
        Ok(started.elapsed().as_secs_f64())
    })();
    // An eventfd has no end of file: a child still waiting for a count is told to go.
    if outcome.is_err() {
        let _ = kill(child, Signal::SIGKILL);
    }
    let reaped = reap(child);
    let seconds = outcome?;
    result = with_cpu(result, before, reaped?);
    Ok(with_round_trips(result, config, &nanos, seconds, 8))
}
