//! Fan-in (`--senders N`): N sender processes write at once into one pipe, one FIFO, or one
//! listener (a Unix stream socket or TCP on 127.0.0.1, each sender on its own connection), and
//! the parent reads everything and checks every sender's stream.
//!
//! The kernel guarantee on show: a write of at most `PIPE_BUF` bytes to a pipe or FIFO is
//! atomic (`pipe(7)`), so records of that size from many writers arrive whole, one after the
//! other, never torn. Each record is one write(2) and carries its sender and sequence number
//! (a 16-byte header) and a payload derived from both, so the reader checks every byte, the
//! order of each sender's records, and that each sender's total is exact. A socket connection
//! is a stream of its own: its sender writes whole records `--size` bytes at a time (at most
//! 1 MiB), and the parent reads all connections with `poll(2)`, reassembling each one's records
//! and checking that it carries one sender only.
//!
//! Fairness: each sender's share of the bytes the reader had received when the first sender's
//! stream was complete (ideal: 1/N).
//!
//! How it can block: a reader waiting for a writer that died. The parent keeps no write end:
//! each sender's end is closed in the parent once the sender is forked, so when every sender
//! has exited (or died) the pipe reads end of file and each connection hangs up; the parent
//! never waits on one connection while others have data. A stop signal ends the read; the
//! parent then kills the senders it started and reaps every one of them.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Instant;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::WaitStatus;
use nix::unistd::{Pid, dup, pipe, read, write};

use super::channel::{ScratchDir, fifo_pair};
use super::child::{Affinity, cpus, spawn_child};
use super::model::FanIn;
use super::throughput::{PERIOD, pattern, zeroed};
use super::{
    BenchNote, Config, Measure, Measurement, Mechanism, Unsupported, empty_measurement, with_cpu,
};
use crate::event::{Error, ProcessEnd, Result, Sink};
use crate::sys::usage::{self, Usage};
use crate::sys::{Context, Doing, pipesize, signals};

/// The header of every record: a magic word, the sender (u32) and the sequence number (u64),
/// little-endian.
pub(super) const HEADER: usize = 16;

/// Bytes the payload pattern never holds (it runs 0 to 250), so a record boundary in the wrong
/// place cannot pass for a header.
const MAGIC: [u8; 4] = [0xfb, 0xfc, 0xfd, 0xfe];

/// The most a socket sender writes at once: 64 senders' buffers stay within 64 MiB.
const MOST_PER_WRITE: usize = 1 << 20;

/// Whether `--senders` measures this mechanism: the byte streams many writers can share.
pub(super) fn applies(mechanism: Mechanism) -> bool {
    matches!(
        mechanism,
        Mechanism::Pipe | Mechanism::Fifo | Mechanism::UnixStream | Mechanism::Tcp
    )
}

/// The shape of one fan-in run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Plan {
    pub senders: usize,
    /// Bytes per record, header included.
    pub record: usize,
    /// Records each sender sends.
    pub records: u64,
    /// Records per write(2): one for pipes and FIFOs (atomicity is the point).
    pub batch: usize,
}

impl Plan {
    /// Records of `--size` bytes, at most `PIPE_BUF` and at least a header; every sender moves
    /// its share of `--total` in whole records (at least one).
    fn new(mechanism: Mechanism, config: &Config, pipe_buf: usize) -> (Plan, Vec<BenchNote>) {
        let senders = config.senders.max(1);
        let record = config.size.clamp(HEADER, pipe_buf.max(HEADER));
        let mut notes = Vec::new();
        if config.size < HEADER {
            notes.push(BenchNote::RecordsPadded {
                asked: config.size,
                header: HEADER,
            });
        } else if mechanism.is_pipe() && config.size > record {
            notes.push(BenchNote::RecordsCapped {
                asked: config.size,
                pipe_buf: record,
            });
        }
        let records = (config.total / senders as u64 / record as u64).max(1);
        // A socket sender writes `--size` bytes of whole records at a time, but no more than it
        // sends in all, nor more than `MOST_PER_WRITE`: every sender has its own buffer.
        let batch = if mechanism.is_pipe() {
            1
        } else {
            (config.size.min(MOST_PER_WRITE) / record)
                .clamp(1, usize::try_from(records).unwrap_or(usize::MAX))
        };
        (
            Plan {
                senders,
                record,
                records,
                batch,
            },
            notes,
        )
    }

