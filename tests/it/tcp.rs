//! `socket --tcp`: the same father and sons over TCP, on loopback only. The father is asked for
//! port 0 and says in its `listening` event which port the kernel gave it.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::Command;

use serde_json::Value;

use crate::util::*;

/// A TCP father on `address` (port 0 for any), in JSON; returns it and where it listens.
fn tcp_father(address: &str, extra: &[&str]) -> (Running, String) {
    let mut args = vec!["--json", "socket", "--tcp", address];
    args.extend_from_slice(extra);
    let mut father = Running::start("tcp father", ipcdemo_std(&args));
    let first: Value = serde_json::from_str(&father.next_line()).unwrap();
    assert_eq!(first["event"], "listening", "{first}");
    let listening = first["address"].as_str().unwrap().to_string();
    (father, listening)
}

#[test]
fn four_sons_over_tcp_each_arrive_whole_keyed_by_port() {
    let (father, address) = tcp_father("0", &["--count", "1200"]);
    assert!(
        address.starts_with("127.0.0.1:"),
        "loopback by default: {address}"
    );
    let sons: Vec<Running> = (0..4)
        .map(|_| {
            Running::start(
                "tcp son",
                ipcdemo_std(&[
                    "socket", "--son", "--tcp", &address, "--count", "300", "--tick", "0",
                ]),
            )
        })
        .collect();
    for son in sons {
        let done = son.finish();
        assert_eq!(done.code, Some(0), "{}", done.stderr);
    }
    let done = father.finish();
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let events = json_lines(&done.stdout);
    let mut by_peer: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for e in events.iter().filter(|e| e["event"] == "received") {
        let peer = e["peer"]
            .as_str()
            .expect("a TCP son is known by address")
            .to_string();
        assert!(e.get("son").is_none(), "no pid over TCP: {e}");
        by_peer
            .entry(peer)
            .or_default()
            .extend(unescape(e["data"].as_str().unwrap()));
    }
    assert_eq!(by_peer.len(), 4, "{:?}", by_peer.keys());
    for (peer, bytes) in &by_peer {
        assert_eq!(bytes, &spam(300, true), "son {peer}");
    }
    let accepted: Vec<&Value> = events.iter().filter(|e| e["event"] == "accepted").collect();
    assert_eq!(accepted.len(), 4);
    assert!(
        accepted
            .iter()
            .all(|e| e.get("uid").is_none() && e["peer"].is_string())
    );
    let summary = events.last().unwrap();
    assert_eq!(
        (summary["messages"].as_u64(), summary["bytes"].as_u64()),
        (Some(1200), Some(10800))
    );
}

#[test]
fn ipv6_loopback_works_when_the_machine_has_it() {
    if TcpListener::bind("[::1]:0").is_err() {
        skip("no IPv6 loopback here");
        return;
    }
    let (father, address) = tcp_father("[::1]:0", &["--count", "2"]);
    assert!(address.starts_with("[::1]:"), "{address}");
    let son = Running::start(
        "tcp6 son",
        ipcdemo_std(&[
            "socket", "--son", "--tcp", &address, "--count", "2", "--tick", "0",
        ]),
    )
    .finish();
    assert_eq!(son.code, Some(0), "{}", son.stderr);
    let done = father.finish();
    let received: Vec<Value> = json_lines(&done.stdout)
        .into_iter()
        .filter(|e| e["event"] == "received")
        .collect();
    let bytes: Vec<u8> = received
        .iter()
        .flat_map(|e| unescape(e["data"].as_str().unwrap()))
        .collect();
    assert_eq!(bytes, spam(2, true));
}

/// The round trips a son with --ack reports, in µs.
fn round_trips(son: &Finished) -> Vec<f64> {
    json_lines(&son.stdout)
        .iter()
        .filter(|e| e["event"] == "answered")
        .map(|e| e["rtt_us"].as_f64().unwrap())
        .collect()
}

