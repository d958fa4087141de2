//! `ipcdemo bench --sweep`: a row per mechanism, measure and message size, each cell measured
//! for a time budget; sizes a mechanism cannot carry say why; the stop signals end a sweep with
//! the rows it finished. No timing assertions: only counts, order and shapes.

use serde_json::Value;

use crate::util::*;

fn sweep_json(extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--json", "bench"];
    args.extend_from_slice(extra);
    let out = ipcdemo(&args).assert().success();
    json_lines(stdout_text(&out).lines())
}

fn key(row: &Value) -> (String, String, u64) {
    (
        row["mechanism"].as_str().unwrap().to_string(),
        row["measure"].as_str().unwrap().to_string(),
        row["size_bytes"].as_u64().unwrap(),
    )
}

/// p50 ≤ p90 ≤ p99 ≤ p99.9 ≤ max, wherever a percentile is there.
fn assert_percentiles_in_order(row: &Value) {
    let present: Vec<f64> = [
        "rtt_p50_us",
        "rtt_p90_us",
        "rtt_p99_us",
        "rtt_p999_us",
        "rtt_max_us",
    ]
    .iter()
    .filter_map(|f| row[*f].as_f64())
    .collect();
    assert!(present.len() >= 4, "p50, p90, p99 and max at least: {row}");
    assert!(present.windows(2).all(|w| w[0] <= w[1]), "{row}");
    let rounds = row["rounds"].as_u64().unwrap();
    assert_eq!(row["rtt_p999_us"].is_null(), rounds < 10_000, "{row}");
}

#[test]
fn a_quick_sweep_has_a_row_per_mechanism_measure_and_size() {
    let rows = sweep_json(&["--quick", "--sweep", "4K,64", "--cell-time", "5ms"]);
    // Eight mechanisms stream bytes, all ten have a latency row; two sizes, smallest first.
    let mut want = Vec::new();
    for mechanism in [
        "pipe",
        "fifo",
        "unix-stream",
        "unix-seqpacket",
        "socketpair",
        "tcp",
        "signal",
        "mq",
        "shm",
        "eventfd",
    ] {
        for measure in ["throughput", "latency"] {
            if measure == "throughput" && matches!(mechanism, "signal" | "eventfd") {
                continue;
            }
            for size in [64, 4096] {
                want.push((mechanism.to_string(), measure.to_string(), size));
            }
        }
    }
    assert_eq!(rows.iter().map(key).collect::<Vec<_>>(), want);
    for row in &rows {
        let size = row["size_bytes"].as_u64().unwrap();
        if matches!(row["mechanism"].as_str(), Some("signal" | "eventfd")) {
            assert_eq!(row["skipped"]["reason"], "no_payload", "{row}");
            assert!(
                row["rounds"].is_null() && row["rtt_p50_us"].is_null(),
                "{row}"
            );
            continue;
        }
        assert!(row["skipped"].is_null(), "{row}");
        let cpu: f64 = [
            "cpu_parent_user_s",
            "cpu_parent_sys_s",
            "cpu_child_user_s",
            "cpu_child_sys_s",
        ]
        .iter()
        .map(|f| row[*f].as_f64().unwrap_or_else(|| panic!("{f}: {row}")))
        .sum();
        assert!(cpu > 0.0, "{row}");
        let bytes = row["bytes"].as_u64().unwrap();
        if row["measure"] == "latency" {
            assert_percentiles_in_order(row);
            let rounds = row["rounds"].as_u64().unwrap();
            assert!(rounds >= 1, "{row}");
            assert_eq!(bytes, rounds * 2 * size, "every ping and pong: {row}");
            assert!(
                row["cpu_us_per_round_trip"].as_f64().unwrap() > 0.0,
                "{row}"
            );
        } else {
            assert!(bytes >= size && bytes % size == 0, "whole writes: {row}");
            assert!(row["bytes_per_second"].as_f64().unwrap() > 0.0, "{row}");
            assert!(row["cpu_s_per_gib"].as_f64().unwrap() > 0.0, "{row}");
        }
    }
}

