//! Lost updates (lesson 8 of the map, `ipcdemo shm race`): Lutz's `multi3`, a value shared by
//! several processes, in the simplest shared memory there is. A counter lives in a
//! `MAP_SHARED` mapping of a memfd named `ipcdemo-counter` (`memfd_create(2)`, `mmap(2)`; see
//! it in `/proc/<pid>/maps` while the sons run). `--sons N` forked processes wait at a start
//! barrier in the mapping, so all of them are running before any adds (without it, the first
//! son could finish before the last is forked, and nothing would be lost); then each adds 1,
//! `--adds K` times.
//!
//! The guarantee on show is the absence of one: nothing makes `count += 1` happen whole. With
//! `--sync none` it is a load and a store (Rust atomics with `Relaxed` ordering, so a real race
//! without undefined behaviour), and two sons that load the same value both store that value
//! plus one: an add is lost. `--sync atomic` is one `fetch_add` (`lock xadd`), which the CPU
//! does whole. `--sync lock` puts the load and the store under a `pthread_mutex_t` in the
//! mapping, process-shared and robust (`pthread_mutexattr_setpshared(3)`,
//! `pthread_mutexattr_setrobust(3)`): when a son dies holding it (`--die-holding-lock` makes
//! one), the next son to lock it gets `EOWNERDEAD` instead of waiting for ever, makes it
//! consistent and goes on; here the dead son's work is safe to take over, since it dies
//! before it touches the counter.
//!
//! How it blocks: the sons spin at the barrier (yielding the CPU now and then) until all have
//! arrived, and sleep in `futex(2)` inside `pthread_mutex_lock` while another son holds the
//! lock. A non-robust mutex whose owner died would keep the others asleep for ever. The father
//! waits in `wait4(2)`, which also gives each son's CPU time; a stop signal makes it raise a
//! flag in the mapping that the sons look at every 1024 adds. A memfd is no file in any folder, so
//! nothing is ever left in `/dev/shm`, however the run ends.

use crate::event::Outcome;
pub use crate::event::SyncMode;

/// What `ipcdemo shm race` was asked to do.
#[derive(Debug, Clone)]
pub struct Config {
    /// Son processes.
    pub sons: usize,
    /// Adds each son makes.
    pub adds: u64,
    /// The races to run, one after the other.
    pub syncs: Vec<SyncMode>,
    /// In the lock race, the first son dies by SIGKILL holding the lock, halfway.
    pub die_holding_lock: bool,
}

