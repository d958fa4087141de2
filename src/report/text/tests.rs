//! Every message renders in every language. The lists below are checked against the types by
//! exhaustive matches with no wildcard: a new variant fails to compile here until it is listed,
//! and then it is rendered in every language like the rest.

use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::Signal;

use super::*;
use crate::bench::model::{Pin, Wake};
use crate::event::{Data, LinuxOnly, Partial, SonId};

fn path() -> PathBuf {
    PathBuf::from("/tmp/ipcdemo-0/pipefifo")
}

fn errors() -> Vec<Error> {
    let p = path();
    let end = ProcessEnd::Signaled(Signal::SIGKILL);
    vec![
        Error::Stopped(Signal::SIGINT),
        Error::StdoutClosed,
        Error::Call {
            doing: Doing::Opening,
            path: Some(p.clone()),
            errno: Errno::EACCES,
        },
        Error::Refused {
            path: p.clone(),
            refusal: Refusal::Replaced,
        },
        Error::NoFatherReading(p.clone()),
        Error::FatherWentAway {
            path: p.clone(),
            sent: 2,
        },
        Error::FatherReset {
            path: p.clone(),
            sent: 1,
        },
        Error::FatherHungUp {
            path: p.clone(),
            sent: 0,
        },
        Error::AnotherFatherListening(p.clone()),
        Error::AnotherFatherReading {
            path: p.clone(),
            pid: Some(42),
        },
        Error::NoAnswer {
            path: p.clone(),
            waited: std::time::Duration::from_millis(1500),
        },
        Error::AddressInUse("127.0.0.1:5000".into()),
        Error::ConnectionRefused("127.0.0.1:5000".into()),
        Error::Unreachable("10.0.0.1:5000".into()),
        Error::BadAddress("nowhere:5000".into()),
        Error::SonNeedsPort,
        Error::NoFatherAtPath(p.clone()),
        Error::StaleSocket(p.clone()),
        Error::SocketTypeMismatch(p.clone()),
        Error::SocketPathTooLong(p.clone()),
        Error::SonThreadPanicked,
        Error::SonProcess(end),
        Error::BytesLost {
            record_size: 4096,
            lost: 1,
        },
        Error::CorruptRecords { byte: 0xff },
        Error::PipeBufBroken { pipe_buf: 4096 },
        Error::Bench {
            mechanism: Mechanism::Tcp,
            measure: Measure::Latency,
            error: Box::new(Error::OtherSideLeft),
        },
        Error::BenchChild(ProcessEnd::Exited(3)),
        Error::RoundMismatch { round: 7, got: 8 },
        Error::CorruptStream { after: 1 },
        Error::BytesMissing {
            received: 1,
            total: 2,
        },
        Error::OtherSideLeft,
        Error::PinNeedsTwoCpus {
            cpus: 1,
            pin: Pin::Split,
        },
        Error::NeedsLinux(LinuxOnly::ZeroCopy),
        Error::NeedsLinux(LinuxOnly::Pin),
        Error::ShmBusy {
            path: p.clone(),
            son: 42,
        },
        Error::NotARing(p.clone()),
        Error::NoHandOver {
            path: p.clone(),
            waited: std::time::Duration::from_secs(5),
        },
        Error::FatherLeftRing {
            path: p.clone(),
            sent: 3,
        },
        Error::NoShmFather {
            path: p.clone(),
            stale: false,
        },
        Error::NoShmFather {
            path: p.clone(),
            stale: true,
        },
        Error::RingBrokenByFather(p.clone()),
        Error::AddsLost {
            sync: SyncMode::Atomic,
            lost: 2,
        },
        Error::NoSuchMeasure {
            mechanism: Mechanism::Eventfd,
            measure: Measure::Throughput,
        },
        Error::NeedsLinux(LinuxOnly::SharedMemory),
    ]
}

