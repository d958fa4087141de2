//! `ipcdemo mq`: a POSIX message queue, its father and its sons. The queues are seen where
//! the kernel shows them, in the mqueue file system at /dev/mqueue (mounted here if it is not;
//! each test that needs it says "skipped" otherwise). Every queue has a name of its own test,
//! and every run its own per-user folder (XDG_RUNTIME_DIR), where the lock files go.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::util::*;

/// Whether /dev/mqueue shows the queues, mounting it once if we may.
fn mqueue_mounted() -> bool {
    static MOUNTED: OnceLock<Result<(), String>> = OnceLock::new();
    let mounted = MOUNTED.get_or_init(|| {
        let is_mounted = || {
            std::fs::read_to_string("/proc/mounts")
                .unwrap_or_default()
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some("/dev/mqueue") && l.contains("mqueue"))
        };
        if is_mounted() {
            return Ok(());
        }
        if !nix::unistd::geteuid().is_root() {
            return Err("/dev/mqueue is not mounted and mounting it needs root".into());
        }
        let _ = std::fs::create_dir_all("/dev/mqueue");
        let out = Command::new("mount")
            .args(["-t", "mqueue", "none", "/dev/mqueue"])
            .output();
        match out {
            Ok(_) if is_mounted() => Ok(()),
            Ok(out) => Err(format!(
                "`mount -t mqueue none /dev/mqueue` failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Err(format!("cannot run mount: {e}")),
        }
    });
    match mounted {
        Ok(()) => true,
        Err(reason) => {
            skip(&format!("{reason}; cannot see queues"));
            false
        }
    }
}

/// A queue name for one test.
fn queue_name(tag: &str) -> String {
    format!("/ipcdemo-it-{}-{tag}", std::process::id())
}

/// Where the kernel shows the queue `name`.
fn queue_file(name: &str) -> PathBuf {
    Path::new("/dev/mqueue").join(name.trim_start_matches('/'))
}

/// One test's world: its own XDG_RUNTIME_DIR (so its lock files are its own).
struct World {
    runtime: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            runtime: temp_dir(),
        }
    }

    /// A world another user can live in too (for setpriv tests).
    fn shared() -> World {
        let world = World::new();
        std::fs::set_permissions(
            world.runtime.path(),
            std::fs::Permissions::from_mode(0o1777),
        )
        .unwrap();
        world
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = ipcdemo_std(args);
        cmd.env("XDG_RUNTIME_DIR", self.runtime.path());
        cmd
    }

    fn as_nobody(&self, args: &[&str]) -> Command {
        let mut cmd = ipcdemo_as_nobody(args);
        cmd.env("XDG_RUNTIME_DIR", self.runtime.path());
        cmd
    }

    fn lock_file(&self, name: &str) -> PathBuf {
        self.runtime
            .path()
            .join("ipcdemo")
            .join(format!("mq-{}.lock", name.trim_start_matches('/')))
    }

    /// A father on `name`, waited for until its queue exists.
    fn father(&self, name: &str, extra: &[&str]) -> Running {
        let mut args = vec!["mq", "--name", name];
        args.extend_from_slice(extra);
        let running = Running::start("mq father", self.command(&args));
        wait_for_path(&queue_file(name));
        running
    }

    /// A son on `name`; `--tick 0` unless `extra` sets a tick.
    fn son(&self, name: &str, extra: &[&str]) -> Running {
        let mut args = vec!["mq", "--son", "--name", name];
        args.extend_from_slice(extra);
        if !extra.contains(&"--tick") {
            args.extend(["--tick", "0"]);
        }
        Running::start("mq son", self.command(&args))
    }
}

fn received(events: &[Value]) -> Vec<&Value> {
    events.iter().filter(|e| e["event"] == "received").collect()
}

