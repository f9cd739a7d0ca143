"""The report's sections as HTML, one function per section of the readiness notebook.

Each takes the document and returns a string for ``IPython.display.HTML``: tables from the
frames, charts from ``audit.present.charts`` embedded as figures with captions. Everything
printed from the document is escaped.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from audit.model import SEVERITIES
from audit.present.capacity import (
    capacity_inputs_frame,
    capacity_summary,
    capacity_table_frame,
    connection_budget_frame,
    needed_arithmetic,
    pooler_urls_frame,
    poolers_frame,
    pools_frame,
    processes_frame,
    sensitivity_frame,
    server_limits_frame,
)
from audit.present.charts import area_chart, bundle_kind_chart, connection_budget_chart, index_coverage_chart, package_chart
from audit.present.database import (
    UNINDEXED_FILTER,
    index_coverage_frame,
    queries_frame,
    queries_summary,
    query_findings_frame,
    schema_frame,
    tables_frame,
)
from audit.present.format import (
    GRADE_COLORS,
    badge,
    code,
    esc,
    fmt_factor,
    fmt_known,
    fmt_number,
    fmt_pct,
    is_missing,
    location,
    plural,
    prose,
    shorten,
)
from audit.present.frames import (
    assumptions_frame,
    roadmap_phases,
    finding_groups,
    not_applied_frame,
    points_breakdown,
    points_frame,
    scorecard_frame,
    skipped_frame,
    summary,
    undecided_frame,
    unparsed_frame,
    unparsed_queries_frame,
    waived_frame,
)
from audit.present.frontend import (
    BUDGET_CHECK,
    apps_frame,
    assets_frame,
    budget_verdict,
    bundle_totals,
    download_frame,
    download_info,
    fmt_kb,
    frontend_summary,
    packages_info,
    serving_frame,
    source_signals,
    vite_config_frame,
)
from audit.present.html import figure_html, html_table
from audit.present.load import areas_of, checks_of, dicts, get

#: findings shown per check before "+K more" (the JSON keeps them all)
FINDINGS_PER_CHECK = 5
#: evidence lines shown per finding, and characters per evidence detail
EVIDENCE_PER_FINDING = 4
EVIDENCE_CHARS = 160
#: tables in the index coverage chart
COVERAGE_TABLES = 20
#: rows of the front end's asset table, bars of its bytes-per-package chart
ASSET_ROWS = 15
PACKAGE_BARS = 10


def _note(html: str, lead: bool = False) -> str:
    """A muted paragraph; a ``lead`` one stays on the page of what follows it."""
    return f'<p class="sa-note{" sa-lead" if lead else ""}">{html}</p>'


def _empty(text: str) -> str:
    return f'<p class="sa-empty">{esc(text)}</p>'


# --------------------------------------------------------------------------- summary and scores


def summary_html(doc: Mapping) -> str:
    """The executive summary: title, critical findings (above the number), readiness, coverage, counts."""
    s = summary(doc)
    users = s["concurrent_users"]
    profile = f"profile {s['profile']}" if s["profile"] else "no profile"
    if users:
        profile += f" ({fmt_number(users)} concurrent users)"
    stack = ", ".join(dict.fromkeys(v for k in ("frameworks", "databases", "hosting") for v in s["stack"][k]))
    meta = [f"Target: {code(s['target_path'] or s['target'])}", esc(profile)]
    if stack:
        meta.append(f"stack: {esc(stack)}")
    tool = " · ".join(x for x in (f"scaleaudit {esc(s['tool_version'])}" if s["tool_version"] else "", esc(s["generated_at"])) if x)

    parts = ['<div class="sa-summary">']
    parts.append(f'<h1 class="sa-title">Production readiness: {esc(s["target"])}</h1>')
    parts.append(f'<p class="sa-meta">{" · ".join(meta)}</p>')
    if tool:
        parts.append(f'<p class="sa-meta sa-small">{tool}</p>')

    if s["critical"]:
        n = len(s["critical"])
        parts.append('<div class="sa-critical">')
        parts.append(f"<h2>{n} critical finding{'s block' if n != 1 else ' blocks'} this target</h2><ul>")
        for c in s["critical"]:
            ev = ", ".join(e for e in c["evidence"] if e)
            ev_html = f' <span class="sa-ev">({esc(ev)})</span>' if ev else ""
            parts.append(f"<li><strong>{prose(c['title'])}</strong> {code(c['check'])}{ev_html}</li>")
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
    counts = "".join(f'<li>{badge(sev)} <span class="sa-count">{s["counts"].get(sev, 0)}</span></li>' for sev in SEVERITIES)
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
    """One row per area, then the area scores as a chart (when any area exists)."""
    out = html_table(
        scorecard_frame(doc),
        empty="No area was scored.",
        css_class="sa-scorecard",
        widths={"Area": "22%", "Score": "9%", "Weight": "10%", "Checks decided": "12%", "Findings": "10%", "Notes": "37%"},
    )
    if areas_of(doc):
        out += figure_html(area_chart(doc))
    return out


#: statuses whose checks get a row in the points tables; the others are listed in a sentence
POINTS_ROWS = ("fail", "undecided", "waived")


def _checks_sentence(label: str, rows) -> str:
    """"Passed: `a`, `b`." or, per distinct note, "Not applicable (no RLS policies): `c`, `d`."."""
    by_note: dict[str, list[str]] = {}
    for check, note in zip(rows["Check"], rows["Note"]):
        by_note.setdefault(note, []).append(check)
    return " ".join(
        f"{esc(label)}{f' ({prose(note)})' if note else ''}: " + ", ".join(code(c) for c in checks) + "."
        for note, checks in by_note.items()
    )


def points_html(doc: Mapping) -> str:
    """The scoring rules, then per area: its score, the points it lost, a table of the checks that
    failed, are undecided or waived, and one line naming the checks that passed or do not apply."""
    parts = []
    rules = get(doc, "scorecard", "rules") or []
    if rules:
        parts.append('<ul class="sa-rules">' + "".join(f"<li>{prose(r)}</li>" for r in rules) + "</ul>")
    frame = points_frame(doc)
    if frame.empty:
        parts.append(_empty("No checks were run."))
        return "".join(parts)
    for b in points_breakdown(doc):
        title = b["title"]
        score = "not scored" if b["score"] is None else fmt_pct(b["score"])
        parts.append(
            f'<h3 class="sa-area-heading">{esc(title)}: {esc(score)} '
            f'<span class="sa-weight">(weight {esc(fmt_number(b["weight"]))})</span></h3>'
        )
        if b["score"] is None:
            parts.append(_note("No check in this area could be decided, so it has no score and does not count in the overall.", lead=True))
        else:  # the checks that lost the points are the table's first rows, largest loss first
            capped = " The score is capped by the scoring rules (critical finding)." if b["capped"] else ""
            parts.append(
                _note(
                    f"Kept {esc(fmt_number(b['available'] - b['lost']))} of {esc(fmt_number(b['available']))} "
                    f"points; lost {esc(fmt_number(b['lost']))}.{capped}",
                    lead=True,
                )
            )
        area = frame[frame["Area"] == title].drop(columns=["Area"])
        listed = area[area["Status"].isin(POINTS_ROWS)]
        if not listed.empty:
            notes = listed.pop("Note")
            listed = listed.assign(Title=[f"{t}\n({n})" if n else t for t, n in zip(listed["Title"], notes)])
            listed = listed.rename(columns={"Points available": "Available", "Points lost": "Lost"})
            parts.append(  # no total row: the note above has the area's totals
                html_table(
                    listed,
                    css_class="sa-points",
                    widths={"Check": "22%", "Title": "29%", "Status": "12%", "Severity": "11%", "Available": "10%", "Lost": "7%", "Findings": "9%"},
                )
            )
        others = [
            _checks_sentence(label, area[area["Status"] == status])
            for status, label in (("pass", "Passed"), ("not_applicable", "Not applicable"))
            if (area["Status"] == status).any()
        ]
        if others:
            parts.append(f'<p class="sa-checklist">{" ".join(others)}</p>')
    return "".join(parts)


# --------------------------------------------------------------------------- roadmap


def _kb_cell(v: Any) -> str:
    return "–" if is_missing(v) else esc(f"{float(v):,.1f}")


def _gain_cell(v: Any) -> str:
    return "–" if is_missing(v) else esc(f"+{float(v):.1f}" if float(v) > 0 else f"{float(v):.1f}")


def _severities_text(severities: Iterable[str], conjunction: str = "and") -> str:
    """("critical", "high") -> "critical and high"; one severity alone; "" for none."""
    sev = list(severities)
    return sev[0] if len(sev) == 1 else ", ".join(sev[:-1]) + f" {conjunction} " + sev[-1] if sev else ""


def roadmap_html(doc: Mapping) -> str:
    """The failing checks in three phases (critical and high, medium, low and info), like the
    seeds' phase tables: per phase the checks with area, severity, findings, effort and the
    readiness each would win; an empty phase is one line."""
    phases = roadmap_phases(doc)
    if not phases:
        return _empty("The document has no roadmap (scorecard.roadmap).")
    parts = [
        _note(
            "<strong>Gain</strong> is how many points the overall readiness would rise if that check alone passed: "
            "the scorecard re-computed with the check passing, not an estimate. Gains do not simply add up "
            "(a capped area rises only once its last critical finding is fixed). <strong>Effort</strong> is the "
            "catalog's size of a typical fix: hours, days or weeks."
        )
    ]
    for p in phases:
        heading = f"Phase {esc(p['number'])} · {esc(p['title'])}"
        severities = _severities_text(p["severities"])
        if not p["checks"]:
            parts.append(
                f'<p class="sa-phase-empty"><strong>{heading}</strong>: nothing to do, '
                f"no {esc(_severities_text(p['severities'], 'or') or 'such')} check fails.</p>"
            )
            continue
        parts.append(
            f'<h3 class="sa-phase">{heading} <span class="sa-weight">({esc(severities)} severity)</span></h3>'
        )
        efforts = ", ".join(f"{n} in {esc(e)}" for e, n in p["efforts"].items())
        parts.append(
            _note(f"{plural(p['checks'], 'check')} to fix, {plural(p['findings'], 'finding')}; effort: {efforts}.", lead=True)
        )
        frame = p["frame"]
        shown = frame.assign(Check=[f"{c}\n{t}" for c, t in zip(frame["Check"], frame["Title"])]).drop(columns=["Title"])
        shown = shown.rename(columns={"Gain": "Gain (points)"})
        parts.append(
            html_table(
                shown,
                css_class="sa-roadmap",
                formats={"Check": _roadmap_check, "Gain (points)": _gain_cell},
                widths={"Check": "44%", "Area": "18%", "Severity": "11%", "Findings": "9%", "Effort": "8%", "Gain (points)": "10%"},
            )
        )
    return "".join(parts)


def _roadmap_check(value: Any) -> str:
    check, _, title = str(value or "").partition("\n")
    return f"<code>{esc(check)}</code>" + (f'<div class="sa-rtitle">{esc(title)}</div>' if title else "")


# --------------------------------------------------------------------------- findings


def _evidence_html(evidence: Iterable[Mapping], limit: int | None = EVIDENCE_PER_FINDING, chars: int | None = EVIDENCE_CHARS) -> str:
    """Evidence lines (the first ``limit``, all with None), details cut at ``chars`` (whole with None)."""
    items = []
    evidence = dicts(evidence)
    shown = evidence if limit is None else evidence[:limit]
    for e in shown:
        loc = location(e.get("path"), e.get("line"))
        detail = shorten(e.get("detail"), chars) if chars is not None else " ".join(str(e.get("detail") or "").split())
        loc_html = f'<div class="sa-evloc">{esc(loc)}</div>' if loc else ""
        detail_html = f'<div class="sa-evdetail">{esc(detail)}</div>' if detail else ""
        items.append(f'<div class="sa-evline">{loc_html}{detail_html}</div>')
    if len(evidence) > len(shown):
        items.append(f'<div class="sa-evline sa-evmore">+{len(evidence) - len(shown)} more evidence lines</div>')
    return "".join(items) or "–"


def findings_html(doc: Mapping, per_check: int | None = FINDINGS_PER_CHECK, full_evidence: bool = False) -> str:
    """Findings per severity, grouped by check: the check and why
    it matters once, then each finding's title, evidence and fix. A check with more than
    ``per_check`` findings shows the first ones and a "+K more" line (``None`` shows all).
    ``full_evidence`` lists every evidence line of a finding, its detail uncut (the deep dives)."""
    groups = finding_groups(doc, per_check)
    if not groups:
        return _empty("No findings.")
    parts = []
    for sev_group in groups:
        sev, checks = sev_group["severity"], sev_group["checks"]
        parts.append(
            f'<h3 class="sa-sev-heading">{badge(sev)} {plural(sev_group["count"], "finding")} '
            f'<span class="sa-weight">from {plural(len(checks), "check")}</span></h3>'
        )
        parts.append(
            '<table class="sa-table sa-findings"><colgroup><col style="width:36%"><col style="width:36%">'
            '<col style="width:28%"></colgroup>'
            "<thead><tr><th>Finding</th><th>Evidence</th><th>Fix</th></tr></thead><tbody>"
        )
        for g in checks:
            single = g["count"] == 1
            whys = {f.get("why") or "" for f in g["shown"]}
            shared_why = g["why"] if len(whys) == 1 and not single else ""
            if not single:
                why_html = f'<div class="sa-why">{prose(shared_why)}</div>' if shared_why else ""
                parts.append(
                    f'<tr class="sa-group"><td colspan="3"><code>{esc(g["check"])}</code>'
                    f'<span class="sa-gtitle">{esc(" " + g["title"]) if g["title"] else ""} · {esc(plural(g["count"], "finding"))}</span>'
                    f"{why_html}</td></tr>"
                )
            previous_fix = None
            for f in g["shown"]:
                why = "" if shared_why else f.get("why") or ""
                fix = f.get("fix") or ""
                fix_html = '<span class="sa-same">Same fix as above.</span>' if fix and fix == previous_fix else prose(fix)
                previous_fix = fix
                check_html = f'<div class="sa-fcheck"><code>{esc(g["check"])}</code></div>' if single else ""
                parts.append(
                    f'<tr class="sa-finding sa-finding-{esc(sev)}{" sa-single" if single else ""}">'
                    f'<td><div class="sa-ftitle">{prose(f.get("title", ""))}</div>{check_html}'
                    + (f'<div class="sa-why">{prose(why)}</div>' if why else "")
                    + f'</td><td class="sa-evidence">{_evidence_html(f.get("evidence") or [], *((None, None) if full_evidence else ()))}</td><td>{fix_html}</td></tr>'
                )
            if g["more"]:
                files = f", in {plural(g['more_files'], 'file')}," if g["more_files"] else ""
                verb = "are" if g["more"] != 1 else "is"
                parts.append(
                    f'<tr class="sa-more"><td colspan="3">+{fmt_number(g["more"])} more {code(g["check"])} '
                    f'finding{"s" if g["more"] != 1 else ""}{esc(files)} {verb} not listed here; '
                    "<code>readiness.json</code> has every one.</td></tr>"
                )
        parts.append("</tbody></table>")
    return "".join(parts)


# --------------------------------------------------------------------------- database


def schema_html(doc: Mapping) -> str:
    """The schema model: a summary, then one row per table."""
    out = html_table(schema_frame(doc), css_class="sa-kv", widths={"Measure": "40%", "Value": "60%"})
    tables = tables_frame(doc)
    if tables.empty:
        return out + _empty("No tables were found in the migrations.")
    return out + html_table(
        tables,
        css_class="sa-tables",
        widths={"Table": "24%", "Columns": "10%", "Primary key": "14%", "Indexes": "10%", "Foreign keys": "10%", "Defined at": "32%"},
    )


def queries_html(doc: Mapping, coverage_tables: int | None = COVERAGE_TABLES) -> str:
    """The queries the code runs: counts per source, index coverage of their filters (at most
    ``coverage_tables`` tables in the chart, all with None), and the queries that findings cite."""
    q = queries_summary(doc)
    if not q["present"]:
        return _empty("The document has no query facts (facts.queries).")
    if not q["total"]:
        return _empty("No queries were found in the code.")
    parts = [
        _note(
            f"{plural(q['total'], 'query', 'queries')} found in the code; "
            f"{fmt_number(q['unparsed'])} could not be parsed; {fmt_number(q['with_findings'])} cited by a finding."
        ),
        html_table(
            queries_frame(doc),
            css_class="sa-queries",
            widths={"Source": "15%", "What it is": "41%", "Queries": "12%", "Not parsed": "14%", "With findings": "18%"},
        ),
    ]
    coverage = index_coverage_frame(doc)
    if not coverage.empty:
        served, total = int(coverage["Served"].sum()), int(coverage["Queries"].sum())
        limit = len(coverage) if coverage_tables is None else coverage_tables
        more = len(coverage) - limit
        caption = (
            f"<strong>Coverage of discovered queries by indexes</strong>: {served} of {total} "
            "query-table pairs served. A query counts once for every table its WHERE filters or its ORDER BY "
            f"sorts on. It is <em>not served</em> on a table when a {code(UNINDEXED_FILTER)} finding about that "
            "table cites its <code>path:line</code> (no index leads with the column it filters or sorts on); "
            "otherwise it counts as served: an index leads with the column, or the lookup is by a key. "
            "Read from the code and the migrations, not from a query plan."
            + (f" The {limit} tables with the most unserved queries are shown; {more} more are not." if more > 0 else "")
        )
        parts.append(figure_html(index_coverage_chart(doc, limit=limit), caption))
    findings = query_findings_frame(doc)
    parts.append(f"<h3>Queries with findings ({len(findings)})</h3>")
    parts.append(
        html_table(
            findings,
            empty="No finding cites a query.",
            css_class="sa-query-findings",
            widths={"Location": "25%", "Query": "47%", "Checks": "28%"},
        )
    )
    return "".join(parts)


def database_html(doc: Mapping) -> str:
    """The Database section: the schema model, then the queries."""
    return "<h3>Schema</h3>" + schema_html(doc) + "<h3>Queries in the code</h3>" + queries_html(doc)


# --------------------------------------------------------------------------- pools and capacity


def pools_html(doc: Mapping) -> str:
    """The pool configurations found in the code, and their total per process."""
    frame = pools_frame(doc)
    out = html_table(
        frame,
        empty="No connection-pool configuration was found in the code.",
        css_class="sa-pools",
        widths={"Library": "14%", "Location": "21%", "Max connections": "13%", "Settings as written": "26%", "Defaults applied": "26%"},
    )
    if not frame.empty:
        total = sum(int(v) for v in frame["Max connections"] if not is_missing(v))
        out += _note(
            f"Across the {plural(len(frame), 'pool')} found, one instance of each can open at most "
            f"<strong>{fmt_number(total)}</strong> connections in total. "
            "Multiply by the number of processes (instances, workers) that run each pool."
        )
    return out


def _estimate_sentence(c: Mapping) -> str:
    users = f"<strong>{esc(fmt_known(c['users']))}</strong>"
    text = (
        f"At {users} concurrent users the model expects <strong>{esc(fmt_known(c['rps']))}</strong> requests/s and "
        f"<strong>{esc(fmt_known(c['needed']))}</strong> connections busy at peak. "
    )
    if is_missing(c["usable"]):
        why = "; ".join(f"{esc(label.lower())}: {esc(src)}" for label, src in c["unknown"]) or "no limit is known"
        return text + f"How many connections the deployment can open at once is <strong>unknown</strong> ({why}), so the users it supports are unknown too."
    text += (
        f"The deployment can open <strong>{esc(fmt_number(c['usable']))}</strong> at once, limited by the "
        f"<strong>{esc(c['bottleneck'] or 'unknown')}</strong>"
    )
    if is_missing(c["supported"]):
        return text + ". How many users that supports is <strong>unknown</strong>."
    pct = f" ({esc(fmt_pct(round(c['supported_pct'])))} of the target)" if c["supported_pct"] is not None else ""
    return text + f": enough for about <strong>{esc(fmt_number(c['supported']))}</strong> concurrent users{pct}."


def _budget_caption(doc: Mapping, c: Mapping) -> str:
    frame = connection_budget_frame(doc)
    limit = frame[frame["Bottleneck"]]
    caption = "<strong>Connection budget</strong>: connections needed at peak against what the pools "
    caption += "(per process × processes) and the server allow. "
    if limit.empty:
        return caption + "No limit is known, so there is no bottleneck to name."
    name, value = limit.iloc[0]["Bar"], limit.iloc[0]["Connections"]
    needed = c["needed"]
    caption += f"Bottleneck: <strong>{esc(c['bottleneck'] or name)}</strong> ({esc(fmt_known(value))} connections)"
    if not is_missing(needed) and not is_missing(value) and value:
        if needed > value:
            caption += f", {esc(fmt_factor(needed / value))} short of the {esc(fmt_number(needed))} needed."
        else:
            caption += f", which covers the {esc(fmt_number(needed))} needed."
    else:
        caption += "."
    unknown = frame[frame["Connections"].isna()]
    for _, row in unknown.iterrows():
        caption += f" {esc(row['Bar'])}: {esc(row['Detail'])}."
    return caption


def capacity_html(doc: Mapping) -> str:
    """Pools & capacity: the pools, the estimate in words with its arithmetic, the connection
    budget chart, the model inputs with their sources, Current → Required, and sensitivity."""
    parts = ["<h3>Connection pools</h3>", pools_html(doc), "<h3>Capacity estimate</h3>"]
    c = capacity_summary(doc)
    if not c["present"]:
        parts.append(_empty("The document has no capacity estimate (scorecard.capacity)."))
        return "".join(parts)
    model = esc(c["model"] or "Little's law")
    arithmetic = needed_arithmetic(doc)
    parts.append(f'<p class="sa-model">Model: {model}.' + (f" {esc(arithmetic)}." if arithmetic else "") + "</p>")
    parts.append(f"<p>{_estimate_sentence(c)}</p>")
    parts.append(figure_html(connection_budget_chart(doc), _budget_caption(doc, c)))
    parts.append("<h3>Model inputs</h3>")
    parts.append(
        _note(
            "Each input is a <em>fact</em> read from a file (with its location), a library or server "
            "<em>default</em>, or an <em>assumption</em> of the profile: change the profile's assumptions "
            "to match your traffic and the estimate follows."
        )
    )
    parts.append(
        html_table(
            capacity_inputs_frame(doc),
            empty="The estimate lists no inputs.",
            css_class="sa-inputs",
            widths={"Input": "33%", "Value": "11%", "Kind": "14%", "Source": "42%"},
        )
    )
    parts.append("<h3>Current → Required → Scale factor</h3>")
    parts.append(
        html_table(
            capacity_table_frame(doc),
            empty="The estimate has no table.",
            css_class="sa-capacity",
            widths={"Metric": "17%", "Current": "11%", "Required": "11%", "Scale factor": "10%", "Current from": "26%", "Required from": "25%"},
        )
    )
    sens = sensitivity_frame(doc)
    if not sens.empty:
        parts.append("<h3>Sensitivity: each assumption doubled</h3>")
        note = "How the estimate moves when one assumption doubles and the others stay the same."
        if sens["Change"].nunique() == 1 and sens["Change"].iloc[0] != "unknown":
            note += (
                " The model multiplies the assumptions, so each moves the answer by the same factor: "
                "the estimate is only as good as the least certain of them."
            )
        parts.append(_note(note))
        parts.append(
            html_table(
                sens,
                css_class="sa-sensitivity",
                widths={"Assumption": "34%", "Value": "9%", "Doubled": "10%", "Connections needed": "15%", "Users supported": "21%", "Change": "11%"},
            )
        )
    return "".join(parts)


# --------------------------------------------------------------------------- front end

INITIAL_FROM = {
    "manifest": "the entry and its static imports in Vite's <code>.vite/manifest.json</code>",
    "index.html": "the scripts and styles <code>index.html</code> links",
}


def _budget_html(doc: Mapping) -> str:
    """One verdict line: the initial JavaScript (gzip) against the budget of ``fe.initial-js-budget``,
    with the check's status; without a stated budget, the size and the status alone."""
    v = budget_verdict(doc)
    gzip, budget, status = v["initial_js_gzip"], v["budget"], v["status"]
    check = f'<span class="sa-vcheck">{badge(status, "status") + " " if status else ""}{code(BUDGET_CHECK)}</span>'
    if is_missing(gzip) or v["initial_from"] == "none":
        why = f" ({esc(v['note'])})" if v["note"] else ""
        return f'<p class="sa-verdict sa-verdict-unknown">Initial JavaScript: <strong>unknown</strong>{why}. {check}</p>'
    files = f" in {plural(int(v['files']), 'file')}" if isinstance(v["files"], (int, float)) else ""
    text = f"Initial JavaScript: <strong>{esc(fmt_kb(gzip))} gzip</strong>{files}"
    if budget:
        over = gzip > budget
        text += (
            f", <strong>{'over' if over else 'under'}</strong> the {esc(fmt_kb(budget))} gzip budget by "
            f"{esc(fmt_kb(abs(gzip - budget)))} ({esc(fmt_pct(round(100 * gzip / budget)))} of it). {check}"
        )
        css = "fail" if over else "pass"
    elif v["check_found"]:
        text += f"; the check states no budget{': ' + esc(v['note']) if v['note'] else ''}. {check}"
        css = status if status in ("pass", "fail") else "unknown"
    else:
        text += f". The document has no result of {code(BUDGET_CHECK)}, so no budget is stated."
        css = "unknown"
    return f'<p class="sa-verdict sa-verdict-{esc(css)}">{text}</p>'


