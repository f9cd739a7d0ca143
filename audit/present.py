"""What the readiness notebook shows, computed from the JSON document (docs/contract.md).

Every function here is pure: it takes the document dict and returns a dict, a
``pandas.DataFrame``, an HTML string or a matplotlib ``Figure``. The notebook only calls
these and displays the result, so all presentation logic is tested in
``tests/test_report.py``.

Anything that comes from the audited repository (titles, paths, details, settings) is
untrusted text: the HTML helpers escape every value they print.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
STATUSES: tuple[str, ...] = ("fail", "undecided", "waived", "pass", "not_applicable")
#: statuses that carry points; "undecided" checks count against coverage; waived and
#: not-applicable checks leave both (see the scorecard rules in the document)
DECIDED: frozenset[str] = frozenset({"pass", "fail"})
APPLICABLE: frozenset[str] = frozenset({"pass", "fail", "undecided"})

SEVERITY_COLORS: dict[str, str] = {
    "critical": "#991b1b",
    "high": "#c2410c",
    "medium": "#b45309",
    "low": "#1d4ed8",
    "info": "#4b5563",
}
GRADE_COLORS: dict[str, str] = {
    "A": "#15803d",
    "B": "#4d7c0f",
    "C": "#a16207",
    "D": "#c2410c",
    "F": "#b91c1c",
    "n/a": "#6b7280",
}
DEFAULT_GRADE_BANDS: tuple[dict[str, Any], ...] = (
    {"grade": "A", "min": 90},
    {"grade": "B", "min": 75},
    {"grade": "C", "min": 60},
    {"grade": "D", "min": 40},
    {"grade": "F", "min": 0},
)

#: Environment variable through which ``audit.report`` hands a DSN to the notebook, so the
#: credentials never land in the executed notebook's parameters cell.
DSN_ENV = "SCALEAUDIT_DSN"


# --------------------------------------------------------------------------- loading


def load_document(
    project_path: str | os.PathLike[str] = ".",
    profile: str = "10k",
    concurrent_users: int | None = None,
    dsn: str | None = None,
    audit_json: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
) -> dict:
    """The document the notebook renders.

    With ``audit_json`` the document is read from that file (the CLI writes
    ``readiness.json`` first and passes it, so report and JSON agree). Otherwise the
    project is scanned with ``audit.api.scan``; when ``output_dir`` is given the scanned
    document is also written there as ``readiness.json``.
    """
    if audit_json:
        with open(audit_json, encoding="utf-8") as fh:
            return json.load(fh)

    from audit import api  # imported late: the report side must not need the scanner to render

    kwargs: dict[str, Any] = {"profile": profile, "concurrent_users": concurrent_users}
    dsn = dsn or os.environ.get(DSN_ENV) or None
    if dsn:
        import inspect

        if "dsn" not in inspect.signature(api.scan).parameters:
            raise TypeError("audit.api.scan() does not accept a dsn: live database checks are unavailable")
        kwargs["dsn"] = dsn
    doc = api.scan(project_path, **kwargs)
    if output_dir:
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "readiness.json").write_text(api.document_json(doc), encoding="utf-8")
    return doc


# --------------------------------------------------------------------------- small helpers


def _get(mapping: Any, *keys: str, default: Any = None) -> Any:
    cur = mapping
    for key in keys:
        if not isinstance(cur, Mapping):
            return default
        cur = cur.get(key)
        if cur is None:
            return default
    return cur


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: Any) -> str:
    """3 -> "3", 2.5 -> "2.5", 1.333333 -> "1.33", None -> "–"."""
    if _is_missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def fmt_pct(value: Any) -> str:
    """39.14 -> "39.1%", 100 -> "100%", None/NaN -> "n/a"."""
    if _is_missing(value):
        return "n/a"
    value = float(value)
    return f"{value:.0f}%" if value.is_integer() else f"{value:.1f}%"


def location(path: Any, line: Any = None) -> str:
    """``path:line`` (``path`` alone when the line is unknown, "" when there is no path)."""
    if not path:
        return ""
    return f"{path}:{line}" if line not in (None, "") else str(path)


def fmt_value(value: Any) -> str:
    """Settings values as a person would write them (no Python reprs)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k} = {fmt_value(v)}" for k, v in value.items())
    if isinstance(value, float):
        return fmt_number(value)
    return str(value)


def fmt_subject(subject: Any) -> str:
    """``{"table": "public.t", "columns": ["a"]}`` -> ``table public.t, columns a``."""
    if not isinstance(subject, Mapping):
        return "" if subject is None else str(subject)
    return ", ".join(f"{k} {fmt_value(v)}" for k, v in subject.items())


