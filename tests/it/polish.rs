//! What a polished CLI owes its users: JSON events, Portuguese, clocks, colour, completions,
//! the man page, the map of lessons.

use std::process::Command;

use serde_json::Value;

use crate::util::*;

#[test]
fn anon_json_events_carry_pid_time_data_and_length() {
    let out = ipcdemo(&[
        "--json",
        "anon",
        "--count",
        "20",
        "--tick",
        "0",
        "--show-son",
    ])
    .assert()
    .success();
    let events = json_lines(stdout_text(&out).lines());
    let received: Vec<&Value> = events.iter().filter(|e| e["event"] == "received").collect();
    let sent: Vec<&Value> = events.iter().filter(|e| e["event"] == "sent").collect();
    assert_eq!(sent.len(), 20);
    let mut joined = String::new();
    for e in &received {
        assert_eq!(e["role"], "father");
        assert!(e["pid"].as_i64().unwrap() > 0 && e["time"].as_f64().unwrap() > 1.6e9);
        let data = e["data"].as_str().unwrap();
        assert_eq!(e["bytes"].as_u64().unwrap() as usize, data.len());
        joined.push_str(data);
    }
    assert_eq!(joined.as_bytes(), spam(20, false));
    assert_eq!(events.iter().filter(|e| e["event"] == "eof").count(), 1);
    let summary = events.last().unwrap();
    assert_eq!(
        (summary["event"].as_str(), summary["messages"].as_u64()),
        (Some("summary"), Some(20))
    );
    assert_eq!(summary["bytes"], 160);
    // In --json the summary is an event on stdout, not a sentence on stderr.
    let stderr = stderr_text(&out);
    assert!(!stderr.contains("summary:"), "{stderr}");
}

#[test]
fn named_and_socket_json_events_parse() {
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let father = Running::start(
        "named --json",
        ipcdemo_std(&["--json", "named", "--count", "2", "--path", path_str(&fifo)]),
    );
    wait_for_path(&fifo);
    let son = ipcdemo_std(&[
        "--json",
        "named",
        "--son",
        "--count",
        "2",
        "--tick",
        "0",
        "--path",
        path_str(&fifo),
    ]);
    let son = Running::start("named son --json", son).finish();
    let done = father.finish();
    let father_events: Vec<Value> = json_lines(&done.stdout);
    assert_eq!(father_events[0]["event"], "received");
    assert_eq!(father_events[0]["data"], "Spam 000");
    assert_eq!(father_events[0]["bytes"], 8);
    assert_eq!(father_events.last().unwrap()["event"], "summary");
    let son_events: Vec<Value> = json_lines(&son.stdout);
    assert_eq!(son_events[1]["data"], "Spam 001\\n");
    assert_eq!(son_events[1]["bytes"], 9);

    let socket = dir.path().join("socket");
    let father = Running::start(
        "socket --json",
        ipcdemo_std(&[
            "--json",
            "socket",
            "--count",
            "1",
            "--ack",
            "--path",
            path_str(&socket),
        ]),
    );
    wait_for_path(&socket);
    let son = ipcdemo_std(&[
        "--json",
        "socket",
        "--son",
        "--ack",
        "--count",
        "1",
        "--tick",
        "0",
        "--path",
        path_str(&socket),
    ]);
    let son = Running::start("socket son --json", son);
    let son_pid = son.child.id() as i64;
    let son = son.finish();
    let done = father.finish();
    let events: Vec<Value> = json_lines(&done.stdout);
    assert_eq!(events[0]["event"], "accepted");
    assert_eq!(events[0]["son"], son_pid);
    assert_eq!(events[1]["event"], "received");
    assert_eq!(events[1]["son"], son_pid);
    let answered = &json_lines(&son.stdout)[1];
    assert_eq!(answered["event"], "answered");
    assert_eq!(answered["data"], "ack Spam 000\\n");
    assert!(answered["rtt_us"].as_f64().unwrap() > 0.0);
}

#[test]
fn portuguese_uses_the_notebooks_words() {
    for (flag, env) in [(Some("--lang=pt"), None), (None, Some("pt_BR.UTF-8"))] {
        let mut args: Vec<&str> = flag.into_iter().collect();
        args.extend(["anon", "--count", "3", "--tick", "0", "--show-son"]);
        let mut cmd = ipcdemo(&args);
        if let Some(lang) = env {
            cmd.env("LANG", lang);
        }
        let out = cmd.assert().success();
        let stdout = stdout_text(&out);
        let first = stdout
            .lines()
            .find(|l| l.starts_with("Pai "))
            .expect("a Pai line");
        let pid = std::str::from_utf8(&out.get_output().stdout)
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .to_string();
        assert!(
            first.starts_with(&format!("Pai {pid} recebeu [Spam 000")),
            "{first}"
        );
        assert!(first.contains("] às "), "{first}");
        assert!(stdout.contains(" enviou [Spam 000] às "), "{stdout}");
        let stderr = stderr_text(&out);
        assert!(stderr.contains("resumo: 3 mensagens, 24 bytes"), "{stderr}");
    }
}

