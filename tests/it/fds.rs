//! `ipcdemo fds`: who holds a pipe's ends. The forgotten write end must be named (pid and fd)
//! and then let go; the close-on-exec pair must differ; a passed descriptor must carry every
//! byte; a son killed mid-write must leave exactly what the kernel leaves, and ipcdemo nothing
//! of its own. Every wait is on an event line, a file or an exit, with the deadline.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::util::*;

/// The JSON events of a finished run.
fn events(lines: &[String]) -> Vec<Value> {
    json_lines(lines)
}

/// The events named `name`.
fn named<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

/// The events up to (not including) the first `name`, and the rest from it.
fn split_at<'a>(events: &'a [Value], name: &str) -> (&'a [Value], &'a [Value]) {
    let at = events
        .iter()
        .position(|e| e["event"] == name)
        .unwrap_or_else(|| panic!("no {name} in {events:?}"));
    events.split_at(at)
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"].as_str().expect("every line has an event"))
        .collect()
}

/// The bytes of every `received` event, joined.
fn received_bytes(events: &[Value]) -> Vec<u8> {
    named(events, "received")
        .iter()
        .flat_map(|e| unescape(e["data"].as_str().expect("received data")))
        .collect()
}

/// True once `/proc/<pid>` is gone: the process ended and was reaped.
fn gone(pid: i64) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

fn wait_gone(pid: i64) {
    wait_until(
        || format!("process {pid} is still there"),
        || gone(pid).then_some(()),
    );
}

/// Reads JSON lines from `running` until one is the event `name`; returns it.
fn next_event(running: &mut Running, name: &str) -> Value {
    loop {
        let line = running.next_line();
        let event = json_lines([&line]).remove(0);
        if event["event"] == name {
            return event;
        }
    }
}

#[test]
fn a_forgotten_write_end_is_named_with_its_pid_and_fd_then_let_go() {
    let started = Instant::now();
    let out = ipcdemo(&[
        "--json",
        "fds",
        "--forget-close",
        "--stall",
        "300ms",
        "--count",
        "2",
        "--tick",
        "0",
    ])
    .assert()
    .success();
    assert!(started.elapsed() >= Duration::from_millis(300));
    let all = events(
        &stdout_text(&out)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>(),
    );
    let (first, _) = split_at(&all, "end_of_file");
    let made = &first[0];
    let father = made["pid"].as_i64().unwrap();
    assert_eq!(made["event"], "pipe_made");
    assert_eq!(made["cloexec"], true);
    // Without the close the order is: the son leaves (reaped), the father looks, waits, and
    // only its own close brings the end of file.
    let order: Vec<&str> = kinds(first)
        .into_iter()
        .filter(|k| *k != "received")
        .collect();
    assert_eq!(
        order,
        [
            "pipe_made",
            "forked",
            "reaped",
            "holds",
            "no_end_of_file",
            "closed"
        ],
        "{first:?}"
    );
    assert_eq!(received_bytes(first), spam(2, true));
    let holds = named(first, "holds")[0];
    assert_eq!(holds["holder"], father, "the father holds it: {holds}");
    assert_eq!(holds["fd"], made["write_fd"]);
    assert_eq!(holds["end"], "write");
    assert_eq!(holds["command"], "ipcdemo");
    assert_eq!(holds["inode"], made["inode"]);
    let waited = named(first, "no_end_of_file")[0]["waited_ms"]
        .as_u64()
        .unwrap();
    assert!(waited >= 300, "{waited}");
    assert_eq!(named(first, "closed")[0]["fd"], made["write_fd"]);
    assert_eq!(named(first, "reaped")[0]["exit_code"], 0);
    let summary = all.last().unwrap();
    assert_eq!(summary["kind"], "leak");
    assert_eq!(summary["forgot_close"], true);
    assert_eq!(summary["end_of_file"], true);
    assert!(summary["stalled_ms"].as_u64().unwrap() >= 300, "{summary}");
    assert_eq!(
        summary["write_ends"],
        serde_json::json!([{"pid": father, "fd": made["write_fd"]}])
    );
}

