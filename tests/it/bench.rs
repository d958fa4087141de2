//! `ipcdemo bench` at tiny sizes: every mechanism runs, checks its data and reports. No timing
//! assertions: speed is for benchmark runs, not tests.

use serde_json::Value;

use crate::util::*;

/// Every mechanism; all but signal and eventfd (a number, not bytes) have a throughput row.
const ALL: [&str; 10] = [
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
];

fn bench_json(extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["--json", "bench"];
    args.extend_from_slice(extra);
    for (flag, tiny) in [("--total", "1M"), ("--rounds", "1000")] {
        if !extra.contains(&flag) {
            args.extend([flag, tiny]);
        }
    }
    let out = ipcdemo(&args).assert().success();
    json_lines(stdout_text(&out).lines())
}

/// Each side's CPU time is on every row, a number of seconds, and something was spent.
fn assert_cpu_fields(row: &Value) {
    let mut total = 0.0;
    for field in [
        "cpu_parent_user_s",
        "cpu_parent_sys_s",
        "cpu_child_user_s",
        "cpu_child_sys_s",
    ] {
        let seconds = row[field]
            .as_f64()
            .unwrap_or_else(|| panic!("{field} missing: {row}"));
        assert!(seconds >= 0.0, "{field}: {row}");
        total += seconds;
    }
    assert!(total > 0.0, "no CPU time at all: {row}");
    // The cost per unit is the same total over the row's round trips (warm-up included) or GiB.
    let (per_trip, per_gib) = (&row["cpu_us_per_round_trip"], &row["cpu_s_per_gib"]);
    if row["measure"] == "latency" {
        let trips = row["rounds"].as_f64().unwrap() * 1.1;
        let want = total * 1e6 / trips;
        let got = per_trip.as_f64().unwrap_or_else(|| panic!("{row}"));
        assert!(
            (got - want).abs() <= want * 0.01 + 0.002,
            "{got} vs {want}: {row}"
        );
        assert!(per_gib.is_null(), "{row}");
    } else {
        let gib = row["bytes"].as_f64().unwrap() / f64::from(1u32 << 30);
        let want = total / gib;
        let got = per_gib.as_f64().unwrap_or_else(|| panic!("{row}"));
        assert!(
            (got - want).abs() <= want * 0.01 + 0.002,
            "{got} vs {want}: {row}"
        );
        assert!(per_trip.is_null(), "{row}");
    }
}

#[test]
fn every_mechanism_measures_throughput_and_latency() {
    let rows = bench_json(&[]);
    assert_eq!(
        rows.len(),
        18,
        "ten mechanisms, two measures each but signal's and eventfd's one"
    );
    let mut at = 0;
    for mechanism in ALL {
        if !["signal", "eventfd"].contains(&mechanism) {
            let throughput = &rows[at];
            at += 1;
            assert_eq!(
                (
                    throughput["mechanism"].as_str(),
                    throughput["measure"].as_str()
                ),
                (Some(mechanism), Some("throughput"))
            );
            assert_eq!(
                throughput["bytes"],
                1 << 20,
                "{mechanism}: every byte arrived"
            );
            assert!(throughput["bytes_per_second"].as_f64().unwrap() > 0.0);
            assert!(throughput["seconds"].as_f64().unwrap() > 0.0);
            assert!(throughput["rounds"].is_null() && throughput["rtt_p50_us"].is_null());
            assert_cpu_fields(throughput);
        }
        let latency = &rows[at];
        at += 1;
        assert_eq!(latency["mechanism"], mechanism);
        assert_eq!(latency["measure"], "latency");
        assert_eq!(latency["rounds"], 1000, "{mechanism}");
        // A signal carries its number, no bytes.
        let message = match mechanism {
            "eventfd" => 8,
            "signal" => 0,
            _ => 1,
        };
        assert_eq!(
            latency["bytes"],
            2000 * message,
            "1000 pings and 1000 pongs of {message} bytes"
        );
        let median = latency["rtt_p50_us"].as_f64().unwrap();
        let p99 = latency["rtt_p99_us"].as_f64().unwrap();
        assert!(median > 0.0 && p99 >= median, "{mechanism}: {median} {p99}");
        assert!(latency["bytes_per_second"].is_null());
        for field in ["mode", "round_trips_per_second", "pipe_size_bytes"] {
            assert!(latency.get(field).is_some(), "{field}");
        }
        assert_cpu_fields(latency);
    }
    assert_eq!(rows[0]["pipe_size_bytes"].as_u64().unwrap() % 4096, 0);
    assert!(
        rows[4]["pipe_size_bytes"].is_null(),
        "sockets have no pipe size"
    );
    let shm = &rows[15];
    assert_eq!(
        (shm["mechanism"].as_str(), shm["measure"].as_str()),
        (Some("shm"), Some("throughput"))
    );
    assert_eq!(shm["mode"]["ring_bytes"], 1 << 20, "{shm}");
    assert!(
        shm["copy_ceiling_bytes_per_second"].as_f64().unwrap() > 0.0,
        "{shm}"
    );
    assert!(rows[0]["copy_ceiling_bytes_per_second"].is_null());
}