#[test]
fn ack_round_trips_over_tcp_with_and_without_nagle() {
    let (father, address) = tcp_father("0", &["--ack", "--count", "6"]);
    for extra in [&[][..], &["--nagle"][..]] {
        let mut args = vec!["--json", "socket", "--son", "--tcp", &address, "--ack"];
        args.extend(["--count", "3", "--tick", "0"]);
        args.extend_from_slice(extra);
        let son = Running::start("tcp son --ack", ipcdemo_std(&args)).finish();
        assert_eq!(son.code, Some(0), "{extra:?}: {}", son.stderr);
        let rtts = round_trips(&son);
        assert_eq!(rtts.len(), 3, "{extra:?}: {:?}", son.stdout);
        assert!(rtts.iter().all(|&r| r > 0.0), "{rtts:?}");
        // Every answer is the whole line, even when --nagle split it in two writes.
        let answers: Vec<String> = json_lines(&son.stdout)
            .iter()
            .filter(|e| e["event"] == "answered")
            .map(|e| e["data"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            answers,
            ["ack Spam 000\\n", "ack Spam 001\\n", "ack Spam 002\\n"]
        );
    }
    assert_eq!(father.finish().code, Some(0));
}

#[test]
fn tcp_errors_are_explained() {
    // A port in use.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let out = ipcdemo(&["socket", "--tcp", &port]).assert().code(1);
    assert!(
        stderr_text(&out).contains(&format!("{port} is in use (EADDRINUSE)")),
        "{}",
        stderr_text(&out)
    );
    // Nobody listening.
    drop(taken);
    let out = ipcdemo(&["socket", "--son", "--tcp", &port, "--count", "1"])
        .assert()
        .code(1);
    assert!(
        stderr_text(&out).contains(&format!("nobody listens on {port} (connection refused)")),
        "{}",
        stderr_text(&out)
    );
    // A son without a port, an unknown host, and what clap rejects.
    let out = ipcdemo(&["socket", "--son", "--tcp", "0"]).assert().code(1);
    assert!(
        stderr_text(&out).contains("a son needs the father's port"),
        "{}",
        stderr_text(&out)
    );
    let out = ipcdemo(&["socket", "--son", "--tcp", "no-such-host.invalid:5000"])
        .assert()
        .code(1);
    assert!(
        stderr_text(&out).contains("is not an address this machine can use"),
        "{}",
        stderr_text(&out)
    );
    for args in [
        vec!["socket", "--tcp", "::1:5000"],
        vec!["socket", "--tcp", "localhost:99999"],
        vec!["socket", "--tcp", "0", "--seqpacket"],
        vec!["socket", "--tcp", "0", "--path", "/tmp/x"],
        vec!["socket", "--nagle"],
    ] {
        ipcdemo(&args).assert().code(2);
    }
}

#[test]
fn a_father_open_to_the_network_says_so() {
    let (father, address) = tcp_father("0.0.0.0:0", &[]);
    assert!(address.starts_with("0.0.0.0:"), "{address}");
    father.signal(nix::sys::signal::Signal::SIGTERM);
    let done = father.finish();
    assert!(
        done.stderr
            .contains("is not loopback: others on the network can connect"),
        "{}",
        done.stderr
    );
    assert_eq!(done.signal, Some(15));
}

#[test]
fn socat_is_a_tcp_son_and_a_tcp_father() {
    if !have("socat", "-V") {
        return;
    }
    // socat as a son.
    let (father, address) = tcp_father("0", &["--count", "2"]);
    let (code, stderr) = run_with_deadline("socat son", {
        let mut c = Command::new("bash");
        c.arg("-c")
            .arg(format!("printf 'hello\\nworld\\n' | socat - TCP:{address}"))
            .stderr(std::process::Stdio::piped());
        c
    });
    assert_eq!(code, Some(0), "{stderr}");
    let done = father.finish();
    let data: Vec<u8> = json_lines(&done.stdout)
        .iter()
        .filter(|e| e["event"] == "received")
        .flat_map(|e| unescape(e["data"].as_str().unwrap()))
        .collect();
    assert_eq!(data, b"hello\nworld\n");
    // socat as a father: it prints what our son sends.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut socat = Command::new("socat");
    socat
        .args([
            "-u",
            &format!("TCP-LISTEN:{},bind=127.0.0.1,reuseaddr", free.port()),
            "-",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let socat = Running::start("socat father", socat);
    wait_for_listening(free.port());
    let son = Running::start(
        "son to socat",
        ipcdemo_std(&[
            "socket",
            "--son",
            "--tcp",
            &free.to_string(),
            "--count",
            "3",
            "--tick",
            "0",
        ]),
    )
    .finish();
    assert_eq!(son.code, Some(0), "{}", son.stderr);
    let heard = socat.finish();
    assert_eq!(heard.stdout, ["Spam 000", "Spam 001", "Spam 002"]);
}

/// Waits until something listens on 127.0.0.1:`port`, as the kernel's table says.
fn wait_for_listening(port: u16) {
    let wanted = format!("0100007F:{port:04X}");
    let deadline = std::time::Instant::now() + DEADLINE;
    loop {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
        let listening = table.lines().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(1) == Some(&wanted.as_str()) && fields.get(3) == Some(&"0A")
        });
        if listening {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing listened on {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