    fn sender_bytes(&self) -> u64 {
        self.records * self.record as u64
    }
}

/// Measures fan-in through `mechanism`, or says it does not apply.
pub(super) fn measure(
    mechanism: Mechanism,
    config: &Config,
    sink: &dyn Sink,
) -> Result<Measurement> {
    let mut result = empty_measurement(Measure::Throughput, None, Vec::new());
    if !applies(mechanism) {
        result.skipped = Some(Unsupported::NoFanIn);
        result.notes.push(BenchNote::FanInDoesNotApply);
        return Ok(result);
    }
    let pipe_buf = crate::sys::pipe_buf();
    let (plan, notes) = Plan::new(mechanism, config, pipe_buf);
    result.notes = notes;
    // What each write(2) carries: one record through a pipe, a batch of them on a socket.
    result.size_bytes = plan.batch * plan.record;
    let (parent_cpu, child_cpu) = cpus(config.pin)?;
    let _affinity = Affinity::pin(parent_cpu)?;
    let ends = open_ends(mechanism, config, plan.senders)?;
    result.pipe_size_bytes = ends.pipe_size;
    result.notes.extend(ends.notes.iter().copied());
    let (go_read, go_write) = pipe().doing(Doing::CreatingPipe)?;
    let source = pattern(plan.record)?;
    let mut scratch = zeroed(plan.batch * plan.record)?;
    let mut buffer = zeroed((plan.batch * plan.record).max(64 << 10))?;
    let mut tally = Tally::new(plan)?;
    let mut senders = Senders::new(plan.senders);
    let before = usage::own();

    // What the parent keeps, handed through each fork so the child closes it: the read ends,
    // the go pipe's write end, and the write ends of the senders not forked yet (a sender
    // holding another's connection would keep it open after that one died).
    let mut keep = Keep {
        readers: ends.readers,
        go: go_write,
        pending: ends.writers,
    };
    while let Some(writer) = keep.pending.pop() {
        let sender = keep.pending.len() as u32;
        let (scratch, source, go_read) = (&mut scratch, &source, &go_read);
        let (pid, kept) = spawn_child(keep, child_cpu, sink, move || {
            wait_for_go(go_read)?;
            send(&writer, plan, sender, source, scratch)
        })?;
        keep = kept;
        senders.running.push(pid);
    }
    drop(go_read);
    let Keep { readers, go, .. } = keep;

    let started = Instant::now();
    let read = send_go(&go, plan.senders).and_then(|()| {
        drop(go);
        if mechanism.is_pipe() {
            read_pipe(&readers[0], &mut tally, &mut buffer, &mut senders)
        } else {
            read_sockets(&readers, &mut tally, &mut buffer, &mut senders)
        }
    });
    let ended = tally.done_at.unwrap_or_else(Instant::now);
    // Our ends close before the senders are reaped: a sender still writing gets EPIPE instead
    // of waiting for a reader that has stopped. After a stop, they are killed at once.
    drop(readers);
    if let Err(Error::Stopped(_)) = read {
        senders.kill();
    }
    let reaped = senders.reap();
    let children = match (read, reaped) {
        (Err(stop @ Error::Stopped(_)), _) => return Err(stop),
        // A sender killed by a signal explains whatever the reader saw (a record cut short).
        (_, Err(died @ Error::BenchChild(ProcessEnd::Signaled(_)))) => return Err(died),
        (Err(e), _) => return Err(e),
        (Ok(Err(broken)), _) => return Err(broken.error(mechanism, pipe_buf)),
        (Ok(Ok(())), reaped) => reaped?,
    };
    let total = plan.sender_bytes() * plan.senders as u64;
    tally.complete().map_err(|_| Error::BytesMissing {
        received: tally.received,
        total,
    })?;
    result = with_cpu(result, before, children);
    let seconds = ended.duration_since(started).as_secs_f64();
    result.bytes = tally.received;
    result.seconds = seconds;
    result.bytes_per_second = Some(tally.received as f64 / seconds.max(f64::MIN_POSITIVE));
    result.fan_in = Some(tally.fan_in());
    Ok(result)
}

