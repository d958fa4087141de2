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

/// A stalled pipe already full: the next write to it blocks.
fn full_pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let (read_end, write_end) = stalled_pipe();
    fcntl(&write_end, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).unwrap();
    while nix::unistd::write(&write_end, &[b'x'; 4096]).is_ok() {}
    fcntl(&write_end, FcntlArg::F_SETFL(OFlag::empty())).unwrap();
    (read_end, write_end)
}

/// A pipe whose read end we hold and never read: a writer fills it (64 KiB) and blocks. Both
/// ends close on exec: tests run in parallel threads, and a child another test spawns must not
/// inherit them (`ipcdemo fds` shows why).
fn stalled_pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap()
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
    assert_eq!(row["stopped"], true, "{row}");
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
    // Full already, so the father's first note blocks.
    let (_keep, stderr) = full_pipe();
    let mut cmd = ipcdemo_std(&["named", "--path", path_str(&fifo)]);
    cmd.stderr(Stdio::from(stderr)).stdout(Stdio::null());
    let child = cmd.spawn().unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    wait_for_wchan(pid, "pipe_write");
    kill(pid, Signal::SIGINT).unwrap();
    let first = Instant::now();
    // Stopped, it now waits (in poll(2), for at most a second) for room for its summary.
    wait_for_wchan(pid, "poll");
    // A person's second Ctrl-C: not the same request delivered twice within 100 ms (which
    // GNU timeout does, and which must still clean up). This is the scenario's timing, not a
    // wait for the process.
    if let Some(left) = Duration::from_millis(150).checked_sub(first.elapsed()) {
        std::thread::sleep(left);
    }
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

/// The pids of `pid`'s children.
fn children_of(pid: Pid) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// `ipcdemo ARGS` in a process group of its own, as a terminal's foreground job, whose stop
/// signals `ignored` are ignored (as a parent may leave them).
fn job(args: &[&str], ignored: &'static [Signal], dir: &std::path::Path) -> std::process::Child {
    let mut cmd = ipcdemo_std(args);
    cmd.current_dir(dir).stdout(Stdio::null()).process_group(0);
    // SAFETY: signal(2) and setrlimit(2) only, between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            for signal in ignored {
                nix::libc::signal(*signal as i32, nix::libc::SIG_IGN);
            }
            let unlimited = nix::libc::rlimit {
                rlim_cur: nix::libc::RLIM_INFINITY,
                rlim_max: nix::libc::RLIM_INFINITY,
            };
            nix::libc::setrlimit(nix::libc::RLIMIT_CORE, &unlimited);
            Ok(())
        });
    }
    cmd.spawn().unwrap()
}

/// Waits until the father has forked its son and the son is asleep between messages.
fn son_of(father: Pid) -> Pid {
    let son = wait_until(
        || format!("{father} never forked a son"),
        || children_of(father).first().copied(),
    );
    Pid::from_raw(son)
}

#[test]
fn ctrl_c_to_the_group_of_a_forked_demo_ends_it_by_ctrl_c_every_time() {
    let dir = temp_dir();
    for _ in 0..10 {
        let child = job(&["anon", "--fork", "--tick", "10ms"], &[], dir.path());
        let father = Pid::from_raw(child.id() as i32);
        son_of(father);
        killpg(father, Signal::SIGINT).unwrap();
        let (status, stderr) = finish_child_status("anon --fork", child);
        assert_eq!(status.signal(), Some(2), "{stderr}");
        assert!(!stderr.contains("error"), "{stderr}");
        assert!(stderr.contains("summary: "), "{stderr}");
    }
}

#[test]
fn ctrl_backslash_to_the_group_dumps_no_core() {
    let dir = temp_dir();
    for args in [
        &["anon", "--fork", "--tick", "10ms"][..],
        &[
            "bench",
            "--mechanism",
            "pipe",
            "--latency-only",
            "--rounds",
            "10000000",
        ][..],
    ] {
        let child = job(args, &[], dir.path());
        let father = Pid::from_raw(child.id() as i32);
        son_of(father);
        killpg(father, Signal::SIGQUIT).unwrap();
        let (status, stderr) = finish_child_status("a job", child);
        assert_eq!(status.signal(), Some(3), "{args:?}: {stderr}");
        assert!(!status.core_dumped(), "{args:?}");
        let cores: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert!(cores.is_empty(), "{args:?}: a core was dumped: {cores:?}");
    }
}

