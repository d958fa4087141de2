//! `--timeline` and `--trace`: who waited, who woke whom, and how full the pipe was.

use serde_json::Value;

use crate::util::*;

/// `ipcdemo ARGS` in a UTF-8 locale (box-drawing characters), English.
fn run_utf8(args: &[&str]) -> std::process::Output {
    let mut cmd = ipcdemo_std(args);
    cmd.env("LANG", "C.UTF-8");
    let child = cmd.spawn().unwrap();
    let mut child = child;
    wait_for_exit("timeline run", &mut child);
    child.wait_with_output().unwrap()
}

/// The read rows of a timeline: (bytes, data, the rest of the row).
fn reads(stdout: &str) -> Vec<(usize, String, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let at = line.find("▶ ")?;
            let rest = &line[at + "▶ ".len()..];
            let (n, rest) = rest.split_once(" [")?;
            let n: usize = n.parse().ok()?;
            let (data, after) = rest.rsplit_once(']')?;
            Some((n, data.to_string(), after.to_string()))
        })
        .collect()
}

#[test]
fn a_timeline_shows_every_write_and_read_in_80_columns_and_how_long_reads_waited() {
    let out = run_utf8(&["anon", "--count", "10", "--tick", "50ms", "--timeline"]);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.lines().all(|l| l.chars().count() <= 80), "{stdout}");
    assert!(stdout.lines().next().unwrap().contains("pipe"), "{stdout}");
    let writes: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("write [Spam"))
        .collect();
    assert_eq!(writes.len(), 10, "{stdout}");
    for (i, w) in writes.iter().enumerate() {
        assert!(w.contains(&format!("write [Spam {:03}] ──▶", i % 5)), "{w}");
    }
    let reads = reads(&stdout);
    assert_eq!(reads.iter().map(|r| r.0).sum::<usize>(), 80, "{stdout}");
    // Rows are in time order, and every write's row comes before the read that returned it.
    let times: Vec<f64> = stdout
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{stdout}");
    // Spam 004 comes after the longest sleep, 4 ticks: the read that returns it waited.
    let after_four = reads
        .iter()
        .find(|r| r.1.starts_with("Spam 004"))
        .expect("a read starting with Spam 004");
    let waited: f64 = after_four
        .2
        .split(" (")
        .nth(1)
        .and_then(|w| w.split(" ms").next())
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no wait in {after_four:?}"));
    assert!(waited >= 0.9 * 4.0 * 50.0, "{waited} ms: {stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("pipe = bytes written and not yet read"),
        "{stderr}"
    );
    assert!(
        stderr.contains("of the time waiting in read(2)"),
        "{stderr}"
    );
}

