#!/usr/bin/env python3
"""Reproduce the ratios of README's "How fast, here" and "Compared with perf and iperf3":
ipcdemo bench side by side with the tools people already run and with small C baselines,
measured in one run, alternating, medians of N.

    python3 scripts/compare.py                     # everything, 9 alternations of each pair
    python3 scripts/compare.py --against tools     # perf bench sched pipe and iperf3 only
    python3 scripts/compare.py --against baselines --runs 3 --quick
    python3 scripts/compare.py --against tools --dry-run   # the commands, nothing run

Tools (--against tools): `perf bench sched pipe` (Debian package linux-perf) for pipe round
trips, pinned to one CPU and not; `iperf3` for TCP loopback throughput at the same write size.
Baselines (--against baselines): `dd` piped to `dd`, and the C programs in scripts/baseline/.

Needs: cargo; for tools, perf, iperf3 and taskset; for baselines, gcc and dd. A missing tool
is said before anything runs, and the exit status is 2. Prints a Markdown table, then every
command. Exit status 1 when a ratio misses its target.

Beside each tools' ratio, the CPU time each side's processes used (getrusage(2) of the reaped
children, and /proc for the iperf3 server) per round trip or per GiB: less disturbed by other
tenants than the wall clock, and it says where a difference comes from. It includes each
program's start (about 12 ms for perf, 3 ms for ipcdemo here: under half a per cent of a
million round trips).

Ratios, not absolute numbers, are the point: the machine is shared and noisy, so each pair runs
back to back, which goes first alternating, every pair once per repetition (a slow stretch
falls on every row alike), and the ratio is the median of the N paired ratios (the range of
those ratios is shown too).

What each tool measures, and how the pair is matched:
- perf bench sched pipe: two processes (parent and one forked child) ping-pong a 4-byte int
  over two pipes, `--loop` times, the clock read once around the whole run (fork and wait
  included); "ops/sec" is round trips per second. ipcdemo matches it with `--msg-size 4`, and
  `--no-percentiles` (clock read once around the timed loop) or per-round timing (one clock
  read per round, for the percentiles). Pinned: `taskset -c CPU perf ...` against `--pin
  same`, on the first CPU this process may use; unpinned: neither.
- iperf3 -c 127.0.0.1 -l SIZE -n TOTAL: one TCP stream of SIZE-byte writes over loopback, the
  server discarding what it reads; it reports bits per second, decimal. Converted to bytes per
  second (divided by 8) and compared with `ipcdemo bench --mechanism tcp --throughput-only
  --size SIZE --total TOTAL`, whose reader checks every byte against the pattern sent.
"""
import argparse
import json
import os
import re
import resource
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "baseline")
IPCDEMO = os.path.join(ROOT, "target", "release", "ipcdemo")
GIB = 1 << 30


class Missing(Exception):
    """A tool this comparison needs is not here."""


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def shown(cmd):
    """A command as it could be pasted into a shell (the ipcdemo path shortened)."""
    return " ".join(shlex.quote(c) for c in cmd).replace(IPCDEMO, "target/release/ipcdemo")


def first_cpu():
    try:
        return min(os.sched_getaffinity(0))
    except (AttributeError, OSError, ValueError):
        return 0


def check_tools(a):
    """Every tool the chosen comparisons need, or Missing naming each absent one and its fix."""
    missing = []
    if a.against in ("tools", "all"):
        if shutil.which(a.perf) is None:
            missing.append(f"{a.perf}: not found (Debian: apt-get install linux-perf; or give "
                           "--perf PATH, such as /usr/bin/perf_6.1)")
        else:
            probe = subprocess.run([a.perf, "bench", "sched", "pipe", "-l", "10"],
                                   capture_output=True, text=True)
            if probe.returncode != 0:
                missing.append(f"{a.perf} bench sched pipe does not run here (exit "
                               f"{probe.returncode}): {probe.stderr.strip()[:200]}")
        if shutil.which(a.iperf3) is None:
            missing.append(f"{a.iperf3}: not found (Debian: apt-get install iperf3; or give "
                           "--iperf3 PATH)")
        if shutil.which("taskset") is None:
            missing.append("taskset: not found (Debian: apt-get install util-linux)")
    if a.against in ("baselines", "all"):
        for tool in ["gcc", "dd"]:
            if shutil.which(tool) is None:
                missing.append(f"{tool}: not found (needed by --against baselines)")
    if shutil.which("cargo") is None and not os.path.exists(IPCDEMO):
        missing.append("cargo: not found, and no release build at target/release/ipcdemo")
    if missing:
        raise Missing("\n".join(missing))


