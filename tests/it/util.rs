//! Helpers: every process the tests start has a deadline, so a blocked `open(2)` or `read(2)`
//! fails a test instead of hanging CI.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

/// Long enough for a loaded 2-core CI machine, short enough to notice a hang.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// `ipcdemo ARGS` as an assert_cmd command with the deadline already set.
pub fn ipcdemo(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(ipcdemo_std(args));
    cmd.timeout(DEADLINE);
    cmd
}

/// `ipcdemo ARGS` as a std command, for processes that must run side by side.
pub fn ipcdemo_std(args: &[&str]) -> Command {
    let bin = assert_cmd::cargo::cargo_bin("ipcdemo");
    with_plain_environment(Command::new(bin), args)
}

/// The signals ipcdemo treats as "stop".
pub const STOP_SIGNALS: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
];

/// English (whatever the machine's locale), no input, output piped, and the stop signals at
/// their defaults: a suite started in the background (where a shell leaves SIGINT ignored)
/// would otherwise hand that on, and ipcdemo rightly keeps an inherited ignore.
fn with_plain_environment(mut cmd: Command, args: &[&str]) -> Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec this only calls signal(2) and sigprocmask(2), both
    // async-signal-safe, and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            for signal in STOP_SIGNALS {
                nix::libc::signal(signal as i32, nix::libc::SIG_DFL);
            }
            let mut none = std::mem::zeroed::<nix::libc::sigset_t>();
            nix::libc::sigemptyset(&mut none);
            nix::libc::sigprocmask(nix::libc::SIG_SETMASK, &none, std::ptr::null_mut());
            Ok(())
        });
    }
    cmd.args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A running process whose output is collected on threads (so a full pipe never stalls it)
/// and which is killed if it outlives its deadline.
pub struct Running {
    pub child: Child,
    what: String,
    stdout_lines: mpsc::Receiver<String>,
    stdout_seen: Vec<String>,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Running {
    /// Starts `cmd`, whose stdout must be piped; its stderr is collected too when piped (a
    /// test may give it a pipe of its own instead).
    pub fn start(what: &str, mut cmd: Command) -> Running {
        let mut child = cmd.spawn().expect("ipcdemo starts");
        let stdout: ChildStdout = child.stdout.take().expect("stdout is piped");
        let stderr: Option<ChildStderr> = child.stderr.take();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = stderr.map(|mut stderr| {
            thread::spawn(move || {
                let mut text = String::new();
                let _ = stderr.read_to_string(&mut text);
                text
            })
        });
        Running {
            child,
            what: what.to_string(),
            stdout_lines: rx,
            stdout_seen: Vec::new(),
            stderr,
        }
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    /// The next stdout line; panics naming what hung if none comes before the deadline.
    pub fn next_line(&mut self) -> String {
        match self.stdout_lines.recv_timeout(DEADLINE) {
            Ok(line) => {
                self.stdout_seen.push(line.clone());
                line
            }
            Err(_) => {
                let _ = self.child.kill();
                panic!("{}: no stdout line within {DEADLINE:?}", self.what)
            }
        }
    }

    pub fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).expect("the process is there to signal");
    }

