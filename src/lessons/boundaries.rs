//! Counting reads against message boundaries: the measurement behind every summary's
//! "n reads held several messages". Pure bookkeeping, no I/O.

use crate::event::ReadCounts;

/// Where one message ends and the next begins, in the bytes a son wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Every message has this many bytes (`Spam 000` is 8, no newline, as in the seed).
    Fixed(usize),
    /// Every message ends with `\n`.
    Newline,
    /// Every read is one whole record (`SOCK_SEQPACKET`), perhaps cut short by the reader.
    Record,
}

/// Follows a byte stream read by read and classifies each read.
#[derive(Debug, Clone)]
pub struct BoundaryCounter {
    framing: Framing,
    /// Bytes of the current, unfinished message seen so far.
    into_message: usize,
    counts: ReadCounts,
}

impl BoundaryCounter {
    pub fn new(framing: Framing) -> Self {
        BoundaryCounter {
            framing,
            into_message: 0,
            counts: ReadCounts::default(),
        }
    }

    /// A read that kept `data` of `full` bytes: all of it on a stream, where nothing is
    /// discarded; on a seqpacket socket one record, perhaps cut short by a smaller read size
    /// (`MSG_TRUNC` tells the real length), one message either way.
    pub fn record_of(&mut self, data: &[u8], full: usize) -> u64 {
        if self.framing != Framing::Record {
            return self.record(data);
        }
        let s = &mut self.counts;
        s.reads += 1;
        s.messages += 1;
        s.bytes += data.len() as u64;
        if full > data.len() {
            s.reads_part_message += 1;
            s.bytes_discarded += (full - data.len()) as u64;
        } else {
            s.reads_one_message += 1;
        }
        1
    }

    /// Records the bytes one `read(2)` returned; returns how many messages it completed.
    pub fn record(&mut self, data: &[u8]) -> u64 {
        if self.framing == Framing::Record {
            return self.record_of(data, data.len());
        }
        if data.is_empty() {
            return 0;
        }
        let started_at_boundary = self.into_message == 0;
        let completed = match self.framing {
            Framing::Fixed(len) => {
                let total = self.into_message + data.len();
                self.into_message = total % len;
                total / len
            }
            Framing::Newline => {
                let newlines = data.iter().filter(|&&b| b == b'\n').count();
                self.into_message = match data.iter().rposition(|&b| b == b'\n') {
                    Some(last) => data.len() - last - 1,
                    None => self.into_message + data.len(),
                };
                newlines
            }
            Framing::Record => 0,
        } as u64;
        let ends_at_boundary = self.into_message == 0;
        let pieces = completed + u64::from(!ends_at_boundary);
        let s = &mut self.counts;
        s.reads += 1;
        s.bytes += data.len() as u64;
        s.messages += completed;
        if pieces >= 2 {
            s.reads_several_messages += 1;
        } else if started_at_boundary && ends_at_boundary {
            s.reads_one_message += 1;
        } else {
            s.reads_part_message += 1;
        }
        completed
    }

    pub fn counts(&self) -> ReadCounts {
        self.counts
    }
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_fixed_messages_count_as_several() {
        let mut counter = BoundaryCounter::new(Framing::Fixed(8));
        assert_eq!(counter.record(b"Spam 003"), 1);
        assert_eq!(counter.record(b"Spam 004Spam 000"), 2);
        assert_eq!(counter.record(b"Spam"), 0);
        assert_eq!(counter.record(b" 001"), 1);
        let s = counter.counts();
        assert_eq!((s.messages, s.bytes, s.reads), (4, 32, 4));
        assert_eq!(s.reads_one_message, 1);
        assert_eq!(s.reads_several_messages, 1);
        assert_eq!(s.reads_part_message, 2);
    }

    #[test]
    fn newline_messages_split_anywhere() {
        let mut counter = BoundaryCounter::new(Framing::Newline);
        counter.record(b"Spam 000\n");
        counter.record(b"Spam 001\nSp");
        counter.record(b"am 002\n");
        let s = counter.counts();
        assert_eq!((s.messages, s.reads_one_message), (3, 1));
        assert_eq!((s.reads_several_messages, s.reads_part_message), (1, 1));
    }
}
