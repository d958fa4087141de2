//! `ipcdemo named`: the FIFO father and its sons.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::util::*;

fn father(path: &Path, extra: &[&str]) -> Running {
    start_father("named", path, extra)
}

fn son(path: &Path, extra: &[&str]) -> Running {
    start_son("named", path, extra)
}

fn assert_fifo_mode(path: &Path, mode: u32) {
    let meta = fs::symlink_metadata(path).expect("the FIFO exists");
    assert!(
        meta.file_type().is_fifo(),
        "{} is not a FIFO",
        path.display()
    );
    assert_eq!(
        meta.permissions().mode() & 0o777,
        mode,
        "{}",
        path.display()
    );
}

#[test]
fn missing_folders_are_created_private() {
    let dir = temp_dir();
    let fifo = dir.path().join("a/b/pipefifo");
    let f = father(&fifo, &["--count", "1"]);
    assert_eq!(
        fs::metadata(dir.path().join("a"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert_eq!(
        fs::metadata(dir.path().join("a/b"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert_fifo_mode(&fifo, 0o600);
    assert_eq!(son(&fifo, &["--count", "1"]).finish().code, Some(0));
    let done = f.finish();
    assert_eq!(done.code, Some(0), "{done:?}");
    assert_eq!(
        data_lines(&done.stdout, "Father "),
        vec![b"Spam 000".to_vec()]
    );
}

#[test]
fn father_and_son_exchange_exact_lines_and_the_fifo_is_removed() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let f = father(&fifo, &["--count", "10"]);
    let s = son(&fifo, &["--count", "10"]).finish();
    let done = f.finish();
    assert_eq!((done.code, s.code), (Some(0), Some(0)), "{done:?} {s:?}");
    let expected: Vec<Vec<u8>> = (0..10)
        .map(|i| format!("Spam {:03}", i % 5).into_bytes())
        .collect();
    assert_eq!(data_lines(&done.stdout, "Father "), expected);
    let sent: Vec<Vec<u8>> = expected
        .iter()
        .map(|m| [m.as_slice(), b"\n"].concat())
        .collect();
    assert_eq!(data_lines(&s.stdout, "Son "), sent);
    assert!(
        done.stderr.contains("summary: 10 messages, 90 bytes"),
        "{}",
        done.stderr
    );
    assert!(!fifo.exists(), "the father made the FIFO, so it removes it");
}

#[test]
fn father_outlives_a_son_and_serves_the_next() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let mut f = father(&fifo, &["--count", "6"]);
    assert_eq!(son(&fifo, &["--count", "3"]).finish().code, Some(0));
    for _ in 0..3 {
        f.next_line();
    }
    // The son has exited, so a father asleep in read(2) has seen its end of file and holds a
    // write end of its own (a read with no writer left would return 0, not sleep).
    wait_for_wchan(f.pid(), "pipe_read");
    // Had the father left at that end of file, this son would block in open(2) for ever.
    assert_eq!(son(&fifo, &["--count", "3"]).finish().code, Some(0));
    let done = f.finish();
    assert_eq!(done.code, Some(0), "{done:?}");
    assert_eq!(data_lines(&done.stdout, "Father ").len(), 6);
    assert!(
        done.stderr.contains("every son has left"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_waiting_father_uses_no_cpu() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let mut f = father(&fifo, &[]);
    assert_eq!(son(&fifo, &["--count", "1"]).finish().code, Some(0));
    f.next_line();
    // Asleep in read(2) after the son's end of file: waiting for the next son.
    wait_for_wchan(f.pid(), "pipe_read");
    let ticks = |pid: i32| -> u64 {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc is there");
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    };
    let before = ticks(f.pid().as_raw());
    // Not a synchronisation: the window in which a spinning father would burn its ticks.
    std::thread::sleep(Duration::from_secs(1));
    let after = ticks(f.pid().as_raw());
    // The notebook's father spun here at 100% of a CPU (about 100 ticks a second).
    assert!(
        after - before <= 2,
        "the father used {} ticks while waiting",
        after - before
    );
    f.signal(Signal::SIGINT);
    assert_eq!(f.finish().signal, Some(2));
}

#[test]
fn eight_sons_of_five_hundred_lines_arrive_whole() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let f = father(&fifo, &["--count", "4000"]);
    let sons: Vec<Running> = (0..8).map(|_| son(&fifo, &["--count", "500"])).collect();
    for s in sons {
        let s = s.finish();
        assert_eq!(s.code, Some(0), "{s:?}");
    }
    let done = f.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let lines = data_lines(&done.stdout, "Father ");
    assert_eq!(lines.len(), 4000);
    for n in 0..5 {
        let message = format!("Spam {n:03}").into_bytes();
        let seen = lines.iter().filter(|l| **l == message).count();
        assert_eq!(seen, 800, "Spam {n:03}: every son sends it 100 times");
    }
}

#[test]
fn a_son_says_so_when_its_father_is_killed() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let mut f = father(&fifo, &[]);
    let s = Running::start(
        "named son",
        ipcdemo_std(&[
            "named",
            "--son",
            "--tick",
            "10ms",
            "--path",
            path_str(&fifo),
        ]),
    );
    f.next_line();
    f.signal(Signal::SIGKILL);
    let done = s.finish();
    assert_eq!(done.code, Some(1), "{done:?}");
    assert!(
        done.stderr.contains("error: the father went away"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("EPIPE"), "{}", done.stderr);
    assert!(!done.stderr.contains("panicked"), "{}", done.stderr);
}

#[test]
fn no_wait_fails_fast_without_a_father_and_leaves_nothing() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let started = Instant::now();
    let out = ipcdemo(&["named", "--son", "--no-wait", "--path", path_str(&fifo)])
        .assert()
        .code(1);
    assert!(started.elapsed() < Duration::from_secs(5));
    let stderr = stderr_text(&out);
    assert!(stderr.contains("no father is reading"), "{stderr}");
    assert!(stderr.contains("ENXIO"), "{stderr}");
    assert!(!fifo.exists(), "the son made the FIFO and nobody used it");
}

#[test]
fn symlinks_files_and_folders_at_the_path_are_refused_and_untouched() {
    ForeignFiles::new().assert_refused_by(
        &[
            &["named"],
            &["named", "--son", "--count", "1", "--tick", "0"],
        ],
        "refusing to use {path}: it is {kind}, not a FIFO; it was left untouched",
    );
}

#[test]
fn the_default_path_is_private_under_xdg_runtime_dir() {
    let dir = temp_dir();
    let runtime = dir.path().join("run");
    let fifo = runtime.join("ipcdemo/pipefifo");
    let mut cmd = ipcdemo_std(&["named", "--count", "1"]);
    cmd.env("XDG_RUNTIME_DIR", &runtime);
    let f = Running::start("named father", cmd);
    wait_for_path(&fifo);
    assert_eq!(
        fs::metadata(runtime.join("ipcdemo"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert_fifo_mode(&fifo, 0o600);
    let mut s = ipcdemo_std(&["named", "--son", "--count", "1", "--tick", "0"]);
    s.env("XDG_RUNTIME_DIR", &runtime);
    assert_eq!(Running::start("named son", s).finish().code, Some(0));
    let done = f.finish();
    assert_eq!(
        data_lines(&done.stdout, "Father "),
        vec![b"Spam 000".to_vec()]
    );
    assert!(!fifo.exists());
}

#[test]
fn a_default_folder_someone_else_owns_or_opened_is_refused() {
    let dir = temp_dir();
    let runtime = dir.path().join("run");
    let folder = runtime.join("ipcdemo");
    fs::create_dir_all(&folder).unwrap();
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
    let out = ipcdemo(&["named"])
        .env("XDG_RUNTIME_DIR", &runtime)
        .assert()
        .code(1);
    let stderr = stderr_text(&out);
    assert!(
        stderr.contains("its mode is 0755") && stderr.contains("chmod 700"),
        "{stderr}"
    );
    if nix::unistd::geteuid().is_root() {
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o700)).unwrap();
        nix::unistd::chown(&folder, Some(65534.into()), None).unwrap();
        let out = ipcdemo(&["named"])
            .env("XDG_RUNTIME_DIR", &runtime)
            .assert()
            .code(1);
        let stderr = stderr_text(&out);
        assert!(
            stderr.contains("belongs to uid 65534, not to you"),
            "{stderr}"
        );
    }
    assert!(
        !folder.join("pipefifo").exists(),
        "nothing was created in a refused folder"
    );
}

#[test]
fn an_existing_fifo_others_can_write_is_refused_with_the_fix() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    fs::set_permissions(&fifo, fs::Permissions::from_mode(0o622)).unwrap();
    let out = ipcdemo(&["named", "--path", path_str(&fifo)])
        .assert()
        .code(1);
    let stderr = stderr_text(&out);
    assert!(stderr.contains("other users could write to it"), "{stderr}");
    assert!(stderr.contains("chmod go-w"), "{stderr}");
    assert!(fifo.exists(), "a FIFO we did not make is never removed");
    // Readable by others: allowed, with a warning.
    fs::set_permissions(&fifo, fs::Permissions::from_mode(0o644)).unwrap();
    let f = Running::start(
        "named father",
        ipcdemo_std(&["named", "--count", "1", "--path", path_str(&fifo)]),
    );
    assert_eq!(son(&fifo, &["--count", "1"]).finish().code, Some(0));
    let done = f.finish();
    assert_eq!(done.code, Some(0));
    assert!(
        done.stderr.contains("warning: other users can read"),
        "{}",
        done.stderr
    );
    assert!(fifo.exists(), "a FIFO we did not make is never removed");
}

#[test]
fn another_users_fifo_is_refused_and_a_nobody_fifo_is_0600_whatever_the_umask() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    let dir = temp_dir();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o1777)).unwrap();
    // root's FIFO, seen by nobody.
    let roots = dir.path().join("roots");
    nix::unistd::mkfifo(&roots, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let mut cmd = ipcdemo_as_nobody(&["named", "--path", path_str(&roots)]);
    let (code, stderr) = run_with_deadline("nobody's father", {
        cmd.stdout(std::process::Stdio::null());
        cmd
    });
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("belongs to uid 0, not to you (uid 65534)"),
        "{stderr}"
    );
    // nobody's own FIFO, made under umask 000.
    let theirs = dir.path().join("theirs");
    let mut father = ipcdemo_as_nobody(&["named", "--count", "1", "--path", path_str(&theirs)]);
    // SAFETY: umask(2) is async-signal-safe, fine between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut father, || {
            nix::sys::stat::umask(nix::sys::stat::Mode::empty());
            Ok(())
        });
    }
    let f = Running::start("nobody's father", father);
    wait_for_path(&theirs);
    let meta = fs::symlink_metadata(&theirs).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (65534, 0o600));
    let s = Running::start(
        "nobody's son",
        ipcdemo_as_nobody(&[
            "named",
            "--son",
            "--count",
            "1",
            "--tick",
            "0",
            "--path",
            path_str(&theirs),
        ]),
    );
    assert_eq!(s.finish().code, Some(0));
    let done = f.finish();
    assert_eq!(
        data_lines(&done.stdout, "Father "),
        vec![b"Spam 000".to_vec()]
    );
}