    /// Waits for exit (killing it at the deadline) and returns status and all output.
    pub fn finish(mut self) -> Finished {
        let status = wait_for_exit(&self.what, &mut self.child);
        let mut stdout = std::mem::take(&mut self.stdout_seen);
        while let Ok(line) = self.stdout_lines.recv_timeout(Duration::from_secs(5)) {
            stdout.push(line);
        }
        let stderr = self
            .stderr
            .take()
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default();
        Finished {
            code: status.code(),
            signal: std::os::unix::process::ExitStatusExt::signal(&status),
            stdout,
            stderr,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A test that panicked must not leave an ipcdemo process behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Finished {
    /// None when a signal killed the process.
    pub code: Option<i32>,
    /// The signal that killed the process, if one did.
    pub signal: Option<i32>,
    pub stdout: Vec<String>,
    pub stderr: String,
}

/// Runs `cmd` to the end (killing it at the deadline); for commands whose stdout is not piped.
pub fn run_with_deadline(what: &str, mut cmd: Command) -> (Option<i32>, String) {
    let child = cmd.spawn().expect("ipcdemo starts");
    finish_child(what, child)
}

/// Waits for a started child (killing it at the deadline, and naming `what` hung); returns its
/// status and stderr.
pub fn finish_child(what: &str, child: Child) -> (Option<i32>, String) {
    let (status, stderr) = finish_child_status(what, child);
    (status.code(), stderr)
}

/// As [`finish_child`], with the whole status (to see a death by a signal).
pub fn finish_child_status(what: &str, mut child: Child) -> (std::process::ExitStatus, String) {
    let status = wait_for_exit(what, &mut child);
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    (status, stderr)
}

/// The bytes between `[` and the last `]` of an event line, unescaped.
pub fn data_of(line: &str) -> Vec<u8> {
    let start = line.find('[').expect("an event line has [") + 1;
    let end = line.rfind(']').expect("an event line has ]");
    unescape(&line[start..end])
}

/// The reverse of Rust's `escape_ascii`.
pub fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            match bytes[i + 1] {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'x' => {
                    let hex = &text[i + 2..i + 4];
                    out.push(u8::from_str_radix(hex, 16).expect("two hex digits"));
                    i += 2;
                }
                other => out.push(other),
            }
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The time at the end of an event line (`… at 1700000000.123456`).
pub fn time_of(line: &str) -> f64 {
    line.rsplit(' ')
        .next()
        .and_then(|t| t.parse().ok())
        .expect("an event line ends with a time")
}

/// What the seed's son sends: `Spam 000` … `Spam 004`, `Spam 000` …, `count` of them.
pub fn spam(count: usize, newline: bool) -> Vec<u8> {
    (0..count)
        .flat_map(|i| {
            let mut m = format!("Spam {:03}", i % 5).into_bytes();
            if newline {
                m.push(b'\n');
            }
            m
        })
        .collect()
}

/// A fresh directory for one test.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Asks `ready` every few milliseconds until it says yes (`Some`), or the deadline passes
/// (`None`). Every wait in these tests goes through here: on a file, a process's state or its
/// exit, never a sleep that hopes something has happened by then.
pub fn poll_until<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(done) = ready() {
            return Some(done);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// As [`poll_until`], panicking with `what` (worked out then, so it can say what it saw) at
/// the deadline.
pub fn wait_until<T>(what: impl FnOnce() -> String, ready: impl FnMut() -> Option<T>) -> T {
    poll_until(ready).unwrap_or_else(|| panic!("waited {DEADLINE:?}: {}", what()))
}

/// Waits for `child` to exit; kills it and panics, naming `what`, at the deadline.
pub fn wait_for_exit(what: &str, child: &mut Child) -> std::process::ExitStatus {
    match poll_until(|| child.try_wait().expect("try_wait works")) {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not exit within {DEADLINE:?}");
        }
    }
}

/// Waits until something exists at `path` (a father has made its FIFO or socket).
pub fn wait_for_path(path: &Path) {
    wait_until(
        || format!("{} never appeared", path.display()),
        || std::fs::symlink_metadata(path).ok(),
    );
}

/// What `pid` sleeps in (`/proc/<pid>/wchan`), followed by what each of its threads does.
pub fn wchan(pid: Pid) -> String {
    let mut found = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let path = task.path().join("wchan");
            found.push(' ');
            found.push_str(&std::fs::read_to_string(path).unwrap_or_default());
        }
    }
    found
}

/// Waits until the main thread of `pid` sleeps in a kernel function whose name contains
/// `what`: `wait_for_partner` (a FIFO's open(2)), `pipe_read`, `pipe_write` (`anon_pipe_write`
/// on some kernels), `poll`.
pub fn wait_for_wchan(pid: Pid, what: &str) {
    wait_until(
        || format!("{pid} never blocked in {what}: {}", wchan(pid)),
        || {
            std::fs::read_to_string(format!("/proc/{pid}/wchan"))
                .ok()
                .filter(|main| main.contains(what))
        },
    );
}

/// As [`wait_for_wchan`], for any thread of `pid`.
pub fn wait_for_any_thread(pid: Pid, what: &str) {
    wait_until(
        || format!("{pid}: no thread in {what}: {}", wchan(pid)),
        || wchan(pid).contains(what).then_some(()),
    );
}

/// What a finished command printed: an assert_cmd assertion or a std `Output`.
pub trait Printed {
    fn printed(&self) -> &std::process::Output;
}

impl Printed for assert_cmd::assert::Assert {
    fn printed(&self) -> &std::process::Output {
        self.get_output()
    }
}

impl Printed for std::process::Output {
    fn printed(&self) -> &std::process::Output {
        self
    }
}

/// Its stdout as text (ipcdemo writes UTF-8, so anything else fails the test).
pub fn stdout_text(out: &impl Printed) -> String {
    String::from_utf8(out.printed().stdout.clone()).expect("stdout is UTF-8")
}

/// Its stderr as text (ipcdemo writes UTF-8, so anything else fails the test).
pub fn stderr_text(out: &impl Printed) -> String {
    String::from_utf8(out.printed().stderr.clone()).expect("stderr is UTF-8")
}

/// Each line parsed as the one JSON object `--json` prints per line; panics naming the line
/// that is not one.
pub fn json_lines<L: AsRef<str>>(lines: impl IntoIterator<Item = L>) -> Vec<Value> {
    lines
        .into_iter()
        .map(|line| {
            let line = line.as_ref();
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line: {line}: {e}"))
        })
        .collect()
}

/// The lines of `stdout` that start with `prefix`, data only.
pub fn data_lines(lines: &[String], prefix: &str) -> Vec<Vec<u8>> {
    lines
        .iter()
        .filter(|l| l.starts_with(prefix))
        .map(|l| data_of(l))
        .collect()
}

/// True when this test can act as another user (it runs as root and setpriv exists).
pub fn can_setpriv() -> bool {
    // nobody must also be able to reach the binary: a checkout under a 0700 folder is not.
    nix::unistd::geteuid().is_root()
        && ipcdemo_as_nobody(&["--version"])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// `ipcdemo ARGS` run as uid/gid 65534 (nobody), where root's bypass of permissions would
/// hide what another user can do.
pub fn ipcdemo_as_nobody(args: &[&str]) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(assert_cmd::cargo::cargo_bin("ipcdemo"));
    with_plain_environment(cmd, args)
}

/// Says that a test could not run its check here. It writes to the process's stderr directly
/// (the test harness captures `eprintln!`), so the skip shows in CI's log, never silently.
pub fn skip(reason: &str) {
    use std::io::Write;
    // CI installs every tool a test needs: there a skip is a test that did not run, and it
    // fails the run rather than pass with a line in the log.
    if std::env::var_os("IPCDEMO_NO_SKIP").is_some() {
        panic!("skipped under IPCDEMO_NO_SKIP: {reason}");
    }
    let _ = writeln!(std::io::stderr().lock(), "skipped: {reason}");
}

/// A symbolic link, a regular file and a folder where a FIFO or socket should be, each with
/// content that must survive being refused.
pub struct ForeignFiles {
    dir: tempfile::TempDir,
}

impl ForeignFiles {
    pub fn new() -> ForeignFiles {
        let dir = temp_dir();
        std::fs::write(dir.path().join("precious"), b"keep me").unwrap();
        std::os::unix::fs::symlink(dir.path().join("precious"), dir.path().join("link")).unwrap();
        std::fs::write(dir.path().join("file"), b"mine").unwrap();
        std::fs::create_dir(dir.path().join("folder")).unwrap();
        ForeignFiles { dir }
    }

