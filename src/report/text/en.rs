//! English.

use std::path::Path;

use nix::errno::Errno;

use super::{
    Fact, ModePart, PlotWord, Reading, TimelineWord, Words, command_line, count, fd_list,
    held_list, human_bytes, limit, mq_command, receive_command, shm_son_command,
    signal_kill_command, signal_son_command, sized, son_command, son_name,
};
use crate::bench::model::{BenchNote, FanIn, Measure, Mechanism, Unsupported, Wake};
use crate::event::{
    AlarmReport, AtomicRun, CapacityReport, Channel, CpuReport, CrashReport, Deadlock, Error,
    Event, ExecReport, LeakReport, LinuxOnly, Note, Partial, PingPongReport, PipeFill, ProcessEnd,
    QueueReport, ReadCounts, Role, SignalReport, Sleeper, Stall, SyncMode, Waits, Why,
};
use crate::report::lessons::Lesson;
use crate::sys::mqueue::{Limits, Size};
use crate::sys::pipesize::PipeSizeError;
use crate::sys::procfd::PipeEnd;
use crate::sys::{Doing, FileKind, Object, Refusal};

pub struct En;

/// The name of a pipe's end.
fn end_name(end: PipeEnd) -> &'static str {
    match end {
        PipeEnd::Read => "read end",
        PipeEnd::Write => "write end",
        PipeEnd::ReadWrite => "read-write end",
    }
}

/// A mechanism, with its article.
fn the(mechanism: Mechanism) -> &'static str {
    match mechanism {
        Mechanism::Pipe => "the pipe",
        Mechanism::Fifo => "the FIFO",
        Mechanism::UnixStream => "the Unix socket",
        Mechanism::UnixSeqpacket => "the seqpacket socket",
        Mechanism::Socketpair => "the socketpair",
        Mechanism::Tcp => "the TCP connection",
        Mechanism::Signal => "the signal",
        Mechanism::Mq => "the message queue",
        Mechanism::Shm => "the shared memory",
        Mechanism::Eventfd => "the eventfd",
    }
}

fn show_or(path: Option<&Path>, otherwise: &str) -> String {
    path.map_or_else(|| otherwise.to_string(), |p| p.display().to_string())
}

/// `desc (NAME)`: the system's words for an errno, then its name to search for.
fn errno(e: Errno) -> String {
    format!("{} ({e:?})", e.desc())
}

fn show(path: Option<&Path>) -> String {
    path.map_or_else(|| "the file".to_string(), |p| p.display().to_string())
}

/// A state letter of /proc/<pid>/stat, in words.
fn state(letter: Option<char>) -> String {
    match letter {
        Some('R') => "R, running".into(),
        Some('S') => "S, asleep".into(),
        Some('D') => "D, in uninterruptible sleep".into(),
        Some('T') => "T, stopped".into(),
        Some('t') => "t, traced".into(),
        Some('Z') => "Z, a zombie".into(),
        Some('X') => "X, dead".into(),
        Some('I') => "I, idle".into(),
        Some(other) => other.to_string(),
        None => "state unknown".into(),
    }
}

/// Where a side sleeps: `anon_pipe_read (S, asleep)`.
fn place(s: &Sleeper) -> String {
    let wchan = s
        .wchan
        .as_deref()
        .unwrap_or("a place the kernel does not name");
    format!("{wchan} ({})", state(s.state))
}

/// How full a pipe is: `65536 of 65536 bytes`.
fn fill(f: &PipeFill) -> String {
    let size = f
        .size_bytes
        .map_or_else(|| "?".to_string(), |s| s.to_string());
    match f.held_bytes {
        Some(held) => format!("{held} of {size} bytes"),
        None => format!("? of {size} bytes (our end is closed)"),
    }
}

/// What the father waits for.
fn father_waits(waits: Waits) -> &'static str {
    match waits {
        Waits::Reading => "for an answer, in read(2)",
        Waits::Writing => "for room to write, in write(2)",
        Waits::Elsewhere => "for the son to exit",
    }
}

impl En {
    /// How far a son got before it stopped reading.
    fn son_progress(&self, sent_lines: u64, sent_bytes: u64, answered: Option<u64>) -> String {
        match answered {
            Some(_) if sent_lines == 0 => "before the first line reached it".into(),
            Some(answered) => format!(
                "after answering {answered} of {}",
                count(sent_lines, "line", "lines")
            ),
            None => format!("after {} of its input", count(sent_bytes, "byte", "bytes")),
        }
    }

    fn deadlock(&self, program: &[String], stall: &Stall, written: u64) -> String {
        let cmd = command_line(program);
        let son = stall.son_sleeps.pid;
        let waited = self.duration(stall.stall);
        match stall.deadlock {
            Deadlock::Buffering => format!(
                "deadlock: for {waited} no byte moved, and both sides sleep in read(2): the \
                 father waits for son {son}'s answer, son {son} (`{cmd}`) waits for more input. \
                 Its answer is most likely sitting in its output buffer: C stdio (and Python, \
                 and tr) buffer a stdout that is not a terminal in blocks of several KiB, and \
                 send a block only when it is full or at exit (setvbuf(3)). The son was killed \
                 to end the run.\nfixes: the son flushes after each line (fflush(3), \
                 sys.stdout.flush(), `python3 -u`), or is made line-buffered from outside \
                 (`stdbuf -oL {cmd}`), or runs on a pseudo-terminal, where stdio buffers by line \
                 (script(1), pty(7)); or the father closes the son's stdin once it has said \
                 everything, and reads the answers then"
            ),
            Deadlock::FullPipes => format!(
                "deadlock: for {waited} no byte moved, and both sides sleep in write(2): the \
                 father, after writing {} of son {son}'s input, and son {son} (`{cmd}`), writing \
                 output the father reads only once it has written everything. Both pipes are \
                 full: the stdin pipe holds {}, the stdout pipe {} (sizes from F_GETPIPE_SZ; a pipe counts whole pages, and one partly read still takes its room), so neither \
                 write(2) can finish until the other side reads, and neither will (pipe(7)). \
                 The son was killed to end the run.\nfixes: read while writing: a second \
                 thread (`ipcdemo exec --big --fix`) or poll(2) on both pipes, as Python's \
                 subprocess communicate() does; or write the input to a file first",
                count(written, "byte", "bytes"),
                fill(&stall.input_pipe),
                fill(&stall.output_pipe)
            ),
            Deadlock::Neither => format!(
                "no byte moved for {waited} while the father waited {}, but son {son} \
                 (`{cmd}`) is in {}, not in a pipe: so not one of the two classic deadlocks \
                 between the father and the son itself (a program the son started may be in \
                 one), or the son is slow. It was killed, with its process group, to end the \
                 run; if it only needs time, give it longer with --stall (like --stall 10s)",
                father_waits(stall.father_sleeps.waits),
                place(&stall.son_sleeps)
            ),
        }
    }
}

fn queue(path: Option<&Path>) -> String {
    path.map_or_else(|| "the queue".to_string(), |p| p.display().to_string())
}

/// RLIMIT_MSGQUEUE in bytes, or its absence.
fn rlimit(limits: &Limits) -> String {
    match limits.rlimit_bytes {
        Some(u64::MAX) => "unlimited".into(),
        Some(bytes) => count(bytes, "byte", "bytes"),
        None => "? bytes".into(),
    }
}

/// The size asked of a new queue.
fn asked(size: Size) -> String {
    format!(
        "{} of {}",
        count(size.max_messages, "message", "messages"),
        count(size.message_size as u64, "byte", "bytes")
    )
}