/// The descriptors of one fan-in run: the parent's read ends (one pipe, or one accepted
/// connection per sender) and a write end per sender.
struct Ends {
    readers: Vec<OwnedFd>,
    writers: Vec<OwnedFd>,
    pipe_size: Option<usize>,
    notes: Vec<BenchNote>,
    _place: Option<ScratchDir>,
}

fn open_ends(mechanism: Mechanism, config: &Config, senders: usize) -> Result<Ends> {
    let mut notes = Vec::new();
    let (reader, writer, place) = match mechanism {
        Mechanism::Pipe => {
            let (r, w) = pipe().doing(Doing::CreatingPipe)?;
            (r, w, None)
        }
        Mechanism::Fifo => {
            let dir = ScratchDir::new()?;
            let (r, w) = fifo_pair(&dir.join("fan-in"))?;
            (r, w, Some(dir))
        }
        Mechanism::UnixStream => {
            let dir = ScratchDir::new()?;
            let path = dir.join("fan-in.sock");
            let listener = UnixListener::bind(&path).doing_on(Doing::Binding, &path)?;
            return connections(senders, Some(dir), || {
                let client = UnixStream::connect(&path).doing_on(Doing::ConnectingTo, &path)?;
                let (server, _) = listener.accept().doing(Doing::Accepting)?;
                Ok((OwnedFd::from(server), OwnedFd::from(client)))
            });
        }
        Mechanism::Tcp => {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).doing(Doing::Binding)?;
            let address = listener.local_addr().doing(Doing::Binding)?;
            return connections(senders, None, || {
                let client = TcpStream::connect(address).doing(Doing::ConnectingTo)?;
                let (server, _) = listener.accept().doing(Doing::Accepting)?;
                // As in the one-writer row: no Nagle delay on small records.
                client.set_nodelay(true).doing(Doing::SettingNoDelay)?;
                Ok((OwnedFd::from(server), OwnedFd::from(client)))
            });
        }
        other => return Err(Error::NotAStream(other)),
    };
    // Pipes and FIFOs: one read end; each sender gets its own copy of the write end.
    let pipe_size = enlarge(&reader, config.pipe_size, &mut notes);
    let mut writers = Vec::with_capacity(senders);
    for _ in 0..senders {
        writers.push(dup(&writer).doing(Doing::CreatingPipe)?);
    }
    Ok(Ends {
        readers: vec![reader],
        writers,
        pipe_size,
        notes,
        _place: place,
    })
}

/// One connection per sender, made by the parent: connect(2) completes into the listener's
/// backlog, so accepting right after never blocks.
fn connections(
    senders: usize,
    place: Option<ScratchDir>,
    mut connect: impl FnMut() -> Result<(OwnedFd, OwnedFd)>,
) -> Result<Ends> {
    let mut readers = Vec::with_capacity(senders);
    let mut writers = Vec::with_capacity(senders);
    for _ in 0..senders {
        let (server, client) = connect()?;
        readers.push(server);
        writers.push(client);
    }
    Ok(Ends {
        readers,
        writers,
        pipe_size: None,
        notes: Vec::new(),
        _place: place,
    })
}

fn enlarge(fd: &OwnedFd, wanted: Option<usize>, notes: &mut Vec<BenchNote>) -> Option<usize> {
    if let Some(wanted) = wanted.or_else(pipesize::max_size)
        && let Err(refused) = pipesize::set(fd, wanted)
    {
        notes.push(BenchNote::from(refused));
    }
    pipesize::get(fd)
}

/// What the parent holds while it forks the senders.
struct Keep {
    readers: Vec<OwnedFd>,
    go: OwnedFd,
    pending: Vec<OwnedFd>,
}

/// The senders forked so far: those still running, the CPU time of those reaped, and the
/// first that failed. Any not reaped by [`Senders::reap`] (an early return) are killed and
/// reaped on drop, so none is left behind.
struct Senders {
    running: Vec<Pid>,
    used: Usage,
    /// How the first failed sender ended (a death by a signal wins over an exit status: the
    /// others may only have seen the reader leave).
    failed: Option<ProcessEnd>,
    /// When [`Senders::reap_ended`] last looked.
    looked: Instant,
}

