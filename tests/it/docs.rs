//! The tour cannot rot: every command block of docs/tour.md (and of the README and
//! docs/json.md) marked `<!-- runnable -->` is run through the real binary, and what it prints
//! (stdout and stderr on one pipe, as on a terminal) must be the text below the command, with
//! PIDs, timestamps and round-trip times elided on both sides. A block that cannot be run here
//! says why: `<!-- skip: REASON -->`; a command block with neither marker fails the test.
//!
//! The marker comes on the line before the block's opening fence. `<!-- runnable: status N -->`
//! expects exit status N instead of 0. In the expected text a line `...` stands for any number
//! of lines. A command ending in `2>/dev/null` is compared on its stdout alone.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

use crate::util::*;

/// The pages whose command blocks are checked; the tour is the one with most of them.
const PAGES: [&str; 3] = ["docs/tour.md", "README.md", "docs/json.md"];

fn read_page(page: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(page);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{page}: {e}"))
}

/// What the line before a command block says about it.
#[derive(Debug, PartialEq)]
enum Marker {
    Runnable { status: i32 },
    Skip,
}

/// One `$ ipcdemo …` line and the lines printed under it.
#[derive(Debug)]
struct Example {
    /// The page and line (1-based) where the command stands, for messages.
    place: String,
    command: String,
    expected: Vec<String>,
}

#[derive(Debug)]
struct Block {
    marker: Marker,
    examples: Vec<Example>,
}

/// Every fenced block whose first line is a `$ ` command, with its marker; panics on a command
/// block without a marker, or with one this test does not know.
fn command_blocks(page: &str, markdown: &str) -> Vec<Block> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with("```") {
            i += 1;
            continue;
        }
        let opened = i;
        let end = (opened + 1..lines.len())
            .find(|&j| lines[j] == "```")
            .unwrap_or_else(|| panic!("{page}:{}: a block that never closes", opened + 1));
        let body = &lines[opened + 1..end];
        i = end + 1;
        if !body.first().is_some_and(|l| l.starts_with("$ ")) {
            continue;
        }
        let before = lines[..opened]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .copied()
            .unwrap_or("");
        let marker = marker(before).unwrap_or_else(|| {
            panic!(
                "{page}:{}: a command block needs `<!-- runnable -->` or `<!-- skip: reason -->` \
                 on the line before it, not {before:?}",
                opened + 1
            )
        });
        blocks.push(Block {
            marker,
            examples: examples(body, page, opened + 2),
        });
    }
    blocks
}

fn marker(line: &str) -> Option<Marker> {
    let inner = line
        .trim()
        .strip_prefix("<!--")?
        .strip_suffix("-->")?
        .trim();
    if inner == "runnable" {
        return Some(Marker::Runnable { status: 0 });
    }
    if let Some(status) = inner.strip_prefix("runnable: status ") {
        return status
            .parse()
            .ok()
            .map(|status| Marker::Runnable { status });
    }
    let reason = inner.strip_prefix("skip:")?.trim();
    (!reason.is_empty()).then_some(Marker::Skip)
}

/// Splits a block's lines into commands and their output; `first` is the file line of `body[0]`.
fn examples(body: &[&str], page: &str, first: usize) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    for (n, line) in body.iter().enumerate() {
        if let Some(command) = line.strip_prefix("$ ") {
            examples.push(Example {
                place: format!("{page}:{}", first + n),
                command: command.to_string(),
                expected: Vec::new(),
            });
        } else if let Some(example) = examples.last_mut() {
            example.expected.push(line.to_string());
        }
    }
    for example in &mut examples {
        // A blank line separates two commands; it is not part of the output.
        while example.expected.last().is_some_and(|l| l.is_empty()) {
            example.expected.pop();
        }
    }
    examples
}

/// Words after which a number is a PID, in every language ipcdemo speaks.
const PID_AFTER: [&str; 13] = [
    "Father ",
    "Son ",
    "son ",
    "Pai ",
    "Filho ",
    "filho ",
    "Padre ",
    "Hijo ",
    "hijo ",
    "process ",
    "processo ",
    "proceso ",
    "pid ",
];

