//! `ipcdemo shm race` and `ipcdemo shm` (father and sons through a ring in a memfd), through the
//! real binary: exact counts, records whole and in order, a son killed mid-run, a hostile son
//! that never commits, a second son turned away, every ending, and nothing left in /dev/shm or
//! the per-user folder.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Command;

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::util::*;

fn race_rows(args: &[&str]) -> (Vec<Value>, String) {
    let mut all = vec!["--json", "shm", "race"];
    all.extend_from_slice(args);
    let out = ipcdemo(&all).assert().success();
    let rows = json_lines(stdout_text(&out).lines());
    (rows, stderr_text(&out))
}

fn summaries<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["event"] == "summary" && l["kind"] == kind)
        .collect()
}

fn cpus() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .unwrap()
        .trim()
        .to_string();
    list.split(',')
        .map(|part| match part.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
            None => 1,
        })
        .sum()
}

#[test]
fn atomic_and_lock_lose_nothing_and_their_totals_are_exact() {
    let (lines, _) = race_rows(&["--sync", "atomic", "--sons", "3", "--adds", "50000"]);
    let (more, _) = race_rows(&["--sync", "lock", "--sons", "3", "--adds", "50000"]);
    for row in summaries(&lines, "race")
        .into_iter()
        .chain(summaries(&more, "race"))
    {
        assert_eq!(row["sons"], 3, "{row}");
        assert_eq!(row["adds"], 50000, "{row}");
        assert_eq!(row["expected"], 150_000, "{row}");
        assert_eq!(row["got"], 150_000, "{row}");
        assert_eq!(row["lost"], 0, "{row}");
        assert_eq!(row["sons_killed"], 0, "{row}");
        assert!(row["cpu_user_s"].as_f64().unwrap() + row["cpu_sys_s"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn none_loses_adds_when_sons_really_run_at_once() {
    if cpus() < 2 {
        skip("one CPU: the sons take turns and little or nothing is lost (the lesson says so)");
        return;
    }
    // On a machine busy with other work (this suite's own tests among it) the sons of one
    // run may happen not to overlap; five runs in a row that all lose nothing would mean the
    // race is not real.
    let mut seen = Vec::new();
    for _ in 0..5 {
        let (lines, _) = race_rows(&["--sync", "none", "--sons", "4", "--adds", "1000000"]);
        let row = summaries(&lines, "race")[0].clone();
        assert_eq!(row["sync"], "none");
        assert_eq!(row["expected"], 4_000_000, "{row}");
        let lost = row["lost"].as_i64().unwrap();
        let got = row["got"].as_u64().unwrap();
        assert_eq!(got as i64 + lost, 4_000_000, "{row}");
        if lost > 0 {
            return;
        }
        seen.push(row);
    }
    panic!("nothing lost in five runs on {} CPUs: {seen:?}", cpus());
}

#[test]
fn all_runs_the_three_races_in_one_table_and_says_why() {
    let out = ipcdemo(&["shm", "race", "--sons", "2", "--adds", "20000"])
        .assert()
        .success();
    let stdout = stdout_text(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with("sync") && lines[0].ends_with("CPU s"),
        "{stdout}"
    );
    for (line, sync) in lines[1..].iter().zip(["none", "atomic", "lock"]) {
        assert!(line.starts_with(sync), "{line}");
        assert!(line.contains(" 40000 "), "expected 2 × 20000: {line}");
    }
    let stderr = stderr_text(&out);
    for why in ["why (none)", "why (atomic)", "why (lock)"] {
        assert!(stderr.contains(why), "{stderr}");
    }
}

#[test]
fn a_son_that_dies_holding_the_lock_costs_nobody_the_race() {
    // Without a robust mutex the other sons would sleep for ever in pthread_mutex_lock.
    let (lines, stderr) = race_rows(&[
        "--sync",
        "lock",
        "--sons",
        "3",
        "--adds",
        "40000",
        "--die-holding-lock",
    ]);
    let owner_dead: Vec<&Value> = lines
        .iter()
        .filter(|l| l["event"] == "owner_dead")
        .collect();
    let row = summaries(&lines, "race")[0];
    assert_eq!(row["sons_killed"], 1, "{row}");
    assert_eq!(row["owner_died"], 1, "{row}");
    // Told to the next son that locks it, or to the father at the end if none did.
    assert_eq!(
        owner_dead.len(),
        1,
        "one locker was told EOWNERDEAD: {lines:?}"
    );
    // The dead son did half its adds, the others all of theirs, and the counter agrees.
    assert_eq!(row["expected"], 20_000 + 2 * 40_000, "{row}");
    assert_eq!(row["got"], row["expected"], "{row}");
    assert!(
        stderr.contains("holding the lock, as --die-holding-lock asked"),
        "{stderr}"
    );
}

#[test]
fn a_son_killed_at_any_moment_never_hangs_the_lock_race() {
    let running = Running::start(
        "race",
        ipcdemo_std(&[
            "--json", "shm", "race", "--sync", "lock", "--sons", "3", "--adds", "3000000",
        ]),
    );
    let father = running.pid();
    // The sons are forked and adding: kill one wherever it is, lock held or not.
    let son = wait_until(
        || format!("{father} never forked three sons"),
        || {
            let children =
                std::fs::read_to_string(format!("/proc/{father}/task/{father}/children")).ok()?;
            let pids: Vec<i32> = children
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect();
            (pids.len() == 3).then(|| pids[1])
        },
    );
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(son), Signal::SIGKILL).unwrap();
    let done = running.finish();
    assert_eq!(done.code, Some(0), "{done:?}");
    let lines = json_lines(&done.stdout);
    let row = summaries(&lines, "race")[0];
    assert_eq!(row["sons_killed"], 1, "{row}");
    // Killed between its add and its count, a son's last add may show as "lost" -1.
    assert!(row["lost"].as_i64().unwrap().abs() <= 1, "{row}");
    assert!(
        done.stderr
            .contains(&format!("son {son} was killed by SIGKILL"))
    );
}

#[test]
fn bad_race_and_ring_arguments_are_usage_errors() {
    for (args, needle) in [
        (&["shm", "race", "--sons", "0"][..], "--sons"),
        (&["shm", "race", "--sons", "65"], "--sons"),
        (&["shm", "race", "--adds", "0"], "--adds"),
        (&["shm", "race", "--adds", "-3"], "--adds"),
        (&["shm", "race", "--sync", "maybe"], "maybe"),
        (&["shm", "--wake", "bogus"], "bogus"),
        (&["shm", "--son", "--wake", "spin"], "--wake"),
        (&["shm", "--count", "0"], "--count"),
        (
            &["shm", "race", "--sync", "atomic", "--die-holding-lock"],
            "--die-holding-lock needs --sync lock or all",
        ),
    ] {
        let out = ipcdemo(args).assert().code(2);
        let stderr = stderr_text(&out);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn the_race_speaks_portuguese_and_spanish() {
    let pt = ipcdemo(&[
        "--lang", "pt", "shm", "race", "--sync", "lock", "--adds", "1000",
    ])
    .assert()
    .success();
    assert!(
        stdout_text(&pt).starts_with("sync  filhos  somas cada"),
        "{}",
        stdout_text(&pt)
    );
    assert!(stderr_text(&pt).starts_with("por quê (lock): "));
    let es = ipcdemo(&[
        "--lang", "es", "shm", "race", "--sync", "none", "--adds", "1000",
    ])
    .assert()
    .success();
    assert!(
        stdout_text(&es).starts_with("sync  hijos  sumas c/u"),
        "{}",
        stdout_text(&es)
    );
    assert!(stderr_text(&es).contains("por qué (none): "));
}

/// A per-user folder of its own (`XDG_RUNTIME_DIR`), so the default socket path is tested and
/// what is left there can be listed.
struct Place {
    runtime: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        Place {
            runtime: temp_dir(),
        }
    }

    fn folder(&self) -> PathBuf {
        self.runtime.path().join("ipcdemo")
    }

    fn socket(&self) -> PathBuf {
        self.folder().join("shm-socket")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = ipcdemo_std(args);
        cmd.env("XDG_RUNTIME_DIR", self.runtime.path());
        cmd
    }

    fn father(&self, extra: &[&str]) -> Running {
        let mut args = vec!["--json", "shm"];
        args.extend_from_slice(extra);
        let father = Running::start("shm father", self.command(&args));
        wait_for_path(&self.socket());
        father
    }

    /// A son, at `--tick 0` unless `extra` sets a tick.
    fn son(&self, extra: &[&str]) -> Running {
        let mut args = vec!["--json", "shm", "--son"];
        args.extend_from_slice(extra);
        if !extra.contains(&"--tick") {
            args.extend(["--tick", "0"]);
        }
        Running::start("shm son", self.command(&args))
    }

    /// Nothing of ours in the per-user folder, nor in /dev/shm.
    fn assert_clean(&self, what: &str) {
        let left: Vec<_> = std::fs::read_dir(self.folder())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            left.is_empty(),
            "{what}: left in the per-user folder: {left:?}"
        );
        let shm: Vec<_> = std::fs::read_dir("/dev/shm")
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n.contains("ipcdemo"))
                    .collect()
            })
            .unwrap_or_default();
        assert!(shm.is_empty(), "{what}: left in /dev/shm: {shm:?}");
    }
}