#[test]
fn the_forgotten_write_end_reads_as_a_sentence_too() {
    let out = ipcdemo(&[
        "fds",
        "--forget-close",
        "--stall",
        "0",
        "--count",
        "1",
        "--tick",
        "0",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let first = stdout.lines().next().unwrap();
    let pid = first.split(' ').nth(1).unwrap();
    let write_fd = first
        .split(", fd ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap();
    let inode = first
        .split("pipe:[")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap();
    assert!(
        stdout.contains(&format!(
            "Father {pid}: pid {pid} (ipcdemo) holds fd {write_fd}, the write end of \
             pipe:[{inode}] (close-on-exec)"
        )),
        "{stdout}"
    );
    let stderr = stderr_text(&out);
    // The stall counts from the son's exit, so it includes the look through /proc.
    assert!(
        stderr.contains("summary: the son left, yet no end of file came for ")
            && stderr.contains(&format!(
                " ms: a write end was still open (pid {pid} fd {write_fd}); once the father \
                 closed its forgotten copy, end of file came at once"
            )),
        "{stderr}"
    );
    assert!(
        stderr.contains("why: read(2) returns 0 only when"),
        "{stderr}"
    );
}

#[test]
fn with_the_close_the_end_of_file_comes_as_soon_as_the_son_leaves() {
    let started = Instant::now();
    let out = ipcdemo(&["--json", "fds", "--count", "2", "--tick", "0"])
        .assert()
        .success();
    // The default stall is 2 s: a father that had to wait for it would take that long.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let all = events(
        &stdout_text(&out)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>(),
    );
    let (first, rest) = split_at(&all, "end_of_file");
    let order: Vec<&str> = kinds(first)
        .into_iter()
        .filter(|k| *k != "received")
        .collect();
    assert_eq!(order, ["pipe_made", "forked", "closed"], "{first:?}");
    assert_eq!(received_bytes(first), spam(2, true));
    // The son's exit was the end of file; it is reaped just after.
    assert_eq!(rest[1]["event"], "reaped", "{rest:?}");
    let summary = all.last().unwrap();
    assert_eq!(summary["forgot_close"], false);
    assert_eq!(summary["stalled_ms"], Value::Null);
    assert_eq!(summary["end_of_file"], true);
}

#[test]
fn an_execd_son_inherits_the_pipe_of_pipe_2_and_not_that_of_pipe2_cloexec() {
    let out = ipcdemo(&["--json", "fds", "--count", "1", "--tick", "0"])
        .assert()
        .success();
    let all = events(
        &stdout_text(&out)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>(),
    );
    let made: Vec<&Value> = named(&all, "pipe_made");
    assert_eq!(made.len(), 3, "{all:?}");
    let (plain, cloexec) = (made[1], made[2]);
    assert_eq!(plain["cloexec"], false);
    assert_eq!(cloexec["cloexec"], true);
    let execs: Vec<&Value> = named(&all, "forked")
        .into_iter()
        .filter(|e| e["exec"] == true)
        .collect();
    assert_eq!(execs.len(), 2);
    let (first_son, second_son) = (&execs[0]["son"], &execs[1]["son"]);
    // The son of pipe(2) holds both ends, as /proc says, not close-on-exec.
    let held: Vec<&Value> = named(&all, "holds")
        .into_iter()
        .filter(|h| h["inode"] == plain["inode"])
        .collect();
    assert_eq!(held.len(), 2, "{held:?}");
    for h in &held {
        assert_eq!(&h["holder"], first_son);
        assert_eq!(h["command"], "ipcdemo", "execve(2) ran ipcdemo: {h}");
        assert_eq!(h["cloexec"], false);
    }
    let mut fds: Vec<(i64, &str)> = held
        .iter()
        .map(|h| (h["fd"].as_i64().unwrap(), h["end"].as_str().unwrap()))
        .collect();
    fds.sort_unstable();
    let mut expected = vec![
        (plain["read_fd"].as_i64().unwrap(), "read"),
        (plain["write_fd"].as_i64().unwrap(), "write"),
    ];
    expected.sort_unstable();
    assert_eq!(fds, expected);
    // The son of pipe2(O_CLOEXEC) holds nothing of its pipe.
    let nothing = named(&all, "holds_nothing");
    assert_eq!(nothing.len(), 1, "{all:?}");
    assert_eq!(&nothing[0]["holder"], second_son);
    assert_eq!(nothing[0]["inode"], cloexec["inode"]);
    assert!(
        !named(&all, "holds")
            .iter()
            .any(|h| h["inode"] == cloexec["inode"])
    );
    // Closing the father's write end: no end of file while the son of pipe(2) lives, one at
    // once for the other.
    let no_eof = named(&all, "no_end_of_file");
    assert_eq!(no_eof.len(), 1, "{all:?}");
    assert_eq!(no_eof[0]["inode"], plain["inode"]);
    let eofs: Vec<&Value> = named(&all, "end_of_file");
    assert_eq!(eofs.len(), 3);
    // Each son was reaped, so none is left running or a zombie.
    let reaped: Vec<&Value> = named(&all, "reaped");
    assert_eq!(reaped.len(), 3);
    for son in [first_son, second_son] {
        assert!(
            reaped
                .iter()
                .any(|r| &r["son"] == son && r["exit_code"] == 0)
        );
        assert!(gone(son.as_i64().unwrap()));
    }
    let summary = all.last().unwrap();
    assert_eq!(summary["inherited"].as_array().unwrap().len(), 2);
    assert_eq!(summary["inherited_cloexec"], serde_json::json!([]));
}

/// A sender on `path`, started and waited for until its socket exists.
fn start_sender(path: &Path, extra: &[&str]) -> Running {
    let mut args = vec!["--json", "fds", "--send", "--path", path_str(path)];
    args.extend_from_slice(extra);
    let running = Running::start("fds --send", ipcdemo_std(&args));
    wait_for_path(path);
    running
}

fn receiver(path: &Path, extra: &[&str]) -> Command {
    let mut args = vec!["--json", "fds", "--receive", "--path", path_str(path)];
    args.extend_from_slice(extra);
    ipcdemo_std(&args)
}

#[test]
fn a_passed_write_end_carries_every_byte_from_a_process_that_never_opened_the_pipe() {
    let dir = temp_dir();
    let path = dir.path().join("fds-socket");
    let sender = start_sender(&path, &[]);
    let sender_pid = sender.pid().as_raw() as i64;
    let receiver = Running::start(
        "fds --receive",
        receiver(&path, &["--count", "5", "--tick", "0"]),
    );
    let receiver_pid = receiver.pid().as_raw() as i64;
    let received = receiver.finish();
    assert_eq!(received.code, Some(0), "{}", received.stderr);
    let done = sender.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let theirs = events(&received.stdout);
    let ours = events(&done.stdout);
    let got = &theirs[0];
    assert_eq!(got["event"], "got_descriptor");
    assert_eq!(got["sender_pid"], sender_pid, "SCM_CREDENTIALS: {got}");
    assert_eq!(got["sender_uid"], nix::unistd::geteuid().as_raw());
    assert_eq!(named(&theirs, "sent").len(), 5);
    let passed = named(&ours, "passed")[0];
    assert_eq!(passed["son"], receiver_pid);
    assert_eq!(passed["inode"], got["inode"], "the same pipe on both sides");
    let made = named(&ours, "pipe_made")[0];
    assert_eq!(passed["fd"], made["write_fd"]);
    assert_eq!(named(&ours, "accepted")[0]["son"], receiver_pid);
    assert_eq!(named(&ours, "closed")[0]["fd"], made["write_fd"]);
    assert_eq!(received_bytes(&ours), spam(5, true));
    assert!(
        named(&ours, "received")
            .iter()
            .all(|r| r["son"] == receiver_pid)
    );
    assert_eq!(ours[ours.len() - 2]["event"], "end_of_file");
    let summary = ours.last().unwrap();
    assert_eq!(
        (summary["messages"].as_u64(), summary["bytes"].as_u64()),
        (Some(5), Some(45))
    );
    assert!(!path.exists(), "the sender removes its socket");
}

#[test]
fn proc_shows_the_passed_descriptor_under_the_receivers_own_number() {
    let dir = temp_dir();
    let path = dir.path().join("fds-socket");
    let mut sender = start_sender(&path, &[]);
    // One message, then a long sleep: the receiver holds the descriptor while the sender looks.
    let receiver = Running::start(
        "fds --receive",
        receiver(&path, &["--count", "3", "--tick", "60s"]),
    );
    let holds = next_event(&mut sender, "holds");
    let receiver_pid = receiver.pid().as_raw() as i64;
    assert_eq!(holds["holder"], receiver_pid, "{holds}");
    assert_eq!(holds["end"], "write");
    // MSG_CMSG_CLOEXEC: what the receiver got will not leak into a program it runs.
    assert_eq!(holds["cloexec"], true);
    receiver.signal(Signal::SIGTERM);
    let received = receiver.finish();
    assert_eq!(received.signal, Some(15), "{received:?}");
    let theirs = events(&received.stdout);
    let summary = theirs.last().unwrap();
    assert_eq!(
        summary["kind"], "sent",
        "stopped, it still says what it sent"
    );
    assert_eq!(
        (summary["messages"].as_u64(), summary["bytes"].as_u64()),
        (Some(1), Some(9))
    );
    let got = &theirs[0];
    assert_eq!(
        holds["fd"], got["fd"],
        "/proc/<receiver>/fd agrees with the receiver"
    );
    assert_eq!(holds["inode"], got["inode"]);
    // The receiver's death closed the last write end: the sender sees end of file and ends.
    let done = sender.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(!path.exists());
}

#[test]
fn a_live_sender_is_refused_and_a_dead_ones_socket_is_replaced() {
    let dir = temp_dir();
    let path = dir.path().join("fds-socket");
    let first = start_sender(&path, &[]);
    let second = ipcdemo(&["fds", "--send", "--path", path_str(&path)])
        .assert()
        .code(1);
    assert!(
        stderr_text(&second).contains(&format!(
            "another father is listening on {}",
            path.display()
        )),
        "{}",
        stderr_text(&second)
    );
    first.signal(Signal::SIGKILL);
    assert_eq!(first.finish().signal, Some(9));
    assert!(path.exists(), "kill -9 leaves the socket file");
    let stale = ipcdemo(&["fds", "--receive", "--path", path_str(&path)])
        .assert()
        .code(1);
    assert_eq!(
        stderr_text(&stale),
        format!(
            "error: nobody is sending on {} (connection refused): the file was left by a sender \
             that died; start `ipcdemo fds --send`, which replaces it\n",
            path.display()
        )
    );
    let mut third = Running::start(
        "fds --send",
        ipcdemo_std(&["--json", "fds", "--send", "--path", path_str(&path)]),
    );
    // It has replaced the stale file and listens once it has made its pipe.
    next_event(&mut third, "pipe_made");
    let receiver = Running::start(
        "fds --receive",
        receiver(&path, &["--count", "1", "--tick", "0"]),
    )
    .finish();
    assert_eq!(receiver.code, Some(0), "{}", receiver.stderr);
    let done = third.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stderr
            .contains(&format!("replaced the stale socket {}", path.display())),
        "{}",
        done.stderr
    );
    assert!(!path.exists());
}

#[test]
fn a_receiver_without_a_sender_says_what_to_start() {
    let dir = temp_dir();
    let path = dir.path().join("nobody-here");
    let out = ipcdemo(&["fds", "--receive", "--path", path_str(&path)])
        .assert()
        .code(1);
    assert_eq!(
        stderr_text(&out),
        format!(
            "error: nobody is sending on {} (nothing is there): start `ipcdemo fds --send` \
             first\n",
            path.display()
        )
    );
    assert!(!path.exists());
}

#[test]
fn foreign_files_at_the_socket_path_are_refused_and_untouched() {
    ForeignFiles::new().assert_refused_by(
        &[&["fds", "--send"], &["fds", "--receive"]],
        "refusing to use {path}: it is {kind}, not a socket",
    );
}

/// A sender written in Python that passes `what` instead of a pipe's write end.
const HOSTILE_SENDER: &str = r#"
import os, socket, sys
path, what = sys.argv[1], sys.argv[2]
os.umask(0o177)
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
connection, _ = server.accept()
read_end, write_end = os.pipe()
fds = {
    "read-end": [read_end],
    "file": [os.open(sys.argv[3], os.O_WRONLY)],
    "two": [write_end, os.dup(write_end)],
    "none": [],
}[what]
socket.send_fds(connection, [b"p"], fds)
connection.recv(1)
os.unlink(path)
"#;

#[test]
fn anything_but_one_pipe_write_end_is_refused_by_the_receiver() {
    if !have("python3", "--version") {
        return;
    }
    let dir = temp_dir();
    let file = dir.path().join("file");
    std::fs::write(&file, b"keep me").unwrap();
    for (what, expected) in [
        (
            "read-end",
            "is not the write end of a pipe; it was closed unused",
        ),
        (
            "file",
            "is not the write end of a pipe; it was closed unused",
        ),
        (
            "two",
            "passed 2 descriptors, not one; all were closed unused",
        ),
        ("none", "passed no descriptor"),
    ] {
        let path = dir.path().join(format!("{what}.sock"));
        let mut python = Command::new("python3");
        python
            .args(["-c", HOSTILE_SENDER, path_str(&path), what, path_str(&file)])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let peer = Running::start(&format!("python sender ({what})"), python);
        wait_for_path(&path);
        let out = ipcdemo(&["fds", "--receive", "--path", path_str(&path)])
            .assert()
            .code(1);
        let stderr = stderr_text(&out);
        assert!(stderr.contains(expected), "{what}: {stderr}");
        assert_eq!(peer.finish().code, Some(0), "{what}");
    }
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"keep me",
        "nothing was written"
    );
}

