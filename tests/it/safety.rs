//! Safe paths and sane inputs: files that are not ours are never removed, modes we promise hold
//! whatever the umask, one father per FIFO. Root bypasses modes, so these run the binary as
//! nobody (uid 65534) through setpriv where the check is about permissions.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use nix::sys::signal::Signal;
use nix::unistd::{Gid, Uid, chown};

use crate::util::*;

/// A temporary folder that nobody (uid 65534) owns and may write in.
fn nobodys_dir() -> tempfile::TempDir {
    let dir = temp_dir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    chown(
        dir.path(),
        Some(Uid::from_raw(65534)),
        Some(Gid::from_raw(65534)),
    )
    .unwrap();
    dir
}

/// `ipcdemo ARGS` as nobody, under `umask`.
fn as_nobody_with_umask(umask: &str, args: &[&str]) -> Command {
    let inner = ipcdemo_as_nobody(args);
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!("umask {umask}; exec \"$@\""))
        .arg("bash")
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

#[test]
fn a_fifo_swapped_in_by_someone_else_is_never_removed() {
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let father = start_father("named", &fifo, &[]);
    wait_for_wchan(father.pid(), "wait_for_partner");
    // Someone replaces our FIFO with theirs. On ext4 the new file often gets the inode number
    // the old one just freed: the device and inode alone would call it ours.
    std::fs::remove_file(&fifo).unwrap();
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    chown(&fifo, Some(Uid::from_raw(65534)), None).unwrap();
    father.signal(Signal::SIGTERM);
    let done = father.finish();
    assert_eq!(done.signal, Some(15), "{done:?}");
    let meta = std::fs::symlink_metadata(&fifo).expect("the foreign FIFO is still there");
    assert_eq!(meta.uid(), 65534);
}

#[test]
fn odd_umasks_still_give_a_private_folder_and_a_0600_fifo() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    for umask in ["277", "477", "777"] {
        let dir = nobodys_dir();
        let fifo = dir.path().join("made").join("by-us").join("fifo");
        let father =
            as_nobody_with_umask(umask, &["named", "--count", "2", "--path", path_str(&fifo)]);
        let father = Running::start("father as nobody", father);
        wait_for_path(&fifo);
        assert_eq!(mode_of(&fifo), 0o600, "umask {umask}: the FIFO");
        assert_eq!(
            mode_of(fifo.parent().unwrap()),
            0o700,
            "umask {umask}: its folder"
        );
        assert_eq!(mode_of(fifo.parent().unwrap().parent().unwrap()), 0o700);
        let son = as_nobody_with_umask(
            umask,
            &[
                "named",
                "--son",
                "--count",
                "2",
                "--tick",
                "0",
                "--path",
                path_str(&fifo),
            ],
        );
        let son = Running::start("son as nobody", son).finish();
        assert_eq!(son.code, Some(0), "umask {umask}: {}", son.stderr);
        let done = father.finish();
        assert_eq!(done.code, Some(0), "umask {umask}: {}", done.stderr);
        assert_eq!(
            done.stdout.len(),
            2,
            "umask {umask}: {:?} {}",
            done.stdout,
            done.stderr
        );
        assert!(done.stderr.contains("(mode 0600)"), "{}", done.stderr);
    }
}

#[test]
fn a_per_user_folder_left_unusable_by_a_umask_is_repaired() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let runtime = nobodys_dir();
    let folder = runtime.path().join("ipcdemo");
    std::fs::create_dir(&folder).unwrap();
    chown(
        &folder,
        Some(Uid::from_raw(65534)),
        Some(Gid::from_raw(65534)),
    )
    .unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o500)).unwrap();
    let out = ipcdemo_as_nobody(&["named", "--son", "--no-wait"])
        .env("XDG_RUNTIME_DIR", runtime.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("repaired {}: its mode was 0500", folder.display())),
        "{stderr}"
    );
    // It then worked: no father is reading (ENXIO), which it could only find out inside.
    assert!(stderr.contains("no father is reading"), "{stderr}");
    assert_eq!(mode_of(&folder), 0o700);
    assert!(
        std::fs::read_dir(&folder).unwrap().next().is_none(),
        "the son made the FIFO, found no father, and removed it"
    );
}