/// Reads the father's JSON lines until `want` says it has seen enough.
fn read_until(father: &mut Running, mut want: impl FnMut(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let line = json_lines([father.next_line()]).remove(0);
        let done = want(&line);
        seen.push(line);
        if done {
            return seen;
        }
    }
}

/// The `received` events of one son, as (record number, data).
fn records(lines: &[Value]) -> Vec<(u64, String)> {
    lines
        .iter()
        .filter(|l| l["event"] == "received")
        .map(|l| {
            (
                l["record"].as_u64().unwrap(),
                l["data"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn assert_whole_and_in_order(records: &[(u64, String)], what: &str) {
    for (i, (number, data)) in records.iter().enumerate() {
        assert_eq!(*number, i as u64, "{what}: a gap or a repeat at {i}");
        assert_eq!(
            *data,
            format!("Spam {:03}", i % 5),
            "{what}: record {i} torn"
        );
    }
}

#[test]
fn ten_thousand_records_arrive_exact_and_in_order_whatever_the_wake() {
    for wake in ["futex", "spin", "eventfd"] {
        let place = Place::new();
        let father = place.father(&["--count", "10000", "--wake", wake]);
        let son = place.son(&["--count", "10000"]).finish();
        let done = father.finish();
        assert_eq!(done.code, Some(0), "{wake}: {done:?}");
        assert_eq!(son.code, Some(0), "{wake}: {}", son.stderr);
        let lines = json_lines(&done.stdout);
        let got = records(&lines);
        assert_eq!(got.len(), 10_000, "{wake}");
        assert_whole_and_in_order(&got, wake);
        let reads = summaries(&lines, "reads")[0];
        assert_eq!(reads["messages"], 10_000);
        assert_eq!(reads["bytes"], 80_000);
        assert_eq!(
            reads["reads_one_message"], 10_000,
            "boundaries kept: {reads}"
        );
        let cpu = summaries(&lines, "cpu");
        let father_cpu = cpu.iter().find(|c| c["role"] == "father").unwrap();
        assert_eq!(father_cpu["wake"], wake);
        assert_eq!(father_cpu["records"], 10_000);
        let sent = json_lines(&son.stdout);
        assert_eq!(summaries(&sent, "sent")[0]["messages"], 10_000);
        assert_eq!(summaries(&sent, "cpu")[0]["role"], "son");
        place.assert_clean(wake);
    }
}

#[test]
fn a_son_killed_mid_run_leaves_an_untorn_prefix_and_the_next_son_arrives_whole() {
    let place = Place::new();
    let mut father = place.father(&[]);
    let first = place.son(&[]);
    let first_pid = first.pid().as_raw();
    // Hundreds of records in, the son (at --tick 0) is writing or waiting for room.
    let mut seen = read_until(&mut father, |l| {
        l["event"] == "received" && l["record"].as_u64() == Some(500)
    });
    first.signal(Signal::SIGKILL);
    assert_eq!(first.finish().signal, Some(9));
    seen.extend(read_until(&mut father, |l| l["event"] == "left"));
    assert_eq!(seen.last().unwrap()["son"], first_pid);
    let prefix = records(&seen);
    assert!(prefix.len() > 500);
    assert_whole_and_in_order(&prefix, "the killed son");
    let second = place.son(&["--count", "20"]);
    let second_pid = second.pid().as_raw();
    let after = read_until(&mut father, |l| {
        l["event"] == "received" && l["record"].as_u64() == Some(19)
    });
    assert_eq!(second.finish().code, Some(0));
    assert_eq!(after[0]["event"], "accepted");
    assert_eq!(after[0]["son"], second_pid);
    let fresh = records(&after);
    assert_eq!(fresh.len(), 20);
    assert_whole_and_in_order(&fresh, "the second son");
    father.signal(Signal::SIGTERM);
    let done = father.finish();
    assert_eq!(done.signal, Some(15), "{}", done.stderr);
    place.assert_clean("after SIGTERM");
}

/// A son that follows the protocol only so far: it takes the ring, begins record 0 (the commit
/// word says "being written"), writes its bytes, and leaves without committing it.
fn hostile_son(socket: &Path) {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
    let mut byte = [0u8; 16];
    let mut iov = [std::io::IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 4]);
    let message = recvmsg::<()>(
        stream.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::empty(),
    )
    .unwrap();
    let mut fds = Vec::new();
    for control in message.cmsgs().unwrap() {
        if let ControlMessageOwned::ScmRights(raw) = control {
            fds.extend(raw);
        }
    }
    assert_eq!(byte[0], b'R', "the father hands over a ring");
    // SAFETY: SCM_RIGHTS just gave us this descriptor.
    let memfd = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fds[0]) });
    // Through the file, not a mapping: the layout is in sys/ring.rs (records at 4096: commit
    // word, length, unused, bytes).
    use std::os::unix::fs::FileExt;
    const WRITING: u64 = 1 << 62;
    memfd
        .write_all_at(&(WRITING | 1).to_ne_bytes(), 4096)
        .unwrap();
    memfd.write_all_at(&8u32.to_ne_bytes(), 4096 + 8).unwrap();
    memfd.write_all_at(b"TORN!!!!", 4096 + 16).unwrap();
    drop(stream);
}

#[test]
fn a_record_begun_and_never_committed_is_dropped_and_said() {
    let place = Place::new();
    let mut father = place.father(&[]);
    hostile_son(&place.socket());
    let seen = read_until(&mut father, |l| l["event"] == "left");
    let events: Vec<&str> = seen.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["accepted", "uncommitted", "left"], "{seen:?}");
    assert_eq!(seen[1]["record"], 0);
    // The father goes on: a fresh son, a fresh ring.
    let son = place.son(&["--count", "3"]);
    let next = read_until(&mut father, |l| l["record"].as_u64() == Some(2));
    assert_eq!(son.finish().code, Some(0));
    assert_whole_and_in_order(&records(&next), "after the hostile son");
    father.signal(Signal::SIGINT);
    let done = father.finish();
    assert_eq!(done.signal, Some(2));
    assert!(!done.stdout.iter().any(|l| l.contains("TORN")));
}

