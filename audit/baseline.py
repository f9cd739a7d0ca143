"""What changed since a previous audit: new, fixed and unchanged findings, and the score deltas."""

from __future__ import annotations

import json


def finding_key(f: dict) -> str:
    """A finding's identity across runs: check, subject and file (lines move as code is edited)."""
    first = f["evidence"][0]["path"] if f["evidence"] else ""
    return json.dumps([f["check"], f["subject"], first], sort_keys=True)


def _delta(after, before):
    return None if after is None or before is None else round(after - before, 1)


def compare(current: dict, previous: dict) -> dict:
    """The comparison `scorecard.baseline` carries; both arguments are JSON documents."""
    now = {finding_key(f): f for f in current["findings"]}
    then = {finding_key(f): f for f in previous["findings"]}
    brief = lambda f: {"check": f["check"], "severity": f["severity"], "title": f["title"]}  # noqa: E731
    before_areas = {a["area"]: a["score"] for a in previous["scorecard"]["areas"]}
    return {
        "previous_generated_at": previous["tool"].get("generated_at"),
        "overall": {"before": previous["scorecard"]["overall"], "after": current["scorecard"]["overall"],
                    "delta": _delta(current["scorecard"]["overall"], previous["scorecard"]["overall"])},
        "coverage": {"before": previous["scorecard"]["coverage"], "after": current["scorecard"]["coverage"],
                     "delta": _delta(current["scorecard"]["coverage"], previous["scorecard"]["coverage"])},
        "areas": [{"area": a["area"], "before": before_areas.get(a["area"]), "after": a["score"],
                   "delta": _delta(a["score"], before_areas.get(a["area"]))} for a in current["scorecard"]["areas"]],
        "new": [brief(now[k]) for k in sorted(now.keys() - then.keys())],
        "fixed": [brief(then[k]) for k in sorted(then.keys() - now.keys())],
        "unchanged": len(now.keys() & then.keys()),
    }
