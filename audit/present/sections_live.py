"""The Live database section as HTML: what ``--dsn`` read from a running PostgreSQL, and what the
shadow database (``--shadow``) made of the migrations. ``full=True`` (the live deep dive) adds the
long lists: every setting and statement, sessions, tables, sequences, plans."""

from __future__ import annotations

from typing import Mapping

from audit.present.charts import live_connections_chart
from audit.present.format import code, esc, fmt_number, fmt_pct, is_missing, plural
from audit.present.html import figure_html, html_table
from audit.present.live import (
    KEY_SETTINGS,
    activity_frame,
    cache_frame,
    comparison_frame,
    connection_bars_frame,
    connections_frame,
    dead_tuples_frame,
    duplicate_indexes_frame,
    fmt_ratio,
    hypothetical_frame,
    invalid_indexes_frame,
    live_of,
    live_overview_frame,
    live_state,
    mask_dsn,
    planner_counts,
    planner_frame,
    plans_frame,
    problems_frame,
    replicas_frame,
    replication_summary,
    role_settings_frame,
    seq_scans_frame,
    sequences_frame,
    settings_frame,
    shadow_failures_frame,
    shadow_of,
    shadow_summary,
    slots_frame,
    statements_info,
    stats_age,
    top_statements_frame,
    unindexed_fks_frame,
    unused_indexes_frame,
    wraparound_frame,
)
from audit.present.load import get

#: statements of pg_stat_statements in the main report (the deep dive shows all it read)
TOP_STATEMENTS = 5
NO_DSN = "No live database was checked: no --dsn given."


def _note(html: str) -> str:
    return f'<p class="sa-note">{html}</p>'


def _empty(text: str) -> str:
    return f'<p class="sa-empty">{esc(text)}</p>'


def _table_or_line(title: str, frame, none: str, widths: Mapping[str, str], css: str = "") -> str:
    """``<h4>title (n)</h4>`` and the table, or one line saying there is none."""
    if frame.empty:
        return f'<p class="sa-allclear">{esc(none)}</p>'
    return f"<h4>{esc(title)} ({len(frame)})</h4>" + html_table(frame, css_class=css, widths=widths)


def _connections_caption(doc: Mapping) -> str:
    frame = connection_bars_frame(doc)
    caption = (
        "<strong>Connections</strong>: open now (client sessions other than this audit's), what the pools found in "
        "the code can open (per process × processes, from the capacity estimate) and the server's "
        "<code>max_connections</code>."
    )
    for _, row in frame.iterrows():
        if row["Detail"]:
            caption += f" {esc(row['Bar'])}: {esc(row['Detail'])}."
    return caption


def _cache_sentence(doc: Mapping) -> str:
    cache = live_of(doc).get("cache") or {}
    db = cache.get("database_hit_ratio")
    if is_missing(db):
        return "The cache hit ratio is unknown (no block reads recorded yet)."
    return (
        f"<strong>{esc(fmt_ratio(db))}</strong> of block reads were served from shared buffers (tables "
        f"{esc(fmt_ratio(cache.get('table_hit_ratio')))}, indexes {esc(fmt_ratio(cache.get('index_hit_ratio')))}); "
        f"below 99% an OLTP workload usually needs more memory. {esc(stats_age(doc)).capitalize()}."
    )


