//! `ipcdemo exec`: a program on two pipes, the buffering deadlock and the full-pipe deadlock.
//! Every wait is on an output line, `/proc/<pid>/wchan` or an exit; the deadlocks themselves
//! are ended by ipcdemo's watchdog (`--stall`), and by each test's deadline if that failed.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use serde_json::Value;

use crate::util::*;

/// `--big`'s input: 116509 lines of 9 bytes.
const BIG_BYTES: u64 = 1_048_581;
const BIG_LINES: u64 = 116_509;

/// The pids of `pid`'s children, zombies included (a zombie is still a child).
fn children_of(pid: Pid) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn exists(pid: i64) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The son's pid in `Father 1 started son 2 (…)`.
fn son_in(started: &str) -> i64 {
    let rest = started
        .split(" started son ")
        .nth(1)
        .unwrap_or_else(|| panic!("not a started line: {started}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

/// A pipe whose read end we hold and whose buffer is already full: a process writing its
/// stderr there blocks (in poll(2), for its last words) and stays alive while we look at it.
fn full_pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    fcntl(&write_end, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).unwrap();
    while nix::unistd::write(&write_end, &[b'x'; 4096]).is_ok() {}
    fcntl(&write_end, FcntlArg::F_SETFL(OFlag::empty())).unwrap();
    (read_end, write_end)
}

/// The one JSON line of `events` whose `event` is `name`.
fn the<'a>(events: &'a [Value], name: &str) -> &'a Value {
    let found: Vec<&Value> = events.iter().filter(|e| e["event"] == name).collect();
    assert_eq!(found.len(), 1, "one {name} event: {events:?}");
    found[0]
}