fn proc_limit(name: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/sys/fs/mqueue/{name}"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_father_and_three_sons_of_200_messages_each_get_every_message_whole_and_in_order() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("three-sons");
    // Made under umask 000, still 0600.
    let mut cmd = world.command(&["--json", "mq", "--name", &name, "--count", "600"]);
    // SAFETY: umask(2) is async-signal-safe, fine between fork and exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            nix::sys::stat::umask(nix::sys::stat::Mode::empty());
            Ok(())
        });
    }
    let father = Running::start("mq father", cmd);
    wait_for_path(&queue_file(&name));
    let mode = std::fs::metadata(queue_file(&name))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the queue is 0600 whatever the umask");
    // Ten messages fill the queue: the sons also wait for room, again and again.
    let sons: Vec<Running> = (0..3)
        .map(|_| world.son(&name, &["--count", "200"]))
        .collect();
    for son in sons {
        let done = son.finish();
        assert_eq!(done.code, Some(0), "{done:?}");
        assert!(
            done.stderr.contains("son ") && done.stderr.contains(": sent 200 messages, 1600 bytes")
        );
    }
    let done = father.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let events = json_lines(&done.stdout);
    let got = received(&events);
    assert_eq!(got.len(), 600);
    // Whole: every receive is one 8-byte message. In order per son: nothing says which son
    // sent which (a queue keeps no sender), but the 600 must interleave three runs of
    // Spam 000, 001, 002, 003, 004, 000 … of 200 each; give each message to the son that
    // expects it and is furthest behind.
    let mut next = [0usize; 3];
    for (i, event) in got.iter().enumerate() {
        assert_eq!(event["bytes"], 8, "{event}");
        assert_eq!(event["priority"], 0, "{event}");
        let data = event["data"].as_str().unwrap();
        let n: usize = data
            .strip_prefix("Spam 00")
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("receive {i} is not one whole message: {data:?}"));
        let son = (0..3)
            .filter(|&s| next[s] < 200 && next[s] % 5 == n)
            .min_by_key(|&s| next[s])
            .unwrap_or_else(|| panic!("receive {i}, {data}, is out of every son's order"));
        next[son] += 1;
    }
    assert_eq!(next, [200; 3]);
    let summary = events.last().unwrap();
    assert_eq!(summary["kind"], "queue", "{summary}");
    assert_eq!(
        (
            &summary["messages"],
            &summary["bytes"],
            &summary["receives"]
        ),
        (&Value::from(600), &Value::from(4800), &Value::from(600))
    );
    assert_eq!(
        summary["max_messages"],
        proc_limit("msg_default").min(proc_limit("msg_max"))
    );
    assert_eq!(summary["left_in_queue"], 0);
    assert!(!queue_file(&name).exists(), "the father removes its queue");
    assert!(!world.lock_file(&name).exists(), "and its lock file");
}

