"""Time the schema + query + checks step (discover, collect_facts, run_checks) against named baselines.

    .venv/bin/python bench/bench_sql.py --generated /tmp/gen --real /tmp/realrepos/*

Baselines, each run in a fresh process, --repeat times (median reported):
  sqlglot[c]     the project as installed: sqlglot with sqlglotc's compiled modules
  pure sqlglot   the same code in a process whose import system ignores sqlglotc's .so files
  rg             ripgrep over the same files the step reads: the floor of just reading them
With --pure-python, also `pure sqlglot (venv)`: the step run by another interpreter (a venv with plain
sqlglot), to cross-check the import switch. With --commit worktree (or a revision) the workers run a
frozen copy of the package; with --against REV, also the package as committed at REV (a baseline named
REV, sqlglot[c]), round-robin with the others. --baselines picks which run. Prints a Markdown table,
writes bench/results/<name>.json.
"""

from __future__ import annotations

import argparse
import importlib.machinery as machinery
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
READ_KINDS = ("migration_sql", "schema_sql", "sql", "python", "js")
RG_PATTERN = "create index|references|select"
# extractors collect_facts runs besides the schema fold and the SQL/pool readers, timed as "other facts":
# functions of audit.facts, and the methods of the readers collect_facts feeds one JS/TS file at a time
# (since 183864b; before it, frontend_facts and infra_facts)
OTHER_FACTS = ("read_declarations", "deployment_facts", "frontend_facts", "infra_facts")
OTHER_READERS = {"FrontendReader": ("__init__", "js_file", "facts"), "InfraReader": ("__init__", "js_file", "facts")}


# -- the worker: one measured run in this process --------------------------------------------------------
class SourceOnlySqlglot:
    """Meta path finder that imports sqlglot from its .py files, never the .so files sqlglotc overlays.

    sqlglot has no switch of its own: sqlglotc installs compiled modules next to the .py ones and
    Python's import system prefers extension modules; sqlglot.tokens.SQLGLOTC_INSTALLED only reports it.
    """

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "sqlglot" and not name.startswith("sqlglot."):
            return None
        for entry in path or sys.path:
            finder = machinery.FileFinder(entry or ".", (machinery.SourceFileLoader, machinery.SOURCE_SUFFIXES),
                                          (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES))
            if spec := finder.find_spec(name):
                return spec
        return None


def vm_hwm_mb() -> float:
    """Peak RSS of this process since its exec (VmHWM; ru_maxrss would include the forking parent's pages)."""
    line = next(ln for ln in Path("/proc/self/status").read_text().splitlines() if ln.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def worker(repo: str, pure: bool) -> dict:
    if pure:
        sys.meta_path.insert(0, SourceOnlySqlglot)
    t = time.perf_counter()
    import audit.facts
    from audit.catalog import load_catalog, load_profile
    from audit.checks import run_checks
    from audit.discover import discover
    from sqlglot import tokens
    catalog = load_catalog(load_profile("10k"))
    out = {"import_s": time.perf_counter() - t, "sqlglotc": tokens.SQLGLOTC_INSTALLED, "audit": audit.__file__,
           "rss_after_import_mb": vm_hwm_mb(), "schema_s": 0.0, "schema_cpu_s": 0.0, "other_s": 0.0}

    def timed(name: str, key: str, owner=audit.facts) -> None:  # wrap what collect_facts calls, adding its time to `key`
        func = getattr(owner, name, None)
        if func is None:
            return

        def wrapper(*args, **kwargs):
            t, c = time.perf_counter(), time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                out[key] += time.perf_counter() - t
                if key == "schema_s":
                    out["schema_cpu_s"] += time.process_time() - c
        setattr(owner, name, wrapper)
    timed("build_schema", "schema_s")
    for name in OTHER_FACTS:
        timed(name, "other_s")
    for cls, methods in OTHER_READERS.items():
        for name in methods if hasattr(audit.facts, cls) else ():
            timed(name, "other_s", getattr(audit.facts, cls))

    t0, c0 = time.perf_counter(), time.process_time()
    found = discover(repo)
    t1 = time.perf_counter()
    facts = audit.facts.collect_facts(found, catalog)
    t2 = time.perf_counter()
    outcomes = run_checks(facts, catalog)
    t3, c3 = time.perf_counter(), time.process_time()
    read = found.of_kind(*READ_KINDS)
    out.update(discover_s=t1 - t0, queries_s=t2 - t1 - out["schema_s"] - out["other_s"], checks_s=t3 - t2,
               total_s=t3 - t0, total_cpu_s=c3 - c0, peak_rss_mb=vm_hwm_mb(),
               files=len(read), mb=sum(f.size for f in read) / 1e6, migrations=len(facts.schema.migrations),
               statements=facts.schema.counts["total"], unparsed=facts.schema.counts["unparsed"],
               tables=len(facts.schema.tables), indexes=len(facts.schema.indexes), queries=len(facts.queries),
               findings=sum(len(o.findings) for o in outcomes.values()))
    return out


# -- the parent: baselines, repeats, table -----------------------------------------------------------------
def run(cmd: list[str], cwd: str | None = None, env: dict | None = None) -> tuple[float, str, float]:
    """Run `cmd`; return its wall seconds, stdout and peak RSS in MB.

    GNU time forks the command from its own small process, so the RSS is the command's alone.
    """
    with tempfile.NamedTemporaryFile("r") as rss:
        t = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t
        if proc.returncode not in ((0, 1) if cmd[0] == "rg" else (0,)):  # rg exits 1 when nothing matched
            sys.exit(f"{' '.join(cmd[:4])} failed with exit code {proc.returncode}")
        return wall, proc.stdout, int(rss.read().split()[-1]) / 1024


def median_of(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) if isinstance(runs[0][k], (int, float)) and
            not isinstance(runs[0][k], bool) else runs[0][k] for k in runs[0]}