#[test]
fn a_sweep_measures_up_to_what_a_mechanism_carries_and_says_why_not_beyond() {
    // seqpacket: a record of SO_SNDBUF - 32 bytes still goes; one more byte cannot.
    let wmem: u64 = std::fs::read_to_string("/proc/sys/net/core/wmem_default")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let max = wmem - 32;
    let sizes = format!("{max},{}", max + 1);
    let rows = sweep_json(&[
        "--mechanism",
        "unix-seqpacket",
        "--throughput-only",
        "--sweep",
        &sizes,
        "--cell-time",
        "5ms",
    ]);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0]["skipped"].is_null(), "{}", rows[0]);
    assert_eq!(rows[0]["bytes"].as_u64().unwrap() % max, 0, "{}", rows[0]);
    assert_eq!(rows[1]["size_bytes"], max + 1);
    assert_eq!(rows[1]["skipped"]["reason"], "above_send_buffer");
    assert_eq!(rows[1]["skipped"]["max_bytes"], max);
    assert_eq!(rows[1]["bytes"], 0);

    // mq: messages up to msgsize_max, in the table as a dash and the reason.
    let msgsize: u64 = std::fs::read_to_string("/proc/sys/fs/mqueue/msgsize_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let sizes = format!("{msgsize},{}", msgsize + 1);
    let out = ipcdemo(&[
        "bench",
        "--mechanism",
        "mq,eventfd",
        "--latency-only",
        "--sweep",
        &sizes,
        "--cell-time",
        "5ms",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("mq ") || l.starts_with("eventfd "))
        .collect();
    assert_eq!(rows.len(), 4, "{stdout}");
    let cells = |line: &str| {
        line.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    // The row at the limit is measured: a count, percentiles.
    let at_limit = cells(rows[0]);
    assert!(at_limit[4].parse::<u64>().unwrap() >= 1, "{stdout}");
    assert!(at_limit[7].parse::<f64>().is_ok(), "{stdout}");
    let human = |bytes: u64| {
        if bytes.is_multiple_of(1024) {
            format!("{} KiB", bytes / 1024)
        } else {
            format!("{bytes} B")
        }
    };
    assert!(
        rows[1].ends_with(&format!(
            "- (a message is at most {} here: mq_msgsize, within RLIMIT_MSGQUEUE)",
            human(msgsize)
        )),
        "{stdout}"
    );
    assert_eq!(cells(rows[1])[4..16], ["-"; 12], "{stdout}");
    for row in &rows[2..] {
        assert!(
            row.ends_with("- (carries a number, no payload to size)"),
            "{stdout}"
        );
    }
}

#[test]
fn a_bare_sweep_before_another_option_runs_the_default_sizes() {
    let rows = sweep_json(&["--sweep", "--mechanism", "eventfd"]);
    let sizes: Vec<u64> = rows
        .iter()
        .map(|r| r["size_bytes"].as_u64().unwrap())
        .collect();
    let powers_of_4: Vec<u64> = (0..12).map(|i| 1 << (2 * i)).collect();
    assert_eq!(sizes, powers_of_4);
}

#[test]
fn every_cell_of_a_sweep_keeps_its_histogram() {
    let rows = sweep_json(&[
        "--mechanism",
        "pipe,shm",
        "--latency-only",
        "--sweep",
        "64,1K",
        "--cell-time",
        "5ms",
        "--histogram",
    ]);
    assert_eq!(rows.len(), 4);
    for row in &rows {
        let total: u64 = row["histogram"]
            .as_array()
            .unwrap_or_else(|| panic!("{row}"))
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum();
        assert_eq!(Some(total), row["rounds"].as_u64(), "{row}");
    }
    let out = ipcdemo(&[
        "bench",
        "--mechanism",
        "pipe",
        "--latency-only",
        "--sweep",
        "64,1K",
        "--cell-time",
        "5ms",
        "--histogram",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    assert!(
        stdout.contains("pipe latency, 64 B:") && stdout.contains("pipe latency, 1 KiB:"),
        "{stdout}"
    );
}

#[test]
fn bad_sweeps_are_usage_errors_before_anything_runs() {
    for (args, needle) in [
        (&["--sweep", "0"][..], "0 bytes measures nothing"),
        (&["--sweep", "9G"], "out of range; choose 1 B to 16 MiB"),
        (&["--sweep", "64,,1K"], "has an empty size"),
        (&["--sweep", "64,lots"], "is not a size in bytes"),
        (&["--sweep", "64", "--cell-time", "0"], "too short"),
        (&["--sweep", "64", "--cell-time", "2m"], "at most 1m"),
        (
            &["--sweep", "64", "--cell-time", "2h"],
            "too long for one cell; give at most 1m",
        ),
        (
            &["--sweep", "64", "--cell-time=-1ms"],
            "negative; a cell lasts 1ms to 1m",
        ),
        // A value must not start with `-`: `--sweep --mechanism pipe` is the default sizes.
        (&["--sweep", "-1"], "unexpected argument '-1'"),
        (&["--sweep", "64", "--total", "1M"], "cannot be used with"),
        (&["--sweep", "64", "--rounds", "10"], "cannot be used with"),
        (&["--cell-time", "10ms"], "--sweep"),
    ] {
        let mut all = vec!["bench"];
        all.extend_from_slice(args);
        let out = ipcdemo(&all).assert().code(2);
        assert_eq!(stdout_text(&out), "", "{args:?}: nothing ran");
        let stderr = stderr_text(&out);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let too_many: Vec<String> = (1..=33).map(|n| n.to_string()).collect();
    let out = ipcdemo(&["bench", "--sweep", &too_many.join(",")])
        .assert()
        .code(2);
    assert!(stderr_text(&out).contains("33 sizes is too many"));
}

#[test]
fn a_stop_signal_ends_a_sweep_by_the_signal_with_the_rows_it_finished() {
    // JSON says each row as it is measured: the signal comes once the first is out, with
    // sixteen cells of 200 ms still to go.
    let mut sweep = Running::start(
        "a sweep",
        ipcdemo_std(&[
            "--json",
            "bench",
            "--mechanism",
            "pipe,fifo",
            "--sweep",
            "1,4,16,64",
            "--cell-time",
            "200ms",
        ]),
    );
    let first: Value = serde_json::from_str(&sweep.next_line()).unwrap();
    assert_eq!(key(&first), ("pipe".into(), "throughput".into(), 1));
    sweep.signal(nix::sys::signal::Signal::SIGINT);
    let end = sweep.finish();
    assert_eq!(
        end.signal,
        Some(nix::sys::signal::Signal::SIGINT as i32),
        "{end:?}"
    );
    assert_eq!(end.stderr, "", "a stop is not an error");
    let rows = json_lines(&end.stdout);
    assert!(!rows.is_empty() && rows.len() < 16, "{rows:?}");
    assert_eq!(key(&rows[0]), key(&first), "no row said twice");

    // The table says the rows done so far: the pipe's, once the FIFO's folder is there (the
    // FIFO's cell has a second to go).
    let mut cmd = ipcdemo_std(&[
        "bench",
        "--mechanism",
        "pipe,fifo",
        "--latency-only",
        "--sweep",
        "1",
        "--cell-time",
        "1s",
    ]);
    cmd.stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    wait_for_path(&std::env::temp_dir().join(format!("ipcdemo-bench-{pid}")));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let (status, stderr) = finish_child_status("a sweep after SIGTERM", child);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(nix::sys::signal::Signal::SIGTERM as i32),
        "{stderr}"
    );
    assert_eq!(stderr, "");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut out, &mut stdout).unwrap();
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("pipe ") || l.starts_with("fifo "))
        .collect();
    assert_eq!(rows.len(), 1, "{stdout}");
    assert!(
        rows[0].starts_with("pipe ") && rows[0].contains(" 1 B "),
        "{stdout}"
    );
}

#[test]
fn a_size_that_does_not_fit_in_memory_is_an_error_not_an_abort() {
    use std::os::unix::process::CommandExt;
    let mut cmd = ipcdemo_std(&[
        "bench",
        "--mechanism",
        "shm",
        "--throughput-only",
        "--sweep",
        "16M",
        "--cell-time",
        "1ms",
    ]);
    // 200 MB of address space: the program runs, a 64 MiB ring and its copies do not fit.
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = 200 << 20;
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_AS, limit, limit)
                .map_err(std::io::Error::from)
        });
    }
    let (code, stderr) = run_with_deadline("a sweep under a memory limit", cmd);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr
            .contains("measuring the shm throughput at 16 MiB: could not get 16777467 B of memory"),
        "{stderr}"
    );
}