/// Which entry of [`errors`] a variant is: no wildcard, so a new variant must be listed.
fn error_index(e: &Error) -> usize {
    match e {
        Error::Stopped(_) => 0,
        Error::StdoutClosed => 1,
        Error::Call { .. } => 2,
        Error::Refused { .. } => 3,
        Error::NoFatherReading(_) => 4,
        Error::FatherWentAway { .. } => 5,
        Error::FatherReset { .. } => 6,
        Error::FatherHungUp { .. } => 7,
        Error::AnotherFatherListening(_) => 8,
        Error::NoFatherAtPath(_) => 9,
        Error::StaleSocket(_) => 10,
        Error::SocketTypeMismatch(_) => 11,
        Error::SocketPathTooLong(_) => 12,
        Error::SonThreadPanicked => 13,
        Error::SonProcess(_) => 14,
        Error::BytesLost { .. } => 15,
        Error::CorruptRecords { .. } => 16,
        Error::PipeBufBroken { .. } => 17,
        Error::Bench { .. } => 18,
        Error::BenchChild(_) => 19,
        Error::RoundMismatch { .. } => 20,
        Error::CorruptStream { .. } => 21,
        Error::BytesMissing { .. } => 22,
        Error::OtherSideLeft => 23,
        Error::PinNeedsTwoCpus { .. } => 24,
        Error::NeedsLinux(LinuxOnly::ZeroCopy) => 25,
        Error::NeedsLinux(LinuxOnly::Pin) => 26,
        Error::AnotherFatherReading { .. } => 27,
        Error::NoAnswer { .. } => 28,
        Error::AddressInUse(_) => 29,
        Error::ConnectionRefused(_) => 30,
        Error::Unreachable(_) => 31,
        Error::BadAddress(_) => 32,
        Error::SonNeedsPort => 33,
        Error::ShmBusy { .. } => 34,
        Error::NotARing(_) => 35,
        Error::NoHandOver { .. } => 36,
        Error::FatherLeftRing { .. } => 37,
        Error::NoShmFather { stale: false, .. } => 38,
        Error::NoShmFather { stale: true, .. } => 39,
        Error::RingBrokenByFather(_) => 40,
        Error::AddsLost { .. } => 41,
        Error::NoSuchMeasure { .. } => 42,
        Error::NeedsLinux(LinuxOnly::SharedMemory) => 43,
    }
}

fn notes<'a>(p: &'a Path, error: &'a Error) -> Vec<Note<'a>> {
    let refused = PipeSizeError {
        asked: 64 << 20,
        errno: Some(Errno::EPERM),
        max: Some(1 << 20),
    };
    vec![
        Note::EndOfFile,
        Note::FatherWaitingForSon(p),
        Note::SonWaitingForFather(p),
        Note::AllSonsGone(p),
        Note::CreatedFifo(p),
        Note::FifoReadableByOthers(p),
        Note::FifoAlreadyThere(p),
        Note::FolderRepaired {
            folder: p,
            was: 0o500,
        },
        Note::TcpListening {
            address: "127.0.0.1:5000".parse().unwrap(),
        },
        Note::OpenToNetwork {
            address: "0.0.0.0:5000".parse().unwrap(),
        },
        Note::SocketListening {
            path: p,
            seqpacket: true,
            given_path: true,
        },
        Note::StaleSocketReplaced(p),
        Note::TooManySons(3),
        Note::PipeSizeGranted {
            wanted: 100_000,
            granted: 131_072,
        },
        Note::PipeSizeRefused(refused),
        Note::SonFailed { pid: 42, error },
        Note::BenchChildFailed(error),
        Note::ShmListening {
            path: p,
            given_path: true,
            wake: Wake::Futex,
            pid: 7,
        },
        Note::ShmListening {
            path: p,
            given_path: false,
            wake: Wake::Spin,
            pid: 7,
        },
        Note::ShmListening {
            path: p,
            given_path: false,
            wake: Wake::Eventfd,
            pid: 7,
        },
        Note::RingBroken {
            son: 9,
            record: 3,
            len: Some(70000),
        },
        Note::RingBroken {
            son: 9,
            record: 3,
            len: None,
        },
        Note::OneCpu(1),
        Note::RaceSonKilled {
            pid: 9,
            signal: Signal::SIGKILL,
            on_purpose: true,
        },
        Note::RaceSonKilled {
            pid: 9,
            signal: Signal::SIGTERM,
            on_purpose: false,
        },
    ]
}