def grade_for(score: Any, bands: Iterable[Mapping[str, Any]] | None = None) -> str:
    if _is_missing(score):
        return "n/a"
    for band in sorted(bands or DEFAULT_GRADE_BANDS, key=lambda b: -float(b.get("min", 0))):
        if float(score) >= float(band.get("min", 0)):
            return str(band.get("grade", "?"))
    return "F"


def _severity_rank(sev: Any) -> int:
    return SEVERITIES.index(sev) if sev in SEVERITIES else len(SEVERITIES)


def _findings(doc: Mapping) -> list[dict]:
    return [f for f in (doc.get("findings") or []) if isinstance(f, Mapping)]


def _areas(doc: Mapping) -> list[dict]:
    return [a for a in (_get(doc, "scorecard", "areas") or []) if isinstance(a, Mapping)]


def _finding_count(value: Any) -> int:
    if isinstance(value, (list, tuple)):
        return len(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    return 0


def _checks(doc: Mapping) -> list[tuple[dict, dict]]:
    return [(a, c) for a in _areas(doc) for c in (a.get("checks") or []) if isinstance(c, Mapping)]


# --------------------------------------------------------------------------- summary


def summary(doc: Mapping) -> dict:
    """The headline numbers: overall %, grade, coverage, findings per severity, target, profile."""
    sc = doc.get("scorecard") or {}
    findings = _findings(doc)
    counts = {sev: 0 for sev in SEVERITIES}
    for f in findings:
        sev = f.get("severity")
        counts[sev] = counts.get(sev, 0) + 1
    overall = sc.get("overall")
    profile = doc.get("profile") or {}
    critical = [f for f in findings if f.get("severity") == "critical"]
    return {
        "target": _get(doc, "target", "name") or _get(doc, "target", "path") or "unnamed project",
        "target_path": _get(doc, "target", "path") or "",
        "profile": profile.get("name") or "",
        "profile_title": profile.get("title") or "",
        "concurrent_users": profile.get("concurrent_users"),
        "overall": None if _is_missing(overall) else float(overall),
        "grade": sc.get("grade") or grade_for(overall, sc.get("grade_bands")),
        "coverage": None if _is_missing(sc.get("coverage")) else float(sc["coverage"]),
        "counts": counts,
        "total_findings": len(findings),
        "critical": [
            {
                "check": f.get("check", ""),
                "title": f.get("title", ""),
                "evidence": [location(e.get("path"), e.get("line")) for e in (f.get("evidence") or [])],
            }
            for f in critical
        ],
        "areas": len(_areas(doc)),
        "capped_areas": [a.get("area") for a in _areas(doc) if a.get("capped")],
        "tool_version": _get(doc, "tool", "version") or "",
        "generated_at": _get(doc, "tool", "generated_at") or "",
        "stack": {k: list(_get(doc, "stack", k) or []) for k in ("languages", "frameworks", "databases", "hosting")},
    }


# --------------------------------------------------------------------------- tables


def scorecard_frame(doc: Mapping) -> pd.DataFrame:
    """One row per area, like the seeds' "Confidence Levels by Component" table."""
    findings = _findings(doc)
    rows = []
    for a in _areas(doc):
        checks = [c for c in (a.get("checks") or []) if isinstance(c, Mapping)]
        applicable = [c for c in checks if c.get("status") in APPLICABLE]
        decided = [c for c in applicable if c.get("status") in DECIDED]
        area_findings = sorted(
            (f for f in findings if f.get("area") == a.get("area")), key=lambda f: _severity_rank(f.get("severity"))
        )
        n_findings = len(area_findings) if findings else sum(_finding_count(c.get("findings")) for c in checks)
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
    rows = []
    for order, (a, c) in enumerate(_checks(doc)):
        rows.append(
            {
                "Area": a.get("title") or a.get("area") or "",
                "Check": c.get("check", ""),
                "Title": c.get("title", ""),
                "Status": c.get("status", ""),
                "Severity": c.get("severity", ""),
                "Points available": float(c.get("points_available") or 0),
                "Points lost": float(c.get("points_lost") or 0),
                "Findings": _finding_count(c.get("findings")),
                "Note": c.get("note") or "",
                "_area": a.get("area") or "",
                "_order": order,
            }
        )
    cols = ["Area", "Check", "Title", "Status", "Severity", "Points available", "Points lost", "Findings", "Note"]
    if not rows:
        return pd.DataFrame(columns=cols)
    area_order = {a.get("area"): i for i, a in enumerate(_areas(doc))}
    frame = pd.DataFrame(rows)
    frame["_area_order"] = frame["_area"].map(area_order)
    frame = frame.sort_values(["_area_order", "Points lost", "Check"], ascending=[True, False, True], kind="stable")
    return frame[cols].reset_index(drop=True)


def points_breakdown(doc: Mapping) -> list[dict]:
    """Per area: points available, lost, and the checks that lost them (largest first)."""
    out = []
    for a in _areas(doc):
        checks = [c for c in (a.get("checks") or []) if isinstance(c, Mapping)]
        available = sum(float(c.get("points_available") or 0) for c in checks)
        lost = sum(float(c.get("points_lost") or 0) for c in checks)
        losers = sorted(
            ((c.get("check", ""), float(c.get("points_lost") or 0)) for c in checks if float(c.get("points_lost") or 0) > 0),
            key=lambda t: (-t[1], t[0]),
        )
        out.append(
            {
                "area": a.get("area"),
                "title": a.get("title") or a.get("area"),
                "score": a.get("score"),
                "weight": a.get("weight"),
                "capped": bool(a.get("capped")),
                "available": available,
                "lost": lost,
                "losers": losers,
            }
        )
    return out


def findings_frame(doc: Mapping, severity: str | None = None) -> pd.DataFrame:
    """One row per finding, in document order; ``Evidence`` holds one ``path:line — detail`` per line."""
    rows = []
    for f in _findings(doc):
        if severity is not None and f.get("severity") != severity:
            continue
        evidence = []
        for e in f.get("evidence") or []:
            loc = location(e.get("path"), e.get("line"))
            detail = e.get("detail") or ""
            evidence.append(f"{loc} — {detail}" if loc and detail else (loc or detail))
        rows.append(
            {
                "Severity": f.get("severity", ""),
                "Check": f.get("check", ""),
                "Title": f.get("title", ""),
                "Subject": fmt_subject(f.get("subject")),
                "Evidence": "\n".join(evidence),
                "Why": f.get("why", ""),
                "Fix": f.get("fix", ""),
            }
        )
    return pd.DataFrame(rows, columns=["Severity", "Check", "Title", "Subject", "Evidence", "Why", "Fix"])


def skipped_frame(doc: Mapping) -> pd.DataFrame:
    rows = [{"Path": s.get("path", ""), "Reason": s.get("reason", "")} for s in doc.get("skipped") or []]
    return pd.DataFrame(rows, columns=["Path", "Reason"])


def unparsed_frame(doc: Mapping) -> pd.DataFrame:
    rows = [
        {"Location": location(u.get("path"), u.get("line")), "Reason": u.get("reason", "")}
        for u in _get(doc, "facts", "schema", "unparsed") or []
    ]
    return pd.DataFrame(rows, columns=["Location", "Reason"])


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
        for a, c in _checks(doc)
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
        for w in _get(doc, "scorecard", "waived") or []
    ]
    return pd.DataFrame(rows, columns=["Check", "Path", "Subject", "Reason", "Expires"])


