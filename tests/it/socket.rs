//! `ipcdemo socket`: father and sons over a Unix domain socket.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::util::*;

fn father(path: &Path, extra: &[&str]) -> Running {
    start_father("socket", path, extra)
}

fn son(path: &Path, extra: &[&str]) -> Running {
    start_son("socket", path, extra)
}

/// The bytes each son's reads carried, keyed by the pid the father printed.
fn bytes_by_son(lines: &[String]) -> BTreeMap<i32, Vec<u8>> {
    let mut by_son: BTreeMap<i32, Vec<u8>> = BTreeMap::new();
    for line in lines.iter().filter(|l| l.contains(" received [")) {
        let son: i32 = line
            .rsplit(" from son ")
            .next()
            .and_then(|rest| rest.split(' ').next())
            .and_then(|pid| pid.parse().ok())
            .expect("a received line names its son");
        by_son.entry(son).or_default().extend(data_of(line));
    }
    by_son
}

fn received(lines: &[String]) -> Vec<Vec<u8>> {
    lines
        .iter()
        .filter(|l| l.contains(" received ["))
        .map(|l| data_of(l))
        .collect()
}

fn accepted_pids(lines: &[String]) -> Vec<i32> {
    lines
        .iter()
        .filter(|l| l.contains(" accepted son "))
        .map(|l| {
            l.split(' ')
                .nth(4)
                .and_then(|p| p.parse().ok())
                .expect("a pid")
        })
        .collect()
}

#[test]
fn one_son_delivers_exact_bytes_and_the_kernel_names_it() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let f = father(&path, &["--count", "10"]);
    let meta = fs::symlink_metadata(&path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "only we may connect"
    );
    let s = son(&path, &["--count", "10"]);
    let son_pid = s.child.id() as i32;
    let s = s.finish();
    let done = f.finish();
    assert_eq!((done.code, s.code), (Some(0), Some(0)), "{done:?}");
    assert_eq!(
        accepted_pids(&done.stdout),
        vec![son_pid],
        "SO_PEERCRED gives the real pid"
    );
    let uid = nix::unistd::geteuid().as_raw();
    assert!(
        done.stdout[0].ends_with(&format!("(uid {uid})")),
        "{}",
        done.stdout[0]
    );
    assert_eq!(bytes_by_son(&done.stdout)[&son_pid], spam(10, true));
    assert!(!path.exists(), "the father removes its socket on exit");
    let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing else is left behind: {left:?}");
}

#[test]
fn four_sons_at_once_each_arrive_whole_and_in_order() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let f = father(&path, &["--count", "1200"]);
    let sons: Vec<Running> = (0..4).map(|_| son(&path, &["--count", "300"])).collect();
    let mut pids: Vec<i32> = sons.iter().map(|s| s.child.id() as i32).collect();
    for s in sons {
        let s = s.finish();
        assert_eq!(s.code, Some(0), "{s:?}");
    }
    let done = f.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let mut accepted = accepted_pids(&done.stdout);
    accepted.sort();
    pids.sort();
    assert_eq!(accepted, pids);
    let by_son = bytes_by_son(&done.stdout);
    for pid in &pids {
        assert_eq!(by_son[pid], spam(300, true), "son {pid}");
    }
}

#[test]
fn seqpacket_gives_exactly_one_message_per_read() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let f = father(&path, &["--count", "50", "--seqpacket"]);
    assert_eq!(
        son(&path, &["--count", "50", "--seqpacket"]).finish().code,
        Some(0)
    );
    let done = f.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let reads: Vec<Vec<u8>> = received(&done.stdout)
        .into_iter()
        .filter(|d| !d.is_empty())
        .collect();
    let expected: Vec<Vec<u8>> = (0..50)
        .map(|i| format!("Spam {:03}\n", i % 5).into_bytes())
        .collect();
    assert_eq!(reads, expected);
    assert!(
        done.stderr
            .contains("summary: 50 messages, 450 bytes in 50 reads: 50 held exactly one message"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("SOCK_SEQPACKET keeps boundaries"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_seqpacket_son_and_a_stream_father_say_they_differ() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let f = father(&path, &[]);
    let s = son(&path, &["--count", "1", "--seqpacket"]).finish();
    assert_eq!(s.code, Some(1));
    assert!(
        s.stderr.contains("uses another socket type"),
        "{}",
        s.stderr
    );
    f.signal(Signal::SIGINT);
    assert_eq!(f.finish().signal, Some(2));
}

#[test]
fn ack_makes_a_round_trip_for_every_message() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let f = father(&path, &["--count", "5", "--ack"]);
    let s = son(&path, &["--count", "5", "--ack"]).finish();
    assert_eq!(s.code, Some(0), "{s:?}");
    let answers: Vec<Vec<u8>> = s
        .stdout
        .iter()
        .filter(|l| l.contains(" got the answer "))
        .map(|l| data_of(l))
        .collect();
    let expected: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("ack Spam {i:03}\n").into_bytes())
        .collect();
    assert_eq!(answers, expected);
    assert!(
        s.stdout.iter().filter(|l| l.ends_with(" µs")).count() == 5,
        "{:?}",
        s.stdout
    );
    assert_eq!(f.finish().code, Some(0));
}