/// How often the reader looks whether a sender died: a pipe shared by the others reaches end
/// of file only when all of them are done.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

impl Senders {
    fn new(senders: usize) -> Senders {
        Senders {
            running: Vec::with_capacity(senders),
            used: Usage::default(),
            failed: None,
            looked: Instant::now(),
        }
    }

    fn kill(&self) {
        for pid in &self.running {
            let _ = kill(*pid, Signal::SIGKILL);
        }
    }

    fn ended(&mut self, status: WaitStatus, used: Usage) {
        self.used = self.used + used;
        let end = match status {
            WaitStatus::Exited(_, 0) => return,
            WaitStatus::Exited(_, code) => ProcessEnd::Exited(code),
            WaitStatus::Signaled(_, signal, _) => ProcessEnd::Signaled(signal),
            _ => ProcessEnd::Other,
        };
        if !matches!(self.failed, Some(ProcessEnd::Signaled(_))) {
            self.failed = Some(end);
        }
    }

    /// Every `LOOK_EVERY`: reaps the senders that have ended, without waiting; fails once one
    /// of them failed.
    fn reap_ended(&mut self) -> Result<()> {
        if self.looked.elapsed() < LOOK_EVERY {
            return Ok(());
        }
        self.looked = Instant::now();
        for pid in std::mem::take(&mut self.running) {
            match usage::try_wait4(pid) {
                Ok(None) => self.running.push(pid),
                Ok(Some((status, used))) => self.ended(status, used),
                // ECHILD: already gone; reap() says so.
                Err(_) => self.running.push(pid),
            }
        }
        match self.failed {
            Some(end) => Err(Error::BenchChild(end)),
            None => Ok(()),
        }
    }

    /// Waits for every sender; their CPU time added up, or how the first failed one ended.
    fn reap(&mut self) -> Result<Usage> {
        for pid in std::mem::take(&mut self.running) {
            let (status, used) = usage::wait4(pid).doing(Doing::WaitingForBenchChild)?;
            self.ended(status, used);
        }
        match self.failed {
            Some(end) => Err(Error::BenchChild(end)),
            None => Ok(self.used),
        }
    }
}

impl Drop for Senders {
    fn drop(&mut self) {
        self.kill();
        for pid in std::mem::take(&mut self.running) {
            let _ = signals::restarting(|| nix::sys::wait::waitpid(pid, None));
        }
    }
}

fn wait_for_go(fd: &OwnedFd) -> Result<()> {
    let mut go = [0u8; 1];
    loop {
        match read(fd, &mut go) {
            Ok(1) => return Ok(()),
            Ok(_) => return Err(Error::OtherSideLeft),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::Streaming, e)),
        }
    }
}

/// One byte per sender, all at once: they start together.
fn send_go(fd: &OwnedFd, senders: usize) -> Result<()> {
    write_all(fd, &vec![b'g'; senders], Doing::Streaming)
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8], doing: Doing) -> Result<()> {
    while !bytes.is_empty() {
        match write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::call(doing, e)),
        }
    }
    Ok(())
}

/// Writes one record at the start of `into`: header, then the payload of (sender, seq).
pub(super) fn fill(into: &mut [u8], sender: u32, seq: u64, source: &[u8]) {
    let payload = into.len() - HEADER;
    into[..4].copy_from_slice(&MAGIC);
    into[4..8].copy_from_slice(&sender.to_le_bytes());
    into[8..16].copy_from_slice(&seq.to_le_bytes());
    let phase = phase(sender, seq);
    into[HEADER..].copy_from_slice(&source[phase..phase + payload]);
}

/// Where in the pattern the payload of (sender, seq) starts: records of different senders or
/// sequence numbers differ, so a byte from the wrong record fails the comparison.
fn phase(sender: u32, seq: u64) -> usize {
    ((u64::from(sender) * 61 + seq * 7) % PERIOD as u64) as usize
}

