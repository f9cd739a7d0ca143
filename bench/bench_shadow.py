"""What the shadow database adds to a scan: `scaleaudit scan` with and without it, median of N runs.

    .venv/bin/python bench/bench_shadow.py examples/truststream [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCALEAUDIT = [sys.executable, "-m", "audit", "scan", "--format", "json", "--output", "/dev/null"]


def timed(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("repo", type=Path)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    runs: dict[str, list[float]] = {"--no-shadow": [], "shadow (default)": []}
    for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
        runs["--no-shadow"].append(timed(SCALEAUDIT + [str(args.repo), "--no-shadow"]))
        runs["shadow (default)"].append(timed(SCALEAUDIT + [str(args.repo)]))
    print(f"| {args.repo} | median s | min s | max s |\n|---|---:|---:|---:|")
    for name, xs in runs.items():
        print(f"| {name} | {statistics.median(xs):.2f} | {min(xs):.2f} | {max(xs):.2f} |")
    added = statistics.median(runs["shadow (default)"]) - statistics.median(runs["--no-shadow"])
    print(f"\nshadow database adds {added:.2f} s (median), whole process included")


if __name__ == "__main__":
    main()