fn note_index(n: &Note<'_>) -> usize {
    match n {
        Note::EndOfFile => 0,
        Note::FatherWaitingForSon(_) => 1,
        Note::SonWaitingForFather(_) => 2,
        Note::AllSonsGone(_) => 3,
        Note::CreatedFifo(_) => 4,
        Note::FifoReadableByOthers(_) => 5,
        Note::SocketListening { .. } => 6,
        Note::StaleSocketReplaced(_) => 7,
        Note::TooManySons(_) => 8,
        Note::PipeSizeGranted { .. } => 9,
        Note::PipeSizeRefused(_) => 10,
        Note::SonFailed { .. } => 11,
        Note::BenchChildFailed(_) => 12,
        Note::FifoAlreadyThere(_) => 13,
        Note::FolderRepaired { .. } => 14,
        Note::TcpListening { .. } => 15,
        Note::OpenToNetwork { .. } => 16,
        Note::ShmListening { .. } => 17,
        Note::RingBroken { .. } => 18,
        Note::OneCpu(_) => 19,
        Note::RaceSonKilled { .. } => 20,
    }
}

const DOINGS: [Doing; 53] = [
    Doing::CreatingFolder,
    Doing::Examining,
    Doing::CreatingFifo,
    Doing::Opening,
    Doing::SettingMode,
    Doing::Reading,
    Doing::Reopening,
    Doing::MakingBlocking,
    Doing::MakingNonblocking,
    Doing::WritingTo,
    Doing::RemovingStaleSocket,
    Doing::CheckingInUse,
    Doing::Binding,
    Doing::ListeningOn,
    Doing::Publishing,
    Doing::ConnectingTo,
    Doing::CreatingPipe,
    Doing::CreatingSocket,
    Doing::ForkingSon,
    Doing::StartingThread,
    Doing::ReadingPipe,
    Doing::WritingPipe,
    Doing::WaitingForSon,
    Doing::WaitingForSons,
    Doing::AcceptingSon,
    Doing::ReadingFromSon,
    Doing::AskingPeer,
    Doing::SettingParentDeathSignal,
    Doing::InstallingSignals,
    Doing::WritingStdout,
    Doing::WritingRecords,
    Doing::ReadingRecords,
    Doing::CreatingScratch,
    Doing::Accepting,
    Doing::SettingNoDelay,
    Doing::Pinning,
    Doing::ReadingAffinity,
    Doing::ForkingBenchChild,
    Doing::WaitingForBenchChild,
    Doing::Streaming,
    Doing::Draining,
    Doing::PingPong,
    Doing::OpeningDevNull,
    Doing::Locking,
    Doing::CreatingMemfd,
    Doing::Sealing,
    Doing::Mapping,
    Doing::CreatingEventfd,
    Doing::PassingDescriptors,
    Doing::ReceivingDescriptors,
    Doing::InitialisingMutex,
    Doing::LockingMutex,
    Doing::WaitingInRing,
];

fn doing_index(d: Doing) -> usize {
    match d {
        Doing::CreatingFolder => 0,
        Doing::Examining => 1,
        Doing::CreatingFifo => 2,
        Doing::Opening => 3,
        Doing::SettingMode => 4,
        Doing::Reading => 5,
        Doing::Reopening => 6,
        Doing::MakingBlocking => 7,
        Doing::MakingNonblocking => 8,
        Doing::WritingTo => 9,
        Doing::RemovingStaleSocket => 10,
        Doing::CheckingInUse => 11,
        Doing::Binding => 12,
        Doing::ListeningOn => 13,
        Doing::Publishing => 14,
        Doing::ConnectingTo => 15,
        Doing::CreatingPipe => 16,
        Doing::CreatingSocket => 17,
        Doing::ForkingSon => 18,
        Doing::StartingThread => 19,
        Doing::ReadingPipe => 20,
        Doing::WritingPipe => 21,
        Doing::WaitingForSon => 22,
        Doing::WaitingForSons => 23,
        Doing::AcceptingSon => 24,
        Doing::ReadingFromSon => 25,
        Doing::AskingPeer => 26,
        Doing::SettingParentDeathSignal => 27,
        Doing::InstallingSignals => 28,
        Doing::WritingStdout => 29,
        Doing::WritingRecords => 30,
        Doing::ReadingRecords => 31,
        Doing::CreatingScratch => 32,
        Doing::Accepting => 33,
        Doing::SettingNoDelay => 34,
        Doing::Pinning => 35,
        Doing::ReadingAffinity => 36,
        Doing::ForkingBenchChild => 37,
        Doing::WaitingForBenchChild => 38,
        Doing::Streaming => 39,
        Doing::Draining => 40,
        Doing::PingPong => 41,
        Doing::OpeningDevNull => 42,
        Doing::Locking => 43,
        Doing::CreatingMemfd => 44,
        Doing::Sealing => 45,
        Doing::Mapping => 46,
        Doing::CreatingEventfd => 47,
        Doing::PassingDescriptors => 48,
        Doing::ReceivingDescriptors => 49,
        Doing::InitialisingMutex => 50,
        Doing::LockingMutex => 51,
        Doing::WaitingInRing => 52,
    }
}

