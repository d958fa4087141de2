//! `ipcdemo signal`: standard signals merge, realtime ones queue, the per-user queue limit, a
//! son in another terminal that must not kill the wrong process, the ping-pong and the alarm.
//! Every process has a deadline; fathers on their own are synchronised on where they sleep
//! (`do_sigtimedwait` in `/proc/<pid>/wchan`), never on sleeps.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::util::*;

fn json_lines(stdout: &[String]) -> Vec<Value> {
    stdout
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// `ipcdemo --json signal ARGS` to its end: status 0, then every JSON line.
fn signal_json(args: &[&str]) -> (Vec<Value>, String) {
    let mut all = vec!["--json", "signal"];
    all.extend_from_slice(args);
    let out = ipcdemo(&all).assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<String> = stdout.lines().map(String::from).collect();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    (json_lines(&lines), stderr)
}

fn of_kind<'a>(lines: &'a [Value], event: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["event"] == event).collect()
}

fn summary(lines: &[Value]) -> &Value {
    let summaries = of_kind(lines, "summary");
    assert_eq!(summaries.len(), 1, "{lines:?}");
    summaries[0]
}

/// The values of the received events, in the order they arrived.
fn values(lines: &[Value]) -> Vec<i64> {
    of_kind(lines, "signal_received")
        .iter()
        .map(|l| l["value"].as_i64().expect("a realtime signal has a value"))
        .collect()
}

fn alive(pid: Pid) -> bool {
    // A zombie is dead too: its state says so.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.split(") ").nth(1).is_some_and(|s| !s.starts_with('Z')))
}

#[test]
fn a_thousand_signals_sent_while_blocked_arrive_as_exactly_one() {
    let (lines, stderr) = signal_json(&["--blocked", "--count", "1000"]);
    let received = of_kind(&lines, "signal_received");
    assert_eq!(received.len(), 1, "{lines:?}");
    assert_eq!(received[0]["signal"], "SIGUSR2");
    assert!(
        received[0].get("value").is_none(),
        "kill(2) carries no value"
    );
    let s = summary(&lines);
    assert_eq!(s["kind"], "signals");
    assert_eq!(s["held"], true);
    assert_eq!(s["sent"], 1000);
    assert_eq!(s["received"], 1);
    assert_eq!(s["merged"], 999);
    // The sender the kernel recorded is the son, not the father.
    assert_ne!(received[0]["sender"], s["pid"]);
    assert!(stderr.contains("stays blocked and pending"), "{stderr}");
}

#[test]
fn signals_taken_as_they_come_still_merge_a_random_number() {
    let (lines, _) = signal_json(&["--count", "1000"]);
    let received = of_kind(&lines, "signal_received").len() as u64;
    let s = summary(&lines);
    assert_eq!(s["held"], false);
    assert_eq!(s["sent"], 1000);
    assert_eq!(s["received"], received);
    assert!((1..=1000).contains(&received), "{received}");
    assert_eq!(s["merged"], 1000 - received);
}