#[test]
fn higher_priorities_overtake_the_messages_waiting_in_the_queue() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("priorities");
    let father = world.father(
        &name,
        &[
            "--json",
            "--read-after",
            "2s",
            "--count",
            "10",
            "--max-messages",
            "10",
        ],
    );
    let son = world.son(&name, &["--json", "--count", "10", "--priority-every", "3"]);
    let son = son.finish();
    assert_eq!(son.code, Some(0), "{son:?}");
    let done = father.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let sent = json_lines(&son.stdout);
    let sent: Vec<&Value> = sent.iter().filter(|e| e["event"] == "sent").collect();
    let priorities: Vec<u64> = sent
        .iter()
        .map(|e| e["priority"].as_u64().unwrap())
        .collect();
    assert_eq!(priorities, [0, 0, 1, 0, 0, 1, 0, 0, 1, 0]);
    let events = json_lines(&done.stdout);
    let got = received(&events);
    let last_send = sent.last().unwrap()["time"].as_f64().unwrap();
    let first_receive = got[0]["time"].as_f64().unwrap();
    assert!(
        last_send < first_receive,
        "the son took longer than --read-after 2s; the queue never held all ten"
    );
    // Messages 3, 6 and 9 (priority 1) first, in the order sent; then the rest, in order.
    let order = [2, 5, 8, 0, 1, 3, 4, 6, 7, 9];
    let expected: Vec<(String, u64, u64)> = order
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let priority = u64::from(m % 3 == 2);
            (format!("Spam {:03}", m % 5), priority, 9 - i as u64)
        })
        .collect();
    let seen: Vec<(String, u64, u64)> = got
        .iter()
        .map(|e| {
            (
                e["data"].as_str().unwrap().to_string(),
                e["priority"].as_u64().unwrap(),
                e["queued"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, expected);
    let summary = events.last().unwrap();
    assert_eq!(summary["priority_messages"], 3, "{summary}");
    assert!(
        done.stderr
            .contains("father: waiting 2 s before the first mq_receive(3)")
    );
}

#[test]
fn a_full_queue_makes_a_no_wait_son_fail_with_eagain_explained() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("eagain");
    let father = world.father(&name, &["--max-messages", "2", "--read-after", "60m"]);
    let son = world.son(&name, &["--count", "3", "--no-wait"]).finish();
    assert_eq!(son.code, Some(1), "{son:?}");
    assert!(
        son.stderr.contains(&format!(
            "error: {name} is full (2 messages, mq_maxmsg) after 2 messages from this son: with \
             --no-wait, mq_send(3) fails with EAGAIN"
        )),
        "{}",
        son.stderr
    );
    // The father, still waiting, is stopped: the two messages go with its queue.
    father.signal(Signal::SIGTERM);
    let done = father.finish();
    assert_eq!(done.signal, Some(Signal::SIGTERM as i32), "{done:?}");
    assert!(
        done.stderr
            .contains("2 messages still in it went with it when it was removed"),
        "{}",
        done.stderr
    );
    assert!(!queue_file(&name).exists());
}

#[test]
fn a_full_queue_blocks_the_son_until_the_father_receives() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("blocks");
    let father = world.father(&name, &["--max-messages", "2", "--count", "5"]);
    wait_for_wchan(father.pid(), "wq_sleep");
    // A father that cannot run: the son fills the queue and must wait.
    father.signal(Signal::SIGSTOP);
    let son = world.son(&name, &["--count", "5"]);
    wait_for_wchan(son.pid(), "poll");
    assert!(queue_file(&name).exists());
    let state = std::fs::read_to_string(queue_file(&name)).unwrap();
    assert!(
        state.starts_with("QSIZE:16 "),
        "two 8-byte messages: {state}"
    );
    father.signal(Signal::SIGCONT);
    let son = son.finish();
    assert_eq!(son.code, Some(0), "{son:?}");
    assert!(
        son.stderr
            .contains(&format!("son: {name} is full (2 messages, mq_maxmsg)")),
        "{}",
        son.stderr
    );
    let done = father.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(
        data_lines(&done.stdout, "Father ").concat(),
        spam(5, false),
        "one son, one priority: first in, first out"
    );
}

#[test]
fn a_son_waiting_for_room_learns_that_its_father_removed_the_queue() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("removed");
    let father = world.father(&name, &["--max-messages", "2", "--read-after", "60m"]);
    let son = world.son(&name, &["--count", "5"]);
    wait_for_wchan(son.pid(), "poll");
    father.signal(Signal::SIGHUP);
    assert_eq!(father.finish().signal, Some(Signal::SIGHUP as i32));
    let son = son.finish();
    assert_eq!(son.code, Some(1), "{son:?}");
    assert!(
        son.stderr.contains(&format!(
            "error: the queue {name} was removed (its father ended) after 2 messages"
        )),
        "{}",
        son.stderr
    );
}

#[test]
fn a_message_longer_than_mq_msgsize_is_refused_whole_with_emsgsize() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("emsgsize");
    let father = world.father(&name, &["--message-size", "4"]);
    let son = world.son(&name, &["--count", "1"]).finish();
    assert_eq!(son.code, Some(1), "{son:?}");
    assert!(
        son.stderr.contains(&format!(
            "a message of 8 bytes does not fit in {name}, whose messages are at most 4 bytes \
             (mq_msgsize, fixed when the father created it): mq_send(3) refused it whole with \
             EMSGSIZE; start the father with a larger --message-size"
        )),
        "{}",
        son.stderr
    );
    wait_for_wchan(father.pid(), "wq_sleep");
    father.signal(Signal::SIGINT);
    let done = father.finish();
    assert_eq!(done.signal, Some(2), "{done:?}");
    assert!(
        done.stderr
            .contains("summary: 0 messages, 0 bytes in 0 receives")
    );
    assert!(
        done.stdout.is_empty(),
        "nothing, not a part, arrived: {:?}",
        done.stdout
    );
}