fn refusals() -> Vec<Refusal> {
    vec![
        Refusal::WrongKind {
            found: FileKind::Regular,
            wanted: Object::Fifo,
        },
        Refusal::FolderIsNot(FileKind::Symlink),
        Refusal::FolderOwner { owner: 0, me: 1000 },
        Refusal::FolderMode(0o755),
        Refusal::Owner {
            what: Object::Socket,
            owner: 0,
            me: 1000,
        },
        Refusal::Writable(0o622),
        Refusal::Replaced,
        Refusal::ListenerOwner { owner: 0, me: 1000 },
    ]
}

fn refusal_index(r: &Refusal) -> usize {
    match r {
        Refusal::WrongKind { .. } => 0,
        Refusal::FolderIsNot(_) => 1,
        Refusal::FolderOwner { .. } => 2,
        Refusal::FolderMode(_) => 3,
        Refusal::Owner { .. } => 4,
        Refusal::Writable(_) => 5,
        Refusal::Replaced => 6,
        Refusal::ListenerOwner { .. } => 7,
    }
}

const KINDS: [FileKind; 8] = [
    FileKind::Fifo,
    FileKind::Socket,
    FileKind::Symlink,
    FileKind::Regular,
    FileKind::Directory,
    FileKind::CharDevice,
    FileKind::BlockDevice,
    FileKind::Unknown,
];

fn events() -> Vec<Event<'static>> {
    let data = Data(b"Spam 000\n");
    vec![
        Event::Received {
            data,
            son: Some(SonId::Process { son: 9 }),
            partial: Some(Partial::WriterLeft),
            record_bytes: None,
            record: None,
        },
        Event::Received {
            data,
            son: None,
            partial: Some(Partial::LongLine),
            record_bytes: Some(200_000),
            record: Some(4),
        },
        Event::Sent { data },
        Event::Accepted {
            son: SonId::Process { son: 9 },
            uid: Some(0),
        },
        Event::Accepted {
            son: SonId::Address {
                peer: "127.0.0.1:40000".parse().unwrap(),
            },
            uid: None,
        },
        Event::Left {
            son: SonId::Process { son: 9 },
        },
        Event::Listening {
            address: "127.0.0.1:5000".parse().unwrap(),
        },
        Event::Answered { data, rtt_us: 12.5 },
        Event::Eof,
        Event::Filled {
            asked: 1,
            bytes: 1,
            held: 4096,
            partial: false,
        },
        Event::Filled {
            asked: 10000,
            bytes: 4096,
            held: 65536,
            partial: true,
        },
        Event::WouldBlock {
            asked: 1,
            held: 65536,
        },
        Event::OwnerDead,
        Event::TurnedAway {
            son: SonId::Process { son: 9 },
            connected: 8,
        },
        Event::Uncommitted {
            son: SonId::Process { son: 9 },
            record: 12,
        },
    ]
}

