//! Every way a run can end: a stop signal while blocked anywhere (even writing to a stdout
//! nobody reads), a shell loop that must stop with us, an inherited ignore that must stay.
//! Each process is synchronised on what it is doing (`/proc/<pid>/wchan`, an output line), not
//! on sleeps.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use crate::util::*;

/// A pipe whose read end we hold and never read: a writer fills it (64 KiB) and blocks.
fn stalled_pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    nix::unistd::pipe().unwrap()
}

#[test]
fn a_father_blocked_writing_to_a_stalled_stdout_ends_on_sigterm_and_leaves_nothing() {
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let socket = dir.path().join("socket");
    let cases: [(&str, Vec<&str>, Option<&std::path::Path>); 3] = [
        ("anon", vec!["anon", "--tick", "0"], None),
        (
            "named",
            vec!["named", "--path", path_str(&fifo)],
            Some(&fifo),
        ),
        (
            "socket",
            vec!["socket", "--path", path_str(&socket)],
            Some(&socket),
        ),
    ];
    for (what, args, file) in cases {
        let (_keep, stdout) = stalled_pipe();
        let mut cmd = ipcdemo_std(&args);
        cmd.stdout(Stdio::from(stdout));
        let child = cmd.spawn().unwrap();
        let pid = Pid::from_raw(child.id() as i32);
        // The sons keep writing until the father's stdout is full.
        let mut son = None;
        if let Some(path) = file {
            wait_for_path(path);
            son = Some(Running::start(
                &format!("{what} son"),
                ipcdemo_std(&[what, "--son", "--tick", "0", "--path", path_str(path)]),
            ));
        }
        wait_for_wchan(pid, "pipe_write");
        let asked = Instant::now();
        kill(pid, Signal::SIGTERM).unwrap();
        let (status, stderr) = finish_child_status(what, child);
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "{what}: took {:?}",
            asked.elapsed()
        );
        assert_eq!(
            status.signal(),
            Some(Signal::SIGTERM as i32),
            "{what}: {stderr}"
        );
        assert!(stderr.contains("summary: "), "{what}: {stderr}");
        if let Some(path) = file {
            assert!(!path.exists(), "{what}: {} is left behind", path.display());
        }
        drop(son);
    }
}

/// `bash -c SCRIPT` in a process group of its own, like a terminal's foreground job.
fn shell_job(script: &str) -> std::process::Child {
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script.replace("ipcdemo", &bin.display().to_string()))
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: only signal(2) between fork and exec: the job starts with default dispositions,
    // as it would from an interactive shell.
    unsafe {
        cmd.pre_exec(|| {
            for signal in STOP_SIGNALS {
                nix::libc::signal(signal as i32, nix::libc::SIG_DFL);
            }
            Ok(())
        });
    }
    cmd.spawn().unwrap()
}

#[test]
fn ctrl_c_stops_a_shell_loop_of_demos() {
    for (what, run) in [
        ("anon", "ipcdemo anon --tick 10ms"),
        (
            "atomic",
            "ipcdemo atomic --record-size 64K --records 1000000 --slow-reader",
        ),
    ] {
        let script = format!("for i in 1 2 3; do {run}; done; echo after");
        let mut job = shell_job(&script);
        let group = Pid::from_raw(job.id() as i32);
        // Wait until the first ipcdemo of the loop runs (its stdout or the atomic table
        // header would come too late for atomic: look for the process itself), with its
        // signal thread started: then its signal handling is in place.
        wait_until(
            || format!("{what}: the loop never started"),
            || {
                let children =
                    std::fs::read_to_string(format!("/proc/{group}/task/{group}/children")).ok()?;
                let child = children.split_whitespace().next()?;
                let cmdline = std::fs::read_to_string(format!("/proc/{child}/cmdline")).ok()?;
                let status = std::fs::read_to_string(format!("/proc/{child}/status")).ok()?;
                (cmdline.contains(what)
                    && status.contains("Threads:\t")
                    && !status.contains("Threads:\t1\n"))
                .then_some(())
            },
        );
        killpg(group, Signal::SIGINT).unwrap();
        let status = wait_for_exit(&format!("{what}: the loop"), &mut job);
        let mut out = String::new();
        use std::io::Read;
        job.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        assert!(!out.contains("after"), "{what}: the loop went on: {out}");
        assert_eq!(
            status.signal(),
            Some(Signal::SIGINT as i32),
            "{what}: {status:?}"
        );
    }
}

