"""The statements that cost the most time, from pg_stat_statements when it is there."""

from __future__ import annotations

import psycopg

from audit.live.sql import MARK, redact

EXTENSION = MARK + "SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements'"

# total_exec_time since PostgreSQL 13, total_time before; our own probes are left out by their marker.
TOP = MARK + """
WITH s AS (
  SELECT queryid, query, calls, {total} AS total_ms, rows, shared_blks_hit, shared_blks_read
  FROM {schema}.pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND query NOT LIKE '/* scaleaudit%%'
)
SELECT queryid::text AS queryid, query, calls, round(total_ms::numeric, 1)::float AS total_ms,
       round((total_ms / greatest(calls, 1))::numeric, 2)::float AS mean_ms, rows,
       round((100 * total_ms / nullif(sum(total_ms) OVER (), 0))::numeric, 1)::float AS share_pct,
       shared_blks_hit, shared_blks_read,
       (SELECT count(*) FROM s)::int AS statements
FROM s ORDER BY total_ms DESC, queryid LIMIT %(limit)s
"""

SCHEMA = MARK + """
SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'pg_stat_statements'
"""


def top_statements(db, version_num: int, limit: int = 10) -> dict:
    """{available, reason, statements (how many tracked), top: [...]}; never raises for a missing extension."""
    version = db.rows(EXTENSION)
    if not version:
        return {"available": False, "reason": "the pg_stat_statements extension is not installed in this database",
                "top": [], "statements": 0}
    schema = db.rows(SCHEMA)[0]["nspname"]
    total = "total_exec_time" if version_num >= 130000 else "total_time"
    sql = TOP.format(total=total, schema=psycopg.sql.Identifier(schema).as_string(None))
    try:
        rows = db.rows(sql, {"limit": limit})
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return {"available": False, "reason": f"pg_stat_statements is installed but cannot be read: {first[:200]}",
                "top": [], "statements": 0, "version": version[0]["extversion"]}
    top = []
    for r in rows:
        row = {k: v for k, v in r.items() if k != "statements"}
        row["query"] = redact(r["query"], 500)
        hits = (r["shared_blks_hit"] or 0) + (r["shared_blks_read"] or 0)
        row["hit_ratio"] = round(r["shared_blks_hit"] / hits, 4) if hits else None
        top.append(row)
    return {"available": True, "reason": "", "version": version[0]["extversion"],
            "statements": rows[0]["statements"] if rows else 0, "top": top}