fn event_index(e: &Event<'_>) -> usize {
    match e {
        Event::Received {
            partial: Some(Partial::WriterLeft),
            ..
        } => 0,
        Event::Received { .. } => 1,
        Event::Sent { .. } => 2,
        Event::Accepted { uid: Some(_), .. } => 3,
        Event::Accepted { uid: None, .. } => 4,
        Event::Left { .. } => 5,
        Event::Answered { .. } => 6,
        Event::Eof => 7,
        Event::Filled { partial: false, .. } => 8,
        Event::Filled { partial: true, .. } => 9,
        Event::WouldBlock { .. } => 10,
        Event::Listening { .. } => 11,
        Event::OwnerDead => 12,
        Event::TurnedAway { .. } => 13,
        Event::Uncommitted { .. } => 14,
    }
}

fn assert_all_listed(indices: impl Iterator<Item = usize>, what: &str) {
    let mut seen: Vec<usize> = indices.collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(
        seen,
        (0..seen.len()).collect::<Vec<_>>(),
        "{what}: a variant is missing"
    );
}

/// Everything one language says about the samples, each with a name for failure messages.
fn everything(words: &dyn Words) -> Vec<(String, String)> {
    let p = path();
    let failure = Error::OtherSideLeft;
    let mut said = Vec::new();
    for e in errors() {
        said.push((format!("{e:?}"), words.error(&e)));
    }
    for n in notes(&p, &failure) {
        said.push((format!("{n:?}"), words.note(&n)));
    }
    for d in DOINGS {
        said.push((format!("{d:?}"), words.doing(d, Some(&p))));
        said.push((format!("{d:?} without a path"), words.doing(d, None)));
    }
    for r in refusals() {
        said.push((format!("{r:?}"), words.refusal(&p, r)));
    }
    for e in events() {
        if let Some(line) = words.event(words.role(Role::Father), 1, "1.000000", &e) {
            said.push((format!("{e:?}"), line));
        }
    }
    for k in KINDS {
        said.push((format!("{k:?}"), words.file_kind(k).to_string()));
    }
    for (lesson, _, _) in crate::report::lessons::MAP {
        said.push((format!("{lesson:?}"), words.lesson(lesson).to_string()));
    }
    for why in [Why::ByteStream, Why::Seqpacket, Why::Tcp, Why::Ring] {
        said.push((format!("{why:?}"), words.why(why)));
    }
    let counts = ReadCounts {
        messages: 2,
        bytes: 16,
        reads: 1,
        reads_one_message: 0,
        reads_several_messages: 1,
        reads_part_message: 0,
        bytes_discarded: 5,
    };
    said.push(("reads".into(), words.reads_summary(&counts)));
    said.push(("sent".into(), words.sent_summary(7, 2, 18)));
    let report = CapacityReport {
        mechanism: Mechanism::Pipe,
        held_bytes: 65536,
        pipe_size_bytes: Some(65536),
        requested_bytes: None,
        write_size_bytes: 10000,
        writes: 7,
        partial_writes: 1,
        pipe_buf_bytes: 4096,
        full: true,
    };
    said.push(("capacity".into(), words.capacity_summary(&report)));
    said.push(("capacity why".into(), words.capacity_why(&report)));
    for torn in [0, 3] {
        for size in [4096, 4097] {
            let run = AtomicRun {
                record_size: size,
                writers: 8,
                records_written: 1600,
                records_torn: torn,
                bytes_lost: 0,
                pipe_buf_bytes: 4096,
            };
            said.push((format!("verdict {size} {torn}"), words.atomic_verdict(&run)));
        }
    }
    let note = BenchNote::from(PipeSizeError {
        asked: 64 << 20,
        errno: Some(Errno::EPERM),
        max: Some(1 << 20),
    });
    said.push((
        "bench note".into(),
        words.bench_note(Mechanism::Pipe, &note),
    ));
    said.push((
        "zero-copy note".into(),
        words.bench_note(Mechanism::Pipe, &BenchNote::ZeroCopyCountsOnly),
    ));
    let reading = Reading {
        fastest: Some((Mechanism::UnixStream, 5.91, Some(1.7))),
        quickest: Some((Mechanism::Pipe, 42.7)),
        suggest_pinning: true,
    };
    said.push(("reading".into(), words.bench_reading(&reading)));
    said.push((
        "progress".into(),
        words.progress(1, 12, Mechanism::Fifo, Measure::Latency),
    ));
    for part in [
        ModePart::ReadWrite,
        ModePart::ZeroCopy,
        ModePart::PipeSize(1 << 20),
        ModePart::BusyPoll,
        ModePart::HugePages,
        ModePart::SameCpu(0),
        ModePart::SplitCpus(0, 1),
        ModePart::Memcpy,
        ModePart::Futex,
        ModePart::Ring(1 << 20),
    ] {
        said.push((format!("{part:?}"), words.mode_part(part)));
    }
    for end in [
        ProcessEnd::Exited(1),
        ProcessEnd::Signaled(Signal::SIGKILL),
        ProcessEnd::Other,
    ] {
        said.push((format!("{end:?}"), words.process_end(end)));
    }
    said.push(("atomic progress".into(), words.atomic_progress(2, 4, 4096)));
    said.push(("race header".into(), words.race_header().join(" ")));
    for sync in [SyncMode::None, SyncMode::Atomic, SyncMode::Lock] {
        said.push((format!("race why {sync:?}"), words.race_why(sync)));
    }
    said.push(("owner died".into(), words.race_owner_died(2)));
    for (role, wall) in [
        (Role::Father, Some(2.5)),
        (Role::Son, Some(2.5)),
        (Role::Son, None),
        (Role::Father, None),
    ] {
        for wake in [Wake::Spin, Wake::Futex, Wake::Eventfd] {
            let report = CpuReport {
                role,
                process: 9,
                records: 12,
                user_s: 1.25,
                sys_s: 0.5,
                wall_s: wall,
                wake,
            };
            said.push((
                format!("cpu {role:?} {wall:?} {wake:?}"),
                words.cpu_summary(&report),
            ));
        }
    }
    said.push(("ceiling".into(), words.copy_ceiling(9.8, 4.2)));
    said.push(("bench header".into(), words.bench_header().join(" ")));
    said.push(("intro".into(), words.lessons_intro().to_string()));
    said.push(("outro".into(), words.lessons_outro().to_string()));
    said
}