#[test]
fn a_stale_socket_is_replaced() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    drop(UnixListener::bind(&path).unwrap()); // the file stays, nobody listens: a dead father
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let f = Running::start(
        "socket father",
        ipcdemo_std(&["socket", "--count", "1", "--path", path_str(&path)]),
    );
    // The stale file is there from the start: wait for the father to listen (in poll(2)),
    // not for the path to exist.
    wait_for_wchan(f.pid(), "poll");
    assert_eq!(son(&path, &["--count", "1"]).finish().code, Some(0));
    let done = f.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stderr.contains("replaced the stale socket"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_socket_with_a_live_father_is_refused() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let _live = UnixListener::bind(&path).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let out = ipcdemo(&["socket", "--path", path_str(&path)])
        .assert()
        .code(1);
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains(&format!(
            "another father is listening on {}",
            path.display()
        )),
        "{stderr}"
    );
    assert!(
        fs::symlink_metadata(&path).unwrap().file_type().is_socket(),
        "left in place"
    );
}

#[test]
fn foreign_files_at_the_path_are_refused_and_untouched() {
    ForeignFiles::new().assert_refused_by(
        &[&["socket"], &["socket", "--son", "--count", "1"]],
        "refusing to use {path}: it is {kind}, not a socket; it was left untouched",
    );
}

#[test]
fn a_son_without_a_father_fails_at_once_and_says_why() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let started = Instant::now();
    let out = ipcdemo(&["socket", "--son", "--path", path_str(&path)])
        .assert()
        .code(1);
    assert!(started.elapsed() < Duration::from_secs(5));
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("no father is listening") && stderr.contains("nothing is there"),
        "{stderr}"
    );
    drop(UnixListener::bind(&path).unwrap());
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let out = ipcdemo(&["socket", "--son", "--path", path_str(&path)])
        .assert()
        .code(1);
    let stderr = stderr_text(&out);
    assert!(stderr.contains("connection refused"), "{stderr}");
}

#[test]
fn a_son_says_so_when_its_father_is_killed() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let mut f = father(&path, &[]);
    let s = Running::start(
        "socket son",
        ipcdemo_std(&[
            "socket",
            "--son",
            "--tick",
            "10ms",
            "--path",
            path_str(&path),
        ]),
    );
    f.next_line(); // accepted
    f.next_line(); // first message
    f.signal(Signal::SIGKILL);
    let done = s.finish();
    // kill -9 leaves the public name only (the private one went at publication).
    let left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left, ["socket"]);
    assert_eq!(done.code, Some(1), "{done:?}");
    assert!(
        done.stderr.contains("error: the father went away"),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains("panicked"), "{}", done.stderr);
}

#[test]
fn a_garbage_client_does_not_stall_the_other_sons() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let f = father(&path, &["--count", "50", "--read-size", "64K"]);
    let mut garbage = UnixStream::connect(&path).unwrap();
    // Binary bytes and a whole megabyte with no newline, from a client that never reads.
    let writer = std::thread::spawn(move || {
        garbage.write_all(b"\x00\xff\x1b[31m").unwrap();
        // The father may leave (its --count reached) before reading all of it: EPIPE is fine.
        let _ = garbage.write_all(&vec![b'x'; 1 << 20]);
        garbage
    });
    let s = son(&path, &["--count", "50"]);
    let son_pid = s.child.id() as i32;
    assert_eq!(s.finish().code, Some(0));
    let done = f.finish();
    let _garbage = writer.join().unwrap();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(bytes_by_son(&done.stdout)[&son_pid], spam(50, true));
    assert!(
        done.stdout
            .iter()
            .any(|l| l.contains("[\\x00\\xff\\x1b[31m")),
        "escaped"
    );
}

#[test]
fn the_socket_file_is_removed_after_every_stop_signal() {
    for signal in STOP_SIGNALS {
        let dir = temp_dir();
        let path = dir.path().join("socket");
        let f = father(&path, &[]);
        wait_for_wchan(f.pid(), "poll"); // listening, waiting for a son
        f.signal(signal);
        let done = f.finish();
        assert_eq!(done.signal, Some(signal as i32), "{done:?}");
        assert!(
            done.stderr.contains("summary: 0 messages"),
            "{}",
            done.stderr
        );
        assert!(!path.exists(), "{signal}");
    }
}