def snapshot(rev: str) -> Path:
    """The project at `rev` (or the working tree as it is now: `worktree`) copied to a temporary folder,
    so that edits made while a long run goes on change nothing."""
    out = Path(tempfile.mkdtemp(prefix="scaleaudit-bench-"))
    if rev == "worktree":
        for part in ("audit", "checks"):  # the package and the catalog it loads
            shutil.copytree(HERE.parent / part, out / part, ignore=shutil.ignore_patterns("__pycache__"))
        return out
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out


def bench_repo(repo: Path, repeat: int, python: str, pure_python: str | None, env: dict,
               against: tuple[str, dict] | None = None, only: set[str] | None = None) -> dict:
    from audit.discover import discover
    files = [f.path for f in discover(repo).of_kind(*READ_KINDS)]  # also warms the page cache
    me = str(Path(__file__).resolve())
    commands = {"sqlglot[c]": ([python, me, "--worker", str(repo)], env),
                "pure sqlglot": ([python, me, "--worker", str(repo), "--pure"], env)}
    if pure_python:
        commands["pure sqlglot (venv)"] = ([pure_python, me, "--worker", str(repo)], env)
    commands["rg"] = (["rg", "-c", "-i", RG_PATTERN, "--", *files], env)
    commands = {name: c for name, c in commands.items() if not only or name in only | {"sqlglot[c]"}}
    if against:
        commands[against[0]] = ([python, me, "--worker", str(repo)], against[1])
    runs: dict[str, list[dict]] = {name: [] for name in commands}
    load = [os.getloadavg()[0]]
    for _ in range(repeat):  # round-robin, so a burst of load elsewhere hits every baseline alike
        for name, (cmd, cmd_env) in commands.items():
            wall, stdout, rss = run(cmd, cwd=str(repo), env=cmd_env)
            if name == "rg":
                runs[name].append({"total_s": wall, "peak_rss_mb": rss, "matching_files": len(stdout.splitlines())})
            else:
                runs[name].append({**json.loads(stdout), "process_s": wall, "process_rss_mb": rss})
        load.append(os.getloadavg()[0])
    result = {"repo": repo.name, "path": str(repo), "load_average_1m": load,
              "baselines": {name: {**median_of(r), "runs": r} for name, r in runs.items()}}
    if "rg" in result["baselines"]:
        result["baselines"]["rg"]["command"] = f"rg -c -i '{RG_PATTERN}' -- <the {len(files)} files>"
    return result


def largest(repos: list[Path]) -> Path:
    """The repo whose migrations hold the most statements (split only, not parsed)."""
    from audit.discover import discover
    from audit.facts.sqltext import split_statements

    def count(repo: Path) -> int:
        found = discover(repo)
        files = found.of_kind("migration_sql") or found.of_kind("schema_sql")
        return sum(len(split_statements(f.text or "")) for f in files)
    counts = {r: count(r) for r in repos}
    for r, n in counts.items():
        print(f"{r}: {n} migration statements", file=sys.stderr)
    return max(repos, key=lambda r: counts[r])