#[test]
fn realtime_signals_all_arrive_in_order_with_their_values() {
    for held in [false, true] {
        let mut args = vec!["--realtime", "--count", "1000"];
        if held {
            args.push("--blocked");
        }
        let (lines, _) = signal_json(&args);
        assert_eq!(values(&lines), (0..1000).collect::<Vec<_>>(), "held {held}");
        assert!(
            of_kind(&lines, "signal_received")
                .iter()
                .all(|l| l["signal"] == "SIGRTMIN+1")
        );
        let s = summary(&lines);
        assert_eq!(
            (s["sent"].as_u64(), s["received"].as_u64()),
            (Some(1000), Some(1000))
        );
        assert_eq!(s["merged"], 0);
        assert_eq!(s["out_of_order"], 0);
        assert_eq!(s["refused"], 0);
    }
    // In words, with the guarantee that makes it so.
    let uid = nix::unistd::getuid();
    let out = ipcdemo(&["signal", "--realtime", "--count", "3"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stdout
            .lines()
            .all(|l| l.contains(" received SIGRTMIN+1 with value ")),
        "{stdout}"
    );
    // The queue is shared by every process of this user: when other tests (or anything else
    // of root's) hold signals pending, the son may find it full and wait, which the summary
    // then adds. Everything else is exact.
    let waited = regex_free_clause(&stderr);
    assert_eq!(
        stderr.replace(&waited, ""),
        format!(
            "father: RLIMIT_SIGPENDING lowered to 1024, so that a son faster than the father cannot \
         fill the queue every process of uid {uid} shares; when it is full, the son waits for \
         room\n\
         summary: the son queued 3 SIGRTMIN+1; the father received 3, every value in order\n\
         why: realtime signals queue: each sigqueue(3) is delivered once, in the order sent, \
         with its value (signal(7), sigqueue(3))\n"
        )
    );
}

/// Runs the queue-limit lesson and checks what holds whoever else has signals pending: the son
/// was refused after some number `q` of at most `limit` (other processes of the same user, such
/// as other tests, may hold part or all of it), and the father got exactly those `q`.
fn queue_limit_run(run: Command, limit: u64, count: u64) -> u64 {
    let running = Running::start("signal --queue-limit", run);
    let done = running.finish();
    assert_eq!(done.code, Some(0), "{done:?}");
    let lines = json_lines(&done.stdout);
    let s = summary(&lines);
    let queued = s["sent"].as_u64().unwrap();
    assert!(queued <= limit, "{s}");
    assert_eq!(s["refused"].as_u64(), Some(count - queued), "{s}");
    assert_eq!(s["queue_full_after"].as_u64(), Some(queued), "{s}");
    assert_eq!(s["queue_limit"].as_u64(), Some(limit));
    assert_eq!(
        s["received"].as_u64(),
        Some(queued),
        "exactly the queued ones"
    );
    assert_eq!(values(&lines), (0..queued as i64).collect::<Vec<_>>());
    // The son said so when it happened: the first refusal, with the value refused.
    let refused = of_kind(&lines, "signal_refused");
    assert_eq!(refused.len(), 1, "{lines:?}");
    assert_eq!(refused[0]["role"], "son");
    assert_eq!(refused[0]["value"].as_u64(), Some(queued));
    assert!(
        done.stderr.contains(&format!(
            "father: RLIMIT_SIGPENDING is now {limit}: at most {limit} signals may be pending"
        )),
        "{}",
        done.stderr
    );
    queued
}

#[test]
fn a_queue_limit_refuses_the_rest_with_eagain_and_the_father_gets_exactly_the_queued() {
    let args = [
        "--json",
        "signal",
        "--realtime",
        "--queue-limit",
        "10",
        "--count",
        "100",
    ];
    // As ourselves, other processes of our user may hold some of the limit.
    queue_limit_run(ipcdemo_std(&args), 10, 100);
    // A user with nothing else pending gets the whole limit.
    if !can_setpriv() {
        skip("the exact count needs root and setpriv to run as a user with nothing pending");
        return;
    }
    assert_eq!(queue_limit_run(ipcdemo_as_nobody(&args), 10, 100), 10);
}

#[test]
fn the_son_shows_each_send_before_its_receipt() {
    let (lines, _) = signal_json(&["--realtime", "--count", "50", "--show-son"]);
    let sent = of_kind(&lines, "signal_sent");
    let received = of_kind(&lines, "signal_received");
    assert_eq!((sent.len(), received.len()), (50, 50));
    for (s, r) in sent.iter().zip(&received) {
        assert_eq!(s["value"], r["value"]);
        assert_eq!(
            s["pid"], r["sender"],
            "the kernel names the son as the sender"
        );
        assert_eq!(s["target"], r["pid"]);
        assert!(s["time"].as_f64() <= r["time"].as_f64(), "{s} {r}");
    }
}

/// A father on its own, waiting in sigtimedwait(2) (and so with its handler installed).
fn father_alone(extra: &[&str]) -> Running {
    let mut args = vec!["--json", "signal", "--father"];
    args.extend_from_slice(extra);
    let father = Running::start("signal father", ipcdemo_std(&args));
    wait_for_wchan(father.pid(), "sigtimedwait");
    father
}

#[test]
fn a_son_in_another_terminal_signals_a_father_on_its_own() {
    let father = father_alone(&["--realtime", "--count", "5"]);
    let pid = father.pid().to_string();
    let out = ipcdemo(&["signal", "--son", &pid, "--realtime", "--count", "5"])
        .assert()
        .success();
    let son_stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        son_stderr.contains(&format!(": 5 SIGRTMIN+1 sent to process {pid}")),
        "{son_stderr}"
    );
    let done = father.finish();
    assert_eq!(done.code, Some(0), "{done:?}");
    let lines = json_lines(&done.stdout);
    assert_eq!(values(&lines), vec![0, 1, 2, 3, 4]);
    let s = summary(&lines);
    assert!(s["sent"].is_null(), "a father on its own cannot know: {s}");
    assert_eq!(s["received"], 5);
}

