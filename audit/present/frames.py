"""The scores and findings as data: the headline summary and pandas DataFrames.

One row per area, per check, per finding, per file not read. Column names are what the
report prints; ``audit.present.html`` turns the frames into tables.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from audit.model import SEVERITIES
from audit.present.format import fmt_subject, grade_for, humanize, is_missing, location, severity_rank, fmt_value
from audit.present.load import areas_of, check_titles, checks_of, dicts, finding_count, findings_of, get
from audit.scoring import DECIDED

#: statuses that carry points are DECIDED; "undecided" checks count against coverage; waived and
#: not-applicable checks leave both (see the scorecard rules in the document)
APPLICABLE: tuple[str, ...] = (*DECIDED, "undecided")


def summary(doc: Mapping) -> dict:
    """The headline numbers: overall %, grade, coverage, findings per severity, target, profile."""
    sc = get(doc, "scorecard", default={})
    findings = findings_of(doc)
    counts = {sev: 0 for sev in SEVERITIES}
    for f in findings:
        sev = f.get("severity")
        counts[sev] = counts.get(sev, 0) + 1
    overall = sc.get("overall")
    profile = get(doc, "profile", default={})
    areas = areas_of(doc)
    return {
        "target": get(doc, "target", "name") or get(doc, "target", "path") or "unnamed project",
        "target_path": get(doc, "target", "path") or "",
        "profile": profile.get("name") or "",
        "profile_title": profile.get("title") or "",
        "concurrent_users": profile.get("concurrent_users"),
        "overall": None if is_missing(overall) else float(overall),
        "grade": sc.get("grade") or grade_for(overall, sc.get("grade_bands")),
        "coverage": None if is_missing(sc.get("coverage")) else float(sc["coverage"]),
        "counts": counts,
        "total_findings": len(findings),
        "critical": [
            {
                "check": f.get("check", ""),
                "title": f.get("title", ""),
                "evidence": [location(e.get("path"), e.get("line")) for e in dicts(f.get("evidence"))],
            }
            for f in findings
            if f.get("severity") == "critical"
        ],
        "areas": len(areas),
        "capped_areas": [a.get("area") for a in areas if a.get("capped")],
        "tool_version": get(doc, "tool", "version") or "",
        "generated_at": get(doc, "tool", "generated_at") or "",
        "stack": {k: list(get(doc, "stack", k) or []) for k in ("languages", "frameworks", "databases", "hosting")},
    }


# --------------------------------------------------------------------------- scores


def scorecard_frame(doc: Mapping) -> pd.DataFrame:
    """One row per area, like the seeds' "Confidence Levels by Component" table."""
    findings = findings_of(doc)
    rows = []
    for a in areas_of(doc):
        checks = dicts(a.get("checks"))
        applicable = [c for c in checks if c.get("status") in APPLICABLE]
        decided = [c for c in applicable if c.get("status") in DECIDED]
        area_findings = sorted(
            (f for f in findings if f.get("area") == a.get("area")), key=lambda f: severity_rank(f.get("severity"))
        )
        n_findings = len(area_findings) if findings else sum(finding_count(c.get("findings")) for c in checks)
        notes = []
        if a.get("score") is None:
            if applicable:
                notes.append(f"Not scored: none of its {len(applicable)} applicable checks could be decided")
            else:
                notes.append("Not scored: no check applies to what was found")
        if area_findings:
            top = area_findings[0]
            note = f"{str(top.get('severity', '')).upper()}: {top.get('title', '')}"
            if len(area_findings) > 1:
                note += f" (+{len(area_findings) - 1} more)"
            notes.append(note)
        elif a.get("score") is not None:
            notes.append("No findings")
        if a.get("capped"):
            notes.append("score capped by the scoring rules")
        undecided = len(applicable) - len(decided)
        if undecided and a.get("score") is not None:
            notes.append(f"{undecided} check{'s' if undecided != 1 else ''} undecided")
        score = a.get("score")
        rows.append(
            {
                "Area": a.get("title") or a.get("area") or "",
                "Score": float("nan") if score is None else float(score),
                "Weight": a.get("weight"),
                "Checks decided": f"{len(decided)} of {len(applicable)}",
                "Findings": n_findings,
                "Notes": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows, columns=["Area", "Score", "Weight", "Checks decided", "Findings", "Notes"])


def points_frame(doc: Mapping) -> pd.DataFrame:
    """Per check: where the points went. Sorted by area, then most points lost first."""
    cols = ["Area", "Check", "Title", "Status", "Severity", "Points available", "Points lost", "Findings", "Note"]
    area_order = {a.get("area"): i for i, a in enumerate(areas_of(doc))}
    rows = [
        {
            "Area": a.get("title") or a.get("area") or "",
            "Check": c.get("check", ""),
            "Title": c.get("title", ""),
            "Status": c.get("status", ""),
            "Severity": c.get("severity", ""),
            "Points available": float(c.get("points_available") or 0),
            "Points lost": float(c.get("points_lost") or 0),
            "Findings": finding_count(c.get("findings")),
            "Note": c.get("note") or "",
            "_area_order": area_order.get(a.get("area"), 0),
        }
        for a, c in checks_of(doc)
    ]
    if not rows:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(rows).sort_values(
        ["_area_order", "Points lost", "Check"], ascending=[True, False, True], kind="stable"
    )
    return frame[cols].reset_index(drop=True)


def points_breakdown(doc: Mapping) -> list[dict]:
    """Per area: points available, lost, and the checks that lost them (largest first)."""
    out = []
    for a in areas_of(doc):
        checks = dicts(a.get("checks"))
        lost_by = [(c.get("check", ""), float(c.get("points_lost") or 0)) for c in checks]
        out.append(
            {
                "area": a.get("area"),
                "title": a.get("title") or a.get("area"),
                "score": a.get("score"),
                "weight": a.get("weight"),
                "capped": bool(a.get("capped")),
                "available": sum(float(c.get("points_available") or 0) for c in checks),
                "lost": sum(p for _, p in lost_by),
                "losers": sorted(((c, p) for c, p in lost_by if p > 0), key=lambda t: (-t[1], t[0])),
            }
        )
    return out


# --------------------------------------------------------------------------- findings


def evidence_lines(evidence: Any) -> list[str]:
    """``path:line — detail`` for each evidence entry (either part alone when the other is empty)."""
    out = []
    for e in dicts(evidence):
        loc, detail = location(e.get("path"), e.get("line")), e.get("detail") or ""
        out.append(f"{loc} — {detail}" if loc and detail else (loc or detail))
    return out


def findings_frame(doc: Mapping, severity: str | None = None) -> pd.DataFrame:
    """One row per finding, in document order; ``Evidence`` holds one ``path:line — detail`` per line."""
    rows = [
        {
            "Severity": f.get("severity", ""),
            "Check": f.get("check", ""),
            "Title": f.get("title", ""),
            "Subject": fmt_subject(f.get("subject")),
            "Evidence": "\n".join(evidence_lines(f.get("evidence"))),
            "Why": f.get("why", ""),
            "Fix": f.get("fix", ""),
        }
        for f in findings_of(doc)
        if severity is None or f.get("severity") == severity
    ]
    return pd.DataFrame(rows, columns=["Severity", "Check", "Title", "Subject", "Evidence", "Why", "Fix"])


def finding_groups(doc: Mapping, per_check: int | None = 5) -> list[dict]:
    """Findings by severity (most severe first), then by check in document order.

    Each check group keeps its first ``per_check`` findings (all with ``None``) and says how
    many more there are and in how many files, so a report on a big repository stays short
    while the JSON keeps every finding::

        [{"severity", "count", "checks": [{"check", "title", "why", "count", "shown": [finding...],
                                           "more", "more_files"}]}]
    """
    titles = check_titles(doc)
    by_sev: dict[str, dict[str, list[dict]]] = {}
    for f in findings_of(doc):
        by_sev.setdefault(f.get("severity", ""), {}).setdefault(f.get("check", ""), []).append(f)
    out = []
    for sev in sorted(by_sev, key=lambda s: (severity_rank(s), s)):
        groups = []
        for check, items in by_sev[sev].items():
            shown = items if per_check is None else items[:per_check]
            rest = items[len(shown):]
            files = {e.get("path") for f in rest for e in dicts(f.get("evidence")) if e.get("path")}
            groups.append(
                {
                    "check": check,
                    "title": titles.get(check) or "",
                    "why": next((f.get("why") for f in items if f.get("why")), ""),
                    "count": len(items),
                    "shown": shown,
                    "more": len(rest),
                    "more_files": len(files),
                }
            )
        out.append({"severity": sev, "count": sum(g["count"] for g in groups), "checks": groups})
    return out


# --------------------------------------------------------------------------- what could not be read


def skipped_frame(doc: Mapping) -> pd.DataFrame:
    rows = [{"Path": s.get("path", ""), "Reason": s.get("reason", "")} for s in dicts(get(doc, "skipped"))]
    return pd.DataFrame(rows, columns=["Path", "Reason"])


def unparsed_frame(doc: Mapping) -> pd.DataFrame:
    """SQL statements in the migrations that nothing modelled."""
    rows = [
        {"Location": location(u.get("path"), u.get("line")), "Reason": u.get("reason", "")}
        for u in dicts(get(doc, "facts", "schema", "unparsed"))
    ]
    return pd.DataFrame(rows, columns=["Location", "Reason"])


def not_applied_frame(doc: Mapping) -> pd.DataFrame:
    """Files in a migrations folder left out of the PostgreSQL history (undo scripts, other databases)."""
    rows = [{"Path": n.get("path", ""), "Reason": n.get("reason", "")} for n in dicts(get(doc, "facts", "schema", "not_applied"))]
    return pd.DataFrame(rows, columns=["Path", "Reason"])


def unparsed_queries_frame(doc: Mapping) -> pd.DataFrame:
    """Queries found in the code whose SQL sqlglot could not read."""
    rows = [
        {"Location": location(q.get("path"), q.get("line")), "Source": q.get("source", ""), "Reason": q.get("error", "")}
        for q in dicts(get(doc, "facts", "queries", "items"))
        if q.get("error")
    ]
    return pd.DataFrame(rows, columns=["Location", "Source", "Reason"])


def undecided_frame(doc: Mapping) -> pd.DataFrame:
    """Checks that apply but could not be decided: what the coverage figure is missing."""
    rows = [
        {
            "Area": a.get("title") or a.get("area") or "",
            "Check": c.get("check", ""),
            "Title": c.get("title", ""),
            "Weight": c.get("weight"),
            "Why undecided": c.get("note") or "",
        }
        for a, c in checks_of(doc)
        if c.get("status") == "undecided"
    ]
    return pd.DataFrame(rows, columns=["Area", "Check", "Title", "Weight", "Why undecided"])


def waived_frame(doc: Mapping) -> pd.DataFrame:
    rows = [
        {
            "Check": w.get("check", ""),
            "Path": w.get("path") or "",
            "Subject": fmt_subject(w.get("subject")),
            "Reason": w.get("reason", ""),
            "Expires": w.get("expires") or "never",
        }
        for w in dicts(get(doc, "scorecard", "waived"))
    ]
    return pd.DataFrame(rows, columns=["Check", "Path", "Subject", "Reason", "Expires"])


def assumptions_frame(doc: Mapping) -> pd.DataFrame:
    """The profile's model inputs, as the checks and the capacity estimate used them."""
    assumptions: Any = get(doc, "profile", "assumptions") or {}
    rows = [{"Assumption": humanize(k), "Value": fmt_value(v)} for k, v in sorted(assumptions.items())]
    return pd.DataFrame(rows, columns=["Assumption", "Value"])


# --------------------------------------------------------------------------- roadmap

#: the roadmap's phases (audit.roadmap.PHASES): the severities each takes, for the note on an empty phase
PHASE_SEVERITIES: dict[str, tuple[str, ...]] = {
    "Critical fixes": ("critical", "high"),
    "Scaling preparation": ("medium",),
    "Hardening": ("low", "info"),
}
ROADMAP_COLUMNS = ["Check", "Title", "Area", "Severity", "Findings", "Effort", "Gain"]


def roadmap_frame(doc: Mapping, phase: Mapping | None = None) -> pd.DataFrame:
    """One row per failing check of a phase (``scorecard.roadmap[i]``), in the document's order
    (largest gain first); every phase's items when ``phase`` is None. ``Gain`` is the overall
    readiness, in points, won if that check alone passed (the scorecard re-computed)."""
    titles = {a.get("area"): a.get("title") or a.get("area") for a in areas_of(doc)}
    phases = [phase] if phase is not None else dicts(get(doc, "scorecard", "roadmap"))
    rows = [
        {
            "Check": i.get("check", ""),
            "Title": i.get("title", ""),
            "Area": titles.get(i.get("area")) or i.get("area") or "",
            "Severity": i.get("severity", ""),
            "Findings": finding_count(i.get("findings")),
            "Effort": i.get("effort") or "unknown",
            "Gain": None if is_missing(i.get("gain")) else float(i["gain"]),
        }
        for p in phases
        for i in dicts(p.get("items") if isinstance(p, Mapping) else None)
    ]
    return pd.DataFrame(rows, columns=ROADMAP_COLUMNS)


def roadmap_phases(doc: Mapping) -> list[dict]:
    """The phases as ``{"number", "title", "severities", "checks", "findings", "efforts", "frame"}``;
    ``efforts`` counts the checks per effort (hours, days, weeks) in that order. ``[]`` when the
    document has no roadmap."""
    order = {"hours": 0, "days": 1, "weeks": 2}
    out = []
    for n, p in enumerate(dicts(get(doc, "scorecard", "roadmap")), start=1):
        frame = roadmap_frame(doc, p)
        efforts: dict[str, int] = {}
        for e in sorted(frame["Effort"], key=lambda e: (order.get(e, len(order)), e)):
            efforts[e] = efforts.get(e, 0) + 1
        title = p.get("title") or f"Phase {n}"
        out.append(
            {
                "number": str(p.get("phase") or n),
                "title": title,
                "severities": PHASE_SEVERITIES.get(title, tuple(dict.fromkeys(frame["Severity"]))),
                "checks": len(frame),
                "findings": int(frame["Findings"].sum()),
                "efforts": efforts,
                "frame": frame,
            }
        )
    return out