#[test]
fn every_stop_signal_ends_a_father_blocked_in_open_and_removes_its_fifo() {
    for signal in STOP_SIGNALS {
        let dir = temp_dir();
        let fifo = dir.path().join("pipefifo");
        let f = father(&fifo, &[]);
        wait_for_wchan(f.pid(), "wait_for_partner"); // blocked in open(2)
        let asked = Instant::now();
        f.signal(signal);
        let done = f.finish();
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "took {:?}",
            asked.elapsed()
        );
        assert_eq!(done.signal, Some(signal as i32), "{done:?}");
        assert!(
            done.stderr.contains("summary: 0 messages, 0 bytes"),
            "{}",
            done.stderr
        );
        assert!(
            !fifo.exists(),
            "{signal}: the FIFO the father made is removed"
        );
    }
}

#[test]
fn ctrl_c_ends_a_father_blocked_in_read() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let mut f = father(&fifo, &[]);
    assert_eq!(son(&fifo, &["--count", "2"]).finish().code, Some(0));
    f.next_line();
    f.next_line();
    wait_for_wchan(f.pid(), "pipe_read");
    f.signal(Signal::SIGINT);
    let done = f.finish();
    assert_eq!((done.code, done.signal), (None, Some(2)), "{done:?}");
    assert!(
        done.stderr.contains("summary: 2 messages, 18 bytes"),
        "{}",
        done.stderr
    );
    assert!(!fifo.exists());
}

