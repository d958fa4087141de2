//! `ipcdemo capacity` and `ipcdemo atomic`: the buffer that fills and the writes that tear.

use std::os::fd::AsFd;

use serde_json::Value;

use crate::util::*;

/// F_GETPIPE_SZ of a fresh pipe, asked by the test itself.
fn default_pipe_size() -> u64 {
    let (read_end, _write_end) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
    nix::fcntl::fcntl(read_end.as_fd(), nix::fcntl::FcntlArg::F_GETPIPE_SZ).unwrap() as u64
}

fn summary_json(args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = ipcdemo(&all).assert().success();
    let value = json_lines(stdout_text(&out).lines())
        .pop()
        .expect("a summary line");
    assert_eq!(value["event"], "summary", "{value}");
    value
}

#[test]
fn a_pipe_holds_what_f_getpipe_sz_reports() {
    let out = ipcdemo(&["capacity"]).assert().success();
    let stdout = stdout_text(&out);
    let stderr = stderr_text(&out);
    let size = default_pipe_size();
    let expected = format!(
        "summary: the pipe held {size} bytes with no reader (F_GETPIPE_SZ says {size}) in {size} writes of 1 byte, 0 partial"
    );
    assert!(stderr.contains(&expected), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    // One progress line per 4 KiB page, then the refusal.
    assert_eq!(lines.len() as u64, size / 4096 + 1, "{stdout}");
    assert!(
        lines[0].contains("wrote 1 byte; the pipe holds 4096 at "),
        "{}",
        lines[0]
    );
    let last = lines.last().unwrap();
    assert!(
        last.contains(&format!("refused with EAGAIN; the pipe holds {size} bytes")),
        "{last}"
    );
    assert!(
        stderr.contains("a blocking writer would now sleep in write(2)"),
        "{stderr}"
    );
}

#[test]
fn a_one_mebibyte_pipe_holds_1048576_bytes() {
    let max = pipe_max_size();
    if !nix::unistd::geteuid().is_root() && max < 1 << 20 {
        skip(&format!(
            "pipe-max-size is {max} and we are not root, so 1M would be refused"
        ));
        return;
    }
    let value = summary_json(&["capacity", "--pipe-size", "1M", "--write-size", "4K"]);
    assert_eq!(value["held_bytes"], 1_048_576);
    assert_eq!(value["pipe_size_bytes"], 1_048_576);
    assert_eq!(value["requested_bytes"], 1_048_576);
    assert_eq!(value["writes"], 256);
}

#[test]
fn the_kernel_rounds_a_pipe_size_up_to_a_power_of_two_pages() {
    let value = summary_json(&["capacity", "--pipe-size", "100000", "--write-size", "4K"]);
    assert_eq!(
        value["pipe_size_bytes"], 131_072,
        "100000 bytes is 24.4 pages, so 32 pages"
    );
    assert_eq!(value["held_bytes"], 131_072);
}

#[test]
fn writes_above_pipe_buf_go_in_part_and_those_at_it_do_not() {
    let big = summary_json(&["capacity", "--write-size", "10000"]);
    assert!(big["partial_writes"].as_u64().unwrap() >= 1, "{big}");
    let small = summary_json(&["capacity", "--write-size", "4096"]);
    assert_eq!(small["partial_writes"], 0, "{small}");
    assert_eq!(small["held_bytes"], default_pipe_size());
}

#[test]
fn a_fifo_is_the_same_kernel_object() {
    let dir = temp_dir();
    let fifo = dir.path().join("cap");
    let value = summary_json(&[
        "capacity",
        "--fifo",
        "--path",
        path_str(&fifo),
        "--write-size",
        "4K",
    ]);
    assert_eq!(value["mechanism"], "fifo");
    assert_eq!(value["held_bytes"], default_pipe_size());
    assert!(!fifo.exists(), "the FIFO it made is removed");
}

#[test]
fn an_unprivileged_oversized_request_is_explained_not_fatal() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let too_big = (pipe_max_size() * 2).to_string();
    let mut cmd = ipcdemo_as_nobody(&["capacity", "--pipe-size", &too_big, "--write-size", "4K"]);
    cmd.stdout(std::process::Stdio::null());
    let (code, stderr) = run_with_deadline("capacity as nobody", cmd);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "(EPERM): without privilege a pipe may not exceed /proc/sys/fs/pipe-max-size"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("the pipe held {} bytes", default_pipe_size())),
        "{stderr}"
    );
}

#[test]
fn bad_sizes_are_usage_errors() {
    for args in [
        &["capacity", "--pipe-size", "0"][..],
        &["capacity", "--write-size", "0"],
        &["capacity", "--write-size", "17M"],
        &["capacity", "--path", "/tmp/x"],
        &["atomic", "--writers", "0"],
        &["atomic", "--writers", "17"],
        &["atomic", "--record-size", "0"],
        &["atomic", "--records", "0"],
    ] {
        ipcdemo(args).assert().code(2);
    }
}

fn atomic_rows(args: &[&str]) -> Vec<Value> {
    let mut all = vec!["atomic", "--json"];
    all.extend_from_slice(args);
    let out = ipcdemo(&all).assert().success();
    json_lines(stdout_text(&out).lines())
}

#[test]
fn records_of_pipe_buf_bytes_never_tear() {
    for _ in 0..3 {
        let rows = atomic_rows(&["--record-size", "4096"]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["records_written"], 1600);
        assert_eq!(rows[0]["records_torn"], 0);
        assert_eq!(rows[0]["bytes_lost"], 0);
    }
}

#[test]
fn bigger_records_are_accepted_and_counted() {
    let rows = atomic_rows(&["--record-size", "64K", "--records", "20", "--writers", "4"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["record_size"], 65536);
    assert_eq!(rows[0]["writers"], 4);
    assert_eq!(rows[0]["records_written"], 80);
    // How many tear is up to the scheduler; that they are counted is not.
    assert!(rows[0]["records_torn"].is_u64(), "{}", rows[0]);
}

#[test]
fn the_sweep_prints_one_row_per_size() {
    let out = ipcdemo(&["atomic", "--sweep", "--records", "20"])
        .assert()
        .success();
    let stdout = stdout_text(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(lines[0].starts_with("record size"));
    assert!(
        lines[1].trim_start().starts_with("512 B")
            && lines[1].contains("atomic, as pipe(7) promises")
    );
    assert!(
        lines[2].trim_start().starts_with("4 KiB") && lines[2].contains(" 0           0  atomic")
    );
    assert!(lines[3].trim_start().starts_with("4097 B"));
    assert!(lines[4].trim_start().starts_with("64 KiB"));
}
