//! Lesson 4b, the writes that tear: several writers put fixed-size records into one pipe, each
//! record with one `write(2)`, and one reader checks whether any record came out interleaved
//! with another writer's bytes.
//!
//! The guarantee on show (`pipe(7)`): a write of at most `PIPE_BUF` (4096) bytes is atomic; it
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

use anyhow::{Context, Result, bail};
use nix::errno::Errno;
use nix::unistd::{getpid, pipe, read};
use serde::Serialize;

use crate::capacity::PIPE_BUF;
use crate::cli::AtomicArgs;
use crate::messages::Msg;
use crate::report::Reporter;
use crate::signals;
use crate::spam::write_message;

/// The record sizes `--sweep` runs: well below, at, just above and far above `PIPE_BUF`.
pub const SWEEP: [usize; 4] = [512, 4096, 4097, 65536];

/// What one run of one record size found.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AtomicRun {
    /// Bytes per record, each written with one write(2).
    pub record_size: usize,
    /// Writer threads sharing the pipe.
    pub writers: usize,
    /// Records written, all writers together.
    pub records_written: u64,
    /// Records whose bytes did not arrive contiguously.
    pub records_torn: u64,
    /// Bytes written but never read (always 0: a pipe loses nothing).
    pub bytes_lost: u64,
}

impl AtomicRun {
    pub fn within_pipe_buf(&self) -> bool {
        self.record_size <= PIPE_BUF
    }
}

pub fn run(args: &AtomicArgs, reporter: &Reporter) -> Result<()> {
    let sizes: Vec<usize> = if args.sweep {
        SWEEP.to_vec()
    } else {
        vec![args.record_size]
    };
    let pid = getpid().as_raw();
    let mut broken_promise = false;
    if !reporter.is_json() {
        reporter.table_line(&Msg::AtomicHeader)?;
    }
    for record_size in sizes {
        let result = measure(
            usize::from(args.writers),
            args.records,
            record_size,
            args.slow_reader,
        )?;
        if result.bytes_lost != 0 {
            bail!(
                "{} bytes of {record_size}-byte records were lost: that is a bug, not a lesson",
                result.bytes_lost
            );
        }
        broken_promise |= result.within_pipe_buf() && result.records_torn > 0;
        if reporter.is_json() {
            reporter.summary("atomic", pid, &result, &Msg::AtomicRow(&result))?;
        } else {
            reporter.table_line(&Msg::AtomicRow(&result))?;
        }
    }
    if broken_promise {
        bail!("a record of at most PIPE_BUF bytes tore: this kernel broke the promise of pipe(7)");
    }
    Ok(())
}

/// Runs `writers` threads of `records` records each against one reader.
pub fn measure(
    writers: usize,
    records: u64,
    record_size: usize,
    slow_reader: bool,
) -> Result<AtomicRun> {
    let (read_end, write_end) = pipe().context("creating the pipe")?;
    let reader = thread::Builder::new()
        .name("reader".into())
        .spawn(move || reassemble(&read_end, writers, record_size, slow_reader))
        .context("starting the reader thread")?;
    let written = thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = (0..writers)
            .map(|writer| {
                let write_end = &write_end;
                scope.spawn(move || write_records(write_end, writer, records, record_size))
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(result) => result?,
                Err(_) => bail!("a writer thread panicked"),
            }
        }
        Ok(())
    });
    // The writers only borrowed the one write end; closing it now is what lets the reader see
    // end of file. Without this drop the reader, and so this function, would wait for ever.
    drop(write_end);
    let check = match reader.join() {
        Ok(result) => result?,
        Err(_) => bail!("the reader thread panicked"),
    };
    written?;
    let expected = writers as u64 * records * record_size as u64;
    Ok(AtomicRun {
        record_size,
        writers,
        records_written: writers as u64 * records,
        records_torn: check.torn,
        bytes_lost: expected.saturating_sub(check.bytes),
    })
}

/// Every byte of a record carries its writer (high four bits, hence at most 16 writers) and
/// the record's sequence number mod 16 (low four bits), so the reader can tell whose bytes
/// these are and notice a lost or repeated record.
fn write_records(write_end: &OwnedFd, writer: usize, records: u64, size: usize) -> Result<()> {
    let mut record = vec![0u8; size];
    for seq in 0..records {
        record.fill(((writer as u8) << 4) | (seq % 16) as u8);
        // One write(2) per record: the whole point of the lesson.
        write_message(write_end, &record).context("writing a record")?;
        if signals::received().is_some() {
            break;
        }
    }
    Ok(())
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
    let mut buffer = vec![0u8; PIPE_BUF];
    loop {
        let n = match read(read_end, &mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e).context("reading records"),
        };
        result.bytes += n as u64;
        for &byte in &buffer[..n] {
            let writer = usize::from(byte >> 4);
            if writer >= writers || u64::from(byte & 0x0f) != seq[writer] % 16 {
                bail!("byte {byte:#04x} is not the next byte of any writer: the stream is corrupt");
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