/// The absolute path of the Python the tests can run (not a shim that starts slowly), if any.
fn python() -> Option<String> {
    if !have("python3", "--version") {
        return None;
    }
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

#[test]
fn the_echo_child_answers_every_line_exactly_from_its_own_pid() {
    let out = ipcdemo(&["exec", "--count", "20", "--tick", "0"])
        .assert()
        .success();
    let lines: Vec<String> = stdout_text(&out).lines().map(String::from).collect();
    assert_eq!(
        lines.len(),
        41,
        "started, then a send and an answer each: {lines:?}"
    );
    let father = lines[0].split(' ').nth(1).unwrap().to_string();
    let son = son_in(&lines[0]);
    assert!(
        lines[0].starts_with(&format!(
            "Father {father} started son {son} (`ipcdemo exec --echo-child`), its stdin and \
             stdout on two pipes, at "
        )),
        "{}",
        lines[0]
    );
    assert_ne!(father, son.to_string(), "the son is another process");
    let expected = spam(20, true);
    for (i, message) in expected.chunks(9).enumerate() {
        let (sent, answer) = (&lines[1 + 2 * i], &lines[2 + 2 * i]);
        assert!(
            sent.starts_with(&format!("Father {father} sent [")),
            "{sent}"
        );
        assert_eq!(data_of(sent), message, "{sent}");
        // Each answer comes back before the next line is sent, from the son.
        assert!(
            answer.starts_with(&format!("Father {father} received [")),
            "{answer}"
        );
        assert!(
            answer.contains(&format!("] from son {son} at ")),
            "{answer}"
        );
        assert_eq!(data_of(answer), message, "{answer}");
        assert!(time_of(answer) >= time_of(sent));
    }
    let stderr = stderr_text(&out);
    assert_eq!(
        stderr,
        format!(
            "summary: sent 20 lines (180 bytes) to son {son} (`ipcdemo exec --echo-child`), \
             received 20 lines (180 bytes); son {son} exited with status 0\n"
        )
    );
    assert!(!exists(son), "the son {son} was reaped");
}

#[test]
fn tr_is_the_buffering_deadlock_found_within_the_stall_and_explained() {
    if !have("tr", "--version") {
        return;
    }
    // Without the watchdog this would hang: tr keeps `SPAM 000` in its buffer and waits for
    // more input, the father waits for the answer.
    let mut run = Running::start(
        "exec -- tr",
        ipcdemo_std(&["exec", "--stall", "500ms", "--", "tr", "a-z", "A-Z"]),
    );
    let started = run.next_line();
    let son = son_in(&started);
    let sent = run.next_line();
    let sent_seen = Instant::now();
    assert_eq!(data_of(&sent), b"Spam 000\n");
    let stalled = run.next_line();
    let found_after = sent_seen.elapsed();
    assert!(
        found_after < Duration::from_millis(1500),
        "found after {found_after:?}, more than --stall + 1 s"
    );
    assert!(
        stalled.contains(" saw no byte move for 500 ms at ")
            && stalled.contains(": the father sleeps in ")
            && stalled.contains(&format!(", son {son} in "))
            && stalled.matches("pipe_read (S, asleep)").count() == 2
            && stalled.contains("the son's stdin pipe holds 0 of 65536 bytes")
            && stalled.ends_with(&format!("; killing son {son} (SIGKILL)")),
        "{stalled}"
    );
    let done = run.finish();
    assert_eq!(done.code, Some(1), "{done:?}");
    assert_eq!(done.stdout.len(), 3, "{:?}", done.stdout);
    let stderr = &done.stderr;
    for wanted in [
        format!(
            "summary: sent 1 line (9 bytes) to son {son} (`tr a-z A-Z`), received 0 lines (0 \
             bytes); son {son} was killed by SIGKILL\n"
        ),
        "error: deadlock: for 500 ms no byte moved, and both sides sleep in read(2)".into(),
        "(setvbuf(3))".into(),
        "\nfixes: the son flushes after each line".into(),
        "(`stdbuf -oL tr a-z A-Z`)".into(),
        "pseudo-terminal".into(),
    ] {
        assert!(stderr.contains(&wanted), "{wanted:?} in {stderr}");
    }
    assert!(!exists(son), "the son {son} was reaped");
}

#[test]
fn a_deadlocked_son_is_reaped_before_the_father_says_another_word() {
    if !have("tr", "--version") {
        return;
    }
    // The father's stderr is full: it sits in its last words (the error), alive, and its son
    // must already be gone then, not a zombie waiting for a waitpid that never came.
    let (reader, stderr) = full_pipe();
    let mut cmd = ipcdemo_std(&[
        "--json", "exec", "--stall", "300ms", "--", "tr", "a-z", "A-Z",
    ]);
    cmd.stderr(Stdio::from(stderr));
    let mut run = Running::start("exec --json -- tr", cmd);
    let mut events = Vec::new();
    while events
        .last()
        .is_none_or(|e: &Value| e["event"] != "summary")
    {
        events.extend(json_lines([run.next_line()]));
    }
    let son = the(&events, "started")["son"].as_i64().unwrap();
    let stalled = the(&events, "stalled");
    assert_eq!(stalled["deadlock"], "buffering", "{stalled}");
    assert_eq!(stalled["stall_ms"], 300);
    assert!(stalled["stalled_ms"].as_u64().unwrap() >= 300, "{stalled}");
    assert_eq!(stalled["father_sleeps"]["waits"], "reading");
    assert_eq!(stalled["son_sleeps"]["waits"], "reading");
    assert_eq!(stalled["son_sleeps"]["pid"], son);
    assert_eq!(stalled["son_sleeps"]["state"], "S");
    wait_for_wchan(run.pid(), "poll");
    assert_eq!(
        children_of(run.pid()),
        Vec::<i32>::new(),
        "the father has no child left, not even a zombie"
    );
    assert!(!exists(son), "the son {son} is gone");
    let summary = the(&events, "summary");
    assert_eq!(summary["kind"], "exec");
    assert_eq!(summary["killed_by"], "SIGKILL");
    assert_eq!(summary["lines_sent"], 1);
    drop(reader);
    assert_eq!(run.finish().code, Some(1));
}

#[test]
fn stdbuf_line_buffers_tr_and_every_line_comes_back() {
    if !have("stdbuf", "--version") {
        return;
    }
    let out = ipcdemo(&[
        "exec", "--count", "5", "--tick", "0", "--", "stdbuf", "-oL", "tr", "a-z", "A-Z",
    ])
    .assert()
    .success();
    let lines: Vec<String> = stdout_text(&out).lines().map(String::from).collect();
    let answers: Vec<Vec<u8>> = lines
        .iter()
        .filter(|l| l.contains(" received ["))
        .map(|l| data_of(l))
        .collect();
    assert_eq!(answers.concat(), spam(5, true).to_ascii_uppercase());
    assert_eq!(answers.len(), 5, "one answer per line: {lines:?}");
    assert!(stderr_text(&out).contains("received 5 lines (45 bytes); son "));
}

#[test]
fn a_python_son_deadlocks_the_same_way_unless_pythonunbuffered_hides_it() {
    let Some(python) = python() else {
        return;
    };
    let script = "import sys\nfor l in sys.stdin: sys.stdout.write(l.upper())";
    // PYTHONUNBUFFERED, set on some machines (this one), would make Python write at once.
    // The son gets the father's environment, so it is removed from the father's.
    let out = ipcdemo(&["exec", "--stall", "500ms", "--", &python, "-c", script])
        .env_remove("PYTHONUNBUFFERED")
        .assert()
        .code(1);
    let stderr = stderr_text(&out);
    assert!(
        stderr
            .contains("error: deadlock: for 500 ms no byte moved, and both sides sleep in read(2)"),
        "{stderr}"
    );
    assert!(stderr.contains("received 0 lines (0 bytes)"), "{stderr}");
    let out = ipcdemo(&[
        "exec", "--count", "3", "--tick", "0", "--", &python, "-c", script,
    ])
    .env("PYTHONUNBUFFERED", "1")
    .assert()
    .success();
    let answers: Vec<Vec<u8>> = stdout_text(&out)
        .lines()
        .filter(|l| l.contains(" received ["))
        .map(data_of)
        .collect();
    assert_eq!(answers.concat(), spam(3, true).to_ascii_uppercase());
}

#[test]
fn big_is_the_full_pipe_deadlock_explained_with_both_buffer_sizes() {
    for program in [&[][..], &["--", "cat"][..]] {
        let mut args = vec!["--json", "exec", "--big", "--stall", "500ms"];
        args.extend(program);
        let out = ipcdemo(&args).assert().code(1);
        let events = json_lines(stdout_text(&out).lines());
        let stalled = the(&events, "stalled");
        assert_eq!(stalled["deadlock"], "full_pipes", "{program:?}: {stalled}");
        assert_eq!(stalled["father_sleeps"]["waits"], "writing");
        assert_eq!(stalled["son_sleeps"]["waits"], "writing");
        let (input, output) = (&stalled["input_pipe"], &stalled["output_pipe"]);
        assert_eq!(input["size_bytes"], 65536, "{stalled}");
        assert_eq!(output["size_bytes"], 65536, "{stalled}");
        // Full: every page taken (some partly read already, so not always to the byte).
        for pipe in [input, output] {
            let held = pipe["held_bytes"].as_u64().unwrap();
            assert!(held > 32768 && held <= 65536, "{program:?}: {stalled}");
        }
        let written: Vec<u64> = events
            .iter()
            .filter(|e| e["event"] == "input_written")
            .map(|e| e["total"].as_u64().unwrap())
            .collect();
        let last = *written.last().unwrap();
        assert!(
            (2 * 65536..BIG_BYTES).contains(&last),
            "{program:?}: at least both pipes' worth went in, not all: {written:?}"
        );
        let summary = the(&events, "summary");
        assert_eq!(summary["killed_by"], "SIGKILL");
        assert!(summary.get("same_as_sent").is_none(), "{summary}");
        assert_eq!(summary["bytes_received"], 0);
        let stderr = stderr_text(&out);
        for wanted in [
            "error: deadlock: for 500 ms no byte moved, and both sides sleep in write(2)",
            "Both pipes are full: the stdin pipe holds ",
            " of 65536 bytes, the stdout pipe ",
            " of 65536 bytes (sizes from F_GETPIPE_SZ; a pipe counts whole pages",
            "\nfixes: read while writing: a second thread (`ipcdemo exec --big --fix`)",
        ] {
            assert!(
                stderr.contains(wanted),
                "{program:?}: {wanted:?} in {stderr}"
            );
        }
    }
}

#[test]
fn big_fix_completes_with_every_byte_checked() {
    for program in [&[][..], &["--", "cat"][..]] {
        let mut args = vec!["--json", "exec", "--big", "--fix"];
        args.extend(program);
        let out = ipcdemo(&args).assert().success();
        let events = json_lines(stdout_text(&out).lines());
        let summary = the(&events, "summary");
        assert_eq!(summary["bytes_sent"], BIG_BYTES, "{summary}");
        assert_eq!(summary["bytes_received"], BIG_BYTES, "{summary}");
        assert_eq!(summary["lines_sent"], BIG_LINES);
        assert_eq!(summary["lines_received"], BIG_LINES);
        assert_eq!(summary["same_as_sent"], true, "{program:?}: {summary}");
        assert_eq!(summary["exit_status"], 0);
        let totals = |name: &str| -> Vec<u64> {
            events
                .iter()
                .filter(|e| e["event"] == name)
                .map(|e| e["total"].as_u64().unwrap())
                .collect()
        };
        for name in ["input_written", "output_read"] {
            let seen = totals(name);
            assert!(seen.windows(2).all(|w| w[0] < w[1]), "{name}: {seen:?}");
            assert_eq!(seen.last(), Some(&BIG_BYTES), "{name}: {seen:?}");
        }
        assert!(
            stderr_text(&out).is_empty(),
            "nothing to explain: {}",
            stderr_text(&out)
        );
    }
    // The check can fail: tr gives back another byte at offset 1 ('p' became 'P').
    let out = ipcdemo(&["exec", "--big", "--fix", "--", "tr", "a-z", "A-Z"])
        .assert()
        .success();
    assert!(
        stderr_text(&out).contains(&format!(
            "and read {BIG_BYTES} bytes back, different from the input from byte 1 on; son "
        )),
        "{}",
        stderr_text(&out)
    );
}

#[test]
fn a_missing_or_unrunnable_program_is_named_with_status_one() {
    let out = ipcdemo(&["exec", "--", "ipcdemo-no-such-program", "--flag"])
        .assert()
        .code(1);
    assert_eq!(stdout_text(&out), "", "no son ever started");
    assert_eq!(
        stderr_text(&out),
        "error: cannot run `ipcdemo-no-such-program`: No such file or directory (ENOENT): no \
         program by that name on PATH; check the name, or give its path\n"
    );
    let dir = temp_dir();
    let script = dir.path().join("not-executable");
    std::fs::write(&script, "#!/bin/sh\ncat\n").unwrap();
    let out = ipcdemo(&["exec", "--", path_str(&script)]).assert().code(1);
    assert!(
        stderr_text(&out).starts_with(&format!(
            "error: cannot run `{}`: Permission denied (EACCES): it is not executable",
            script.display()
        )),
        "{}",
        stderr_text(&out)
    );
}

#[test]
fn a_son_that_exits_early_is_epipe_explained_not_a_crash() {
    let out = ipcdemo(&["exec", "--count", "3", "--tick", "0", "--", "true"])
        .assert()
        .code(1);
    let stdout = stdout_text(&out);
    let son = son_in(stdout.lines().next().unwrap());
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains(&format!(
            "error: write(2) failed with EPIPE: son {son} (`true`) no longer reads its stdin \
             (it has exited) "
        )) && stderr.contains("A pipe with no reader refuses every write (pipe(7))"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("son {son} exited with status 0\n")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // With --big: it read a little, then left.
    let out = ipcdemo(&["exec", "--big", "--", "head", "-c", "100"])
        .assert()
        .code(1);
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("error: write(2) failed with EPIPE: son ")
            && stderr.contains("bytes of its input."),
        "{stderr}"
    );
}

/// Starts `args`, waits until it is at the stage `ready` says, and stops it with `signal`.
fn stopped_at(args: &[&str], ready: &str, signal: Signal) -> (i64, Finished) {
    let mut run = Running::start(&format!("{args:?}"), ipcdemo_std(args));
    let son = son_in(&run.next_line());
    match ready {
        // Asleep between two lines, after the first answer.
        "between lines" => {
            run.next_line();
            let answer = run.next_line();
            assert!(answer.contains(" received ["), "{answer}");
        }
        wchan => wait_for_wchan(run.pid(), wchan),
    }
    run.signal(signal);
    (son, run.finish())
}

#[test]
fn every_stop_signal_ends_every_stage_by_that_signal_with_no_son_left() {
    let stages: [(&[&str], &str); 3] = [
        (&["exec", "--tick", "60m"], "between lines"),
        (
            &["exec", "--stall", "60s", "--", "tr", "a-z", "A-Z"],
            "pipe_read",
        ),
        (&["exec", "--big", "--stall", "60s"], "pipe_write"),
    ];
    for (args, stage) in stages {
        for signal in STOP_SIGNALS {
            let (son, done) = stopped_at(args, stage, signal);
            assert_eq!(
                done.signal,
                Some(signal as i32),
                "{args:?} at {stage}: {done:?}"
            );
            assert!(
                done.stderr.contains("summary: ")
                    && done
                        .stderr
                        .contains(&format!("; son {son} was killed by SIGKILL\n")),
                "{args:?} {signal}: {}",
                done.stderr
            );
            assert!(!done.stderr.contains("error"), "{}", done.stderr);
            assert!(!exists(son), "{args:?} {signal}: son {son} left behind");
        }
    }
}

#[test]
fn a_stopped_father_has_reaped_its_son_before_its_summary() {
    let (reader, stderr) = full_pipe();
    let mut cmd = ipcdemo_std(&["exec", "--tick", "60m"]);
    cmd.stderr(Stdio::from(stderr));
    let mut run = Running::start("exec", cmd);
    let son = son_in(&run.next_line());
    run.next_line();
    run.next_line();
    run.signal(Signal::SIGTERM);
    // Stuck saying its summary into the full stderr: by now the son must be collected.
    wait_for_wchan(run.pid(), "poll");
    assert_eq!(children_of(run.pid()), Vec::<i32>::new());
    assert!(!exists(son));
    drop(reader);
    assert_eq!(run.finish().signal, Some(Signal::SIGTERM as i32));
}

#[test]
fn a_grandchild_holding_the_pipe_does_not_keep_the_father_waiting() {
    if !have("tr", "--version") {
        return;
    }
    // sh starts tr and cat and waits: no byte comes back. Killing sh alone would leave cat
    // holding the son's stdout, and the father's read(2) would never return: the son's whole
    // process group goes.
    let out = ipcdemo(&[
        "exec",
        "--stall",
        "300ms",
        "--",
        "sh",
        "-c",
        "tr a-z A-Z | cat",
    ])
    .assert()
    .code(1);
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("error: no byte moved for 300 ms while the father waited for an answer"),
        "{stderr}"
    );
    assert!(stderr.contains("with its process group"), "{stderr}");
    // A grandchild that left the group (setsid) still holds the pipe: the watchdog interrupts
    // the father's read(2) itself.
    let started = Instant::now();
    let out = ipcdemo(&[
        "exec",
        "--count",
        "1",
        "--tick",
        "0",
        "--stall",
        "300ms",
        "--",
        "sh",
        "-c",
        "cat; exec setsid sleep 30 2>/dev/null",
    ])
    .assert()
    .code(1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr_text(&out).contains("error: no byte moved for 300 ms"),
        "{}",
        stderr_text(&out)
    );
}