#[test]
fn lc_all_outranks_lang_and_english_is_the_default() {
    let out = ipcdemo(&["anon", "--count", "1", "--tick", "0"])
        .env("LANG", "pt_BR.UTF-8")
        .env("LC_ALL", "C")
        .assert()
        .success();
    assert!(stdout_text(&out).starts_with("Father "));
}

#[test]
fn errors_are_translated_too() {
    let dir = temp_dir();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let out = ipcdemo(&["--lang", "pt", "named", "--path", path_str(&file)])
        .assert()
        .code(1);
    let stderr = stderr_text(&out);
    assert_eq!(
        stderr,
        format!(
            "erro: recusado usar {}: é um arquivo comum, não um FIFO; nada foi mexido; remova-o \
             você mesmo ou passe outro --path\n",
            file.display()
        )
    );
}

#[test]
fn the_relative_clock_starts_near_zero() {
    let out = ipcdemo(&[
        "--clock", "relative", "anon", "--count", "2", "--tick", "20ms",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let times: Vec<f64> = stdout.lines().map(time_of).collect();
    assert!(times[0] >= 0.0 && times[0] < 1.0, "{stdout}");
    assert!(times[1] - times[0] >= 0.015, "{stdout}");
    assert!(stdout.lines().all(|l| {
        l.rsplit(' ')
            .next()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap()
            .len()
            == 6
    }));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = ipcdemo(&["anon", "--count", "2", "--tick", "0"])
        .env("NO_COLOR", "1")
        .assert()
        .success();
    assert!(
        !plain.get_output().stdout.contains(&0x1b),
        "NO_COLOR output has no escapes"
    );
    let piped = ipcdemo(&["anon", "--count", "2", "--tick", "0"])
        .assert()
        .success();
    assert!(
        !piped.get_output().stdout.contains(&0x1b),
        "a pipe is not a terminal"
    );
    let forced = ipcdemo(&[
        "--color",
        "always",
        "anon",
        "--count",
        "2",
        "--tick",
        "0",
        "--show-son",
    ])
    .assert()
    .success();
    let text = stdout_text(&forced);
    assert!(
        text.contains("\x1b[36mFather ") && text.contains("\x1b[33mSon "),
        "{text:?}"
    );
    let json = ipcdemo(&[
        "--color", "always", "--json", "anon", "--count", "2", "--tick", "0",
    ])
    .assert()
    .success();
    assert!(!json.get_output().stdout.contains(&0x1b), "never in JSON");
}

#[test]
fn completions_generate_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_ipcdemo()"),
        ("zsh", "#compdef ipcdemo"),
        ("fish", "complete -c ipcdemo"),
        ("elvish", "edit:completion:arg-completer[ipcdemo]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = ipcdemo(&["completions", shell]).assert().success();
        let text = stdout_text(&out);
        assert!(text.contains(marker), "{shell}");
        assert!(
            text.contains("seqpacket"),
            "{shell} completes subcommand flags"
        );
    }
    ipcdemo(&["completions", "tcsh"]).assert().code(2);
}

#[test]
fn the_man_page_renders() {
    let out = ipcdemo(&["man"]).assert().success();
    let roff = stdout_text(&out);
    assert!(roff.contains(".TH ipcdemo 1"), "{roff}");
    assert!(roff.contains("anon") && roff.contains("socket"));
    let man_here = Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !man_here {
        skip("the man -l check: man is not installed");
        return;
    }
    let dir = temp_dir();
    let page = dir.path().join("ipcdemo.1");
    std::fs::write(&page, &roff).unwrap();
    let rendered = Command::new("timeout")
        .args(["20", "man", "-l", path_str(&page)])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        rendered.status.success() && text.contains("SYNOPSIS"),
        "{text}"
    );
}

#[test]
fn ipcdemo_alone_prints_the_map_of_lessons() {
    let out = ipcdemo(&[]).assert().success();
    let text = stdout_text(&out);
    let order = [
        "ipcdemo anon ",
        "ipcdemo anon --fork",
        "ipcdemo named",
        "ipcdemo socket ",
        "ipcdemo capacity",
        "ipcdemo atomic",
        "ipcdemo signal",
        "ipcdemo mq",
        "ipcdemo fds",
        "ipcdemo exec",
        "ipcdemo shm race",
        "ipcdemo shm ",
        "ipcdemo bench",
    ];
    let mut at = 0;
    for lesson in order {
        let found = text[at..]
            .find(lesson)
            .unwrap_or_else(|| panic!("{lesson} missing or out of order"));
        at += found;
    }
}

