//! `ipcdemo bench --export-json/--export-csv/--export-markdown`: three files of one run that
//! agree with each other, written whole or not at all, and bad paths refused before anything
//! runs.

use std::path::Path;

use serde_json::Value;

use crate::util::*;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A table line's cells, between the pipes.
fn markdown_cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_start_matches('|')
        .trim_end_matches('|')
        .split(" | ")
        .map(|c| c.trim().to_string())
        .collect()
}

#[test]
fn the_three_exports_of_one_sweep_agree_row_for_row() {
    let dir = temp_dir();
    let (json, csv, md, svg) = (
        dir.path().join("r.json"),
        dir.path().join("r.csv"),
        dir.path().join("r.md"),
        dir.path().join("r.svg"),
    );
    let out = ipcdemo(&[
        "bench",
        "--quick",
        "--sweep",
        "64,4K",
        "--mechanism",
        "pipe,mq,shm,signal",
        "--cell-time",
        "5ms",
        "--export-json",
        path_str(&json),
        "--export-csv",
        path_str(&csv),
        "--export-markdown",
        path_str(&md),
        "--plot",
        path_str(&svg),
    ])
    .assert()
    .success();
    let table_lines = stdout_text(&out).lines().count();

    // JSON: the run, the machine, the rows.
    let document: Value = serde_json::from_str(&read(&json)).unwrap();
    assert_eq!(document["ipcdemo_version"], env!("CARGO_PKG_VERSION"));
    let command: Vec<&str> = document["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(command[1..4], ["bench", "--quick", "--sweep"]);
    let machine = &document["machine"];
    assert!(machine["cpus_online"].as_u64().unwrap() >= 1);
    let allowed = read(Path::new("/proc/self/status"))
        .lines()
        .find_map(|l| {
            l.strip_prefix("Cpus_allowed_list:")
                .map(|v| v.trim().to_string())
        })
        .unwrap();
    let listed: Vec<u64> = machine["cpus_allowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(
        listed.len() as u64,
        allowed
            .split(',')
            .map(|r| match r.split_once('-') {
                Some((a, b)) => b.parse::<u64>().unwrap() - a.parse::<u64>().unwrap() + 1,
                None => 1,
            })
            .sum::<u64>(),
        "{allowed} vs {listed:?}"
    );
    assert!(machine["kernel"].as_str().unwrap().starts_with("Linux "));
    assert_eq!(
        machine["pipe_max_size_bytes"].as_u64(),
        Some(pipe_max_size())
    );
    let rows = document["rows"].as_array().unwrap();
    // pipe and shm: 2 measures × 2 sizes; mq the same; signal: latency × 2 sizes, skipped.
    assert_eq!(rows.len(), 14);

    // CSV: a header and a line per row, each cell the JSON's value to the last digit.
    let csv_text = read(&csv);
    let lines: Vec<&str> = csv_text.lines().collect();
    assert_eq!(lines.len(), rows.len() + 1, "{csv_text}");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[..3], ["mechanism", "measure", "size_bytes"]);
    for (line, row) in lines[1..].iter().zip(rows) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{line}");
        for (name, cell) in header.iter().zip(&cells) {
            let json_value = match *name {
                "skipped" => row["skipped"]["reason"].clone(),
                _ => row.get(*name).cloned().unwrap_or(Value::Null),
            };
            if row.get(*name).is_none() && *name != "skipped" {
                continue; // a mode_ or derived column
            }
            match &json_value {
                // serde_json reads a float back to within an ulp or so: compare as numbers.
                Value::Number(n) if n.is_f64() => {
                    let (want, got) = (n.as_f64().unwrap(), cell.parse::<f64>().unwrap());
                    assert!(
                        (want - got).abs() <= want.abs() * 1e-12,
                        "{name} in {line}: {want}"
                    );
                }
                other => {
                    let want = match other {
                        Value::Null => String::new(),
                        Value::String(s) => s.clone(),
                        Value::Array(a) if a.is_empty() => String::new(),
                        other => other.to_string(),
                    };
                    assert_eq!(*cell, want, "{name} in {line}");
                }
            }
        }
    }

    // Markdown: the facts, then the table the terminal printed, same rows, same figures.
    let md_text = read(&md);
    assert!(
        md_text.starts_with("# ipcdemo bench results\n"),
        "{md_text}"
    );
    assert!(md_text.contains(&format!("- ipcdemo {}", env!("CARGO_PKG_VERSION"))));
    assert!(md_text.contains("- kernel: Linux "), "{md_text}");
    let table: Vec<Vec<String>> = md_text
        .lines()
        .filter(|l| l.starts_with("| "))
        .map(markdown_cells)
        .collect();
    assert_eq!(table.len(), rows.len() + 1, "{md_text}");
    // The terminal table: a header, the rows, the shm ceiling lines, notes, the reading.
    assert!(table_lines > rows.len());
    for (cells, row) in table[1..].iter().zip(rows) {
        assert_eq!(cells.len(), 16, "{cells:?}");
        assert_eq!(cells[0], row["mechanism"].as_str().unwrap());
        let size = row["size_bytes"].as_u64().unwrap();
        assert_eq!(cells[2], if size == 64 { "64 B" } else { "4 KiB" });
        if !row["skipped"].is_null() {
            assert!(cells[15].starts_with("- ("), "{cells:?}");
            continue;
        }
        if let Some(bps) = row["bytes_per_second"].as_f64() {
            let gib = bps / f64::from(1u32 << 30);
            let decimals = match gib {
                g if g >= 0.1 => 2,
                g if g >= 0.001 => 4,
                _ => 6,
            };
            assert_eq!(cells[4], format!("{gib:.decimals$}"));
            assert_eq!(
                cells[3].parse::<u64>().unwrap(),
                row["messages"]
                    .as_u64()
                    .unwrap_or(row["bytes"].as_u64().unwrap().div_ceil(size))
            );
        }
        if let Some(p50) = row["rtt_p50_us"].as_f64() {
            assert_eq!(cells[6], format!("{p50:.1}"));
            assert_eq!(cells[3], row["rounds"].to_string());
        }
    }

    // The picture: XML, a panel per measure with both axes, a series per mechanism measured
    // (signal has no payload to draw against size), a point per measured size.
    let svg_text = read(&svg);
    let doc = roxmltree::Document::parse(&svg_text).unwrap();
    let class = |n: &roxmltree::Node, c: &str| n.attribute("class") == Some(c);
    let panels: Vec<_> = doc.descendants().filter(|n| class(n, "panel")).collect();
    let measures: Vec<&str> = panels
        .iter()
        .map(|p| p.attribute("data-measure").unwrap())
        .collect();
    assert_eq!(measures, ["throughput", "latency"]);
    for panel in &panels {
        let axes: Vec<&str> = panel
            .descendants()
            .filter(|n| class(n, "axis"))
            .map(|n| n.attribute("data-axis").unwrap())
            .collect();
        assert_eq!(axes, ["x", "y"], "{svg_text}");
        let mut series: Vec<&str> = panel
            .descendants()
            .filter(|n| class(n, "series"))
            .map(|n| n.attribute("data-mechanism").unwrap())
            .collect();
        series.sort_unstable();
        assert_eq!(series, ["mq", "pipe", "shm"], "{svg_text}");
        for s in panel.descendants().filter(|n| class(n, "series")) {
            let mut sizes: Vec<&str> = s
                .descendants()
                .filter(|n| class(n, "point") && n.attribute("data-percentile") != Some("p99"))
                .filter_map(|n| n.attribute("data-size"))
                .collect();
            sizes.sort_unstable();
            sizes.dedup();
            assert_eq!(sizes, ["4096", "64"], "{svg_text}");
        }
    }
}