def pools_frame(doc: Mapping) -> pd.DataFrame:
    """One row per pool: where it is, its connection ceiling, the options as written and the defaults filled in."""
    rows = []
    for p in _get(doc, "facts", "pools") or []:
        settings = p.get("settings") or {}
        effective = p.get("effective") or {}
        defaults_used = list(effective.get("defaults_used") or [])
        rows.append(
            {
                "Library": p.get("library", ""),
                "Location": location(p.get("path"), p.get("line")),
                "Max connections": effective.get("max_connections"),
                "Settings as written": "\n".join(f"{k} = {fmt_value(v)}" for k, v in sorted(settings.items())) or "(none)",
                "Defaults applied": "\n".join(
                    f"{k} = {fmt_value(effective[k])}" if k in effective else k for k in sorted(defaults_used)
                )
                or "(none)",
            }
        )
    return pd.DataFrame(rows, columns=["Library", "Location", "Max connections", "Settings as written", "Defaults applied"])


def schema_summary(doc: Mapping) -> dict:
    schema = _get(doc, "facts", "schema") or {}
    tables = schema.get("tables") or []
    indexes = schema.get("indexes") or []
    statements = schema.get("statements") or {}
    total = int(statements.get("total") or 0)
    understood = int(statements.get("modelled") or 0) + int(statements.get("ignored") or 0)
    return {
        "migrations": len(schema.get("migrations") or []),
        "tables": len(tables),
        "columns": sum(len(t.get("columns") or []) for t in tables),
        "tables_without_primary_key": sum(1 for t in tables if not t.get("primary_key")),
        "indexes": len(indexes),
        "implicit_indexes": sum(1 for i in indexes if i.get("implicit")),
        "foreign_keys": len(schema.get("foreign_keys") or []),
        "statements": {k: int(statements.get(k) or 0) for k in ("total", "modelled", "ignored", "unparsed")},
        "understood_pct": (100.0 * understood / total) if total else None,
    }


