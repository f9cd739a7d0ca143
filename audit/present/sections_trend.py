"""The report's comparisons as HTML: against other scales (``scorecard.profiles``), since the last
audit (``scorecard.baseline``), and the findings counted per area and severity."""

from __future__ import annotations

from typing import Any, Mapping

from audit.present.charts import baseline_chart, profile_chart, severity_chart
from audit.present.format import code, esc, fmt_number, fmt_pct, is_missing, plural
from audit.present.html import figure_html, html_table
from audit.present.load import findings_of, get
from audit.present.sections import _empty, _note
from audit.present.trend import (
    OVERALL,
    baseline_areas_frame,
    baseline_findings_frame,
    baseline_of,
    profile_scores_frame,
    profiles_frame,
    severity_counts_frame,
)

#: areas named as moving most between the profiles
MOVERS = 3
#: rows of the new and fixed findings tables before "+K more"
BASELINE_ROWS = 20
BASELINE_HOWTO = "scaleaudit run PATH --baseline previous/readiness.json"


def _pct_cell(value: Any) -> str:
    return esc(fmt_pct(value))


def _path_html(scores) -> str:
    """"100% → 57.1% → 50%" (n/a for an unscored profile)."""
    return " → ".join(esc(fmt_pct(s)) for s in scores)


def profiles_html(doc: Mapping) -> str:
    """Readiness and grade at 500, 10k and 1m users from the same facts, the areas that move it
    most, and every area's score per profile as a chart."""
    table = profiles_frame(doc)
    if table.empty:
        return _empty("The document has no scores at other scales (scorecard.profiles): an older scaleaudit made it.")
    scores = profile_scores_frame(doc)
    names = [c for c in scores.columns if c not in ("Area", "Moves")]
    areas = scores[scores["Area"] != OVERALL]
    moving, steady = areas[areas["Moves"] > 0], areas[areas["Moves"] == 0]
    parts = [
        html_table(
            table.assign(Profile=[f"{p} (this report)" if mine else p for p, mine in zip(table["Profile"], table["This report"])])
            .drop(columns=["This report"]),
            css_class="sa-profiles",
            formats={"Readiness": _pct_cell, "Coverage": _pct_cell},
            widths={"Profile": "24%", "Concurrent users": "20%", "Readiness": "14%", "Grade": "12%", "Coverage": "14%", "Findings": "16%"},
        )
    ]
    if get(doc, "profile", "name") not in names:
        parts.append(_note(f"This report's own profile is {esc(get(doc, 'profile', 'name') or 'unknown')} "
                           f"({esc(fmt_number(get(doc, 'profile', 'concurrent_users')))} users), so no row is marked."))
    overall = scores.iloc[0]
    text = f"Readiness is {_path_html(overall[names])} at {esc(', '.join(names))} users."
    if moving.empty:
        text += " No area's score depends on the scale."
    else:
        top = moving.head(MOVERS)
        text += " The areas that change most with the scale: " + "; ".join(
            f"<strong>{esc(row['Area'])}</strong> ({_path_html(row[names])})" for _, row in top.iterrows()
        ) + "."
        if len(moving) > MOVERS:
            more = len(moving) - MOVERS
            text += f" {plural(more, 'more area')} {'moves' if more == 1 else 'move'} less."
    if not steady.empty:
        text += " The same at every scale: " + esc(", ".join(steady["Area"])) + "."
    parts.append(f"<p>{text}</p>")
    parts.append(
        figure_html(
            profile_chart(doc),
            "<strong>Each area at each scale</strong>, from the same facts: the checklist's thresholds, severities and "
            "weights change with the profile, and so does the capacity estimate. The outlined marker is this report's "
            "profile; on the right, the scores from the smallest profile to the largest.",
        )
    )
    return "".join(parts)


def _change_html(change: Mapping) -> str:
    """"35.5% → 34.6% (−0.9)" from a ``{before, after, delta}``."""
    before, after, delta = (change or {}).get("before"), (change or {}).get("after"), (change or {}).get("delta")
    if is_missing(delta):
        moved = "not comparable"
    elif delta:
        moved = f"{'+' if delta > 0 else '−'}{abs(delta):.1f}"
    else:
        moved = "no change"
    return f"<strong>{esc(fmt_pct(before))} → {esc(fmt_pct(after))}</strong> ({esc(moved)})"


def _findings_table(doc: Mapping, which: str, title: str) -> str:
    frame = baseline_findings_frame(doc, which)
    if frame.empty:
        return ""
    shown = frame.head(BASELINE_ROWS)
    out = f"<h3>{esc(title)} ({len(frame)})</h3>" + html_table(
        shown, css_class="sa-baseline", widths={"Check": "28%", "Severity": "12%", "Title": "60%"}
    )
    if len(frame) > len(shown):
        out += _note(f"+{fmt_number(len(frame) - len(shown))} more; <code>readiness.json</code> lists them all.")
    return out


def baseline_html(doc: Mapping) -> str:
    """What changed since the baseline: readiness and coverage before and after, new, fixed and
    unchanged findings, each area's score before and after as a chart, and the new and fixed findings.
    Without a baseline, one line on how to get one."""
    base = baseline_of(doc)
    if not base:
        return _note(f"No baseline was given. To see what changed since a previous audit: {code(BASELINE_HOWTO)}.")
    delta = (base.get("overall") or {}).get("delta")
    verdict = "unknown" if is_missing(delta) else "pass" if delta > 0 else "fail" if delta < 0 else ""
    new, fixed = len(base.get("new") or []), len(base.get("fixed") or [])
    headline = (
        f"Readiness {_change_html(base.get('overall'))} · evidence coverage {_change_html(base.get('coverage'))} · "
        f"<strong>{fmt_number(new)}</strong> new, <strong>{fmt_number(fixed)}</strong> fixed, "
        f"{plural(int(base.get('unchanged') or 0), 'finding')} unchanged"
    )
    parts = [f'<p class="sa-verdict{f" sa-verdict-{verdict}" if verdict else ""}">{headline}.</p>']
    if base.get("previous_generated_at"):
        parts.append(_note(f"Compared with the audit generated {esc(base['previous_generated_at'])}; a finding is the same "
                           "when its check, subject and file are (its line may move)."))
    if not baseline_areas_frame(doc).empty:
        parts.append(figure_html(baseline_chart(doc), "<strong>Each area before and now</strong>: hollow before, filled now."))
    parts.append(_findings_table(doc, "new", "New findings"))
    parts.append(_findings_table(doc, "fixed", "Fixed findings"))
    missing = [w for w, n in (("new", new), ("fixed", fixed)) if not n]
    if missing:
        parts.append(_note(f"No {' or '.join(missing)} findings."))
    return "".join(parts)


def severity_html(doc: Mapping) -> str:
    """Findings per area stacked by severity, as a chart; nothing when there are no findings (the list says so)."""
    frame = severity_counts_frame(doc)
    if frame.empty:
        return ""
    areas = frame["Area"].nunique()
    return figure_html(
        severity_chart(doc),
        f"<strong>{plural(len(findings_of(doc)), 'finding')} in {plural(areas, 'area')}</strong>, by severity: "
        "the most severe at the left of each bar.",
    )