#[test]
fn socat_is_a_son_and_a_father() {
    if !have("socat", "-V") {
        return;
    }
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let f = father(&path, &["--count", "1"]);
    let mut socat = Command::new("timeout")
        .args([
            "20",
            "socat",
            "-",
            &format!("UNIX-CONNECT:{}", path.display()),
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    socat.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let done = f.finish();
    let _ = socat.wait();
    assert_eq!(received(&done.stdout).concat(), b"hello\n");

    let path = dir.path().join("socat-listens");
    let listener = Command::new("timeout")
        .args([
            "20",
            "socat",
            "-u",
            &format!("UNIX-LISTEN:{},mode=600", path.display()),
            "-",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_path(&path);
    assert_eq!(son(&path, &["--count", "3"]).finish().code, Some(0));
    let out = listener.wait_with_output().unwrap();
    assert_eq!(out.stdout, spam(3, true));
}

#[test]
fn pythons_socket_module_is_a_peer() {
    if !have("python3", "--version") {
        return;
    }
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let f = father(&path, &["--count", "2", "--ack"]);
    let client = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n\
        s.sendall(b'Spam 000\\n')\nprint(s.recv(100))\ns.sendall(b'Spam 001\\n')\nprint(s.recv(100))\n";
    let out = Command::new("timeout")
        .args(["20", "python3", "-c", client, path_str(&path)])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "b'ack Spam 000\\n'\nb'ack Spam 001\\n'\n"
    );
    let done = f.finish();
    assert_eq!(received(&done.stdout).concat(), spam(2, true));
}

#[test]
fn a_son_killed_mid_run_costs_the_others_nothing() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let mut f = father(&path, &["--count", "100"]);
    let doomed = Running::start(
        "doomed son",
        ipcdemo_std(&[
            "socket",
            "--son",
            "--tick",
            "5ms",
            "--path",
            path_str(&path),
        ]),
    );
    let doomed_pid = doomed.child.id() as i32;
    // Wait until the father has heard from it, then kill it without warning.
    loop {
        let line = f.next_line();
        if line.contains(&format!("from son {doomed_pid}")) {
            break;
        }
    }
    doomed.signal(Signal::SIGKILL);
    drop(doomed);
    let s = son(&path, &["--count", "100"]);
    let son_pid = s.child.id() as i32;
    assert_eq!(s.finish().code, Some(0));
    let done = f.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let by_son = bytes_by_son(&done.stdout);
    // --count 100 may end the father before the survivor's last lines are read, but what
    // arrived is exactly its first lines, whole and in order.
    let survivor = &by_son[&son_pid];
    assert_eq!(survivor[..], spam(100, true)[..survivor.len()]);
    assert!(
        done.stdout
            .iter()
            .any(|l| l.contains(&format!("saw son {doomed_pid} hang up")))
    );
    let doomed_bytes = &by_son[&doomed_pid];
    assert_eq!(
        doomed_bytes[..],
        spam(1000, true)[..doomed_bytes.len()],
        "nothing sent was lost"
    );
}

#[test]
fn a_path_too_long_for_a_socket_address_is_explained() {
    let dir = temp_dir();
    let long = dir.path().join("x".repeat(120));
    let path = long.display();
    // The father cannot bind it, and says why; the son looks first and finds nothing there,
    // which is also true: no father can ever listen at such a path.
    let cases: [(&[&str], String); 2] = [
        (
            &["socket"],
            format!(
                "error: {path} is too long for a Unix socket address (at most 107 bytes, \
                 unix(7), and the father needs room for a private name beside it); pass a \
                 shorter --path\n"
            ),
        ),
        (
            &["socket", "--son"],
            format!(
                "error: no father is listening on {path} (nothing is there): unlike a FIFO, \
                 connect(2) does not wait; start `ipcdemo socket` first\n"
            ),
        ),
    ];
    for (side, expected) in cases {
        let mut args = side.to_vec();
        args.extend(["--path", path_str(&long)]);
        let out = ipcdemo(&args).assert().code(1);
        assert_eq!(stderr_text(&out), expected, "{args:?}");
    }
}

#[test]
fn a_father_out_of_descriptors_makes_sons_wait_instead_of_failing() {
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    // Ten descriptors: stdio, the listener and a few sons; the rest must wait in the backlog.
    let mut cmd = Command::new("bash");
    cmd.args([
        "-c",
        "ulimit -n 10; exec \"$0\" socket --path \"$1\" --count 40",
    ])
    .arg(&bin)
    .arg(&path)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let f = Running::start("socket father, ulimit -n 10", cmd);
    wait_for_path(&path);
    let sons: Vec<Running> = (0..10)
        .map(|_| son(&path, &["--count", "4", "--tick", "20ms"]))
        .collect();
    let sons: Vec<_> = sons.into_iter().map(|s| s.finish()).collect();
    assert!(sons.iter().all(|s| s.code == Some(0)), "{sons:?}");
    let done = f.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(accepted_pids(&done.stdout).len(), 10);
    assert!(
        done.stderr.contains("out of file descriptors (EMFILE)"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("summary: 40 messages, 360 bytes"),
        "{}",
        done.stderr
    );
}