#[test]
fn atomic_stopped_by_ctrl_c_dies_by_it_with_the_counts_it_has() {
    let cmd = ipcdemo_std(&[
        "--json",
        "atomic",
        "--record-size",
        "64K",
        "--records",
        "1000000",
        "--slow-reader",
    ]);
    let running = Running::start("atomic", cmd);
    // Writers are blocked on the full pipe once the slow reader lets it fill.
    wait_for_any_thread(running.pid(), "pipe_write");
    running.signal(Signal::SIGINT);
    let done = running.finish();
    assert_eq!(done.signal, Some(2), "{done:?}");
    assert!(!done.stderr.contains("bug"), "{}", done.stderr);
    let row = &json_lines(&done.stdout)[0];
    assert_eq!(row["kind"], "atomic");
    let written = row["records_written"].as_u64().unwrap();
    assert!(written > 0 && written < 8_000_000, "{row}");
    assert_eq!(row["bytes_lost"], 0, "{row}");
}

#[test]
fn a_named_son_blocked_writing_dies_by_ctrl_c_with_its_summary() {
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    // We hold the read end and never read: the son's open succeeds, the FIFO fills, and the
    // son blocks in write(2).
    let _reader = nix::fcntl::open(
        &fifo,
        nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_NONBLOCK,
        nix::sys::stat::Mode::empty(),
    )
    .unwrap();
    let son = start_son("named", &fifo, &[]);
    wait_for_wchan(son.pid(), "pipe_write");
    son.signal(Signal::SIGINT);
    let done = son.finish();
    assert_eq!(done.signal, Some(2), "{done:?}");
    assert!(
        done.stderr.contains("son ") && done.stderr.contains(": sent "),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains("error"), "{}", done.stderr);
    assert!(
        fifo.exists(),
        "the son did not make the FIFO, so it leaves it"
    );
}

#[test]
fn a_sighup_ignored_by_the_parent_stays_ignored() {
    let mut cmd = ipcdemo_std(&["anon", "--count", "3", "--tick", "100ms"]);
    // As nohup does: SIGHUP ignored before exec (after the helper's own reset).
    // SAFETY: only signal(2) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            nix::libc::signal(nix::libc::SIGHUP, nix::libc::SIG_IGN);
            Ok(())
        });
    }
    let mut running = Running::start("anon under nohup", cmd);
    let first = running.next_line();
    assert!(first.contains("[Spam 000]"), "{first}");
    running.signal(Signal::SIGHUP);
    let done = running.finish();
    assert_eq!(done.code, Some(0), "{done:?}");
    assert_eq!(done.stdout.len(), 3, "{:?}", done.stdout);
}

#[test]
fn a_second_ctrl_c_while_cleaning_up_ends_at_once() {
    // A father whose stderr is a stalled pipe cannot finish its summary quickly; the second
    // signal must not wait for it.
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let (_keep, stderr) = stalled_pipe();
    // Fill the stalled pipe first, so the father's first note already blocks.
    nix::fcntl::fcntl(
        &stderr,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .unwrap();
    while nix::unistd::write(&stderr, &[b'x'; 4096]).is_ok() {}
    nix::fcntl::fcntl(
        &stderr,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::empty()),
    )
    .unwrap();
    let mut cmd = ipcdemo_std(&["named", "--path", path_str(&fifo)]);
    cmd.stderr(Stdio::from(stderr)).stdout(Stdio::null());
    let child = cmd.spawn().unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    wait_for_wchan(pid, "pipe_write");
    kill(pid, Signal::SIGINT).unwrap();
    // Stopped, it now waits (in poll(2), for at most a second) for room for its summary.
    wait_for_wchan(pid, "poll");
    kill(pid, Signal::SIGINT).unwrap();
    let asked = Instant::now();
    let (status, _) = finish_child_status("named father", child);
    assert!(
        asked.elapsed() < Duration::from_millis(500),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(status.signal(), Some(2));
}

#[test]
fn head_ends_a_run_quietly_and_successfully() {
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' anon --show-son --tick 0 | head -3",
            bin.display()
        ))
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "a closed stdout says nothing"
    );
}

#[test]
fn a_fifo_left_by_a_killed_father_is_named_with_the_command_that_removes_it() {
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let first = start_father("named", &fifo, &[]);
    first.signal(Signal::SIGKILL);
    assert_eq!(first.finish().signal, Some(9));
    assert!(fifo.exists(), "kill -9 leaves the FIFO");
    let second = start_father("named", &fifo, &[]);
    wait_for_wchan(second.pid(), "wait_for_partner");
    second.signal(Signal::SIGTERM);
    let done = second.finish();
    assert!(
        done.stderr
            .contains(&format!("father: {} was already there", fifo.display()))
            && done
                .stderr
                .contains(&format!("`rm {}` removes it", fifo.display())),
        "{}",
        done.stderr
    );
    assert!(fifo.exists(), "not ours: left alone");
}