/// A sender's whole life after the go: its records, `plan.batch` per write(2) (one for a pipe
/// or FIFO, so each is atomic).
fn send(fd: &OwnedFd, plan: Plan, sender: u32, source: &[u8], scratch: &mut [u8]) -> Result<()> {
    let mut seq = 0;
    while seq < plan.records {
        let n = (plan.records - seq).min(plan.batch as u64) as usize;
        for (k, record) in scratch[..n * plan.record]
            .chunks_exact_mut(plan.record)
            .enumerate()
        {
            fill(record, sender, seq + k as u64, source);
        }
        write_all(fd, &scratch[..n * plan.record], Doing::Streaming)?;
        seq += n as u64;
    }
    Ok(())
}

/// What was wrong with a stream, and after how many of its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Broken {
    pub fault: Fault,
    pub after: u64,
}

/// How a record failed its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fault {
    /// No header where a record starts: a record tore, or bytes went missing.
    NoHeader,
    /// A sender number no sender has.
    UnknownSender(u32),
    /// Not the next record of this sender (one lost, repeated or reordered).
    OutOfOrder {
        sender: u32,
        expected: u64,
        got: u64,
    },
    /// The payload is not the one of (sender, seq): the record tore.
    BadPayload { sender: u32, seq: u64 },
    /// A connection carried records of two senders.
    TwoSenders { first: u32, then: u32 },
    /// The stream ended in the middle of a record.
    Truncated,
    /// A sender's stream ended short (its records so far were whole and in order).
    Short { sender: u32, bytes: u64 },
}

impl Broken {
    fn error(self, mechanism: Mechanism, pipe_buf: usize) -> Error {
        match self.fault {
            // Records of at most PIPE_BUF bytes, each one write(2), cannot tear in a pipe.
            Fault::NoHeader | Fault::BadPayload { .. } if mechanism.is_pipe() => {
                Error::PipeBufBroken { pipe_buf }
            }
            _ => Error::CorruptStream { after: self.after },
        }
    }
}

/// Every sender's progress, checked record by record.
pub(super) struct Tally {
    plan: Plan,
    /// The next sequence number expected of each sender.
    next: Vec<u64>,
    /// Bytes received of each sender.
    bytes: Vec<u64>,
    /// `bytes` when the first sender's stream was complete.
    first_done: Option<Vec<u64>>,
    received: u64,
    /// The pattern payloads are cut from.
    source: Vec<u8>,
    /// When the last expected byte arrived.
    done_at: Option<Instant>,
}

impl Tally {
    pub(super) fn new(plan: Plan) -> Result<Tally> {
        Ok(Tally {
            plan,
            next: vec![0; plan.senders],
            bytes: vec![0; plan.senders],
            first_done: None,
            received: 0,
            source: pattern(plan.record)?,
            done_at: None,
        })
    }

    /// Checks one whole record; `pinned`: the one sender its connection carries (sockets).
    fn check(&mut self, record: &[u8], pinned: Option<&mut Option<u32>>) -> Result<(), Fault> {
        if record[..4] != MAGIC {
            return Err(Fault::NoHeader);
        }
        let sender = u32::from_le_bytes([record[4], record[5], record[6], record[7]]);
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&record[8..16]);
        let seq = u64::from_le_bytes(seq);
        let index = sender as usize;
        if index >= self.plan.senders {
            return Err(Fault::UnknownSender(sender));
        }
        if let Some(pinned) = pinned {
            match *pinned {
                Some(first) if first != sender => {
                    return Err(Fault::TwoSenders {
                        first,
                        then: sender,
                    });
                }
                Some(_) => {}
                None => *pinned = Some(sender),
            }
        }
        let expected = self.next[index];
        if seq != expected || seq >= self.plan.records {
            return Err(Fault::OutOfOrder {
                sender,
                expected,
                got: seq,
            });
        }
        let phase = phase(sender, seq);
        let payload = record.len() - HEADER;
        if record[HEADER..] != self.source[phase..phase + payload] {
            return Err(Fault::BadPayload { sender, seq });
        }
        self.next[index] = seq + 1;
        self.bytes[index] += record.len() as u64;
        self.received += record.len() as u64;
        if self.first_done.is_none() && self.next[index] == self.plan.records {
            self.first_done = Some(self.bytes.clone());
        }
        if self.received == self.plan.sender_bytes() * self.plan.senders as u64 {
            self.done_at = Some(Instant::now());
        }
        Ok(())
    }

    /// After every stream ended: each sender's total is exact.
    fn complete(&self) -> Result<(), Broken> {
        let want = self.plan.sender_bytes();
        match self.bytes.iter().position(|&b| b != want) {
            Some(sender) => Err(Broken {
                fault: Fault::Short {
                    sender: sender as u32,
                    bytes: self.bytes[sender],
                },
                after: self.received,
            }),
            None => Ok(()),
        }
    }

    fn fan_in(&self) -> FanIn {
        let first = self.first_done.as_deref().unwrap_or(&self.bytes);
        let sum: u64 = first.iter().sum();
        let share = |b: &u64| *b as f64 / sum.max(1) as f64;
        FanIn {
            senders: self.plan.senders,
            record_bytes: self.plan.record,
            sender_bytes: self.bytes.clone(),
            share_min: first.iter().map(share).fold(f64::INFINITY, f64::min),
            share_max: first.iter().map(share).fold(0.0, f64::max),
        }
    }
}