def build(a):
    if shutil.which("cargo") is not None:
        sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    if a.against in ("baselines", "all"):
        os.makedirs(OUT, exist_ok=True)
        for name in ["pingpong", "splice"]:
            sh(["gcc", "-O2", "-Wall", "-o", os.path.join(OUT, name),
                os.path.join(ROOT, "scripts", "baseline", name + ".c")])


def bench_cmd(*args):
    return [IPCDEMO, "--json", "bench", *args]


def bench(cmd):
    return json.loads(sh(cmd).stdout.splitlines()[0])


# --- against the tools people already run ------------------------------------------------

def perf_cmd(a, rounds, pinned):
    cmd = [a.perf, "bench", "sched", "pipe", "--loop", str(rounds)]
    return (["taskset", "-c", str(first_cpu())] + cmd) if pinned else cmd


def perf_round_trips(cmd):
    out = sh(cmd).stdout
    m = re.search(r"([\d.]+)\s+usecs/op", out)
    if m is None:
        raise RuntimeError(f"no usecs/op in the output of {shown(cmd)}:\n{out}")
    # usecs/op to six decimals is finer than "ops/sec", which perf truncates to an integer.
    return 1e6 / float(m.group(1))


def pipe_cmd(rounds, pinned, percentiles):
    cmd = bench_cmd("--mechanism", "pipe", "--latency-only", "--msg-size", "4",
                    "--rounds", str(rounds), "--pin", "same" if pinned else "none")
    return cmd if percentiles else cmd + ["--no-percentiles"]


def tcp_cmd(size, total):
    return bench_cmd("--mechanism", "tcp", "--throughput-only", "--size", str(size),
                     "--total", str(total))


