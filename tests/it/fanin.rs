//! `ipcdemo bench --senders N` (fan-in) at tiny sizes: every sender's bytes arrive exactly,
//! fairness adds up, the mechanisms without fan-in say so, bad counts are usage errors, and a
//! stop or a dead sender ends the run at once with every sender reaped. No timing assertions.

use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::util::*;

/// The four mechanisms fan-in measures.
const FAN_IN: [&str; 4] = ["pipe", "fifo", "unix-stream", "tcp"];

fn fan_in_json(extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--json", "bench", "--quick"];
    args.extend_from_slice(extra);
    let out = ipcdemo(&args).assert().success();
    json_lines(stdout_text(&out).lines())
}

/// A fan-in row moved `per_sender` bytes from each of `senders`, and its shares add up.
fn assert_every_sender_moved(row: &Value, senders: u64, record: u64, per_sender: u64) {
    let fan_in = &row["fan_in"];
    assert_eq!(fan_in["senders"], senders, "{row}");
    assert_eq!(fan_in["record_bytes"], record, "{row}");
    let each: Vec<u64> = fan_in["sender_bytes"]
        .as_array()
        .unwrap_or_else(|| panic!("sender_bytes: {row}"))
        .iter()
        .map(|b| b.as_u64().unwrap())
        .collect();
    assert_eq!(
        each,
        vec![per_sender; senders as usize],
        "every sender, exactly: {row}"
    );
    assert_eq!(row["bytes"], per_sender * senders, "{row}");
    assert!(row["bytes_per_second"].as_f64().unwrap() > 0.0, "{row}");
    let (min, max) = (
        fan_in["share_min"].as_f64().unwrap(),
        fan_in["share_max"].as_f64().unwrap(),
    );
    let ideal = 1.0 / senders as f64;
    // The smallest share is at most the mean and the largest at least; together with the
    // others they make the whole (to the rounding of six decimals).
    assert!(
        (0.0..=ideal + 1e-6).contains(&min) && (ideal - 1e-6..=1.0).contains(&max),
        "{min} {max}: {row}"
    );
    assert!(
        min * (senders - 1) as f64 + max <= 1.0 + 1e-5,
        "{min} {max}: {row}"
    );
    assert!(
        max * (senders - 1) as f64 + min >= 1.0 - 1e-5,
        "{min} {max}: {row}"
    );
    // Every sender's CPU time counts: the child columns add up all of them.
    let cpu: f64 = [
        "cpu_parent_user_s",
        "cpu_parent_sys_s",
        "cpu_child_user_s",
        "cpu_child_sys_s",
    ]
    .iter()
    .map(|f| row[f].as_f64().unwrap())
    .sum();
    assert!(cpu > 0.0, "{row}");
    assert!(row["cpu_s_per_gib"].as_f64().unwrap() > 0.0, "{row}");
}

#[test]
fn four_senders_move_every_byte_of_every_sender_exactly() {
    // 4 MiB in 4 KiB records (PIPE_BUF): 256 records of each of 4 senders.
    let rows = fan_in_json(&[
        "--senders",
        "4",
        "--total",
        "4M",
        "--mechanism",
        "pipe,fifo,unix-stream,tcp",
    ]);
    assert_eq!(rows.len(), 4, "{rows:?}");
    for (row, mechanism) in rows.iter().zip(FAN_IN) {
        assert_eq!(
            (row["mechanism"].as_str(), row["measure"].as_str()),
            (Some(mechanism), Some("throughput"))
        );
        assert_every_sender_moved(row, 4, 4096, 1 << 20);
        // A pipe or FIFO takes PIPE_BUF-byte records, not the 64 KiB writes asked (the
        // default --size), and says so; a socket sender writes 64 KiB of records at a time.
        let notes = if ["pipe", "fifo"].contains(&mechanism) {
            serde_json::json!([{"records_capped": {"asked": 65536, "pipe_buf": 4096}}])
        } else {
            serde_json::json!([])
        };
        assert_eq!(row["notes"], notes, "{row}");
        // What each write(2) carried: one record through a pipe, 16 of them on a socket.
        let write = if notes.as_array().unwrap().is_empty() {
            65536
        } else {
            4096
        };
        assert_eq!(row["size_bytes"], write, "{row}");
        assert!(row["rounds"].is_null(), "throughput only: {row}");
    }
}

