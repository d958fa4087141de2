//! Every message renders in every language. The lists below are checked against the types by
//! exhaustive matches with no wildcard: a new variant fails to compile here until it is listed,
//! and then it is rendered in every language like the rest.

use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::Signal;

use super::*;
use crate::bench::model::{Pin, Unsupported};
use crate::event::{
    Data, Deadlock, ExecReport, HeldFd, LinuxOnly, Partial, PipeFill, QueueReport, Sleeper, SonId,
    Stall, Waits,
};
use crate::sys::mqueue::{Attributes, Limits, Size};
use crate::sys::procfd::PipeEnd;
use crate::sys::sigqueue::SigNo;

fn stall(deadlock: Deadlock, known: bool) -> Stall {
    let sleeper = |pid, wchan: &str, waits| Sleeper {
        pid,
        wchan: known.then(|| wchan.to_string()),
        state: known.then_some('S'),
        waits,
    };
    let (father, son) = match deadlock {
        Deadlock::Buffering => (Waits::Reading, Waits::Reading),
        Deadlock::FullPipes => (Waits::Writing, Waits::Writing),
        Deadlock::Neither => (Waits::Reading, Waits::Elsewhere),
    };
    Stall {
        stall: std::time::Duration::from_millis(500),
        waited: std::time::Duration::from_millis(512),
        deadlock,
        father_sleeps: sleeper(7, "anon_pipe_read", father),
        son_sleeps: sleeper(8, "hrtimer_nanosleep", son),
        input_pipe: PipeFill {
            held_bytes: Some(65536),
            size_bytes: Some(65536),
        },
        output_pipe: PipeFill {
            held_bytes: known.then_some(61434),
            size_bytes: Some(65536),
        },
    }
}

fn program() -> Vec<String> {
    ["tr", "a-z", "A-Z"].map(String::from).into()
}
use crate::bench::model::Wake;

fn path() -> PathBuf {
    PathBuf::from("/tmp/ipcdemo-0/pipefifo")
}

fn limits() -> Limits {
    Limits {
        msg_max: Some(10),
        msgsize_max: Some(8192),
        queues_max: Some(256),
        msg_default: Some(10),
        msgsize_default: Some(8192),
        rlimit_bytes: Some(819_200),
    }
}

fn attributes() -> Attributes {
    Attributes {
        max_messages: 10,
        message_size: 8192,
        queued: 3,
    }
}