/// JSON fields whose values change from run to run.
const VARYING_FIELDS: [&str; 14] = [
    "\"pid\":",
    "\"son\":",
    "\"uid\":",
    "\"time\":",
    "\"rtt_us\":",
    "\"call_at\":",
    "\"waited_us\":",
    "\"in_pipe\":",
    "\"waited_s\":",
    "\"reading_s\":",
    "\"inode\":",
    "\"holder\":",
    "\"sender_pid\":",
    "\"sender_uid\":",
];

/// The line with what changes from run to run replaced by a placeholder: PIDs and uids, times
/// (six decimals, or any JSON `time`), round trips (`… µs`). Everything else stays, so a
/// changed word, count or byte still shows.
fn elide(line: &str) -> String {
    // How long the father waited varies from run to run: keep the words, not the figures.
    for waiting in [
        "% of the time waiting",
        "% do tempo esperando",
        "% del tiempo esperando",
    ] {
        if let Some(at) = line.find(waiting) {
            let head = line[..at].trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ');
            let tail = &line[at..];
            let tail = tail.split_once(" (").map_or(tail, |(words, _)| words);
            return format!("{head} <n> {tail} (<durations>)");
        }
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let at_word_start = !out.ends_with(|p: char| p.is_alphanumeric());
        if let Some(key) = VARYING_FIELDS.iter().find(|k| rest.starts_with(**k)) {
            let value = number_len(&rest[key.len()..]);
            out.push_str(key);
            out.push_str(if value > 0 { "<n>" } else { "" });
            rest = &rest[key.len() + value..];
            continue;
        }
        // A pipe's inode, as /proc names it: pipe:[48211].
        if let Some(inode) = rest.strip_prefix("pipe:[") {
            let digits = number_len(inode);
            if digits > 0 {
                out.push_str("pipe:[<n>");
                rest = &inode[digits..];
                continue;
            }
        }
        if at_word_start {
            let before_pid = PID_AFTER.iter().chain(&["uid "]).find(|w| {
                rest.starts_with(**w) && rest[w.len()..].starts_with(|d: char| d.is_ascii_digit())
            });
            if let Some(word) = before_pid {
                let digits = number_len(&rest[word.len()..]);
                out.push_str(word);
                out.push_str("<pid>");
                rest = &rest[word.len() + digits..];
                continue;
            }
        }
        if c.is_ascii_digit() && at_word_start {
            let len = number_len(rest);
            let number = &rest[..len];
            let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
            if decimals == 6 {
                out.push_str("<time>");
                rest = &rest[len..];
                continue;
            }
            if decimals > 0 && rest[len..].starts_with(" µs") {
                out.push_str("<µs>");
                rest = &rest[len..];
                continue;
            }
            out.push_str(number);
            rest = &rest[len..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The length of the number `text` starts with (digits, and a point followed by digits).
fn number_len(text: &str) -> usize {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let whole = digits(text);
    let mut len = whole;
    if whole > 0 && text[whole..].starts_with('.') {
        let fraction = digits(&text[whole + 1..]);
        if fraction > 0 {
            len = whole + 1 + fraction;
        }
    }
    // JSON writes a tiny number with an exponent: 5e-6.
    if len > 0 && text[len..].starts_with(['e', 'E']) {
        let sign = usize::from(text[len + 1..].starts_with(['-', '+']));
        let exponent = digits(&text[len + 1 + sign..]);
        if exponent > 0 {
            len += 1 + sign + exponent;
        }
    }
    len
}

/// True when `actual` matches `expected`, where an expected line `...` matches any number of
/// lines.
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, others)| line == first && matches(rest, others)),
    }
}