#[test]
fn shm_spins_with_busy_poll_and_eventfd_has_no_throughput() {
    let rows = bench_json(&[
        "--mechanism",
        "shm,eventfd",
        "--busy-poll",
        "--rounds",
        "300",
    ]);
    assert_eq!(rows.len(), 3, "{rows:?}");
    for row in &rows {
        assert_eq!(row["mode"]["busy_poll"], true, "{row}");
        assert_cpu_fields(row);
    }
    assert_eq!(rows[1]["rounds"], 300);
    let out = ipcdemo(&["bench", "--mechanism", "eventfd", "--throughput-only"])
        .assert()
        .code(1);
    assert!(
        stderr_text(&out).contains("eventfd has no throughput measure"),
        "{}",
        stderr_text(&out)
    );
    let table = ipcdemo(&[
        "bench",
        "--mechanism",
        "shm",
        "--total",
        "1M",
        "--rounds",
        "100",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&table);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].contains("CPU parent s") && lines[0].contains("CPU child s"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("shm") && lines[1].ends_with("memcpy, 1 MiB ring, futex"),
        "{stdout}"
    );
    assert!(lines[3].starts_with("ceiling (shm): "), "{stdout}");
}

#[test]
fn odd_sizes_still_arrive_exactly() {
    // 1 MiB + 7 bytes in 1000-byte writes: the last write is short, the pattern never aligns.
    let rows = bench_json(&[
        "--total",
        "1048583",
        "--size",
        "1000",
        "--mechanism",
        "pipe,unix-stream,tcp,shm",
        "--throughput-only",
        "--msg-size",
        "3",
    ]);
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r["bytes"] == 1_048_583));
}

#[test]
fn zero_copy_busy_poll_and_pinning_run() {
    let rows = bench_json(&[
        "--mechanism",
        "pipe,fifo",
        "--zero-copy",
        "--huge-pages",
        "--throughput-only",
    ]);
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row["bytes"], 1 << 20);
        assert_eq!(row["mode"]["zero_copy"], true, "{row}");
        assert_eq!(row["mode"]["huge_pages"], true, "{row}");
        assert_eq!(
            row["notes"],
            serde_json::json!(["zero_copy_counts_only"]),
            "{row}"
        );
    }
    for pin in ["same", "split", "none"] {
        let rows = bench_json(&[
            "--mechanism",
            "pipe",
            "--busy-poll",
            "--pin",
            pin,
            "--rounds",
            "200",
        ]);
        assert_eq!(rows[1]["rounds"], 200, "{pin}");
        assert_eq!(rows[1]["mode"]["busy_poll"], true, "{pin}");
        assert_eq!(rows[1]["mode"]["pin"], pin);
    }
}

