//! A single-producer, single-consumer ring of records in shared memory: what `ipcdemo shm`
//! and the bench's `shm` row send through. No system call moves a byte: the producer copies a
//! record into the mapping, the consumer copies it out.
//!
//! The layout (a sealed memfd, see `sys::shm`), for anyone who wants to be a son in another
//! language:
//!
//! ```text
//! 0      meta    magic "ipcring1" (u64, written last), capacity (u64, bytes of the data
//!                area), wake (u32, set by the father), closed (u32), started (u32)
//! 64     tail    the consumer's position (u64, bytes since the start, never wrapped)
//! 128    data    futex word (u32), consumer waiting (u32)
//! 192    space   futex word (u32), producer waiting (u32)
//! 256    report  producer pid (u32), records (u64), CPU user µs (u64), CPU system µs (u64)
//! 4096   data area: records, each 16-byte aligned:
//!          commit (u64)  len (u32)  unused (u32)  len bytes, padded to 16
//! ```
//!
//! The commit word is how a record is published, and why a producer killed in the middle of
//! one never shows a torn record: the producer marks the record begun (`WRITING | seq`), writes
//! its length and bytes, then stores the commit word `seq` (the record's number counted from 1)
//! with release ordering. The consumer reads a record only when the word at its position is
//! exactly the next number it expects, with acquire ordering, so it sees every byte written
//! before the store; a word from an older lap of the ring, or a record begun and never
//! committed, is not that number. A record that would cross the end of the area is preceded
//! by a pad (`PAD | seq`) that sends both sides back to the start.
//!
//! Waiting: a side with nothing to do either spins on the word, or says it is waiting (its
//! flag) and sleeps; the other side, after publishing, wakes it only if the flag is set (a
//! futex wake, or an eventfd write). See [`Waker`] for the order that makes no wake-up lost.

use std::ffi::CStr;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};
use std::time::Duration;

use nix::errno::Errno;

use super::SysError;
use super::shm::{Mapping, check_received, futex_wait, futex_wake, sealed_memfd};

/// Bytes before the data area: one page.
pub const HEADER_BYTES: usize = 4096;
/// Bytes of a record's header (commit word, length, unused).
pub const RECORD_HEADER: usize = 16;
const ALIGN: u64 = 16;
const MAGIC: u64 = u64::from_le_bytes(*b"ipcring1");
/// Commit word of a pad: the rest of the area is empty, the next record is at its start.
const PAD: u64 = 1 << 63;
/// Commit word of a record begun and not yet committed.
const WRITING: u64 = 1 << 62;

#[repr(C, align(64))]
struct Line<T>(T);

#[repr(C)]
struct Meta {
    magic: AtomicU64,
    capacity: AtomicU64,
    wake: AtomicU32,
    closed: AtomicU32,
    started: AtomicU32,
}

/// One direction's wake-up: a futex word and a flag that says someone sleeps on it.
#[repr(C)]
pub struct Waker {
    word: AtomicU32,
    waiting: AtomicU32,
}

/// What the producer says about itself, for the consumer to show.
#[repr(C)]
pub struct Report {
    pid: AtomicU32,
    records: AtomicU64,
    user_us: AtomicU64,
    system_us: AtomicU64,
}

#[repr(C)]
struct Header {
    meta: Line<Meta>,
    tail: Line<AtomicU64>,
    data: Line<Waker>,
    space: Line<Waker>,
    report: Line<Report>,
}

const _: () = assert!(std::mem::size_of::<Header>() <= HEADER_BYTES);

/// A ring in a mapping; both sides hold one.
pub struct Ring {
    map: Mapping,
    /// Bytes of the data area, read once: what the other side writes there later is never
    /// trusted for a bound.
    capacity: u64,
}

fn round_up(n: u64) -> u64 {
    n.div_ceil(ALIGN) * ALIGN
}

