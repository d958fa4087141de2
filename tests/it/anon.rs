//! `ipcdemo anon`: the anonymous pipe between a son and its father.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::util::*;

fn father_lines(out: &assert_cmd::assert::Assert) -> Vec<String> {
    stdout_text(out).lines().map(str::to_string).collect()
}

fn received_bytes(lines: &[String]) -> Vec<Vec<u8>> {
    lines
        .iter()
        .filter(|l| l.starts_with("Father "))
        .map(|l| data_of(l))
        .collect()
}

#[test]
fn joined_reads_equal_exactly_the_bytes_sent() {
    let out = ipcdemo(&["anon", "--count", "200", "--tick", "0"])
        .assert()
        .success();
    let lines = father_lines(&out);
    let reads = received_bytes(&lines);
    assert_eq!(reads.len(), lines.len(), "stdout holds only father events");
    assert_eq!(reads.concat(), spam(200, false));
    assert!(
        reads.iter().all(|r| r.len() <= 32),
        "a read returned more than --read-size"
    );
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("end of file: every writer has closed the pipe"),
        "{stderr}"
    );
    let summary = format!(
        "summary: 200 messages, 1600 bytes in {} reads:",
        reads.len()
    );
    assert!(stderr.contains(&summary), "{stderr}");
}

#[test]
fn at_tick_zero_some_read_carries_several_messages() {
    let out = ipcdemo(&["anon", "--count", "200", "--tick", "0"])
        .assert()
        .success();
    let reads = received_bytes(&father_lines(&out));
    // 200 writes racing one reader: the pipe must have glued some together.
    assert!(
        reads.iter().any(|r| r.len() > 8),
        "no read held more than one message: {reads:?}"
    );
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("is a byte stream with no message boundaries"),
        "{stderr}"
    );
}

#[test]
fn no_read_is_longer_than_the_read_size() {
    for size in ["8", "5"] {
        let out = ipcdemo(&["anon", "--count", "200", "--tick", "0", "--read-size", size])
            .assert()
            .success();
        let reads = received_bytes(&father_lines(&out));
        let max: usize = size.parse().unwrap();
        assert!(
            reads.iter().all(|r| !r.is_empty() && r.len() <= max),
            "size {size}: {reads:?}"
        );
        assert_eq!(reads.concat(), spam(200, false), "size {size}");
    }
}

#[test]
fn a_read_size_of_five_splits_messages_and_says_so() {
    let out = ipcdemo(&["anon", "--count", "10", "--tick", "0", "--read-size", "5"])
        .assert()
        .success();
    let stderr = stderr_text(&out);
    // 80 bytes in reads of at most 5: at least 16 reads, none of them one whole message.
    assert!(
        stderr.contains("summary: 10 messages, 80 bytes in"),
        "{stderr}"
    );
    assert!(stderr.contains(" 0 held exactly one message"), "{stderr}");
}

#[test]
fn forked_son_delivers_every_byte_from_another_pid() {
    let out = ipcdemo(&[
        "anon",
        "--count",
        "200",
        "--tick",
        "0",
        "--fork",
        "--show-son",
    ])
    .assert()
    .success();
    let lines = father_lines(&out);
    assert_eq!(received_bytes(&lines).concat(), spam(200, false));
    let sent: Vec<u8> = lines
        .iter()
        .filter(|l| l.starts_with("Son "))
        .flat_map(|l| data_of(l))
        .collect();
    assert_eq!(
        sent,
        spam(200, false),
        "the son shows each of its 200 writes"
    );
    let pid_of = |prefix: &str| -> String {
        let line = lines
            .iter()
            .find(|l| l.starts_with(prefix))
            .expect("a line");
        line.split(' ').nth(1).expect("a pid").to_string()
    };
    assert_ne!(
        pid_of("Son "),
        pid_of("Father "),
        "a forked son has its own pid"
    );
}

#[test]
fn a_thread_son_shares_the_fathers_pid() {
    let out = ipcdemo(&["anon", "--count", "3", "--tick", "0", "--show-son"])
        .assert()
        .success();
    let lines = father_lines(&out);
    let pids: std::collections::BTreeSet<&str> =
        lines.iter().filter_map(|l| l.split(' ').nth(1)).collect();
    assert_eq!(pids.len(), 1, "threads share a process: {lines:?}");
}