#[test]
fn an_ordinary_user_asking_more_than_the_system_allows_gets_einval_explained() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as an ordinary user");
        return;
    }
    let (msg_max, msgsize_max) = (proc_limit("msg_max"), proc_limit("msgsize_max"));
    if msg_max >= 65_536 || msgsize_max >= 16 << 20 {
        skip("this system's limits are the kernel's hard limits: nothing to ask beyond");
        return;
    }
    let world = World::shared();
    let name = queue_name("einval");
    for (flag, value) in [
        ("--max-messages", (msg_max + 1).to_string()),
        ("--message-size", (msgsize_max + 1).to_string()),
    ] {
        let mut cmd = world.as_nobody(&["mq", "--name", &name, flag, &value]);
        cmd.stdout(std::process::Stdio::null());
        let (code, stderr) = run_with_deadline("nobody's father", cmd);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!("error: the kernel refused to create {name} with "))
                && stderr.contains(&format!(
                    "(EINVAL): without CAP_SYS_RESOURCE a queue may hold at most msg_max \
                     {msg_max} messages of at most msgsize_max {msgsize_max} bytes"
                )),
            "{flag}: {stderr}"
        );
        if mqueue_mounted() {
            assert!(!queue_file(&name).exists(), "{flag}: no queue was made");
        }
    }
}

#[test]
fn every_stop_signal_ends_a_receiving_father_with_its_summary_and_nothing_left() {
    if !mqueue_mounted() {
        return;
    }
    for signal in STOP_SIGNALS {
        let world = World::new();
        let name = queue_name(&format!("stop-{}", signal as i32));
        let father = world.father(&name, &[]);
        assert!(world.lock_file(&name).exists(), "the father holds its lock");
        assert_eq!(world.son(&name, &["--count", "2"]).finish().code, Some(0));
        // Both received, the father sleeps in mq_receive(3) again.
        let mut father = father;
        father.next_line();
        father.next_line();
        wait_for_wchan(father.pid(), "wq_sleep");
        father.signal(signal);
        let done = father.finish();
        assert_eq!(done.signal, Some(signal as i32), "{signal}: {done:?}");
        assert!(
            done.stderr
                .contains("summary: 2 messages, 16 bytes in 2 receives"),
            "{signal}: {}",
            done.stderr
        );
        assert!(!queue_file(&name).exists(), "{signal}: the queue is left");
        assert!(
            !world.lock_file(&name).exists(),
            "{signal}: the lock is left"
        );
    }
}

#[test]
fn a_queue_left_by_a_father_killed_with_kill_9_is_replaced_and_said_so() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("stale");
    let first = world.father(&name, &["--read-after", "60m"]);
    assert_eq!(world.son(&name, &["--count", "2"]).finish().code, Some(0));
    first.signal(Signal::SIGKILL);
    assert_eq!(first.finish().signal, Some(9));
    assert!(queue_file(&name).exists(), "kill -9 leaves the queue");
    assert!(
        world.lock_file(&name).exists(),
        "and the lock file, unlocked"
    );
    // A son sees that nobody holds the lock, and says so; its message waits in the queue.
    let son = world.son(&name, &["--count", "1"]).finish();
    assert_eq!(son.code, Some(0), "{son:?}");
    assert!(
        son.stderr.contains(&format!(
            "warning: no father holds the lock {}: {name} was left by a father that died",
            world.lock_file(&name).display()
        )),
        "{}",
        son.stderr
    );
    // The stale queue is there already: wait until the new father has made its own.
    let stale = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(queue_file(&name)).unwrap());
    let second = world.father(&name, &["--count", "1"]);
    let deadline = std::time::Instant::now() + DEADLINE;
    while std::fs::metadata(queue_file(&name))
        .map_or(true, |m| std::os::unix::fs::MetadataExt::ino(&m) == stale)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the stale queue was never replaced"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(world.son(&name, &["--count", "1"]).finish().code, Some(0));
    let done = second.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stderr.contains(&format!(
            "father: replaced the stale queue {name}: nobody held its lock {}",
            world.lock_file(&name).display()
        )) && done.stderr.contains("the 3 messages in it went with it"),
        "{}",
        done.stderr
    );
    // Only the new son's message: the stale ones went with the old queue.
    assert_eq!(
        data_lines(&done.stdout, "Father "),
        vec![b"Spam 000".to_vec()]
    );
    assert!(!queue_file(&name).exists());
}

