//! The seed's son: `Spam 000` … `Spam 004`, sleeping 0, 1, 2, 3, 4 ticks before each, and the
//! one-`write(2)`-per-message rule every son follows.

use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

use nix::errno::Errno;

use crate::messages::Msg;
use crate::report::{Event, Reporter, Role};
use crate::signals;

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
    pub fn wait_for_next(&mut self) -> Result<&[u8], signals::Interrupted> {
        signals::sleep(self.pause())?;
        Ok(self.next_message())
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
    /// When the send started, on the reporter's clock (for its `sent` line).
    pub stamp: f64,
    /// Messages sent before this one (for "the father went away after N").
    pub sent_before: u64,
}

/// The loop every son process runs: sleep the seed's pause, hand the message to `send` (which
/// writes it and prints its `sent` line, and whatever follows, such as an answer), until
/// `count` messages or a stop signal; then the son's summary on stderr.
pub fn run_son(
    count: Option<u64>,
    tick: Duration,
    reporter: &Reporter,
    mut send: impl FnMut(Outgoing<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let pid = nix::unistd::getpid().as_raw();
    let mut schedule = SpamSchedule::new(tick, true);
    let (mut sent, mut bytes) = (0u64, 0u64);
    let outcome = loop {
        if count.is_some_and(|n| sent >= n) {
            break Ok(());
        }
        let message = match schedule.wait_for_next() {
            Ok(message) => message,
            Err(stop) => break Err(stop.into()),
        };
        let stamp = reporter.now();
        let len = message.len() as u64;
        if let Err(e) = send(Outgoing {
            message,
            stamp,
            sent_before: sent,
        }) {
            break Err(e);
        }
        sent += 1;
        bytes += len;
    };
    // A son that finished or was stopped says what it sent; one that failed says why instead.
    if outcome.is_ok()
        || outcome
            .as_ref()
            .is_err_and(|e| e.is::<signals::Interrupted>())
    {
        reporter.note(&Msg::SonSummary {
            pid,
            messages: sent,
            bytes,
        });
    }
    outcome
}

/// Prints a son's `sent` line, stamped when the send began.
pub fn report_sent(reporter: &Reporter, out: &Outgoing<'_>) -> anyhow::Result<()> {
    let pid = nix::unistd::getpid().as_raw();
    let event = Event::Sent { data: out.message };
    reporter.event_at(out.stamp, Role::Son, pid, event)
}

/// Writes one message with one `write(2)`.
///
/// Up to `PIPE_BUF` (4096) bytes, `pipe(7)` promises a blocking write to a pipe or FIFO is
/// atomic: all of it lands together, never interleaved with another writer's bytes. A stream
/// socket promises no such thing, so the remainder of a short write is written after it,
/// keeping the byte accounting exact.
pub fn write_message(fd: impl AsFd, message: &[u8]) -> io::Result<()> {
    let mut written = 0;
    while written < message.len() {
        match nix::unistd::write(fd.as_fd(), &message[written..]) {
            Ok(n) => written += n,
            // Interrupted before any byte moved: try again unless we are asked to stop.
            Err(Errno::EINTR) if signals::received().is_none() => {}
            Err(errno) => return Err(errno.into()),
        }
    }
    Ok(())
}

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