def schema_frame(doc: Mapping) -> pd.DataFrame:
    """The schema summary as a two-column table."""
    s = schema_summary(doc)
    st = s["statements"]
    rows = [
        ("Migration files", fmt_number(s["migrations"])),
        ("Tables", fmt_number(s["tables"])),
        ("Columns", fmt_number(s["columns"])),
        ("Tables without a primary key", fmt_number(s["tables_without_primary_key"])),
        ("Indexes", f"{fmt_number(s['indexes'])} ({fmt_number(s['implicit_indexes'])} from PRIMARY KEY / UNIQUE)"),
        ("Foreign keys", fmt_number(s["foreign_keys"])),
        (
            "SQL statements",
            f"{fmt_number(st['total'])}: {fmt_number(st['modelled'])} modelled, {fmt_number(st['ignored'])} ignored, "
            f"{fmt_number(st['unparsed'])} unparsed",
        ),
        ("Statements understood", fmt_pct(s["understood_pct"])),
    ]
    return pd.DataFrame(rows, columns=["Measure", "Value"])


def tables_frame(doc: Mapping) -> pd.DataFrame:
    schema = _get(doc, "facts", "schema") or {}
    idx_count: dict[str, int] = {}
    for i in schema.get("indexes") or []:
        idx_count[i.get("table")] = idx_count.get(i.get("table"), 0) + 1
    fk_count: dict[str, int] = {}
    for fk in schema.get("foreign_keys") or []:
        fk_count[fk.get("table")] = fk_count.get(fk.get("table"), 0) + 1
    rows = [
        {
            "Table": t.get("name", ""),
            "Columns": len(t.get("columns") or []),
            "Primary key": ", ".join(t.get("primary_key") or []) or "none",
            "Indexes": idx_count.get(t.get("name"), 0),
            "Foreign keys": fk_count.get(t.get("name"), 0),
            "Defined at": location(t.get("path"), t.get("line")),
        }
        for t in schema.get("tables") or []
    ]
    return pd.DataFrame(rows, columns=["Table", "Columns", "Primary key", "Indexes", "Foreign keys", "Defined at"])


# --------------------------------------------------------------------------- HTML


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def prose(value: Any) -> str:
    """Escaped text with Markdown code spans (`like this`) shown as <code> (the catalog's why/fix use them)."""
    return _CODE_SPAN.sub(lambda m: f"<code>{m.group(1)}</code>", esc(value))


def _breakable(text: str) -> str:
    """Escaped text for paths and ids. No <wbr> or zero-width spaces: lines already break after
    "/" and "-", CSS overflow-wrap breaks the rest, and WeasyPrint mis-breaks <wbr> inside <code>
    (it then splits ids at any character); the text stays searchable in the PDF."""
    return esc(text)


def badge(value: Any, kind: str = "sev") -> str:
    v = esc(value)
    css = esc(str(value).replace("_", "-"))
    return f'<span class="sa-badge sa-{kind}-{css}">{v.replace("_", " ")}</span>' if v else ""


def _multiline(text: Any) -> str:
    lines = str(text).split("\n") if text not in (None, "") else []
    return "<br>".join(esc(line) for line in lines)


_DEFAULT_FORMATS: dict[str, Callable[[Any], str]] = {
    "Score": lambda v: esc(fmt_pct(v)),
    "Severity": lambda v: badge(v, "sev"),
    "Status": lambda v: badge(v, "status"),
    "Check": lambda v: f"<code>{_breakable(v)}</code>" if v else "",
}
_CODE_COLUMNS = {"Path", "Location", "Defined at", "Evidence", "Settings as written", "Defaults applied", "Table"}
_NUMERIC_COLUMNS = {
    "Available",
    "Lost",
    "Score",
    "Weight",
    "Findings",
    "Points available",
    "Points lost",
    "Max connections",
    "Columns",
    "Indexes",
    "Foreign keys",
}