#[test]
fn a_second_father_is_refused_while_the_first_receives() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("second");
    let first = world.father(&name, &["--count", "1"]);
    let mut cmd = world.command(&["mq", "--name", &name]);
    cmd.stdout(std::process::Stdio::null());
    let (code, stderr) = run_with_deadline("second father", cmd);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: another father (pid {}) is already receiving on {name}",
            first.pid()
        )),
        "{stderr}"
    );
    // The first is untouched and goes on.
    assert!(queue_file(&name).exists());
    assert_eq!(world.son(&name, &["--count", "1"]).finish().code, Some(0));
    let done = first.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert_eq!(data_lines(&done.stdout, "Father ").len(), 1);
}

#[test]
fn another_users_queue_is_refused_and_left_untouched() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as another user");
        return;
    }
    if !mqueue_mounted() {
        return;
    }
    // Each user its own per-user folder: root would rightly refuse one that nobody owns.
    let world = World::shared();
    let mine = World::new();
    let name = queue_name("foreign");
    let theirs = Running::start(
        "nobody's father",
        world.as_nobody(&["mq", "--name", &name, "--read-after", "60m"]),
    );
    wait_for_path(&queue_file(&name));
    let meta = std::fs::metadata(queue_file(&name)).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), 65534);
    // Root could open it, and still refuses it: as a father, and as a son.
    for side in [&["mq"][..], &["mq", "--son", "--count", "1", "--tick", "0"]] {
        let mut args = side.to_vec();
        args.extend(["--name", &name]);
        let mut cmd = mine.command(&args);
        cmd.stdout(std::process::Stdio::null());
        let (code, stderr) = run_with_deadline("root on nobody's queue", cmd);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "refusing to use the queue {name}: it belongs to uid 65534, not to you (uid 0); \
                 it was left untouched"
            )),
            "{args:?}: {stderr}"
        );
    }
    assert!(queue_file(&name).exists(), "untouched");
    let state = std::fs::read_to_string(queue_file(&name)).unwrap();
    assert!(
        state.starts_with("QSIZE:0 "),
        "nothing was sent to it: {state}"
    );
    // nobody, facing root's 0600 queue, may not even open it.
    let ours = queue_name("roots");
    let root_father = mine.father(&ours, &[]);
    let mut cmd = world.as_nobody(&["mq", "--son", "--count", "1", "--name", &ours]);
    cmd.stdout(std::process::Stdio::null());
    let (code, stderr) = run_with_deadline("nobody's son", cmd);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "refusing to use the queue {ours}: it exists and you may not open it (EACCES)"
        )),
        "{stderr}"
    );
    root_father.signal(Signal::SIGTERM);
    assert_eq!(root_father.finish().signal, Some(15));
    theirs.signal(Signal::SIGTERM);
    let done = theirs.finish();
    assert_eq!(done.signal, Some(15), "{done:?}");
    assert!(
        !queue_file(&name).exists(),
        "nobody's father removed its own queue"
    );
}

#[test]
fn a_son_with_no_queue_is_told_to_start_its_father() {
    let world = World::new();
    let name = queue_name("nobody-home");
    let mut cmd = world.command(&["mq", "--son", "--name", &name, "--count", "1"]);
    cmd.stdout(std::process::Stdio::null());
    let (code, stderr) = run_with_deadline("mq son", cmd);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: there is no queue {name} (ENOENT): only a father creates it; start \
             `ipcdemo mq --name {name}` first"
        )),
        "{stderr}"
    );
}