impl Ring {
    /// A new ring of `capacity` bytes (a multiple of 16, at least 64) in a sealed memfd named
    /// `name`; the descriptor is for handing it to the other side.
    pub fn create(name: &CStr, capacity: usize) -> Result<(OwnedFd, Ring), SysError> {
        let capacity = (capacity.max(64) as u64).div_ceil(ALIGN) * ALIGN;
        let len = HEADER_BYTES + capacity as usize;
        let fd = sealed_memfd(name, len)?;
        let map = Mapping::of(&fd, len).map_err(|errno| SysError::Call {
            doing: super::Doing::Mapping,
            path: None,
            errno,
        })?;
        let ring = Ring { map, capacity };
        let meta = &ring.header().meta.0;
        meta.capacity.store(capacity, Ordering::Relaxed);
        meta.magic.store(MAGIC, Ordering::Release);
        Ok((fd, ring))
    }

    /// Maps a ring another process made; `None` when the file is not one (not sealed, too
    /// small, no magic, a capacity that does not fit).
    pub fn open(fd: &OwnedFd) -> nix::Result<Option<Ring>> {
        let Some(size) = check_received(fd)? else {
            return Ok(None);
        };
        if size < HEADER_BYTES + 64 {
            return Ok(None);
        }
        let map = Mapping::of(fd, size)?;
        let ring = Ring { map, capacity: 0 };
        let meta = &ring.header().meta.0;
        if meta.magic.load(Ordering::Acquire) != MAGIC {
            return Ok(None);
        }
        let capacity = meta.capacity.load(Ordering::Relaxed);
        let fits = capacity >= 64
            && capacity.is_multiple_of(ALIGN)
            && capacity <= (size - HEADER_BYTES) as u64;
        Ok(fits.then_some(Ring { capacity, ..ring }))
    }

    fn header(&self) -> &Header {
        // SAFETY: the mapping is at least HEADER_BYTES long and page-aligned; the header is
        // made of atomics only, valid for any bytes.
        unsafe { self.map.at::<Header>(0) }
    }

    /// Bytes of the data area.
    pub fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// Bytes a record of `len` bytes takes, header and padding included.
    pub fn footprint(len: usize) -> usize {
        RECORD_HEADER + round_up(len as u64) as usize
    }

    pub fn set_wake_code(&self, code: u32) {
        self.header().meta.0.wake.store(code, Ordering::Release);
    }

    pub fn wake_code(&self) -> u32 {
        self.header().meta.0.wake.load(Ordering::Acquire)
    }

    /// The consumer is leaving (or has failed): a producer that waits for room should stop.
    pub fn close(&self) {
        self.header().meta.0.closed.store(1, Ordering::Release);
    }

    pub fn closed(&self) -> bool {
        self.header().meta.0.closed.load(Ordering::Acquire) != 0
    }

    /// The consumer is ready: a producer that waits for the go may start (the bench's clock
    /// runs from here).
    pub fn start(&self) {
        self.header().meta.0.started.store(1, Ordering::Release);
    }

    pub fn started(&self) -> bool {
        self.header().meta.0.started.load(Ordering::Acquire) != 0
    }

    /// Woken when a record is published (the consumer sleeps here).
    pub fn data(&self) -> &Waker {
        &self.header().data.0
    }

    /// Woken when room is made (the producer sleeps here).
    pub fn space(&self) -> &Waker {
        &self.header().space.0
    }

    pub fn report(&self) -> &Report {
        &self.header().report.0
    }

