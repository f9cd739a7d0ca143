"""The audit as one call: discover -> facts -> checks -> scorecard -> the JSON document."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from audit import __version__
from audit.baseline import compare
from audit.capacity import estimate, inputs_from_facts
from audit.catalog import load_catalog, load_profile
from audit.checks import run_checks
from audit.discover import discover
from audit.facts import collect_facts
from audit.live import live_facts
from audit.model import Skipped
from audit.profiles_compare import profile_scores
from audit.roadmap import roadmap
from audit.scoring import remaining_findings, scorecard
from audit.waivers import load_waivers

SCHEMA_VERSION = 1


def scan(project_path: str, profile: str = "10k", concurrent_users: int | None = None,
         now: dt.datetime | None = None, baseline: dict | None = None, dsn: str | None = None,
         shadow: bool = False, dist: str | None = None, analyze: bool = False) -> dict:
    """Audit `project_path` for the profile and return the JSON document (see docs/contract.md).

    `baseline` (a previous document) adds `scorecard.baseline`; `dsn` adds read-only live checks of
    that database (`analyze` allows EXPLAIN ANALYZE of SELECTs); `shadow` applies the SQL migrations
    (when there are any) to a throwaway PostgreSQL and compares; `dist` names a built front end to measure.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    prof = load_profile(profile, concurrent_users)
    catalog = load_catalog(prof)
    root = Path(project_path)
    found = discover(root)
    facts = collect_facts(found, catalog, Path(dist) if dist else None)
    facts.capacity = estimate(inputs_from_facts(facts, prof))
    if dsn:
        facts.live = live_facts(dsn, analyze=analyze, queries=facts.queries)
    migrations = found.of_kind("migration_sql") or found.of_kind("schema_sql")
    if shadow and migrations:
        from audit.checks.live import static_filter_findings
        from audit.live.shadow import shadow_facts

        facts.shadow = shadow_facts(migrations, queries=facts.queries, findings=static_filter_findings(facts))
    waivers, problems = load_waivers(root) if root.is_dir() else ([], [])
    found.skipped.extend(Skipped(p.split(":")[0], p) for p in problems)
    outcomes = run_checks(facts, catalog)
    today = now.date().isoformat()
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "scaleaudit", "version": __version__,
                 "generated_at": now.replace(microsecond=0).isoformat().replace("+00:00", "Z")},
        "target": {"path": str(project_path), "name": root.resolve().name},
        "profile": {**prof.to_dict(), "title": prof.title},
        "stack": found.stack,
        "facts": facts.to_dict(),
        "skipped": [{"path": s.path, "reason": s.reason} for s in sorted(found.skipped, key=lambda s: (s.path, s.reason))],
        "findings": [f.to_dict() for f in remaining_findings(outcomes, waivers, today)],
        "scorecard": {**scorecard(outcomes, catalog, waivers, today), "capacity": facts.capacity,
                      "roadmap": roadmap(outcomes, catalog, waivers, today),
                      "profiles": profile_scores(facts, waivers, today)},
    }
    if baseline is not None:
        doc["scorecard"]["baseline"] = compare(doc, baseline)
    return doc


def document_json(doc: dict) -> str:
    """The document as canonical JSON: sorted keys, two-space indent, a final newline."""
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def load_document(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
