#!/usr/bin/env python3
"""Two ipcdemo binaries against each other (say, before and after a change to the release
profile), alternating run by run on the same flags as scripts/compare.py, medians of N.

    python3 scripts/ab.py OLD_BINARY NEW_BINARY [RUNS]      # RUNS defaults to 7

Prints a Markdown table. Ratios within one run, not numbers across runs, are the point: the
machine is shared and noisy.
"""
import json
import statistics
import subprocess
import sys

GIB = 1 << 30
CASES = [
    ("pipe throughput, default settings, 1 GiB", "GiB/s",
     ["--throughput-only", "--total", str(GIB)], lambda r: r["bytes_per_second"] / GIB),
    ("zero-copy pipe (plain), 256K writes, 256K pipe, 8 GiB", "GiB/s",
     ["--throughput-only", "--zero-copy", "--size", "256K", "--pipe-size", "256K",
      "--total", str(8 * GIB)], lambda r: r["bytes_per_second"] / GIB),
    ("ping-pong median RTT, split CPUs, 50k rounds", "µs",
     ["--latency-only", "--rounds", "50000", "--pin", "split"], lambda r: r["rtt_median_us"]),
    ("ping-pong median RTT, same CPU, 50k rounds", "µs",
     ["--latency-only", "--rounds", "50000", "--pin", "same"], lambda r: r["rtt_median_us"]),
    ("ping-pong median RTT, busy-poll split CPUs, 50k rounds", "µs",
     ["--latency-only", "--rounds", "50000", "--pin", "split", "--busy-poll"],
     lambda r: r["rtt_median_us"]),
]


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    old, new = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) == 4 else 7
    print(f"| measure (`--mechanism pipe`) | unit | old (median of {runs}) "
          f"| new (median of {runs}) | new / old |")
    print("|---|---|---|---|---|")
    for name, unit, args, pick in CASES:
        got = {old: [], new: []}
        for _ in range(runs):
            for binary in (old, new):
                out = subprocess.run([binary, "--json", "bench", "--mechanism", "pipe", *args],
                                     check=True, capture_output=True, text=True).stdout
                got[binary].append(pick(json.loads(out.splitlines()[0])))
        o, n = statistics.median(got[old]), statistics.median(got[new])
        print(f"| {name} | {unit} | {o:.2f} | {n:.2f} | {n / o:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