#[test]
fn the_son_sleeps_zero_to_four_ticks_between_messages() {
    let out = ipcdemo(&["anon", "--count", "6", "--tick", "50ms", "--show-son"])
        .assert()
        .success();
    let lines = father_lines(&out);
    let times: Vec<f64> = lines
        .iter()
        .filter(|l| l.starts_with("Son "))
        .map(|l| time_of(l))
        .collect();
    assert_eq!(times.len(), 6);
    // Message n sleeps (n % 5) ticks first: gaps of 1, 2, 3, 4 and 0 ticks.
    let expected_ms = [50.0, 100.0, 150.0, 200.0, 0.0];
    for (i, pair) in times.windows(2).enumerate() {
        let gap_ms = (pair[1] - pair[0]) * 1000.0;
        assert!(
            gap_ms >= expected_ms[i] - 2.0 && gap_ms <= expected_ms[i] + 45.0,
            "gap {i} was {gap_ms:.1} ms, expected about {} ms",
            expected_ms[i]
        );
    }
}

#[test]
fn ctrl_c_ends_a_default_run_with_a_summary() {
    let mut father = Running::start("anon", ipcdemo_std(&["anon"]));
    // The first message comes at once; the next only after a one-second tick.
    assert_eq!(data_of(&father.next_line()), b"Spam 000");
    father.signal(Signal::SIGINT);
    let done = father.finish();
    assert_eq!((done.code, done.signal), (None, Some(2)), "{done:?}");
    assert!(
        done.stderr
            .contains("summary: 1 message, 8 bytes in 1 read: 1 held exactly one message"),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains("panicked"), "{}", done.stderr);
}

#[test]
fn sigterm_ends_a_run_by_sigterm() {
    let mut father = Running::start("anon", ipcdemo_std(&["anon"]));
    father.next_line();
    father.signal(Signal::SIGTERM);
    let done = father.finish();
    assert_eq!((done.code, done.signal), (None, Some(15)), "{done:?}");
    assert!(
        done.stderr.contains("summary: 1 message, 8 bytes"),
        "{}",
        done.stderr
    );
}

#[test]
fn ctrl_c_on_the_father_leaves_no_forked_son_behind() {
    let mut father = Running::start(
        "anon --fork",
        ipcdemo_std(&["anon", "--fork", "--show-son"]),
    );
    let mut son_pid = None;
    while son_pid.is_none() {
        let line = father.next_line();
        if line.starts_with("Son ") {
            son_pid = line.split(' ').nth(1).and_then(|p| p.parse::<i32>().ok());
        }
    }
    let son = Pid::from_raw(son_pid.expect("the son's pid"));
    // Only the father gets the signal, as with `kill -INT`; it must stop and reap its son.
    father.signal(Signal::SIGINT);
    let done = father.finish();
    assert_eq!((done.code, done.signal), (None, Some(2)), "{done:?}");
    wait_until(
        || format!("son {son} still exists after its father left"),
        || (kill(son, None) == Err(Errno::ESRCH)).then_some(()),
    );
}

#[test]
fn a_closed_stdout_ends_the_demo_quietly() {
    let mut cmd = ipcdemo_std(&["anon", "--tick", "0"]);
    let mut child = cmd.spawn().expect("starts");
    let mut reader = BufReader::new(child.stdout.take().expect("piped"));
    for _ in 0..3 {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a line");
        assert!(line.starts_with("Father "), "{line}");
    }
    drop(reader); // as `| head -3` does
    let status = wait_for_exit("anon, after its stdout closed,", &mut child);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(stderr, "", "a closed stdout is not an error");
}

#[test]
fn a_full_disk_on_stdout_is_a_clear_error() {
    let full = File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists");
    let mut cmd = ipcdemo_std(&["anon", "--count", "3", "--tick", "0"]);
    cmd.stdout(Stdio::from(full));
    let (code, stderr) = run_with_deadline("anon >/dev/full", cmd);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error: writing to standard output: No space left on device"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_arguments_are_usage_errors_that_name_the_option() {
    let cases: [(&[&str], &str); 7] = [
        (&["anon", "--read-size", "0"], "--read-size"),
        (&["anon", "--read-size", "lots"], "not a size in bytes"),
        (&["anon", "--read-size", "2M"], "out of range"),
        (&["anon", "--tick", "soon"], "not a duration"),
        (&["anon", "--count", "0"], "--count"),
        (&["anon", "--count", "-3"], "'-3'"),
        (&["anon", "--frobnicate"], "--frobnicate"),
    ];
    for (args, needle) in cases {
        let out = ipcdemo(args).assert().code(2);
        let stderr = stderr_text(&out);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.get_output().stdout.is_empty(), "{args:?}");
    }
}