impl Words for En {
    fn code(&self) -> &'static str {
        "en"
    }

    fn decimal_mark(&self) -> char {
        '.'
    }

    fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Father => "Father",
            Role::Son => "Son",
        }
    }

    fn event(&self, who: &str, pid: i32, time: &str, event: &Event<'_>) -> Option<String> {
        Some(match *event {
            Event::Received {
                data,
                son,
                partial,
                record_bytes,
                priority,
                queued,
                timing: _,
                record: _,
            } => {
                let data = data.escaped();
                let mut line = format!("{who} {pid} received [{data}]");
                if let Some(son) = son.map(son_name) {
                    line.push_str(&format!(" from son {son}"));
                }
                if let Some(priority) = priority {
                    line.push_str(&format!(" with priority {priority}"));
                }
                if let Some(queued) = queued {
                    line.push_str(&format!(" ({queued} left in the queue)"));
                }
                line.push_str(&format!(" at {time}"));
                match partial {
                    Some(Partial::WriterLeft) => {
                        line.push_str(" (partial: the writer left without a newline)")
                    }
                    Some(Partial::LongLine) => {
                        line.push_str(" (partial: a piece of a longer line; the rest follows)")
                    }
                    None => {}
                }
                if let Some(full) = record_bytes {
                    line.push_str(&format!(
                        " (cut short: the record had {full} bytes; the kernel discarded the rest)"
                    ));
                }
                line
            }
            Event::Sent {
                data,
                priority: None,
                ..
            } => format!("{who} {pid} sent [{}] at {time}", data.escaped()),
            Event::Sent {
                data,
                priority: Some(priority),
                ..
            } => format!(
                "{who} {pid} sent [{}] with priority {priority} at {time}",
                data.escaped()
            ),
            Event::Accepted { son, uid } => {
                let son = son_name(son);
                match uid {
                    Some(uid) => format!("{who} {pid} accepted son {son} (uid {uid})"),
                    None => {
                        format!("{who} {pid} accepted son {son} (TCP: an address, no credentials)")
                    }
                }
            }
            Event::Left { son } => {
                let son = son_name(son);
                format!("{who} {pid} saw son {son} hang up at {time}")
            }
            Event::Answered { data, rtt_us } => format!(
                "{who} {pid} got the answer [{}] after {} µs",
                data.escaped(),
                self.num(rtt_us, 1)
            ),
            Event::Eof | Event::Listening { .. } | Event::Lanes { .. } | Event::Read { .. } => {
                return None;
            }
            Event::Started { son, program } => format!(
                "{who} {pid} started son {son} (`{}`), its stdin and stdout on two pipes, at \
                 {time}",
                command_line(program)
            ),
            Event::InputWritten { son, total } => format!(
                "{who} {pid} has written {} into son {son}'s stdin at {time}",
                count(total, "byte", "bytes")
            ),
            Event::OutputRead { son, total } => format!(
                "{who} {pid} has read {} from son {son}'s stdout at {time}",
                count(total, "byte", "bytes")
            ),
            Event::Stalled(stall) => format!(
                "{who} {pid} saw no byte move for {} at {time}: the father sleeps in {}, son {} \
                 in {}; the son's stdin pipe holds {}, its stdout pipe {}; killing son {} \
                 (SIGKILL)",
                self.duration(stall.stall),
                place(&stall.father_sleeps),
                stall.son_sleeps.pid,
                place(&stall.son_sleeps),
                fill(&stall.input_pipe),
                fill(&stall.output_pipe),
                stall.son_sleeps.pid
            ),
            Event::OwnerDead => format!(
                "{who} {pid} got EOWNERDEAD at {time}: the lock's owner died holding it; \
                 pthread_mutex_consistent(3) made it usable again, so nobody waits for ever"
            ),
            Event::TurnedAway { son, connected } => format!(
                "{who} {pid} turned son {} away at {time}: son {connected} is connected, and a \
                 ring has one writer",
                son_name(son)
            ),
            Event::Uncommitted { son, record } => format!(
                "{who} {pid} dropped record {record} of son {} at {time}: begun but never \
                 committed (the son died writing it), so never shown torn",
                son_name(son)
            ),
            Event::Filled {
                asked,
                bytes,
                held,
                partial: false,
            } => {
                let _ = asked;
                format!(
                    "{who} {pid} wrote {}; the pipe holds {held} at {time}",
                    count(bytes as u64, "byte", "bytes")
                )
            }
            Event::Filled {
                asked,
                bytes,
                held,
                partial: true,
            } => format!(
                "{who} {pid} asked to write {asked} bytes, the kernel took {bytes} (partial \
                 write); the pipe holds {held} at {time}"
            ),
            Event::WouldBlock { asked, held } => format!(
                "{who} {pid} would block: a write(2) of {} was refused with EAGAIN; the pipe \
                 holds {} at {time}",
                count(asked as u64, "byte", "bytes"),
                count(held, "byte", "bytes")
            ),
            Event::SignalSent {
                signal,
                target: to,
                value,
            } => match value {
                Some(v) => format!(
                    "{who} {pid} sent {} with value {v} to process {to} at {time}",
                    signal.name()
                ),
                None => format!(
                    "{who} {pid} sent {} to process {to} at {time}",
                    signal.name()
                ),
            },
            Event::SignalReceived {
                signal,
                sender: from,
                value,
            } => match value {
                Some(v) => format!(
                    "{who} {pid} received {} with value {v} from process {from} at {time}",
                    signal.name()
                ),
                None => format!(
                    "{who} {pid} received {} from process {from} at {time}",
                    signal.name()
                ),
            },
            Event::SignalRefused {
                signal,
                target: to,
                value,
            } => format!(
                "{who} {pid} could not queue {} with value {value} to process {to}: sigqueue(3) failed \
                 with EAGAIN (the queue is full) at {time}",
                signal.name()
            ),
            Event::AlarmSet { seconds } => {
                format!("{who} {pid} called alarm({seconds}) and pauses until SIGALRM at {time}")
            }
            Event::AlarmRang { seconds, waited_s } => format!(
                "{who} {pid} woke: SIGALRM came {} s after alarm({seconds}) at {time}",
                self.num(waited_s, 3)
            ),
            Event::PipeMade {
                inode,
                read_fd,
                write_fd,
                cloexec,
            } => format!(
                "{who} {pid} made pipe:[{inode}]: fd {read_fd} reads, fd {write_fd} writes ({})",
                if cloexec {
                    "pipe2 with O_CLOEXEC: both close on execve"
                } else {
                    "pipe(2): neither closes on execve"
                }
            ),
            Event::Forked { son, exec: false } => format!("{who} {pid} forked son {son}"),
            Event::Forked { son, exec: true } => format!(
                "{who} {pid} forked son {son}, which called execve(2): another program now, with \
                 the descriptors it kept"
            ),
            Event::Holds {
                holder,
                command,
                fd,
                end,
                cloexec,
                inode,
            } => format!(
                "{who} {pid}: pid {holder} ({command}) holds fd {fd}, the {} of pipe:[{inode}]{}",
                end_name(end),
                if cloexec { " (close-on-exec)" } else { "" }
            ),
            Event::HoldsNothing { holder, inode } => {
                format!("{who} {pid}: pid {holder} holds no descriptor of pipe:[{inode}]")
            }
            Event::Closed { fd, end } => {
                format!("{who} {pid} closed fd {fd}, its {}", end_name(end))
            }
            Event::Reaped { son, end } => {
                format!(
                    "{who} {pid} reaped son {son}, which {}",
                    self.process_end(end)
                )
            }
            Event::EndOfFile { inode } => {
                format!("{who} {pid} read end of file on pipe:[{inode}] at {time}")
            }
            Event::NoEndOfFile {
                inode,
                waited_ms: 0,
            } => format!(
                "{who} {pid}: no end of file on pipe:[{inode}]: a write end is still open \
                 somewhere"
            ),
            Event::NoEndOfFile { inode, waited_ms } => format!(
                "{who} {pid}: still no end of file on pipe:[{inode}] after {}",
                self.duration(std::time::Duration::from_millis(waited_ms))
            ),
            Event::Passed { fd, inode, son } => format!(
                "{who} {pid} passed fd {fd}, the write end of pipe:[{inode}], to son {son} \
                 (SCM_RIGHTS, with its credentials in SCM_CREDENTIALS)"
            ),
            Event::GotDescriptor {
                fd,
                inode,
                sender_pid,
                sender_uid,
            } => match (sender_pid, sender_uid) {
                (Some(sender), Some(uid)) => format!(
                    "{who} {pid} received fd {fd}, pipe:[{inode}] in /proc/self/fd, from pid \
                     {sender} (uid {uid}, as SCM_CREDENTIALS says)"
                ),
                _ => format!(
                    "{who} {pid} received fd {fd}, pipe:[{inode}] in /proc/self/fd, with no \
                     credentials"
                ),
            },
            Event::Killed {
                son,
                mechanism,
                in_write: true,
            } => format!(
                "{who} {pid} sent SIGKILL to son {son} inside its write(2) into {}",
                the(mechanism)
            ),
            Event::Killed {
                son,
                mechanism,
                in_write: false,
            } => format!(
                "{who} {pid} sent SIGKILL to son {son} while it wrote into {} (/proc would not \
                 say whether it was inside write(2))",
                the(mechanism)
            ),
            Event::Drained {
                mechanism,
                bytes,
                message_bytes,
            } => {
                let size = message_bytes.max(1);
                let (whole, part) = (bytes / size, bytes % size);
                let torn = if part > 0 {
                    format!(", and {} of a torn one", count(part, "byte", "bytes"))
                } else {
                    String::new()
                };
                format!(
                    "{who} {pid} still read {} from {}, then end of file: {whole} whole {} \
                     messages{torn}",
                    count(bytes, "byte", "bytes"),
                    the(mechanism),
                    human_bytes(message_bytes)
                )
            }
            Event::LeftBehind {
                mechanism,
                path: None,
            } => format!(
                "{who} {pid}: nothing is left of {}: it has no name, and the kernel freed it with \
                 its last descriptor",
                the(mechanism)
            ),
            Event::LeftBehind {
                mechanism,
                path: Some(path),
            } => format!(
                "{who} {pid}: the dead son left {} behind: the file of {} stays until someone \
                 removes it",
                path.display(),
                the(mechanism)
            ),
            Event::Stale { path } => format!(
                "{who} {pid}: connect(2) to {} is refused (ECONNREFUSED): a stale socket, nobody \
                 listens",
                path.display()
            ),
            Event::Recovered { path } => format!(
                "{who} {pid} listens on {} again: as `ipcdemo socket` does, it found the socket \
                 stale, removed it and bound a new one",
                path.display()
            ),
        })
    }

    fn note(&self, note: &Note<'_>) -> String {
        match *note {
            Note::EndOfFile => "end of file: every writer has closed the pipe".into(),
            Note::FatherWaitingForSon(p) => format!(
                "father: opening {} for reading; open(2) waits here until a son opens it for \
                 writing",
                p.display()
            ),
            Note::SonWaitingForFather(p) => format!(
                "son: opening {} for writing; open(2) waits here until a father opens it for \
                 reading",
                p.display()
            ),
            Note::AllSonsGone(p) => format!(
                "father: every son has left (end of file); waiting for the next one on {}",
                p.display()
            ),
            Note::CreatedFifo(p) => format!("created the FIFO {} (mode 0600)", p.display()),
            Note::FolderRepaired { folder, was } => format!(
                "repaired {}: its mode was {was:04o}, which locked even you out (an odd umask?); \
                 it is 0700 again",
                folder.display()
            ),
            Note::FifoAlreadyThere(p) => format!(
                "father: {} was already there (made by a son that waits, or left by a run that \
                 was killed); it is not ours, so it stays after this run: `rm {}` removes it",
                p.display(),
                p.display()
            ),
            Note::FifoReadableByOthers(p) => format!(
                "warning: other users can read {} and steal lines; `chmod 600 {}` stops that",
                p.display(),
                p.display()
            ),
            Note::SocketListening {
                path,
                seqpacket,
                given_path,
            } => {
                let kind = if seqpacket {
                    "SOCK_SEQPACKET"
                } else {
                    "SOCK_STREAM"
                };
                let flag = son_command(path, seqpacket, given_path);
                format!(
                    "father: listening on {} ({kind}); run `{flag}` in \
                     another terminal",
                    path.display()
                )
            }
            Note::TcpListening { address } => format!(
                "father: listening on {address} (TCP); run `ipcdemo socket --son --tcp {address}` \
                 in another terminal"
            ),
            Note::OpenToNetwork { address } => format!(
                "warning: {address} is not loopback: others on the network can connect to this \
                 father and send it anything"
            ),
            Note::StaleSocketReplaced(p) => format!(
                "replaced the stale socket {} (nobody listened: its maker was killed with -9)",
                p.display()
            ),
            Note::TooManySons(n) => format!(
                "father: out of file descriptors (EMFILE) with {}; new ones wait in the \
                 backlog until one leaves",
                count(n as u64, "son", "sons")
            ),
            Note::PipeSizeGranted { wanted, granted } => format!(
                "F_SETPIPE_SZ: asked for {}, the kernel granted {granted} {}",
                count(wanted as u64, "byte", "bytes"),
                if granted == wanted {
                    "(exactly: a power-of-two number of pages already)"
                } else {
                    "(it rounds up to a power-of-two number of pages)"
                }
            ),
            Note::PipeSizeRefused(ref refused) => format!(
                "warning: {}; going on with the size the pipe has",
                self.pipe_size_refused(refused)
            ),
            Note::ExportsNotWritten => {
                "the exports were not written: the run did not finish".to_string()
            }
            Note::TraceTruncated {
                path,
                kept,
                left_out,
            } => format!(
                "the trace {} keeps the first {kept} calls; {} more were left out (a trace of \
                 millions of calls would take gigabytes)",
                path.display(),
                left_out
            ),
            Note::SonFailed { pid, error } => {
                format!("{}: son {pid}: {}", self.error_prefix(), self.error(error))
            }
            Note::ShmListening {
                path,
                given_path,
                wake,
                pid,
            } => format!(
                "father: listening on {}; run `{}` in another terminal: each son gets a ring in \
                 shared memory (a memfd named ipcdemo-ring: while a son is connected, `ls -l \
                 /proc/{pid}/fd` shows it), woken by {}",
                path.display(),
                shm_son_command(path, given_path),
                match wake {
                    Wake::Spin => "spinning (a whole CPU while it waits)",
                    Wake::Futex => "a futex",
                    Wake::Eventfd => "an eventfd",
                }
            ),
            Note::RingBroken { son, record, len } => format!(
                "father: son {son} broke the ring's protocol at record {record} ({}); hung up on \
                 it",
                match len {
                    Some(len) => format!("a length of {len} bytes cannot fit"),
                    None => "a position that cannot be".into(),
                }
            ),
            Note::OneCpu(cpus) => format!(
                "this process may use {}: the sons take turns on it, and one is rarely \
                 interrupted between its load and its store, so little or nothing is lost; on two \
                 CPUs or more the sons really run at once (`taskset` shows the difference)",
                count(cpus as u64, "CPU", "CPUs")
            ),
            Note::RaceSonKilled {
                pid,
                signal,
                on_purpose: true,
            } => format!(
                "son {pid} died by {signal} holding the lock, as --die-holding-lock asked; its \
                 adds so far are counted"
            ),
            Note::RaceSonKilled {
                pid,
                signal,
                on_purpose: false,
            } => format!(
                "son {pid} was killed by {signal} before it finished; the adds it counted are in \
                 the total"
            ),
            Note::BenchChildFailed(error) => format!(
                "{}: the benchmark's child: {}",
                self.error_prefix(),
                self.error(error)
            ),
            Note::QueueCreated {
                name,
                attributes: a,
                limits: l,
            } => format!(
                "father: created the queue {name} (mode 0600); mq_getattr(3) says mq_maxmsg {}, \
                 mq_msgsize {}, mq_curmsgs {}\nlimits: without CAP_SYS_RESOURCE a queue holds at \
                 most msg_max {} messages of at most msgsize_max {} bytes, and the system at most \
                 queues_max {} queues (/proc/sys/fs/mqueue); RLIMIT_MSGQUEUE (`ulimit -q`) allows \
                 {} for all of your queues together, root's too",
                a.max_messages,
                count(a.message_size as u64, "byte", "bytes"),
                a.queued,
                limit(l.msg_max),
                limit(l.msgsize_max),
                limit(l.queues_max),
                rlimit(&l)
            ),
            Note::StaleQueueReplaced { name, lock, left } => format!(
                "father: replaced the stale queue {name}: nobody held its lock {}, so the father \
                 that made it died without removing it (killed with -9?); {}",
                lock.display(),
                match left {
                    0 => "it was empty".to_string(),
                    n => format!("the {} in it went with it", count(n, "message", "messages")),
                }
            ),
            Note::ReadingAfter {
                name,
                after,
                max_messages,
            } => format!(
                "father: waiting {} before the first mq_receive(3): meanwhile the messages pile \
                 up in {name} (at most {max_messages}, then mq_send(3) blocks), each placed after \
                 those of its own priority and before all of a lower one",
                self.duration(after)
            ),
            Note::FatherReceiving { name, given_name } => format!(
                "father: ready on {name}: run `{}` in another terminal; mq_receive(3) sleeps \
                 while the queue is empty",
                mq_command(name, given_name, true)
            ),
            Note::SonSendingTo { name, attributes } => format!(
                "son: sending to {name}: mq_maxmsg {}, mq_msgsize {}, {} waiting now",
                attributes.max_messages,
                count(attributes.message_size as u64, "byte", "bytes"),
                attributes.queued
            ),
            Note::NoFatherHoldsQueue { name, lock } => format!(
                "warning: no father holds the lock {}: {name} was left by a father that died; \
                 messages wait in it for a receiver, and the next `ipcdemo mq` replaces the \
                 queue, losing them",
                lock.display()
            ),
            Note::QueueFullWaiting { name, max_messages } => format!(
                "son: {name} is full ({} messages, mq_maxmsg): mq_send(3) would sleep here until \
                 the father receives one; this son waits for room in poll(2), since a queue \
                 descriptor is a file descriptor on Linux (--no-wait fails with EAGAIN instead)",
                max_messages
            ),
            Note::SignalHeld { signal, count: n } => format!(
                "father: {} stays blocked and pending while the son sends {n}; the father takes \
                 nothing until the son has exited",
                signal.name()
            ),
            Note::SignalSonDone { son } => format!(
                "father: son {son} has exited (SIGCHLD); taking what is pending now, as \
                 unblocking would deliver it"
            ),
            Note::QueueLimitSet { limit, uid } => format!(
                "father: RLIMIT_SIGPENDING is now {limit}: at most {limit} signals may be pending \
                 for uid {uid}, counting every process of that user, not just this one"
            ),
            Note::BacklogCapped { limit, uid } => format!(
                "father: RLIMIT_SIGPENDING lowered to {limit}, so that a son faster than the \
                 father cannot fill the queue every process of uid {uid} shares; when it is full, \
                 the son waits for room"
            ),
            Note::SignalFatherWaiting {
                pid,
                signal,
                realtime,
            } => format!(
                "father {pid}: waiting for {}; run `{}` (or `{}`) in another terminal",
                signal.name(),
                signal_son_command(pid, realtime),
                signal_kill_command(pid, signal)
            ),
            Note::SenderListening { path, given_path } => format!(
                "sender: listening on {}; run `{}` in another terminal",
                path.display(),
                receive_command(path, given_path)
            ),
            Note::ProcessesHidden(n) => format!(
                "note: /proc would not show the descriptors of {} (other users'); a holder may \
                 hide there",
                count(n as u64, "process", "processes")
            ),
            Note::Stalling(stall) => format!(
                "father: its son has left, yet read(2) does not return 0, since a write end is \
                 still open; waiting {} before closing the forgotten copy",
                self.duration(stall)
            ),
            Note::ScratchFolder(p) => format!(
                "working in {}; it goes at the end, whatever happens",
                p.display()
            ),
        }
    }

    fn error(&self, error: &Error) -> String {
        match error {
            Error::Stopped(signal) => format!("stopped by {signal}"),
            Error::StdoutClosed => "standard output was closed".into(),
            Error::Call {
                doing,
                path,
                errno: e,
            } => format!("{}: {}", self.doing(*doing, path.as_deref()), errno(*e)),
            Error::Refused { path, refusal } => self.refusal(path, *refusal),
            Error::NoFatherReading(p) => format!(
                "no father is reading {} (ENXIO); start `ipcdemo named` in another terminal \
                 first, or drop --no-wait to wait for one",
                p.display()
            ),
            Error::FatherWentAway { path, sent } => format!(
                "the father went away after {}: nobody reads {} any more (EPIPE)",
                count(*sent, "line", "lines"),
                path.display()
            ),
            Error::FatherReset { path, sent } => format!(
                "the father went away after {}: {} reset the connection (ECONNRESET)",
                count(*sent, "message", "messages"),
                path.display()
            ),
            Error::NoAnswer { path, waited } => format!(
                "no answer from the father on {} within {}: is it running with --ack? (or give \
                 it longer with --ack-timeout)",
                path.display(),
                self.duration(*waited)
            ),
            Error::FatherHungUp { path, sent } => format!(
                "the father hung up on {} before answering (end of file), after {}",
                path.display(),
                count(*sent, "message", "messages")
            ),
            Error::AnotherFatherReading { path, pid } => format!(
                "another father{} is already reading {}: two fathers would each get part of \
                 every son's lines; stop it or pass another --path",
                pid.map_or_else(String::new, |pid| format!(" (pid {pid})")),
                path.display()
            ),
            Error::AnotherFatherListening(p) => format!(
                "another father is listening on {}; stop it or pass another --path",
                p.display()
            ),
            Error::AddressInUse(a) => format!(
                "{a} is in use (EADDRINUSE): another program listens there; stop it or pick \
                 another port (--tcp 0 picks a free one)"
            ),
            Error::ConnectionRefused(a) => format!(
                "nobody listens on {a} (connection refused): start `ipcdemo socket --tcp PORT` \
                 first and give the son the port it prints"
            ),
            Error::Unreachable(a) => {
                format!("{a} cannot be reached from here (no route): check the address")
            }
            Error::BadAddress(a) => format!(
                "{a} is not an address this machine can use (unknown host, or not one of its \
                 own addresses to listen on); try 127.0.0.1:PORT"
            ),
            Error::SonNeedsPort => "a son needs the father's port: port 0 only means \"any free \
                                    port\" to a father, which prints the one it got"
                .into(),
            Error::NoFatherAtPath(p) => format!(
                "no father is listening on {} (nothing is there): unlike a FIFO, connect(2) \
                 does not wait; start `ipcdemo socket` first",
                p.display()
            ),
            Error::StaleSocket(p) => format!(
                "no father is listening on {} (connection refused): the file was left by a \
                 father that died; start `ipcdemo socket` first",
                p.display()
            ),
            Error::SocketTypeMismatch(p) => format!(
                "the father on {} uses another socket type; pass --seqpacket on both sides or \
                 neither",
                p.display()
            ),
            Error::SocketPathTooLong(p) => format!(
                "{} is too long for a Unix socket address (at most 107 bytes, unix(7), and the \
                 father needs room for a private name beside it); pass a shorter --path",
                p.display()
            ),
            Error::SonThreadPanicked => "the son thread panicked".into(),
            Error::SonProcess(end) => format!("the son process {}", self.process_end(*end)),
            Error::BytesLost { record_size, lost } => format!(
                "{} of {record_size}-byte records were lost: that is a bug, not a lesson",
                count(*lost, "byte", "bytes")
            ),
            Error::CorruptRecords { byte } => format!(
                "byte {byte:#04x} is not the next byte of any writer: the stream is corrupt"
            ),
            Error::NoMemory { bytes } => format!(
                "could not get {} of memory for the buffers: choose smaller sizes, or allow more memory (ulimit -v)",
                human_bytes(*bytes as u64)
            ),
            Error::PipeBufBroken { pipe_buf } => format!(
                "a record of at most PIPE_BUF ({pipe_buf}) bytes tore: this kernel broke the \
                 promise of pipe(7)"
            ),
            Error::Bench {
                mechanism,
                measure,
                size,
                error,
            } => format!(
                "measuring the {} {}{}: {}",
                mechanism.name(),
                self.measure(*measure),
                size.map_or_else(String::new, |s| format!(" at {}", human_bytes(s as u64))),
                self.error(error)
            ),
            Error::BenchChild(end) => format!("the benchmark's child {}", self.process_end(*end)),
            Error::RoundMismatch { round, got } => {
                format!("round trip {round} came back as round {got}")
            }
            Error::CorruptStream { after } => format!(
                "corrupt data after {}: not what the writer sent",
                count(*after, "byte", "bytes")
            ),
            Error::BytesMissing { received, total } => {
                format!("bytes were lost: {received} of {total} arrived")
            }
            Error::OtherSideLeft => "the other side left in the middle of a run".into(),
            Error::PinNeedsTwoCpus { cpus, pin } => format!(
                "--pin {} needs two CPUs and this process may use {}; use --pin same or none",
                pin.name(),
                count(*cpus as u64, "CPU", "CPUs")
            ),
            Error::ShmBusy { path, son } => format!(
                "a son (pid {son}) is already connected to the father on {}: a ring has one \
                 writer, so one son at a time; try again when it is done",
                path.display()
            ),
            Error::NotARing(p) => format!(
                "the process listening on {} handed over something that is not an ipcdemo ring \
                 (a sealed memfd with the ring's header); refusing to map it",
                p.display()
            ),
            Error::NoHandOver { path, waited } => format!(
                "nothing came from the process listening on {} within {}: is it `ipcdemo shm`? \
                 (an `ipcdemo socket` father listens on another file)",
                path.display(),
                self.duration(*waited)
            ),
            Error::FatherLeftRing { path, sent } => format!(
                "the father on {} went away after {} (its socket hung up); records it had not \
                 read yet are lost with the ring",
                path.display(),
                count(*sent, "record", "records")
            ),
            Error::NoShmFather { path, stale: false } => format!(
                "no father is listening on {} (nothing is there); start `ipcdemo shm` first",
                path.display()
            ),
            Error::NoShmFather { path, stale: true } => format!(
                "no father is listening on {} (connection refused): the file was left by a \
                 father that died; start `ipcdemo shm` first",
                path.display()
            ),
            Error::RingBrokenByFather(p) => format!(
                "the ring handed over on {} broke: the father wrote a position that cannot be",
                p.display()
            ),
            Error::AddsLost { sync, lost } => format!(
                "{lost} adds were lost with --sync {}: that is a bug, not a lesson",
                sync.name()
            ),
            Error::NoSuchMeasure { mechanism, measure } => format!(
                "{} has no {} measure (an eventfd carries a count, not bytes): drop \
                 --throughput-only or pick another mechanism",
                mechanism.name(),
                self.measure(*measure)
            ),
            Error::NeedsLinux(LinuxOnly::SharedMemory) => "shared memory here needs Linux \
                                                           (memfd_create, futex, eventfd, robust \
                                                           mutexes)"
                .into(),
            Error::NeedsLinux(LinuxOnly::ZeroCopy) => {
                "--zero-copy needs Linux (vmsplice and splice)".into()
            }
            Error::NeedsLinux(LinuxOnly::Pin) => "--pin needs Linux (sched_setaffinity)".into(),
            Error::ProgramNotStarted { program, errno: e } => {
                let name = program.first().map_or("", String::as_str);
                let why = match e {
                    Errno::ENOENT => {
                        ": no program by that name on PATH; check the name, or give \
                                     its path"
                    }
                    Errno::EACCES => {
                        ": it is not executable (or a folder on its path cannot be \
                                     searched)"
                    }
                    _ => "",
                };
                format!("cannot run `{name}`: {}{why}", errno(*e))
            }
            Error::Deadlock {
                program,
                stall,
                written,
            } => self.deadlock(program, stall, *written),
            Error::SonStoppedReading {
                son,
                program,
                sent_lines,
                sent_bytes,
                answered,
                epipe: true,
            } => format!(
                "write(2) failed with EPIPE: son {son} (`{}`) no longer reads its stdin (it has \
                 exited) {}. A pipe with no reader refuses every write (pipe(7)); the kernel \
                 first sends SIGPIPE, which would have killed a father that did not ignore it, \
                 silently (every Rust program ignores it, so ipcdemo gets the error instead: \
                 signal(7))",
                command_line(program),
                self.son_progress(*sent_lines, *sent_bytes, *answered)
            ),
            Error::SonStoppedReading {
                son,
                program,
                sent_lines,
                sent_bytes,
                answered,
                epipe: false,
            } => format!(
                "son {son} (`{}`) closed its stdout (it has exited) {}: read(2) returned 0, end \
                 of file",
                command_line(program),
                self.son_progress(*sent_lines, *sent_bytes, *answered)
            ),
            Error::NeedsLinux(LinuxOnly::MessageQueues) => {
                "POSIX message queues need Linux here (macOS has none)".into()
            }
            Error::NoQueue { name, given_name } => format!(
                "there is no queue {name} (ENOENT): only a father creates it; start `{}` first",
                mq_command(name, *given_name, false)
            ),
            Error::QueueOwner { name, owner, me } => format!(
                "refusing to use the queue {name}: it belongs to uid {owner}, not to you (uid \
                 {me}); it was left untouched; pass another --name"
            ),
            Error::QueueForbidden(name) => format!(
                "refusing to use the queue {name}: it exists and you may not open it (EACCES), \
                 so it is another user's; it was left untouched; pass another --name"
            ),
            Error::AnotherFatherReceiving { name, pid } => format!(
                "another father{} is already receiving on {name}: two fathers would each take \
                 part of the messages; stop it or pass another --name",
                pid.map_or_else(String::new, |pid| format!(" (pid {pid})"))
            ),
            Error::QueueFull {
                name,
                max_messages,
                sent,
            } => format!(
                "{name} is full ({max_messages} messages, mq_maxmsg) after {} from this son: \
                 with --no-wait, mq_send(3) fails with EAGAIN instead of sleeping until the \
                 father receives one; drop --no-wait to wait for room",
                count(*sent, "message", "messages")
            ),
            Error::MessageTooLong {
                name,
                bytes,
                message_size,
            } => format!(
                "a message of {} does not fit in {name}, whose messages are at most {} \
                 (mq_msgsize, fixed when the father created it): mq_send(3) refused it whole \
                 with EMSGSIZE; start the father with a larger --message-size",
                count(*bytes as u64, "byte", "bytes"),
                count(*message_size as u64, "byte", "bytes")
            ),
            Error::QueueRefused {
                name,
                errno: e,
                asked: size,
                limits: l,
            } => {
                let head = format!("the kernel refused to create {name} with {}", asked(*size));
                match e {
                    Errno::EINVAL => format!(
                        "{head} (EINVAL): without CAP_SYS_RESOURCE a queue may hold at most \
                         msg_max {} messages of at most msgsize_max {} bytes \
                         (/proc/sys/fs/mqueue); ask for less with --max-messages and \
                         --message-size (with CAP_SYS_RESOURCE, up to 65536 messages of 16 MiB)",
                        limit(l.msg_max),
                        limit(l.msgsize_max)
                    ),
                    Errno::EMFILE => format!(
                        "{head} (EMFILE): mq_maxmsg × mq_msgsize, plus the kernel's bookkeeping, \
                         would pass your RLIMIT_MSGQUEUE ({}, `ulimit -q`), which counts all of \
                         your queues and binds root too (or you are out of file descriptors); \
                         ask for less",
                        rlimit(l)
                    ),
                    Errno::ENOSPC => format!(
                        "{head} (ENOSPC): the system already has queues_max ({}) queues \
                         (/proc/sys/fs/mqueue/queues_max); remove some (`ls /dev/mqueue` lists \
                         them where the mqueue file system is mounted)",
                        limit(l.queues_max)
                    ),
                    other => format!("{head}: {}", errno(*other)),
                }
            }
            Error::QueueRemoved { name, sent } => format!(
                "the queue {name} was removed (its father ended) after {} from this son: the \
                 son still holds the old queue, which nobody can open any more; start a father, \
                 then a son",
                count(*sent, "message", "messages")
            ),
            Error::NotAStream(mechanism) => format!(
                "{} moves no bytes: there is no stream to measure",
                mechanism.name()
            ),
            Error::NoSuchProcess(pid) => format!(
                "there is no process {pid}; start `ipcdemo signal --father` in another terminal \
                 and pass the pid it prints"
            ),
            Error::ThreadNotProcess { tid, process } => format!(
                "{tid} is a thread of process {process}, not a process; pass --son {process} if \
                 that is the father"
            ),
            Error::NotASignalFather { pid, cmdline } if cmdline.is_empty() => format!(
                "refusing to signal process {pid}: it has no command line (a kernel thread, or a \
                 process that has exited), so it is no `ipcdemo signal` father"
            ),
            Error::NotASignalFather { pid, cmdline } => format!(
                "refusing to signal process {pid}: it is not an `ipcdemo signal` father (its \
                 command line is `{cmdline}`), and a signal it does not expect could kill it"
            ),
            Error::WouldKill {
                pid,
                signal,
                ignored: false,
            } => format!(
                "refusing to signal process {pid}: it neither blocks nor catches {}, whose \
                 default action would kill it; start the father with the same --realtime as the \
                 son",
                signal.name()
            ),
            Error::WouldKill {
                pid,
                signal,
                ignored: true,
            } => format!(
                "refusing to signal process {pid}: it ignores {}, so nothing would arrive; start \
                 the father with the same --realtime as the son",
                signal.name()
            ),
            Error::SignalNotPermitted { pid, signal } => format!(
                "the kernel does not let you send {} to process {pid} (EPERM): it belongs to \
                 another user",
                signal.name()
            ),
            Error::FatherGone { pid, sent } => format!(
                "the father {pid} went away after {} (ESRCH)",
                count(*sent, "signal", "signals")
            ),
            Error::QueueLimitTooHigh { asked, hard } => format!(
                "--queue-limit {asked} is above your hard RLIMIT_SIGPENDING ({hard}), which only \
                 a privileged user may raise; ask for at most {hard}"
            ),
            Error::NoSender { path, stale: false } => format!(
                "nobody is sending on {} (nothing is there): start `ipcdemo fds --send` first",
                path.display()
            ),
            Error::NoSender { path, stale: true } => format!(
                "nobody is sending on {} (connection refused): the file was left by a sender \
                 that died; start `ipcdemo fds --send`, which replaces it",
                path.display()
            ),
            Error::NoDescriptor { path, count: 0 } => {
                format!("the sender on {} passed no descriptor", path.display())
            }
            Error::NoDescriptor { path, count } => format!(
                "the sender on {} passed {count} descriptors, not one; all were closed unused",
                path.display()
            ),
            Error::NotAPipeWriteEnd { path } => format!(
                "what the sender on {} passed is not the write end of a pipe; it was closed \
                 unused",
                path.display()
            ),
        }
    }

    fn doing(&self, doing: Doing, path: Option<&Path>) -> String {
        let p = show(path);
        match doing {
            Doing::CreatingFolder => format!("creating the folder {p}"),
            Doing::Examining => format!("examining {p}"),
            Doing::CreatingFifo => format!("creating the FIFO {p}"),
            Doing::Opening => format!("opening {p}"),
            Doing::SettingMode => format!("setting mode 0600 on {p}"),
            Doing::Reading => format!("reading {p}"),
            Doing::Reopening => format!("reopening {p} to wait for the next son"),
            Doing::MakingBlocking => format!("making {p} blocking"),
            Doing::MakingNonblocking => "making a descriptor non-blocking".into(),
            Doing::WritingTo => format!("writing to {p}"),
            Doing::RemovingStaleSocket => format!("removing the stale socket {p}"),
            Doing::CheckingInUse => format!("checking whether {p} is in use"),
            Doing::Binding => match path {
                Some(_) => format!("binding {p}"),
                None => "binding a socket".into(),
            },
            Doing::ListeningOn => format!("listening on {p}"),
            Doing::Publishing => format!("publishing {p}"),
            Doing::ConnectingTo => match path {
                Some(_) => format!("connecting to {p}"),
                None => "connecting".into(),
            },
            Doing::CreatingPipe => "creating the pipe".into(),
            Doing::CreatingSocket => "creating a socket".into(),
            Doing::ForkingSon => "forking the son process".into(),
            Doing::StartingThread => "starting a thread".into(),
            Doing::ReadingPipe => "reading from the pipe".into(),
            Doing::WritingPipe => "writing to the pipe".into(),
            Doing::WaitingForSon => "waiting for the son process".into(),
            Doing::WaitingForSons => "waiting for sons (poll)".into(),
            Doing::AcceptingSon => "accepting a son".into(),
            Doing::ReadingFromSon => "reading from a son".into(),
            Doing::AskingPeer => "asking the kernel who the peer is (SO_PEERCRED)".into(),
            Doing::SettingParentDeathSignal => "setting PR_SET_PDEATHSIG".into(),
            Doing::InstallingSignals => "setting up signal handling".into(),
            Doing::WritingStdout => "writing to standard output".into(),
            Doing::WritingRecords => "writing a record".into(),
            Doing::ReadingRecords => "reading records".into(),
            Doing::CreatingScratch => format!("creating the scratch folder {p}"),
            Doing::Accepting => "accepting a connection".into(),
            Doing::SettingNoDelay => "setting TCP_NODELAY".into(),
            Doing::Pinning => "pinning to a CPU".into(),
            Doing::ReadingAffinity => "reading the CPU affinity".into(),
            Doing::ForkingBenchChild => "forking the benchmark's child".into(),
            Doing::WaitingForBenchChild => "waiting for the benchmark's child".into(),
            Doing::Streaming => "streaming".into(),
            Doing::Draining => "reading the stream".into(),
            Doing::PingPong => "exchanging round trips".into(),
            Doing::OpeningDevNull => "opening /dev/null".into(),
            Doing::SharingMemory => "sharing memory with the son (mmap)".into(),
            Doing::WritingTrace => format!("writing the trace {p}"),
            Doing::WritingExport => format!("writing the export {p}"),
            Doing::Locking => format!("locking {p}"),
            Doing::BlockingSignals => "blocking the lesson's signals".into(),
            Doing::SettingQueueLimit => "setting RLIMIT_SIGPENDING".into(),
            Doing::ReadingProcess => format!("reading {p}"),
            Doing::SendingSignal => "sending a signal".into(),
            Doing::WaitingForSignal => "waiting for a signal (sigtimedwait)".into(),
            Doing::OpeningPidfd => "opening a pidfd for the father".into(),
            Doing::OpeningQueue => format!("opening the queue {}", queue(path)),
            Doing::CreatingQueue => format!("creating the queue {}", queue(path)),
            Doing::RemovingQueue => format!("removing the queue {}", queue(path)),
            Doing::ReadingQueueAttributes => {
                format!("reading the attributes of {} (mq_getattr)", queue(path))
            }
            Doing::SendingToQueue => format!("sending to {}", queue(path)),
            Doing::ReceivingFromQueue => format!("receiving from {}", queue(path)),
            Doing::WaitingForRoom => format!("waiting for room in {} (poll)", queue(path)),
            Doing::ScanningProc => format!("looking through {}", show_or(path, "/proc")),
            Doing::PassingDescriptor => "passing the descriptor (sendmsg, SCM_RIGHTS)".into(),
            Doing::ReceivingDescriptor => match path {
                Some(_) => format!("receiving a descriptor on {p} (recvmsg)"),
                None => "receiving a descriptor (recvmsg)".into(),
            },
            Doing::SettingPassCred => "asking for credentials (SO_PASSCRED)".into(),
            Doing::Executing => format!("running {} (execve)", show_or(path, "the program")),
            Doing::KillingSon => "killing the son (SIGKILL)".into(),
            Doing::CreatingMemfd => "creating a memfd (memfd_create)".into(),
            Doing::Sealing => "sealing the memfd against shrinking (F_ADD_SEALS)".into(),
            Doing::Mapping => "mapping the shared memory (mmap)".into(),
            Doing::CreatingEventfd => "creating an eventfd".into(),
            Doing::PassingDescriptors => "handing descriptors over (SCM_RIGHTS)".into(),
            Doing::ReceivingDescriptors => "receiving the ring (SCM_RIGHTS)".into(),
            Doing::InitialisingMutex => "setting up the process-shared mutex".into(),
            Doing::LockingMutex => "locking the shared mutex".into(),
            Doing::WaitingInRing => "waiting on the ring".into(),
        }
    }

    fn refusal(&self, path: &Path, refusal: Refusal) -> String {
        let p = path.display();
        let why = match refusal {
            Refusal::WrongKind { found, wanted } => format!(
                "it is {}, not a {}; it was left untouched; remove it yourself or pass another \
                 --path",
                self.file_kind(found),
                self.object(wanted)
            ),
            Refusal::FolderIsNot(found) => format!(
                "it is {}, not a folder; remove it or pass --path",
                self.file_kind(found)
            ),
            Refusal::FolderOwner { owner, me } => format!(
                "it belongs to uid {owner}, not to you (uid {me}); someone else may have made it \
                 to watch or feed your demo; remove it or pass --path"
            ),
            Refusal::FolderMode(mode) => format!(
                "its mode is {mode:04o}, so other users can reach what is in it; run `chmod 700 \
                 {p}` or pass --path"
            ),
            Refusal::Owner { what, owner, me } => format!(
                "the {} belongs to uid {owner}, not to you (uid {me}); pass another --path",
                self.object(what)
            ),
            Refusal::Writable(mode) => format!(
                "its mode is {mode:04o}, so other users could write to it; run `chmod go-w {p}` \
                 (or `chmod 600`) first"
            ),
            Refusal::Replaced => "it was replaced by another file while in use; stopping".into(),
            Refusal::ListenerOwner { owner, me } => {
                format!("the process listening there is uid {owner}, not you (uid {me})")
            }
        };
        format!("refusing to use {p}: {why}")
    }

    fn file_kind(&self, kind: FileKind) -> &'static str {
        match kind {
            FileKind::Fifo => "a FIFO",
            FileKind::Socket => "a socket",
            FileKind::Symlink => "a symbolic link",
            FileKind::Regular => "a regular file",
            FileKind::Directory => "a directory",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Unknown => "an unknown kind of file",
        }
    }

    fn object(&self, object: Object) -> &'static str {
        match object {
            Object::Fifo => "FIFO",
            Object::Socket => "socket",
        }
    }

    fn process_end(&self, end: ProcessEnd) -> String {
        match end {
            ProcessEnd::Exited(code) => format!("exited with status {code}"),
            ProcessEnd::Signaled(signal) => format!("was killed by {signal}"),
            ProcessEnd::Other => "ended abnormally".into(),
        }
    }

    fn pipe_size_refused(&self, refused: &PipeSizeError) -> String {
        let asked = human_bytes(refused.asked as u64);
        match refused.errno {
            Some(Errno::EPERM) => format!(
                "the kernel refused a {asked} pipe (EPERM): without privilege a pipe may not \
                 exceed /proc/sys/fs/pipe-max-size ({}) nor your pipe-user-pages limit; ask for \
                 less",
                refused
                    .max
                    .map_or_else(|| "unknown".into(), |m| human_bytes(m as u64))
            ),
            Some(Errno::EBUSY) => format!(
                "the kernel refused a {asked} pipe (EBUSY): the pipe already holds more than that"
            ),
            Some(Errno::EINVAL) => {
                format!("the kernel refused a {asked} pipe (EINVAL): too large for this kernel")
            }
            Some(other) => format!("the kernel refused a {asked} pipe ({})", errno(other)),
            None => "this system cannot resize pipes (F_SETPIPE_SZ is Linux only)".into(),
        }
    }

    fn error_prefix(&self) -> &'static str {
        "error"
    }

    fn reads_summary(&self, c: &ReadCounts) -> String {
        let mut line = format!(
            "summary: {}, {} in {}: {} held exactly one message, {} held several glued \
             together, {} held part of one",
            count(c.messages, "message", "messages"),
            count(c.bytes, "byte", "bytes"),
            count(c.reads, "read", "reads"),
            c.reads_one_message,
            c.reads_several_messages,
            c.reads_part_message
        );
        if c.bytes_discarded > 0 {
            let n = count(c.bytes_discarded, "byte", "bytes");
            line.push_str(&format!(
                "; {n} beyond the read size were discarded (MSG_TRUNC)"
            ));
        }
        line
    }

    fn sent_summary(&self, pid: i32, messages: u64, bytes: u64) -> String {
        format!(
            "son {pid}: sent {}, {}",
            count(messages, "message", "messages"),
            count(bytes, "byte", "bytes")
        )
    }

    fn queue_summary(&self, r: &QueueReport) -> String {
        let left = if r.left_in_queue == 0 {
            "it was empty when it was removed".to_string()
        } else {
            format!(
                "{} still in it went with it when it was removed",
                count(r.left_in_queue, "message", "messages")
            )
        };
        format!(
            "summary: {}, {} in {}: each mq_receive(3) returned exactly one whole message, {} at \
             a priority above 0; {} held at most {} of at most {} (mq_maxmsg, mq_msgsize); {left}",
            count(r.messages, "message", "messages"),
            count(r.bytes, "byte", "bytes"),
            count(r.receives, "receive", "receives"),
            r.priority_messages,
            r.name,
            count(r.max_messages, "message", "messages"),
            count(r.message_size_bytes as u64, "byte", "bytes"),
        )
    }

    fn signals_summary(&self, pid: i32, r: &SignalReport) -> String {
        let signal = r.signal.name();
        let received = r.received.unwrap_or(0);
        let sent = r.sent.unwrap_or(0);
        let order = match (r.realtime, r.out_of_order) {
            (false, _) => String::new(),
            (true, 0) => ", every value in order".to_string(),
            (true, n) => format!(", {n} out of order"),
        };
        let lost = match r.merged {
            Some(n) if r.realtime && n > 0 => format!("; {n} never arrived"),
            _ => String::new(),
        };
        let refused = match (r.refused, r.role) {
            (0, _) => String::new(),
            (n, Role::Father) => {
                format!(", and {n} were refused (EAGAIN: the queue was full)")
            }
            (n, Role::Son) => format!("; {n} refused (EAGAIN: the queue was full)"),
        };
        let mut line = match (r.role, r.sent) {
            (Role::Son, _) => {
                let to = r
                    .target
                    .map_or_else(|| "?".to_string(), |to| to.to_string());
                format!("son {pid}: {sent} {signal} sent to process {to}{refused}")
            }
            (Role::Father, Some(_)) if !r.realtime => {
                let merged = r.merged.unwrap_or(0);
                format!(
                    "summary: the son sent {sent} {signal}; the father received {received}: \
                     {merged} merged into one already pending"
                )
            }
            (Role::Father, Some(_)) => format!(
                "summary: the son queued {sent} {signal}{refused}; the father received \
                 {received}{order}{lost}"
            ),
            (Role::Father, None) => format!(
                "summary: the father received {received} {signal}{order}; how many were sent, \
                 only the sender knows"
            ),
        };
        if let (Some(limit), Some(after)) = (r.queue_limit, r.queue_full_after)
            && after < limit
        {
            line += &format!(
                "; the limit of {limit} was reached after {after} (other processes of your user \
                 held {} of it)",
                limit - after
            );
        }
        if r.waits > 0 {
            line += &format!(
                "; the queue was full {} and the son waited for room",
                count(r.waits, "time", "times")
            );
        }
        line
    }

    fn ping_pong_summary(&self, r: &PingPongReport) -> String {
        match (r.rtt_median_us, r.rtt_p99_us, r.round_trips_per_second) {
            (Some(median), Some(p99), Some(per_second)) => format!(
                "summary: {} of {} between father and son: median {} µs, p99 {} µs, {} round \
                 trips/s",
                count(r.rounds, "round trip", "round trips"),
                r.signal.name(),
                self.num(median, 1),
                self.num(p99, 1),
                self.num(per_second, 0)
            ),
            _ => "summary: no round trip was timed".into(),
        }
    }

    fn alarm_summary(&self, r: &AlarmReport) -> String {
        let waited = self.num(r.waited_s, 3);
        if r.rang {
            format!(
                "summary: alarm({}) rang after {waited} s: the pause ended when SIGALRM's handler \
                 had run (alarm(2), sigsuspend(2))",
                r.seconds
            )
        } else {
            format!(
                "summary: stopped after {waited} s, before alarm({}) rang",
                r.seconds
            )
        }
    }

    fn why(&self, why: Why) -> String {
        match why {
            Why::ByteStream => "why: a pipe (and a SOCK_STREAM socket) is a byte stream with no \
                                message boundaries; read(2) returns whatever has arrived, up to \
                                the size asked (pipe(7), unix(7))"
                .into(),
            Why::MessageQueue => "why: a message queue keeps every boundary: each \
                                  mq_receive(3) returns one whole message, never a part and \
                                  never two, the oldest of the highest priority waiting; \
                                  messages wait in the kernel until received or until the \
                                  queue is removed, and nothing says who sent them \
                                  (mq_overview(7))"
                .into(),
            Why::Tcp => "why: TCP is a byte stream too, and carries no credentials: the \
                         father knows each son by its address and port, not by who runs it \
                         (tcp(7))"
                .into(),
            Why::Ring => "why: the ring stores each record's length before its bytes, so \
                          every record arrives whole and alone, never glued like a pipe's \
                          reads; and no system call carried them: both processes map the same \
                          memfd (memfd_create(2), mmap(2)), and a commit word published each one"
                .into(),
            Why::Seqpacket => "why: SOCK_SEQPACKET keeps boundaries: every read(2) returns \
                               exactly one message (unix(7))"
                .into(),
            Why::SignalsMerge => "why: a standard signal is one bit in the pending set, not a \
                                  counter: a signal sent while one is already pending merges \
                                  into it, and kill(2) still says it succeeded (signal(7))"
                .into(),
            Why::SignalsQueue => "why: realtime signals queue: each sigqueue(3) is delivered \
                                  once, in the order sent, with its value (signal(7), \
                                  sigqueue(3))"
                .into(),
            Why::QueueLimit(limit) => format!(
                "why: RLIMIT_SIGPENDING ({limit}) caps the signals pending for one real user, all \
                 its processes together; past it sigqueue(3) fails with EAGAIN (getrlimit(2), \
                 signal(7))"
            ),
            Why::SignalPingPong => "why: each round trip is two sigqueue(3) calls and two \
                                    wake-ups from sigtimedwait(2); most of the time is waking \
                                    the other process, as with a pipe (signal(7))"
                .into(),
        }
    }

    fn capacity_summary(&self, r: &CapacityReport) -> String {
        let reported = r
            .pipe_size_bytes
            .map_or_else(|| "?".to_string(), |size| size.to_string());
        format!(
            "summary: the {} held {} with no reader (F_GETPIPE_SZ says {reported}) in {} of {}, \
             {} partial",
            r.mechanism.name(),
            count(r.held_bytes, "byte", "bytes"),
            count(r.writes, "write", "writes"),
            count(r.write_size_bytes as u64, "byte", "bytes"),
            r.partial_writes
        )
    }

    fn capacity_why(&self, r: &CapacityReport) -> String {
        let first = if r.write_size_bytes <= r.pipe_buf_bytes {
            format!(
                "why: writes of at most PIPE_BUF ({}) bytes are all-or-nothing, so the last one \
                 was refused whole (EAGAIN)",
                r.pipe_buf_bytes
            )
        } else {
            format!(
                "why: writes above PIPE_BUF ({}) bytes are not atomic: {} took only the room \
                 there was",
                r.pipe_buf_bytes, r.partial_writes
            )
        };
        format!(
            "{first}\na blocking writer would now sleep in write(2) until a reader makes room; \
             with no reader at all, for ever (pipe(7))"
        )
    }

    fn exec_summary(&self, r: &ExecReport) -> String {
        let cmd = command_line(&r.program);
        let son = r.son;
        let end = r.end.map_or_else(String::new, |end| {
            format!("; son {son} {}", self.process_end(end))
        });
        if r.big {
            let check = match (r.same_as_sent, r.first_difference_at) {
                (Some(true), _) => ", every byte as it was sent".to_string(),
                (Some(false), Some(at)) => format!(", different from the input from byte {at} on"),
                _ => String::new(),
            };
            format!(
                "summary: wrote {} to son {son} (`{cmd}`) and read {} back{check}{end}",
                count(r.bytes_sent, "byte", "bytes"),
                count(r.bytes_received, "byte", "bytes")
            )
        } else {
            format!(
                "summary: sent {} ({}) to son {son} (`{cmd}`), received {} ({}){end}",
                count(r.lines_sent, "line", "lines"),
                count(r.bytes_sent, "byte", "bytes"),
                count(r.lines_received, "line", "lines"),
                count(r.bytes_received, "byte", "bytes")
            )
        }
    }

    fn atomic_header(&self) -> [&'static str; 6] {
        [
            "record size",
            "writers",
            "records",
            "torn",
            "bytes lost",
            "verdict",
        ]
    }

    fn atomic_verdict(&self, run: &AtomicRun) -> String {
        let verdict = match (run.within_pipe_buf(), run.records_torn > 0) {
            (true, false) => "atomic, as pipe(7) promises up to PIPE_BUF",
            (true, true) => "TORN: this kernel broke the promise of pipe(7)",
            (false, true) => "torn: above PIPE_BUF nothing is promised",
            (false, false) => "none tore this time, but above PIPE_BUF the kernel promised nothing",
        };
        if run.stopped {
            format!("stopped early, so far {verdict}")
        } else {
            verdict.into()
        }
    }

    fn race_header(&self) -> [&'static str; 9] {
        [
            "sync",
            "sons",
            "adds each",
            "expected",
            "got",
            "lost",
            "lost %",
            "wall s",
            "CPU s",
        ]
    }

    fn race_why(&self, sync: SyncMode) -> String {
        match sync {
            SyncMode::None => "why (none): count += 1 is three steps, a load, an add and a \
                               store; when two sons load the same value, both store that value \
                               + 1 and one add is lost"
                .into(),
            SyncMode::Atomic => "why (atomic): fetch_add is one read-modify-write the CPU does \
                                 whole (lock xadd): nothing is lost, but every add fights for \
                                 the same cache line"
                .into(),
            SyncMode::Lock => "why (lock): a process-shared mutex lets one son at a time do the \
                               three steps: nothing is lost, and the sons wait for each other in \
                               futex(2)"
                .into(),
        }
    }

    fn race_owner_died(&self, times: u64) -> String {
        format!(
            "EOWNERDEAD {}: a son died holding the lock, and the robust mutex \
             (PTHREAD_MUTEX_ROBUST) told the next locker so instead of leaving everyone waiting \
             for ever (pthread_mutex_lock(3))",
            count(times, "time", "times")
        )
    }

    fn cpu_summary(&self, r: &CpuReport) -> String {
        let cpu = format!(
            "CPU {} s ({} user, {} system)",
            self.num(r.user_s + r.sys_s, 3),
            self.num(r.user_s, 3),
            self.num(r.sys_s, 3)
        );
        let waited = match r.wake {
            Wake::Spin => "it spun while it waited",
            Wake::Futex => "it slept in futex(2) while it waited",
            Wake::Eventfd => "it slept in poll(2) on an eventfd while it waited",
        };
        let records = count(r.records, "record", "records");
        match (r.role, r.wall_s) {
            (Role::Son, None) => format!(
                "son {}, as it last wrote into the ring: {records} sent; {cpu}",
                r.process
            ),
            (role, Some(wall)) => format!(
                "{} {}: {records} {}; {cpu} in {} s of wall time ({} % of one CPU): {waited}",
                match role {
                    Role::Father => "father",
                    Role::Son => "son",
                },
                r.process,
                match role {
                    Role::Father => "received",
                    Role::Son => "sent",
                },
                self.num(wall, 3),
                self.num(super::percent_of_a_cpu(r.user_s + r.sys_s, wall), 0)
            ),
            (Role::Father, None) => format!("father {}: {records}; {cpu}", r.process),
        }
    }

    fn copy_ceiling(&self, which: &str, ceiling_gib: f64, shm_gib: f64) -> String {
        format!(
            "ceiling ({which}): copying and checking the same records in one process, through a \
             buffer the size of the ring, runs at {} GiB/s: a transport that copies them twice \
             on one CPU; the shm row, with two processes, moved {}× that",
            self.num(ceiling_gib, 2),
            self.num(shm_gib / ceiling_gib.max(f64::MIN_POSITIVE), 2)
        )
    }

    fn measure(&self, measure: Measure) -> &'static str {
        match measure {
            Measure::Throughput => "throughput",
            Measure::Latency => "latency",
        }
    }

    fn bench_header(&self) -> [&'static str; 16] {
        [
            "mechanism",
            "measure",
            "size",
            "count",
            "GiB/s",
            "messages/s",
            "p50 µs",
            "p90 µs",
            "p99 µs",
            "p99.9 µs",
            "max µs",
            "round trips/s",
            "CPU parent s",
            "CPU child s",
            "CPU cost",
            "mode",
        ]
    }

    fn unsupported(&self, why: Unsupported) -> String {
        match why {
            Unsupported::AboveSendBuffer { max_bytes } => format!(
                "- (a record must fit the send buffer: at most {})",
                human_bytes(max_bytes as u64)
            ),
            Unsupported::AboveMessageSize { max_bytes } => format!(
                "- (a message is at most {} here: mq_msgsize, within RLIMIT_MSGQUEUE)",
                human_bytes(max_bytes as u64)
            ),
            Unsupported::NoPayload => "- (carries a number, no payload to size)".to_string(),
            Unsupported::NoFanIn => "- (no fan-in here: see the note)".to_string(),
        }
    }

    fn export_title(&self) -> &'static str {
        "ipcdemo bench results"
    }

    fn fact(&self, fact: Fact) -> &'static str {
        match fact {
            Fact::Command => "command",
            Fact::Kernel => "kernel",
            Fact::Unknown => "unknown",
        }
    }

    fn cpus_fact(&self, online: usize, allowed: &str) -> String {
        format!("CPUs: {online} online; this run may use {allowed}")
    }

    fn cpu_cost(&self, value: f64, measure: Measure) -> String {
        match measure {
            Measure::Latency => format!("{} µs/trip", self.num(value, 1)),
            Measure::Throughput => format!("{} s/GiB", self.num(value, 3)),
        }
    }

    fn mode_part(&self, part: ModePart) -> String {
        match part {
            ModePart::ReadWrite => "read/write".into(),
            ModePart::ZeroCopy => "vmsplice/splice".into(),
            ModePart::SendReceive => "mq_send/mq_receive".into(),
            ModePart::Queue {
                max_messages,
                message_size,
            } => format!(
                "queues of {max_messages} × {}",
                human_bytes(message_size as u64)
            ),
            ModePart::PipeSize(bytes) => format!("{} pipe", human_bytes(bytes as u64)),
            ModePart::BusyPoll => "busy-poll".into(),
            ModePart::HugePages => "huge pages".into(),
            ModePart::SameCpu(cpu) => format!("same CPU ({cpu})"),
            ModePart::SplitCpus(parent, child) => format!("split CPUs ({parent}, {child})"),
            ModePart::Sigqueue => "sigqueue/sigtimedwait".into(),
            ModePart::Memcpy => "memcpy".into(),
            ModePart::Futex => "futex".into(),
            ModePart::Ring(bytes) => format!("{} ring", human_bytes(bytes as u64)),
            ModePart::MeanOnly(nanos) => format!(
                "mean {} µs, no percentiles",
                self.num(nanos as f64 / 1e3, 2)
            ),
            ModePart::FanIn {
                senders,
                record_bytes,
            } => format!(
                "{}, {} records",
                count(senders as u64, "sender", "senders"),
                human_bytes(record_bytes as u64)
            ),
        }
    }

    fn bench_note(&self, mechanism: Mechanism, note: &BenchNote) -> String {
        let what = match note {
            BenchNote::PipeSizeRefused { .. } => match note.pipe_size_error() {
                Some(refused) => format!(
                    "{}; measured with the size the kernel kept",
                    self.pipe_size_refused(&refused)
                ),
                None => String::new(),
            },
            BenchNote::MessageSizeCapped { asked, max } => format!(
                "messages here are at most {} (/proc/sys/fs/mqueue/msgsize_max, or what \
                 RLIMIT_MSGQUEUE leaves), so the row sent {} messages, not the {} asked",
                human_bytes(*max as u64),
                human_bytes(*max as u64),
                human_bytes(*asked as u64)
            ),
            BenchNote::ZeroCopyCountsOnly => "zero-copy: the reader splice(2)s the pages to \
                                              /dev/null without looking at them, so only the \
                                              byte count is checked"
                .into(),
            BenchNote::SignalLatencyOnly => "a signal carries one number (the round) and no \
                                             bytes: no throughput row, and --msg-size does not \
                                             apply"
                .into(),
            BenchNote::FanInDoesNotApply => {
                let why = match mechanism {
                    Mechanism::Socketpair => {
                        "a socketpair has exactly two ends, one for each of two processes: no \
                         listener for a third to connect to"
                    }
                    Mechanism::UnixSeqpacket => {
                        "a seqpacket socket keeps every write a whole packet, so senders cannot \
                         tear each other's records"
                    }
                    Mechanism::Mq => "a message queue keeps every message whole, whoever sends it",
                    Mechanism::Shm => {
                        "the ring has one writer's index; two writers would race for it (see \
                         ipcdemo shm race)"
                    }
                    Mechanism::Signal | Mechanism::Eventfd => "it carries a number, not bytes",
                    Mechanism::Pipe | Mechanism::Fifo | Mechanism::UnixStream | Mechanism::Tcp => {
                        "not in this run"
                    }
                };
                format!(
                    "fan-in (--senders) does not apply: {why}; it is measured on the byte \
                     streams (pipe, fifo, unix-stream, tcp)"
                )
            }
            BenchNote::RecordsCapped { asked, pipe_buf } => format!(
                "fan-in: records of {} (PIPE_BUF), not the {} of --size: only a write of at \
                 most PIPE_BUF bytes to a pipe is atomic (pipe(7)); a larger one may be split \
                 and interleaved with other senders' bytes",
                human_bytes(*pipe_buf as u64),
                human_bytes(*asked as u64)
            ),
            BenchNote::RecordsPadded { asked, header } => format!(
                "fan-in: records of {}, not {}: each record carries its sender and sequence \
                 number",
                count(*header as u64, "byte", "bytes"),
                count(*asked as u64, "byte", "bytes")
            ),
        };
        format!("note ({}): {what}", mechanism.name())
    }

    fn fan_in_fairness(&self, mechanism: Mechanism, f: &FanIn) -> String {
        format!(
            "fairness ({}, {}): when the first sender finished, each had {} % to {} % of the \
             bytes read (ideal {} %)",
            mechanism.name(),
            count(f.senders as u64, "sender", "senders"),
            self.num(100.0 * f.share_min, 1),
            self.num(100.0 * f.share_max, 1),
            self.num(100.0 / f.senders.max(1) as f64, 1)
        )
    }

    fn bench_reading(&self, r: &Reading) -> String {
        let mut line = String::from("reading:");
        if let Some((best, gib, times_tcp)) = r.fastest {
            line += &format!(
                " the fastest stream was {} at {} GiB/s",
                sized(best, r.sizes.0),
                self.num(gib, 2)
            );
            if let Some(times) = times_tcp {
                line += &format!(" ({}× tcp)", self.num(times, 1));
            }
            line += if r.quickest.is_some() { ";" } else { "." };
        }
        if let Some((best, median)) = r.quickest {
            line += &format!(
                " the quickest round trip was {} at {} µs {}.",
                sized(best, r.sizes.1),
                self.num(median, 1),
                if r.by_mean { "mean" } else { "median" }
            );
            if r.suggest_pinning {
                line += " Most of that is waking the other process on another CPU: try --pin \
                         same or --busy-poll.";
            }
        }
        line
    }

    fn progress(
        &self,
        step: usize,
        steps: usize,
        mechanism: Mechanism,
        measure: Measure,
        size: Option<usize>,
    ) -> String {
        format!(
            "bench [{step}/{steps}] {} {}{}…",
            mechanism.name(),
            self.measure(measure),
            size.map_or_else(String::new, |s| format!(", {}", human_bytes(s as u64)))
        )
    }

    fn waiting(&self, w: &crate::event::Waiting) -> String {
        format!(
            "the father spent {} % of the time waiting in read(2) ({} of {})",
            self.num(100.0 * w.waited_s / w.reading_s, 0),
            self.duration(std::time::Duration::from_secs_f64(w.waited_s)),
            self.duration(std::time::Duration::from_secs_f64(w.reading_s))
        )
    }

    fn plot(&self, word: PlotWord) -> String {
        match word {
            PlotWord::Title => "ipcdemo bench: throughput and round trips",
            PlotWord::ThroughputBySize => "Throughput by message size",
            PlotWord::Throughput => "Throughput",
            PlotWord::LatencyBySize => "Round trip by message size",
            PlotWord::Latency => "Round-trip percentiles",
            PlotWord::MessageSize => "message size (log scale)",
            PlotWord::BytesPerSecond => "bytes/s, one way (log scale)",
            PlotWord::GibPerSecond => "GiB per second, one way",
            PlotWord::RoundTrip => "round trip (log scale)",
            PlotWord::Percentile => "percentile of round trips",
            PlotWord::Median => "median (p50)",
            PlotWord::P99 => "99th percentile (p99)",
            PlotWord::Max => "max",
            PlotWord::NoData => "Nothing to draw: no row was measured",
        }
        .into()
    }

    fn timeline(&self, word: TimelineWord) -> String {
        match word {
            TimelineWord::Son => "son".into(),
            TimelineWord::Father => "father".into(),
            TimelineWord::Pipe => "pipe".into(),
            TimelineWord::Write => "write".into(),
            TimelineWord::Writes(n) => count(n, "write", "writes"),
            TimelineWord::Waited(ms) => format!("({} ms)", self.num(ms, 0)),
            TimelineWord::EndOfFile => "end of file".into(),
            TimelineWord::Legend(Channel::Pipe) => {
                "timeline: (ms) = how long a read waited; pipe = bytes written and not \
                                                   yet read, counted from each write's call to \
                                                   each read's return, so at any instant an \
                                                   upper bound"
                    .into()
            }
            TimelineWord::Legend(Channel::Fifo) => {
                "timeline: (ms) = how long a read waited; pipe = bytes waiting in the FIFO \
                                                   just before each read (FIONREAD); with \
                                                   several sons writing, a FIFO cannot tell \
                                                   whose bytes they are, so no write is drawn"
                    .into()
            }
            TimelineWord::Legend(Channel::Socket) => {
                "timeline: (ms) = how long a read waited; pipe = bytes waiting on that \
                                                     son's connection just before each read \
                                                     (FIONREAD)"
                    .into()
            }
        }
    }
    fn atomic_progress(&self, step: usize, steps: usize, record_size: usize) -> String {
        format!("atomic [{step}/{steps}] {}-byte records…", record_size)
    }
    fn leak_summary(&self, r: &LeakReport) -> String {
        let first = match (r.forgot_close, r.stalled_ms) {
            (true, Some(ms)) => {
                let held = if r.write_ends.is_empty() {
                    "no process /proc would show".to_string()
                } else {
                    held_list(&r.write_ends)
                };
                let then = if r.end_of_file {
                    "once the father closed its forgotten copy, end of file came at once"
                } else {
                    "the run ended before the end of file"
                };
                format!(
                    "summary: the son left, yet no end of file came for {}: a write end was \
                     still open ({held}); {then}",
                    self.duration(std::time::Duration::from_millis(ms))
                )
            }
            (true, None) => "summary: the father kept its copy of the write end; the run \
                             ended before its son left"
                .into(),
            (false, _) if r.end_of_file => "summary: the father closed its copy of the write \
                                            end at once, so end of file came as soon as its son \
                                            left"
                .into(),
            (false, _) => "summary: the run ended before the son left".into(),
        };
        let Some(inherited) = &r.inherited else {
            return first;
        };
        let mut second = if inherited.is_empty() {
            "close-on-exec: the exec'd son of the pipe(2) pipe had none of it".to_string()
        } else {
            format!(
                "close-on-exec: the exec'd son of the pipe(2) pipe still had {} of it (fd {}), \
                 so its end of file waited for that son to exit",
                count(inherited.len() as u64, "descriptor", "descriptors"),
                fd_list(inherited)
            )
        };
        match &r.inherited_cloexec {
            Some(fds) if fds.is_empty() => {
                second.push_str("; the son of the pipe2(O_CLOEXEC) pipe had none")
            }
            Some(fds) => second.push_str(&format!(
                "; the son of the pipe2(O_CLOEXEC) pipe had {} (fd {})",
                count(fds.len() as u64, "descriptor", "descriptors"),
                fd_list(fds)
            )),
            None => {}
        }
        format!("{first}\n{second}")
    }

    fn leak_why(&self) -> String {
        "why: read(2) returns 0 only when every write end is closed, in every process (pipe(7)); \
         fork(2) copies every descriptor, and execve(2) keeps each one without FD_CLOEXEC \
         (fcntl(2)): make pipes with O_CLOEXEC and close the ends you do not use"
            .into()
    }

    fn crash_summary(&self, r: &CrashReport) -> String {
        let name = r.mechanism.name();
        let Some(son) = r.son else {
            return format!("summary ({name}): the run ended before a son was killed");
        };
        let how = if r.killed_in_write {
            "inside write(2)"
        } else {
            "while it wrote"
        };
        let mut line = format!("summary ({name}): son {son} was killed by SIGKILL {how}");
        if !r.end_of_file {
            line.push_str("; the run ended before the reader saw end of file");
            return line;
        }
        line.push_str(&format!(
            "; the reader still got {}, then end of file",
            count(r.bytes_after_kill, "byte", "bytes")
        ));
        match &r.left_behind {
            None if r.mechanism == Mechanism::Pipe => {
                line.push_str("; nothing was left behind: a pipe has no name")
            }
            None => line.push_str("; nothing was left behind"),
            Some(path) => {
                line.push_str(&format!("; it left {} behind", path.display()));
                if r.stale {
                    line.push_str(", a stale socket (connect(2) is refused)");
                }
                if r.recovered {
                    line.push_str(", which the stale-socket handling of `ipcdemo socket` replaced");
                }
                if r.removed {
                    line.push_str("; removed now, with the scratch folder");
                }
            }
        }
        line
    }

    fn crash_why(&self) -> String {
        "why: the kernel closes every descriptor of a killed process, so its reader gets the \
         bytes already in the buffer, which may end in the middle of a message (a write above \
         PIPE_BUF is not atomic, pipe(7)), then end of file; but a name in the file system \
         belongs to no process: a FIFO or a socket file stays until someone unlinks it \
         (fifo(7), unix(7))"
            .into()
    }

    fn lesson(&self, lesson: Lesson) -> &'static str {
        match lesson {
            Lesson::Anon => "a pipe(2) between a son thread and its father: messages glue",
            Lesson::AnonFork => "the same with a child process: two PIDs, one pipe",
            Lesson::Named => "a FIFO: run the father here, `ipcdemo named --son` elsewhere",
            Lesson::Socket => "a Unix socket: one connection per son, who they are, replies",
            Lesson::Seqpacket => "the same, but every read is exactly one message",
            Lesson::Capacity => "how much a pipe holds before a writer blocks",
            Lesson::Atomic => "which writes tear when many writers share a pipe",
            Lesson::Signal => "signals carry one bit: 1000 sent while blocked, 1 arrives",
            Lesson::Mq => "a message queue: whole messages, priorities that overtake",
            Lesson::Exec => "a program on two pipes: the deadlocks everyone meets",
            Lesson::Fds => "who holds a pipe's ends: leaks, close-on-exec, passing, kill -9",
            Lesson::ShmRace => "processes add to one counter in shared memory: adds get lost",
            Lesson::Shm => "shared memory: the father here, `ipcdemo shm --son` elsewhere",
            Lesson::Bench => "pipes, sockets, TCP, shm, signals, queues: how fast, here",
        }
    }

    fn lessons_intro(&self) -> &'static str {
        "ipcdemo: watch bytes travel between threads and processes. The lessons, in order:"
    }

    fn lessons_outro(&self) -> &'static str {
        "Run `ipcdemo <lesson> --help` for its options, `ipcdemo --help` for everything."
    }
}