#[test]
fn every_subcommand_help_ends_with_examples() {
    for sub in [
        "anon",
        "named",
        "socket",
        "capacity",
        "atomic",
        "signal",
        "mq",
        "fds",
        "exec",
        "shm",
        "shm race",
        "bench",
        "completions",
        "man",
    ] {
        let mut args: Vec<&str> = sub.split(' ').collect();
        args.push("--help");
        let out = ipcdemo(&args).assert().success();
        let text = stdout_text(&out);
        let examples = text
            .rfind("Examples:")
            .unwrap_or_else(|| panic!("{sub}: no examples"));
        let lines = text[examples..]
            .lines()
            .filter(|l| l.trim_start().starts_with("ipcdemo "))
            .count();
        assert!((2..=3).contains(&lines), "{sub}: {lines} examples");
    }
    let top = ipcdemo(&["--help"]).assert().success();
    let text = stdout_text(&top);
    assert!(
        text.contains("130  SIGINT (Ctrl-C)") && text.contains("dies by that signal"),
        "exit statuses documented"
    );
}

/// Runs `ipcdemo ARGS` on a pseudo-terminal with script(1); returns everything it printed.
fn on_a_terminal(args: &str, no_color: bool) -> Option<String> {
    if !have("script", "--version") {
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    let mut cmd = Command::new("timeout");
    cmd.args(["20", "script", "-qec"])
        .arg(format!("'{}' {args}", bin.display()))
        .arg("/dev/null")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).to_string())
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let Some(text) = on_a_terminal("anon --count 2 --tick 0 --show-son", false) else {
        return;
    };
    assert!(
        text.contains("\x1b[36mFather ") && text.contains("\x1b[33mSon "),
        "{text:?}"
    );
    let Some(plain) = on_a_terminal("anon --count 2 --tick 0 --show-son", true) else {
        return;
    };
    assert!(
        !plain.contains('\x1b') && plain.contains("Father "),
        "{plain:?}"
    );
}

#[test]
fn bench_shows_progress_only_on_a_terminal() {
    let Some(text) = on_a_terminal("bench --quick --mechanism pipe --throughput-only", false)
    else {
        return;
    };
    assert!(
        text.contains("\r\x1b[2Kbench [1/1] pipe throughput…"),
        "{text:?}"
    );
    assert!(
        text.contains("reading: the fastest stream was pipe"),
        "{text:?}"
    );
}

#[test]
fn system_call_failures_say_what_we_were_doing_in_the_chosen_language() {
    let dir = temp_dir();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    // A folder cannot be made inside a regular file (ENOTDIR), even by root.
    let fifo = file.join("sub").join("pipefifo");
    for (lang, expected) in [
        ("en", "error: creating the folder "),
        ("pt", "erro: criando a pasta "),
    ] {
        let out = ipcdemo(&["--lang", lang, "named", "--path", path_str(&fifo)])
            .assert()
            .code(1);
        let stderr = stderr_text(&out);
        let wanted = format!("{expected}{}: Not a directory", file.join("sub").display());
        assert!(stderr.starts_with(&wanted), "{lang}: {stderr}");
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

/// The lesson map as `ipcdemo` alone prints it.
fn lesson_map() -> String {
    let out = ipcdemo(&[]).assert().success();
    stdout_text(&out)
}

#[test]
fn the_lesson_map_is_the_same_in_its_three_places() {
    let map = lesson_map();
    assert!(map.lines().count() >= 10, "{map}");
    let help = ipcdemo(&["--help"]).assert().success();
    let help = stdout_text(&help);
    assert!(help.contains(&map), "--help lacks the map:\n{help}");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&map),
        "README.md lacks the map as printed:\n{map}"
    );
    // And each subcommand's one-line help carries the numbers the map gives it.
    for (sub, label) in [
        ("anon", "Lessons 1–2: "),
        ("named", "Lesson 3: "),
        ("signal", "Lesson 8: "),
        ("mq", "Lesson 9: "),
        ("fds", "Lesson 10: "),
        ("exec", "Lesson 11: "),
        ("shm", "Lessons 12–13: "),
        ("bench", "Lesson 14: "),
    ] {
        assert!(map.contains(&format!(". ipcdemo {sub}")), "{sub}");
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(sub) && l.contains(label)),
            "{sub}: {help}"
        );
    }
}