/// One stream's reassembly: the bytes of a record cut by a read boundary wait here for the
/// rest.
pub(super) struct Framer {
    partial: Vec<u8>,
    /// Sockets: the sender this connection carries, once its first record came.
    pinned: Option<u32>,
    /// Whether a connection must carry one sender only.
    pin: bool,
    /// Bytes of this stream checked so far.
    offset: u64,
    /// The stream has ended (end of file, or a hang-up).
    ended: bool,
}

impl Framer {
    pub(super) fn new(plan: Plan, pin: bool) -> Framer {
        Framer {
            partial: Vec::with_capacity(plan.record),
            pinned: None,
            pin,
            offset: 0,
            ended: false,
        }
    }

    /// Checks every whole record in `bytes`, keeping an incomplete one for the next call.
    pub(super) fn feed(&mut self, tally: &mut Tally, mut bytes: &[u8]) -> Result<(), Broken> {
        let size = tally.plan.record;
        if !self.partial.is_empty() {
            let take = (size - self.partial.len()).min(bytes.len());
            self.partial.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.partial.len() < size {
                return Ok(());
            }
            let pinned = self.pin.then_some(&mut self.pinned);
            let checked = tally.check(&self.partial, pinned);
            self.partial.clear();
            self.checked(checked, size)?;
        }
        let whole = bytes.len() / size * size;
        for record in bytes[..whole].chunks_exact(size) {
            let pinned = self.pin.then_some(&mut self.pinned);
            let checked = tally.check(record, pinned);
            self.checked(checked, size)?;
        }
        self.partial.extend_from_slice(&bytes[whole..]);
        Ok(())
    }

    fn checked(&mut self, checked: Result<(), Fault>, size: usize) -> Result<(), Broken> {
        checked.map_err(|fault| Broken {
            fault,
            after: self.offset,
        })?;
        self.offset += size as u64;
        Ok(())
    }

    /// The stream ended: nothing may be left half a record.
    pub(super) fn finish(&mut self) -> Result<(), Broken> {
        self.ended = true;
        if self.partial.is_empty() {
            Ok(())
        } else {
            Err(Broken {
                fault: Fault::Truncated,
                after: self.offset,
            })
        }
    }
}

/// The outer `Result` is the run (a stop, a failed call); the inner one the data.
type Read = Result<std::result::Result<(), Broken>>;

/// Pipes and FIFOs: one stream, read until every sender has closed its end.
fn read_pipe(fd: &OwnedFd, tally: &mut Tally, buffer: &mut [u8], senders: &mut Senders) -> Read {
    let mut framer = Framer::new(tally.plan, false);
    loop {
        // A full pipe never makes read(2) block, so EINTR alone would not notice Ctrl-C, nor a
        // sender's death: the others keep the pipe open.
        signals::check()?;
        senders.reap_ended()?;
        match read(fd, buffer) {
            Ok(0) => return Ok(framer.finish()),
            Ok(n) => {
                if let Err(broken) = framer.feed(tally, &buffer[..n]) {
                    return Ok(Err(broken));
                }
            }
            // A stop signal, or a sender that exited (SIGCHLD): look again.
            Err(Errno::EINTR) => {}
            Err(e) => return Err(Error::call(Doing::Draining, e)),
        }
    }
}

