"""Command line: `scaleaudit scan` prints the JSON document; `scaleaudit run` writes the reports."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from audit import __version__
from audit.model import SEVERITIES

EXIT_OK, EXIT_GATE, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="scaleaudit", description=__doc__)
    p.add_argument("--version", action="version", version=f"scaleaudit {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for name, helptext in (("scan", "audit a repository and print the findings"),
                           ("run", "audit a repository and write the notebook, HTML, PDF and JSON reports")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("path", help="the repository to audit")
        s.add_argument("--profile", default="10k", choices=["500", "10k", "1m"], help="target scale (default 10k)")
        s.add_argument("--users", type=int, metavar="N", help="custom number of concurrent users (overrides --profile)")
        s.add_argument("--fail-on", choices=SEVERITIES[:4], help="exit 1 if a finding is at least this severe")
        s.add_argument("--fail-under", type=float, metavar="SCORE", help="exit 1 if overall readiness is below SCORE")
        s.add_argument("--baseline", metavar="JSON", help="a previous readiness.json: report what changed since")
        s.add_argument("--dsn", help="also check this PostgreSQL, read-only (or set SCALEAUDIT_DSN)")
        s.add_argument("--analyze", action="store_true", help="with --dsn: allow EXPLAIN ANALYZE of SELECT queries")
        s.add_argument("--shadow", action=argparse.BooleanOptionalAction, default=True,
                       help="apply the migrations to a throwaway PostgreSQL and let its catalog and planner verify "
                            "the static findings (default: on when there are migrations; --no-shadow to skip)")
        s.add_argument("--dist", metavar="DIR", help="a built front end (Vite dist/) to measure")
        s.add_argument("--build", action="store_true",
                       help="install and build the front end in a temporary copy (RUNS THE PROJECT'S CODE)")
    scan = sub.choices["scan"]
    scan.add_argument("--format", choices=["json", "text", "sarif", "markdown"], default="text")
    scan.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    run = sub.choices["run"]
    run.add_argument("--out", required=True, metavar="DIR", help="folder for the reports")
    run.add_argument("--pdf", choices=["weasyprint", "chromium", "none"], default="weasyprint")
    return p


def gate(doc: dict, fail_on: str | None, fail_under: float | None) -> list[str]:
    """The reasons the document fails the CI gates (empty when it passes)."""
    reasons = []
    if fail_on:
        worst = SEVERITIES.index(fail_on)
        bad = [f for f in doc["findings"] if SEVERITIES.index(f["severity"]) <= worst]
        if bad:
            reasons.append(f"{len(bad)} finding(s) of severity {fail_on} or worse")
    overall = doc["scorecard"]["overall"]
    if fail_under is not None and overall is not None and overall < fail_under:
        reasons.append(f"overall readiness {overall} is below {fail_under}")
    return reasons


def summary_text(doc: dict) -> str:
    sc = doc["scorecard"]
    overall = "n/a" if sc["overall"] is None else f"{sc['overall']:.0f}%"
    lines = [f"{doc['target']['name']} at {doc['profile']['concurrent_users']:,} concurrent users: "
             f"readiness {overall} (grade {sc['grade']}), evidence coverage {sc['coverage']:.0f}%"]
    for a in sc["areas"]:
        score = "n/a" if a["score"] is None else f"{a['score']:.0f}"
        lines.append(f"  {a['title']:<34} {score:>4}")
    counts = {s: sum(1 for f in doc["findings"] if f["severity"] == s) for s in SEVERITIES}
    lines.append("findings: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) if doc["findings"]
                 else "findings: none")
    for f in doc["findings"][:10]:
        ev = f["evidence"][0] if f["evidence"] else {"path": "", "line": None}
        where = f"{ev['path']}:{ev['line']}" if ev.get("line") else ev.get("path", "")
        lines.append(f"  [{f['severity']}] {f['check']}  {f['title']}  ({where})")
    if len(doc["findings"]) > 10:
        lines.append(f"  ... and {len(doc['findings']) - 10} more")
    if doc["skipped"]:
        lines.append(f"skipped: {len(doc['skipped'])} file(s) or folder(s), listed in the report")
    return "\n".join(lines)


def render(doc: dict, fmt: str) -> str:
    """The document in one of the output formats."""
    import json

    from audit.api import document_json
    from audit.markdown import to_markdown
    from audit.sarif import to_sarif

    if fmt == "json":
        return document_json(doc)
    if fmt == "sarif":
        return json.dumps(to_sarif(doc), indent=2, sort_keys=True) + "\n"
    if fmt == "markdown":
        return to_markdown(doc)
    return summary_text(doc) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not Path(args.path).is_dir():
        print(f"scaleaudit: {args.path} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    from audit.api import document_json, load_document, scan

    try:
        baseline = load_document(args.baseline) if args.baseline else None
    except (OSError, ValueError) as exc:
        print(f"scaleaudit: cannot read the baseline {args.baseline}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    dist, built = args.dist, None
    if args.build and not dist:
        from audit.facts.frontend import BuildError, build_folder, build_frontend

        print("scaleaudit: --build: installing and building the front end in a temporary copy; "
              "this runs the project's own npm scripts", file=sys.stderr)
        try:
            built = build_frontend(Path(args.path))
            dist = str(built)
        except BuildError as exc:
            print(f"scaleaudit: --build failed, auditing without a bundle: {exc}", file=sys.stderr)
    t0 = time.perf_counter()
    try:
        doc = scan(args.path, args.profile, args.users, baseline=baseline, dsn=args.dsn or os.environ.get("SCALEAUDIT_DSN"),
                   shadow=args.shadow, dist=dist, analyze=args.analyze)
    finally:
        if built is not None:
            shutil.rmtree(build_folder(built) or built, ignore_errors=True)
    scan_s = time.perf_counter() - t0
    live_error = (doc["facts"].get("live") or {}).get("error")
    if live_error:
        print(f"scaleaudit: live checks skipped: {live_error}", file=sys.stderr)
    shadow_error = (doc["facts"].get("shadow") or {}).get("error")
    if shadow_error:
        print(f"scaleaudit: shadow database skipped: {shadow_error}", file=sys.stderr)
    if args.command == "scan":
        out = render(doc, args.format)
        if args.output:
            Path(args.output).write_text(out, encoding="utf-8")
        else:
            sys.stdout.write(out)
    else:
        from audit.report import run_report

        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        json_path = out_dir / "readiness.json"
        json_path.write_text(document_json(doc), encoding="utf-8")
        for fmt, name in (("sarif", "readiness.sarif"), ("markdown", "readiness.md")):
            (out_dir / name).write_text(render(doc, fmt), encoding="utf-8")
        result = run_report(args.path, out_dir, profile=args.profile, concurrent_users=args.users,
                            pdf=args.pdf, audit_json=str(json_path))
        print(summary_text(doc))
        written = [json_path, "readiness.sarif", "readiness.md"] + [result[k] for k in ("notebook", "html", "pdf")
                                                                     if result.get(k)]
        print(f"reports written to {out_dir}/: " + ", ".join(sorted(Path(p).name for p in written)))
        deep = result.get("deep_dives") or {}
        if deep:
            print("deep dives (HTML, and the executed notebook beside it): "
                  + ", ".join(sorted(Path(p).name for p in deep.values())))
        timings = {"scan": scan_s, **result["timings"]}
        print("time: " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
        for stage, err in sorted(result["errors"].items()):
            print(f"scaleaudit: warning: {stage}: {err}", file=sys.stderr)
    reasons = gate(doc, args.fail_on, args.fail_under)
    for r in reasons:
        print(f"scaleaudit: gate failed: {r}", file=sys.stderr)
    return EXIT_GATE if reasons else EXIT_OK