    pub fn producer(&self) -> Producer<'_> {
        Producer {
            ring: self,
            pos: 0,
            seq: 0,
            tail: 0,
        }
    }

    pub fn consumer(&self) -> Consumer<'_> {
        Consumer {
            ring: self,
            pos: 0,
            seq: 0,
        }
    }

    /// The commit word of the record at `off`.
    fn commit(&self, off: u64) -> &AtomicU64 {
        debug_assert!(off.is_multiple_of(ALIGN) && off < self.capacity);
        // SAFETY: `off` is 16-aligned and below the capacity, which is a multiple of 16
        // inside the mapping: the 16-byte record header lies inside it.
        unsafe { self.map.at::<AtomicU64>(HEADER_BYTES + off as usize) }
    }

    fn len(&self, off: u64) -> &AtomicU32 {
        // SAFETY: as for `commit`, 8 bytes further.
        unsafe { self.map.at::<AtomicU32>(HEADER_BYTES + off as usize + 8) }
    }

    fn payload(&self, off: u64) -> *mut u8 {
        // SAFETY: inside the mapping (see `commit`); callers check the length against the end.
        unsafe {
            self.map
                .base()
                .add(HEADER_BYTES + off as usize + RECORD_HEADER)
        }
    }
}

/// The ring makes no sense any more: the other side wrote a position or a length that cannot
/// be (it is not following the protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken {
    /// The length it wrote, when that is what was wrong.
    pub len: Option<u32>,
}

/// The writing side.
pub struct Producer<'a> {
    ring: &'a Ring,
    /// Bytes written since the start.
    pos: u64,
    /// Records committed.
    seq: u64,
    /// The consumer's position when last read.
    tail: u64,
}

impl Producer<'_> {
    /// Records committed so far.
    pub fn sent(&self) -> u64 {
        self.seq
    }

    /// True when `need` bytes are free.
    fn room(&mut self, need: u64) -> Result<bool, Broken> {
        let cap = self.ring.capacity;
        let free = |tail: u64| {
            self.pos
                .checked_sub(tail)
                .filter(|used| *used <= cap)
                .map(|used| cap - used)
        };
        if free(self.tail).is_some_and(|f| f >= need) {
            return Ok(true);
        }
        self.tail = self.ring.header().tail.0.load(Ordering::Acquire);
        let free = free(self.tail).ok_or(Broken { len: None })?;
        Ok(free >= need)
    }

    /// Writes and commits one record; `false` (nothing written) when there is no room now.
    /// `data` must fit the ring ([`Ring::max_record`]).
    pub fn try_send(&mut self, data: &[u8]) -> Result<bool, Broken> {
        let cap = self.ring.capacity;
        let len = data.len() as u64;
        let total = RECORD_HEADER as u64 + round_up(len);
        if total > cap || len > u64::from(u32::MAX) {
            return Err(Broken {
                len: Some(u32::try_from(len).unwrap_or(u32::MAX)),
            });
        }
        let mut off = self.pos % cap;
        let to_end = cap - off;
        let pad = if total > to_end { to_end } else { 0 };
        if !self.room(pad + total)? {
            return Ok(false);
        }
        let number = self.seq + 1;
        if pad > 0 {
            self.ring.commit(off).store(PAD | number, Ordering::Release);
            self.pos += pad;
            off = 0;
        }
        let ring = self.ring;
        ring.commit(off).store(WRITING | number, Ordering::Relaxed);
        ring.len(off).store(len as u32, Ordering::Relaxed);
        // SAFETY: the record's bytes lie inside the data area (total <= to_end, or the record
        // starts at 0 and total <= cap); the consumer has released them (room above) and
        // reads them only after the commit below, so nobody else touches them now.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), ring.payload(off), data.len()) };
        ring.commit(off).store(number, Ordering::Release);
        self.pos += total;
        self.seq = number;
        Ok(true)
    }
}

/// What the consumer found at its position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recv {
    /// A whole record of this many bytes, copied out.
    Record(usize),
    /// Nothing committed yet.
    Empty,
    /// The next record is begun but not committed: being written, or its producer died.
    Begun,
    /// The producer broke the protocol (a length that cannot be).
    Broken(Broken),
}

/// The reading side.
pub struct Consumer<'a> {
    ring: &'a Ring,
    pos: u64,
    seq: u64,
}