    /// Each path, and how ipcdemo must name what is there.
    pub fn cases(&self) -> [(std::path::PathBuf, &'static str); 3] {
        [
            (self.dir.path().join("link"), "a symbolic link"),
            (self.dir.path().join("file"), "a regular file"),
            (self.dir.path().join("folder"), "a directory"),
        ]
    }

    /// Runs each side on each path, expecting exit 1 and an error that contains `expected`
    /// (with `{path}` and `{kind}` filled in), then checks that nothing was touched.
    pub fn assert_refused_by(&self, sides: &[&[&str]], expected: &str) {
        for (path, kind) in self.cases() {
            for side in sides {
                let mut args = side.to_vec();
                args.extend(["--path", path_str(&path)]);
                let out = ipcdemo(&args).assert().code(1);
                let stderr = stderr_text(&out);
                let expected = expected
                    .replace("{path}", &path.display().to_string())
                    .replace("{kind}", kind);
                assert!(stderr.contains(&expected), "{args:?}: {stderr}");
            }
        }
        let d = self.dir.path();
        assert_eq!(std::fs::read(d.join("precious")).unwrap(), b"keep me");
        assert_eq!(
            std::fs::read_link(d.join("link")).unwrap(),
            d.join("precious")
        );
        assert_eq!(std::fs::read(d.join("file")).unwrap(), b"mine");
        assert!(d.join("folder").is_dir());
    }
}

/// True when `tool` runs here; otherwise says the test is skipped and why.
pub fn have(tool: &str, version_flag: &str) -> bool {
    let here = Command::new(tool)
        .arg(version_flag)
        .output()
        .is_ok_and(|o| o.status.success());
    if !here {
        skip(&format!(
            "{tool} is not installed (.ci/run installs what the tests need)"
        ));
    }
    here
}

/// A father of `kind` ("named" or "socket") on `path`, started and waited for until its FIFO
/// or socket exists.
pub fn start_father(kind: &str, path: &Path, extra: &[&str]) -> Running {
    let mut args = vec![kind, "--path", path_str(path)];
    args.extend_from_slice(extra);
    let running = Running::start(&format!("{kind} father"), ipcdemo_std(&args));
    wait_for_path(path);
    running
}

/// A son of `kind` on `path`; `--tick 0` unless `extra` sets a tick.
pub fn start_son(kind: &str, path: &Path, extra: &[&str]) -> Running {
    let mut args = vec![kind, "--son", "--path", path_str(path)];
    args.extend_from_slice(extra);
    if !extra.contains(&"--tick") {
        args.extend(["--tick", "0"]);
    }
    Running::start(&format!("{kind} son"), ipcdemo_std(&args))
}

/// /proc/sys/fs/pipe-max-size: the most an unprivileged user may ask of F_SETPIPE_SZ.
pub fn pipe_max_size() -> u64 {
    std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0)
}