def live_html(doc: Mapping, full: bool = False) -> str:
    """The live database: one line when no DSN was given or it could not be read; otherwise the
    server, connections (chart), cache hit ratio, key settings, index problems, top statements
    from pg_stat_statements (or why not), replication. ``full`` adds every list."""
    state = live_state(doc)
    if state == "none":
        return _empty(NO_DSN)
    live = live_of(doc)
    if state == "error":
        return (
            f'<p class="sa-verdict sa-verdict-unknown">Live database {code(mask_dsn(live.get("dsn")))} could not be read: '
            f"{esc(mask_dsn(live.get('error')))}. The rest of the report is static.</p>"
        )
    parts = ["<h3>Server</h3>"]
    parts.append(html_table(live_overview_frame(doc), css_class="sa-kv", widths={"Measure": "28%", "Value": "72%"}))

    parts.append("<h3>Connections</h3>")
    parts.append(figure_html(live_connections_chart(doc), _connections_caption(doc)))
    conns = connections_frame(doc)
    if not conns.empty:
        parts.append(html_table(conns, css_class="sa-conns", widths={"Application": "40%", "Role": "25%", "State": "23%", "Count": "12%"}))

    parts.append("<h3>Cache hit ratio</h3>")
    parts.append(f"<p>{_cache_sentence(doc)}</p>")
    if full:
        parts.append(html_table(cache_frame(doc), widths={"Reads from": "50%", "Hit ratio": "25%", "Blocks": "25%"}))

    parts.append("<h3>Settings</h3>")
    settings = settings_frame(doc, None if full else KEY_SETTINGS)
    parts.append(
        html_table(
            settings,
            empty="The document lists no settings.",
            css_class="sa-settings",
            widths={"Setting": "36%", "Value": "22%", "Share of memory": "16%", "Source": "26%"},
        )
    )
    roles = role_settings_frame(doc)
    if not roles.empty:
        parts.append(_note("Set per role or database (these win over the server's value for those sessions):"))
        parts.append(html_table(roles, widths={"Role": "25%", "Database": "25%", "Setting": "30%", "Value": "20%"}))

    parts.append("<h3>Indexes</h3>")
    unused = unused_indexes_frame(doc)
    if not unused.empty:
        parts.append(_note(f"Unused means no scan since the statistics began: {esc(stats_age(doc))}."))
    parts.append(
        _table_or_line("Unused indexes", unused, "No unused index.", {"Index": "22%", "Table": "18%", "Size": "9%", "Scans": "8%", "Definition": "43%"})
    )
    parts.append(_table_or_line("Invalid indexes", invalid_indexes_frame(doc), "No invalid index.", {"Index": "25%", "Table": "20%", "Definition": "55%"}))
    parts.append(
        _table_or_line(
            "Duplicate indexes", duplicate_indexes_frame(doc), "No duplicate index.", {"Table": "18%", "Index names": "24%", "Definitions": "58%"}
        )
    )
    parts.append(
        _table_or_line(
            "Foreign keys without an index (from the catalog)",
            unindexed_fks_frame(doc),
            "Every foreign key has an index that starts with its columns.",
            {"Table": "25%", "Key columns": "20%", "References": "25%", "Constraint": "30%"},
        )
    )

    parts.append("<h3>Top statements (pg_stat_statements)</h3>")
    info = statements_info(doc)
    if not info["available"]:
        parts.append(
            f'<p class="sa-verdict sa-verdict-unknown">pg_stat_statements is not available: {esc(info["reason"])}. '
            "Without it the slowest statements of the real workload cannot be listed.</p>"
        )
    else:
        top = top_statements_frame(doc, limit=None if full else TOP_STATEMENTS, sql_chars=300 if full else 110)
        tracked = f"{fmt_number(info['tracked'])} statements tracked" if info["tracked"] is not None else "statements tracked"
        parts.append(
            _note(
                f"By total time, most first ({tracked}; pg_stat_statements {esc(info['version'])}). Share is the statement's part "
                "of all the time the tracked statements took."
            )
        )
        parts.append(
            html_table(
                top,
                empty="pg_stat_statements has recorded no statement yet.",
                css_class="sa-statements",
                widths={"Statement": "46%", "Calls": "9%", "Total (ms)": "11%", "Mean (ms)": "11%", "Share": "10%", "Cache hits": "13%"},
            )
        )

    parts.append("<h3>Replication</h3>")
    parts.append(f"<p>{esc(replication_summary(doc))}</p>")
    replicas = replicas_frame(doc)
    if not replicas.empty:
        parts.append(html_table(replicas, widths={"Replica": "30%", "State": "16%", "Sync": "14%", "Replay lag": "20%", "Behind": "20%"}))
    slots = slots_frame(doc)
    if not slots.empty:
        parts.append(html_table(slots, widths={"Slot": "40%", "Type": "20%", "Active": "15%", "WAL retained": "25%"}))

    problems = problems_frame(doc)
    if full:
        parts.append("<h3>Sessions and tables</h3>")
        parts.append(
            _table_or_line(
                "Long-running statements and open transactions",
                activity_frame(doc),
                "No session ran a statement or held a transaction for more than a second.",
                {"Application": "16%", "State": "16%", "In transaction": "11%", "Running": "10%", "Waiting on": "10%", "Query": "37%"},
            )
        )
        parts.append(
            _table_or_line(
                "Tables read by sequential scans",
                seq_scans_frame(doc),
                "No table is read mostly by sequential scans.",
                {"Table": "30%", "Seq scans": "13%", "Rows per scan": "14%", "Index scans": "13%", "Live rows": "14%", "Size": "16%"},
            )
        )
        parts.append(
            _table_or_line(
                "Tables with dead rows",
                dead_tuples_frame(doc),
                "No table holds many dead rows.",
                {"Table": "26%", "Dead rows": "12%", "Live rows": "12%", "Size": "12%", "Last vacuum": "16%", "Autovacuum": "22%"},
            )
        )
        parts.append(
            _table_or_line(
                "Sequences",
                sequences_frame(doc),
                "No sequence has been used yet.",
                {"Sequence": "28%", "Feeds": "30%", "Last value": "15%", "Limit": "15%", "Used": "12%"},
            )
        )
        parts.append(
            _table_or_line(
                "Transaction ID age (wraparound)",
                wraparound_frame(doc),
                "The document has no transaction ID ages.",
                {"Database": "40%", "Transaction ID age": "30%", "Of the limit": "30%"},
            )
        )
        parts.append(_plans_html(doc, "live"))
        parts.append(_table_or_line("Probes that failed", problems, "Every probe could read what it needed.", {"Probe": "25%", "Error": "75%"}))
    elif not problems.empty:
        parts.append(
            _note(
                f"{plural(len(problems), 'probe')} could not read what {'they' if len(problems) != 1 else 'it'} needed "
                f"({esc(', '.join(problems['Probe']))}): see <code>live_postgres.html</code>."
            )
        )
    return "".join(parts)