/// A private runtime folder, so the per-user folder is this test's own.
fn runtime_dir() -> tempfile::TempDir {
    let dir = temp_dir();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    dir
}

#[test]
fn kill_son_reports_each_leftover_and_leaves_nothing_itself() {
    let runtime = runtime_dir();
    let out = ipcdemo(&["--json", "fds", "--kill-son"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .assert()
        .success();
    let all = events(
        &stdout_text(&out)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>(),
    );
    let folder = runtime.path().join("ipcdemo");
    let killed = named(&all, "killed");
    assert_eq!(
        killed
            .iter()
            .map(|k| k["mechanism"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["pipe", "fifo", "unix-stream"]
    );
    for k in &killed {
        assert_eq!(
            k["in_write"], true,
            "/proc/<son>/syscall said write(2): {k}"
        );
    }
    let reaped = named(&all, "reaped");
    assert_eq!(reaped.len(), 3);
    for (r, k) in reaped.iter().zip(&killed) {
        assert_eq!(r["son"], k["son"]);
        assert_eq!(r["signal"], "SIGKILL");
        assert!(gone(r["son"].as_i64().unwrap()), "{r}");
    }
    for d in named(&all, "drained") {
        let (bytes, message) = (
            d["bytes"].as_u64().unwrap(),
            d["message_bytes"].as_u64().unwrap(),
        );
        // Whatever the buffer held, and a torn message: the son died inside a 1 MiB write.
        assert!(bytes > 0 && bytes < message, "{d}");
    }
    let left = named(&all, "left_behind");
    assert_eq!(left[0]["path"], Value::Null, "a pipe has no name");
    let fifo = Path::new(left[1]["path"].as_str().unwrap());
    let socket = Path::new(left[2]["path"].as_str().unwrap());
    assert!(
        fifo.starts_with(&folder) && fifo.ends_with("fifo"),
        "{fifo:?}"
    );
    assert!(socket.starts_with(&folder) && socket.ends_with("socket"));
    assert_eq!(named(&all, "stale")[0]["path"], left[2]["path"]);
    assert_eq!(named(&all, "recovered")[0]["path"], left[2]["path"]);
    let crashes: Vec<&Value> = all.iter().filter(|e| e["kind"] == "crash").collect();
    assert_eq!(crashes.len(), 3);
    assert_eq!(
        crashes
            .iter()
            .map(|c| c["removed"] == true)
            .collect::<Vec<_>>(),
        [false, true, true]
    );
    assert!(crashes[2]["stale"] == true && crashes[2]["recovered"] == true);
    // The scratch folder and all in it are gone; the per-user folder is empty.
    let leftovers: Vec<_> = std::fs::read_dir(&folder).unwrap().flatten().collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let stderr = stderr_text(&out);
    assert!(stderr.contains("working in "), "{stderr}");
    assert!(
        stderr.contains("replaced the stale socket"),
        "the socket lesson's handling: {stderr}"
    );
}

#[test]
fn kill_son_in_words_says_what_each_mechanism_left() {
    let runtime = runtime_dir();
    let out = ipcdemo(&["fds", "--kill-son"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .assert()
        .success();
    let stderr = stderr_text(&out);
    let summaries: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("summary ("))
        .collect();
    assert_eq!(summaries.len(), 3, "{stderr}");
    assert!(
        summaries[0].starts_with("summary (pipe): son ")
            && summaries[0].ends_with("nothing was left behind: a pipe has no name"),
        "{stderr}"
    );
    assert!(
        summaries[1].contains("fifo behind; removed now, with the scratch folder"),
        "{stderr}"
    );
    assert!(
        summaries[2].contains("socket behind, a stale socket (connect(2) is refused)"),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("why: the kernel closes every descriptor"),
        "{stderr}"
    );
}

#[test]
fn every_stop_signal_ends_a_stalled_father_and_a_waiting_sender_cleanly() {
    for signal in STOP_SIGNALS {
        let mut father = Running::start(
            "fds --forget-close",
            ipcdemo_std(&[
                "--json",
                "fds",
                "--forget-close",
                "--stall",
                "60s",
                "--count",
                "1",
                "--tick",
                "0",
            ]),
        );
        let son = next_event(&mut father, "forked")["son"].as_i64().unwrap();
        // The stall has begun once the father has shown who holds the write end.
        next_event(&mut father, "holds");
        let asked = Instant::now();
        father.signal(signal);
        let done = father.finish();
        assert!(asked.elapsed() < Duration::from_secs(2), "{signal}");
        assert_eq!(done.signal, Some(signal as i32), "{signal}: {done:?}");
        let summary = json_lines(&done.stdout).pop().unwrap();
        assert_eq!(summary["kind"], "leak", "{signal}");
        assert_eq!(summary["end_of_file"], false, "{signal}: {summary}");
        assert!(gone(son), "{signal}: son {son}");

        let dir = temp_dir();
        let path = dir.path().join("fds-socket");
        let sender = start_sender(&path, &[]);
        wait_for_wchan(sender.pid(), "poll");
        sender.signal(signal);
        let done = sender.finish();
        assert_eq!(done.signal, Some(signal as i32), "{signal}: {done:?}");
        assert_eq!(json_lines(&done.stdout).pop().unwrap()["kind"], "reads");
        assert!(!path.exists(), "{signal}: the socket is left behind");
    }
}

/// True when `pid` exists and is not a zombie.
fn alive(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit(") ").next()?.chars().next()?;
            Some(state != 'Z' && state != 'X')
        })
        .unwrap_or(false)
}

#[test]
fn a_stop_in_the_middle_of_the_kill_tour_still_removes_everything() {
    // The tour takes a few milliseconds: freeze the father (SIGSTOP) just after it forks a
    // son, and go on only if that son is still alive, so the stop lands mid-crash.
    for attempt in 1..=10 {
        let runtime = runtime_dir();
        let mut cmd = ipcdemo_std(&["--json", "fds", "--kill-son"]);
        cmd.env("XDG_RUNTIME_DIR", runtime.path());
        let mut tour = Running::start("fds --kill-son", cmd);
        next_event(&mut tour, "left_behind");
        let son = next_event(&mut tour, "forked")["son"].as_i64().unwrap();
        tour.signal(Signal::SIGSTOP);
        let caught = alive(son);
        tour.signal(Signal::SIGINT);
        tour.signal(Signal::SIGCONT);
        let done = tour.finish();
        wait_gone(son);
        let folder = runtime.path().join("ipcdemo");
        let leftovers: Vec<_> = std::fs::read_dir(&folder).unwrap().flatten().collect();
        assert!(leftovers.is_empty(), "attempt {attempt}: {leftovers:?}");
        if !caught {
            continue;
        }
        assert_eq!(done.signal, Some(2), "{done:?}");
        let crashes: Vec<Value> = json_lines(&done.stdout)
            .into_iter()
            .filter(|e| e["kind"] == "crash")
            .collect();
        assert_eq!(
            crashes.len(),
            2,
            "the pipe done, the FIFO stopped: {crashes:?}"
        );
        assert_eq!(crashes[1]["son"], son);
        return;
    }
    panic!("never caught the tour with a son alive");
}

#[test]
fn a_father_killed_with_9_takes_its_son_along() {
    // A son that sleeps a minute between messages: alive when its father dies.
    let mut father = Running::start(
        "fds",
        ipcdemo_std(&["--json", "fds", "--count", "5", "--tick", "60s"]),
    );
    let son = next_event(&mut father, "forked")["son"].as_i64().unwrap();
    next_event(&mut father, "received");
    assert!(alive(son));
    father.signal(Signal::SIGKILL);
    assert_eq!(father.finish().signal, Some(9));
    // PR_SET_PDEATHSIG: the son dies with its father, and init reaps it.
    wait_gone(son);
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    for (args, says) in [
        (
            &["fds", "--send", "--receive"][..],
            "'--send' cannot be used with '--receive'",
        ),
        (&["fds", "--stall", "1s"], "--forget-close"),
        (&["fds", "--forget-close", "--stall", "-1s"], "is negative"),
        (
            &["fds", "--forget-close", "--stall", "2m1s"],
            "unknown unit",
        ),
        (&["fds", "--count", "0"], "0 is not in 1..=1000000"),
        (
            &["fds", "--count", "1000001"],
            "1000001 is not in 1..=1000000",
        ),
        (&["fds", "--path", "/tmp/x"], "<--send|--receive>"),
        (
            &["fds", "--kill-son", "--forget-close"],
            "cannot be used with",
        ),
        (&["fds", "--send", "--count", "3"], "cannot be used with"),
        (&["fds", "--kill-son", "--tick", "0"], "cannot be used with"),
    ] {
        let out = ipcdemo(args).assert().code(2);
        let stderr = stderr_text(&out);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn portuguese_and_spanish_tell_the_same_story() {
    for (lang, holds, summary) in [
        (
            "pt",
            "a extremidade de escrita de pipe:[",
            "resumo: o filho saiu, mas nenhum fim de arquivo veio por ",
        ),
        (
            "es",
            "el extremo de escritura de pipe:[",
            "resumen: el hijo se fue, pero no llegó ningún fin de archivo durante ",
        ),
    ] {
        let out = ipcdemo(&[
            "--lang",
            lang,
            "fds",
            "--forget-close",
            "--stall",
            "0",
            "--count",
            "1",
            "--tick",
            "0",
        ])
        .assert()
        .success();
        let stdout = stdout_text(&out);
        assert!(stdout.contains(holds), "{lang}: {stdout}");
        let stderr = stderr_text(&out);
        assert!(stderr.contains(summary), "{lang}: {stderr}");
        for english in [" the ", " of ", " held", " write end", " was "] {
            assert!(!stdout.contains(english), "{lang}: {english:?} in {stdout}");
            assert!(!stderr.contains(english), "{lang}: {english:?} in {stderr}");
        }
    }
    let runtime = runtime_dir();
    let out = ipcdemo(&["--lang", "pt", "fds", "--kill-son"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .assert()
        .success();
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("resumo (pipe): o filho ")
            && stderr.contains("nada ficou para trás: um pipe não tem nome"),
        "{stderr}"
    );
}

#[test]
fn another_user_sees_only_its_own_descriptors_and_is_told_so() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let out = ipcdemo_as_nobody(&[
        "--json",
        "fds",
        "--forget-close",
        "--stall",
        "0",
        "--count",
        "1",
        "--tick",
        "0",
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let all = json_lines(String::from_utf8_lossy(&out.stdout).lines());
    let father = all[0]["pid"].clone();
    let holds = named(&all, "holds");
    assert_eq!(holds[0]["holder"], father, "it still finds itself");
    // root's processes (pid 1 at least) are closed to nobody: counted and said, not an error.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: /proc would not show the descriptors of ")
            && stderr.contains("(other users'); a holder may hide there"),
        "{stderr}"
    );
}

#[test]
fn another_user_cannot_connect_to_a_sender() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let dir = temp_dir();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let path = dir.path().join("fds-socket");
    let sender = start_sender(&path, &[]);
    let out = ipcdemo_as_nobody(&["fds", "--receive", "--path", path_str(&path)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("refusing to use {}", path.display()))
            || stderr.contains("Permission denied"),
        "{stderr}"
    );
    sender.signal(Signal::SIGTERM);
    assert_eq!(sender.finish().signal, Some(15));
    assert!(!path.exists());
}

#[test]
fn kill_son_under_odd_umasks_works_and_leaves_nothing() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    // mkdtemp(3) applies the umask: under 277 the son could not make its FIFO in the scratch
    // folder, under 477 and 777 nobody could even list it to remove it.
    for umask in ["277", "477", "777"] {
        let runtime = runtime_dir();
        nix::unistd::chown(
            runtime.path(),
            Some(nix::unistd::Uid::from_raw(65534)),
            Some(nix::unistd::Gid::from_raw(65534)),
        )
        .unwrap();
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "umask {umask}; exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$0\" \
                 --json fds --kill-son"
            ))
            .arg(&bin)
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "umask {umask}: {stderr}");
        let crashes = json_lines(String::from_utf8_lossy(&out.stdout).lines())
            .into_iter()
            .filter(|e| e["kind"] == "crash")
            .count();
        assert_eq!(crashes, 3, "umask {umask}");
        let folder = runtime.path().join("ipcdemo");
        let leftovers: Vec<_> = std::fs::read_dir(&folder).unwrap().flatten().collect();
        assert!(leftovers.is_empty(), "umask {umask}: {leftovers:?}");
    }
}

#[test]
fn a_receiver_waiting_on_a_mute_sender_ends_on_a_stop_signal() {
    if !have("python3", "--version") {
        return;
    }
    let dir = temp_dir();
    let path = dir.path().join("mute.sock");
    // Accepts, reads the hello, and never sends anything.
    let mut python = Command::new("python3");
    python
        .args([
            "-c",
            "import os, socket, sys, time\n\
             os.umask(0o177)\n\
             s = socket.socket(socket.AF_UNIX)\n\
             s.bind(sys.argv[1])\n\
             s.listen(1)\n\
             c, _ = s.accept()\n\
             c.recv(1)\n\
             time.sleep(60)\n",
            path_str(&path),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let peer = Running::start("a mute sender", python);
    wait_for_path(&path);
    let receiver = Running::start("fds --receive", receiver(&path, &[]));
    // recvmsg(2) on a Unix stream socket.
    wait_for_wchan(receiver.pid(), "unix_stream");
    receiver.signal(Signal::SIGINT);
    let done = receiver.finish();
    assert_eq!(done.signal, Some(2), "{done:?}");
    let summary = json_lines(&done.stdout).pop().unwrap();
    assert_eq!(
        (summary["kind"].as_str(), summary["messages"].as_u64()),
        (Some("sent"), Some(0))
    );
    drop(peer);
}