#[test]
fn the_table_has_a_row_per_measure_and_a_reading() {
    let out = ipcdemo(&[
        "bench",
        "--total",
        "1M",
        "--rounds",
        "500",
        "--mechanism",
        "pipe,tcp",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    assert!(
        lines[0].starts_with("mechanism")
            && lines[0].contains("GiB/s")
            && lines[0].contains("p99 µs")
    );
    let first_two = |line: &str| {
        line.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(first_two(lines[1]), "pipe throughput");
    assert_eq!(first_two(lines[4]), "tcp latency");
    // Columns line up: every row's mode column starts where the header's does.
    let mode_at = lines[0].chars().count() - "mode".len();
    assert!(
        lines[1..5].iter().all(|l| l
            .chars()
            .skip(mode_at)
            .collect::<String>()
            .starts_with("read/write")),
        "{stdout}"
    );
    assert!(
        lines[5].starts_with("reading: the fastest stream was "),
        "{}",
        lines[5]
    );
    assert!(
        out.get_output().stderr.is_empty(),
        "no progress line when stderr is not a terminal"
    );
}

#[test]
fn the_reading_names_sizes_only_in_a_sweep() {
    let reading = |args: &[&str]| {
        let out = ipcdemo(args).assert().success();
        let stdout = stdout_text(&out);
        stdout
            .lines()
            .find(|l| l.starts_with("reading: "))
            .unwrap_or_else(|| panic!("{stdout}"))
            .to_string()
    };
    // A plain run's rows differ in size (mq's capped messages, signal's none): no sizes.
    let plain = reading(&[
        "bench",
        "--mechanism",
        "pipe,mq,signal",
        "--total",
        "1M",
        "--rounds",
        "200",
    ]);
    assert!(!plain.contains(" B)") && !plain.contains("iB)"), "{plain}");
    let swept = reading(&[
        "bench",
        "--mechanism",
        "pipe",
        "--sweep",
        "64,4K",
        "--cell-time",
        "5ms",
    ]);
    assert!(
        swept.contains("pipe (64 B)") || swept.contains("pipe (4 KiB)"),
        "{swept}"
    );
}

#[test]
fn bad_sizes_are_usage_errors() {
    for (args, needle) in [
        (&["bench", "--total", "0"][..], "zero-length"),
        (&["bench", "--total", "lots"], "not a size"),
        (&["bench", "--size", "0"], "out of range"),
        (&["bench", "--rounds", "0"], "--rounds"),
        (
            &["bench", "--mechanism", "carrier-pigeon"],
            "carrier-pigeon",
        ),
        (&["bench", "--pin", "sideways"], "sideways"),
    ] {
        let out = ipcdemo(args).assert().code(2);
        let stderr = stderr_text(&out);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn an_oversized_seqpacket_record_is_a_clear_error() {
    let out = ipcdemo(&[
        "bench",
        "--mechanism",
        "unix-seqpacket",
        "--size",
        "4M",
        "--total",
        "8M",
        "--throughput-only",
    ])
    .assert()
    .code(1);
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("measuring the unix-seqpacket throughput"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn every_stop_signal_stops_a_long_bench_and_cleans_up() {
    use std::os::unix::process::ExitStatusExt;
    for signal in STOP_SIGNALS {
        // 64 GiB through a FIFO would take minutes: only the signal can end this in time.
        let mut cmd = ipcdemo_std(&[
            "bench",
            "--mechanism",
            "fifo",
            "--total",
            "64G",
            "--throughput-only",
        ]);
        cmd.stdout(std::process::Stdio::null());
        let child = cmd.spawn().expect("starts");
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let scratch = std::env::temp_dir().join(format!("ipcdemo-bench-{pid}"));
        wait_for_path(&scratch);
        let asked = std::time::Instant::now();
        nix::sys::signal::kill(pid, signal).unwrap();
        let (status, stderr) = finish_child_status("bench after a stop signal", child);
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(2),
            "{signal}: took {:?}",
            asked.elapsed()
        );
        assert_eq!(status.signal(), Some(signal as i32), "{stderr}");
        assert!(!status.core_dumped(), "{signal}: a stop is not a crash");
        assert_eq!(stderr, "", "a stop is not an error");
        assert!(
            !scratch.exists(),
            "{signal}: the FIFOs' scratch folder is removed"
        );
    }
}

#[test]
fn a_refused_pipe_size_falls_back_and_says_so() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let too_big = (pipe_max_size() * 2).to_string();
    let out = ipcdemo_as_nobody(&[
        "bench",
        "--mechanism",
        "pipe",
        "--pipe-size",
        &too_big,
        "--total",
        "1M",
        "--rounds",
        "100",
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("note (pipe): the kernel refused a") && stderr.contains("(EPERM)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("measured with the size the kernel kept"),
        "{stderr}"
    );
    // Both rows (throughput and latency) carry the note; it is said once.
    assert_eq!(stderr.matches("note (pipe)").count(), 1, "{stderr}");
    assert!(
        stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.split_whitespace().take(2).eq(["pipe", "throughput"])),
        "{stdout}"
    );
}

#[test]
fn latency_rows_carry_the_whole_distribution_in_order() {
    for (rounds, tail) in [("300", false), ("10000", true)] {
        let rows = bench_json(&[
            "--mechanism",
            "pipe,unix-stream",
            "--latency-only",
            "--rounds",
            rounds,
        ]);
        for row in &rows {
            let p = |k: &str| row[k].as_f64();
            let present: Vec<f64> = [
                "rtt_p50_us",
                "rtt_p90_us",
                "rtt_p99_us",
                "rtt_p999_us",
                "rtt_max_us",
            ]
            .iter()
            .filter_map(|k| p(k))
            .collect();
            assert!(present.windows(2).all(|w| w[0] <= w[1]), "{row}");
            assert_eq!(
                row["rtt_p999_us"].is_null(),
                !tail,
                "p99.9 needs 10 000 rounds: {row}"
            );
            assert_eq!(present.len(), if tail { 5 } else { 4 }, "{row}");
        }
    }
}

#[test]
fn the_mean_only_mode_reports_round_trips_per_second_and_no_percentiles() {
    // Every mechanism: each latency loop reads the clock only at its two ends.
    let rows = bench_json(&["--latency-only", "--no-percentiles", "--rounds", "500"]);
    assert_eq!(rows.len(), ALL.len());
    for (row, mechanism) in rows.iter().zip(ALL) {
        assert_eq!(row["mechanism"], mechanism);
        assert_eq!(row["rounds"], 500, "{row}");
        assert_eq!(row["mode"]["mean_only"], true, "{row}");
        let per_second = row["round_trips_per_second"].as_f64().unwrap_or(0.0);
        let mean = row["rtt_mean_us"].as_f64().unwrap_or(0.0);
        let seconds = row["seconds"].as_f64().unwrap_or(0.0);
        assert!(per_second > 0.0 && mean > 0.0 && seconds > 0.0, "{row}");
        // Both come from the one span of the loop (rounded in JSON: seconds to the microsecond,
        // so 1 % apart at most for a loop of 100 µs or more).
        let near = |a: f64, b: f64| (a / b - 1.0).abs() < 0.01;
        assert!(near(per_second * seconds, 500.0), "{row}");
        assert!(near(mean * per_second, 1e6), "{row}");
        for field in [
            "rtt_p50_us",
            "rtt_p90_us",
            "rtt_p99_us",
            "rtt_p999_us",
            "rtt_max_us",
        ] {
            assert!(row[field].is_null(), "{field}: {row}");
        }
        assert_cpu_fields(row);
    }
    // With percentiles, the mean is there too, beside them.
    let rows = bench_json(&["--mechanism", "pipe", "--latency-only"]);
    assert_eq!(rows[0]["mode"]["mean_only"], false);
    assert!(rows[0]["rtt_mean_us"].as_f64().unwrap_or(0.0) > 0.0);
    assert!(rows[0]["rtt_p50_us"].as_f64().unwrap_or(0.0) > 0.0);

    let out = ipcdemo(&[
        "bench",
        "--mechanism",
        "pipe,tcp",
        "--latency-only",
        "--no-percentiles",
        "--rounds",
        "500",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    // The cell under a right-aligned heading ends where the heading ends.
    let cell = |row: &str, heading: &str| -> String {
        let end = lines[0].find(heading).expect("the heading") + heading.len();
        let before: String = row.chars().take(lines[0][..end].chars().count()).collect();
        before.split_whitespace().last().unwrap_or("").to_string()
    };
    for row in &lines[1..3] {
        for heading in ["p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs"] {
            assert_eq!(cell(row, heading), "-", "{heading}: {row}");
        }
        assert_ne!(
            cell(row, "round trips/s"),
            "-",
            "round trips/s is there: {row}"
        );
        assert!(
            row.contains(", mean ") && row.ends_with(" µs, no percentiles"),
            "{row}"
        );
    }
    assert!(lines[3].ends_with(" µs mean."), "{}", lines[3]);

    // Percentiles are what a histogram draws: asking for both is a usage error.
    ipcdemo(&["bench", "--no-percentiles", "--histogram"])
        .assert()
        .code(2);
}

#[test]
fn a_histogram_has_bars_that_add_up_to_the_rounds() {
    let out = ipcdemo(&[
        "bench",
        "--mechanism",
        "pipe,socketpair",
        "--latency-only",
        "--rounds",
        "3000",
        "--histogram",
        "pipe",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let bars: Vec<u64> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("≤"))
        .map(|l| l.split_whitespace().nth(3).unwrap().parse().unwrap())
        .collect();
    assert!(!bars.is_empty(), "{stdout}");
    assert_eq!(bars.iter().sum::<u64>(), 3000, "{stdout}");
    assert!(
        stdout.contains("pipe latency, 1 B:") && !stdout.contains("socketpair latency"),
        "{stdout}"
    );
    // JSON carries the buckets of every latency row when no mechanism is named.
    let rows = bench_json(&[
        "--mechanism",
        "pipe",
        "--latency-only",
        "--rounds",
        "500",
        "--histogram",
    ]);
    let buckets = rows[0]["histogram"].as_array().unwrap();
    let total: u64 = buckets.iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 500);
}

#[test]
fn every_stop_signal_stops_the_shared_memory_rows_where_no_end_of_file_comes() {
    use std::os::unix::process::ExitStatusExt;
    // A waiter on a futex or an eventfd sees no end of file: the stop must reach it anyway,
    // and the child must not be left waiting for a parent that stopped reading.
    for args in [
        &["--mechanism", "shm", "--total", "64G", "--throughput-only"][..],
        &[
            "--mechanism",
            "shm",
            "--latency-only",
            "--rounds",
            "10000000",
        ],
        &["--mechanism", "eventfd", "--rounds", "10000000"],
        &[
            "--mechanism",
            "eventfd",
            "--rounds",
            "10000000",
            "--busy-poll",
        ],
    ] {
        for signal in STOP_SIGNALS {
            let mut all = vec!["bench"];
            all.extend_from_slice(args);
            let mut cmd = ipcdemo_std(&all);
            cmd.stdout(std::process::Stdio::null());
            let child = cmd.spawn().expect("starts");
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let son = wait_until(
                || format!("{args:?}: no child"),
                || {
                    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                        .ok()?
                        .split_whitespace()
                        .next()?
                        .parse::<i32>()
                        .ok()
                },
            );
            let asked = std::time::Instant::now();
            nix::sys::signal::kill(pid, signal).unwrap();
            let (status, stderr) = finish_child_status("bench after a stop signal", child);
            assert!(
                asked.elapsed() < std::time::Duration::from_secs(2),
                "{args:?} {signal}: took {:?}",
                asked.elapsed()
            );
            assert_eq!(status.signal(), Some(signal as i32), "{args:?}: {stderr}");
            assert_eq!(stderr, "", "{args:?} {signal}: a stop is not an error");
            assert!(
                !std::path::Path::new(&format!("/proc/{son}")).exists(),
                "{args:?} {signal}: the child {son} was left behind"
            );
        }
    }
}

/// `scripts/compare.py` as a test can run it: listing its commands, or refusing at once.
fn compare_script(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new("python3");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/compare.py"))
        .args(args)
        .timeout(DEADLINE);
    cmd
}

#[test]
fn the_comparison_script_lists_matched_commands_and_refuses_without_its_tools() {
    if !have("python3", "--version") {
        skip("needs python3 to run scripts/compare.py");
        return;
    }
    // --dry-run builds nothing and runs neither perf nor iperf3.
    let out = compare_script(&["--against", "tools", "--dry-run"])
        .assert()
        .success();
    let stdout = stdout_text(&out);
    for matched in [
        // perf's ping-pong is of a 4-byte int, pinned with taskset against --pin same.
        "--mechanism pipe --latency-only --msg-size 4 --rounds 1000000 --pin same --no-percentiles",
        "--mechanism pipe --latency-only --msg-size 4 --rounds 1000000 --pin same\n",
        "perf bench sched pipe --loop 1000000",
        "taskset -c ",
        "--pin none --no-percentiles",
        // The same write size on both sides of the TCP pair.
        "--mechanism tcp --throughput-only --size 65536 --total 2147483648",
        "iperf3 -c 127.0.0.1 -p ",
        " -l 65536 -n 2147483648 -J",
    ] {
        assert!(stdout.contains(matched), "{matched:?} in:\n{stdout}");
    }
    // A missing tool is named, with its fix, before anything is built or run.
    let out = compare_script(&[
        "--against",
        "tools",
        "--perf",
        "/nonexistent/perf",
        "--iperf3",
        "/nonexistent/iperf3",
    ])
    .assert()
    .code(2);
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("/nonexistent/perf: not found (Debian: apt-get install linux-perf")
            && stderr.contains("/nonexistent/iperf3: not found"),
        "{stderr}"
    );
    assert!(out.get_output().stdout.is_empty());
}
