"""The phased roadmap: failing checks grouped like the seeds' phase tables, each with what fixing it gains."""

from __future__ import annotations

from dataclasses import replace

from audit.catalog import Catalog
from audit.model import Outcome
from audit.scoring import scorecard
from audit.waivers import Waiver

PHASES = (
    ("1", "Critical fixes", ("critical", "high")),
    ("2", "Scaling preparation", ("medium",)),
    ("3", "Hardening", ("low", "info")),
)


def roadmap(outcomes: dict[str, Outcome], catalog: Catalog, waivers: list[Waiver], today: str) -> list[dict]:
    """Phases of failing checks; `gain` is the overall readiness won if that check alone passed (re-scored)."""
    base = scorecard(outcomes, catalog, waivers, today)["overall"] or 0.0
    items = []
    for check_id, out in sorted(outcomes.items()):
        if out.status != "fail":
            continue
        spec = catalog.checks[check_id]
        fixed = scorecard({**outcomes, check_id: replace(out, status="pass", findings=[])}, catalog, waivers, today)
        items.append({"check": check_id, "title": spec.title, "area": spec.area, "severity": spec.severity,
                      "findings": len(out.findings), "effort": spec.effort,
                      "gain": round((fixed["overall"] or 0.0) - base, 1)})
    return [
        {"phase": num, "title": title,
         "items": sorted((i for i in items if i["severity"] in severities), key=lambda i: (-i["gain"], i["check"]))}
        for num, title, severities in PHASES
    ]