#[test]
fn bad_names_and_values_are_usage_errors() {
    let longest = format!("/{}", "q".repeat(247));
    let too_long = format!("{longest}q");
    for (args, needle) in [
        (
            &["mq", "--name", "queue"][..],
            "starts with a slash, like /queue",
        ),
        (&["mq", "--name", "/a/b"], "one slash, the first character"),
        (&["mq", "--name", "/"], "needs a name after its slash"),
        (&["mq", "--name", "/.."], "needs a name after its slash"),
        (
            &["mq", "--name", &too_long],
            "249 bytes is too long for a queue name; give at most 248",
        ),
        (&["mq", "--max-messages", "0"], "--max-messages"),
        (&["mq", "--max-messages", "65537"], "65537"),
        (&["mq", "--message-size", "0"], "out of range"),
        (&["mq", "--message-size", "17M"], "out of range"),
        (
            &["mq", "--son", "--priority-every", "0"],
            "--priority-every",
        ),
        (&["mq", "--priority-every", "3"], "--son"),
        (&["mq", "--no-wait"], "--son"),
        (&["mq", "--son", "--read-after", "1s"], "--read-after"),
        (&["mq", "--son", "--max-messages", "3"], "--max-messages"),
        (&["mq", "--read-after", "-1s"], "negative"),
    ] {
        let out = ipcdemo(args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    // The longest name passes the parser (the son then finds no queue).
    let world = World::new();
    let mut cmd = world.command(&["mq", "--son", "--name", &longest]);
    cmd.stdout(std::process::Stdio::null());
    let (code, stderr) = run_with_deadline("mq son", cmd);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("(ENOENT)"), "{stderr}");
}

#[test]
fn portuguese_and_spanish_say_it_all() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("languages");
    let father = world.father(&name, &["--lang", "pt", "--count", "1"]);
    let son = world.son(
        &name,
        &["--lang", "es", "--count", "1", "--priority-every", "1"],
    );
    let son = son.finish();
    let done = father.finish();
    assert_eq!(
        (done.code, son.code),
        (Some(0), Some(0)),
        "{done:?} {son:?}"
    );
    assert!(
        son.stdout[0].contains("envió [Spam 000] con prioridad 1 a las "),
        "{:?}",
        son.stdout
    );
    assert!(
        son.stderr
            .contains(&format!("hijo: enviando a {name}: mq_maxmsg "))
    );
    assert!(
        done.stdout[0].contains("recebeu [Spam 000] com prioridade 1 (0 ainda na fila) às "),
        "{:?}",
        done.stdout
    );
    for expected in [
        format!("pai: criada a fila {name} (modo 0600)"),
        "limites: sem CAP_SYS_RESOURCE".to_string(),
        "resumo: 1 mensagem, 8 bytes em 1 recebimento: cada mq_receive(3) devolveu exatamente \
         uma mensagem inteira, 1 com prioridade acima de 0"
            .to_string(),
        "por quê: uma fila de mensagens preserva cada fronteira".to_string(),
    ] {
        assert!(
            done.stderr.contains(&expected),
            "{expected}: {}",
            done.stderr
        );
    }
}