#[test]
fn odd_totals_and_sizes_still_arrive_in_whole_records() {
    // 1000000 bytes over 3 senders in 1000-byte records: 333 whole records each (999000 bytes);
    // 5-byte records cannot hold a header, so they grow to 16 bytes and a note says so.
    let rows = fan_in_json(&[
        "--senders",
        "3",
        "--total",
        "1000000",
        "--size",
        "1000",
        "--mechanism",
        "fifo,tcp",
    ]);
    for row in &rows {
        assert_every_sender_moved(row, 3, 1000, 333_000);
    }
    let rows = fan_in_json(&[
        "--senders",
        "2",
        "--total",
        "64K",
        "--size",
        "5",
        "--mechanism",
        "pipe,unix-stream",
    ]);
    for row in &rows {
        assert_every_sender_moved(row, 2, 16, 32 << 10);
        assert_eq!(
            row["notes"],
            serde_json::json!([{"records_padded": {"asked": 5, "header": 16}}]),
            "{row}"
        );
    }
}

#[test]
fn mechanisms_without_fan_in_say_it_does_not_apply() {
    let rows = fan_in_json(&[
        "--senders",
        "2",
        "--total",
        "1M",
        "--mechanism",
        "socketpair,pipe,signal,shm",
    ]);
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["mechanism"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["socketpair", "pipe", "signal", "shm"], "a row each");
    for row in rows.iter().filter(|r| r["mechanism"] != "pipe") {
        assert_eq!(
            row["notes"],
            serde_json::json!(["fan_in_does_not_apply"]),
            "{row}"
        );
        assert_eq!(
            row["skipped"],
            serde_json::json!({"reason": "no_fan_in"}),
            "{row}"
        );
        assert_eq!(row["bytes"], 0, "nothing measured: {row}");
        assert!(row["bytes_per_second"].is_null(), "{row}");
        assert!(row.get("fan_in").is_none(), "{row}");
    }
    assert_every_sender_moved(&rows[1], 2, 4096, 512 << 10);
    // In words: the row says it, and a note says why, for each mechanism.
    let out = ipcdemo(&[
        "bench",
        "--senders",
        "2",
        "--total",
        "1M",
        "--mechanism",
        "pipe,socketpair",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(
        lines[1].starts_with("pipe ") && lines[1].contains("read/write, 2 senders, 4 KiB records"),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with("socketpair ")
            && lines[2].ends_with("  - (no fan-in here: see the note)"),
        "{stdout}"
    );
    assert!(
        lines[3]
            .starts_with("fairness (pipe, 2 senders): when the first sender finished, each had "),
        "{stdout}"
    );
    assert!(
        lines[4].starts_with("reading: the fastest stream was pipe"),
        "{stdout}"
    );
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains(
            "note (socketpair): fan-in (--senders) does not apply: a socketpair has exactly two ends"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("note (pipe): fan-in: records of 4 KiB (PIPE_BUF)"),
        "{stderr}"
    );
}

#[test]
fn bad_sender_counts_and_what_fan_in_cannot_do_are_usage_errors() {
    for (args, needle) in [
        (&["bench", "--senders", "0"][..], "0 is not in 1..=64"),
        (&["bench", "--senders", "65"], "65 is not in 1..=64"),
        (&["bench", "--senders", "-4"], "--senders"),
        (&["bench", "--senders", "many"], "--senders"),
        (
            &["bench", "--senders", "4", "--latency-only"],
            "--senders 4 (fan-in, throughput only) cannot be used with --latency-only",
        ),
        (&["bench", "--senders", "2", "--zero-copy"], "--zero-copy"),
        (&["bench", "--senders", "2", "--busy-poll"], "--busy-poll"),
        (&["bench", "--senders", "2", "--histogram"], "--histogram"),
        (&["bench", "--senders", "2", "--sweep"], "--sweep"),
    ] {
        let started = Instant::now();
        let out = ipcdemo(args).assert().code(2);
        let stderr = stderr_text(&out);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(
            out.get_output().stdout.is_empty(),
            "{args:?}: nothing ran, nothing printed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{args:?}: refused before anything ran"
        );
    }
    // One sender is the ordinary run, latency and all.
    let out = ipcdemo(&[
        "--json",
        "bench",
        "--senders",
        "1",
        "--latency-only",
        "--mechanism",
        "pipe",
        "--rounds",
        "100",
    ])
    .assert()
    .success();
    let rows = json_lines(stdout_text(&out).lines());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["measure"], "latency");
    assert!(rows[0].get("fan_in").is_none(), "{}", rows[0]);
}

/// The senders of `parent`: its children, from /proc.
fn children_of(parent: Pid) -> Vec<Pid> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                // The parent's pid is the second field after the command in parentheses.
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .is_some_and(|ppid| ppid == parent.as_raw().to_string())
            })
        })
        .map(Pid::from_raw)
        .collect()
}