def machine(rev: str | None) -> dict:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    rg = subprocess.run(["rg", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    from importlib.metadata import version
    git = ["git", "-C", str(HERE.parent)]
    head = subprocess.run([*git, "rev-parse", "--short", rev] if rev and rev != "worktree"
                          else [*git, "describe", "--always", "--dirty"],
                          capture_output=True, text=True).stdout.strip()
    return {"commit": head, "cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem, 1), "os": platform.platform(),
            "python": platform.python_version(), "sqlglot": version("sqlglot"), "rg": rg}


def table(results: list[dict]) -> str:
    rows = ["| repo | baseline | wall s | CPU s | discover | schema fold | queries & pools | other facts | checks "
            "| statements per CPU s | peak RSS MB | process s | vs sqlglot[c] |", "|" + "---|" * 13]
    for r in results:
        c = r["baselines"]["sqlglot[c]"]
        for name, b in r["baselines"].items():
            if name == "rg":
                rows.append(f"| {r['repo']} | rg | {b['total_s']:.3f} | | | | | | | | {b['peak_rss_mb']:.0f} "
                            f"| {b['total_s']:.3f} | {b['total_s'] / c['total_s']:.3f}x |")
                continue
            rows.append(f"| {r['repo']} | {name} | {b['total_s']:.2f} | {b['total_cpu_s']:.2f} | {b['discover_s']:.2f} "
                        f"| {b['schema_s']:.2f} | {b['queries_s']:.2f} | {b['other_s']:.2f} | {b['checks_s']:.2f} "
                        f"| {b['statements'] / b['schema_cpu_s']:,.0f} | {b['peak_rss_mb']:.0f} | {b['process_s']:.2f} "
                        f"| {b['total_s'] / c['total_s']:.2f}x |")
    notes = [f"- **{r['repo']}**: {c['files']} files read ({c['mb']:.1f} MB), {c['migrations']} migrations, "
             f"{c['statements']:,} statements ({c['unparsed']} unparsed), {c['tables']} tables, {c['indexes']} indexes, "
             f"{c['queries']:,} queries, {c['findings']:,} findings; imports {c['import_s']:.2f} s, "
             f"RSS after imports {c['rss_after_import_mb']:.0f} MB; 1-min load average during the runs "
             f"{min(r['load_average_1m']):.1f}-{max(r['load_average_1m']):.1f}"
             for r in results for c in [r["baselines"]["sqlglot[c]"]]]
    return "\n".join(rows + [""] + notes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generated", type=Path, help="generated repo (created with bench/generate.py if missing)")
    ap.add_argument("--real", type=Path, nargs="*", default=[], help="real repo(s); the one with the most "
                    "migration statements is used")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--name", default="sql", help="results file: bench/results/<name>.json")
    ap.add_argument("--commit", help="benchmark a frozen copy of the project: as committed at this revision "
                    "(e.g. HEAD), or `worktree` for the working tree as it is when the run starts")
    ap.add_argument("--pure-python", help="python of a venv with sqlglot installed without [c] (cross-check)")
    ap.add_argument("--against", metavar="REV", help="also run the package as committed at REV (a baseline named REV)")
    ap.add_argument("--baselines", help="comma-separated baselines to run (sqlglot[c] always runs); default all")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--pure", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(worker(a.worker, a.pure)))
        return
    src = snapshot(a.commit) if a.commit else HERE.parent
    sys.path.insert(0, str(src))
    env = {**os.environ, "PYTHONPATH": str(src)}
    repos = []
    if a.generated:
        if not (a.generated / "supabase" / "migrations").is_dir():
            sys.path.insert(0, str(HERE))
            from generate import generate
            print(f"generating {a.generated}: {generate(a.generated)}", file=sys.stderr)
        repos.append(a.generated)
    if a.real:
        repos.append(largest(a.real) if len(a.real) > 1 else a.real[0])
    info, results = machine(a.commit), []
    against = (a.against, {**os.environ, "PYTHONPATH": str(snapshot(a.against))}) if a.against else None
    if against:
        info["against"] = machine(a.against)["commit"]
    for repo in repos:
        print(f"benchmarking {repo} ...", file=sys.stderr)
        results.append(bench_repo(repo.resolve(), a.repeat, sys.executable, a.pure_python, env, against,
                                  set(a.baselines.split(",")) if a.baselines else None))
    md = table(results)
    print(md, flush=True)
    out = HERE / "results" / f"{a.name}.json"
    out.parent.mkdir(exist_ok=True)
    doc = {"machine": info, "repeat": a.repeat, "step": "discover + collect_facts + run_checks (profile 10k)",
           "results": results, "markdown": md}
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(HERE.parent)}", file=sys.stderr)
    if a.commit:
        shutil.rmtree(src)


if __name__ == "__main__":
    main()