#[test]
fn the_mq_bench_row_counts_messages_as_well_as_bytes() {
    let size = proc_limit("msgsize_max").min(65_536);
    let out = ipcdemo(&[
        "--json",
        "bench",
        "--mechanism",
        "mq",
        "--total",
        "1M",
        "--size",
        "100",
        "--rounds",
        "200",
    ])
    .assert()
    .success();
    let rows: Vec<Value> = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    let (throughput, latency) = (&rows[0], &rows[1]);
    assert_eq!(throughput["mechanism"], "mq");
    assert_eq!(throughput["bytes"], 1 << 20);
    // 1 MiB in 100-byte messages: 10485 whole ones and one of 76 bytes.
    assert_eq!(throughput["messages"], 10_486, "{throughput}");
    assert!(throughput["messages_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(throughput["mode"]["message_size_bytes"], 100);
    assert!(throughput["mode"]["max_messages"].as_u64().unwrap() >= 1);
    assert_eq!(latency["measure"], "latency");
    assert_eq!(latency["rounds"], 200);
    assert_eq!(latency["bytes"], 400, "200 pings and 200 pongs of 1 byte");
    assert!(latency["rtt_p50_us"].as_f64().unwrap() > 0.0);
    assert!(latency["messages"].is_null());
    // The default 64 KiB writes do not fit in a message: the row says what it used instead.
    let out = ipcdemo(&[
        "--json",
        "bench",
        "--mechanism",
        "mq",
        "--total",
        "1M",
        "--throughput-only",
    ])
    .assert()
    .success();
    let row: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(row["mode"]["message_size_bytes"], size);
    assert_eq!(row["messages"], (1u64 << 20).div_ceil(size));
    if size < 65_536 {
        assert_eq!(
            row["notes"],
            serde_json::json!([{"message_size_capped": {"asked": 65536, "max": size}}]),
            "{row}"
        );
        let out = ipcdemo(&[
            "bench",
            "--mechanism",
            "mq",
            "--total",
            "1M",
            "--throughput-only",
        ])
        .assert()
        .success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains("note (mq): messages here are at most "),
            "{stderr}"
        );
    }
}

#[test]
fn every_stop_signal_stops_an_mq_bench_and_leaves_no_queue() {
    use std::os::unix::process::ExitStatusExt;
    if !mqueue_mounted() {
        return;
    }
    for signal in STOP_SIGNALS {
        // 64 GiB in 8 KiB messages would take minutes: only the signal can end this in time.
        let mut cmd = ipcdemo_std(&[
            "bench",
            "--mechanism",
            "mq",
            "--total",
            "64G",
            "--throughput-only",
        ]);
        cmd.stdout(std::process::Stdio::null());
        let child = cmd.spawn().expect("starts");
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        // Streaming once the child process exists (the queues exist before the fork).
        let children = format!("/proc/{pid}/task/{pid}/children");
        let deadline = std::time::Instant::now() + DEADLINE;
        while std::fs::read_to_string(&children)
            .unwrap_or_default()
            .trim()
            .is_empty()
        {
            assert!(std::time::Instant::now() < deadline, "no bench child");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let streamer = std::fs::read_to_string(&children).unwrap();
        let prefix = format!("ipcdemo-bench-{pid}-");
        let leftovers = || {
            std::fs::read_dir("/dev/mqueue")
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .count()
        };
        assert_eq!(leftovers(), 0, "the names go as soon as both ends are open");
        let asked = std::time::Instant::now();
        nix::sys::signal::kill(pid, signal).unwrap();
        let (status, stderr) = finish_child_status("mq bench after a stop signal", child);
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(2),
            "{signal}: took {:?}",
            asked.elapsed()
        );
        assert_eq!(status.signal(), Some(signal as i32), "{stderr}");
        assert_eq!(stderr, "", "a stop is not an error");
        let streamer = streamer.split_whitespace().next().unwrap();
        assert!(
            !Path::new(&format!("/proc/{streamer}")).exists(),
            "{signal}: the child was reaped"
        );
        assert_eq!(leftovers(), 0);
    }
}

#[test]
fn a_son_stopped_while_it_waits_for_room_dies_by_the_signal_with_its_summary() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("son-stop");
    let father = world.father(&name, &["--max-messages", "2", "--read-after", "60m"]);
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        let son = world.son(&name, &["--count", "5"]);
        // The first son fills the queue; each one then waits for room.
        wait_for_wchan(son.pid(), "poll");
        son.signal(signal);
        let done = son.finish();
        assert_eq!(done.signal, Some(signal as i32), "{done:?}");
        let sent = if signal == Signal::SIGINT { 2 } else { 0 };
        assert!(
            done.stderr
                .contains(&format!(": sent {sent} messages, {} bytes", sent * 8)),
            "{signal}: {}",
            done.stderr
        );
        assert!(!done.stderr.contains("error"), "{}", done.stderr);
    }
    father.signal(Signal::SIGTERM);
    assert_eq!(father.finish().signal, Some(15));
    assert!(!queue_file(&name).exists());
}