impl Consumer<'_> {
    /// Records received so far (the next one's number, counted from 0).
    pub fn received(&self) -> u64 {
        self.seq
    }

    /// True when the next record is committed (after a pad, at the start of the area: the pad
    /// is published first, and the record after it may still be being written).
    pub fn ready(&self) -> bool {
        let number = self.seq + 1;
        let off = self.pos % self.ring.capacity;
        match self.ring.commit(off).load(Ordering::Acquire) {
            word if word == number => true,
            word if word == PAD | number && off != 0 => {
                self.ring.commit(0).load(Ordering::Acquire) == number
            }
            _ => false,
        }
    }

    /// Copies the next record into `out`, if one is committed.
    pub fn try_recv(&mut self, out: &mut [u8]) -> Recv {
        let ring = self.ring;
        let cap = ring.capacity;
        let number = self.seq + 1;
        loop {
            let off = self.pos % cap;
            let word = ring.commit(off).load(Ordering::Acquire);
            // A pad at the start would send us round for ever.
            if word == PAD | number && off != 0 {
                self.pos += cap - off;
                continue;
            }
            if word == WRITING | number {
                return Recv::Begun;
            }
            if word != number {
                return Recv::Empty;
            }
            let len = ring.len(off).load(Ordering::Relaxed);
            let fits = RECORD_HEADER as u64 + u64::from(len) <= cap - off;
            if !fits || len as usize > out.len() {
                return Recv::Broken(Broken { len: Some(len) });
            }
            // SAFETY: the bytes lie inside the data area (checked just above); the acquire
            // load of the commit word makes every byte the producer wrote before committing
            // visible, and it writes no more until we release them below. A producer that
            // breaks the protocol can only give us wrong bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(ring.payload(off), out.as_mut_ptr(), len as usize)
            };
            self.pos += RECORD_HEADER as u64 + round_up(u64::from(len));
            self.seq = number;
            ring.header().tail.0.store(self.pos, Ordering::Release);
            return Recv::Record(len as usize);
        }
    }
}

impl Waker {
    /// The sleeper, before it sleeps: says so, and returns the futex word to sleep on. It must
    /// then look once more for work (a record, or room) before sleeping, and call [`done`]
    /// after.
    ///
    /// Why no wake-up is lost: the sleeper stores its flag and then looks; the other side
    /// stores its commit (or tail) and then looks at the flag; a full fence on each side
    /// between the store and the load means at least one of them sees the other's store. If
    /// the sleeper sees the work, it does not sleep; if the waker sees the flag, it changes
    /// the futex word before waking, so a sleeper that has not yet called `FUTEX_WAIT` finds
    /// the word changed and returns at once (`EAGAIN`).
    ///
    /// [`done`]: Waker::done
    pub fn prepare(&self) -> u32 {
        let seen = self.word.load(Ordering::Acquire);
        self.waiting.store(1, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        seen
    }

    pub fn done(&self) {
        self.waiting.store(0, Ordering::Relaxed);
    }

    /// The other side, after publishing: true when the sleeper must be woken.
    pub fn must_wake(&self) -> bool {
        fence(Ordering::SeqCst);
        self.waiting.load(Ordering::Relaxed) != 0
    }

    /// Changes the word and wakes the sleeper (`FUTEX_WAKE`).
    pub fn futex_wake(&self) {
        self.word.fetch_add(1, Ordering::Release);
        futex_wake(&self.word, 1);
    }

    /// Sleeps while the word is still `seen`, at most `timeout` (`FUTEX_WAIT`).
    pub fn futex_wait(&self, seen: u32, timeout: Duration) -> Result<(), Errno> {
        futex_wait(&self.word, seen, timeout)
    }
}

impl Report {
    /// The producer says who it is and what it has cost so far.
    pub fn set(&self, pid: u32, records: u64, user: Duration, system: Duration) {
        self.pid.store(pid, Ordering::Relaxed);
        self.records.store(records, Ordering::Relaxed);
        self.user_us
            .store(user.as_micros() as u64, Ordering::Relaxed);
        self.system_us
            .store(system.as_micros() as u64, Ordering::Release);
    }

