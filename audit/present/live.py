"""The live database (``facts.live``, from ``--dsn``) and the shadow database (``facts.shadow``,
from ``--shadow``) as data.

``facts.live`` is absent when no DSN was given, ``{"dsn", "error"}`` when the database could not
be read, and the full facts otherwise. The DSN in the document is already masked; it is masked
again here (the report never prints a password, whatever the document holds).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import pandas as pd

from audit.present.capacity import connection_budget_frame
from audit.present.format import fmt_number, fmt_pct, fmt_value, is_missing, location, shorten
from audit.present.load import dicts, get

#: the settings the main report shows, in this order (the deep dive shows every one)
KEY_SETTINGS: tuple[str, ...] = (
    "max_connections",
    "superuser_reserved_connections",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "statement_timeout",
    "idle_in_transaction_session_timeout",
    "lock_timeout",
)
#: the scorecard area of the live and shadow checks
LIVE_AREA = "live"
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<at>@)", re.I)
_KV_PASSWORD = re.compile(r"((?<![?&\w])password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#\s]*", re.I)


def mask_dsn(dsn: Any) -> str:
    """The DSN (or any text holding one) with every password shown as ``***`` (URL, ``?password=``
    or ``password=...`` form); idempotent on a masked DSN."""
    text = str(dsn or "")
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + "***" + m.group("at"), text)
    text = _QUERY_PASSWORD.sub(r"\1***", text)
    return _KV_PASSWORD.sub(lambda m: m.group(1) + "***", text)


def live_of(doc: Mapping) -> dict:
    """``facts.live``, or {} when the document has none."""
    live = get(doc, "facts", "live")
    return live if isinstance(live, Mapping) else {}


def live_state(doc: Mapping) -> str:
    """``"none"`` (no ``--dsn``), ``"error"`` (the database could not be read) or ``"ok"``."""
    live = live_of(doc)
    if not live:
        return "none"
    return "error" if live.get("error") else "ok"


def fmt_bytes(n: Any) -> str:
    """8192 -> "8 kB", 134217728 -> "128 MB", 25276502016 -> "23.5 GB" (powers of 1024, as PostgreSQL prints)."""
    if is_missing(n) or isinstance(n, bool) or not isinstance(n, (int, float)):
        return "unknown"
    value, unit = float(n), "bytes"
    for next_unit in ("kB", "MB", "GB", "TB"):
        if abs(value) < 1024:
            break
        value, unit = value / 1024, next_unit
    if unit == "bytes":
        return f"{int(value)} bytes"
    return f"{fmt_number(round(value, 1))} {unit}"


def fmt_seconds(s: Any) -> str:
    """95 -> "1 min 35 s", 3 -> "3 s", 200000 -> "2.3 days"; None -> "unknown"."""
    if is_missing(s) or not isinstance(s, (int, float)):
        return "unknown"
    s = float(s)
    if s < 60:
        return f"{fmt_number(round(s, 1))} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60)} s"
    if s < 86400:
        return f"{fmt_number(round(s / 3600, 1))} h"
    return f"{fmt_number(round(s / 86400, 1))} days"


def fmt_ms(ms: Any) -> str:
    """0 -> "0 (no limit)", 5000 -> "5 s", 250 -> "250 ms"."""
    if is_missing(ms) or not isinstance(ms, (int, float)):
        return "unknown"
    if ms == 0:
        return "0 (no limit)"
    if ms < 0:
        return f"{fmt_number(ms)} (off)"
    return f"{fmt_number(ms)} ms" if ms < 1000 else f"{fmt_number(round(ms / 1000, 1))} s"


def fmt_ratio(r: Any) -> str:
    """0.9978 -> "99.78%"; None -> "n/a"."""
    if is_missing(r) or not isinstance(r, (int, float)):
        return "n/a"
    return f"{100 * float(r):.2f}%"


# --------------------------------------------------------------------------- the server


def live_overview_frame(doc: Mapping) -> pd.DataFrame:
    """What the live database is: the DSN (masked), version, database, role, uptime, memory, how the visit was bounded."""
    live = live_of(doc)
    if live_state(doc) != "ok":
        return pd.DataFrame(columns=["Measure", "Value"])
    server = live.get("server") or {}
    memory = live.get("memory") or {}
    session = live.get("session") or {}
    rows = [("Connection (password masked)", mask_dsn(live.get("dsn")))]
    version = server.get("version") or "unknown"
    role = "replica" if server.get("is_replica") else "primary"
    rows.append(("Server", f"PostgreSQL {version} ({role})"))
    if server.get("database"):
        rows.append(("Database", f"{server['database']}, {fmt_bytes(server.get('database_size_bytes'))}"))
    if server.get("role"):
        who = f"{server['role']}" + (" (superuser)" if server.get("superuser") else "")
        if server.get("reads_all_stats") is False:
            who += "; cannot read every session's statistics (pg_read_all_stats not granted)"
        rows.append(("Connected as", who))
    if server.get("uptime_s") is not None:
        rows.append(("Up for", fmt_seconds(server.get("uptime_s"))))
    if memory.get("bytes"):
        rows.append(("Machine memory", f"{fmt_bytes(memory['bytes'])} ({memory.get('source') or 'source unknown'})"))
    if session:
        bounds = [session.get("read_only") or ""]
        if session.get("statement_timeout_ms") is not None:
            bounds.append(f"statement_timeout {fmt_ms(session['statement_timeout_ms'])}")
        if session.get("lock_timeout_ms") is not None:
            bounds.append(f"lock_timeout {fmt_ms(session['lock_timeout_ms'])}")
        rows.append(("This audit's session", "; ".join(b for b in bounds if b)))
    if live.get("analyze"):
        rows.append(("EXPLAIN ANALYZE", "allowed (--analyze): SELECTs among the queries ran, read-only"))
    return pd.DataFrame(rows, columns=["Measure", "Value"])


def setting_value(s: Mapping) -> str:
    """A setting as a person reads it: bytes as kB/MB/GB, times in ms or s, the rest as written."""
    kind, norm = s.get("kind"), s.get("normalised")
    if kind == "bytes" and isinstance(norm, (int, float)):
        return fmt_bytes(norm)
    if kind == "ms" and isinstance(norm, (int, float)):
        return fmt_ms(norm)
    value = s.get("value")
    return fmt_value(norm if value is None else value)


def settings_frame(doc: Mapping, names: tuple[str, ...] | None = KEY_SETTINGS) -> pd.DataFrame:
    """The server's settings (``names`` in that order, every one with None): value, share of the
    machine's memory for sizes when it is known, and where the value comes from."""
    cols = ["Setting", "Value", "Share of memory", "Source"]
    settings = live_of(doc).get("settings") if live_state(doc) == "ok" else None
    if not isinstance(settings, Mapping):
        return pd.DataFrame(columns=cols)
    memory = get(live_of(doc), "memory", "bytes")
    keys = [n for n in names if n in settings] if names is not None else sorted(settings)
    rows = []
    for name in keys:
        s = settings.get(name) or {}
        share = ""
        if s.get("kind") == "bytes" and isinstance(s.get("normalised"), (int, float)) and memory:
            pct = 100 * s["normalised"] / memory
            share = "<0.1%" if 0 < pct < 0.05 else fmt_pct(round(pct, 1))
        rows.append({"Setting": name, "Value": setting_value(s), "Share of memory": share, "Source": s.get("source") or "unknown"})
    return pd.DataFrame(rows, columns=cols)