#[test]
fn a_son_refuses_a_process_that_is_not_a_signal_father_and_it_lives_on() {
    let mut sleeper = Command::new("sleep")
        .arg("30")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = Pid::from_raw(sleeper.id() as i32);
    for realtime in [false, true] {
        let pid_text = pid.to_string();
        let mut args = vec!["signal", "--son", &pid_text];
        if realtime {
            args.push("--realtime");
        }
        let out = ipcdemo(&args).assert().code(1);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert_eq!(
            stderr,
            format!(
                "error: refusing to signal process {pid}: it is not an `ipcdemo signal` father \
                 (its command line is `sleep 30`), and a signal it does not expect could kill \
                 it\n"
            )
        );
    }
    assert!(
        sleeper.try_wait().unwrap().is_none(),
        "sleep must still be running"
    );
    let _ = sleeper.kill();
    let _ = sleeper.wait();
}

#[test]
fn a_son_refuses_a_father_that_its_signal_would_kill() {
    // A standard father does not expect SIGRTMIN+1, whose default action is death.
    let father = father_alone(&[]);
    let pid = father.pid().to_string();
    let out = ipcdemo(&["signal", "--son", &pid, "--realtime"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!(
            "refusing to signal process {pid}: it neither blocks nor catches SIGRTMIN+1"
        )),
        "{stderr}"
    );
    assert!(alive(father.pid()), "the father must survive the refusal");
    // A ping-pong father is not a target either, even for the right signal.
    let ping = Running::start(
        "ping-pong",
        ipcdemo_std(&["signal", "--ping-pong", "--count", "1000000000"]),
    );
    let ping_pid = ping.pid().to_string();
    let out = ipcdemo(&["signal", "--son", &ping_pid, "--realtime"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("is not an `ipcdemo signal` father"),
        "{stderr}"
    );
    father.signal(Signal::SIGTERM);
    assert_eq!(father.finish().signal, Some(Signal::SIGTERM as i32));
}

#[test]
fn a_son_may_not_signal_another_users_father() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let father = father_alone(&[]);
    let pid = father.pid().to_string();
    let out = ipcdemo_as_nobody(&["signal", "--son", &pid])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the kernel does not let you send SIGUSR2 to process {pid} (EPERM)"
        )),
        "{stderr}"
    );
    father.signal(Signal::SIGINT);
    let done = father.finish();
    assert_eq!(done.signal, Some(Signal::SIGINT as i32));
    let lines = json_lines(&done.stdout);
    assert_eq!(summary(&lines)["received"], 0, "nothing reached the father");
}