/// Starts a fan-in of 64 GiB (minutes of work: only what the test does can end it in time)
/// and waits until all `senders` are running.
fn start_long_fan_in(mechanism: &str, senders: usize) -> (std::process::Child, Vec<Pid>) {
    let count = senders.to_string();
    let mut cmd = ipcdemo_std(&[
        "bench",
        "--senders",
        &count,
        "--mechanism",
        mechanism,
        "--total",
        "64G",
    ]);
    cmd.stdout(std::process::Stdio::null());
    let child = cmd.spawn().expect("starts");
    let pid = Pid::from_raw(child.id() as i32);
    let senders = wait_until(
        || format!("{senders} senders of {pid}"),
        || Some(children_of(pid)).filter(|c| c.len() == senders),
    );
    (child, senders)
}

#[test]
fn a_stop_during_fan_in_reaps_every_sender_and_ends_by_the_signal() {
    use std::os::unix::process::ExitStatusExt;
    for (mechanism, signal) in [("fifo", Signal::SIGINT), ("tcp", Signal::SIGTERM)] {
        let (child, senders) = start_long_fan_in(mechanism, 8);
        let pid = Pid::from_raw(child.id() as i32);
        let scratch = std::env::temp_dir().join(format!("ipcdemo-bench-{pid}"));
        // Only the parent is told (a Ctrl-C would reach the senders too): it must end them.
        let asked = Instant::now();
        kill(pid, signal).unwrap();
        let (status, stderr) = finish_child_status("fan-in after a stop signal", child);
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "{mechanism}: took {:?}",
            asked.elapsed()
        );
        assert_eq!(
            status.signal(),
            Some(signal as i32),
            "{mechanism}: {stderr}"
        );
        assert_eq!(stderr, "", "{mechanism}: a stop is not an error");
        for sender in senders {
            assert!(
                kill(sender, None).is_err(),
                "{mechanism}: sender {sender} is gone, reaped"
            );
        }
        assert!(
            !scratch.exists(),
            "{mechanism}: the FIFO's folder is removed"
        );
    }
}

#[test]
fn a_sender_that_dies_ends_the_run_with_the_cause_instead_of_a_hang() {
    // In a pipe the other senders keep the write end open, so no end of file would say it;
    // the reader must notice the death itself (else this runs for minutes).
    for mechanism in ["pipe", "unix-stream"] {
        let (child, senders) = start_long_fan_in(mechanism, 4);
        let killed = Instant::now();
        kill(senders[0], Signal::SIGKILL).unwrap();
        let (status, stderr) = finish_child_status("fan-in with a dead sender", child);
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "{mechanism}: took {:?}",
            killed.elapsed()
        );
        assert_eq!(status.code(), Some(1), "{mechanism}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "error: measuring the {mechanism} throughput: the benchmark's child was killed by \
                 SIGKILL\n"
            ),
            "{mechanism}"
        );
        for sender in senders {
            assert!(kill(sender, None).is_err(), "{mechanism}: {sender} reaped");
        }
    }
}

#[test]
fn a_csv_export_of_fan_in_keeps_every_sender() {
    let dir = temp_dir();
    let csv = dir.path().join("fan-in.csv");
    ipcdemo(&[
        "bench",
        "--senders",
        "3",
        "--total",
        "3M",
        "--mechanism",
        "unix-stream,mq",
        "--export-csv",
        path_str(&csv),
    ])
    .assert()
    .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let header: Vec<&str> = lines[0].split(',').collect();
    let cell = |line: &str, name: &str| {
        let at = header.iter().position(|h| *h == name).unwrap();
        line.split(',').nth(at).unwrap().to_string()
    };
    assert_eq!(cell(lines[1], "fan_in_senders"), "3", "{text}");
    assert_eq!(cell(lines[1], "fan_in_record_bytes"), "4096", "{text}");
    assert_eq!(
        cell(lines[1], "fan_in_sender_bytes"),
        "1048576 1048576 1048576",
        "{text}"
    );
    assert_eq!(cell(lines[2], "skipped"), "no_fan_in", "{text}");
    assert_eq!(cell(lines[2], "fan_in_senders"), "", "{text}");
}