#[test]
fn a_partial_last_line_is_shown_and_marked() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let mut f = father(&fifo, &[]);
    let status = Command::new("sh")
        .args(["-c", "printf 'no newline' > \"$1\"", "sh", path_str(&fifo)])
        .status()
        .unwrap();
    assert!(status.success());
    let line = f.next_line();
    assert!(
        line.contains("[no newline]") && line.contains("(partial"),
        "{line}"
    );
    assert_eq!(son(&fifo, &["--count", "1"]).finish().code, Some(0));
    assert_eq!(
        data_of(&f.next_line()),
        b"Spam 000",
        "not glued to the partial line"
    );
    f.signal(Signal::SIGINT);
    assert_eq!(f.finish().signal, Some(2));
}

#[test]
fn echo_and_cat_are_peers() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let f = father(&fifo, &["--count", "1"]);
    let status = Command::new("sh")
        .args(["-c", "echo hello > \"$1\"", "sh", path_str(&fifo)])
        .status()
        .unwrap();
    assert!(status.success());
    let done = f.finish();
    assert_eq!(data_lines(&done.stdout, "Father "), vec![b"hello".to_vec()]);

    let fifo = dir.path().join("for-cat");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let mut cat = Command::new("timeout");
    cat.args(["20", "cat", path_str(&fifo)]);
    let cat = cat.stdout(std::process::Stdio::piped()).spawn().unwrap();
    assert_eq!(son(&fifo, &["--count", "3"]).finish().code, Some(0));
    let out = cat.wait_with_output().unwrap();
    assert_eq!(out.stdout, spam(3, true));
}