#[test]
fn a_second_son_is_told_one_is_already_connected() {
    let place = Place::new();
    let mut father = place.father(&[]);
    let first = place.son(&["--tick", "10s"]);
    read_until(&mut father, |l| l["event"] == "received");
    let second = place
        .command(&["shm", "--son", "--tick", "0"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!("a son (pid {}) is already connected", first.pid())),
        "{stderr}"
    );
    let turned = read_until(&mut father, |l| l["event"] == "turned_away");
    assert_eq!(turned.last().unwrap()["connected"], first.pid().as_raw());
    drop(first);
    father.signal(Signal::SIGTERM);
    father.finish();
    place.assert_clean("two sons");
}

#[test]
fn every_stop_signal_ends_father_and_son_by_it_with_summaries_and_nothing_left() {
    for signal in STOP_SIGNALS {
        for wake in ["futex", "spin", "eventfd"] {
            let place = Place::new();
            let mut father = place.father(&["--wake", wake]);
            let son = place.son(&["--tick", "20ms"]);
            read_until(&mut father, |l| l["record"].as_u64() == Some(3));
            son.signal(signal);
            let son = son.finish();
            assert_eq!(son.signal, Some(signal as i32), "{signal} {wake}: {son:?}");
            let sent = json_lines(&son.stdout);
            assert!(
                !summaries(&sent, "sent").is_empty(),
                "{signal} {wake}: {sent:?}"
            );
            read_until(&mut father, |l| l["event"] == "left");
            father.signal(signal);
            let done = father.finish();
            assert_eq!(
                done.signal,
                Some(signal as i32),
                "{signal} {wake}: {done:?}"
            );
            let lines = json_lines(&done.stdout);
            assert!(!summaries(&lines, "reads").is_empty(), "{signal} {wake}");
            // The son's cost, as it said it in the ring, and the father's own.
            assert_eq!(
                summaries(&lines, "cpu").len(),
                2,
                "{signal} {wake}: {lines:?}"
            );
            place.assert_clean(&format!("{signal} {wake}"));
        }
    }
}

