//! The seed's son: `Spam 000` … `Spam 004`, sleeping 0, 1, 2, 3, 4 ticks before each, and the
//! one-`write(2)`-per-message rule every son follows.

use std::os::fd::AsFd;
use std::time::Duration;

use nix::errno::Errno;

use crate::event::{Data, Error, Event, Outcome, Result, Role, Sink, Summary};
use crate::sys::signals;

/// The messages and sleeps of the notebook's `son()`: `zzz = (zzz + 1) % 5`.
#[derive(Debug, Clone)]
pub struct SpamSchedule {
    zzz: u32,
    tick: Duration,
    newline: bool,
    /// Room for `Spam 000\n`; reused so a son allocates nothing per message.
    buffer: [u8; 9],
}

impl SpamSchedule {
    /// `newline`: the FIFO and socket sons end each message with `\n`; the anon son does not.
    pub fn new(tick: Duration, newline: bool) -> Self {
        SpamSchedule {
            zzz: 0,
            tick,
            newline,
            buffer: *b"Spam 000\n",
        }
    }

    /// How long to sleep before the next message.
    pub fn pause(&self) -> Duration {
        self.tick * self.zzz
    }

    /// The next message, then advances `zzz`.
    pub fn next_message(&mut self) -> &[u8] {
        let digits = format_zzz(self.zzz);
        self.buffer[5..8].copy_from_slice(&digits);
        self.zzz = (self.zzz + 1) % 5;
        if self.newline {
            &self.buffer
        } else {
            &self.buffer[..8]
        }
    }

    /// Sleeps the seed's pause (interrupted by Ctrl-C), then returns the next message.
    pub fn wait_for_next(&mut self) -> Result<&[u8], signals::Stopped> {
        signals::sleep(self.pause())?;
        Ok(self.next_message())
    }

    /// The same, but `None` as soon as `done` is set (the father stopped reading).
    pub fn wait_for_next_unless(
        &mut self,
        done: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<Option<&[u8]>, signals::Stopped> {
        if !signals::sleep_unless(self.pause(), done)? {
            return Ok(None);
        }
        Ok(Some(self.next_message()))
    }
}

fn format_zzz(zzz: u32) -> [u8; 3] {
    let z = zzz % 1000;
    [
        b'0' + (z / 100) as u8,
        b'0' + (z / 10 % 10) as u8,
        b'0' + (z % 10) as u8,
    ]
}

/// What a son's `send` step is told about the message it must send.
pub struct Outgoing<'a> {
    pub message: &'a [u8],
    /// Messages sent before this one (for "the father went away after N").
    pub sent_before: u64,
    /// Set by `send` once the message is written, even if it then fails waiting for an answer:
    /// it was sent all the same.
    pub written: &'a std::cell::Cell<bool>,
}

/// The loop every son process runs (`newline`: end each message with one, as the FIFO and
/// socket sons do): sleep the seed's pause, report the `sent` event, hand the message to `send` (which writes it, and reports whatever follows, such as an answer), until
/// `count` messages or a stop signal; then the son's summary.
pub fn run_son(
    count: Option<u64>,
    tick: Duration,
    newline: bool,
    sink: &dyn Sink,
    mut send: impl FnMut(Outgoing<'_>) -> Result<()>,
) -> Outcome {
    let pid = nix::unistd::getpid().as_raw();
    let mut schedule = SpamSchedule::new(tick, newline);
    let (mut sent, mut bytes) = (0u64, 0u64);
    let outcome = loop {
        if count.is_some_and(|n| sent >= n) {
            break Ok(());
        }
        let message = match schedule.wait_for_next() {
            Ok(message) => message,
            Err(stop) => break Err(stop.into()),
        };
        // The `sent` line goes out just before the write(2), stamped then: the father's
        // `received` line can never appear before it on screen, even in two terminals.
        let stamp = sink.now();
        let len = message.len() as u64;
        let event = Event::Sent {
            data: Data(message),
        };
        if let Err(e) = sink.event(stamp, Role::Son, pid, event) {
            break Err(e);
        }
        let written = std::cell::Cell::new(false);
        let result = send(Outgoing {
            message,
            sent_before: sent,
            written: &written,
        });
        if result.is_ok() || written.get() {
            sent += 1;
            bytes += len;
        }
        if let Err(e) = result {
            break Err(e);
        }
    };
    // A son that finished or was stopped says what it sent; one that failed says why instead.
    let summaries = match outcome {
        Ok(()) | Err(Error::Stopped(_)) => vec![Summary::Sent {
            messages: sent,
            bytes,
        }],
        Err(_) => Vec::new(),
    };
    Outcome::new(summaries, outcome)
}

/// A son stopped before it could send anything (blocked in `open(2)` or `connect(2)`) still
/// says so; one that failed says why instead.
pub fn son_never_started(error: Error) -> Outcome {
    let summaries = match error {
        Error::Stopped(_) => vec![Summary::Sent {
            messages: 0,
            bytes: 0,
        }],
        _ => Vec::new(),
    };
    Outcome::new(summaries, Err(error))
}

/// Writes one message with one `write(2)`.
///
/// Up to `PIPE_BUF` bytes (4096 on Linux), `pipe(7)` promises a blocking write to a pipe or FIFO is
/// atomic: all of it lands together, never interleaved with another writer's bytes. A stream
/// socket promises no such thing, so the remainder of a short write is written after it,
/// keeping the byte accounting exact.
pub fn write_message(fd: impl AsFd, message: &[u8]) -> nix::Result<()> {
    let mut written = 0;
    while written < message.len() {
        match nix::unistd::write(fd.as_fd(), &message[written..]) {
            // A signal that interrupts a large write after some bytes moved makes it return
            // short, not fail: without this check a stop would wait for the whole message.
            Ok(n) if written + n < message.len() && signals::received().is_some() => {
                return Err(Errno::EINTR);
            }
            Ok(n) => written += n,
            // Interrupted before any byte moved: try again unless we are asked to stop.
            Err(Errno::EINTR) if signals::received().is_none() => {}
            Err(errno) => return Err(errno),
        }
    }
    Ok(())
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_notebook_pattern() {
        let mut schedule = SpamSchedule::new(Duration::from_millis(10), false);
        let mut seen = Vec::new();
        for _ in 0..6 {
            let pause = schedule.pause();
            seen.push((pause.as_millis(), schedule.next_message().to_vec()));
        }
        assert_eq!(seen[0], (0, b"Spam 000".to_vec()));
        assert_eq!(seen[4], (40, b"Spam 004".to_vec()));
        assert_eq!(seen[5], (0, b"Spam 000".to_vec()));
        let mut lines = SpamSchedule::new(Duration::ZERO, true);
        assert_eq!(lines.next_message(), b"Spam 000\n");
    }
}