def _signals_html(doc: Mapping) -> str:
    signals = source_signals(doc)
    return _note("React source: " + esc("; ".join(signals)) + ".") if signals else ""


def frontend_html(doc: Mapping, asset_rows: int | None = ASSET_ROWS, package_bars: int | None = PACKAGE_BARS) -> str:
    """The Vite app(s) and their config, the initial JavaScript against its budget, the built
    assets (the ``asset_rows`` largest, all with None), initial against lazy bytes per kind, bytes
    per npm package (``package_bars`` heaviest, all with None) and the download time."""
    s = frontend_summary(doc)
    if not s["present"]:
        return _empty("No front end was found: no Vite app (a vite.config or an index.html with a vite dependency).")
    parts = []
    apps = apps_frame(doc)
    if not apps.empty:
        parts.append(f"<h3>{'App' if len(apps) == 1 else f'Apps ({len(apps)})'}</h3>")
        parts.append(
            html_table(apps, css_class="sa-apps", widths={"App": "11%", "Kind": "8%", "Vite": "43%", "Frameworks": "14%", "Config": "24%"})
        )
        config = vite_config_frame(doc)
        if not config.empty:
            if config["App"].nunique() == 1:
                config = config.drop(columns=["App"])
            widths = {"App": "12%", "Setting": "20%", "Value": "44%", "Location": "24%"}
            if "App" not in config.columns:
                widths = {"Setting": "24%", "Value": "50%", "Location": "26%"}
            files = ", ".join(dict.fromkeys(f for f in apps["Config"] if not f.startswith("(")))
            parts.append(_note(f"Build settings read from {esc(files) or 'the config'} (Vite's defaults apply to the rest):", lead=True))
            parts.append(html_table(config, css_class="sa-viteconfig", widths=widths))
        else:
            parts.append(_note("No vite.config was read: Vite's defaults apply."))
    parts.append("<h3>Bundle</h3>")
    if not s["bundle"]:
        parts.append(_empty(s["bundle_note"] or "No built dist/ was measured."))
        parts.append(_signals_html(doc))
        return "".join(parts)

    parts.append(_budget_html(doc))
    t = bundle_totals(doc)
    initial, lazy = t["initial"], t["lazy"]
    if s["initial_from"] in INITIAL_FROM:
        parts.append(
            _note(
                f"Measured in {code(s['dist'])}: {plural(t['assets'], 'file')}. The initial load is {INITIAL_FROM[s['initial_from']]}: "
                f"{plural(initial['files'], 'file')}, {esc(fmt_kb(initial['raw']))} raw, {esc(fmt_kb(initial['gzip']))} gzip, "
                f"{esc(fmt_kb(initial['brotli']))} brotli; {plural(lazy['files'], 'more file')} ({esc(fmt_kb(lazy['gzip']))} gzip) "
                "load later, on demand."
            )
        )
    else:
        parts.append(
            _note(
                f"Measured in {code(s['dist'])}: {plural(t['assets'], 'file')}. Which of them load first is unknown: "
                "the build has neither Vite's <code>.vite/manifest.json</code> nor an <code>index.html</code>."
            )
        )
    assets = assets_frame(doc, limit=asset_rows)
    kb_formats = {c: _kb_cell for c in ("Raw (kB)", "Gzip (kB)", "Brotli (kB)")}
    parts.append(
        html_table(
            assets,
            empty="The build holds no files.",
            css_class="sa-assets",
            formats=kb_formats,
            widths={"Asset": "42%", "Kind": "9%", "Raw (kB)": "12%", "Gzip (kB)": "12%", "Brotli (kB)": "13%", "Initial": "12%"},
        )
    )
    if t["assets"] > len(assets):
        parts.append(_note(f"The {len(assets)} largest files are shown; {fmt_number(t['assets'] - len(assets))} smaller ones are not."))
    parts.append(
        figure_html(
            bundle_kind_chart(doc),
            "<strong>Initial and lazy bytes by kind</strong> (gzip): what every first visit downloads before the app "
            "starts, against what is fetched only when a route or feature needs it.",
        )
    )

    parts.append("<h3>Bytes per npm package</h3>")
    info = packages_info(doc)
    if info["from_sourcemaps"]:
        parts.append(
            figure_html(
                package_chart(doc, limit=package_bars),
                f"<strong>{'Every package' if package_bars is None else f'The {package_bars} heaviest packages'}</strong>, "
                "minified and before compression, attributed "
                f"through the source maps; <em>(app code)</em> is the app's own source. {esc(info['note'])}.",
            )
        )
    else:
        note = info["note"] or "the document has no package breakdown"
        parts.append(
            f'<p class="sa-verdict sa-verdict-unknown"><strong>Bytes per package are not measured: the build has no '
            f"source maps.</strong> ({esc(note)}.) Build once with <code>build.sourcemap: 'hidden'</code> to see which "
            "dependencies weigh most, and keep the maps off the server.</p>"
        )

    net = download_frame(doc)
    d = download_info(doc)
    parts.append("<h3>Download time of the initial load</h3>")
    if net.empty:
        parts.append(_empty("The document has no download-time model."))
    else:
        if d["model"]:
            parts.append(_note(f"For {esc(fmt_kb(d['bytes']))} on the wire: {esc(d['model'])}"))
        parts.append(
            html_table(
                net,
                css_class="sa-download",
                formats={"Time (s)": lambda v: f"<strong>{esc(fmt_number(v))}</strong>"},
                widths={"Network": "22%", "Bandwidth (Mbit/s)": "12%", "Latency (ms)": "10%", "Round trips": "9%", "Time (s)": "8%", "Source": "39%"},
            )
        )

    serving = serving_frame(doc)
    parts.append("<h3>Compression</h3>")
    if serving.empty:
        checked = any(c.get("check") == "fe.no-compression" for _, c in checks_of(doc))
        parts.append(
            _note(
                "Nothing found in the repository serves the front end gzip- or brotli-compressed "
                "(host config, nginx, Caddy, middleware or a Vite compression plugin)"
                + (": see <code>fe.no-compression</code>." if checked else ".")
            )
        )
    else:
        parts.append(html_table(serving, css_class="sa-serving", widths={"How": "12%", "Location": "33%", "Detail": "55%"}))
    parts.append(_signals_html(doc))
    return "".join(parts)