#[test]
fn a_read_that_carries_several_writes_says_how_many() {
    let out = run_utf8(&["anon", "--count", "200", "--tick", "0", "--timeline"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let reads = reads(&stdout);
    assert_eq!(reads.iter().map(|r| r.0).sum::<usize>(), 1600);
    let glued: Vec<_> = reads.iter().filter(|r| r.0 > 8).collect();
    assert!(!glued.is_empty(), "{stdout}");
    for (n, _, after) in glued {
        // 8-byte writes and a 32-byte read size: each read holds whole messages.
        assert!(
            after.contains(&format!("← {} writes", n / 8)),
            "{n} {after}"
        );
    }
    // Without a UTF-8 locale, plain ASCII.
    let plain = ipcdemo(&["anon", "--count", "3", "--tick", "0", "--timeline"])
        .env("LANG", "C")
        .assert()
        .success();
    let text = stdout_text(&plain);
    assert!(
        text.is_ascii() && text.contains("write [Spam 000] -->"),
        "{text}"
    );
}

fn trace_of(args: &[&str], file: &str) -> (Value, std::path::PathBuf, tempfile::TempDir) {
    let dir = temp_dir();
    let path = dir.path().join(file);
    let mut all = args.to_vec();
    all.extend(["--trace", path_str(&path)]);
    ipcdemo(&all).assert().success();
    let text = std::fs::read_to_string(&path).unwrap();
    let value = if file.ends_with(".json") {
        serde_json::from_str(&text).unwrap()
    } else {
        Value::String(text)
    };
    (value, path, dir)
}

#[test]
fn the_trace_has_a_slice_per_call_flows_that_pair_and_a_counter_that_ends_at_zero() {
    for fork in [false, true] {
        let mut args = vec!["anon", "--count", "30", "--tick", "0", "--read-size", "20"];
        if fork {
            args.push("--fork");
        }
        let (trace, _path, _dir) = trace_of(&args, "run.json");
        let events = trace["traceEvents"].as_array().unwrap();
        let of = |ph: &'static str| events.iter().filter(move |e| e["ph"] == ph);
        let writes = of("X").filter(|e| e["name"] == "write").count();
        let reads: Vec<&Value> = of("X").filter(|e| e["name"] == "read").collect();
        assert_eq!(writes, 30, "fork {fork}: one slice per write");
        let read_bytes: u64 = reads
            .iter()
            .map(|e| e["args"]["bytes"].as_u64().unwrap())
            .sum();
        assert_eq!(read_bytes, 240, "fork {fork}: one slice per read");
        let starts: Vec<u64> = of("s").map(|e| e["id"].as_u64().unwrap()).collect();
        let mut finishes: Vec<u64> = of("f").map(|e| e["id"].as_u64().unwrap()).collect();
        finishes.sort_unstable();
        let mut sorted = starts.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted, finishes,
            "fork {fork}: every flow starts and finishes"
        );
        assert!(starts.len() >= 30, "every write's bytes reach a read");
        let counter: Vec<i64> = of("C")
            .map(|e| e["args"]["bytes"].as_i64().unwrap())
            .collect();
        assert!(counter.iter().all(|&b| b >= 0), "{counter:?}");
        assert_eq!(
            counter.last(),
            Some(&0),
            "fork {fork}: everything written was read"
        );
        // Per track, slices never go back in time.
        let mut last: std::collections::BTreeMap<(i64, i64), f64> = Default::default();
        for e in of("X") {
            let key = (e["pid"].as_i64().unwrap(), e["tid"].as_i64().unwrap());
            let ts = e["ts"].as_f64().unwrap();
            let before = last.insert(key, ts).unwrap_or(f64::MIN);
            assert!(ts >= before, "fork {fork}: {e}");
        }
        let tracks: std::collections::BTreeSet<(i64, i64)> = last.keys().copied().collect();
        assert_eq!(tracks.len(), 2, "a track for the son, one for the father");
    }
}

#[test]
fn a_long_run_keeps_its_trace_small() {
    let (_, path, _dir) = trace_of(&["anon", "--count", "2000", "--tick", "0"], "long.json");
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 2 << 20, "{size} bytes");
}

#[test]
fn an_html_trace_holds_a_lane_per_process_and_a_mark_per_call() {
    let (page, _path, _dir) = trace_of(
        &[
            "anon",
            "--fork",
            "--count",
            "12",
            "--tick",
            "0",
            "--read-size",
            "8",
        ],
        "run.html",
    );
    let page = page.as_str().unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("<svg"),
        "{page}"
    );
    // Self-contained: no script, nothing fetched.
    assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("href="));
    assert_eq!(page.matches("class=\"lane\"").count(), 2, "{page}");
    // 12 writes and 12 reads of 8 bytes.
    assert_eq!(page.matches("class=\"call\"").count(), 24, "{page}");
    if have("python3", "--version") {
        // It is well-formed XML inside: the SVG parses.
        let svg = &page[page.find("<svg").unwrap()..page.find("</svg>").unwrap() + 6];
        let status = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())",
            ])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(svg.as_bytes())?;
                child.wait()
            })
            .unwrap();
        assert!(status.success(), "the SVG is not well-formed");
    }
}

#[test]
fn a_bad_trace_path_is_refused_before_the_demo_starts() {
    let dir = temp_dir();
    let missing = dir.path().join("no-such-folder").join("t.json");
    for (path, needle) in [
        (path_str(dir.path()).to_string(), "is a folder"),
        (path_str(&missing).to_string(), "does not exist"),
        ("/proc/self/trace.json".to_string(), "kernel file system"),
    ] {
        let out = ipcdemo(&["anon", "--count", "1", "--trace", &path])
            .assert()
            .code(2);
        assert!(
            stderr_text(&out).contains(needle),
            "{path}: {}",
            stderr_text(&out)
        );
        assert!(stdout_text(&out).is_empty(), "the demo did not start");
    }
}