    /// pid, records, user and system CPU time, as the producer last said (pid 0: never).
    pub fn get(&self) -> (u32, u64, Duration, Duration) {
        let system = Duration::from_micros(self.system_us.load(Ordering::Acquire));
        (
            self.pid.load(Ordering::Relaxed),
            self.records.load(Ordering::Relaxed),
            Duration::from_micros(self.user_us.load(Ordering::Relaxed)),
            system,
        )
    }
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;

    fn ring(capacity: usize) -> Ring {
        Ring::create(c"ipcdemo-test", capacity).unwrap().1
    }

    #[test]
    fn records_keep_their_boundaries_across_the_end_of_the_area() {
        let ring = ring(256);
        let mut producer = ring.producer();
        let mut consumer = ring.consumer();
        let mut out = vec![0u8; 256];
        for round in 0..100u32 {
            let record = vec![round as u8; (round % 50) as usize];
            assert!(producer.try_send(&record).unwrap(), "room at {round}");
            assert_eq!(consumer.try_recv(&mut out), Recv::Record(record.len()));
            assert_eq!(&out[..record.len()], &record[..]);
        }
        assert_eq!(consumer.try_recv(&mut out), Recv::Empty);
        assert_eq!(consumer.received(), 100);
    }

    #[test]
    fn a_full_ring_refuses_without_writing_and_takes_more_once_read() {
        let ring = ring(64);
        let mut producer = ring.producer();
        let mut consumer = ring.consumer();
        let mut out = [0u8; 64];
        assert!(producer.try_send(&[1; 16]).unwrap());
        assert!(producer.try_send(&[2; 16]).unwrap());
        assert!(!producer.try_send(&[3; 16]).unwrap(), "64 bytes hold two");
        assert_eq!(consumer.try_recv(&mut out), Recv::Record(16));
        assert!(producer.try_send(&[3; 16]).unwrap());
        assert_eq!(consumer.try_recv(&mut out), Recv::Record(16));
        assert_eq!(out[0], 2);
        assert_eq!(consumer.try_recv(&mut out), Recv::Record(16));
        assert_eq!(out[0], 3);
    }

    #[test]
    fn a_pad_alone_is_not_a_record_ready_to_read() {
        let ring = ring(64);
        let mut producer = ring.producer();
        let mut consumer = ring.consumer();
        let mut out = [0u8; 64];
        // 48 bytes taken and read: the next 32-byte record does not fit the last 16 bytes.
        assert!(producer.try_send(&[1; 32]).unwrap());
        assert_eq!(consumer.try_recv(&mut out), Recv::Record(32));
        // As the producer does it: the pad first, then the record at the start, begun.
        ring.commit(48).store(PAD | 2, Ordering::Release);
        ring.commit(0).store(WRITING | 2, Ordering::Relaxed);
        assert!(
            !consumer.ready(),
            "a pad with the record behind it still being written"
        );
        assert_eq!(consumer.try_recv(&mut out), Recv::Begun);
        ring.len(0).store(3, Ordering::Relaxed);
        ring.commit(0).store(2, Ordering::Release);
        assert!(consumer.ready());
        assert_eq!(consumer.try_recv(&mut out), Recv::Record(3));
    }

    #[test]
    fn a_begun_record_is_never_read_and_a_bad_length_is_refused() {
        let ring = ring(64);
        ring.commit(0).store(WRITING | 1, Ordering::Relaxed);
        let mut consumer = ring.consumer();
        let mut out = [0u8; 64];
        assert_eq!(consumer.try_recv(&mut out), Recv::Begun);
        ring.len(0).store(1000, Ordering::Relaxed);
        ring.commit(0).store(1, Ordering::Release);
        assert_eq!(
            consumer.try_recv(&mut out),
            Recv::Broken(Broken { len: Some(1000) })
        );
    }
}