# --------------------------------------------------------------------------- deployment


def deploy_html(doc: Mapping) -> str:
    """What the deployment files say: processes, server limits, poolers and pooler URLs (empty tables left out)."""
    tables = [
        (
            "Processes",
            processes_frame(doc),
            {"Kind": "15%", "Count": "11%", "Setting": "22%", "Location": "24%", "Detail": "28%"},
        ),
        ("Server connection limits", server_limits_frame(doc), {"Setting": "28%", "Value": "12%", "Source": "25%", "Location": "35%"}),
        ("Poolers", poolers_frame(doc), {"Kind": "18%", "Location": "26%", "Settings as written": "28%", "Defaults applied": "28%"}),
        ("Connection strings through a pooler", pooler_urls_frame(doc), {"Location": "60%", "Through a pooler because": "40%"}),
    ]
    parts = [f"<h3>{esc(title)} ({len(frame)})</h3>" + html_table(frame, css_class="sa-deploy", widths=widths) for title, frame, widths in tables if not frame.empty]
    missing = [title.lower() for title, frame, _ in tables if frame.empty]
    if not parts:
        return _empty(
            "No deployment configuration was found: no process manager, replica count, server limit or pooler "
            "in Dockerfiles, compose, Procfile, Kubernetes, postgresql.conf, pgbouncer.ini or Supabase config."
        )
    if missing:
        parts.append(_note("Not found in the deployment files: " + esc(", ".join(missing)) + "."))
    return "".join(parts)