class Iperf3Server:
    """`iperf3 -s` on a free loopback port, for the whole comparison; stopped by its pid."""

    def __init__(self, a):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.cmd = [a.iperf3, "-s", "-B", "127.0.0.1", "-p", str(self.port)]
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        # Listening is seen in /proc/net/tcp (state 0A), not by connecting: a stray connection
        # would be taken for a test.
        deadline = time.monotonic() + 10
        want = f":{self.port:04X} "
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{shown(self.cmd)} exited with {self.proc.returncode}")
            with open("/proc/net/tcp") as f:
                if any(want in line and line.split()[3] == "0A" for line in f):
                    return
            time.sleep(0.02)
        raise RuntimeError(f"{shown(self.cmd)} did not listen within 10 s")

    def cpu_seconds(self):
        """User and system time the server has used so far (/proc/PID/stat, in clock ticks)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def iperf3_cmd(a, port, size, total):
    return [a.iperf3, "-c", "127.0.0.1", "-p", str(port), "-l", str(size), "-n", str(total),
            "-J"]


def iperf3_bytes_per_second(cmd):
    end = json.loads(sh(cmd).stdout)["end"]
    # Bits per second, decimal: a byte is 8 of them.
    return end["sum_received"]["bits_per_second"] / 8


def tool_pairs(a, server):
    port = server.port
    # perf's own default is a million loops. Unpinned, a round trip that wakes the other CPU
    # takes some 70 µs here, so a tenth of that keeps each run under ten seconds.
    pinned_rounds = 100_000 if a.quick else 1_000_000
    size = a.size
    total = 256 << 20 if a.quick else 2 * GIB
    pairs = []
    for pinned in [True, False]:
        rounds = pinned_rounds if pinned else pinned_rounds // 10
        where = f"pinned to CPU {first_cpu()}" if pinned else "unpinned"
        for percentiles, target in [(False, 1.0), (True, 0.95)]:
            how = "per-round timing" if percentiles else "mean-only (--no-percentiles)"
            ours = pipe_cmd(rounds, pinned, percentiles)
            theirs = perf_cmd(a, rounds, pinned)
            # ipcdemo's processes also make the untimed warm-up round trips.
            cost = ("µs/round trip", (rounds + min(rounds // 10, 1000)) / 1e6, rounds / 1e6,
                    None)
            pairs.append((
                f"pipe round trips/s, 4-byte ping-pong, {where}, {how}, vs perf bench sched pipe",
                "round trips/s", target,
                ours, lambda ours=ours: bench(ours)["round_trips_per_second"],
                theirs, lambda theirs=theirs: perf_round_trips(theirs), cost))
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    for split in [False, True]:
        if split and len(cpus) < 2:
            continue
        ours = tcp_cmd(size, total) + (["--pin", "split"] if split else [])
        # ipcdemo's reader is the parent, on the first CPU, its writer the child, on the
        # second; iperf3's -A is the client's (the writer's) CPU, then the server's.
        theirs = iperf3_cmd(a, port, size, total) + (["-A", f"{cpus[1]},{cpus[0]}"]
                                                     if split else [])
        where = f"writer on CPU {cpus[1]}, reader on CPU {cpus[0]}" if split else "unpinned"
        pairs.append((
            f"TCP loopback throughput, {size}-byte writes, {where}, every byte checked, "
            "vs iperf3", "GB/s (10^9 B/s)", 1.0,
            ours, lambda ours=ours: bench(ours)["bytes_per_second"] / 1e9,
            theirs, lambda theirs=theirs: iperf3_bytes_per_second(theirs) / 1e9,
            ("s/GiB", total / GIB, total / GIB, server)))
    return pairs


# --- against small C baselines and dd ----------------------------------------------------

def dd_pipeline(total):
    count = total // 65536
    res = subprocess.run(
        f"dd if=/dev/zero bs=64K count={count} 2>/dev/null | dd of=/dev/null bs=64K",
        shell=True, check=True, capture_output=True, text=True)
    m = re.search(r"(\d+) bytes .* copied, ([\d.]+) s", res.stderr)
    return int(m.group(1)) / float(m.group(2))


def baseline_pairs(a):
    """As the tools' pairs; a target below 1 with `lower` means ours must be at most that."""
    total = 256 << 20 if a.quick else GIB
    zc_total = 1 * GIB if a.quick else 8 * GIB
    rounds = 10_000 if a.quick else 100_000
    pairs = []
    ours = bench_cmd("--mechanism", "pipe", "--throughput-only", "--total", str(total))
    dd = ["sh", "-c", f"dd if=/dev/zero bs=64K count={total // 65536} | dd of=/dev/null bs=64K"]
    pairs.append(("pipe throughput, default settings, vs dd 64K piped to dd", "GiB/s", 1.5,
                  ours, lambda ours=ours: bench(ours)["bytes_per_second"] / GIB,
                  dd, lambda: dd_pipeline(total) / GIB))
    for flags, label in [([], "plain"), (["--busy-poll", "--huge-pages"],
                                         "busy-poll + huge pages")]:
        busy = "1" if flags else "0"
        ours = bench_cmd("--mechanism", "pipe", "--throughput-only", "--zero-copy", "--size",
                         "256K", "--pipe-size", "256K", "--total", str(zc_total), *flags)
        theirs = [os.path.join(OUT, "splice"), str(zc_total), "262144", "262144", busy, busy]
        pairs.append((
            f"zero-copy pipe ({label}), 256K writes, 256K pipe vs C vmsplice+splice", "GiB/s",
            0.8, ours, lambda ours=ours: bench(ours)["bytes_per_second"] / GIB,
            theirs, lambda theirs=theirs: float(sh(theirs).stdout) / GIB))
    for pin, busy, label in [("split", False, "split CPUs"), ("same", False, "same CPU"),
                             ("split", True, "busy-poll, split CPUs")]:
        ours = bench_cmd("--mechanism", "pipe", "--latency-only", "--rounds", str(rounds),
                         "--pin", pin, *(["--busy-poll"] if busy else []))
        theirs = [os.path.join(OUT, "pingpong"), str(rounds), pin, "1" if busy else "0"]
        # Lower is better for a round trip: the ratio is theirs over ours, so ≥ 1/1.1 means
        # ours is at most 1.1 times theirs.
        pairs.append((
            f"pipe ping-pong median RTT ({label}) vs C ping-pong, as speed (1/RTT)", "µs",
            1 / 1.1, ours, lambda ours=ours: 1 / bench(ours)["rtt_p50_us"],
            theirs, lambda theirs=theirs: 1 / float(sh(theirs).stdout.split()[0])))
    return pairs


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", choices=["tools", "baselines", "all"], default="all",
                    help="perf bench sched pipe and iperf3 (tools), dd and C (baselines), or "
                         "both (default)")
    ap.add_argument("--runs", type=int, default=9, help="alternations of each pair (default 9)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    ap.add_argument("--size", type=int, default=65536,
                    help="TCP write size in bytes, for both ipcdemo and iperf3 (default 65536)")
    ap.add_argument("--perf", default="perf", help="the perf binary (default: perf on PATH)")
    ap.add_argument("--iperf3", default="iperf3",
                    help="the iperf3 binary (default: iperf3 on PATH)")
    ap.add_argument("--dry-run", action="store_true",
                    help="print the commands each pair runs, and run nothing")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be at least 1")

    server = Iperf3Server(a) if a.against in ("tools", "all") else None
    pairs = []
    if server is not None:
        pairs += tool_pairs(a, server)
    if a.against in ("baselines", "all"):
        pairs += baseline_pairs(a)
    if a.dry_run:
        if server is not None:
            print(f"# for the whole run: {shown(server.cmd)}")
        for name, _, _, ours_cmd, _, theirs_cmd, *_ in pairs:
            print(f"# {name}\n{shown(ours_cmd)}\n{shown(theirs_cmd)}")
        return 0
    try:
        check_tools(a)
    except Missing as e:
        print(f"compare.py: cannot run --against {a.against}; missing:\n{e}", file=sys.stderr)
        return 2
    build(a)
    if server is not None:
        server.start()
    try:
        return compare(a, pairs, server)
    finally:
        if server is not None:
            server.stop()


