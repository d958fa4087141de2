//! First-use papercuts: what a newcomer meets in the first ten minutes.

use std::process::Command;

use nix::sys::signal::Signal;

use crate::util::*;

#[test]
fn a_seqpacket_father_prints_the_exact_son_command() {
    let dir = temp_dir();
    let socket = dir.path().join("my socket");
    let father = start_father("socket", &socket, &["--seqpacket"]);
    father.signal(Signal::SIGTERM);
    let done = father.finish();
    assert!(
        done.stderr.contains(&format!(
            "run `ipcdemo socket --son --seqpacket --path '{}'` in another terminal",
            socket.display()
        )),
        "{}",
        done.stderr
    );
}

#[test]
fn named_help_shows_the_real_default_path() {
    let runtime = temp_dir();
    let out = ipcdemo(&["named", "--help"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .assert()
        .success();
    let expected = format!("echo hello > {}/ipcdemo/pipefifo", runtime.path().display());
    assert!(
        stdout_text(&out).contains(&expected),
        "{}",
        stdout_text(&out)
    );
    let out = ipcdemo(&["named", "--help"])
        .env_remove("XDG_RUNTIME_DIR")
        .assert()
        .success();
    let uid = nix::unistd::geteuid();
    assert!(
        stdout_text(&out).contains(&format!("echo hello > /tmp/ipcdemo-{uid}/pipefifo")),
        "{}",
        stdout_text(&out)
    );
}

#[test]
fn each_lesson_has_its_own_man_page() {
    for sub in [
        "anon", "named", "socket", "capacity", "atomic", "signal", "mq", "fds", "exec", "shm",
        "bench",
    ] {
        let out = ipcdemo(&["man", sub]).assert().success();
        let roff = stdout_text(&out);
        assert!(
            roff.contains(&format!(".TH ipcdemo-{sub} 1")),
            "{sub}: {roff}"
        );
        assert!(roff.contains(&format!("ipcdemo {sub}")), "{sub}");
    }
    let bench = stdout_text(&ipcdemo(&["man", "bench"]).assert().success());
    assert!(
        bench.contains("busy\\-poll") && bench.contains("zero\\-copy"),
        "{bench}"
    );
    let top = stdout_text(&ipcdemo(&["man"]).assert().success());
    assert!(
        top.contains("ipcdemo\\-anon(1)"),
        "the pages it refers to exist"
    );
    ipcdemo(&["man", "nonsense"]).assert().code(2);
}

#[test]
fn global_options_have_their_own_heading() {
    let out = ipcdemo(&["anon", "--help"]).assert().success();
    let help = stdout_text(&out);
    let global = help.find("Global options:").expect("a heading");
    let json = help.find("--json").unwrap();
    let count = help.find("--count").unwrap();
    assert!(count < global && global < json, "{help}");
}

#[test]
fn pinning_uses_the_cpus_this_process_may_use() {
    if !have("taskset", "--version") {
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    let run = |pin: &str| {
        Command::new("taskset")
            .args(["-c", "1"])
            .arg(&bin)
            .args(["--json", "bench", "--mechanism", "pipe", "--latency-only"])
            .args(["--rounds", "100", "--pin", pin])
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .output()
            .unwrap()
    };
    let same = run("same");
    assert!(same.status.success(), "{same:?}");
    let row: serde_json::Value = serde_json::from_slice(&same.stdout).unwrap();
    assert_eq!(row["mode"]["cpus"], serde_json::json!([1, 1]), "{row}");
    let split = run("split");
    assert_eq!(split.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&split.stderr);
    assert!(
        stderr.contains("--pin split needs two CPUs and this process may use 1 CPU"),
        "{stderr}"
    );
}

#[test]
fn atomic_shows_progress_on_a_terminal() {
    if !have("script", "--version") {
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    let out = Command::new("timeout")
        .args(["20", "script", "-qec"])
        .arg(format!(
            "'{}' atomic --sweep --records 5 --writers 2",
            bin.display()
        ))
        .arg("/dev/null")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for step in 1..=4 {
        assert!(
            text.contains(&format!("\r\x1b[2Katomic [{step}/4] ")),
            "{text:?}"
        );
    }
    // In a pipe, no progress.
    let piped = ipcdemo(&["atomic", "--sweep", "--records", "5", "--writers", "2"])
        .assert()
        .success();
    assert_eq!(stderr_text(&piped), "");
}