#[test]
fn fifo_and_socket_fathers_draw_their_own_lane() {
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let father = start_father("named", &fifo, &["--timeline", "--count", "3"]);
    let son = start_son("named", &fifo, &["--count", "3"]).finish();
    assert_eq!(son.code, Some(0));
    let done = father.finish();
    let stdout = done.stdout.join("\n");
    assert!(done.stdout[0].contains("father "), "{stdout}");
    // Its reads, whole: three lines of 9 bytes, however the reads glued them.
    let read_bytes: usize = done
        .stdout
        .iter()
        .filter_map(|l| {
            l.split("> ")
                .nth(1)?
                .split(" [")
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert_eq!(read_bytes, 27, "{stdout}");
    assert!(
        done.stderr
            .contains("a FIFO cannot tell whose bytes they are"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_trace_never_lands_where_it_must_not() {
    let dir = temp_dir();
    // A link to /dev (or a path with .. into it) is still the kernel's folder.
    std::os::unix::fs::symlink("/dev", dir.path().join("devlink")).unwrap();
    let through_link = dir.path().join("devlink").join("stdout");
    // A name that exists and is not a regular file (a planted link).
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("planted.json")).unwrap();
    for (path, needle) in [
        (path_str(&through_link).to_string(), "kernel file system"),
        (
            path_str(&dir.path().join("planted.json")).to_string(),
            "not a regular file",
        ),
    ] {
        let out = ipcdemo(&["anon", "--count", "1", "--trace", &path])
            .assert()
            .code(2);
        assert!(
            stderr_text(&out).contains(needle),
            "{path}: {}",
            stderr_text(&out)
        );
    }
    if can_setpriv() {
        // A folder nobody may not write in is refused before the demo starts, as nobody.
        let out = ipcdemo_as_nobody(&["anon", "--count", "1", "--trace", "/etc/run.json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("you cannot write in /etc"));
    }
}

/// The temporary files a trace may have left in `dir`.
fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_stop_while_a_big_trace_is_written_leaves_a_whole_file_or_none() {
    for signals in [1, 2] {
        let dir = temp_dir();
        let path = dir.path().join("big.json");
        let mut running = Running::start(
            "a big trace",
            ipcdemo_std(&[
                "--json",
                "anon",
                "--count",
                "20000",
                "--tick",
                "0",
                "--read-size",
                "8",
                "--trace",
                path_str(&path),
            ]),
        );
        // The summary is said before the trace is written.
        while !running.next_line().contains("\"summary\"") {}
        let asked = std::time::Instant::now();
        running.signal(nix::sys::signal::Signal::SIGINT);
        if signals == 2 {
            // A second Ctrl-C, as a person would press it: it ends the process at once.
            std::thread::sleep(std::time::Duration::from_millis(150));
            let _ = nix::sys::signal::kill(running.pid(), nix::sys::signal::Signal::SIGINT);
        }
        let done = running.finish();
        assert_eq!(done.signal, Some(2), "{done:?}");
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            asked.elapsed()
        );
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
        if path.exists() {
            let trace: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .expect("a trace that was kept is whole");
            assert!(trace["traceEvents"].is_array());
        }
    }
}

#[test]
fn a_long_trace_keeps_the_first_calls_and_says_so() {
    let dir = temp_dir();
    let path = dir.path().join("long.json");
    let out = ipcdemo(&[
        "anon",
        "--count",
        "30000",
        "--tick",
        "0",
        "--read-size",
        "8",
        "--trace",
        path_str(&path),
    ])
    .assert()
    .success();
    assert!(
        stderr_text(&out).contains("keeps the first 50000 calls"),
        "{}",
        stderr_text(&out)
    );
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(trace["calls_left_out"].as_u64().unwrap() > 0);
    let slices = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X")
        .count();
    assert_eq!(slices, 50_000);
}

#[test]
fn a_sons_trace_holds_its_writes() {
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let trace = dir.path().join("son.json");
    let father = start_father("named", &fifo, &["--count", "4"]);
    let son = start_son(
        "named",
        &fifo,
        &["--count", "4", "--trace", path_str(&trace)],
    )
    .finish();
    assert_eq!(son.code, Some(0), "{}", son.stderr);
    father.finish();
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let writes = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "write")
        .count();
    assert_eq!(writes, 4);
}

#[test]
fn color_always_paints_the_timeline_rows_and_never_leaves_them_plain() {
    let yellow = "\x1b[33m";
    let cyan = "\x1b[36m";
    let painted = run_utf8(&[
        "--color",
        "always",
        "anon",
        "--count",
        "3",
        "--tick",
        "0",
        "--timeline",
    ]);
    assert!(painted.status.success(), "{painted:?}");
    let stdout = String::from_utf8(painted.stdout).unwrap();
    // Every write row is the son's colour and every read row the father's.
    let writes: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("write [Spam"))
        .collect();
    assert_eq!(writes.len(), 3, "{stdout}");
    assert!(writes.iter().all(|l| l.starts_with(yellow)), "{stdout}");
    let reads: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("▶ "))
        .filter(|l| !l.contains("write ["))
        .collect();
    assert!(!reads.is_empty(), "{stdout}");
    assert!(reads.iter().all(|l| l.starts_with(cyan)), "{stdout}");
    let plain = run_utf8(&[
        "--color",
        "never",
        "anon",
        "--count",
        "3",
        "--tick",
        "0",
        "--timeline",
    ]);
    assert!(!String::from_utf8(plain.stdout).unwrap().contains('\x1b'));
}