def html_table(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    empty: str = "Nothing to show.",
    css_class: str = "",
    widths: Mapping[str, str] | None = None,
    total: Mapping[str, Any] | None = None,
) -> str:
    """A plain, escaped HTML table (no JavaScript, prints with WeasyPrint).

    ``formats`` maps a column to a function returning *HTML* for a cell; other cells are
    escaped text (numbers trimmed, newlines kept, paths allowed to wrap). ``widths`` sets
    column widths (CSS lengths); ``total`` adds a footer row.
    """
    if frame is None or frame.empty:
        return f'<p class="sa-empty">{esc(empty)}</p>'
    fmts = {**_DEFAULT_FORMATS, **(formats or {})}
    cols = list(frame.columns)

    def cell(col: str, value: Any) -> str:
        if col in fmts:
            return fmts[col](value)
        if col in _NUMERIC_COLUMNS:
            return esc(fmt_number(value))
        if _is_missing(value):
            return "–"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return esc(fmt_number(value))
        return _multiline(value)

    def td_class(col: str) -> str:
        classes = []
        if col in _NUMERIC_COLUMNS:
            classes.append("sa-num")
        if col in _CODE_COLUMNS:
            classes.append("sa-code")
        return f' class="{" ".join(classes)}"' if classes else ""

    parts = [f'<table class="sa-table {esc(css_class)}">']
    if widths:
        parts.append("<colgroup>")
        parts.extend(f'<col style="width:{esc(widths.get(c, "auto"))}">' for c in cols)
        parts.append("</colgroup>")
    parts.append("<thead><tr>")
    parts.extend(f"<th{td_class(c)}>{esc(c)}</th>" for c in cols)
    parts.append("</tr></thead><tbody>")
    for row in frame.itertuples(index=False, name=None):
        parts.append("<tr>")
        parts.extend(f"<td{td_class(c)}>{cell(c, v)}</td>" for c, v in zip(cols, row))
        parts.append("</tr>")
    if total:  # a last body row, not <tfoot>: WeasyPrint would repeat a footer on every page
        parts.append('<tr class="sa-total">')
        parts.extend(f"<td{td_class(c)}>{esc(total.get(c, ''))}</td>" for c in cols)
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def summary_html(doc: Mapping) -> str:
    """The executive summary: title, critical findings (above the number), readiness, coverage, counts."""
    s = summary(doc)
    users = s["concurrent_users"]
    profile = f"profile {s['profile']}" if s["profile"] else "no profile"
    if users:
        profile += f" ({fmt_number(users)} concurrent users)"
    stack = ", ".join(v for k in ("frameworks", "databases", "hosting") for v in s["stack"][k])
    meta = [f"Target: <code>{esc(s['target_path'] or s['target'])}</code>", esc(profile)]
    if stack:
        meta.append(f"stack: {esc(stack)}")
    meta_line = " · ".join(meta)
    tool = " · ".join(
        x for x in (f"scaleaudit {esc(s['tool_version'])}" if s["tool_version"] else "", esc(s["generated_at"])) if x
    )

    parts = ['<div class="sa-summary">']
    parts.append(f'<h1 class="sa-title">Production readiness: {esc(s["target"])}</h1>')
    parts.append(f'<p class="sa-meta">{meta_line}</p>')
    if tool:
        parts.append(f'<p class="sa-meta sa-small">{tool}</p>')

    if s["critical"]:
        n = len(s["critical"])
        parts.append('<div class="sa-critical">')
        parts.append(f"<h2>{n} critical finding{'s block' if n != 1 else ' blocks'} this target</h2><ul>")
        for c in s["critical"]:
            ev = ", ".join(e for e in c["evidence"] if e)
            ev_html = f' <span class="sa-ev">({_breakable(ev)})</span>' if ev else ""
            parts.append(f"<li><strong>{prose(c['title'])}</strong> <code>{esc(c['check'])}</code>{ev_html}</li>")
        parts.append("</ul></div>")

    grade = s["grade"]
    color = GRADE_COLORS.get(grade, GRADE_COLORS["n/a"])
    parts.append('<table class="sa-headline"><tr>')
    parts.append(
        f'<td class="sa-big" style="color:{color}"><div class="sa-number">{esc(fmt_pct(s["overall"]))}</div>'
        f'<div class="sa-label">readiness · grade {esc(grade)}</div></td>'
    )
    parts.append(
        f'<td class="sa-big"><div class="sa-number sa-coverage">{esc(fmt_pct(s["coverage"]))}</div>'
        f'<div class="sa-label">evidence coverage</div></td>'
    )
    counts = "".join(
        f'<li>{badge(sev)} <span class="sa-count">{s["counts"].get(sev, 0)}</span></li>' for sev in SEVERITIES
    )
    parts.append(f'<td class="sa-counts"><ul>{counts}</ul><div class="sa-label">{s["total_findings"]} findings</div></td>')
    parts.append("</tr></table>")

    if s["overall"] is None:
        explain = (
            "No check could be decided, so there is no readiness score: the audit found nothing it could verify "
            "(an empty repository, or none of the files it knows how to read)."
        )
    else:
        explain = (
            f"<strong>Readiness</strong> is the share of checklist points kept at the {esc(s['profile'] or 'chosen')} profile, "
            f"over the checks that could be decided. <strong>Evidence coverage</strong> is how much of the checklist "
            f"(by weight) could be verified from the repository at all"
            + (
                f": {esc(fmt_pct(s['coverage']))} means the rest is unknown, not passed."
                if s["coverage"] is not None and s["coverage"] < 100
                else "."
            )
        )
    parts.append(f'<p class="sa-explain">{explain}</p>')
    parts.append("</div>")
    return "".join(parts)


def scorecard_html(doc: Mapping) -> str:
    return html_table(
        scorecard_frame(doc),
        empty="No area was scored.",
        css_class="sa-scorecard",
        widths={"Area": "22%", "Score": "9%", "Weight": "10%", "Checks decided": "12%", "Findings": "10%", "Notes": "37%"},
    )