fn errors() -> Vec<Error> {
    let p = path();
    let q = "/ipcdemo-0-queue".to_string();
    let refused = |errno| Error::QueueRefused {
        name: q.clone(),
        errno,
        asked: Size {
            max_messages: 11,
            message_size: 8192,
        },
        limits: Box::new(limits()),
    };
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
        Error::NoMemory { bytes: 16 << 20 },
        Error::Bench {
            mechanism: Mechanism::Tcp,
            measure: Measure::Latency,
            size: Some(4096),
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
        Error::ProgramNotStarted {
            program: program(),
            errno: Errno::ENOENT,
        },
        Error::ProgramNotStarted {
            program: program(),
            errno: Errno::EACCES,
        },
        Error::ProgramNotStarted {
            program: program(),
            errno: Errno::E2BIG,
        },
        Error::Deadlock {
            program: program(),
            stall: Box::new(stall(Deadlock::Buffering, true)),
            written: 9,
        },
        Error::Deadlock {
            program: program(),
            stall: Box::new(stall(Deadlock::FullPipes, true)),
            written: 135_168,
        },
        Error::Deadlock {
            program: program(),
            stall: Box::new(stall(Deadlock::Neither, false)),
            written: 9,
        },
        Error::SonStoppedReading {
            son: 8,
            program: program(),
            sent_lines: 3,
            sent_bytes: 27,
            answered: Some(1),
            epipe: true,
        },
        Error::SonStoppedReading {
            son: 8,
            program: program(),
            sent_lines: 0,
            sent_bytes: 0,
            answered: Some(0),
            epipe: false,
        },
        Error::SonStoppedReading {
            son: 8,
            program: program(),
            sent_lines: 455,
            sent_bytes: 4096,
            answered: None,
            epipe: true,
        },
        Error::NotAStream(Mechanism::Signal),
        Error::NoSuchProcess(4242),
        Error::NotASignalFather {
            pid: 42,
            cmdline: "sleep 30".into(),
        },
        Error::WouldKill {
            pid: 42,
            signal: SigNo::realtime(1),
            ignored: false,
        },
        Error::WouldKill {
            pid: 42,
            signal: SigNo::from(Signal::SIGUSR2),
            ignored: true,
        },
        Error::SignalNotPermitted {
            pid: 42,
            signal: SigNo::from(Signal::SIGUSR2),
        },
        Error::FatherGone { pid: 42, sent: 7 },
        Error::ThreadNotProcess {
            tid: 43,
            process: 42,
        },
        Error::NotASignalFather {
            pid: 2,
            cmdline: String::new(),
        },
        Error::QueueLimitTooHigh {
            asked: 1_000_000,
            hard: 96_365,
        },
        Error::NeedsLinux(LinuxOnly::MessageQueues),
        Error::NoQueue {
            name: q.clone(),
            given_name: true,
        },
        Error::QueueOwner {
            name: q.clone(),
            owner: 0,
            me: 65534,
        },
        Error::QueueForbidden(q.clone()),
        Error::AnotherFatherReceiving {
            name: q.clone(),
            pid: Some(42),
        },
        Error::QueueFull {
            name: q.clone(),
            max_messages: 2,
            sent: 2,
        },
        Error::MessageTooLong {
            name: q.clone(),
            bytes: 8,
            message_size: 4,
        },
        refused(Errno::EINVAL),
        refused(Errno::EMFILE),
        refused(Errno::ENOSPC),
        refused(Errno::EIO),
        Error::QueueRemoved {
            name: q.clone(),
            sent: 12,
        },
        Error::NoSender {
            path: p.clone(),
            stale: false,
        },
        Error::NoSender {
            path: p.clone(),
            stale: true,
        },
        Error::NoDescriptor {
            path: p.clone(),
            count: 0,
        },
        Error::NoDescriptor {
            path: p.clone(),
            count: 2,
        },
        Error::NotAPipeWriteEnd { path: p.clone() },
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
        Error::NotAStream(_) => 34,
        Error::NoSuchProcess(_) => 35,
        Error::NotASignalFather { cmdline, .. } if cmdline.is_empty() => 36,
        Error::NotASignalFather { .. } => 37,
        Error::ThreadNotProcess { .. } => 38,
        Error::WouldKill { ignored: false, .. } => 39,
        Error::WouldKill { ignored: true, .. } => 40,
        Error::SignalNotPermitted { .. } => 41,
        Error::FatherGone { .. } => 42,
        Error::QueueLimitTooHigh { .. } => 43,
        Error::NeedsLinux(LinuxOnly::MessageQueues) => 44,
        Error::NoQueue { .. } => 45,
        Error::QueueOwner { .. } => 46,
        Error::QueueForbidden(_) => 47,
        Error::AnotherFatherReceiving { .. } => 48,
        Error::QueueFull { .. } => 49,
        Error::MessageTooLong { .. } => 50,
        Error::QueueRefused { .. } => 51,
        Error::QueueRemoved { .. } => 52,
        Error::NoSender { stale: false, .. } => 53,
        Error::NoSender { stale: true, .. } => 54,
        Error::NoDescriptor { count: 0, .. } => 55,
        Error::NoDescriptor { .. } => 56,
        Error::NotAPipeWriteEnd { .. } => 57,
        Error::ProgramNotStarted { .. } => 58,
        Error::Deadlock { .. } => 59,
        Error::SonStoppedReading { .. } => 60,
        Error::ShmBusy { .. } => 61,
        Error::NotARing(_) => 62,
        Error::NoHandOver { .. } => 63,
        Error::FatherLeftRing { .. } => 64,
        Error::NoShmFather { stale: false, .. } => 65,
        Error::NoShmFather { stale: true, .. } => 66,
        Error::RingBrokenByFather(_) => 67,
        Error::AddsLost { .. } => 68,
        Error::NoSuchMeasure { .. } => 69,
        Error::NeedsLinux(LinuxOnly::SharedMemory) => 70,
        Error::NoMemory { .. } => 71,
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
        Note::TraceTruncated {
            path: p,
            kept: 200_000,
            left_out: 5,
        },
        Note::BenchChildFailed(error),
        Note::SignalHeld {
            signal: SigNo::from(Signal::SIGUSR2),
            count: 1000,
        },
        Note::SignalSonDone { son: 43 },
        Note::QueueLimitSet { limit: 10, uid: 0 },
        Note::BacklogCapped {
            limit: 1024,
            uid: 1000,
        },
        Note::SignalFatherWaiting {
            pid: 42,
            signal: SigNo::realtime(1),
            realtime: true,
        },
        Note::QueueCreated {
            name: "/ipcdemo-0-queue",
            attributes: attributes(),
            limits: limits(),
        },
        Note::StaleQueueReplaced {
            name: "/ipcdemo-0-queue",
            lock: p,
            left: 3,
        },
        Note::StaleQueueReplaced {
            name: "/ipcdemo-0-queue",
            lock: p,
            left: 0,
        },
        Note::StaleQueueReplaced {
            name: "/ipcdemo-0-queue",
            lock: p,
            left: 1,
        },
        Note::ReadingAfter {
            name: "/ipcdemo-0-queue",
            after: std::time::Duration::from_secs(2),
            max_messages: 10,
        },
        Note::FatherReceiving {
            name: "/ipcdemo-0-queue",
            given_name: false,
        },
        Note::SonSendingTo {
            name: "/ipcdemo-0-queue",
            attributes: attributes(),
        },
        Note::NoFatherHoldsQueue {
            name: "/ipcdemo-0-queue",
            lock: p,
        },
        Note::QueueFullWaiting {
            name: "/ipcdemo-0-queue",
            max_messages: 10,
        },
        Note::SenderListening {
            path: p,
            given_path: true,
        },
        Note::ProcessesHidden(3),
        Note::Stalling(std::time::Duration::from_secs(2)),
        Note::ScratchFolder(p),
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
        Note::ExportsNotWritten,
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
        Note::SignalHeld { .. } => 17,
        Note::SignalSonDone { .. } => 18,
        Note::QueueLimitSet { .. } => 19,
        Note::SignalFatherWaiting { .. } => 20,
        Note::BacklogCapped { .. } => 21,
        Note::QueueCreated { .. } => 22,
        Note::StaleQueueReplaced { .. } => 23,
        Note::ReadingAfter { .. } => 24,
        Note::FatherReceiving { .. } => 25,
        Note::SonSendingTo { .. } => 26,
        Note::NoFatherHoldsQueue { .. } => 27,
        Note::QueueFullWaiting { .. } => 28,
        Note::SenderListening { .. } => 29,
        Note::ProcessesHidden(_) => 30,
        Note::Stalling(_) => 31,
        Note::ScratchFolder(_) => 32,
        Note::TraceTruncated { .. } => 33,
        Note::ShmListening { .. } => 34,
        Note::RingBroken { .. } => 35,
        Note::OneCpu(_) => 36,
        Note::RaceSonKilled { .. } => 37,
        Note::ExportsNotWritten => 38,
    }
}