#[test]
fn a_father_stopped_while_a_son_writes_ends_both_cleanly() {
    let place = Place::new();
    let mut father = place.father(&[]);
    let son = place.son(&[]);
    read_until(&mut father, |l| l["record"].as_u64() == Some(100));
    father.signal(Signal::SIGHUP);
    let done = father.finish();
    assert_eq!(done.signal, Some(1), "{}", done.stderr);
    // The son sees its father's socket hang up, whether it was writing or waiting for room.
    let son = son.finish();
    assert_eq!(son.code, Some(1), "{son:?}");
    assert!(son.stderr.contains("went away after"), "{}", son.stderr);
    place.assert_clean("the father stopped");
}

#[test]
fn a_vanished_father_is_noticed_and_its_stale_socket_replaced() {
    let place = Place::new();
    let mut father = place.father(&[]);
    let son = place.son(&["--tick", "5ms"]);
    read_until(&mut father, |l| l["event"] == "received");
    father.signal(Signal::SIGKILL);
    assert_eq!(father.finish().signal, Some(9));
    let son = son.finish();
    assert_eq!(son.code, Some(1), "{son:?}");
    assert!(son.stderr.contains("went away after"), "{}", son.stderr);
    // kill -9 leaves the socket file; the next father replaces it, and says so.
    let mut next = Running::start(
        "the next father",
        place.command(&["--json", "shm", "--count", "1"]),
    );
    // The stale file is there from the start: wait until a connection is accepted (the
    // father serves this probe, which leaves at once, then the son).
    let probe = wait_until(
        || "the stale socket was never replaced".into(),
        || std::os::unix::net::UnixStream::connect(place.socket()).ok(),
    );
    drop(probe);
    read_until(&mut next, |l| l["event"] == "left");
    let son = place.son(&["--count", "1"]).finish();
    assert_eq!(son.code, Some(0), "{son:?}");
    let done = next.finish();
    assert!(
        done.stderr.contains("replaced the stale socket"),
        "{}",
        done.stderr
    );
    place.assert_clean("after the second father");
}