def points_html(doc: Mapping) -> str:
    """The scoring rules, then per area: its score, the points it lost and a table of its checks."""
    parts = []
    rules = _get(doc, "scorecard", "rules") or []
    if rules:
        parts.append('<ul class="sa-rules">' + "".join(f"<li>{prose(r)}</li>" for r in rules) + "</ul>")
    frame = points_frame(doc)
    if frame.empty:
        parts.append('<p class="sa-empty">No checks were run.</p>')
        return "".join(parts)
    for b, area in zip(points_breakdown(doc), _areas(doc)):
        title = b["title"]
        score = "not scored" if b["score"] is None else fmt_pct(b["score"])
        parts.append(f'<h3 class="sa-area-heading">{esc(title)}: {esc(score)} <span class="sa-weight">(weight {esc(fmt_number(b["weight"]))})</span></h3>')
        if b["score"] is None:
            parts.append('<p class="sa-note">No check in this area could be decided, so it has no score and does not count in the overall.</p>')
        else:
            losers = ", ".join(f"<code>{esc(c)}</code> −{esc(fmt_number(p))}" for c, p in b["losers"]) or "none"
            capped = " The score is capped by the scoring rules (critical finding)." if b["capped"] else ""
            parts.append(
                f'<p class="sa-note">Kept {esc(fmt_number(b["available"] - b["lost"]))} of {esc(fmt_number(b["available"]))} '
                f"points; lost {esc(fmt_number(b['lost']))}: {losers}.{capped}</p>"
            )
        rows = frame[frame["Area"] == title].drop(columns=["Area"])
        notes = rows.pop("Note")
        rows = rows.assign(Title=[f"{t}\n({n})" if n else t for t, n in zip(rows["Title"], notes)])
        rows = rows.rename(columns={"Points available": "Available", "Points lost": "Lost"})
        total = {
            "Check": "Total",
            "Available": fmt_number(float(rows["Available"].sum())),
            "Lost": fmt_number(float(rows["Lost"].sum())),
            "Findings": fmt_number(int(rows["Findings"].sum())),
        }
        parts.append(
            html_table(
                rows,
                css_class="sa-points",
                widths={
                    "Check": "22%",
                    "Title": "29%",
                    "Status": "12%",
                    "Severity": "11%",
                    "Available": "10%",
                    "Lost": "7%",
                    "Findings": "9%",
                },
                total=total,
            )
        )
    return "".join(parts)


def _evidence_html(evidence: Iterable[Mapping]) -> str:
    items = []
    for e in evidence or []:
        loc = location(e.get("path"), e.get("line"))
        detail = e.get("detail") or ""
        loc_html = f'<div class="sa-evloc">{_breakable(loc)}</div>' if loc else ""
        detail_html = f'<div class="sa-evdetail">{esc(detail)}</div>' if detail else ""
        items.append(f'<div class="sa-evline">{loc_html}{detail_html}</div>')
    return "".join(items) or "–"


def findings_html(doc: Mapping) -> str:
    """Findings grouped by severity; each row: what and why, the evidence, the fix."""
    findings = _findings(doc)
    if not findings:
        return '<p class="sa-empty">No findings.</p>'
    parts = []
    for sev in sorted({f.get("severity", "") for f in findings}, key=lambda s: (_severity_rank(s), s)):
        group = [f for f in findings if f.get("severity", "") == sev]
        parts.append(f'<h3 class="sa-sev-heading">{badge(sev)} {len(group)} finding{"s" if len(group) != 1 else ""}</h3>')
        parts.append(
            '<table class="sa-table sa-findings"><colgroup><col style="width:38%"><col style="width:32%">'
            '<col style="width:30%"></colgroup>'
            "<thead><tr><th>Finding</th><th>Evidence</th><th>Fix</th></tr></thead><tbody>"
        )
        seen_why: set[tuple[str, str]] = set()
        for f in group:
            why = f.get("why") or ""
            key = (f.get("check", ""), why)
            if why and key in seen_why:  # the same check's reason, already printed in this group
                why_html = '<div class="sa-why sa-why-repeat">Why: as for the first finding of this check above.</div>'
            else:
                why_html = f'<div class="sa-why">{prose(why)}</div>' if why else ""
                seen_why.add(key)
            what = (
                f'<div class="sa-ftitle">{prose(f.get("title", ""))}</div>'
                f'<div class="sa-fcheck"><code>{_breakable(f.get("check", ""))}</code></div>'
                + why_html
            )
            parts.append(
                f'<tr class="sa-finding sa-finding-{esc(sev)}"><td>{what}</td>'
                f'<td class="sa-evidence">{_evidence_html(f.get("evidence") or [])}</td>'
                f"<td>{prose(f.get('fix', ''))}</td></tr>"
            )
        parts.append("</tbody></table>")
    return "".join(parts)