const DOINGS: [Doing; 75] = [
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
    Doing::SharingMemory,
    Doing::WritingTrace,
    Doing::WritingExport,
    Doing::BlockingSignals,
    Doing::SettingQueueLimit,
    Doing::ReadingProcess,
    Doing::SendingSignal,
    Doing::WaitingForSignal,
    Doing::OpeningPidfd,
    Doing::OpeningQueue,
    Doing::CreatingQueue,
    Doing::RemovingQueue,
    Doing::ReadingQueueAttributes,
    Doing::SendingToQueue,
    Doing::ReceivingFromQueue,
    Doing::WaitingForRoom,
    Doing::ScanningProc,
    Doing::PassingDescriptor,
    Doing::ReceivingDescriptor,
    Doing::SettingPassCred,
    Doing::Executing,
    Doing::KillingSon,
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
        Doing::SharingMemory => 44,
        Doing::WritingTrace => 45,
        Doing::BlockingSignals => 46,
        Doing::SettingQueueLimit => 47,
        Doing::ReadingProcess => 48,
        Doing::SendingSignal => 49,
        Doing::WaitingForSignal => 50,
        Doing::OpeningPidfd => 51,
        Doing::OpeningQueue => 52,
        Doing::CreatingQueue => 53,
        Doing::RemovingQueue => 54,
        Doing::ReadingQueueAttributes => 55,
        Doing::SendingToQueue => 56,
        Doing::ReceivingFromQueue => 57,
        Doing::WaitingForRoom => 58,
        Doing::ScanningProc => 59,
        Doing::PassingDescriptor => 60,
        Doing::ReceivingDescriptor => 61,
        Doing::SettingPassCred => 62,
        Doing::Executing => 63,
        Doing::KillingSon => 64,
        Doing::CreatingMemfd => 65,
        Doing::Sealing => 66,
        Doing::Mapping => 67,
        Doing::CreatingEventfd => 68,
        Doing::PassingDescriptors => 69,
        Doing::ReceivingDescriptors => 70,
        Doing::InitialisingMutex => 71,
        Doing::LockingMutex => 72,
        Doing::WaitingInRing => 73,
        Doing::WritingExport => 74,
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

fn events<'a>(program: &'a [String], stalls: &'a [Stall]) -> Vec<Event<'a>> {
    let data = Data(b"Spam 000\n");
    let mut events = vec![
        Event::Received {
            data,
            son: Some(SonId::Process { son: 9 }),
            partial: Some(Partial::WriterLeft),
            record_bytes: None,
            priority: None,
            queued: None,
            timing: None,
            record: None,
        },
        Event::Received {
            data,
            son: None,
            partial: Some(Partial::LongLine),
            record_bytes: Some(200_000),
            priority: None,
            queued: None,
            timing: None,
            record: None,
        },
        Event::Received {
            data,
            son: None,
            partial: None,
            record_bytes: None,
            priority: None,
            queued: None,
            timing: None,
            record: Some(4),
        },
        Event::Received {
            data,
            son: None,
            partial: None,
            record_bytes: None,
            priority: Some(1),
            queued: Some(3),
            timing: None,
            record: None,
        },
        Event::Sent {
            data,
            priority: None,
            timing: None,
        },
        Event::Sent {
            data,
            priority: Some(1),
            timing: None,
        },
        Event::Lanes {
            son: Some(1),
            father: 2,
            channel: crate::event::Channel::Pipe,
        },
        Event::Read {
            data,
            timing: crate::event::ReadTiming {
                call_at: 1.0,
                waited_us: 5.0,
                from: 0,
                to: 9,
                in_pipe: Some(9),
                writes: None,
            },
        },
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
        Event::SignalSent {
            signal: SigNo::from(Signal::SIGUSR2),
            target: 42,
            value: None,
        },
        Event::SignalSent {
            signal: SigNo::realtime(1),
            target: 42,
            value: Some(7),
        },
        Event::SignalReceived {
            signal: SigNo::from(Signal::SIGUSR2),
            sender: 43,
            value: None,
        },
        Event::SignalReceived {
            signal: SigNo::realtime(1),
            sender: 43,
            value: Some(7),
        },
        Event::SignalRefused {
            signal: SigNo::realtime(1),
            target: 42,
            value: 10,
        },
        Event::AlarmSet { seconds: 5 },
        Event::AlarmRang {
            seconds: 5,
            waited_s: 5.000_2,
        },
        Event::PipeMade {
            inode: 48211,
            read_fd: 3,
            write_fd: 4,
            cloexec: true,
        },
        Event::PipeMade {
            inode: 48211,
            read_fd: 3,
            write_fd: 4,
            cloexec: false,
        },
        Event::Forked {
            son: 9,
            exec: false,
        },
        Event::Forked { son: 9, exec: true },
        Event::Holds {
            holder: 9,
            command: "ipcdemo",
            fd: 4,
            end: PipeEnd::Write,
            cloexec: true,
            inode: 48211,
        },
        Event::Holds {
            holder: 9,
            command: "ipcdemo",
            fd: 3,
            end: PipeEnd::Read,
            cloexec: false,
            inode: 48211,
        },
        Event::Holds {
            holder: 9,
            command: "cat",
            fd: 5,
            end: PipeEnd::ReadWrite,
            cloexec: false,
            inode: 48211,
        },
        Event::HoldsNothing {
            holder: 9,
            inode: 48211,
        },
        Event::Closed {
            fd: 4,
            end: PipeEnd::Write,
        },
        Event::Reaped {
            son: 9,
            end: ProcessEnd::Exited(0),
        },
        Event::EndOfFile { inode: 48211 },
        Event::NoEndOfFile {
            inode: 48211,
            waited_ms: 0,
        },
        Event::NoEndOfFile {
            inode: 48211,
            waited_ms: 2000,
        },
        Event::Passed {
            fd: 5,
            inode: 48211,
            son: 9,
        },
        Event::GotDescriptor {
            fd: 4,
            inode: 48211,
            sender_pid: Some(8),
            sender_uid: Some(1000),
        },
        Event::GotDescriptor {
            fd: 4,
            inode: 48211,
            sender_pid: None,
            sender_uid: None,
        },
        Event::Killed {
            son: 9,
            mechanism: Mechanism::Fifo,
            in_write: true,
        },
        Event::Killed {
            son: 9,
            mechanism: Mechanism::Tcp,
            in_write: false,
        },
        Event::Drained {
            mechanism: Mechanism::UnixStream,
            bytes: (3 << 20) + 5,
            message_bytes: 1 << 20,
        },
        Event::LeftBehind {
            mechanism: Mechanism::Pipe,
            path: None,
        },
        Event::LeftBehind {
            mechanism: Mechanism::Fifo,
            path: Some(Path::new("/tmp/ipcdemo-0/fds-kill.x/fifo")),
        },
        Event::Stale {
            path: Path::new("/tmp/ipcdemo-0/fds-kill.x/socket"),
        },
        Event::Recovered {
            path: Path::new("/tmp/ipcdemo-0/fds-kill.x/socket"),
        },
        Event::Started { son: 8, program },
        Event::InputWritten {
            son: 8,
            total: 65536,
        },
        Event::OutputRead { son: 8, total: 1 },
        Event::OwnerDead,
        Event::TurnedAway {
            son: SonId::Process { son: 9 },
            connected: 8,
        },
        Event::Uncommitted {
            son: SonId::Process { son: 9 },
            record: 12,
        },
    ];
    events.extend(stalls.iter().map(Event::Stalled));
    events
}

fn stalls() -> Vec<Stall> {
    vec![
        stall(Deadlock::Buffering, true),
        stall(Deadlock::Neither, false),
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
        Event::Lanes { .. } => 12,
        Event::SignalSent { value: None, .. } => 13,
        Event::SignalSent { value: Some(_), .. } => 14,
        Event::SignalReceived { value: None, .. } => 15,
        Event::SignalReceived { value: Some(_), .. } => 16,
        Event::SignalRefused { .. } => 17,
        Event::AlarmSet { .. } => 18,
        Event::AlarmRang { .. } => 19,
        Event::PipeMade { cloexec: true, .. } => 20,
        Event::PipeMade { cloexec: false, .. } => 21,
        Event::Forked { exec: false, .. } => 22,
        Event::Forked { exec: true, .. } => 23,
        Event::Holds {
            end: PipeEnd::Write,
            ..
        } => 24,
        Event::Holds {
            end: PipeEnd::Read, ..
        } => 25,
        Event::Holds {
            end: PipeEnd::ReadWrite,
            ..
        } => 26,
        Event::HoldsNothing { .. } => 27,
        Event::Closed { .. } => 28,
        Event::Reaped { .. } => 29,
        Event::EndOfFile { .. } => 30,
        Event::NoEndOfFile { waited_ms: 0, .. } => 31,
        Event::NoEndOfFile { .. } => 32,
        Event::Passed { .. } => 33,
        Event::GotDescriptor {
            sender_pid: Some(_),
            ..
        } => 34,
        Event::GotDescriptor { .. } => 35,
        Event::Killed { in_write: true, .. } => 36,
        Event::Killed { .. } => 37,
        Event::Drained { .. } => 38,
        Event::LeftBehind { path: None, .. } => 39,
        Event::LeftBehind { .. } => 40,
        Event::Stale { .. } => 41,
        Event::Recovered { .. } => 42,
        Event::Started { .. } => 43,
        Event::InputWritten { .. } => 44,
        Event::OutputRead { .. } => 45,
        Event::Stalled(_) => 46,
        Event::Read { .. } => 47,
        Event::OwnerDead => 48,
        Event::TurnedAway { .. } => 49,
        Event::Uncommitted { .. } => 50,
    }
}

/// One of each kind of signals summary: a forked son's father (standard and realtime, with a
/// full queue and waits), a father on its own, a son on its own.
fn signal_reports() -> Vec<SignalReport> {
    let father = SignalReport {
        role: Role::Father,
        signal: SigNo::from(Signal::SIGUSR2),
        realtime: false,
        held: true,
        target: None,
        sent: Some(1000),
        refused: 0,
        queue_full_after: None,
        waits: 0,
        received: Some(1),
        merged: Some(999),
        out_of_order: 0,
        queue_limit: None,
        why: vec![Why::SignalsMerge],
    };
    let realtime = SignalReport {
        signal: SigNo::realtime(1),
        realtime: true,
        sent: Some(8),
        refused: 992,
        queue_full_after: Some(8),
        waits: 3,
        received: Some(7),
        merged: Some(1),
        out_of_order: 2,
        queue_limit: Some(10),
        ..father.clone()
    };
    let alone = SignalReport {
        sent: None,
        merged: None,
        ..father.clone()
    };
    let son = SignalReport {
        role: Role::Son,
        target: Some(42),
        received: None,
        merged: None,
        refused: 3,
        waits: 1,
        ..realtime.clone()
    };
    vec![father, realtime, alone, son]
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
    let (program, stalls) = (program(), stalls());
    for e in events(&program, &stalls) {
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
    for why in [
        Why::ByteStream,
        Why::Seqpacket,
        Why::Tcp,
        Why::SignalsMerge,
        Why::SignalsQueue,
        Why::QueueLimit(10),
        Why::SignalPingPong,
        Why::MessageQueue,
        Why::Ring,
    ] {
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
    for report in signal_reports() {
        said.push((
            format!("signals {report:?}"),
            words.signals_summary(7, &report),
        ));
    }
    for timed in [true, false] {
        let report = PingPongReport {
            signal: SigNo::realtime(1),
            rounds: if timed { 1000 } else { 0 },
            rtt_median_us: timed.then_some(41.3),
            rtt_p99_us: timed.then_some(80.2),
            round_trips_per_second: timed.then_some(24_000.0),
        };
        said.push((
            format!("ping-pong {timed}"),
            words.ping_pong_summary(&report),
        ));
    }
    for rang in [true, false] {
        let report = AlarmReport {
            seconds: 5,
            waited_s: 2.5,
            rang,
        };
        said.push((format!("alarm {rang}"), words.alarm_summary(&report)));
    }
    for left in [0, 1, 3] {
        let report = QueueReport {
            name: "/ipcdemo-0-queue".into(),
            messages: 12,
            bytes: 96,
            receives: 12,
            priority_messages: 4,
            max_messages: 10,
            message_size_bytes: 8192,
            left_in_queue: left,
        };
        said.push((format!("queue {left}"), words.queue_summary(&report)));
    }
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
    for stopped in [false, true] {
        for torn in [0, 3] {
            for size in [4096, 4097] {
                let run = AtomicRun {
                    record_size: size,
                    writers: 8,
                    records_written: 1600,
                    records_torn: torn,
                    bytes_lost: 0,
                    pipe_buf_bytes: 4096,
                    stopped,
                };
                said.push((
                    format!("verdict {size} {torn} {stopped}"),
                    words.atomic_verdict(&run),
                ));
            }
        }
    }
    said.push((
        "signal note".into(),
        words.bench_note(Mechanism::Signal, &BenchNote::SignalLatencyOnly),
    ));
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
    let capped = BenchNote::MessageSizeCapped {
        asked: 64 << 10,
        max: 8192,
    };
    said.push((
        "capped note".into(),
        words.bench_note(Mechanism::Mq, &capped),
    ));
    for mechanism in Mechanism::ALL {
        said.push((
            format!("fan-in {}", mechanism.name()),
            words.bench_note(mechanism, &BenchNote::FanInDoesNotApply),
        ));
    }
    said.push((
        "records capped".into(),
        words.bench_note(
            Mechanism::Fifo,
            &BenchNote::RecordsCapped {
                asked: 64 << 10,
                pipe_buf: 4096,
            },
        ),
    ));
    for asked in [1, 2] {
        said.push((
            format!("records padded {asked}"),
            words.bench_note(
                Mechanism::Tcp,
                &BenchNote::RecordsPadded { asked, header: 16 },
            ),
        ));
    }
    for senders in [1, 4] {
        let fan_in = crate::bench::model::FanIn {
            senders,
            record_bytes: 4096,
            sender_bytes: vec![1 << 20; senders],
            share_min: 0.238,
            share_max: 0.261,
        };
        said.push((
            format!("fairness {senders}"),
            words.fan_in_fairness(Mechanism::Pipe, &fan_in),
        ));
    }
    for by_mean in [false, true] {
        let reading = Reading {
            fastest: Some((Mechanism::UnixStream, 5.91, Some(1.7))),
            quickest: Some((Mechanism::Pipe, 42.7)),
            by_mean,
            suggest_pinning: true,
            sizes: (Some(64 << 10), Some(1)),
        };
        said.push((
            format!("reading by mean {by_mean}"),
            words.bench_reading(&reading),
        ));
    }
    said.push((
        "progress".into(),
        words.progress(1, 12, Mechanism::Fifo, Measure::Latency, Some(4096)),
    ));
    for part in [
        ModePart::ReadWrite,
        ModePart::ZeroCopy,
        ModePart::SendReceive,
        ModePart::Queue {
            max_messages: 10,
            message_size: 8192,
        },
        ModePart::PipeSize(1 << 20),
        ModePart::BusyPoll,
        ModePart::HugePages,
        ModePart::SameCpu(0),
        ModePart::SplitCpus(0, 1),
        ModePart::Sigqueue,
        ModePart::Memcpy,
        ModePart::Futex,
        ModePart::Ring(1 << 20),
        ModePart::MeanOnly(3_412),
        ModePart::FanIn {
            senders: 4,
            record_bytes: 4096,
        },
        ModePart::FanIn {
            senders: 1,
            record_bytes: 16,
        },
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
    for (big, same, end) in [
        (false, None, Some(ProcessEnd::Exited(0))),
        (
            true,
            Some(true),
            Some(ProcessEnd::Signaled(Signal::SIGKILL)),
        ),
        (true, Some(false), None),
    ] {
        let report = ExecReport {
            son: 8,
            program: program.clone(),
            big,
            lines_sent: 3,
            bytes_sent: 27,
            lines_received: 1,
            bytes_received: 9,
            same_as_sent: same,
            first_difference_at: same.and_then(|s| (!s).then_some(1)),
            exit_status: None,
            killed_by: None,
            end,
        };
        said.push((
            format!("exec summary {big} {same:?}"),
            words.exec_summary(&report),
        ));
    }
    said.push((
        "waiting".into(),
        words.waiting(&crate::event::Waiting {
            waited_s: 0.9,
            reading_s: 1.0,
        }),
    ));
    for word in [
        TimelineWord::Son,
        TimelineWord::Father,
        TimelineWord::Write,
        TimelineWord::Writes(2),
        TimelineWord::Waited(12.0),
        TimelineWord::EndOfFile,
        TimelineWord::Legend(crate::event::Channel::Pipe),
        TimelineWord::Legend(crate::event::Channel::Fifo),
        TimelineWord::Legend(crate::event::Channel::Socket),
    ] {
        said.push((format!("{word:?}"), words.timeline(word)));
    }
    for word in [
        PlotWord::Title,
        PlotWord::ThroughputBySize,
        PlotWord::Throughput,
        PlotWord::LatencyBySize,
        PlotWord::Latency,
        PlotWord::MessageSize,
        PlotWord::BytesPerSecond,
        PlotWord::GibPerSecond,
        PlotWord::RoundTrip,
        PlotWord::Percentile,
        PlotWord::Median,
        PlotWord::P99,
        PlotWord::Max,
        PlotWord::NoData,
    ] {
        // A new word must join this list: the match has no wildcard.
        match word {
            PlotWord::Title
            | PlotWord::ThroughputBySize
            | PlotWord::Throughput
            | PlotWord::LatencyBySize
            | PlotWord::Latency
            | PlotWord::MessageSize
            | PlotWord::BytesPerSecond
            | PlotWord::GibPerSecond
            | PlotWord::RoundTrip
            | PlotWord::Percentile
            | PlotWord::Median
            | PlotWord::P99
            | PlotWord::Max
            | PlotWord::NoData => {}
        }
        said.push((format!("plot {word:?}"), words.plot(word)));
    }
    for report in leak_reports() {
        said.push((format!("{report:?}"), words.leak_summary(&report)));
    }
    said.push(("leak why".into(), words.leak_why()));
    for report in crash_reports() {
        said.push((format!("{report:?}"), words.crash_summary(&report)));
    }
    said.push(("crash why".into(), words.crash_why()));
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
    said.push((
        "ceiling".into(),
        words.copy_ceiling("shm, 64 KiB", 9.8, 4.2),
    ));
    said.push(("bench header".into(), words.bench_header().join(" ")));
    for why in [
        Unsupported::AboveSendBuffer { max_bytes: 212_960 },
        Unsupported::AboveMessageSize { max_bytes: 8192 },
        Unsupported::NoPayload,
        Unsupported::NoFanIn,
    ] {
        // A new reason must join this list: the match has no wildcard.
        match why {
            Unsupported::AboveSendBuffer { .. }
            | Unsupported::AboveMessageSize { .. }
            | Unsupported::NoPayload
            | Unsupported::NoFanIn => {}
        }
        said.push((format!("unsupported {why:?}"), words.unsupported(why)));
    }
    for fact in [Fact::Command, Fact::Kernel, Fact::Unknown] {
        match fact {
            Fact::Command | Fact::Kernel | Fact::Unknown => {}
        }
        said.push((format!("fact {fact:?}"), words.fact(fact).to_string()));
    }
    said.push(("cpus fact".into(), words.cpus_fact(2, "0, 1")));
    said.push(("export title".into(), words.export_title().to_string()));
    said.push((
        "cpu cost latency".into(),
        words.cpu_cost(4.75, Measure::Latency),
    ));
    said.push((
        "cpu cost throughput".into(),
        words.cpu_cost(0.25, Measure::Throughput),
    ));
    said.push(("intro".into(), words.lessons_intro().to_string()));
    said.push(("outro".into(), words.lessons_outro().to_string()));
    said
}

/// Every way a leak summary can read: forgotten or closed, stalled or stopped, close-on-exec
/// reached or not, and a close-on-exec that failed.
fn leak_reports() -> Vec<LeakReport> {
    let held = vec![HeldFd { pid: 100, fd: 4 }];
    let mut reports = Vec::new();
    for (forgot_close, stalled_ms) in [(true, Some(2000)), (true, None), (false, None)] {
        for end_of_file in [true, false] {
            for (inherited, inherited_cloexec) in [
                (Some(vec![3, 4]), Some(vec![])),
                (Some(vec![]), Some(vec![5])),
                (Some(vec![3, 4]), None),
                (None, None),
            ] {
                reports.push(LeakReport {
                    forgot_close,
                    stalled_ms,
                    write_ends: held.clone(),
                    end_of_file,
                    inherited,
                    inherited_cloexec,
                });
            }
        }
    }
    reports.push(LeakReport {
        forgot_close: true,
        stalled_ms: Some(0),
        ..LeakReport::default()
    });
    reports
}

fn crash_reports() -> Vec<CrashReport> {
    let base = CrashReport {
        mechanism: Mechanism::Pipe,
        son: Some(9),
        killed_in_write: true,
        bytes_after_kill: 65536,
        message_bytes: 1 << 20,
        end_of_file: true,
        left_behind: None,
        stale: false,
        recovered: false,
        removed: false,
    };
    let socket = PathBuf::from("/tmp/ipcdemo-0/fds-kill.x/socket");
    vec![
        base.clone(),
        CrashReport {
            son: None,
            end_of_file: false,
            ..base.clone()
        },
        CrashReport {
            killed_in_write: false,
            end_of_file: false,
            ..base.clone()
        },
        CrashReport {
            mechanism: Mechanism::Fifo,
            left_behind: None,
            ..base.clone()
        },
        CrashReport {
            mechanism: Mechanism::UnixStream,
            left_behind: Some(socket),
            stale: true,
            recovered: true,
            removed: true,
            ..base
        },
    ]
}

#[test]
fn every_variant_is_listed_here() {
    assert_all_listed(errors().iter().map(error_index), "errors");
    let p = path();
    let e = Error::OtherSideLeft;
    assert_all_listed(notes(&p, &e).iter().map(note_index), "notes");
    assert_all_listed(refusals().iter().map(refusal_index), "refusals");
    let (program, stalls) = (program(), stalls());
    assert_all_listed(events(&program, &stalls).iter().map(event_index), "events");
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
                || ["BusyPoll", "ZeroCopy", "Memcpy", "Futex"].contains(&what.as_str())
                // A duration in parentheses reads the same everywhere.
                || what.starts_with("Waited");
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
fn command_lines_read_back_in_a_shell_and_keep_control_characters_out() {
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(command_line(&words(&["tr", "a-z", "A-Z"])), "tr a-z A-Z");
    assert_eq!(
        command_line(&words(&["sh", "-c", "tr a-z A-Z | cat"])),
        "sh -c 'tr a-z A-Z | cat'"
    );
    assert_eq!(
        command_line(&words(&["python3", "-c", "import sys\nprint('x')"])),
        "python3 -c $'import sys\\nprint(\\'x\\')'"
    );
    assert_eq!(
        command_line(&words(&["printf", "\x1b[31m"])),
        "printf $'\\u001b[31m'"
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