#[test]
fn every_variant_is_listed_here() {
    assert_all_listed(errors().iter().map(error_index), "errors");
    let p = path();
    let e = Error::OtherSideLeft;
    assert_all_listed(notes(&p, &e).iter().map(note_index), "notes");
    assert_all_listed(refusals().iter().map(refusal_index), "refusals");
    assert_all_listed(events().iter().map(event_index), "events");
    assert_all_listed(DOINGS.into_iter().map(doing_index), "doings");
}

#[test]
fn every_message_renders_in_every_language() {
    for lang in Lang::ALL {
        for (what, text) in everything(lang.words()) {
            assert!(!text.trim().is_empty(), "{lang:?}: {what} says nothing");
            assert!(!text.contains("{}"), "{lang:?}: {what}: {text}");
        }
    }
}

/// Words that are English and neither Portuguese nor Spanish.
const ENGLISH: [&str; 24] = [
    "the", "and", "with", "is", "was", "were", "of", "for", "it", "by", "from", "every", "would",
    "which", "this", "that", "when", "your", "you", "has", "have", "not", "its", "held",
];

/// The English words in `text`, outside `backticks` (commands) and the system's own errno text.
fn english_words(text: &str) -> Vec<String> {
    // The one errno in the samples; the system says it in its own language.
    let text = text.replace(Errno::EACCES.desc(), "");
    text.split('`')
        .step_by(2)
        .flat_map(|part| {
            part.split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .filter(|w| ENGLISH.contains(&w.as_str()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn other_languages_translate_everything() {
    let english: Vec<(String, String)> = everything(Lang::En.words());
    for lang in [Lang::Pt, Lang::Es] {
        for ((what, theirs), (_, ours)) in everything(lang.words()).iter().zip(&english) {
            let found = english_words(theirs);
            assert!(
                found.is_empty(),
                "{lang:?}: {what}: English {found:?} in {theirs}"
            );
            let same_by_nature = what.starts_with("Doing") && theirs.contains("TCP_NODELAY")
                || what.starts_with("PR_SET")
                || ["BusyPoll", "ZeroCopy", "Memcpy", "Futex"].contains(&what.as_str());
            if theirs == ours && !same_by_nature {
                // Names such as "vmsplice/splice" may read the same in every language.
                assert!(
                    !ours.contains(' '),
                    "{lang:?}: {what} is still English: {theirs}"
                );
            }
        }
    }
}

#[test]
fn plurals_agree_with_their_count() {
    assert_eq!(count(0, "message", "messages"), "0 messages");
    assert_eq!(count(1, "message", "messages"), "1 message");
    assert_eq!(count(2, "message", "messages"), "2 messages");
    let one = ReadCounts {
        messages: 1,
        bytes: 1,
        reads: 1,
        reads_one_message: 1,
        ..ReadCounts::default()
    };
    assert!(
        Lang::En
            .words()
            .reads_summary(&one)
            .starts_with("summary: 1 message, 1 byte in 1 read:")
    );
    let zero = ReadCounts::default();
    assert!(
        Lang::En
            .words()
            .reads_summary(&zero)
            .starts_with("summary: 0 messages, 0 bytes in 0 reads:")
    );
    assert!(
        Lang::Pt
            .words()
            .reads_summary(&one)
            .starts_with("resumo: 1 mensagem, 1 byte em 1 leitura:")
    );
    assert!(
        Lang::Es
            .words()
            .reads_summary(&one)
            .starts_with("resumen: 1 mensaje, 1 byte en 1 lectura:")
    );
    let two = ReadCounts {
        messages: 2,
        bytes: 2,
        reads: 2,
        ..ReadCounts::default()
    };
    assert!(
        Lang::Pt
            .words()
            .reads_summary(&two)
            .starts_with("resumo: 2 mensagens, 2 bytes em 2 leituras:")
    );
}

#[test]
fn the_son_command_is_exact_and_quoted() {
    let plain = Path::new("/tmp/x/socket");
    assert_eq!(son_command(plain, false, false), "ipcdemo socket --son");
    assert_eq!(
        son_command(plain, true, true),
        "ipcdemo socket --son --seqpacket --path /tmp/x/socket"
    );
    assert_eq!(
        son_command(Path::new("/tmp/it's here"), false, true),
        "ipcdemo socket --son --path '/tmp/it'\\''s here'"
    );
}

#[test]
fn durations_read_as_people_say_them() {
    use std::time::Duration;
    assert_eq!(Lang::En.words().duration(Duration::from_secs(2)), "2 s");
    assert_eq!(
        Lang::Pt.words().duration(Duration::from_millis(1500)),
        "1,5 s"
    );
    assert_eq!(
        Lang::En.words().duration(Duration::from_millis(250)),
        "250 ms"
    );
}

#[test]
fn figures_use_the_languages_decimal_mark() {
    assert_eq!(Lang::En.words().num(1.02, 2), "1.02");
    assert_eq!(Lang::Pt.words().num(1.02, 2), "1,02");
    assert_eq!(Lang::Es.words().num(1.02, 2), "1,02");
}

#[test]
fn tables_size_their_columns_from_the_cells() {
    let rows = vec![
        vec![
            "tamanho do registro".to_string(),
            "x".into(),
            "veredito".into(),
        ],
        vec!["4 KiB".to_string(), "1600".into(), "ok".into()],
    ];
    let lines = table(&rows, &[Align::Right, Align::Right, Align::Left]);
    assert_eq!(lines[0], "tamanho do registro     x  veredito");
    assert_eq!(lines[1], "              4 KiB  1600  ok");
}

#[test]
fn prose_wraps_at_words_with_a_hanging_indent() {
    let text = "why: a pipe is a byte stream with no message boundaries; read(2) returns what \
                has arrived";
    let wrapped = wrap(text, 40);
    for line in wrapped.lines() {
        assert!(line.chars().count() <= 40, "{line:?}");
    }
    let lines: Vec<&str> = wrapped.lines().collect();
    assert!(lines.len() > 1);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.starts_with("     ") && !l.starts_with("      "))
    );
    assert_eq!(
        wrapped.split_whitespace().collect::<Vec<_>>(),
        text.split_whitespace().collect::<Vec<_>>()
    );
    assert_eq!(wrap("short", 40), "short");
}