#[test]
fn bad_export_paths_are_refused_before_anything_runs() {
    let dir = temp_dir();
    let missing = dir.path().join("no-such-folder").join("r.json");
    let file = dir.path().join("plain");
    std::fs::write(&file, "mine").unwrap();
    let under_a_file = file.join("r.csv");
    for (flag, path, needle) in [
        ("--export-json", path_str(&missing), "does not exist"),
        ("--export-csv", path_str(dir.path()), "is a folder"),
        ("--export-markdown", "/proc/r.md", "kernel file system"),
        ("--export-csv", "/dev/null", "not a plain file"),
        ("--export-json", path_str(&under_a_file), "does not exist"),
        ("--export-json", "", "empty path"),
        ("--plot", "/proc/r.svg", "kernel file system"),
    ] {
        let out = ipcdemo(&["bench", "--mechanism", "pipe", flag, path])
            .assert()
            .code(2);
        assert_eq!(stdout_text(&out), "", "{flag} {path}: nothing ran");
        let stderr = stderr_text(&out);
        assert!(stderr.contains(needle), "{flag} {path}: {stderr}");
    }
    assert_eq!(read(&file), "mine");
    let out = ipcdemo(&[
        "bench",
        "--export-json",
        path_str(&file),
        "--export-csv",
        path_str(&file),
    ])
    .assert()
    .code(2);
    assert!(stderr_text(&out).contains("two exports would write"));
    assert_eq!(read(&file), "mine");

    // Files that are not ours to replace, names that name no file or cannot have a temporary
    // file beside them, and one file under two spellings.
    use std::os::unix::fs::PermissionsExt;
    let theirs = dir.path().join("theirs.csv");
    std::fs::write(&theirs, "theirs").unwrap();
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
    let kept = dir.path().join("kept.csv");
    std::fs::write(&kept, "kept").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o444)).unwrap();
    let long = dir.path().join("x".repeat(234));
    let trailing = format!("{}/", path_str(&dir.path().join("r.csv")));
    let dot = format!("{}/.", path_str(&dir.path().join("new")));
    for (path, needle) in [
        (path_str(&theirs), "belongs to another user"),
        (path_str(&kept), "is read-only, so it is kept"),
        (path_str(&long), "too long; give one of at most 233 bytes"),
        (trailing.as_str(), "names no file"),
        (dot.as_str(), "names no file"),
    ] {
        let out = ipcdemo(&["bench", "--mechanism", "pipe", "--export-csv", path])
            .assert()
            .code(2);
        assert_eq!(stdout_text(&out), "", "{path}: nothing ran");
        let stderr = stderr_text(&out);
        assert!(stderr.contains(needle), "{path}: {stderr}");
    }
    assert_eq!(read(&theirs), "theirs");
    assert_eq!(read(&kept), "kept");
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    let spelled = format!("{}/./r.csv", path_str(dir.path()));
    for (one, other) in [
        (
            path_str(&dir.path().join("r.csv")),
            path_str(&link.join("r.csv")),
        ),
        (path_str(&dir.path().join("r.csv")), spelled.as_str()),
    ] {
        let out = ipcdemo(&["bench", "--export-json", one, "--export-csv", other])
            .assert()
            .code(2);
        let stderr = stderr_text(&out);
        assert!(stderr.contains("two exports would write"), "{stderr}");
        assert!(stderr.contains("Usage: ipcdemo bench"), "{stderr}");
    }

    // Another user cannot write in root's folder: refused up front too.
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let mut cmd = ipcdemo_as_nobody(&[
        "bench",
        "--mechanism",
        "pipe",
        "--export-csv",
        path_str(&dir.path().join("r.csv")),
    ]);
    let (code, stderr) = run_with_deadline("an export into root's folder", {
        cmd.stdout(std::process::Stdio::null());
        cmd
    });
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("read-only, or not yours"), "{stderr}");
}