#[test]
fn a_son_without_a_father_says_what_to_start() {
    let place = Place::new();
    let out = place.command(&["shm", "--son"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no father is listening on")
            && stderr.contains("start `ipcdemo shm` first"),
        "{stderr}"
    );
}

#[test]
fn the_father_speaks_portuguese_and_spanish() {
    for (lang, received, summary) in [
        ("pt", "recebeu [Spam 000] às", "resumo: 2 mensagens"),
        ("es", "recibió [Spam 000] a las", "resumen: 2 mensajes"),
    ] {
        let place = Place::new();
        let father = Running::start(
            "father",
            place.command(&["--lang", lang, "shm", "--count", "2"]),
        );
        wait_for_path(&place.socket());
        let son = place.son(&["--count", "2"]).finish();
        assert_eq!(son.code, Some(0));
        let done = father.finish();
        assert!(
            done.stdout[1].contains(received),
            "{lang}: {:?}",
            done.stdout
        );
        assert!(done.stderr.contains(summary), "{lang}: {}", done.stderr);
    }
}

#[test]
fn foreign_files_at_the_socket_path_are_refused_and_untouched() {
    ForeignFiles::new().assert_refused_by(
        &[&["shm"], &["shm", "--son", "--count", "1"]],
        "refusing to use {path}: it is {kind}, not a socket; it was left untouched",
    );
}

/// A process of ours listening where a father should, that hands the son `memfd` (or nothing).
fn hostile_father(socket: &Path, memfd: Option<OwnedFd>) -> std::thread::JoinHandle<()> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let listener = std::os::unix::net::UnixListener::bind(socket).unwrap();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let fds: Vec<i32> = memfd.iter().map(|fd| fd.as_raw_fd()).collect();
        let rights = [ControlMessage::ScmRights(&fds)];
        let iov = [std::io::IoSlice::new(b"R")];
        sendmsg::<()>(stream.as_raw_fd(), &iov, &rights, MsgFlags::empty(), None).unwrap();
        // Keep the connection until the son has made up its mind.
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut &stream, &mut rest);
    })
}