/// Sockets: every connection at once with poll(2), each with its own reassembly, until every
/// one has hung up.
fn read_sockets(
    fds: &[OwnedFd],
    tally: &mut Tally,
    buffer: &mut [u8],
    senders: &mut Senders,
) -> Read {
    let mut framers: Vec<Framer> = fds.iter().map(|_| Framer::new(tally.plan, true)).collect();
    let mut open: Vec<usize> = (0..fds.len()).collect();
    let watch = |open: &[usize]| -> Vec<PollFd<'_>> {
        open.iter()
            .map(|&i| PollFd::new(fds[i].as_fd(), PollFlags::POLLIN))
            .collect()
    };
    let mut polled = watch(&open);
    while !open.is_empty() {
        signals::check()?;
        senders.reap_ended()?;
        match poll(&mut polled, PollTimeout::NONE) {
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::Draining, e)),
        }
        let mut closed = false;
        for (slot, &i) in polled.iter().zip(&open) {
            if slot.revents().is_none_or(|r| r.is_empty()) {
                continue;
            }
            match read(&fds[i], buffer) {
                Ok(0) => {
                    if let Err(broken) = framers[i].finish() {
                        return Ok(Err(broken));
                    }
                    closed = true;
                }
                Ok(n) => {
                    if let Err(broken) = framers[i].feed(tally, &buffer[..n]) {
                        return Ok(Err(broken));
                    }
                }
                Err(Errno::EINTR) => {}
                Err(e) => return Err(Error::call(Doing::Draining, e)),
            }
        }
        if closed {
            // Each hung-up connection leaves the watch list (a new list only then).
            let before = std::mem::take(&mut open);
            open = before.into_iter().filter(|&i| !framers[i].ended).collect();
            polled = watch(&open);
        }
    }
    Ok(Ok(()))
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: Plan = Plan {
        senders: 2,
        record: 64,
        records: 3,
        batch: 1,
    };

    fn record(sender: u32, seq: u64) -> Vec<u8> {
        let mut bytes = vec![0u8; PLAN.record];
        fill(&mut bytes, sender, seq, &pattern(PLAN.record).unwrap());
        bytes
    }

    /// Feeds `stream` in pieces of `piece` bytes (cutting records at every boundary but one).
    fn feed(stream: &[u8], piece: usize, pin: bool) -> (Tally, Result<(), Broken>) {
        let mut tally = Tally::new(PLAN).unwrap();
        let mut framer = Framer::new(PLAN, pin);
        for chunk in stream.chunks(piece) {
            if let Err(broken) = framer.feed(&mut tally, chunk) {
                return (tally, Err(broken));
            }
        }
        let end = framer.finish();
        (tally, end)
    }

    fn interleaved() -> Vec<u8> {
        [(0, 0), (1, 0), (1, 1), (0, 1), (0, 2), (1, 2)]
            .iter()
            .flat_map(|&(s, q)| record(s, q))
            .collect()
    }

    #[test]
    fn whole_records_in_order_pass_whatever_the_read_boundaries() {
        for piece in [1, 7, 64, 100, 1000] {
            let (tally, end) = feed(&interleaved(), piece, false);
            assert_eq!(end, Ok(()), "pieces of {piece}");
            assert_eq!(tally.complete(), Ok(()));
            assert_eq!(tally.bytes, vec![192, 192]);
            let fan_in = tally.fan_in();
            // Sender 0 finished first, when sender 1 had sent 2 records of 3.
            assert_eq!(fan_in.share_min, 2.0 / 5.0);
            assert_eq!(fan_in.share_max, 3.0 / 5.0);
        }
    }

    #[test]
    fn a_torn_record_is_caught() {
        // Sender 0's record cut after 40 bytes by sender 1's whole record: what a write above
        // PIPE_BUF may do in a pipe.
        let mut stream = record(0, 0)[..40].to_vec();
        stream.extend(record(1, 0));
        stream.extend(&record(0, 0)[40..]);
        let (_, end) = feed(&stream, 4096, false);
        assert_eq!(
            end,
            Err(Broken {
                fault: Fault::BadPayload { sender: 0, seq: 0 },
                after: 0
            })
        );
        // Bytes missing from the middle: the next record starts in the middle of one, with no
        // header there; a header cut short has a sequence number that makes no sense.
        for (cut, fault) in [
            (3, Fault::NoHeader),
            (
                10,
                Fault::OutOfOrder {
                    sender: 1,
                    expected: 0,
                    got: u64::from_le_bytes([0, 0, 0xfb, 0xfc, 0xfd, 0xfe, 0, 0]),
                },
            ),
        ] {
            let mut stream = record(0, 0);
            stream.extend(&record(1, 0)[..cut]);
            stream.extend(record(0, 1));
            let (_, end) = feed(&stream, 4096, false);
            assert_eq!(end.unwrap_err().fault, fault, "cut at {cut}");
        }
    }

    #[test]
    fn a_record_out_of_order_lost_or_repeated_is_caught() {
        for (order, expected, got) in [
            (&[(0, 1)][..], 0, 1),
            (&[(0, 0), (0, 2)][..], 1, 2),
            (&[(0, 0), (0, 0)][..], 1, 0),
        ] {
            let stream: Vec<u8> = order.iter().flat_map(|&(s, q)| record(s, q)).collect();
            let (_, end) = feed(&stream, 33, false);
            assert_eq!(
                end.unwrap_err().fault,
                Fault::OutOfOrder {
                    sender: 0,
                    expected,
                    got
                },
                "{order:?}"
            );
        }
        // A fourth record where each sender sends three.
        let mut stream: Vec<u8> = (0..3).flat_map(|q| record(0, q)).collect();
        stream.extend(record(0, 3));
        let (_, end) = feed(&stream, 64, false);
        assert!(matches!(
            end.unwrap_err().fault,
            Fault::OutOfOrder { got: 3, .. }
        ));
    }

    #[test]
    fn an_unknown_sender_a_second_sender_on_a_connection_and_a_cut_end_are_caught() {
        let (_, end) = feed(&record(2, 0), 64, false);
        assert_eq!(end.unwrap_err().fault, Fault::UnknownSender(2));
        // Interleaved senders are right for a pipe and wrong for one connection.
        let (_, end) = feed(&interleaved(), 64, true);
        assert_eq!(
            end.unwrap_err(),
            Broken {
                fault: Fault::TwoSenders { first: 0, then: 1 },
                after: 64
            }
        );
        let (_, end) = feed(&record(0, 0)[..63], 64, true);
        assert_eq!(end.unwrap_err().fault, Fault::Truncated);
    }

    #[test]
    fn a_sender_that_stops_short_fails_the_totals() {
        let stream: Vec<u8> = [(0, 0), (1, 0), (0, 1), (0, 2)]
            .iter()
            .flat_map(|&(s, q)| record(s, q))
            .collect();
        let (tally, end) = feed(&stream, 64, false);
        assert_eq!(end, Ok(()));
        assert_eq!(
            tally.complete().unwrap_err().fault,
            Fault::Short {
                sender: 1,
                bytes: 64
            }
        );
    }

    #[test]
    fn records_fit_pipe_buf_and_split_the_total_evenly() {
        let mut config = Config::new(true);
        config.senders = 4;
        config.total = 4 << 20;
        let (plan, notes) = Plan::new(Mechanism::Pipe, &config, 4096);
        assert_eq!((plan.record, plan.records, plan.batch), (4096, 256, 1));
        assert_eq!(
            notes,
            [BenchNote::RecordsCapped {
                asked: 64 << 10,
                pipe_buf: 4096
            }]
        );
        let (plan, notes) = Plan::new(Mechanism::Tcp, &config, 4096);
        assert_eq!((plan.record, plan.records, plan.batch), (4096, 256, 16));
        assert!(notes.is_empty());
        config.size = 1;
        config.total = 1;
        let (plan, notes) = Plan::new(Mechanism::Fifo, &config, 4096);
        assert_eq!(
            (plan.record, plan.records),
            (HEADER, 1),
            "one record at least"
        );
        assert_eq!(
            notes,
            [BenchNote::RecordsPadded {
                asked: 1,
                header: HEADER
            }]
        );
    }
}