#[test]
fn a_second_father_on_one_fifo_is_refused_until_the_first_dies() {
    let runtime = temp_dir();
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let with_runtime = |args: &[&str]| {
        let mut cmd = ipcdemo_std(args);
        cmd.env("XDG_RUNTIME_DIR", runtime.path());
        cmd
    };
    let first = Running::start(
        "first father",
        with_runtime(&["named", "--path", path_str(&fifo)]),
    );
    wait_for_path(&fifo);
    wait_for_wchan(first.pid(), "wait_for_partner");
    let second = Running::start(
        "second father",
        with_runtime(&["named", "--path", path_str(&fifo)]),
    )
    .finish();
    assert_eq!(second.code, Some(1), "{second:?}");
    assert!(
        second.stderr.contains(&format!(
            "another father (pid {}) is already reading {}",
            first.pid(),
            fifo.display()
        )),
        "{}",
        second.stderr
    );
    // The first is untouched, and when it dies by kill -9 its lock dies with it.
    first.signal(Signal::SIGKILL);
    assert_eq!(first.finish().signal, Some(9));
    let third = Running::start(
        "third father",
        with_runtime(&["named", "--count", "1", "--path", path_str(&fifo)]),
    );
    wait_for_wchan(third.pid(), "wait_for_partner");
    let son = Running::start(
        "son",
        with_runtime(&[
            "named",
            "--son",
            "--count",
            "1",
            "--tick",
            "0",
            "--path",
            path_str(&fifo),
        ]),
    )
    .finish();
    assert_eq!(son.code, Some(0), "{}", son.stderr);
    let done = third.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(done.stdout.len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(runtime.path().join("ipcdemo"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        leftovers.is_empty(),
        "lock files are removed: {leftovers:?}"
    );
}

#[test]
fn a_seqpacket_record_longer_than_the_read_size_is_said_and_counted_once() {
    let dir = temp_dir();
    let socket = dir.path().join("socket");
    let father = start_father(
        "socket",
        &socket,
        &["--seqpacket", "--read-size", "4", "--count", "5"],
    );
    let son = start_son("socket", &socket, &["--seqpacket", "--count", "5"]).finish();
    assert_eq!(son.code, Some(0), "{}", son.stderr);
    let done = father.finish();
    assert_eq!(done.code, Some(0), "--count is reached: {}", done.stderr);
    let received: Vec<&String> = done
        .stdout
        .iter()
        .filter(|l| l.contains(" received ["))
        .collect();
    assert_eq!(received.len(), 5, "{:?}", done.stdout);
    for line in &received {
        assert_eq!(data_of(line), b"Spam", "{line}");
        assert!(
            line.contains("(cut short: the record had 9 bytes"),
            "{line}"
        );
    }
    assert!(
        done.stderr.contains(
            "summary: 5 messages, 20 bytes in 5 reads: 0 held exactly one message, 0 held \
             several glued together, 5 held part of one; 25 bytes beyond the read size were \
             discarded (MSG_TRUNC)"
        ),
        "{}",
        done.stderr
    );
}

#[test]
fn a_zero_length_seqpacket_record_is_a_message_not_a_hang_up() {
    if !have("python3", "--version") {
        return;
    }
    let dir = temp_dir();
    let socket = dir.path().join("socket");
    let father = start_father(
        "socket",
        &socket,
        &["--seqpacket", "--count", "2", "--json"],
    );
    // An empty record, then a real one; the son stays connected until the father is done.
    let script = format!(
        "import socket, sys\n\
         s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\n\
         s.connect({:?})\n\
         s.send(b'')\n\
         s.send(b'Spam 000\\n')\n\
         s.recv(1)\n",
        path_str(&socket)
    );
    let mut python = Command::new("python3");
    python.args(["-c", &script]);
    let python = python.spawn().unwrap();
    let done = father.finish();
    let (code, _) = finish_child("python son", python);
    assert_eq!(code, Some(0));
    let events: Vec<serde_json::Value> = json_lines(&done.stdout);
    let received: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "received").collect();
    assert_eq!(received.len(), 2, "{:?}", done.stdout);
    assert_eq!(
        (received[0]["data"].as_str(), received[0]["bytes"].as_u64()),
        (Some(""), Some(0))
    );
    assert_eq!(received[1]["data"], "Spam 000\\n");
    assert!(
        !events.iter().any(|e| e["event"] == "left"),
        "no hang-up was seen"
    );
    assert_eq!(events.last().unwrap()["messages"], 2);
}

#[test]
fn a_son_waiting_for_an_answer_that_never_comes_says_so() {
    let dir = temp_dir();
    let socket = dir.path().join("socket");
    let father = start_father("socket", &socket, &[]);
    let son = start_son(
        "socket",
        &socket,
        &["--ack", "--ack-timeout", "300ms", "--count", "1"],
    )
    .finish();
    assert_eq!(son.code, Some(1), "{son:?}");
    assert!(
        son.stderr.contains(&format!(
            "error: no answer from the father on {} within 300 ms: is it running with --ack?",
            socket.display()
        )),
        "{}",
        son.stderr
    );
    father.signal(Signal::SIGTERM);
    father.finish();
}

#[test]
fn extreme_numbers_are_refused_at_parse_time_with_the_limit() {
    for (args, needle) in [
        (
            vec!["bench", "--rounds", "18446744073709551615"],
            "10000000",
        ),
        (vec!["bench", "--rounds", "100000000000"], "10000000"),
        (vec!["bench", "--total", "2T"], "1 TiB"),
        (
            vec!["bench", "--total", "99999999999999999999"],
            "too many bytes",
        ),
        (
            vec!["anon", "--tick", "10000000000000000000s"],
            "at most 1h",
        ),
        (vec!["anon", "--tick", "-1s"], "negative"),
        (vec!["socket", "--son", "--ack-timeout", "-5s"], "negative"),
        (vec!["anon", "--count", "0"], "1..=1000000000"),
        (vec!["anon", "--count", "-1"], "invalid value '-1'"),
        (vec!["named", "--count", "1000000001"], "1..=1000000000"),
    ] {
        let out = ipcdemo(&args).assert().code(2);
        let stderr = stderr_text(&out);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // And the limits are in --help.
    let help = ipcdemo(&["bench", "--help"]).assert().success();
    let help = stdout_text(&help);
    assert!(
        help.contains("1 to 10000000") && help.contains("1 to 1T"),
        "{help}"
    );
}

#[test]
fn a_receipt_never_appears_before_its_send() {
    for _ in 0..5 {
        let out = ipcdemo(&[
            "anon",
            "--fork",
            "--show-son",
            "--count",
            "30",
            "--tick",
            "0",
        ])
        .assert()
        .success();
        let stdout = stdout_text(&out);
        let (mut sent, mut received) = (0usize, 0usize);
        for line in stdout.lines() {
            if line.starts_with("Son ") {
                sent += data_of(line).len();
            } else if line.starts_with("Father ") {
                received += data_of(line).len();
                assert!(
                    received <= sent,
                    "a receipt came before its send:\n{stdout}"
                );
            }
        }
        assert_eq!((sent, received), (240, 240), "{stdout}");
    }
}

#[test]
fn every_json_time_has_six_decimals_at_most() {
    let out = ipcdemo(&[
        "--json",
        "anon",
        "--count",
        "5",
        "--tick",
        "0",
        "--show-son",
    ])
    .assert()
    .success();
    let stdout = stdout_text(&out);
    let mut kinds = Vec::new();
    for line in stdout.lines() {
        // The raw text, not the parsed float: 7 decimals would show here.
        let at = line.find("\"time\":").expect("every line has a time") + 7;
        let number: String = line[at..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let decimals = number.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 6, "{line}");
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        kinds.push(value["event"].as_str().unwrap().to_string());
    }
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("summary"),
        "{stdout}"
    );
}

#[test]
fn a_long_fifo_line_is_shown_in_pieces_labelled_as_such() {
    if !have("python3", "--version") {
        return;
    }
    let dir = temp_dir();
    let fifo = dir.path().join("fifo");
    let father = start_father("named", &fifo, &["--json", "--count", "1"]);
    // 70 000 bytes without a newline, then the newline, from a writer that stays.
    let script = format!(
        "import os\n\
         f = os.open({:?}, os.O_WRONLY)\n\
         os.write(f, b'x' * 70000)\n\
         os.write(f, b'\\n')\n",
        path_str(&fifo)
    );
    let (code, stderr) = run_with_deadline("python writer", {
        let mut c = Command::new("python3");
        c.args(["-c", &script]).stderr(std::process::Stdio::piped());
        c
    });
    assert_eq!(code, Some(0), "{stderr}");
    let done = father.finish();
    let events: Vec<serde_json::Value> = json_lines(&done.stdout);
    let received: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "received").collect();
    assert_eq!(received.len(), 2, "{:?}", done.stdout);
    assert_eq!(received[0]["partial"], "long_line");
    assert_eq!(received[0]["bytes"], 65536);
    assert!(received[1].get("partial").is_none(), "{}", received[1]);
    assert_eq!(received[1]["bytes"], 70000 - 65536);
}
