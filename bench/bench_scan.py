"""Time the whole `scaleaudit scan --format json --no-shadow` at two revisions, and check that both print
the same document.

    .venv/bin/python bench/bench_scan.py --before REV --after REV [--repeat 3] REPO [REPO ...]

Each revision runs from a frozen copy of its audit/ and checks/ (bench_sql.snapshot; `worktree` is the
working tree), round-robin, each run a fresh process under GNU time, from an empty folder so that only
that copy can be imported. Prints a Markdown table of the medians (wall seconds, peak RSS) and whether
the JSON documents are byte-identical apart from `tool.generated_at`; writes bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

from bench_sql import HERE, machine, run, snapshot

GENERATED_AT = re.compile(r'"generated_at": "[^"]*"')


def scan(src: Path, repo: Path, cwd: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and the JSON document with its one timestamp taken out."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    wall, out, rss = run([sys.executable, "-m", "audit", "scan", str(repo), "--format", "json", "--no-shadow"],
                         cwd=cwd, env=env)
    stamps = GENERATED_AT.findall(out)
    if len(stamps) != 1:
        sys.exit(f"{repo}: expected one generated_at in the document, found {len(stamps)}")
    return wall, rss, GENERATED_AT.sub("", out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repos", type=Path, nargs="+")
    ap.add_argument("--before", required=True, metavar="REV")
    ap.add_argument("--after", default="worktree", metavar="REV")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--name", default="scan", help="results file: bench/results/<name>.json")
    a = ap.parse_args()
    revs = {"before": snapshot(a.before), "after": snapshot(a.after)}
    rows = ["| repo | before s | after s | before / after | before peak RSS MB | after peak RSS MB | document |",
            "|" + "---|" * 7]
    results = []
    with tempfile.TemporaryDirectory() as cwd:
        for repo in a.repos:
            runs: dict[str, list] = {name: [] for name in revs}
            for _ in range(a.repeat):  # round-robin, so a burst of load elsewhere hits both alike
                for name, src in revs.items():
                    runs[name].append(scan(src, repo.resolve(), cwd))
            wall = {n: statistics.median(r[0] for r in rs) for n, rs in runs.items()}
            rss = {n: statistics.median(r[1] for r in rs) for n, rs in runs.items()}
            same = len({r[2] for rs in runs.values() for r in rs}) == 1
            results.append({"repo": str(repo), "wall_s": {n: [r[0] for r in rs] for n, rs in runs.items()},
                            "peak_rss_mb": {n: [r[1] for r in rs] for n, rs in runs.items()}, "identical": same})
            rows.append(f"| {repo.name} | {wall['before']:.2f} | {wall['after']:.2f} | "
                        f"{wall['before'] / wall['after']:.2f}x | {rss['before']:.0f} | {rss['after']:.0f} | "
                        f"{'identical' if same else 'DIFFERENT'} |")
            print(rows[-1], file=sys.stderr, flush=True)
    md = "\n".join(rows)
    print(md)
    out = HERE / "results" / f"{a.name}.json"
    out.parent.mkdir(exist_ok=True)
    info = {"before": machine(a.before)["commit"], "after": machine(a.after)["commit"], **machine(None)}
    out.write_text(json.dumps({"machine": info, "repeat": a.repeat, "results": results, "markdown": md}, indent=2) + "\n")


if __name__ == "__main__":
    main()