#[test]
fn a_son_refuses_a_memfd_that_is_not_a_sealed_ring() {
    use nix::sys::memfd::{MFdFlags, memfd_create};
    let dir = temp_dir();
    // Unsealed: the father could shrink it under the son, whose next access would die of
    // SIGBUS. Sealed but without the ring's header: not ours to interpret.
    let unsealed = memfd_create(c"not-a-ring", MFdFlags::MFD_CLOEXEC).unwrap();
    nix::unistd::ftruncate(&unsealed, 1 << 20).unwrap();
    let sealed = memfd_create(
        c"not-a-ring",
        MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING,
    )
    .unwrap();
    nix::unistd::ftruncate(&sealed, 1 << 20).unwrap();
    nix::fcntl::fcntl(
        std::os::fd::AsFd::as_fd(&sealed),
        nix::fcntl::FcntlArg::F_ADD_SEALS(nix::fcntl::SealFlag::F_SEAL_SHRINK),
    )
    .unwrap();
    for (what, memfd) in [("unsealed", unsealed), ("sealed, no header", sealed)] {
        let socket = dir.path().join(what.replace([' ', ','], "-"));
        let father = hostile_father(&socket, Some(memfd));
        let out = ipcdemo(&["shm", "--son", "--tick", "0", "--path", path_str(&socket)])
            .assert()
            .code(1);
        let stderr = stderr_text(&out);
        assert!(
            stderr.contains("handed over something that is not an ipcdemo ring"),
            "{what}: {stderr}"
        );
        father.join().unwrap();
    }
}

#[test]
fn a_record_longer_than_the_ring_is_refused_and_the_father_goes_on() {
    let place = Place::new();
    let mut father = place.father(&[]);
    {
        use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
        use std::os::unix::fs::FileExt;
        let stream = std::os::unix::net::UnixStream::connect(place.socket()).unwrap();
        let mut byte = [0u8; 16];
        let mut iov = [std::io::IoSliceMut::new(&mut byte)];
        let mut space = nix::cmsg_space!([std::os::fd::RawFd; 4]);
        let message = recvmsg::<()>(
            stream.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::empty(),
        )
        .unwrap();
        let fd = message
            .cmsgs()
            .unwrap()
            .find_map(|c| match c {
                ControlMessageOwned::ScmRights(fds) => Some(fds[0]),
                _ => None,
            })
            .unwrap();
        // SAFETY: SCM_RIGHTS just gave us this descriptor.
        let memfd = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        // Record 0, committed, claiming a million bytes in a 64 KiB ring.
        memfd
            .write_all_at(&1_000_000u32.to_ne_bytes(), 4096 + 8)
            .unwrap();
        memfd.write_all_at(&1u64.to_ne_bytes(), 4096).unwrap();
        // Stay connected: the father must hang up on us by itself.
        let seen = read_until(&mut father, |l| l["event"] == "left");
        assert_eq!(seen.last().unwrap()["event"], "left");
        assert!(!seen.iter().any(|l| l["event"] == "received"), "{seen:?}");
    }
    let son = place.son(&["--count", "2"]).finish();
    assert_eq!(son.code, Some(0), "{son:?}");
    father.signal(Signal::SIGTERM);
    let done = father.finish();
    assert!(
        done.stderr.contains(
            "broke the ring's protocol at record 0 (a length of 1000000 bytes cannot fit)"
        ),
        "{}",
        done.stderr
    );
    place.assert_clean("a broken record");
}