def _plans_html(doc: Mapping, source: str) -> str:
    """The generic plans of the code's queries on the live or the shadow database."""
    plans = plans_frame(doc, source)
    none = "No query of the code was planned on this database." if source == "live" else "No query was planned."
    out = _table_or_line(
        "Generic plans of the queries found in the code", plans, none, {"Location": "22%", "Query": "38%", "Access": "27%", "Cost": "13%"}
    )
    if not plans.empty and plans["Cost"].str.contains("e10").any():
        out += _note(
            "<em>+ 1e10</em> is PostgreSQL's penalty for a sequential scan it was told not to use (sequential scans are "
            "disabled while planning) and had to use anyway: no index can serve that query."
        )
    return out


# --------------------------------------------------------------------------- shadow database


def _outcome_cell(value) -> str:
    css = {"confirmed": "fail", "refuted": "pass", "unverified": "undecided"}.get(str(value), "waived")
    return f'<span class="sa-badge sa-status-{css}">{esc(value)}</span>'


def shadow_html(doc: Mapping, full: bool = False) -> str:
    """The shadow database: statements applied and failed (failures with ``path:line`` and error),
    the static model against the catalog, and the planner's verdicts on the flagged queries."""
    s = shadow_summary(doc)
    if not s["present"]:
        return _empty("No shadow database: run with --shadow to apply the migrations to a throwaway PostgreSQL.")
    if s["error"]:
        return f'<p class="sa-verdict sa-verdict-unknown">The shadow database could not be used: {esc(s["error"])}.</p>'
    parts = []
    total, applied, failed = s["total"] or 0, s["applied"] or 0, s["failed"] or 0
    rate = f" ({esc(fmt_pct(round(100 * s['apply_rate'], 1)))} of those tried)" if isinstance(s["apply_rate"], (int, float)) else ""
    stubs = " with stubs for Supabase's auth and storage schemas" if s["stubs"] else ""
    css = "fail" if failed else "pass"
    parts.append(
        f'<p class="sa-verdict sa-verdict-{css}">The migrations ({plural(s["migrations"], "file")}) were applied in order to a '
        f"throwaway {esc(s['server'])}{stubs}: <strong>{fmt_number(applied)} of {fmt_number(total)}</strong> statements applied, "
        f"<strong>{fmt_number(failed)}</strong> failed, {fmt_number(s['skipped'] or 0)} skipped (transaction control){rate}.</p>"
    )
    failures = shadow_failures_frame(doc)
    if not failures.empty:
        parts.append(f"<h4>Statements that failed ({len(failures)})</h4>")
        parts.append(
            html_table(failures, css_class="sa-failures", widths={"Location": "24%", "Statement": "34%", "Error": "24%", "Cause": "18%"})
        )

    parts.append("<h4>Static model against the catalog</h4>")
    catalog = s["catalog"]
    counted = ", ".join(f"{fmt_number(n)} {k.replace('_', ' ')}" for k, n in sorted(catalog.items()))
    comparison = comparison_frame(doc)
    if s["agrees"] is None:
        parts.append(_note("The static model was not compared with the catalog."))
    elif s["agrees"]:
        parts.append(
            '<p class="sa-allclear">The catalog agrees with the schema read from the SQL'
            + (f" ({esc(counted)})" if counted else "")
            + ": no table, column, key, index or policy differs.</p>"
        )
    else:
        parts.append(
            _note(
                f"{plural(len(comparison), 'disagreement')} between the schema read from the SQL and what PostgreSQL built"
                + (f" ({esc(counted)} in the catalog)" if counted else "")
                + ": the static findings about these objects may be wrong."
            )
        )
        parts.append(
            html_table(
                comparison,
                css_class="sa-comparison",
                widths={"Kind": "10%", "Table": "16%", "Static model": "10%", "Catalog": "10%", "Detail": "34%", "Location": "20%"},
            )
        )
    if full:
        parts.append(
            _table_or_line(
                "Foreign keys without an index (catalog)",
                unindexed_fks_frame(doc, "shadow"),
                "In the catalog, every foreign key has an index that starts with its columns.",
                {"Table": "25%", "Key columns": "20%", "References": "25%", "Constraint": "30%"},
            )
        )
        parts.append(
            _table_or_line(
                "Duplicate indexes (catalog)", duplicate_indexes_frame(doc, "shadow"), "No duplicate index in the catalog.",
                {"Table": "18%", "Index names": "24%", "Definitions": "58%"},
            )
        )

    parts.append("<h4>Planner verdicts on the flagged queries</h4>")
    planner = planner_frame(doc)
    if get(shadow_of(doc), "planner") is None:
        parts.append(_note("The planner was not asked (no query was planned)."))
    elif planner.empty:
        parts.append(_note(f"No {code('db.unindexed-filter')} finding to verify."))
    else:
        n = planner_counts(doc)
        parts.append(
            _note(
                f"Each {code('db.unindexed-filter')} finding, EXPLAINed as a generic plan with sequential scans disabled: "
                f"<strong>{n['confirmed']}</strong> confirmed (no index can serve the query), <strong>{n['refuted']}</strong> "
                f"refuted (an index serves it after all), <strong>{n['unverified']}</strong> unverified (no plan)."
            )
        )
        parts.append(
            html_table(
                planner,
                css_class="sa-planner",
                formats={"Outcome": _outcome_cell},
                widths={"Table": "22%", "Filtered columns": "18%", "Outcome": "13%", "Verdict per query": "47%"},
            )
        )
    hypo = hypothetical_frame(doc)
    if not hypo.empty:
        parts.append(
            _note(
                "With hypopg, each confirmed finding's suggested index was created hypothetically and the query planned again "
                "(costs in the planner's units):"
            )
        )
        parts.append(
            html_table(
                hypo,
                css_class="sa-hypo",
                widths={"Suggested index": "38%", "Query": "26%", "Cost before": "11%", "Cost after": "11%", "Planner picks it": "14%"},
            )
        )
    elif s["present"] and not s["hypopg"] and not planner.empty:
        parts.append(_note("hypopg is not installed on the shadow server, so the suggested indexes were not tried."))
    if full:
        parts.append(_plans_html(doc, "shadow"))
    return "".join(parts)


def live_database_html(doc: Mapping) -> str:
    """The main report's Live database section: the live database, then the shadow database when there is one."""
    parts = [live_html(doc)]
    if shadow_of(doc):
        parts.append('<h3 class="sa-part">Shadow database</h3>')
        parts.append(shadow_html(doc))
    else:
        parts.append(_note("No shadow database (<code>--shadow</code> applies the migrations to a throwaway PostgreSQL and "
                           "lets its planner check the static findings)."))
    return "".join(parts)