/// Runs `ipcdemo ARGS` in `dir` with stdout and stderr on one pipe, as on a terminal, so the
/// lines come in the order they were written; returns the exit status and what it printed.
fn run_in_one_pipe(args: &[&str], dir: &Path, stdout_only: bool) -> (Option<i32>, String) {
    // Close-on-exec: tests run in parallel threads, and a child that another test spawns now
    // would otherwise inherit this write end and hold back our end of file while it lives
    // (`ipcdemo fds` shows the same leak).
    let (read_end, write_end) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).expect("a pipe");
    let mut cmd = ipcdemo_std(args);
    cmd.current_dir(dir)
        .env_remove("CLICOLOR_FORCE")
        .env_remove("XDG_RUNTIME_DIR")
        .stdout(Stdio::from(write_end.try_clone().expect("dup(2)")));
    if stdout_only {
        cmd.stderr(Stdio::null());
        drop(write_end);
    } else {
        cmd.stderr(Stdio::from(write_end));
    }
    let mut child = cmd.spawn().expect("ipcdemo starts");
    // The command holds our copies of the write end: while they are open, the read below would
    // never see end of file.
    drop(cmd);
    let reader = std::thread::spawn(move || {
        let mut printed = Vec::new();
        let _ = std::fs::File::from(read_end).read_to_end(&mut printed);
        printed
    });
    let status = wait_for_exit(&args.join(" "), &mut child);
    let printed = reader.join().expect("the reader thread ends");
    (
        status.code(),
        String::from_utf8(printed).expect("UTF-8 output"),
    )
}

/// Runs one example in `dir`; returns the failure to report, if any.
fn check(example: &Example, status: i32, dir: &Path) -> Option<String> {
    let mut words: Vec<&str> = example.command.split_whitespace().collect();
    assert!(
        !example
            .command
            .contains(['"', '\'', '|', ';', '<', '>', '*', '$', '`'])
            || example.command.ends_with(" 2>/dev/null"),
        "{}: a runnable command is `ipcdemo` and plain words (and at most a final \
         2>/dev/null); run anything else in a skipped block",
        example.place
    );
    let stdout_only = words.last() == Some(&"2>/dev/null");
    if stdout_only {
        words.pop();
    }
    assert_eq!(
        words.first(),
        Some(&"ipcdemo"),
        "{}: runnable commands run ipcdemo",
        example.place
    );
    let (code, printed) = run_in_one_pipe(&words[1..], dir, stdout_only);
    let actual: Vec<String> = printed.lines().map(elide).collect();
    let expected: Vec<String> = example.expected.iter().map(|l| elide(l)).collect();
    if code == Some(status) && matches(&expected, &actual) {
        return None;
    }
    Some(format!(
        "{}: $ {}\n  exit status {code:?} (the block says {status})\n  --- the block says \
         (elided) ---\n{}\n  --- it printed (elided) ---\n{}\n",
        example.place,
        example.command,
        expected.join("\n"),
        actual.join("\n"),
    ))
}