#[test]
fn rlimit_msgqueue_binds_root_too_and_is_explained() {
    let world = World::new();
    let name = queue_name("rlimit");
    // One 128-byte message and the kernel's bookkeeping do not fit in 64 bytes.
    let out = Command::new("bash")
        .args([
            "-c",
            "ulimit -q 64 && exec \"$0\" mq --name \"$1\" --max-messages 1 --message-size 128",
        ])
        .arg(assert_cmd::cargo::cargo_bin("ipcdemo"))
        .arg(&name)
        .env("XDG_RUNTIME_DIR", world.runtime.path())
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: the kernel refused to create {name} with 1 message of 128 bytes (EMFILE): \
             mq_maxmsg × mq_msgsize, plus the kernel's bookkeeping, would pass your \
             RLIMIT_MSGQUEUE (64 bytes, `ulimit -q`), which counts all of your queues and binds \
             root too"
        )),
        "{stderr}"
    );
}

#[test]
fn a_father_blocked_on_a_stalled_stdout_ends_on_sigterm_and_removes_its_queue() {
    if !mqueue_mounted() {
        return;
    }
    let world = World::new();
    let name = queue_name("stalled");
    // We hold the read end of the father's stdout and never read it: its lines fill the pipe.
    let (_keep, stdout) = nix::unistd::pipe().unwrap();
    let mut cmd = world.command(&["mq", "--name", &name]);
    cmd.stdout(std::process::Stdio::from(stdout));
    let father = cmd.spawn().unwrap();
    let pid = nix::unistd::Pid::from_raw(father.id() as i32);
    wait_for_path(&queue_file(&name));
    let son = world.son(&name, &[]);
    wait_for_wchan(pid, "pipe_write");
    nix::sys::signal::kill(pid, Signal::SIGTERM).unwrap();
    let (status, stderr) = finish_child_status("mq father", father);
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(15),
        "{stderr}"
    );
    assert!(stderr.contains("summary: "), "{stderr}");
    assert!(!queue_file(&name).exists(), "the queue is removed");
    // Its son, waiting for room in the full queue, learns that it went.
    let son = son.finish();
    assert_eq!(son.code, Some(1), "{son:?}");
    assert!(
        son.stderr.contains("was removed (its father ended)"),
        "{}",
        son.stderr
    );
}

#[test]
fn under_umask_777_a_killed_fathers_lock_still_lets_the_next_father_in() {
    if !can_setpriv() {
        skip("needs root and setpriv to act as an ordinary user (root ignores file modes)");
        return;
    }
    if !mqueue_mounted() {
        return;
    }
    let world = World::shared();
    let name = queue_name("umask");
    let with_umask_777 = |args: &[&str]| {
        let mut cmd = world.as_nobody(args);
        // SAFETY: umask(2) is async-signal-safe, fine between fork and exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o777));
                Ok(())
            });
        }
        cmd
    };
    let first = Running::start("nobody's father", with_umask_777(&["mq", "--name", &name]));
    wait_for_path(&queue_file(&name));
    let lock = world.lock_file(&name);
    let mode = std::fs::metadata(&lock).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the lock file is 0600 whatever the umask"
    );
    let queue_mode = std::fs::metadata(queue_file(&name))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(queue_mode & 0o777, 0o600, "and so is the queue");
    first.signal(Signal::SIGKILL);
    assert_eq!(first.finish().signal, Some(9));
    let second = Running::start(
        "nobody's second father",
        with_umask_777(&["mq", "--name", &name]),
    );
    wait_for_path(&lock);
    // Replaced once its lock is taken: its queue file is then a new one.
    let deadline = std::time::Instant::now() + DEADLINE;
    while std::fs::read_to_string(&lock).unwrap_or_default() != second.pid().to_string() {
        assert!(
            std::time::Instant::now() < deadline,
            "the second father never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    second.signal(Signal::SIGTERM);
    let done = second.finish();
    assert_eq!(done.signal, Some(15), "{done:?}");
    assert!(
        done.stderr
            .contains(&format!("father: replaced the stale queue {name}")),
        "{}",
        done.stderr
    );
    assert!(!queue_file(&name).exists());
}