def pools_html(doc: Mapping) -> str:
    frame = pools_frame(doc)
    out = html_table(
        frame,
        empty="No connection-pool configuration was found in the code.",
        css_class="sa-pools",
        widths={"Library": "14%", "Location": "21%", "Max connections": "13%", "Settings as written": "26%", "Defaults applied": "26%"},
    )
    if not frame.empty:
        total = sum(int(v) for v in frame["Max connections"] if not _is_missing(v))
        out += (
            f'<p class="sa-note">Across the {len(frame)} pool{"s" if len(frame) != 1 else ""} found, one instance of each '
            f"can open at most <strong>{fmt_number(total)}</strong> connections in total. "
            "Multiply by the number of processes (instances, workers) that run each pool.</p>"
        )
    return out


def schema_html(doc: Mapping) -> str:
    out = html_table(schema_frame(doc), css_class="sa-kv", widths={"Measure": "40%", "Value": "60%"})
    tables = tables_frame(doc)
    if not tables.empty:
        out += html_table(
            tables,
            css_class="sa-tables",
            widths={"Table": "24%", "Columns": "10%", "Primary key": "14%", "Indexes": "10%", "Foreign keys": "10%", "Defined at": "32%"},
        )
    else:
        out += '<p class="sa-empty">No tables were found in the migrations.</p>'
    return out


def not_read_html(doc: Mapping) -> str:
    """Skipped files, unparsed SQL statements and checks that could not be decided."""
    parts = []
    skipped = skipped_frame(doc)
    parts.append(f"<h3>Files not read ({len(skipped)})</h3>")
    parts.append(html_table(skipped, empty="Every file was read.", widths={"Path": "55%", "Reason": "45%"}))
    unparsed = unparsed_frame(doc)
    parts.append(f"<h3>SQL statements not understood ({len(unparsed)})</h3>")
    parts.append(html_table(unparsed, empty="Every SQL statement was parsed.", widths={"Location": "55%", "Reason": "45%"}))
    undecided = undecided_frame(doc)
    parts.append(f"<h3>Checks that could not be decided ({len(undecided)})</h3>")
    parts.append(
        html_table(
            undecided,
            empty="Every applicable check was decided.",
            widths={"Area": "17%", "Check": "22%", "Title": "25%", "Weight": "9%", "Why undecided": "27%"},
        )
    )
    waived = waived_frame(doc)
    if not waived.empty:
        parts.append(f"<h3>Waived checks ({len(waived)})</h3>")
        parts.append(html_table(waived, widths={"Check": "20%", "Path": "18%", "Subject": "18%", "Reason": "30%", "Expires": "14%"}))
    return "".join(parts)


# --------------------------------------------------------------------------- charts

_CHART_WIDTH_IN = 7.0  # A4 (210 mm) minus the report's 14 mm margins each side is 7.2 in
_CHART_DPI = 200  # sharp in print; the notebook shows the PNG at its size in inches (96 CSS px per inch)


def _new_figure(height: float, width: float = _CHART_WIDTH_IN):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=_CHART_DPI, layout="constrained")


def _style_axes(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9.5)


def area_chart(doc: Mapping):
    """Horizontal bars: each area's score (0-100), coloured by grade band, with the overall as a dashed line."""
    import seaborn as sns

    sc = doc.get("scorecard") or {}
    bands = sc.get("grade_bands") or list(DEFAULT_GRADE_BANDS)
    areas = _areas(doc)
    fig = _new_figure(max(1.8, 0.42 * len(areas) + 1.1) if areas else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if not areas:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No area could be scored", ha="center", va="center", fontsize=11, color="#4b5563")
        fig.set_label("Area scores: no area could be scored")
        return fig

    labels = [str(a.get("title") or a.get("area")) for a in areas]
    scores = [None if _is_missing(a.get("score")) else float(a["score"]) for a in areas]
    frame = pd.DataFrame({"label": labels, "score": [0.0 if s is None else s for s in scores]})
    palette = {lab: GRADE_COLORS.get(grade_for(s, bands), GRADE_COLORS["n/a"]) for lab, s in zip(labels, scores)}
    sns.barplot(data=frame, x="score", y="label", hue="label", palette=palette, legend=False, ax=ax, orient="h", width=0.6, saturation=1)

    # grade band thresholds as faint guides, letters along the top
    mins = sorted({float(b.get("min", 0)) for b in bands if float(b.get("min", 0)) > 0})
    for m in mins:
        ax.axvline(m, color="#d1d5db", lw=0.8, zorder=0)
    for band in bands:
        lo = float(band.get("min", 0))
        hi = min([m for m in mins if m > lo], default=100.0)
        ax.text((lo + hi) / 2, 1.01, str(band.get("grade")), transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=9, color="#6b7280")

    for i, s in enumerate(scores):
        if s is None:
            ax.text(1.0, i, "n/a (no check decided)", va="center", ha="left", fontsize=9.5, color="#4b5563", zorder=3)
        elif s >= 14:  # inside the bar's end
            ax.text(s - 1.2, i, fmt_pct(s), va="center", ha="right", fontsize=9.5, color="white", fontweight="bold", zorder=3)
        else:
            ax.text(s + 1.0, i, fmt_pct(s), va="center", ha="left", fontsize=9.5, color="#111827", zorder=3)

    overall = sc.get("overall")
    xlabel = "Area score (%)"
    if not _is_missing(overall):
        ax.axvline(float(overall), color="#111827", ls="--", lw=1.3, zorder=0.8)  # behind the bars
        xlabel += f"   ·   dashed line: overall readiness {fmt_pct(overall)}"
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel, fontsize=9.5)
    ax.set_ylabel("")
    fig.set_label(
        "Area scores: "
        + "; ".join(f"{lab} {'n/a' if s is None else fmt_pct(s)}" for lab, s in zip(labels, scores))
        + ("" if _is_missing(overall) else f"; overall {fmt_pct(overall)}")
    )
    return fig