# --------------------------------------------------------------------------- what could not be read


def not_read_html(doc: Mapping) -> str:
    """Skipped files, migration files left out, unparsed SQL and queries, undecided and waived checks.
    Each non-empty list gets a table; the empty ones are named in one closing sentence."""
    lists = [
        ("Files not read", skipped_frame(doc), "every file was read", {"Path": "55%", "Reason": "45%"}),
        (
            "Migration files left out of the history",
            not_applied_frame(doc),
            "every migration file is part of the history",
            {"Path": "55%", "Reason": "45%"},
        ),
        ("SQL statements not understood", unparsed_frame(doc), "every SQL statement in the migrations was parsed", {"Location": "55%", "Reason": "45%"}),
        ("Queries not parsed", unparsed_queries_frame(doc), "every query found in the code was parsed", {"Location": "40%", "Source": "14%", "Reason": "46%"}),
        (
            "Checks that could not be decided",
            undecided_frame(doc),
            "every applicable check was decided",
            {"Area": "17%", "Check": "22%", "Title": "25%", "Weight": "9%", "Why undecided": "27%"},
        ),
    ]
    parts, nothing = [], []
    for title, frame, none_text, widths in lists:
        if frame.empty:
            nothing.append(none_text)
            continue
        parts.append(f"<h3>{esc(title)} ({len(frame)})</h3>")
        parts.append(html_table(frame, widths=widths))
    waived = waived_frame(doc)
    if not waived.empty:
        parts.append(f"<h3>Waived checks ({len(waived)})</h3>")
        parts.append(html_table(waived, widths={"Check": "20%", "Path": "18%", "Subject": "18%", "Reason": "30%", "Expires": "14%"}))
    if nothing:
        text = nothing[0] if len(nothing) == 1 else ", ".join(nothing[:-1]) + " and " + nothing[-1]
        sentence = f"Otherwise, {text}" if parts else text[0].upper() + text[1:]
        parts.append(f'<p class="sa-allclear">{esc(sentence)}.</p>')
    return "".join(parts)


# --------------------------------------------------------------------------- about


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
    stack: Any = get(doc, "stack", default={})
    files = stack.get("files") or {}
    if files:
        counted = ", ".join(f"{fmt_number(n)} {esc(k.replace('_', ' '))}" for k, n in sorted(files.items()))
        parts.append(f"<p>Files classified: {counted}.</p>")
    manifests = stack.get("manifests") or []
    if manifests:
        parts.append("<p>Manifests read: " + ", ".join(code(m) for m in manifests) + ".</p>")
    provenance = [
        f"scaleaudit {esc(s['tool_version'])}" if s["tool_version"] else "scaleaudit",
        f"document schema version {esc(get(doc, 'schema_version', default='?'))}",
    ]
    if s["generated_at"]:
        provenance.append(f"generated {esc(s['generated_at'])}")
    parts.append(
        _note(
            f"{' · '.join(provenance)}. The same repository and profile give the same findings and "
            "scores on every run; the machine-readable document is <code>readiness.json</code>."
        )
    )
    return "".join(parts)