#[test]
fn an_export_keeps_the_mode_of_the_file_it_replaces() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir();
    let csv = dir.path().join("r.csv");
    std::fs::write(&csv, "old").unwrap();
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o640)).unwrap();
    ipcdemo(&[
        "bench",
        "--mechanism",
        "pipe",
        "--total",
        "1M",
        "--rounds",
        "10",
        "--export-csv",
        path_str(&csv),
    ])
    .assert()
    .success();
    let text = read(&csv);
    assert!(text.starts_with("mechanism,measure,"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    let mode = std::fs::metadata(&csv).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn a_failed_run_says_it_wrote_no_export() {
    use std::os::unix::process::CommandExt;
    let dir = temp_dir();
    let csv = dir.path().join("r.csv");
    let mut cmd = ipcdemo_std(&[
        "bench",
        "--mechanism",
        "pipe,mq",
        "--total",
        "1M",
        "--rounds",
        "10",
        "--export-csv",
        path_str(&csv),
    ]);
    // No room for a single message queue: the mq row fails after the pipe's.
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_MSGQUEUE, 0, 0)
                .map_err(std::io::Error::from)
        });
    }
    let (code, stderr) = run_with_deadline("a bench whose queues cannot be made", cmd);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("the exports were not written: the run did not finish"),
        "{stderr}"
    );
    assert!(!csv.exists());
}

#[test]
fn a_stopped_run_leaves_no_export_and_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let dir = temp_dir();
    let json = dir.path().join("r.json");
    // An existing result is kept as it was: a stopped run replaces nothing.
    std::fs::write(&json, "before").unwrap();
    let mut cmd = ipcdemo_std(&[
        "bench",
        "--mechanism",
        "fifo",
        "--throughput-only",
        "--total",
        "64G",
        "--export-json",
        path_str(&json),
        "--export-csv",
        path_str(&dir.path().join("r.csv")),
        "--plot",
        path_str(&dir.path().join("r.svg")),
    ]);
    cmd.stdout(std::process::Stdio::null());
    let child = cmd.spawn().unwrap();
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    wait_for_path(&std::env::temp_dir().join(format!("ipcdemo-bench-{pid}")));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let (status, stderr) = finish_child_status("an exporting bench after Ctrl-C", child);
    assert_eq!(
        status.signal(),
        Some(nix::sys::signal::Signal::SIGINT as i32),
        "{stderr}"
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["r.json"], "only what was there before");
    assert_eq!(read(&json), "before");
}

#[test]
fn an_export_path_need_not_be_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let dir = temp_dir();
    let path = dir.path().join(std::ffi::OsStr::from_bytes(b"r\xff.csv"));
    let mut cmd = ipcdemo_std(&[
        "bench",
        "--mechanism",
        "pipe",
        "--total",
        "1M",
        "--rounds",
        "10",
        "--export-csv",
    ]);
    cmd.arg(&path).stdout(std::process::Stdio::null());
    let (code, stderr) = run_with_deadline("an export to a Latin-1 name", cmd);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(read(&path).starts_with("mechanism,measure,size_bytes,"));
}