def severity_chart(doc: Mapping):
    """Findings per severity (all five severities, fixed order and colours)."""
    import seaborn as sns

    counts = summary(doc)["counts"]
    frame = pd.DataFrame({"severity": list(SEVERITIES), "count": [counts.get(s, 0) for s in SEVERITIES]})
    fig = _new_figure(1.6, width=4.2)
    ax = fig.add_subplot()
    _style_axes(ax)
    sns.barplot(data=frame, x="count", y="severity", hue="severity", palette=SEVERITY_COLORS, legend=False, ax=ax, orient="h", width=0.6, saturation=1)
    top = max(frame["count"].max(), 1)
    for i, n in enumerate(frame["count"]):
        ax.text(n + top * 0.01, i, str(int(n)), va="center", ha="left", fontsize=10)
    ax.set_xlim(0, top * 1.12)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("Findings", fontsize=10)
    ax.set_ylabel("")
    if frame["count"].sum() == 0:
        ax.text(0.5, 0.5, "No findings", transform=ax.transAxes, ha="center", va="center", fontsize=11, color="#4b5563")
    fig.set_label("Findings per severity: " + ", ".join(f"{sev} {counts.get(sev, 0)}" for sev in SEVERITIES))
    return fig


def figure_png(fig) -> bytes:
    """The figure as PNG bytes (no pyplot state involved)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def figure_image(fig, alt: str | None = None):
    """An ``IPython.display.Image`` of the figure for ``display()``: shown at its size in inches
    (96 CSS pixels per inch, so chart text matches the report's text), with alternative text
    (``alt`` or the figure's label, which the chart functions set to the data they plot)."""
    from IPython.display import Image

    width = round(fig.get_figwidth() * 96)
    return Image(data=figure_png(fig), format="png", width=width, metadata={"alt": alt or fig.get_label() or "chart"})


def assumptions_frame(doc: Mapping) -> pd.DataFrame:
    """The profile's model inputs, as the checks and the capacity estimate used them."""
    rows = [
        {"Assumption": str(k).replace("_", " "), "Value": fmt_value(v)}
        for k, v in sorted((_get(doc, "profile", "assumptions") or {}).items())
    ]
    return pd.DataFrame(rows, columns=["Assumption", "Value"])


def about_html(doc: Mapping) -> str:
    """Profile assumptions and provenance of the document."""
    s = summary(doc)
    profile = s["profile_title"] or s["profile"] or "no profile"
    parts = [
        f"<p>Profile <strong>{esc(s['profile'] or 'n/a')}</strong>"
        + (f" ({esc(s['profile_title'])})" if s["profile_title"] else "")
        + ". These model inputs set the thresholds the checks applied:</p>",
        html_table(assumptions_frame(doc), empty=f"The profile ({profile}) lists no assumptions.", widths={"Assumption": "60%", "Value": "40%"}),
    ]
    stack = doc.get("stack") or {}
    files = stack.get("files") or {}
    if files:
        counted = ", ".join(f"{fmt_number(n)} {esc(k.replace('_', ' '))}" for k, n in sorted(files.items()))
        parts.append(f"<p>Files classified: {counted}.</p>")
    manifests = stack.get("manifests") or []
    if manifests:
        parts.append("<p>Manifests read: " + ", ".join(f"<code>{esc(m)}</code>" for m in manifests) + ".</p>")
    provenance = [
        f"scaleaudit {esc(s['tool_version'])}" if s["tool_version"] else "scaleaudit",
        f"document schema version {esc(doc.get('schema_version', '?'))}",
    ]
    if s["generated_at"]:
        provenance.append(f"generated {esc(s['generated_at'])}")
    parts.append(
        f'<p class="sa-note">{" · ".join(provenance)}. The same repository and profile give the same findings and '
        "scores on every run; the machine-readable document is <code>readiness.json</code>.</p>"
    )
    return "".join(parts)