#[test]
fn bad_values_are_refused_at_parse_time() {
    for (args, wanted) in [
        (
            &["exec", "--stall", "5ms"][..],
            "too short; give at least 10ms",
        ),
        (&["exec", "--stall", "2h"][..], "at most 1h"),
        (&["exec", "--count", "0"][..], "--count"),
        (&["exec", "--fix"][..], "--big"),
        (
            &["exec", "--big", "--count", "3"][..],
            "cannot be used with",
        ),
    ] {
        let out = ipcdemo(args).assert().code(2);
        let stderr = stderr_text(&out);
        assert!(stderr.contains(wanted), "{args:?}: {stderr}");
    }
}

#[test]
fn portuguese_and_spanish_say_it_all() {
    let out = ipcdemo(&["--lang", "pt", "exec", "--count", "2", "--tick", "0"])
        .assert()
        .success();
    let stdout = stdout_text(&out);
    let first = stdout.lines().next().unwrap();
    let son = son_in(&first.replace(" iniciou o filho ", " started son "));
    assert!(
        first.contains(&format!(
            " iniciou o filho {son} (`ipcdemo exec --echo-child`), com stdin e stdout em dois \
             pipes, às "
        )),
        "{first}"
    );
    assert!(
        stdout.contains(&format!("recebeu [Spam 001\\n] do filho {son} às ")),
        "{stdout}"
    );
    assert!(
        stderr_text(&out).contains(&format!(
            "resumo: enviou 2 linhas (18 bytes) ao filho {son} (`ipcdemo exec --echo-child`), \
             recebeu 2 linhas (18 bytes); o filho {son} saiu com status 0"
        )),
        "{}",
        stderr_text(&out)
    );
    if !have("tr", "--version") {
        return;
    }
    let out = ipcdemo(&[
        "--lang", "es", "exec", "--stall", "300ms", "--", "tr", "a-z", "A-Z",
    ])
    .assert()
    .code(1);
    let stdout = stdout_text(&out);
    assert!(
        stdout.contains(" no vio pasar ningún byte en 300 ms, a las "),
        "{stdout}"
    );
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("error: interbloqueo (deadlock): en 300 ms no pasó ningún byte")
            && stderr.contains("\ncorrecciones: ")
            && stderr.contains("fue terminado por SIGKILL"),
        "{stderr}"
    );
}