#[test]
fn a_forked_son_that_ignores_sigterm_is_still_reaped() {
    let dir = temp_dir();
    // The parent left SIGTERM ignored; SIGHUP then stops the father.
    let child = job(
        &["anon", "--fork", "--tick", "60m"],
        &[Signal::SIGTERM],
        dir.path(),
    );
    let father = Pid::from_raw(child.id() as i32);
    let son = son_of(father);
    kill(father, Signal::SIGHUP).unwrap();
    let (status, stderr) = finish_child_status("anon --fork", child);
    assert_eq!(status.signal(), Some(1), "{stderr}");
    assert!(
        kill(son, None).is_err(),
        "the son {son} is gone, not orphaned"
    );
}

#[test]
fn the_same_signal_twice_at_once_still_cleans_up() {
    // GNU timeout signals its child and then the child's group: two SIGTERMs at once.
    for what in ["named", "socket"] {
        let dir = temp_dir();
        let path = dir.path().join("rendezvous");
        let father = start_father(what, &path, &[]);
        father.signal(Signal::SIGTERM);
        father.signal(Signal::SIGTERM);
        let done = father.finish();
        assert_eq!(done.signal, Some(15), "{what}: {done:?}");
        assert!(done.stderr.contains("summary: "), "{what}: {}", done.stderr);
        assert!(!path.exists(), "{what}: left behind");
    }
}

#[test]
fn threads_blocked_writing_yield_to_a_stop_too() {
    // The son thread of anon, blocked printing its sends to a stalled stdout.
    let (_keep, stdout) = stalled_pipe();
    let mut cmd = ipcdemo_std(&["anon", "--tick", "0", "--show-son"]);
    cmd.stdout(Stdio::from(stdout));
    let child = cmd.spawn().unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    wait_for_any_thread(pid, "pipe_write");
    let asked = Instant::now();
    kill(pid, Signal::SIGTERM).unwrap();
    let (status, _) = finish_child_status("anon --show-son", child);
    assert_eq!(status.signal(), Some(15));
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    // atomic's writers, blocked on a full pipe behind a slow reader, with huge records.
    let running = Running::start(
        "atomic 16M",
        ipcdemo_std(&[
            "atomic",
            "--record-size",
            "16M",
            "--records",
            "3",
            "--writers",
            "16",
            "--slow-reader",
        ]),
    );
    wait_for_any_thread(running.pid(), "pipe_write");
    let asked = Instant::now();
    running.signal(Signal::SIGINT);
    let done = running.finish();
    assert_eq!(done.signal, Some(2), "{done:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
}

#[test]
fn a_stalled_stderr_costs_one_second_in_all_and_a_late_signal_still_counts() {
    // capacity ends at once, then says a summary and two lines of why into a full stderr.
    let (_keep, stderr) = full_pipe();
    let mut cmd = ipcdemo_std(&["capacity"]);
    cmd.stdout(Stdio::null())
        .stderr(Stdio::from(stderr.try_clone().unwrap()));
    let started = Instant::now();
    let child = cmd.spawn().unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    // Stuck saying its last words: a SIGTERM now must still end it by SIGTERM.
    wait_for_wchan(pid, "poll");
    kill(pid, Signal::SIGTERM).unwrap();
    let (status, _) = finish_child_status("capacity", child);
    assert_eq!(status.signal(), Some(15), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_son_stopped_before_it_could_send_says_so_and_leaves_nothing() {
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    // No father: the son makes the FIFO and waits in open(2).
    let son = start_son("named", &fifo, &[]);
    wait_for_path(&fifo);
    wait_for_wchan(son.pid(), "wait_for_partner");
    son.signal(Signal::SIGINT);
    let done = son.finish();
    assert_eq!(done.signal, Some(2), "{done:?}");
    assert!(
        done.stderr.contains(": sent 0 messages, 0 bytes"),
        "{}",
        done.stderr
    );
    assert!(
        !fifo.exists(),
        "nobody can be using a FIFO whose only opener never got in"
    );
}

#[test]
fn a_socket_son_stopped_waiting_for_an_answer_counts_what_it_sent() {
    let dir = temp_dir();
    let socket = dir.path().join("socket");
    // A father without --ack never answers.
    let father = start_father("socket", &socket, &[]);
    let son = start_son("socket", &socket, &["--ack", "--ack-timeout", "60m"]);
    wait_for_wchan(son.pid(), "poll");
    son.signal(Signal::SIGINT);
    let done = son.finish();
    assert_eq!(done.signal, Some(2), "{done:?}");
    assert!(
        done.stderr.contains(": sent 1 message, 9 bytes"),
        "{}",
        done.stderr
    );
    father.signal(Signal::SIGTERM);
    father.finish();
}