#[test]
fn the_notebooks_python_son_and_father_talk_to_ours() {
    if !have("python3", "--version") {
        return;
    }
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    // The seed's son, bounded to five lines and no sleeps.
    let python_son = "import os,sys\nout=os.open(sys.argv[1],os.O_WRONLY)\n\
        for zzz in range(5): os.write(out,('Spam {0:03d}\\n'.format(zzz)).encode())\n";
    let f = father(&fifo, &["--count", "5"]);
    let status = Command::new("timeout")
        .args(["20", "python3", "-c", python_son, path_str(&fifo)])
        .status()
        .unwrap();
    assert!(status.success());
    let done = f.finish();
    assert_eq!(data_lines(&done.stdout, "Father ").concat(), spam(5, false));
    // The seed's father, reading lines until end of file.
    let python_father = "import os,sys\nfor line in open(sys.argv[1]): print('Pai', os.getpid(), 'recebeu', line, end='')\n";
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let reader = Command::new("timeout")
        .args(["20", "python3", "-c", python_father, path_str(&fifo)])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert_eq!(son(&fifo, &["--count", "3"]).finish().code, Some(0));
    let out = String::from_utf8(reader.wait_with_output().unwrap().stdout).unwrap();
    let received: Vec<&str> = out
        .lines()
        .map(|l| l.rsplit(" recebeu ").next().unwrap())
        .collect();
    assert_eq!(received, ["Spam 000", "Spam 001", "Spam 002"]);
}

#[test]
fn a_father_whose_stdout_closes_ends_quietly() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    // The real thing: `ipcdemo named | head -1`, and the father's own exit status.
    let script = "\"$0\" named --path \"$1\" 2>\"$2\" | head -1; exit ${PIPESTATUS[0]}";
    let stderr_file = dir.path().join("stderr");
    let pipeline = Command::new("timeout")
        .args(["20", "bash", "-c", script])
        .arg(&bin)
        .arg(&fifo)
        .arg(&stderr_file)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_path(&fifo);
    let s = Running::start(
        "named son",
        ipcdemo_std(&["named", "--son", "--tick", "1ms", "--path", path_str(&fifo)]),
    );
    let out = pipeline.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the father left quietly, with status 0"
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.starts_with("Father ") && text.lines().count() == 1,
        "{text}"
    );
    let stderr = fs::read_to_string(&stderr_file).unwrap();
    assert!(
        !stderr.contains("error") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(!fifo.exists(), "the guard still removes the FIFO");
    // Its son, still writing, learns that the father left.
    let done = s.finish();
    assert_eq!(done.code, Some(1));
    assert!(
        done.stderr.contains("the father went away"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_son_whose_stdout_is_a_full_disk_says_so() {
    let dir = temp_dir();
    let fifo = dir.path().join("pipefifo");
    let f = father(&fifo, &[]);
    let mut cmd = ipcdemo_std(&[
        "named",
        "--son",
        "--count",
        "3",
        "--tick",
        "0",
        "--path",
        path_str(&fifo),
    ]);
    cmd.stdout(
        std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    );
    let (code, stderr) = run_with_deadline("son >/dev/full", cmd);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error: writing to standard output: No space left on device"),
        "{stderr}"
    );
    // The son says each line before writing it, so the line it could not say was never
    // written: the father received nothing, and saw the son leave (it then sleeps in read(2)
    // again, on its own write end).
    wait_for_wchan(f.pid(), "pipe_read");
    f.signal(Signal::SIGTERM);
    let done = f.finish();
    assert!(
        data_lines(&done.stdout, "Father ").is_empty(),
        "{:?}",
        done.stdout
    );
    assert!(
        done.stderr.contains("every son has left"),
        "{}",
        done.stderr
    );
}
