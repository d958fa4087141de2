//! English.

use std::path::Path;

use nix::errno::Errno;

use super::{ModePart, Reading, Words, count, human_bytes, shm_son_command, son_command, son_name};
use crate::bench::model::{BenchNote, Measure, Mechanism, Wake};
use crate::event::{
    AtomicRun, CapacityReport, CpuReport, Error, Event, LinuxOnly, Note, Partial, ProcessEnd,
    ReadCounts, Role, SyncMode, Why,
};
use crate::report::lessons::Lesson;
use crate::sys::pipesize::PipeSizeError;
use crate::sys::{Doing, FileKind, Object, Refusal};

pub struct En;

/// `desc (NAME)`: the system's words for an errno, then its name to search for.
fn errno(e: Errno) -> String {
    format!("{} ({e:?})", e.desc())
}

fn show(path: Option<&Path>) -> String {
    path.map_or_else(|| "the file".to_string(), |p| p.display().to_string())
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
                record: _,
            } => {
                let data = data.escaped();
                let mut line = match son.map(son_name) {
                    Some(son) => format!("{who} {pid} received [{data}] from son {son} at {time}"),
                    None => format!("{who} {pid} received [{data}] at {time}"),
                };
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
            Event::Sent { data } => format!("{who} {pid} sent [{}] at {time}", data.escaped()),
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
            Event::Eof | Event::Listening { .. } => return None,
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
                "replaced the stale socket {} (nobody listened: a father killed with -9)",
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
            Error::PipeBufBroken { pipe_buf } => format!(
                "a record of at most PIPE_BUF ({pipe_buf}) bytes tore: this kernel broke the \
                 promise of pipe(7)"
            ),
            Error::Bench {
                mechanism,
                measure,
                error,
            } => format!(
                "measuring the {} {}: {}",
                mechanism.name(),
                self.measure(*measure),
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
            Doing::Locking => format!("locking {p}"),
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

    fn why(&self, why: Why) -> String {
        match why {
            Why::ByteStream => "why: a pipe (and a SOCK_STREAM socket) is a byte stream with no \
                                message boundaries; read(2) returns whatever has arrived, up to \
                                the size asked (pipe(7), unix(7))"
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
        match (run.within_pipe_buf(), run.records_torn > 0) {
            (true, false) => "atomic, as pipe(7) promises up to PIPE_BUF",
            (true, true) => "TORN: this kernel broke the promise of pipe(7)",
            (false, true) => "torn: above PIPE_BUF nothing is promised",
            (false, false) => "none tore this time, but above PIPE_BUF the kernel promised nothing",
        }
        .into()
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

    fn copy_ceiling(&self, ceiling_gib: f64, shm_gib: f64) -> String {
        format!(
            "ceiling (shm): copying and checking the same records in one process, through a \
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

    fn bench_header(&self) -> [&'static str; 9] {
        [
            "mechanism",
            "measure",
            "GiB/s",
            "median µs",
            "p99 µs",
            "round trips/s",
            "CPU parent s",
            "CPU child s",
            "mode",
        ]
    }

    fn mode_part(&self, part: ModePart) -> String {
        match part {
            ModePart::ReadWrite => "read/write".into(),
            ModePart::ZeroCopy => "vmsplice/splice".into(),
            ModePart::PipeSize(bytes) => format!("{} pipe", human_bytes(bytes as u64)),
            ModePart::BusyPoll => "busy-poll".into(),
            ModePart::HugePages => "huge pages".into(),
            ModePart::SameCpu(cpu) => format!("same CPU ({cpu})"),
            ModePart::SplitCpus(parent, child) => format!("split CPUs ({parent}, {child})"),
            ModePart::Memcpy => "memcpy".into(),
            ModePart::Futex => "futex".into(),
            ModePart::Ring(bytes) => format!("{} ring", human_bytes(bytes as u64)),
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
            BenchNote::ZeroCopyCountsOnly => "zero-copy: the reader splice(2)s the pages to \
                                              /dev/null without looking at them, so only the \
                                              byte count is checked"
                .into(),
        };
        format!("note ({}): {what}", mechanism.name())
    }

    fn bench_reading(&self, r: &Reading) -> String {
        let mut line = String::from("reading:");
        if let Some((best, gib, times_tcp)) = r.fastest {
            line += &format!(
                " the fastest stream was {} at {} GiB/s",
                best.name(),
                self.num(gib, 2)
            );
            if let Some(times) = times_tcp {
                line += &format!(" ({}× tcp)", self.num(times, 1));
            }
            line += if r.quickest.is_some() { ";" } else { "." };
        }
        if let Some((best, median)) = r.quickest {
            line += &format!(
                " the quickest round trip was {} at {} µs median.",
                best.name(),
                self.num(median, 1)
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
    ) -> String {
        format!(
            "bench [{step}/{steps}] {} {}…",
            mechanism.name(),
            self.measure(measure)
        )
    }

    fn atomic_progress(&self, step: usize, steps: usize, record_size: usize) -> String {
        format!("atomic [{step}/{steps}] {}-byte records…", record_size)
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
            Lesson::ShmRace => "processes add to one counter in shared memory: adds get lost",
            Lesson::Shm => "shared memory: the father here, `ipcdemo shm --son` elsewhere",
            Lesson::Bench => "pipes, sockets, TCP and shared memory: how fast, here",
        }
    }

    fn lessons_intro(&self) -> &'static str {
        "ipcdemo: watch bytes travel between threads and processes. The lessons, in order:"
    }

    fn lessons_outro(&self) -> &'static str {
        "Run `ipcdemo <lesson> --help` for its options, `ipcdemo --help` for everything."
    }
}