#[test]
fn spanish_speaks_through_flag_and_locale() {
    for (flag, env) in [(Some("--lang=es"), None), (None, Some("es_ES.UTF-8"))] {
        let mut args: Vec<&str> = flag.into_iter().collect();
        args.extend(["anon", "--count", "3", "--tick", "0", "--show-son"]);
        let mut cmd = ipcdemo(&args);
        if let Some(lang) = env {
            cmd.env("LANG", lang);
        }
        let out = cmd.assert().success();
        let stdout = stdout_text(&out);
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("Padre ") && l.contains(" recibió [Spam 000")),
            "{stdout}"
        );
        assert!(stdout.contains(" envió [Spam 000] a las "), "{stdout}");
        let stderr = stderr_text(&out);
        assert!(stderr.contains("resumen: 3 mensajes, 24 bytes"), "{stderr}");
    }
    let map = ipcdemo(&["--lang", "es"]).assert().success();
    let map = stdout_text(&map);
    assert!(
        map.contains("ipcdemo named") && !map.contains("The lessons"),
        "{map}"
    );
}

/// The char column where the last column of a table starts in its header.
fn last_column_at(header: &str, last: &str) -> usize {
    header.chars().count() - last.chars().count()
}

#[test]
fn atomic_tables_line_up_in_every_language() {
    for (lang, verdict) in [("en", "verdict"), ("pt", "veredito"), ("es", "veredicto")] {
        let out = ipcdemo(&[
            "--lang",
            lang,
            "atomic",
            "--sweep",
            "--records",
            "20",
            "--writers",
            "2",
        ])
        .assert()
        .success();
        let stdout = stdout_text(&out);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 5, "{lang}: {stdout}");
        assert!(lines[0].ends_with(verdict), "{lang}: {}", lines[0]);
        let at = last_column_at(lines[0], verdict);
        for line in &lines[1..] {
            let chars: Vec<char> = line.chars().collect();
            // Two spaces, then the verdict; the right-aligned "bytes lost" ends just before.
            assert!(
                chars[at - 2] == ' '
                    && chars[at - 1] == ' '
                    && chars[at] != ' '
                    && chars[at - 3] == '0',
                "{lang}: misaligned:\n{stdout}"
            );
        }
    }
}

#[test]
fn figures_in_portuguese_tables_use_the_decimal_comma() {
    let out = ipcdemo(&[
        "--lang",
        "pt",
        "bench",
        "--mechanism",
        "pipe",
        "--total",
        "1M",
        "--rounds",
        "200",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    // mechanism, measure, size (a number and its unit), count, then GiB/s.
    let gib = lines[1].split_whitespace().nth(5).unwrap();
    assert!(gib.contains(',') && !gib.contains('.'), "{stdout}");
    // ... GiB/s, messages/s, then the median.
    let median = lines[2].split_whitespace().nth(7).unwrap();
    assert!(median.contains(','), "{stdout}");
    assert!(lines[3].starts_with("leitura: "), "{stdout}");
}

#[test]
fn a_refusal_seen_by_another_user_in_portuguese_has_no_english() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let dir = temp_dir();
    // nobody must reach the folder; the FIFO in it is root's.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let fifo = dir.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    for args in [
        vec!["--lang", "pt", "named", "--path", path_str(&fifo)],
        vec!["--lang", "pt", "named", "--son", "--path", path_str(&fifo)],
    ] {
        let out = ipcdemo_as_nobody(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(stderr.starts_with("erro: recusado usar "), "{stderr}");
        assert!(stderr.contains("pertence ao uid 0"), "{stderr}");
        for english in [
            " the ",
            " to ",
            " you",
            " not ",
            " belongs",
            " pass ",
            " another ",
        ] {
            assert!(!stderr.contains(english), "{english:?} in {stderr}");
        }
    }
}

#[test]
fn clicolor_force_colours_even_a_pipe() {
    let out = ipcdemo(&["anon", "--count", "1", "--tick", "0"])
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .success();
    assert!(
        out.get_output().stdout.starts_with(b"\x1b[36mFather "),
        "{:?}",
        out.get_output().stdout
    );
}

#[test]
fn prose_on_a_terminal_wraps_at_its_width() {
    if !have("script", "--version") {
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    let out = Command::new("timeout")
        .args(["20", "script", "-qec"])
        .arg(format!(
            "'{}' anon --count 6 --tick 0 --read-size 5",
            bin.display()
        ))
        .arg("/dev/null")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env("COLUMNS", "60")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let why: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("why: "))
        .take_while(|l| l.starts_with("why: ") || l.starts_with("     "))
        .collect();
    assert!(why.len() >= 3, "{text}");
    assert!(why.iter().all(|l| l.chars().count() <= 60), "{text}");
    // No word is cut: joined back, the sentence is whole.
    assert!(
        why.join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("returns whatever has arrived"),
        "{text}"
    );
    // In a pipe, the same sentence is one line.
    let piped = ipcdemo(&["anon", "--count", "6", "--tick", "0", "--read-size", "5"])
        .env("COLUMNS", "60")
        .assert()
        .success();
    let stderr = stderr_text(&piped);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("why: ") && l.chars().count() > 60),
        "{stderr}"
    );
}
