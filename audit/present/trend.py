"""Scores against other scales and against the last audit, and findings per area and severity, as data.

``scorecard.profiles`` holds the same facts scored at 500, 10k and 1m users; ``scorecard.baseline``
the comparison with a previous document (``--baseline``). Both are optional: an older document
without them gives empty frames.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from audit.present.format import is_missing, severity_rank
from audit.present.load import areas_of, dicts, findings_of, get

OVERALL = "Overall readiness"


def area_titles(doc: Mapping) -> dict[str, str]:
    """Area id -> the scorecard's title for it."""
    return {a.get("area"): a.get("title") or a.get("area") for a in areas_of(doc)}


def _score(value: Any) -> float:
    return float("nan") if is_missing(value) else float(value)


# --------------------------------------------------------------------------- against other scales


def profiles_of(doc: Mapping) -> list[dict]:
    return dicts(get(doc, "scorecard", "profiles"))


def profiles_frame(doc: Mapping) -> pd.DataFrame:
    """One row per built-in profile: users, readiness, grade, coverage, findings, and whether it is the document's."""
    current = get(doc, "profile", "name")
    rows = [
        {
            "Profile": p.get("profile", ""),
            "Concurrent users": p.get("concurrent_users"),
            "Readiness": _score(p.get("overall")),
            "Grade": p.get("grade") or "n/a",
            "Coverage": _score(p.get("coverage")),
            "Findings": p.get("findings"),
            "This report": p.get("profile") == current,
        }
        for p in profiles_of(doc)
    ]
    return pd.DataFrame(rows, columns=["Profile", "Concurrent users", "Readiness", "Grade", "Coverage", "Findings", "This report"])


def _movement(scores: list[float]) -> float:
    """How far a row's score moves across the profiles; an unscored profile counts as 100 (nothing lost there)."""
    filled = [100.0 if pd.isna(s) else s for s in scores]
    return max(filled) - min(filled)


def profile_scores_frame(doc: Mapping) -> pd.DataFrame:
    """One row per area (overall readiness first), one column of scores per profile, and ``Moves``:
    the points between its highest and lowest score. Areas scored at no profile are left out; the
    others are ordered by how much they move, most first, then in scorecard order."""
    profiles = profiles_of(doc)
    names = [p.get("profile", "") for p in profiles]
    if not profiles:
        return pd.DataFrame(columns=["Area", "Moves"])
    titles = area_titles(doc)
    per_area: dict[str, list[float]] = {}
    for p in profiles:
        for a in dicts(p.get("areas")):
            per_area.setdefault(a.get("area"), []).append(_score(a.get("score")))
    order = {area: i for i, area in enumerate(titles)}
    areas = sorted(
        (a for a, scores in per_area.items() if not all(pd.isna(s) for s in scores)),
        key=lambda a: (-_movement(per_area[a]), order.get(a, len(order)), a),
    )
    overall = [_score(p.get("overall")) for p in profiles]
    rows = [[OVERALL, *overall, _movement(overall)]]
    rows += [[titles.get(a, a), *per_area[a], _movement(per_area[a])] for a in areas]
    return pd.DataFrame(rows, columns=["Area", *names, "Moves"])


# --------------------------------------------------------------------------- against the last audit


def baseline_of(doc: Mapping) -> dict:
    base = get(doc, "scorecard", "baseline")
    return dict(base) if isinstance(base, Mapping) else {}


def baseline_areas_frame(doc: Mapping) -> pd.DataFrame:
    """Overall readiness, then each area: score before, after, and the change (NaN where unknown)."""
    base = baseline_of(doc)
    cols = ["Area", "Before", "After", "Change"]
    if not base:
        return pd.DataFrame(columns=cols)
    titles = area_titles(doc)
    overall = base.get("overall") or {}
    rows = [[OVERALL, _score(overall.get("before")), _score(overall.get("after")), _score(overall.get("delta"))]]
    rows += [
        [titles.get(a.get("area"), a.get("area")), _score(a.get("before")), _score(a.get("after")), _score(a.get("delta"))]
        for a in dicts(base.get("areas"))
        if not (is_missing(a.get("before")) and is_missing(a.get("after")))
    ]
    return pd.DataFrame(rows, columns=cols)


def baseline_findings_frame(doc: Mapping, which: str) -> pd.DataFrame:
    """The ``new`` or ``fixed`` findings of the comparison, most severe first: check, severity, title."""
    items = sorted(dicts(baseline_of(doc).get(which)), key=lambda f: (severity_rank(f.get("severity")), f.get("check", "")))
    rows = [{"Check": f.get("check", ""), "Severity": f.get("severity", ""), "Title": f.get("title", "")} for f in items]
    return pd.DataFrame(rows, columns=["Check", "Severity", "Title"])


# --------------------------------------------------------------------------- findings per area


def severity_counts_frame(doc: Mapping) -> pd.DataFrame:
    """Findings per area (scorecard order, areas without findings left out) and severity, one row per pair that has any."""
    titles = area_titles(doc)
    order = {a: i for i, a in enumerate(titles)}
    counts: dict[tuple[str, str], int] = {}
    for f in findings_of(doc):
        key = (f.get("area") or "", f.get("severity") or "")
        counts[key] = counts.get(key, 0) + 1
    rows = [
        {"Area": titles.get(area, area), "Severity": sev, "Findings": n}
        for (area, sev), n in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0][0], severity_rank(kv[0][1])))
    ]
    return pd.DataFrame(rows, columns=["Area", "Severity", "Findings"])