#[test]
fn head_ends_the_run_quietly_and_takes_the_son_with_it() {
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' exec --tick 0 | head -3",
            bin.display()
        ))
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 3);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let son = son_in(stdout.lines().next().unwrap());
    assert!(!exists(son), "son {son} left behind");
}

#[test]
fn ctrl_c_and_ctrl_backslash_to_the_terminals_group_end_father_and_son_without_a_core() {
    use std::os::unix::process::CommandExt;
    let dir = temp_dir();
    for signal in [Signal::SIGINT, Signal::SIGQUIT] {
        // As a terminal's foreground job: ipcdemo leads its own group, and cores are allowed.
        let mut cmd = ipcdemo_std(&["exec", "--tick", "10ms"]);
        cmd.current_dir(dir.path()).process_group(0);
        // SAFETY: setrlimit(2) only, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                let unlimited = nix::libc::rlimit {
                    rlim_cur: nix::libc::RLIM_INFINITY,
                    rlim_max: nix::libc::RLIM_INFINITY,
                };
                nix::libc::setrlimit(nix::libc::RLIMIT_CORE, &unlimited);
                Ok(())
            });
        }
        let mut run = Running::start("exec in a group", cmd);
        let son = son_in(&run.next_line());
        run.next_line();
        nix::sys::signal::killpg(run.pid(), signal).unwrap();
        let done = run.finish();
        assert_eq!(done.signal, Some(signal as i32), "{signal}: {done:?}");
        assert!(done.stderr.contains("summary: "), "{}", done.stderr);
        assert!(!exists(son), "{signal}: son {son} left behind");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert!(left.is_empty(), "{signal}: a core was dumped: {left:?}");
    }
}