def with_cpu(fn, server=None):
    """fn's value, and the CPU seconds (user and system) its processes used: every child
    reaped meanwhile (getrusage(2) RUSAGE_CHILDREN, which counts their reaped children too),
    and the iperf3 server's share when there is one."""
    def now():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime + (server.cpu_seconds() if server else 0.0)
    before = now()
    value = fn()
    return value, now() - before


def compare(a, pairs, server):
    machine = f"{os.cpu_count()} CPUs, {os.uname().release}"
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine}; "
          f"{a.runs} alternations of each pair, every pair once per repetition\n")
    print("| comparison | unit | ipcdemo (median) | other (median) | ratio, median of paired "
          "(range) | target | met | CPU cost, ipcdemo / other (median of paired) |")
    print("|---|---|---|---|---|---|---|---|")
    failed = 0
    # Every pair once per repetition, rather than one pair's repetitions in a row: a slow
    # stretch of the VM (a neighbour's build) then falls on every row alike, not on one.
    samples = [([], [], []) for _ in pairs]
    for i in range(a.runs):
        print(f"repetition {i + 1} of {a.runs}", file=sys.stderr, flush=True)
        for (_, _, _, _, ours_fn, _, theirs_fn, *cost), (ours, theirs, costs) in zip(pairs,
                                                                                    samples):
            cost = cost[0] if cost else None
            iperf3 = cost[3] if cost else None
            if i % 2 == 0:
                o, o_cpu = with_cpu(ours_fn)
                t, t_cpu = with_cpu(theirs_fn, iperf3)
            else:
                t, t_cpu = with_cpu(theirs_fn, iperf3)
                o, o_cpu = with_cpu(ours_fn)
            ours.append(o)
            theirs.append(t)
            if cost:
                costs.append((o_cpu / cost[1], t_cpu / cost[2]))
    for (name, unit, target, _, _, _, _, *cost), (ours, theirs, costs) in zip(pairs, samples):
        cost = cost[0] if cost else None
        ratios = [o / t for o, t in zip(ours, theirs)]
        ratio = statistics.median(ratios)
        met = ratio >= target
        failed += not met
        o, t = statistics.median(ours), statistics.median(theirs)
        if unit == "µs":  # stored as speed, shown as time
            o, t = 1 / o, 1 / t
        spent = "-"
        if costs:
            per_o = statistics.median(c[0] for c in costs)
            per_t = statistics.median(c[1] for c in costs)
            spent = (f"{per_o:.3f} / {per_t:.3f} {cost[0]}: "
                     f"{statistics.median(c[0] / c[1] for c in costs):.3f}x")
        print(f"| {name} | {unit} | {o:,.2f} | {t:,.2f} | {ratio:.3f}x "
              f"({min(ratios):.2f}–{max(ratios):.2f}) | ≥ {target:.2f}x | "
              f"{'yes' if met else 'NO'} | {spent} |", flush=True)
    print("\nCommands (ipcdemo first, then the other):")
    if server is not None:
        print(f"  server, for the whole run: {shown(server.cmd)}")
    for name, _, _, ours_cmd, _, theirs_cmd, *_ in pairs:
        print(f"  {name}:\n    {shown(ours_cmd)}\n    {shown(theirs_cmd)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