/// The pids of `pid`'s children.
fn children(pid: nix::unistd::Pid) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

#[test]
fn a_race_stopped_by_any_signal_dies_by_it_with_its_counts_and_leaves_no_son() {
    for (signal, sync) in STOP_SIGNALS
        .into_iter()
        .flat_map(|s| [(s, "lock"), (s, "none")])
    {
        let running = Running::start(
            "race",
            ipcdemo_std(&[
                "--json",
                "shm",
                "race",
                "--sync",
                sync,
                "--sons",
                "2",
                "--adds",
                "1000000000",
            ]),
        );
        let father = running.pid();
        let sons = wait_until(
            || format!("{signal}: the sons never came"),
            || Some(children(father)).filter(|c| c.len() == 2),
        );
        wait_until_running(sons[0], signal);
        running.signal(signal);
        let done = running.finish();
        assert_eq!(done.signal, Some(signal as i32), "{signal}: {done:?}");
        let lines = json_lines(&done.stdout);
        let row = summaries(&lines, "race")[0];
        let expected = row["expected"].as_u64().unwrap();
        assert!(expected < 2_000_000_000, "{signal}: {row}");
        // A race that ran lasted until its sons stopped, not zero seconds.
        if expected > 0 {
            assert!(row["wall_s"].as_f64().unwrap() > 0.0, "{signal}: {row}");
        }
        if sync == "lock" {
            assert_eq!(row["lost"], 0, "{signal}: {row}");
        }
        assert_eq!(
            row["sons_killed"], 0,
            "{signal}: told to stop, not killed: {row}"
        );
        for son in sons {
            assert!(
                !std::path::Path::new(&format!("/proc/{son}")).exists(),
                "{signal}: son {son} outlived its father"
            );
        }
    }
}

/// Waits until `son` has run for 5 clock ticks: past the start barrier, adding.
fn wait_until_running(son: i32, why: impl std::fmt::Display) {
    wait_until(
        || format!("{why}: son {son} never ran"),
        || {
            let stat = std::fs::read_to_string(format!("/proc/{son}/stat")).ok()?;
            let fields: Vec<&str> = stat.rsplit(") ").next()?.split(' ').collect();
            let ticks =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            (ticks >= 5).then_some(())
        },
    );
}

#[test]
fn ctrl_c_to_the_group_ends_the_race_quietly_by_ctrl_c() {
    use std::os::unix::process::CommandExt;
    let mut cmd = ipcdemo_std(&["shm", "race", "--sync", "none", "--adds", "1000000000"]);
    cmd.process_group(0);
    let running = Running::start("race in its own group", cmd);
    let father = running.pid();
    let sons = wait_until(
        || "the sons never came".into(),
        || Some(children(father)).filter(|c| c.len() == 4),
    );
    wait_until_running(sons[0], "race in its own group");
    nix::sys::signal::killpg(father, Signal::SIGINT).unwrap();
    let done = running.finish();
    assert_eq!(done.signal, Some(2), "{done:?}");
    assert!(
        done.stdout[0].starts_with("sync"),
        "the table, partial: {done:?}"
    );
    // The sons died of it without saying when they ended: the race still lasted until then.
    let row: Vec<&str> = done.stdout[1].split_whitespace().collect();
    let wall: f64 = row[row.len() - 2].parse().unwrap();
    assert!(wall > 0.0, "{done:?}");
    // The sons died of the same Ctrl-C: the user's stop, not news.
    assert!(!done.stderr.contains("was killed by"), "{}", done.stderr);
    assert!(!done.stderr.contains("error"), "{}", done.stderr);
}
