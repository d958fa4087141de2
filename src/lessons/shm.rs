//! Messages through memory (lesson 9 of the map, `ipcdemo shm` and `ipcdemo shm --son`): the
//! father listens on a Unix socket (`shm-socket` in the per-user folder, made as safely as
//! `socket`'s), and hands each son a ring of records in shared memory: a memfd named
//! `ipcdemo-ring` (`memfd_create(2)`), sealed so that neither side can shrink it under the
//! other, passed with `SCM_RIGHTS` (`unix(7)`) together with two eventfds for `--wake eventfd`
//! (an eventfd has no path: passing it is the only way to share it). Both map it
//! (`mmap(2)`, `MAP_SHARED`), and from then on no system call carries a byte: the son copies
//! `Spam NNN` records in, the father copies them out. The ring (`sys::ring`) is for one
//! writer, so the father serves one son at a time and tells a second one so.
//!
//! The guarantees on show: records keep their boundaries (the ring stores each one's length,
//! so there is nothing like a pipe's glued reads); and a record is published by a commit word
//! stored last with release ordering, so a son killed with `-9` in the middle of one leaves a
//! record begun and never committed, which the father drops and says so, instead of showing
//! it torn. A memfd is no file in any folder: nothing is ever left in `/dev/shm`, and the
//! socket file is removed by its guard on every ending but `kill -9` of the father (the next
//! father replaces that stale socket).
//!
//! How it waits (`--wake`): with nothing to read the father spins on the commit word (and
//! burns a whole CPU, which the CPU summary shows), or sleeps in `futex(2)` on a word in the
//! mapping (the shared kind: a private futex never wakes another process), or in `poll(2)` on
//! an eventfd. A futex sleeper wakes every 50 ms and a spinner looks every few thousand turns,
//! to see a son hang up (`POLLHUP` on the socket) or a stop signal; the eventfd sleeper polls
//! the socket with it. A son whose ring is full waits for room the same way, and sees its
//! father go the same way. The son says what it has cost in CPU time in the ring after each
//! record, so the father can show both sides' cost.

use std::path::PathBuf;
use std::time::Duration;

use crate::bench::model::Wake;
use crate::event::{Outcome, Sink};

/// What `ipcdemo shm` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Be a son (the writer) instead of the father (the reader).
    pub son: bool,
    /// The socket file; `None`: `shm-socket` in the per-user folder.
    pub path: Option<PathBuf>,
    /// Father: records to read from all sons; son: records to send. `None`: until stopped.
    pub count: Option<u64>,
    /// The unit of the son's sleeps.
    pub tick: Duration,
    /// Father: how the waiting side is woken (the son learns it from the ring).
    pub wake: Wake,
}

pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
    #[cfg(target_os = "linux")]
    {
        linux::run(config, sink)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (config, sink);
        Outcome::from(Err(crate::event::Error::NeedsLinux(
            crate::event::LinuxOnly::SharedMemory,
        )))
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};
    use std::path::Path;
    use std::time::{Duration, Instant};

    use nix::errno::Errno;
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use nix::unistd::{getpid, read};

    use super::Config;
    use crate::bench::model::Wake;
    use crate::event::{
        CpuReport, Data, Error, Event, Note, Outcome, Result, Role, Sink, SonId, Summary, Why,
    };
    use crate::lessons::boundaries::{BoundaryCounter, Framing};
    use crate::lessons::socket::{connect_to_father, listen_on, peer_identity};
    use crate::lessons::spam;
    use crate::sys::ring::{Consumer, Producer, Recv, Ring};
    use crate::sys::shm::{eventfd, eventfd_add, eventfd_take, recv_with_fds, send_with_fds};
    use crate::sys::usage::{self, Usage};
    use crate::sys::{Context, Doing, rendezvous, signals, socket_setup};

    /// The ring's data area: 64 KiB, like a default pipe.
    const RING_BYTES: usize = 64 * 1024;
    /// How long a futex sleeper sleeps before it looks at the socket and for a stop signal.
    const SLICE: Duration = Duration::from_millis(50);
    /// How many turns a spinner makes between two looks.
    const SPINS: u32 = 1 << 14;
    /// How long a son waits for the father's hand-over after connecting.
    const HAND_OVER: Duration = Duration::from_secs(5);
    /// The first byte of the father's message: a ring comes with it, or a son is already here.
    const RING: u8 = b'R';
    const BUSY: u8 = b'B';

    fn wake_code(wake: Wake) -> u32 {
        match wake {
            Wake::Spin => 1,
            Wake::Futex => 2,
            Wake::Eventfd => 3,
        }
    }

    fn wake_of(code: u32) -> Option<Wake> {
        match code {
            1 => Some(Wake::Spin),
            2 => Some(Wake::Futex),
            3 => Some(Wake::Eventfd),
            _ => None,
        }
    }

    pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
        let path = match rendezvous::resolve(config.path.as_deref(), "shm-socket") {
            Ok(resolved) => {
                if let Some((folder, was)) = &resolved.repaired {
                    sink.note(&Note::FolderRepaired { folder, was: *was });
                }
                resolved.path
            }
            Err(e) => return Outcome::from(Err(e.into())),
        };
        if config.son {
            son(config, &path, sink)
        } else {
            father(config, &path, sink)
        }
    }

    fn cpu(
        role: Role,
        process: i32,
        records: u64,
        used: Usage,
        wall: Option<f64>,
        wake: Wake,
    ) -> Summary {
        Summary::Cpu(CpuReport {
            role,
            process,
            records,
            user_s: used.user.as_secs_f64(),
            sys_s: used.system.as_secs_f64(),
            wall_s: wall,
            wake,
        })
    }

    /// The shared state of a father's run.
    struct Father<'a> {
        config: &'a Config,
        pid: i32,
        sink: &'a dyn Sink,
        listener: OwnedFd,
        counter: BoundaryCounter,
        records: u64,
        /// What each son cost, as it last said in its ring.
        sons: Vec<Summary>,
        buffer: Vec<u8>,
    }

    fn father(config: &Config, path: &Path, sink: &dyn Sink) -> Outcome {
        let pid = getpid().as_raw();
        let started = Instant::now();
        let before = usage::own();
        let (listener, remove) = match listen_on(path, false, sink) {
            Ok(listening) => listening,
            Err(e) => return Outcome::from(Err(e)),
        };
        sink.note(&Note::ShmListening {
            path,
            given_path: config.path.is_some(),
            wake: config.wake,
            pid,
        });
        let mut father = Father {
            config,
            pid,
            sink,
            listener,
            counter: BoundaryCounter::new(Framing::Record),
            records: 0,
            sons: Vec::new(),
            buffer: vec![0u8; RING_BYTES],
        };
        let end = father.serve();
        // The socket file goes before the summaries are said.
        drop(remove);
        let mut summaries = vec![Summary::Reads {
            counts: father.counter.counts(),
            why: Some(Why::Ring),
            waiting: None,
        }];
        summaries.append(&mut father.sons);
        let wall = started.elapsed().as_secs_f64();
        let own = usage::own().since(before);
        summaries.push(cpu(
            Role::Father,
            pid,
            father.records,
            own,
            Some(wall),
            config.wake,
        ));
        Outcome::new(summaries, end)
    }

    /// A son being served: its connection, its ring and the eventfds that go with it.
    struct Served {
        fd: OwnedFd,
        pid: i32,
        ring: Ring,
        /// Kept open so `/proc/<pid>/fd` shows the ring as `/memfd:ipcdemo-ring (deleted)`.
        _memfd: OwnedFd,
        /// `--wake eventfd`: written by the son when it publishes, by us when we make room.
        data: Option<OwnedFd>,
        space: Option<OwnedFd>,
    }

    /// Why serving a son ended.
    enum SonEnd {
        /// It hung up (or broke the protocol and was hung up on).
        Left,
        /// The father has read `--count` records.
        Done,
    }

    impl Father<'_> {
        fn done(&self) -> bool {
            self.config.count.is_some_and(|n| self.records >= n)
        }

        fn serve(&mut self) -> Result<()> {
            while !self.done() {
                signals::check()?;
                let mut fds = [PollFd::new(self.listener.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) => {}
                    Err(Errno::EINTR) => continue,
                    Err(e) => return Err(Error::call(Doing::WaitingForSons, e)),
                }
                let Some((fd, son, uid)) = self.accept()? else {
                    continue;
                };
                let accepted = Event::Accepted {
                    son: SonId::Process { son },
                    uid: Some(uid),
                };
                self.sink.event_now(Role::Father, self.pid, accepted)?;
                let served = self.hand_over(fd, son)?;
                let mut consumer = served.ring.consumer();
                let end = self.serve_son(&served, &mut consumer);
                self.keep_cost(&served);
                // However it ended, a son still writing must see us go.
                served.ring.close();
                served.ring.space().futex_wake();
                if let Some(space) = &served.space {
                    let _ = eventfd_add(space, 1);
                }
                if let SonEnd::Done = end? {
                    return Ok(());
                }
            }
            Ok(())
        }

        /// Accepts one waiting son: its socket, pid and uid (from `SO_PEERCRED`).
        fn accept(&self) -> Result<Option<(OwnedFd, i32, u32)>> {
            let fd = match socket_setup::accept_nonblocking(&self.listener) {
                Ok(fd) => fd,
                Err(Errno::EAGAIN | Errno::EINTR | Errno::ECONNABORTED) => return Ok(None),
                Err(e) => return Err(Error::call(Doing::AcceptingSon, e)),
            };
            let (son, uid) = peer_identity(&fd)?;
            Ok(Some((fd, son, uid)))
        }

        /// Makes a fresh ring for the son and hands it over (`SCM_RIGHTS`). A fresh one each
        /// time: nothing a previous son left half-written can reach the next.
        fn hand_over(&self, fd: OwnedFd, pid: i32) -> Result<Served> {
            let (memfd, ring) = Ring::create(c"ipcdemo-ring", RING_BYTES)?;
            ring.set_wake_code(wake_code(self.config.wake));
            let (data, space) = if self.config.wake == Wake::Eventfd {
                (
                    Some(eventfd(true).doing(Doing::CreatingEventfd)?),
                    Some(eventfd(true).doing(Doing::CreatingEventfd)?),
                )
            } else {
                (None, None)
            };
            let mut fds = vec![memfd.as_raw_fd()];
            fds.extend(data.iter().chain(&space).map(|fd| fd.as_raw_fd()));
            match send_with_fds(&fd, &[RING], &fds) {
                Ok(()) => {}
                // The son left before it got its ring: it will show as a hang-up.
                Err(Errno::EPIPE | Errno::ECONNRESET) => {}
                Err(e) => return Err(Error::call(Doing::PassingDescriptors, e)),
            }
            Ok(Served {
                fd,
                pid,
                ring,
                _memfd: memfd,
                data,
                space,
            })
        }

        /// Tells a second son that one is already here, and lets it go.
        fn turn_away(&self, connected: i32) -> Result<()> {
            let Some((fd, son, _)) = self.accept()? else {
                return Ok(());
            };
            let mut message = vec![BUSY];
            message.extend_from_slice(&connected.to_le_bytes());
            let _ = send_with_fds(&fd, &message, &[]);
            self.sink.event_now(
                Role::Father,
                self.pid,
                Event::TurnedAway {
                    son: SonId::Process { son },
                    connected,
                },
            )
        }

        fn serve_son(&mut self, son: &Served, consumer: &mut Consumer<'_>) -> Result<SonEnd> {
            let wake = self.config.wake;
            loop {
                signals::check()?;
                if let Some(end) = self.drain(son, consumer)? {
                    return Ok(end);
                }
                let (newcomer, hung_up) = self.wait(son, consumer, wake)?;
                if newcomer {
                    self.turn_away(son.pid)?;
                }
                if hung_up {
                    // What it committed before it left is still to be read.
                    if let Some(end) = self.drain(son, consumer)? {
                        return Ok(end);
                    }
                    return self.son_left(son, consumer);
                }
            }
        }

        /// Reads every committed record; `Some` when serving this son is over.
        fn drain(&mut self, son: &Served, consumer: &mut Consumer<'_>) -> Result<Option<SonEnd>> {
            loop {
                if self.done() {
                    return Ok(Some(SonEnd::Done));
                }
                let number = consumer.received();
                match consumer.try_recv(&mut self.buffer) {
                    Recv::Record(n) => {
                        // Room was made: a son waiting for it is woken first, then we print.
                        self.made_room(son);
                        self.counter.record_of(&self.buffer[..n], n);
                        self.records += 1;
                        let event = Event::Received {
                            data: Data(&self.buffer[..n]),
                            son: None,
                            partial: None,
                            record_bytes: None,
                            record: Some(number),
                            priority: None,
                            queued: None,
                            timing: None,
                        };
                        self.sink.event_now(Role::Father, self.pid, event)?;
                    }
                    Recv::Empty | Recv::Begun => return Ok(None),
                    Recv::Broken(broken) => {
                        self.sink.note(&Note::RingBroken {
                            son: son.pid,
                            record: number,
                            len: broken.len,
                        });
                        return self.son_left(son, consumer).map(Some);
                    }
                }
            }
        }

        /// Keeps what the son last said it cost, for the summary.
        fn keep_cost(&mut self, son: &Served) {
            let (pid, records, user, system) = son.ring.report().get();
            if pid != 0 {
                let used = Usage { user, system };
                let pid = i32::try_from(pid).unwrap_or(son.pid);
                self.sons
                    .push(cpu(Role::Son, pid, records, used, None, self.config.wake));
            }
        }

        fn made_room(&self, son: &Served) {
            let space = son.ring.space();
            if space.must_wake() {
                match &son.space {
                    Some(fd) => {
                        let _ = eventfd_add(fd, 1);
                    }
                    None => space.futex_wake(),
                }
            }
        }

        /// The son is gone: a record it began and never committed is dropped (and said), and
        /// what it last said it cost is kept for the summary.
        fn son_left(&mut self, son: &Served, consumer: &mut Consumer<'_>) -> Result<SonEnd> {
            let who = SonId::Process { son: son.pid };
            if let Recv::Begun = consumer.try_recv(&mut self.buffer) {
                let record = consumer.received();
                let event = Event::Uncommitted { son: who, record };
                self.sink.event_now(Role::Father, self.pid, event)?;
            }
            self.sink
                .event_now(Role::Father, self.pid, Event::Left { son: who })?;
            Ok(SonEnd::Left)
        }

        /// Waits for a record, a new son or the son's hang-up; returns (a son knocks, the son
        /// hung up).
        fn wait(&self, son: &Served, consumer: &Consumer<'_>, wake: Wake) -> Result<(bool, bool)> {
            let data = son.ring.data();
            match wake {
                Wake::Spin => {
                    for _ in 0..SPINS {
                        if consumer.ready() {
                            return Ok((false, false));
                        }
                        std::hint::spin_loop();
                    }
                    self.look(son, None, PollTimeout::ZERO)
                }
                Wake::Futex => {
                    let seen = data.prepare();
                    if !consumer.ready() {
                        let _ = data.futex_wait(seen, SLICE);
                    }
                    data.done();
                    self.look(son, None, PollTimeout::ZERO)
                }
                Wake::Eventfd => {
                    data.prepare();
                    let looked = if consumer.ready() {
                        self.look(son, None, PollTimeout::ZERO)
                    } else {
                        self.look(son, son.data.as_ref(), PollTimeout::NONE)
                    };
                    data.done();
                    if let Some(fd) = &son.data {
                        let _ = eventfd_take(fd);
                    }
                    looked
                }
            }
        }

        /// Polls the listener, the son's socket and perhaps an eventfd.
        fn look(
            &self,
            son: &Served,
            eventfd: Option<&OwnedFd>,
            timeout: PollTimeout,
        ) -> Result<(bool, bool)> {
            let mut fds = vec![
                PollFd::new(self.listener.as_fd(), PollFlags::POLLIN),
                PollFd::new(son.fd.as_fd(), PollFlags::POLLIN),
            ];
            if let Some(fd) = eventfd {
                fds.push(PollFd::new(fd.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(Errno::EINTR) => return Ok((false, false)),
                Err(e) => return Err(Error::call(Doing::WaitingInRing, e)),
            }
            let ready = |i: usize| fds[i].revents().unwrap_or(PollFlags::empty());
            let newcomer = ready(0).contains(PollFlags::POLLIN);
            let from_son = ready(1);
            let mut hung_up = from_son.intersects(PollFlags::POLLHUP | PollFlags::POLLERR);
            if from_son.contains(PollFlags::POLLIN) && !hung_up {
                // A son says nothing on the socket: end of file, or bytes we drop.
                let mut scratch = [0u8; 64];
                hung_up = matches!(read(&son.fd, &mut scratch), Ok(0) | Err(Errno::ECONNRESET));
            }
            Ok((newcomer, hung_up))
        }
    }

    /// What the son got from its father.
    struct Handed {
        socket: OwnedFd,
        ring: Ring,
        /// Kept open, as the father does, so `/proc/<pid>/fd` shows the ring.
        _memfd: OwnedFd,
        wake: Wake,
        data: Option<OwnedFd>,
        space: Option<OwnedFd>,
    }

    fn son(config: &Config, path: &Path, sink: &dyn Sink) -> Outcome {
        let started = Instant::now();
        let before = usage::own();
        let handed = match receive_ring(path) {
            Ok(handed) => handed,
            Err(e) => return spam::son_never_started(e),
        };
        let pid = getpid().as_raw();
        let mut producer = handed.ring.producer();
        let plan = spam::SonPlan {
            newline: false,
            ..spam::SonPlan::lines(config.count, config.tick)
        };
        let mut outcome = spam::run_son_with(plan, sink, |out| {
            let sent = out.sent_before;
            write_record(&handed, &mut producer, out.message, path, sent)?;
            out.written.set(true);
            let used = usage::own().since(before);
            let records = producer.sent();
            handed
                .ring
                .report()
                .set(pid as u32, records, used.user, used.system);
            Ok(())
        });
        let used = usage::own().since(before);
        let sent = producer.sent();
        let ring = &handed.ring;
        ring.report().set(pid as u32, sent, used.user, used.system);
        if !outcome.summaries.is_empty() {
            let wall = Some(started.elapsed().as_secs_f64());
            outcome
                .summaries
                .push(cpu(Role::Son, pid, sent, used, wall, handed.wake));
        }
        outcome
    }

    /// Connects, and takes the ring the father hands over.
    fn receive_ring(path: &Path) -> Result<Handed> {
        let socket = connect_to_father(false, path).map_err(|e| match e {
            Error::NoFatherAtPath(path) => Error::NoShmFather { path, stale: false },
            Error::StaleSocket(path) => Error::NoShmFather { path, stale: true },
            Error::SocketTypeMismatch(path) => Error::NotARing(path),
            other => other,
        })?;
        let deadline = Instant::now() + HAND_OVER;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::NoHandOver {
                    path: path.into(),
                    waited: HAND_OVER,
                });
            }
            let millis = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
            let mut fds = [PollFd::new(socket.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(millis)) {
                Ok(0) => continue,
                Ok(_) => break,
                Err(Errno::EINTR) => signals::check()?,
                Err(e) => return Err(Error::call_on(Doing::ReceivingDescriptors, path, e)),
            }
        }
        let mut message = [0u8; 16];
        let got = recv_with_fds(&socket, &mut message)
            .map_err(|e| Error::call_on(Doing::ReceivingDescriptors, path, e))?;
        let mut fds = got.fds.into_iter();
        match (got.bytes, message[0]) {
            (0, _) => {
                return Err(Error::FatherLeftRing {
                    path: path.into(),
                    sent: 0,
                });
            }
            (5, BUSY) => {
                let son = i32::from_le_bytes([message[1], message[2], message[3], message[4]]);
                return Err(Error::ShmBusy {
                    path: path.into(),
                    son,
                });
            }
            (1, RING) if !got.truncated => {}
            _ => return Err(Error::NotARing(path.into())),
        }
        let not_a_ring = || Error::NotARing(path.into());
        let memfd = fds.next().ok_or_else(not_a_ring)?;
        let ring = Ring::open(&memfd)
            .map_err(|e| Error::call_on(Doing::Mapping, path, e))?
            .ok_or_else(not_a_ring)?;
        let wake = wake_of(ring.wake_code()).ok_or_else(not_a_ring)?;
        let (data, space) = match wake {
            Wake::Eventfd => (
                Some(fds.next().ok_or_else(not_a_ring)?),
                Some(fds.next().ok_or_else(not_a_ring)?),
            ),
            Wake::Spin | Wake::Futex => (None, None),
        };
        Ok(Handed {
            socket,
            ring,
            _memfd: memfd,
            wake,
            data,
            space,
        })
    }

    /// Writes one record, waiting for room; then wakes the father if it sleeps.
    fn write_record(
        handed: &Handed,
        producer: &mut Producer<'_>,
        message: &[u8],
        path: &Path,
        sent: u64,
    ) -> Result<()> {
        let ring = &handed.ring;
        let gone = || Error::FatherLeftRing {
            path: path.into(),
            sent,
        };
        let broken = |_| Error::RingBrokenByFather(path.into());
        // The father may have left while we slept between records.
        if father_left(handed, PollTimeout::ZERO)? {
            return Err(gone());
        }
        let mut turns = 0u32;
        while !producer.try_send(message).map_err(broken)? {
            let space = ring.space();
            match handed.wake {
                Wake::Spin => {
                    std::hint::spin_loop();
                    turns = turns.wrapping_add(1);
                    if turns.is_multiple_of(SPINS) {
                        signals::check()?;
                        if father_left(handed, PollTimeout::ZERO)? {
                            return Err(gone());
                        }
                    }
                }
                Wake::Futex => {
                    let seen = space.prepare();
                    if producer.try_send(message).map_err(broken)? {
                        space.done();
                        break;
                    }
                    let _ = space.futex_wait(seen, SLICE);
                    space.done();
                    signals::check()?;
                    if father_left(handed, PollTimeout::ZERO)? {
                        return Err(gone());
                    }
                }
                Wake::Eventfd => {
                    space.prepare();
                    if producer.try_send(message).map_err(broken)? {
                        space.done();
                        break;
                    }
                    let left = father_left(handed, PollTimeout::NONE);
                    space.done();
                    if let Some(fd) = &handed.space {
                        let _ = eventfd_take(fd);
                    }
                    signals::check()?;
                    if left? {
                        return Err(gone());
                    }
                }
            }
        }
        let data = ring.data();
        if data.must_wake() {
            match (&handed.data, handed.wake) {
                (Some(fd), _) => {
                    let _ = eventfd_add(fd, 1);
                }
                (None, Wake::Futex) => data.futex_wake(),
                (None, _) => {}
            }
        }
        Ok(())
    }

    /// True once the father has hung up (or closed the ring); with an eventfd, waits for room
    /// or the hang-up.
    fn father_left(handed: &Handed, timeout: PollTimeout) -> Result<bool> {
        if handed.ring.closed() {
            return Ok(true);
        }
        let mut fds = vec![PollFd::new(handed.socket.as_fd(), PollFlags::POLLIN)];
        if let Some(space) = &handed.space {
            fds.push(PollFd::new(space.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, timeout) {
            Ok(_) => {}
            Err(Errno::EINTR) => return Ok(false),
            Err(e) => return Err(Error::call(Doing::WaitingInRing, e)),
        }
        let from_father = fds[0].revents().unwrap_or(PollFlags::empty());
        Ok(
            from_father.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR)
                || handed.ring.closed(),
        )
    }
}
