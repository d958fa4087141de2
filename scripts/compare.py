#!/usr/bin/env python3
"""Reproduce the ratios of README's "How fast, here" section: ipcdemo bench against public
tools and small C baselines, measured side by side in one run, alternating, medians of N.

    python3 scripts/compare.py            # 9 alternations of each pair (about two minutes)
    python3 scripts/compare.py --runs 3 --quick

Needs: cargo, gcc, dd. Prints a Markdown table. Ratios, not absolute numbers, are the point:
the machine is shared and noisy, so each pair runs back to back, several times.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "baseline")
IPCDEMO = os.path.join(ROOT, "target", "release", "ipcdemo")
GIB = 1 << 30


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def build():
    sh(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    os.makedirs(OUT, exist_ok=True)
    for name in ["pingpong", "splice"]:
        sh(["gcc", "-O2", "-Wall", "-o", os.path.join(OUT, name),
            os.path.join(ROOT, "scripts", "baseline", name + ".c")])


def bench(*args):
    out = sh([IPCDEMO, "--json", "bench", "--mechanism", "pipe", *args]).stdout
    return json.loads(out.splitlines()[0])


def dd_pipeline(total):
    count = total // 65536
    res = subprocess.run(
        f"dd if=/dev/zero bs=64K count={count} 2>/dev/null | dd of=/dev/null bs=64K",
        shell=True, check=True, capture_output=True, text=True)
    m = re.search(r"(\d+) bytes .* copied, ([\d.]+) s", res.stderr)
    return int(m.group(1)) / float(m.group(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    a = ap.parse_args()
    total = 256 << 20 if a.quick else GIB
    zc_total = 1 * GIB if a.quick else 8 * GIB
    rounds = 10_000 if a.quick else 100_000
    build()

    pairs = [
        ("pipe throughput, default settings, vs dd 64K piped to dd", "GiB/s", ">= 1.5x", True,
         lambda: bench("--throughput-only", "--total", str(total))["bytes_per_second"] / GIB,
         lambda: dd_pipeline(total) / GIB),
    ]
    for flags, label in [([], "plain"), (["--busy-poll", "--huge-pages"], "busy-poll + huge pages")]:
        busy = "1" if flags else "0"
        pairs.append((
            f"zero-copy pipe ({label}), 256K writes, 256K pipe vs C vmsplice+splice", "GiB/s",
            ">= 0.8x", True,
            lambda flags=flags: bench("--throughput-only", "--zero-copy", "--size", "256K",
                                      "--pipe-size", "256K", "--total", str(zc_total),
                                      *flags)["bytes_per_second"] / GIB,
            lambda busy=busy: float(sh([os.path.join(OUT, "splice"), str(zc_total), "262144",
                                        "262144", busy, busy]).stdout) / GIB))
    for pin, busy, label in [("split", False, "split CPUs"), ("same", False, "same CPU"),
                             ("split", True, "busy-poll, split CPUs")]:
        extra = ["--busy-poll"] if busy else []
        pairs.append((
            f"pipe ping-pong median RTT ({label}) vs C ping-pong", "µs", "<= 1.1x", False,
            lambda pin=pin, extra=extra: bench("--latency-only", "--rounds", str(rounds),
                                               "--pin", pin, *extra)["rtt_median_us"],
            lambda pin=pin, busy=busy: float(sh([os.path.join(OUT, "pingpong"), str(rounds),
                                                 pin, "1" if busy else "0"]).stdout.split()[0])))

    print(f"| comparison | unit | ipcdemo (median of {a.runs}) | baseline (median of {a.runs}) "
          "| ratio | target | met |")
    print("|---|---|---|---|---|---|---|")
    failed = 0
    for name, unit, target, higher_is_better, ours_fn, theirs_fn in pairs:
        ours, theirs = [], []
        for _ in range(a.runs):
            ours.append(ours_fn())
            theirs.append(theirs_fn())
        o, t = statistics.median(ours), statistics.median(theirs)
        ratio = o / t
        limit = float(target.split()[1].rstrip("x"))
        met = ratio >= limit if higher_is_better else ratio <= limit
        failed += not met
        print(f"| {name} | {unit} | {o:.2f} | {t:.2f} | {ratio:.2f}x | {target} | "
              f"{'yes' if met else 'NO'} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