#[test]
fn the_ping_pong_reports_its_round_trips() {
    let (lines, _) = signal_json(&["--ping-pong", "--count", "200"]);
    let s = summary(&lines);
    assert_eq!(s["kind"], "ping_pong");
    assert_eq!(s["signal"], "SIGRTMIN+1");
    assert_eq!(s["rounds"], 200);
    let median = s["rtt_median_us"].as_f64().unwrap();
    let p99 = s["rtt_p99_us"].as_f64().unwrap();
    assert!(median > 0.0 && p99 >= median, "{s}");
    assert!(s["round_trips_per_second"].as_f64().unwrap() > 0.0);
    let out = ipcdemo(&["signal", "--ping-pong", "--count", "100"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr
            .starts_with("summary: 100 round trips of SIGRTMIN+1 between father and son: median "),
        "{stderr}"
    );
}

#[test]
fn the_alarm_rings_after_the_seconds_asked() {
    let (lines, _) = signal_json(&["--alarm", "1"]);
    assert_eq!(of_kind(&lines, "alarm_set").len(), 1);
    let rang = of_kind(&lines, "alarm_rang");
    assert_eq!(rang.len(), 1, "{lines:?}");
    let waited = rang[0]["waited_s"].as_f64().unwrap();
    // alarm(2) never rings early; the upper bound only catches a pause that missed it.
    assert!((1.0..10.0).contains(&waited), "{waited}");
    let s = summary(&lines);
    assert_eq!(
        (s["kind"].as_str(), s["rang"].as_bool()),
        (Some("alarm"), Some(true))
    );
}

/// Each way a signal run can be stopped, and what must be gone afterwards.
#[test]
fn every_stop_signal_ends_every_kind_of_signal_run_and_its_son() {
    let cases: [(&str, &[&str]); 5] = [
        ("forked realtime", &["--realtime", "--count", "1000000000"]),
        ("forked held", &["--blocked", "--count", "1000000000"]),
        ("ping-pong", &["--ping-pong", "--count", "1000000000"]),
        ("father alone", &["--father"]),
        ("alarm", &["--alarm", "3600"]),
    ];
    for signal in STOP_SIGNALS {
        for (what, extra) in cases {
            let mut args = vec!["--json", "signal"];
            args.extend_from_slice(extra);
            let mut run = Running::start(what, ipcdemo_std(&args));
            let pid = run.pid();
            // Running: a first line (a receipt, the alarm set), or else asleep where it waits.
            let son = match what {
                "forked realtime" => {
                    let line: Value = serde_json::from_str(&run.next_line()).unwrap();
                    Some(Pid::from_raw(line["sender"].as_i64().unwrap() as i32))
                }
                "alarm" => {
                    run.next_line();
                    None
                }
                _ => {
                    wait_for_wchan(pid, "sigtimedwait");
                    children(pid).first().copied()
                }
            };
            run.signal(signal);
            let done = run.finish();
            assert_eq!(
                done.signal,
                Some(signal as i32),
                "{what} {signal}: {done:?}"
            );
            let lines = json_lines(&done.stdout);
            assert!(
                lines.iter().any(|l| l["event"] == "summary"),
                "{what} {signal}: no summary in {:?}",
                done.stdout
            );
            assert!(!done.stderr.contains("error"), "{what}: {}", done.stderr);
            if let Some(son) = son {
                assert!(!alive(son), "{what} {signal}: son {son} left running");
            }
        }
    }
}

/// The children of `pid`, from /proc.
fn children(pid: Pid) -> Vec<Pid> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .map(Pid::from_raw)
        .collect()
}

#[test]
fn ctrl_c_to_the_whole_group_ends_the_father_by_it() {
    use std::os::unix::process::CommandExt;
    for extra in [&["--realtime"][..], &["--blocked"], &["--ping-pong"]] {
        let mut args = vec!["--json", "signal", "--count", "1000000000"];
        args.extend_from_slice(extra);
        let mut cmd = ipcdemo_std(&args);
        cmd.process_group(0);
        let mut run = Running::start("signal in its own group", cmd);
        let pid = run.pid();
        // Running: a realtime father takes signals without pause, so it shows a first line;
        // the others sleep in sigtimedwait(2).
        if extra == ["--realtime"] {
            run.next_line();
        } else {
            wait_for_wchan(pid, "sigtimedwait");
        }
        let son = children(pid)[0];
        // As a terminal's Ctrl-C does: father and son at once.
        nix::sys::signal::killpg(pid, Signal::SIGINT).unwrap();
        let done = run.finish();
        assert_eq!(
            done.signal,
            Some(Signal::SIGINT as i32),
            "{extra:?}: {done:?}"
        );
        assert!(!done.stderr.contains("error"), "{extra:?}: {}", done.stderr);
        assert!(!alive(son), "{extra:?}");
    }
}

#[test]
fn a_stopped_son_does_not_keep_its_father_from_ending() {
    let run = Running::start(
        "signal --blocked",
        ipcdemo_std(&["--json", "signal", "--blocked", "--count", "1000000000"]),
    );
    wait_for_wchan(run.pid(), "sigtimedwait");
    let son = children(run.pid())[0];
    // A stopped process keeps a SIGTERM pending: the father must not wait on it for ever.
    kill(son, Signal::SIGSTOP).unwrap();
    run.signal(Signal::SIGTERM);
    let done = run.finish();
    assert_eq!(done.signal, Some(Signal::SIGTERM as i32), "{done:?}");
    assert!(!alive(son));
}

#[test]
fn a_son_killed_by_someone_else_is_reported() {
    let mut run = Running::start(
        "signal --realtime",
        ipcdemo_std(&["--json", "signal", "--realtime", "--count", "1000000000"]),
    );
    let line: Value = serde_json::from_str(&run.next_line()).unwrap();
    let son = Pid::from_raw(line["sender"].as_i64().unwrap() as i32);
    kill(son, Signal::SIGKILL).unwrap();
    let done = run.finish();
    assert_eq!(done.code, Some(1), "{done:?}");
    assert!(
        done.stderr
            .ends_with("error: the son process was killed by SIGKILL\n"),
        "{}",
        done.stderr
    );
    let lines = json_lines(&done.stdout);
    assert!(summary(&lines)["received"].as_u64().unwrap() >= 1);
}