#[test]
fn every_runnable_block_of_the_docs_prints_what_the_docs_say() {
    let mut failures = Vec::new();
    for page in PAGES {
        let blocks = command_blocks(page, &read_page(page));
        let mut run = 0;
        for block in &blocks {
            let Marker::Runnable { status } = block.marker else {
                continue;
            };
            for example in &block.examples {
                // A fresh folder each: relative paths in the tour (./pipefifo) land there.
                let dir = temp_dir();
                failures.extend(check(example, status, dir.path()));
                run += 1;
            }
        }
        // The tour is meant to stay tested: most of its lessons have a runnable block.
        if page == "docs/tour.md" {
            assert!(run >= 10, "only {run} runnable commands in {page}");
            assert!(
                blocks.iter().any(|b| b.marker == Marker::Skip),
                "{page}: the skip marker is recognised"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_elider_hides_what_varies_and_keeps_every_word_and_count() {
    assert_eq!(
        elide("Father 25048 received [Spam 004Spam 000] at 1795650968.260017"),
        "Father <pid> received [Spam 004Spam 000] at <time>"
    );
    assert_eq!(
        elide("Father 3 accepted son 31226 (uid 1000)"),
        "Father <pid> accepted son <pid> (uid <pid>)"
    );
    assert_eq!(
        elide("Son 9 got the answer [ack Spam 000\\n] after 111.3 µs"),
        "Son <pid> got the answer [ack Spam 000\\n] after <µs> µs"
    );
    assert_eq!(
        elide(r#"{"event":"eof","role":"father","pid":28402,"time":1795854321.80921}"#),
        r#"{"event":"eof","role":"father","pid":<n>,"time":<n>}"#
    );
    // Counts and sizes are not elided: a changed figure must fail the tour.
    let summary = "summary: 3 messages, 24 bytes in 6 reads: 0 held exactly one message";
    assert_eq!(elide(summary), summary);
    assert_eq!(
        elide("son 7: sent 5 messages, 45 bytes"),
        "son <pid>: sent 5 messages, 45 bytes"
    );
    assert_ne!(elide("the pipe holds 4096"), elide("the pipe holds 8192"));
}

#[test]
fn a_changed_word_or_a_missing_line_fails_the_comparison() {
    let lines = |text: &str| -> Vec<String> { text.lines().map(elide).collect() };
    let printed = lines("Father 1 received [Spam] at 1.000001\nend of file\nsummary: 1 message");
    assert!(matches(
        &lines("Father 2 received [Spam] at 2.000002\nend of file\nsummary: 1 message"),
        &printed
    ));
    assert!(matches(
        &lines("Father 2 received [Spam] at 2.000002\n...\nsummary: 1 message"),
        &printed
    ));
    assert!(matches(&lines("...\nsummary: 1 message"), &printed));
    assert!(!matches(
        &lines("Father 2 received [Spam] at 2.000002\nend of the file\nsummary: 1 message"),
        &printed
    ));
    assert!(!matches(
        &lines("Father 2 received [Spam] at 2.000002\nend of file"),
        &printed
    ));
    assert!(!matches(&lines("...\nsummary: 2 messages"), &printed));
}

#[test]
fn a_command_block_without_a_marker_is_refused() {
    let markdown = "Text.\n\n```console\n$ ipcdemo\n```\n";
    let found = std::panic::catch_unwind(|| command_blocks("test.md", markdown));
    assert!(found.is_err(), "an unmarked block must not pass silently");
    let marked =
        "<!-- skip: needs two terminals -->\n```console\n$ ipcdemo named\nx\n\n$ ipcdemo\ny\n```\n";
    let blocks = command_blocks("test.md", marked);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].marker, Marker::Skip);
    assert_eq!(blocks[0].examples.len(), 2);
    assert_eq!(blocks[0].examples[0].expected, vec!["x".to_string()]);
    assert_eq!(
        marker("<!-- runnable: status 2 -->"),
        Some(Marker::Runnable { status: 2 })
    );
    assert_eq!(marker("<!-- skip: -->"), None, "a skip gives its reason");
}

/// Every key of `value`, and of the objects inside it; `event` and `kind` values too, since
/// they name what the page must describe.
fn names_in(value: &serde_json::Value, names: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, inner) in fields {
                names.insert(key.clone());
                if key == "event" || key == "kind" {
                    names.extend(inner.as_str().map(str::to_string));
                }
                names_in(inner, names);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                names_in(item, names);
            }
        }
        serde_json::Value::String(text) if text.chars().all(|c| c == '_' || c.is_lowercase()) => {
            // A bare note such as "zero_copy_counts_only".
            names.insert(text.clone());
        }
        _ => {}
    }
}