pub fn run(config: &Config, sink: &dyn crate::event::Sink) -> Outcome {
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
    use std::cell::UnsafeCell;
    use std::os::fd::OwnedFd;
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    use nix::sys::signal::Signal;
    use nix::sys::wait::WaitStatus;
    use nix::unistd::{ForkResult, Pid, fork, getpid};

    use super::Config;
    use crate::event::{
        Error, Event, Note, Outcome, RaceRun, Result, Role, Sink, Summary, SyncMode,
    };
    use crate::sys::shm::{Mapping, RobustMutex, Taken, sealed_memfd};
    use crate::sys::usage::{self, Usage, monotonic_ns};
    use crate::sys::{Context, Doing, signals};

    /// Sons look at the stop flag this often (in adds).
    const LOOK_EVERY: u64 = 1024;
    /// Sons at the barrier yield the CPU once in this many turns.
    const YIELD_EVERY: u32 = 4096;
    /// The first son's slot starts here, one cache line per son.
    const SLOTS_AT: usize = 4096;
    const SLOT: usize = 64;

    #[repr(C, align(64))]
    struct Line<T>(T);

    /// The start of the mapping, shared by the father and its sons.
    #[repr(C)]
    struct Shared {
        counter: Line<AtomicU64>,
        /// Sons at the barrier; the father's stop flag; EOWNERDEAD recoveries.
        arrived: Line<AtomicU32>,
        stop: Line<AtomicU32>,
        owner_died: Line<AtomicU64>,
        mutex: Line<UnsafeCell<nix::libc::pthread_mutex_t>>,
    }

    /// One son's line: what it has done, and when it started and ended.
    #[repr(C)]
    struct Slot {
        done: AtomicU64,
        start_ns: AtomicU64,
        end_ns: AtomicU64,
    }

    const _: () = assert!(std::mem::size_of::<Shared>() <= SLOTS_AT);

    /// The mapping and typed views of it.
    struct Counter {
        map: Mapping,
        sons: usize,
        /// Kept open, so `/proc/<pid>/fd` shows `/memfd:ipcdemo-counter (deleted)` (and the
        /// sons inherit it, close-on-exec).
        _memfd: OwnedFd,
    }

    impl Counter {
        fn new(sons: usize) -> Result<Counter> {
            let len = SLOTS_AT + sons * SLOT;
            let fd = sealed_memfd(c"ipcdemo-counter", len)?;
            let map = Mapping::of(&fd, len).doing(Doing::Mapping)?;
            let counter = Counter {
                map,
                sons,
                _memfd: fd,
            };
            // SAFETY: the mutex lies in the mapping we own, aligned (a 64-byte line), and no
            // son exists yet to use it.
            unsafe { RobustMutex::init(counter.shared().mutex.0.get()) }
                .doing(Doing::InitialisingMutex)?;
            Ok(counter)
        }

        fn shared(&self) -> &Shared {
            // SAFETY: the mapping starts with a `Shared`, page-aligned, made of atomics and a
            // pthread mutex that is only touched through its own calls.
            unsafe { self.map.at::<Shared>(0) }
        }

        fn slot(&self, son: usize) -> &Slot {
            debug_assert!(son < self.sons);
            // SAFETY: one 64-byte line per son after SLOTS_AT, inside the mapping; atomics only.
            unsafe { self.map.at::<Slot>(SLOTS_AT + son * SLOT) }
        }

        fn mutex(&self) -> RobustMutex {
            // SAFETY: initialised in `new`; the mapping outlives every use (sons exit first).
            unsafe { RobustMutex::at(self.shared().mutex.0.get()) }
        }
    }

    pub fn run(config: &Config, sink: &dyn Sink) -> Outcome {
        let cpus = usage::allowed_cpus();
        if cpus < 2 && config.syncs.contains(&SyncMode::None) {
            sink.note(&Note::OneCpu(cpus));
        }
        let mut summaries = Vec::new();
        for &sync in &config.syncs {
            let (run, end) = race(config, sync, cpus, sink);
            if let Some(run) = run {
                summaries.push(Summary::Race(run));
            }
            if end.is_err() {
                return Outcome::new(summaries, end);
            }
        }
        Outcome::new(summaries, Ok(()))
    }

    /// One race: the row it found (if the sons ran), and how it ended.
    fn race(
        config: &Config,
        sync: SyncMode,
        cpus: usize,
        sink: &dyn Sink,
    ) -> (Option<RaceRun>, Result<()>) {
        let counter = match Counter::new(config.sons) {
            Ok(counter) => counter,
            Err(e) => return (None, Err(e)),
        };
        let father = getpid();
        let mut sons = Vec::with_capacity(config.sons);
        let mut end = Ok(());
        for index in 0..config.sons {
            // SAFETY: the only other thread is the signal thread, parked in sigtimedwait(2)
            // holding no lock, so the child may allocate and print.
            match unsafe { fork() }.doing(Doing::ForkingSon) {
                Ok(ForkResult::Child) => {
                    let code = match son(config, sync, index, &counter, father, sink) {
                        Ok(()) | Err(Error::StdoutClosed) => 0,
                        Err(error) => {
                            let pid = getpid().as_raw();
                            sink.note(&Note::SonFailed { pid, error: &error });
                            1
                        }
                    };
                    std::process::exit(code)
                }
                Ok(ForkResult::Parent { child }) => sons.push(child),
                Err(e) => {
                    // The sons already forked wait at the barrier for one that never comes.
                    counter.shared().stop.0.store(1, Ordering::SeqCst);
                    end = Err(e.into());
                    break;
                }
            }
        }
        let (used, killed) = reap(&sons, &counter, config, sink);
        let shared = counter.shared();
        let mut owner_died = shared.owner_died.0.load(Ordering::SeqCst);
        // A son that died holding the lock with nobody after it to lock it: the father is.
        if sync == SyncMode::Lock && counter.mutex().try_lock() == Ok(Taken::OwnerDied) {
            owner_died += 1;
            if let Err(e) = sink.event_now(Role::Father, father.as_raw(), Event::OwnerDead) {
                end = end.and(Err(e));
            }
        }
        let slots: Vec<&Slot> = (0..sons.len()).map(|i| counter.slot(i)).collect();
        let expected: u64 = slots.iter().map(|s| s.done.load(Ordering::SeqCst)).sum();
        let got = shared.counter.0.load(Ordering::SeqCst);
        let start = slots
            .iter()
            .map(|s| s.start_ns.load(Ordering::SeqCst))
            .filter(|&t| t > 0)
            .min()
            .unwrap_or(0);
        // A son killed before its end (a stop, --die-holding-lock) wrote none: it ended by the
        // time it was reaped, so the race lasted at least until now.
        let ends: Vec<u64> = slots
            .iter()
            .map(|s| s.end_ns.load(Ordering::SeqCst))
            .collect();
        let finish = if start > 0 && ends.contains(&0) {
            monotonic_ns()
        } else {
            ends.into_iter().max().unwrap_or(0)
        };
        let run = RaceRun {
            sync,
            sons: sons.len(),
            adds: config.adds,
            expected,
            got,
            lost: expected as i64 - got as i64,
            wall_s: finish.saturating_sub(start) as f64 / 1e9,
            cpu_user_s: used.user.as_secs_f64(),
            cpu_sys_s: used.system.as_secs_f64(),
            cpus,
            owner_died,
            sons_killed: killed,
        };
        if end.is_ok()
            && let Some(signal) = signals::received_or_pending()
        {
            end = Err(Error::Stopped(signal));
        }
        let must_be_exact = sync != SyncMode::None && killed == 0;
        if end.is_ok() && must_be_exact && run.lost != 0 {
            end = Err(Error::AddsLost {
                sync,
                lost: run.lost,
            });
        }
        (Some(run), end)
    }

    /// Reaps every son, in the order they end; returns their CPU time together and how many a
    /// signal killed. A son killed before it reached the barrier would keep the others
    /// waiting there for ever: its death raises the stop flag.
    fn reap(sons: &[Pid], counter: &Counter, config: &Config, sink: &dyn Sink) -> (Usage, usize) {
        let mut used = Usage::default();
        let mut killed = 0;
        let shared = counter.shared();
        let stop = &shared.stop.0;
        let mut left = sons.len();
        while left > 0 {
            // A stop signal: tell the sons (those still running end within 1024 adds).
            let reaped = usage::wait4_telling(Pid::from_raw(-1), || {
                if signals::received().is_some() {
                    stop.store(1, Ordering::SeqCst);
                }
            });
            let Ok((status, son_used)) = reaped else {
                break;
            };
            let Some(son) = status.pid() else { continue };
            let Some(index) = sons.iter().position(|&s| s == son) else {
                continue;
            };
            left -= 1;
            used = used + son_used;
            if let WaitStatus::Signaled(_, signal, _) = status {
                killed += 1;
                if (shared.arrived.0.load(Ordering::SeqCst) as usize) < sons.len() {
                    stop.store(1, Ordering::SeqCst);
                }
                // A Ctrl-C that killed the sons too is the user's stop, not news.
                if signals::received_or_pending().is_none() {
                    let on_purpose =
                        config.die_holding_lock && index == 0 && signal == Signal::SIGKILL;
                    let pid = son.as_raw();
                    sink.note(&Note::RaceSonKilled {
                        pid,
                        signal,
                        on_purpose,
                    });
                }
            }
        }
        (used, killed)
    }

    fn son(
        config: &Config,
        sync: SyncMode,
        index: usize,
        counter: &Counter,
        father: Pid,
        sink: &dyn Sink,
    ) -> Result<()> {
        signals::restore_defaults_in_child()?;
        // A father killed with -9 takes its sons along.
        nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).doing(Doing::SettingParentDeathSignal)?;
        if nix::unistd::getppid() != father {
            return Ok(());
        }
        let shared = counter.shared();
        let slot = counter.slot(index);
        // The barrier: nobody adds before every son is running. The sons that have arrived
        // spin on the CPU, so that they are running, not waiting to be scheduled, when the
        // last one arrives; now and then they yield, so that on one CPU the others can come.
        shared.arrived.0.fetch_add(1, Ordering::SeqCst);
        let mut turns = 0u32;
        while (shared.arrived.0.load(Ordering::SeqCst) as usize) < config.sons {
            if shared.stop.0.load(Ordering::Relaxed) != 0 {
                return Ok(());
            }
            turns = turns.wrapping_add(1);
            if turns.is_multiple_of(YIELD_EVERY) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
        slot.start_ns.store(monotonic_ns(), Ordering::SeqCst);
        let count = &shared.counter.0;
        let die_at = (config.die_holding_lock && index == 0).then_some(config.adds / 2);
        let pid = getpid().as_raw();
        for i in 0..config.adds {
            if i % LOOK_EVERY == 0 && shared.stop.0.load(Ordering::Relaxed) != 0 {
                break;
            }
            match sync {
                SyncMode::None => {
                    // Three steps: another son may store between our load and our store.
                    let seen = count.load(Ordering::Relaxed);
                    count.store(seen + 1, Ordering::Relaxed);
                    slot.done.store(i + 1, Ordering::Relaxed);
                }
                SyncMode::Atomic => {
                    count.fetch_add(1, Ordering::Relaxed);
                    slot.done.store(i + 1, Ordering::Relaxed);
                }
                SyncMode::Lock => {
                    let mutex = counter.mutex();
                    if mutex.lock().doing(Doing::LockingMutex)? == Taken::OwnerDied {
                        shared.owner_died.0.fetch_add(1, Ordering::SeqCst);
                        sink.event_now(Role::Son, pid, Event::OwnerDead)?;
                    }
                    if die_at == Some(i) {
                        // Dies holding the lock, before touching the counter: what it did is
                        // all counted, and the next locker is told EOWNERDEAD.
                        let _ = nix::sys::signal::raise(Signal::SIGKILL);
                    }
                    let seen = count.load(Ordering::Relaxed);
                    count.store(seen + 1, Ordering::Relaxed);
                    slot.done.store(i + 1, Ordering::Relaxed);
                    mutex.unlock();
                }
            }
        }
        slot.end_ns.store(monotonic_ns(), Ordering::SeqCst);
        Ok(())
    }
}