#[test]
fn a_son_on_its_own_stopped_by_a_signal_says_what_it_sent() {
    let father = father_alone(&[]);
    let pid = father.pid().to_string();
    let mut son = Running::start(
        "signal son",
        ipcdemo_std(&[
            "--json",
            "signal",
            "--son",
            &pid,
            "--count",
            "1000000000",
            "--show-son",
        ]),
    );
    son.next_line();
    son.signal(Signal::SIGTERM);
    let done = son.finish();
    assert_eq!(done.signal, Some(Signal::SIGTERM as i32), "{done:?}");
    let lines = json_lines(&done.stdout);
    let s = summary(&lines);
    assert_eq!(s["role"], "son");
    assert_eq!(s["target"].as_i64(), Some(father.pid().as_raw() as i64));
    assert!(s["sent"].as_u64().unwrap() >= 1, "{s}");
    assert!(s["received"].is_null());
    assert!(alive(father.pid()));
    father.signal(Signal::SIGTERM);
    let father = father.finish();
    assert_eq!(father.signal, Some(Signal::SIGTERM as i32));
}

#[test]
fn a_father_killed_mid_run_takes_its_son_along() {
    let mut run = Running::start(
        "signal father",
        ipcdemo_std(&["--json", "signal", "--realtime", "--count", "1000000000"]),
    );
    let line: Value = serde_json::from_str(&run.next_line()).unwrap();
    let son = Pid::from_raw(line["sender"].as_i64().unwrap() as i32);
    run.signal(Signal::SIGKILL);
    assert_eq!(run.finish().signal, Some(9));
    // PR_SET_PDEATHSIG: the son gets SIGTERM when its father dies; init reaps it.
    let deadline = std::time::Instant::now() + DEADLINE;
    while alive(son) {
        assert!(
            std::time::Instant::now() < deadline,
            "son {son} outlived its father"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn bad_input_is_refused_with_a_clear_message() {
    for (args, needle) in [
        (
            &["signal", "--count", "0"][..],
            "0 is not in 1..=1000000000",
        ),
        (&["signal", "--son", "0"], "0 is not in 1..=4194304"),
        (&["signal", "--son", "-3"], "-3 is not in 1..=4194304"),
        (&["signal", "--son", "init"], "invalid digit"),
        (&["signal", "--queue-limit", "10"], "--realtime"),
        (&["signal", "--blocked", "--father"], "cannot be used with"),
        (&["signal", "--alarm", "0"], "0 is not in 1..=3600"),
        (
            &["signal", "--alarm", "5", "--count", "3"],
            "cannot be used with",
        ),
        (
            &["bench", "--mechanism", "signal", "--throughput-only"],
            "--mechanism signal has no throughput to measure",
        ),
    ] {
        let out = ipcdemo(args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    // A pid nobody has (the largest a kernel allows, unused here).
    let unused = (1..=4_194_304)
        .rev()
        .find(|p| !std::path::Path::new(&format!("/proc/{p}")).exists())
        .unwrap()
        .to_string();
    let out = ipcdemo(&["signal", "--son", &unused]).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(
        stderr,
        format!(
            "error: there is no process {unused}; start `ipcdemo signal --father` in another \
             terminal and pass the pid it prints\n"
        )
    );
}

#[test]
fn a_queue_limit_above_the_hard_limit_is_refused() {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let hard = limits
        .lines()
        .find(|l| l.starts_with("Max pending signals"))
        .and_then(|l| l.split_whitespace().nth(4))
        .and_then(|h| h.parse::<u64>().ok());
    let Some(hard) = hard.filter(|&h| h < 1_000_000) else {
        skip("the hard RLIMIT_SIGPENDING here is above what --queue-limit accepts");
        return;
    };
    let asked = (hard + 1).to_string();
    let out = ipcdemo(&["signal", "--realtime", "--queue-limit", &asked])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!(
            "--queue-limit {asked} is above your hard RLIMIT_SIGPENDING ({hard})"
        )),
        "{stderr}"
    );
}

#[test]
fn portuguese_and_spanish_say_it_all() {
    for (lang, father, summary, why) in [
        (
            "pt",
            "Pai ",
            "resumo: o filho enviou 100 SIGUSR2; o pai recebeu 1: 99 fundidos a um já pendente",
            "por quê: um sinal padrão é um bit",
        ),
        (
            "es",
            "Padre ",
            "resumen: el hijo envió 100 SIGUSR2; el padre recibió 1: 99 fundidas con una ya \
             pendiente",
            "por qué: una señal estándar es un bit",
        ),
    ] {
        let out = ipcdemo(&["--lang", lang, "signal", "--blocked", "--count", "100"])
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stdout.starts_with(father), "{lang}: {stdout}");
        assert!(stdout.contains(" SIGUSR2 "), "{lang}: {stdout}");
        assert!(stderr.contains(summary), "{lang}: {stderr}");
        assert!(stderr.contains(why), "{lang}: {stderr}");
    }
}

#[test]
fn the_bench_has_a_signal_latency_row_and_no_throughput_row() {
    let out = ipcdemo(&[
        "--json",
        "bench",
        "--mechanism",
        "signal",
        "--rounds",
        "300",
    ])
    .assert()
    .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let rows: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 1, "latency only: {rows:?}");
    let row = &rows[0];
    assert_eq!(row["mechanism"], "signal");
    assert_eq!(row["measure"], "latency");
    assert_eq!(row["rounds"], 300);
    assert_eq!(row["bytes"], 0, "a signal carries no bytes");
    assert!(row["bytes_per_second"].is_null());
    let median = row["rtt_p50_us"].as_f64().unwrap();
    assert!(median > 0.0 && row["rtt_p99_us"].as_f64().unwrap() >= median);
    assert_eq!(row["notes"], serde_json::json!(["signal_latency_only"]));
    // Busy-polling and pinning apply to signals too.
    let out = ipcdemo(&[
        "bench",
        "--mechanism",
        "signal",
        "--rounds",
        "200",
        "--busy-poll",
        "--pin",
        "same",
    ])
    .assert()
    .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let row = stdout.lines().nth(1).unwrap();
    assert!(
        row.starts_with("signal ") && row.contains("sigqueue/sigtimedwait, busy-poll, same CPU"),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        "note (signal): a signal carries one number (the round) and no bytes: no throughput \
         row, and --msg-size does not apply\n"
    );
}

#[test]
fn the_bench_stopped_in_the_signal_row_dies_by_the_signal() {
    let mut cmd = ipcdemo_std(&["bench", "--mechanism", "signal", "--rounds", "10000000"]);
    cmd.stdout(Stdio::null());
    let child = cmd.spawn().unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    // The child exists once the ping-pong has started.
    let deadline = std::time::Instant::now() + DEADLINE;
    while children(pid).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the bench never forked"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let helper = children(pid)[0];
    kill(pid, Signal::SIGINT).unwrap();
    let (status, stderr) = finish_child_status("bench signal", child);
    assert_eq!(status.signal(), Some(Signal::SIGINT as i32), "{stderr}");
    assert_eq!(stderr, "", "a stop is not an error");
    assert!(!alive(helper), "the ping-pong child is gone");
}

#[test]
fn a_parent_that_ignores_sigchld_does_not_break_the_reaping() {
    use std::os::unix::process::CommandExt;
    // SIG_IGN for SIGCHLD survives execve(2) and would make the kernel reap every son itself.
    for args in [
        &["signal", "--blocked", "--count", "10"][..],
        &["signal", "--ping-pong", "--count", "10"],
        &["anon", "--fork", "--count", "2", "--tick", "0"],
        &[
            "bench",
            "--mechanism",
            "pipe,signal",
            "--latency-only",
            "--rounds",
            "10",
        ],
    ] {
        let mut cmd = ipcdemo_std(args);
        // SAFETY: only signal(2) between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                nix::libc::signal(nix::libc::SIGCHLD, nix::libc::SIG_IGN);
                Ok(())
            });
        }
        let done = Running::start("with SIGCHLD ignored", cmd).finish();
        assert_eq!(done.code, Some(0), "{args:?}: {}", done.stderr);
    }
}

/// The optional "; the queue was full N times and the son waited for room" of a summary.
fn regex_free_clause(text: &str) -> String {
    let Some(start) = text.find("; the queue was full ") else {
        return String::new();
    };
    let end = text[start..]
        .find("waited for room")
        .map_or(start, |at| start + at + "waited for room".len());
    text[start..end].to_string()
}