#[test]
fn every_json_field_the_lessons_print_is_in_json_md() {
    let page = read_page("docs/json.md");
    let mut names = std::collections::BTreeSet::new();
    let runs: [&[&str]; 14] = [
        // signal: sends, a refusal (a limit of 1 with 3 held), received values, the summary.
        &[
            "--json",
            "signal",
            "--realtime",
            "--queue-limit",
            "1",
            "--count",
            "3",
            "--show-son",
        ],
        &["--json", "signal", "--ping-pong", "--count", "10"],
        &["--json", "signal", "--alarm", "1"],
        &["--json", "bench", "--mechanism", "signal", "--rounds", "10"],
        &[
            "--json",
            "anon",
            "--count",
            "3",
            "--tick",
            "0",
            "--show-son",
        ],
        &["--json", "capacity", "--write-size", "10000"],
        &["--json", "atomic", "--records", "20"],
        &[
            "--json",
            "bench",
            "--total",
            "1M",
            "--rounds",
            "100",
            "--mechanism",
            "pipe",
        ],
        &[
            "--json",
            "bench",
            "--mechanism",
            "pipe",
            "--throughput-only",
            "--zero-copy",
            "--total",
            "1M",
        ],
        &[
            "--json",
            "bench",
            "--total",
            "1M",
            "--rounds",
            "100",
            "--mechanism",
            "shm,eventfd",
        ],
        // Fan-in: its fields, records padded to a header, and a mechanism it does not apply to.
        &[
            "--json",
            "bench",
            "--senders",
            "2",
            "--total",
            "64K",
            "--size",
            "5",
            "--mechanism",
            "pipe,socketpair",
        ],
        // Fan-in through a FIFO: records capped at PIPE_BUF.
        &[
            "--json",
            "bench",
            "--senders",
            "2",
            "--total",
            "1M",
            "--mechanism",
            "fifo",
        ],
        // A sweep, with a size seqpacket and mq cannot carry and signal's no-payload rows.
        &[
            "--json",
            "bench",
            "--mechanism",
            "unix-seqpacket,mq,signal",
            "--sweep",
            "1,1M",
            "--cell-time",
            "2ms",
        ],
        &[
            "--json",
            "shm",
            "race",
            "--sons",
            "2",
            "--adds",
            "1000",
            "--die-holding-lock",
        ],
    ];
    for args in runs {
        let out = ipcdemo(args).assert().success();
        for line in json_lines(stdout_text(&out).lines()) {
            names_in(&line, &mut names);
        }
    }
    // exec: the echo child, both deadlocks (status 1), and --big --fix.
    for (args, status) in [
        (&["--json", "exec", "--count", "2", "--tick", "0"][..], 0),
        (&["--json", "exec", "--big", "--fix"][..], 0),
        (
            &[
                "--json", "exec", "--stall", "300ms", "--", "tr", "a-z", "A-Z",
            ][..],
            1,
        ),
        (&["--json", "exec", "--big", "--stall", "300ms"][..], 1),
        (
            &["--json", "exec", "--big", "--fix", "--", "tr", "a-z", "A-Z"][..],
            0,
        ),
    ] {
        let out = ipcdemo(args).assert().code(status);
        for line in json_lines(stdout_text(&out).lines()) {
            names_in(&line, &mut names);
        }
    }
    // A socket father and a son with --ack: accepted, received from a son, answered, sent.
    let dir = temp_dir();
    let path = dir.path().join("socket");
    let father = start_father("socket", &path, &["--json", "--count", "1", "--ack"]);
    let son = start_son("socket", &path, &["--json", "--ack", "--count", "1"]).finish();
    for line in json_lines(son.stdout.iter().chain(&father.finish().stdout)) {
        names_in(&line, &mut names);
    }
    // A shm father and son: records with their numbers, both sides' CPU time.
    let ring = dir.path().join("shm-socket");
    let father = start_father("shm", &ring, &["--json", "--count", "2"]);
    let son = start_son("shm", &ring, &["--json", "--count", "2"]).finish();
    for line in json_lines(son.stdout.iter().chain(&father.finish().stdout)) {
        names_in(&line, &mut names);
    }
    // A TCP father and son: listening, peer.
    let mut father = Running::start(
        "tcp father",
        ipcdemo_std(&["--json", "socket", "--tcp", "0", "--count", "1"]),
    );
    let listening = father.next_line();
    let address = json_lines([&listening])[0]["address"]
        .as_str()
        .expect("a TCP father says where it listens")
        .to_string();
    let son = Running::start(
        "tcp son",
        ipcdemo_std(&[
            "--json", "socket", "--son", "--tcp", &address, "--count", "1", "--tick", "0",
        ]),
    )
    .finish();
    let done = father.finish();
    for line in json_lines(son.stdout.iter().chain([&listening]).chain(&done.stdout)) {
        names_in(&line, &mut names);
    }
    // An mq father and a son at two priorities: priority, queued, the queue summary; and the
    // bench's mq rows: messages, messages per second, the queue's shape.
    let runtime = temp_dir();
    let queue = format!("/ipcdemo-docs-{}", std::process::id());
    let mut cmd = ipcdemo_std(&["--json", "mq", "--name", &queue, "--count", "2"]);
    cmd.env("XDG_RUNTIME_DIR", runtime.path());
    let father = Running::start("mq father", cmd);
    let son_args = [
        "--json",
        "mq",
        "--son",
        "--name",
        &queue,
        "--count",
        "2",
        "--tick",
        "0",
        "--priority-every",
        "2",
    ];
    // The son finds no queue (ENOENT) until the father has made it: try again until it does.
    let deadline = std::time::Instant::now() + DEADLINE;
    let son = loop {
        let mut cmd = ipcdemo_std(&son_args);
        cmd.env("XDG_RUNTIME_DIR", runtime.path());
        let son = Running::start("mq son", cmd).finish();
        if !son.stderr.contains("(ENOENT)") || std::time::Instant::now() > deadline {
            break son;
        }
    };
    assert_eq!(son.code, Some(0), "{son:?}");
    for line in json_lines(son.stdout.iter().chain(&father.finish().stdout)) {
        names_in(&line, &mut names);
    }
    let out = ipcdemo(&[
        "--json",
        "bench",
        "--mechanism",
        "mq",
        "--total",
        "1M",
        "--rounds",
        "100",
    ])
    .assert()
    .success();
    for line in json_lines(stdout_text(&out).lines()) {
        names_in(&line, &mut names);
    }
    // fds: the forgotten write end and the close-on-exec pair; the kill tour; a sender and a
    // receiver.
    let out = ipcdemo(&[
        "--json",
        "fds",
        "--forget-close",
        "--stall",
        "0",
        "--count",
        "1",
        "--tick",
        "0",
    ])
    .assert()
    .success();
    for line in json_lines(stdout_text(&out).lines()) {
        names_in(&line, &mut names);
    }
    let runtime = temp_dir();
    let out = ipcdemo(&["--json", "fds", "--kill-son"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .assert()
        .success();
    for line in json_lines(stdout_text(&out).lines()) {
        names_in(&line, &mut names);
    }
    let socket = dir.path().join("fds-socket");
    let sender = Running::start(
        "fds --send",
        ipcdemo_std(&["--json", "fds", "--send", "--path", path_str(&socket)]),
    );
    wait_for_path(&socket);
    let receiver = Running::start(
        "fds --receive",
        ipcdemo_std(&[
            "--json",
            "fds",
            "--receive",
            "--path",
            path_str(&socket),
            "--count",
            "1",
            "--tick",
            "0",
        ]),
    )
    .finish();
    for line in json_lines(receiver.stdout.iter().chain(&sender.finish().stdout)) {
        names_in(&line, &mut names);
    }
    for wanted in [
        "holds",
        "got_descriptor",
        "sender_uid",
        "stale",
        "exit_code",
        "priority",
        "queued",
        "queue",
        "left_in_queue",
        "messages_per_second",
        "accepted",
        "answered",
        "rtt_us",
        "uid",
        "sent",
        "data",
        "peer",
        "listening",
        "signal_refused",
        "queue_full_after",
        "alarm_rang",
        "ping_pong",
        "signal_latency_only",
        "started",
        "stalled",
        "full_pipes",
        "input_written",
        "output_read",
        "first_difference_at",
        "owner_dead",
        "race",
        "cpu",
        "record",
        "ring_bytes",
        "copy_ceiling_bytes_per_second",
        "cpu_child_sys_s",
    ] {
        assert!(
            names.contains(wanted),
            "{wanted} was not printed: {names:?}"
        );
    }
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| {
            !page.contains(&format!("`{name}`")) && !page.contains(&format!("\"{name}\""))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/json.md does not describe {missing:?}"
    );
}