def role_settings_frame(doc: Mapping) -> pd.DataFrame:
    """Timeouts a role or database overrides (``ALTER ROLE/DATABASE ... SET``)."""
    cols = ["Role", "Database", "Setting", "Value"]
    rows = [
        {"Role": r.get("role", ""), "Database": r.get("database", ""), "Setting": r.get("name", ""), "Value": fmt_value(r.get("value"))}
        for r in dicts(live_of(doc).get("role_settings"))
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- connections


def live_connections(doc: Mapping) -> dict:
    """``{"in_use", "by_state", "max_connections", "reserved", "pools", "pools_detail"}``: the
    connections open now (client backends other than the audit's own session), the server's
    limit, and what the pools found in the code can open (per process × processes, from
    ``scorecard.capacity``; None when unknown)."""
    live = live_of(doc)
    conns = live.get("connections") or {}
    settings = live.get("settings") or {}
    budget = connection_budget_frame(doc)
    pools, pools_detail = None, "no capacity estimate in the document"
    if not budget.empty:
        row = budget[budget["Bar"] == "Usable through the pools"].iloc[0]
        value = row["Connections"]
        pools = None if is_missing(value) else (value.item() if hasattr(value, "item") else value)
        pools_detail = row["Detail"]
    return {
        "in_use": conns.get("total"),
        "by_state": dict(conns.get("by_state") or {}),
        "max_connections": get(settings, "max_connections", "normalised"),
        "reserved": get(settings, "superuser_reserved_connections", "normalised"),
        "pools": pools,
        "pools_detail": pools_detail,
    }


def connection_bars_frame(doc: Mapping) -> pd.DataFrame:
    """The bars of the live connections chart: in use now, pools × processes, max_connections."""
    cols = ["Bar", "Connections", "Detail"]
    if live_state(doc) != "ok":
        return pd.DataFrame(columns=cols)
    c = live_connections(doc)
    states = ", ".join(f"{fmt_number(n)} {s}" for s, n in c["by_state"].items())
    rows = [
        ("In use now", c["in_use"], states or "no other client session"),
        ("Pools × processes", c["pools"], c["pools_detail"]),
        (
            "max_connections",
            c["max_connections"],
            f"{fmt_number(c['reserved'])} reserved for superusers" if not is_missing(c["reserved"]) else "",
        ),
    ]
    return pd.DataFrame(rows, columns=cols)


def connections_frame(doc: Mapping) -> pd.DataFrame:
    """Connections in use by application, role and state."""
    cols = ["Application", "Role", "State", "Count"]
    rows = [
        {"Application": r.get("application", ""), "Role": r.get("role", ""), "State": r.get("state", ""), "Count": r.get("count")}
        for r in dicts(get(live_of(doc), "connections", "by_application"))
    ]
    return pd.DataFrame(rows, columns=cols)


def activity_frame(doc: Mapping) -> pd.DataFrame:
    """Sessions running a statement or holding a transaction open for more than a second."""
    cols = ["Application", "State", "In transaction", "Running", "Waiting on", "Query"]
    rows = [
        {
            "Application": a.get("application", ""),
            "State": a.get("state", ""),
            "In transaction": fmt_seconds(a.get("xact_s")) if a.get("xact_s") is not None else "–",
            "Running": fmt_seconds(a.get("query_s")) if a.get("query_s") is not None else "–",
            "Waiting on": a.get("wait_event_type") or "",
            "Query": shorten(a.get("query"), 150),
        }
        for a in dicts(live_of(doc).get("activity"))
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- cache, indexes, tables


def cache_frame(doc: Mapping) -> pd.DataFrame:
    """Buffer cache hit ratios: the database, its tables, its indexes."""
    cache = live_of(doc).get("cache") if live_state(doc) == "ok" else None
    if not isinstance(cache, Mapping):
        return pd.DataFrame(columns=["Reads from", "Hit ratio", "Blocks"])
    rows = [
        ("The whole database", fmt_ratio(cache.get("database_hit_ratio")), None),
        ("Tables", fmt_ratio(cache.get("table_hit_ratio")), cache.get("table_blocks")),
        ("Indexes", fmt_ratio(cache.get("index_hit_ratio")), cache.get("index_blocks")),
    ]
    return pd.DataFrame(rows, columns=["Reads from", "Hit ratio", "Blocks"])


def stats_age(doc: Mapping) -> str:
    """How long the statistics cover: "since the server started 2 s ago" or "reset 3 days ago"."""
    live = live_of(doc)
    reset = get(live, "cache", "stats_reset_s_ago")
    if isinstance(reset, (int, float)):
        return f"the statistics were reset {fmt_seconds(reset)} ago"
    up = get(live, "server", "uptime_s")
    if isinstance(up, (int, float)):
        return f"the statistics were never reset; the server has been up {fmt_seconds(up)}"
    return "how long the statistics cover is unknown"


def unused_indexes_frame(doc: Mapping) -> pd.DataFrame:
    cols = ["Index", "Table", "Size", "Scans", "Definition"]
    rows = [
        {
            "Index": i.get("index", ""),
            "Table": i.get("table", ""),
            "Size": fmt_bytes(i.get("size_bytes")),
            "Scans": i.get("scans"),
            "Definition": i.get("definition", ""),
        }
        for i in dicts(get(live_of(doc), "indexes", "unused"))
    ]
    return pd.DataFrame(rows, columns=cols)


def invalid_indexes_frame(doc: Mapping) -> pd.DataFrame:
    cols = ["Index", "Table", "Definition"]
    rows = [
        {"Index": i.get("index", ""), "Table": i.get("table", ""), "Definition": i.get("definition", "")}
        for i in dicts(get(live_of(doc), "indexes", "invalid"))
    ]
    return pd.DataFrame(rows, columns=cols)


def duplicate_indexes_frame(doc: Mapping, source: str = "live") -> pd.DataFrame:
    """Indexes with the same definition on the same table (``source``: ``live`` or ``shadow``)."""
    cols = ["Table", "Index names", "Definitions"]
    items = get(live_of(doc), "indexes", "duplicate") if source == "live" else get(shadow_of(doc), "duplicate_indexes")
    rows = [
        {"Table": d.get("table", ""), "Index names": "\n".join(d.get("indexes") or []), "Definitions": "\n".join(d.get("definitions") or [])}
        for d in dicts(items)
    ]
    return pd.DataFrame(rows, columns=cols)


def unindexed_fks_frame(doc: Mapping, source: str = "live") -> pd.DataFrame:
    """Foreign keys no index starts with, read from the catalog (``source``: ``live`` or ``shadow``)."""
    cols = ["Table", "Key columns", "References", "Constraint"]
    items = get(live_of(doc), "indexes", "unindexed_fks") if source == "live" else get(shadow_of(doc), "unindexed_fks")
    rows = [
        {
            "Table": f.get("table", ""),
            "Key columns": ", ".join(f.get("columns") or []),
            "References": f.get("references", ""),
            "Constraint": f.get("name", ""),
        }
        for f in dicts(items)
    ]
    return pd.DataFrame(rows, columns=cols)


def seq_scans_frame(doc: Mapping) -> pd.DataFrame:
    cols = ["Table", "Seq scans", "Rows per scan", "Index scans", "Live rows", "Size"]
    rows = [
        {
            "Table": t.get("table", ""),
            "Seq scans": t.get("seq_scan"),
            "Rows per scan": t.get("rows_per_seq_scan"),
            "Index scans": t.get("idx_scan"),
            "Live rows": t.get("n_live_tup"),
            "Size": fmt_bytes(t.get("size_bytes")),
        }
        for t in dicts(get(live_of(doc), "tables", "seq_scans"))
    ]
    return pd.DataFrame(rows, columns=cols)


def dead_tuples_frame(doc: Mapping) -> pd.DataFrame:
    cols = ["Table", "Dead rows", "Live rows", "Size", "Last vacuum", "Autovacuum"]
    rows = [
        {
            "Table": t.get("table", ""),
            "Dead rows": t.get("n_dead_tup"),
            "Live rows": t.get("n_live_tup"),
            "Size": fmt_bytes(t.get("size_bytes")),
            "Last vacuum": f"{fmt_seconds(t['vacuumed_s_ago'])} ago" if isinstance(t.get("vacuumed_s_ago"), (int, float)) else "never",
            "Autovacuum": "off for this table" if t.get("autovacuum_off") else f"on ({fmt_number(t.get('autovacuum_count') or 0)} runs)",
        }
        for t in dicts(get(live_of(doc), "tables", "dead_tuples"))
    ]
    return pd.DataFrame(rows, columns=cols)


def sequences_frame(doc: Mapping) -> pd.DataFrame:
    cols = ["Sequence", "Feeds", "Last value", "Limit", "Used"]
    rows = [
        {
            "Sequence": s.get("sequence", ""),
            "Feeds": f"{s.get('table')}.{s.get('column')} ({s.get('column_type')})" if s.get("table") else "",
            "Last value": s.get("last_value"),
            "Limit": s.get("limit"),
            "Used": fmt_pct(s.get("pct_of_limit")),
        }
        for s in dicts(get(live_of(doc), "maintenance", "sequences"))
    ]
    return pd.DataFrame(rows, columns=cols)


def wraparound_frame(doc: Mapping) -> pd.DataFrame:
    cols = ["Database", "Transaction ID age", "Of the limit"]
    rows = [
        {"Database": w.get("database", ""), "Transaction ID age": w.get("xid_age"), "Of the limit": fmt_pct(w.get("pct_of_limit"))}
        for w in dicts(get(live_of(doc), "maintenance", "wraparound"))
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- statements, replication


def statements_info(doc: Mapping) -> dict:
    """``{"available", "reason", "tracked", "version"}`` for pg_stat_statements."""
    st = live_of(doc).get("statements") or {}
    return {
        "available": bool(st.get("available")),
        "reason": st.get("reason") or ("the document has no pg_stat_statements facts" if not st else ""),
        "tracked": st.get("statements"),
        "version": st.get("version") or "",
    }


def top_statements_frame(doc: Mapping, limit: int | None = 10, sql_chars: int = 160) -> pd.DataFrame:
    """pg_stat_statements' statements by total time, most first: calls, total and mean time, share of all time."""
    cols = ["Statement", "Calls", "Total (ms)", "Mean (ms)", "Share", "Cache hits"]
    top = dicts(get(live_of(doc), "statements", "top"))
    top = top if limit is None else top[:limit]
    rows = [
        {
            "Statement": shorten(s.get("query"), sql_chars),
            "Calls": s.get("calls"),
            "Total (ms)": s.get("total_ms"),
            "Mean (ms)": s.get("mean_ms"),
            "Share": fmt_pct(s.get("share_pct")),
            "Cache hits": fmt_ratio(s.get("hit_ratio")),
        }
        for s in top
    ]
    return pd.DataFrame(rows, columns=cols)


def replication_summary(doc: Mapping) -> str:
    """One sentence: a primary with N replicas (or none), or a replica and its replay delay."""
    rep = live_of(doc).get("replication")
    if not isinstance(rep, Mapping) or not rep:
        return "Replication: unknown (the document has no replication facts)."
    if rep.get("role") == "replica":
        delay = rep.get("replay_delay_s")
        return "This server is a replica" + (f", replaying {fmt_seconds(delay)} behind its primary." if delay is not None else ".")
    replicas = dicts(rep.get("replicas"))
    slots = dicts(rep.get("slots"))
    text = (
        f"This server is a primary with {fmt_number(len(replicas))} replica{'s' if len(replicas) != 1 else ''} attached"
        if replicas
        else "This server is a primary with no replica attached: every read goes to it"
    )
    if slots:
        text += f"; {fmt_number(len(slots))} replication slot{'s' if len(slots) != 1 else ''}"
    return text + "."


def replicas_frame(doc: Mapping) -> pd.DataFrame:
    cols = ["Replica", "State", "Sync", "Replay lag", "Behind"]
    rows = [
        {
            "Replica": r.get("application", ""),
            "State": r.get("state", ""),
            "Sync": r.get("sync_state", ""),
            "Replay lag": fmt_seconds(r.get("replay_lag_s")) if r.get("replay_lag_s") is not None else "–",
            "Behind": fmt_bytes(r.get("lag_bytes")),
        }
        for r in dicts(get(live_of(doc), "replication", "replicas"))
    ]
    return pd.DataFrame(rows, columns=cols)


def slots_frame(doc: Mapping) -> pd.DataFrame:
    cols = ["Slot", "Type", "Active", "WAL retained"]
    rows = [
        {"Slot": s.get("slot", ""), "Type": s.get("type", ""), "Active": "yes" if s.get("active") else "no", "WAL retained": fmt_bytes(s.get("retained_bytes"))}
        for s in dicts(get(live_of(doc), "replication", "slots"))
    ]
    return pd.DataFrame(rows, columns=cols)


def problems_frame(doc: Mapping) -> pd.DataFrame:
    """Probes of the live visit that failed (a permission, a timeout), and why."""
    rows = [{"Probe": p.get("probe", ""), "Error": p.get("error", "")} for p in dicts(live_of(doc).get("problems"))]
    return pd.DataFrame(rows, columns=["Probe", "Error"])


#: how a plan reads a table (audit.live.plans verdicts), in words
ACCESS: dict[str, str] = {
    "seq": "sequential scan",
    "full-index": "whole index scanned",
    "non-leading": "index without the column first",
    "other": "other access",
    "index-order": "index, for the order",
    "index": "index",
    "absent": "not read",
}
#: PostgreSQL adds this to a plan's cost for each node it was told not to use (sequential scans disabled)
DISABLE_COST = 1e10


def _verdicts(tables: Any) -> str:
    """``public.t: index (t_pkey)`` per table of a plan."""
    out = []
    for name, t in (tables or {}).items() if isinstance(tables, Mapping) else []:
        access = next((a for a in dicts(t.get("accesses")) if a.get("index")), None)
        verdict = t.get("verdict") or "?"
        out.append(f"{name}: {ACCESS.get(verdict, verdict)}" + (f" ({access['index']})" if access else ""))
    return "\n".join(out)


def fmt_cost(cost: Any) -> str:
    """A plan's total cost; PostgreSQL's 1e10 penalty for a disabled sequential scan shown apart: ``33.4 + 1e10``."""
    if is_missing(cost) or not isinstance(cost, (int, float)):
        return "–"
    if cost >= DISABLE_COST:
        return f"{fmt_number(round(cost - DISABLE_COST * (cost // DISABLE_COST), 2))} + {fmt_number(int(cost // DISABLE_COST))}e10"
    return fmt_number(round(cost, 2))


def plans_frame(doc: Mapping, source: str = "live") -> pd.DataFrame:
    """The generic plans of the discovered queries (``source``: ``live`` or ``shadow``): where the
    query is, its SQL, each table's access (index, sequential scan, index without the column first)
    and the plan's cost (``+ 1e10``: the planner's penalty for a sequential scan it was told not to use)."""
    cols = ["Location", "Query", "Access", "Cost"]
    items = live_of(doc).get("plans") if source == "live" else shadow_of(doc).get("plans")
    rows = [
        {
            "Location": location(p.get("path"), p.get("line")),
            "Query": shorten(p.get("sql"), 150),
            "Access": f"not planned: {p['error']}" if p.get("error") else _verdicts(p.get("tables")),
            "Cost": fmt_cost(p.get("total_cost")),
        }
        for p in dicts(items)
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- the shadow database


def shadow_of(doc: Mapping) -> dict:
    """``facts.shadow``, or {} when the document has none."""
    sh = get(doc, "facts", "shadow")
    return sh if isinstance(sh, Mapping) else {}


def shadow_summary(doc: Mapping) -> dict:
    """``{"present", "error", "server", "applied", "failed", "skipped", "total", "apply_rate",
    "migrations", "catalog", "stubs", "hypopg", "agrees"}``."""
    sh = shadow_of(doc)
    st = sh.get("statements") or {}
    server = sh.get("server") or {}
    version = server.get("version_num")
    comparison = sh.get("comparison")
    return {
        "present": bool(sh),
        "error": sh.get("error") or "",
        "server": (f"{server.get('kind') or 'a'} PostgreSQL" + (f" {version // 10000}" if isinstance(version, int) else "")).strip(),
        "applied": st.get("applied"),
        "failed": st.get("failed"),
        "skipped": st.get("skipped"),
        "total": st.get("total"),
        "apply_rate": st.get("apply_rate"),
        "migrations": len(sh.get("migrations") or []),
        "catalog": dict(sh.get("catalog") or {}),
        "stubs": bool(sh.get("supabase_stubs")),
        "hypopg": bool(sh.get("hypopg")),
        "agrees": None if comparison is None else not dicts(comparison),
    }


def shadow_failures_frame(doc: Mapping) -> pd.DataFrame:
    """Statements that failed on the fresh server: where (the failing line), the statement, the error, why."""
    cols = ["Location", "Statement", "Error", "Cause"]
    rows = []
    for f in dicts(shadow_of(doc).get("failures")):
        cause = f.get("cause") or ("the shadow server, not the migration" if f.get("environment") else "")
        sqlstate = f" [{f['sqlstate']}]" if f.get("sqlstate") else ""
        rows.append(
            {
                "Location": location(f.get("path"), f.get("error_line") or f.get("line")),
                "Statement": shorten(f.get("statement"), 140),
                "Error": f"{f.get('error', '')}{sqlstate}",
                "Cause": cause,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def comparison_frame(doc: Mapping) -> pd.DataFrame:
    """Where the static model (read from the SQL) and the shadow catalog disagree."""
    cols = ["Kind", "Table", "Static model", "Catalog", "Detail", "Location"]
    rows = [
        {
            "Kind": str(d.get("kind", "")).replace("_", " "),
            "Table": d.get("table", ""),
            "Static model": fmt_value(d.get("static")) if d.get("static") is not None else "–",
            "Catalog": fmt_value(d.get("catalog")) if d.get("catalog") is not None else "–",
            "Detail": d.get("detail", ""),
            "Location": location(d.get("path"), d.get("line")),
        }
        for d in dicts(shadow_of(doc).get("comparison"))
    ]
    return pd.DataFrame(rows, columns=cols)


VERDICTS: dict[str, str] = {
    "seq": "sequential scan",
    "non-leading": "index without the column first",
    "index": "index",
}


def _planner_query(q: Mapping) -> str:
    loc = location(q.get("path"), q.get("line"))
    if q.get("verdict") is None:
        return f"{loc}: not explained ({q.get('why') or 'no plan'})"
    text = f"{loc}: {VERDICTS.get(q['verdict'], q['verdict'])}"
    if q.get("index"):
        text += f" via {q['index']}"
    return text


def planner_frame(doc: Mapping) -> pd.DataFrame:
    """The planner's verdict on each ``db.unindexed-filter`` finding: confirmed (still no index
    with sequential scans disabled), refuted (an index serves it) or unverified (no plan)."""
    cols = ["Table", "Filtered columns", "Outcome", "Verdict per query"]
    rows = [
        {
            "Table": p.get("table", ""),
            "Filtered columns": ", ".join(p.get("columns") or []),
            "Outcome": p.get("outcome", ""),
            "Verdict per query": "\n".join(_planner_query(q) for q in dicts(p.get("queries"))),
        }
        for p in dicts(shadow_of(doc).get("planner"))
    ]
    return pd.DataFrame(rows, columns=cols)


def planner_counts(doc: Mapping) -> dict[str, int]:
    counts = {"confirmed": 0, "refuted": 0, "unverified": 0}
    for p in dicts(shadow_of(doc).get("planner")):
        counts[p.get("outcome", "unverified")] = counts.get(p.get("outcome", "unverified"), 0) + 1
    return counts


def hypothetical_frame(doc: Mapping) -> pd.DataFrame:
    """hypopg trials of the suggested indexes: plan cost before and after, per query."""
    cols = ["Suggested index", "Query", "Cost before", "Cost after", "Planner picks it"]
    rows = []
    for h in dicts(shadow_of(doc).get("hypothetical")):
        queries = dicts(h.get("queries"))
        if h.get("error") or not queries:
            rows.append({"Suggested index": h.get("index", ""), "Query": h.get("error") or "no query to re-plan",
                         "Cost before": None, "Cost after": None, "Planner picks it": "–"})
        for q in queries:
            rows.append(
                {
                    "Suggested index": h.get("index", ""),
                    "Query": location(q.get("path"), q.get("line")),
                    "Cost before": q.get("cost_before"),
                    "Cost after": q.get("cost_after"),
                    "Planner picks it": "yes" if q.get("chosen_by_default") else ("usable, not chosen" if q.get("index_usable") else "no"),
                }
            )
    return pd.DataFrame(rows, columns=cols)
