//! The writes that tear (lesson 7 of the map): several writers put fixed-size records into one pipe, each
//! record with one `write(2)`, and one reader checks whether any record came out interleaved
//! with another writer's bytes.
//!
//! The guarantee on show (`pipe(7)`): a write of at most `PIPE_BUF` bytes (4096 on Linux) is atomic; it
//! lands contiguously even with many writers. Above that the kernel may split a blocking write
//! wherever the buffer fills, and another writer's bytes can land in the gap. Linux copies a
//! page at a time, so tears happen at page boundaries, more often the busier the pipe.
//!
//! How it blocks: every writer sleeps while the 64 KiB buffer is full; the reader must keep
//! reading or all of them wait for ever. End of file comes only when the last writer's
//! descriptor closes, which is why each writer thread borrows one shared write end and the
//! main thread drops it after they all finish.

use std::os::fd::OwnedFd;
use std::thread;
use std::time::Duration;

use nix::errno::Errno;
use nix::unistd::{pipe, read};

use super::spam::write_message;
use crate::event::{AtomicRun, Error, Outcome, Progress, Result, Sink, Summary};
use crate::sys::{Context, Doing, pipe_buf, signals};

/// What `ipcdemo atomic` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Writer threads sharing the pipe (at most 16: a byte carries its writer in four bits).
    pub writers: usize,
    /// Record sizes to run, one table row each.
    pub record_sizes: Vec<usize>,
    /// Records each writer writes.
    pub records: u64,
    /// The reader naps between reads, so the pipe stays full.
    pub slow_reader: bool,
}

/// The record sizes `--sweep` runs: well below, at, just above and far above `PIPE_BUF`.
pub fn sweep_sizes() -> Vec<usize> {
    let pipe_buf = pipe_buf();
    vec![pipe_buf / 8, pipe_buf, pipe_buf + 1, 65536]
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    let mut runs = Vec::new();
    let mut end = Ok(());
    let steps = config.record_sizes.len();
    for (step, &record_size) in config.record_sizes.iter().enumerate() {
        // A sweep with --slow-reader takes half a minute: a sign of life on a terminal.
        sink.progress(Progress::Atomic {
            step: step + 1,
            steps,
            record_size,
        });
        match measure(config, record_size) {
            Ok((run, stopped)) => {
                runs.push(Summary::Atomic(run));
                if let Some(stop) = stopped {
                    end = Err(stop);
                    break;
                }
                if run.bytes_lost != 0 {
                    end = Err(Error::BytesLost {
                        record_size,
                        lost: run.bytes_lost,
                    });
                    break;
                }
                if run.within_pipe_buf() && run.records_torn > 0 {
                    end = Err(Error::PipeBufBroken {
                        pipe_buf: run.pipe_buf_bytes,
                    });
                }
            }
            Err(e) => {
                end = Err(e);
                break;
            }
        }
    }
    sink.progress(Progress::Done);
    Outcome::new(runs, end)
}

/// Runs `config.writers` threads of `config.records` records each against one reader; a stop
/// signal ends the writers early, and the run counts what they really wrote.
fn measure(config: &Config, record_size: usize) -> Result<(AtomicRun, Option<Error>)> {
    let (writers, records) = (config.writers, config.records);
    let (read_end, write_end) = pipe().doing(Doing::CreatingPipe)?;
    let slow_reader = config.slow_reader;
    let reader = thread::Builder::new()
        .name("reader".into())
        .spawn(move || reassemble(&read_end, writers, record_size, slow_reader))
        .doing(Doing::StartingThread)?;
    let written = thread::scope(|scope| -> Result<u64> {
        let handles: Vec<_> = (0..writers)
            .map(|writer| {
                let write_end = &write_end;
                scope.spawn(move || {
                    // Blocked on a full pipe behind a slow reader, a writer must yield to a stop.
                    let _kick = signals::kick_this_thread();
                    write_records(write_end, writer, records, record_size)
                })
            })
            .collect();
        let mut total = 0;
        let mut failed = None;
        for handle in handles {
            match handle.join() {
                Ok(Ok(n)) => total += n,
                Ok(Err(e)) => failed = failed.or(Some(e)),
                Err(_) => failed = failed.or(Some(Error::SonThreadPanicked)),
            }
        }
        failed.map_or(Ok(total), Err)
    });
    // The writers only borrowed the one write end; closing it now is what lets the reader see
    // end of file. Without this drop the reader, and so this function, would wait for ever.
    drop(write_end);
    let check = match reader.join() {
        Ok(result) => result?,
        Err(_) => return Err(Error::SonThreadPanicked),
    };
    let records_written = written?;
    let expected = records_written * record_size as u64;
    let run = AtomicRun {
        record_size,
        writers,
        records_written,
        records_torn: check.torn,
        bytes_lost: expected.saturating_sub(check.bytes),
        pipe_buf_bytes: pipe_buf(),
        stopped: signals::received().is_some(),
    };
    Ok((run, signals::received().map(Error::Stopped)))
}

/// Every byte of a record carries its writer (high four bits, hence at most 16 writers) and
/// the record's sequence number mod 16 (low four bits), so the reader can tell whose bytes
/// these are and notice a lost or repeated record. Returns how many records went out whole.
fn write_records(write_end: &OwnedFd, writer: usize, records: u64, size: usize) -> Result<u64> {
    let mut record = vec![0u8; size];
    for seq in 0..records {
        if signals::received().is_some() {
            return Ok(seq);
        }
        record.fill(((writer as u8) << 4) | (seq % 16) as u8);
        // One write(2) per record: the whole point of the lesson.
        match write_message(write_end, &record) {
            Ok(()) => {}
            // A stop signal cut the write short: part of this record may be in the pipe.
            Err(Errno::EINTR) => return Ok(seq),
            Err(e) => return Err(Error::call(Doing::WritingRecords, e)),
        }
    }
    Ok(records)
}

#[derive(Debug, Default)]
struct Reassembly {
    bytes: u64,
    torn: u64,
}

/// Reads everything and follows each writer's records through the stream. A record is torn
/// when its bytes arrive in more than one run; a wrong sequence nibble is corruption.
fn reassemble(
    read_end: &OwnedFd,
    writers: usize,
    record_size: usize,
    slow_reader: bool,
) -> Result<Reassembly> {
    let mut into_record = vec![0usize; writers];
    let mut seq = vec![0u64; writers];
    let mut interrupted = vec![false; writers];
    let mut current: Option<usize> = None;
    let mut result = Reassembly::default();
    // A page at a time, as most readers do: the pipe drains gradually and writers race.
    let mut buffer = vec![0u8; pipe_buf()];
    loop {
        let n = match read(read_end, &mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(Error::call(Doing::ReadingRecords, e)),
        };
        for &byte in &buffer[..n] {
            let writer = usize::from(byte >> 4);
            if writer >= writers || u64::from(byte & 0x0f) != seq[writer] % 16 {
                return Err(Error::CorruptRecords { byte });
            }
            if current != Some(writer) {
                // A new run starts inside this writer's record: another writer cut into it.
                if into_record[writer] != 0 {
                    interrupted[writer] = true;
                }
                current = Some(writer);
            }
            into_record[writer] += 1;
            if into_record[writer] == record_size {
                into_record[writer] = 0;
                seq[writer] += 1;
                result.bytes += record_size as u64;
                if std::mem::take(&mut interrupted[writer]) {
                    result.torn += 1;
                }
            }
        }
        if slow_reader {
            thread::sleep(Duration::from_millis(1));
        }
    }
    Ok(result)
}
