"""Tables from the statistics views: sequential scans, dead tuples, cache hits, statistics age."""

from __future__ import annotations

from audit.live.indexes import Scope
from audit.live.sql import MARK

_SCOPE = "n.nspname <> ALL(%(skip_schemas)s) AND c.oid <> ALL(%(skip_oids)s::oid[])"

SEQ_SCANS = MARK + """
SELECT n.nspname || '.' || c.relname AS table, s.seq_scan, s.seq_tup_read, coalesce(s.idx_scan, 0) AS idx_scan,
       s.n_live_tup, pg_table_size(c.oid) AS size_bytes
FROM pg_stat_all_tables s
JOIN pg_class c ON c.oid = s.relid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE s.seq_scan > 0 AND c.relkind IN ('r', 'p', 'm') AND """ + _SCOPE + """
ORDER BY s.seq_tup_read DESC, 1
LIMIT 50
"""

DEAD_TUPLES = MARK + """
SELECT n.nspname || '.' || c.relname AS table, s.n_live_tup, s.n_dead_tup, pg_table_size(c.oid) AS size_bytes,
       extract(epoch FROM now() - greatest(s.last_vacuum, s.last_autovacuum))::bigint AS vacuumed_s_ago,
       s.autovacuum_count, coalesce(c.reloptions::text, '') LIKE '%%autovacuum_enabled=false%%' AS autovacuum_off
FROM pg_stat_all_tables s
JOIN pg_class c ON c.oid = s.relid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE s.n_dead_tup > 0 AND c.relkind IN ('r', 'p', 'm') AND """ + _SCOPE + """
ORDER BY s.n_dead_tup DESC, 1
LIMIT 50
"""

CACHE = MARK + """
SELECT (SELECT coalesce(sum(heap_blks_hit), 0) FROM pg_statio_all_tables t JOIN pg_class c ON c.oid = t.relid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE """ + _SCOPE + """) AS heap_hit,
       (SELECT coalesce(sum(heap_blks_read), 0) FROM pg_statio_all_tables t JOIN pg_class c ON c.oid = t.relid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE """ + _SCOPE + """) AS heap_read,
       (SELECT coalesce(sum(idx_blks_hit), 0) FROM pg_statio_all_indexes t JOIN pg_class c ON c.oid = t.relid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE """ + _SCOPE + """) AS idx_hit,
       (SELECT coalesce(sum(idx_blks_read), 0) FROM pg_statio_all_indexes t JOIN pg_class c ON c.oid = t.relid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE """ + _SCOPE + """) AS idx_read,
       d.blks_hit AS db_hit, d.blks_read AS db_read,
       extract(epoch FROM now() - d.stats_reset)::bigint AS stats_reset_s_ago
FROM pg_stat_database d WHERE d.datname = current_database()
"""


def seq_scans(db, scope: Scope) -> list[dict]:
    """Tables by rows read through sequential scans, with the average rows one such scan reads."""
    out = []
    for r in db.rows(SEQ_SCANS, scope.params()):
        row = dict(r)
        row["rows_per_seq_scan"] = int(r["seq_tup_read"] // r["seq_scan"]) if r["seq_scan"] else 0
        out.append(row)
    return out


def dead_tuples(db, scope: Scope) -> list[dict]:
    """Dead-tuple counts: the bloat estimate the statistics give (pgstattuple would measure it)."""
    out = []
    for r in db.rows(DEAD_TUPLES, scope.params()):
        row = dict(r)
        total = (r["n_live_tup"] or 0) + (r["n_dead_tup"] or 0)
        row["dead_ratio"] = round(r["n_dead_tup"] / total, 4) if total else 0.0
        out.append(row)
    return out


def _ratio(hit, read) -> float | None:
    hit, read = int(hit or 0), int(read or 0)
    return round(hit / (hit + read), 4) if hit + read else None


def cache(db, scope: Scope) -> dict:
    """Buffer-cache hit ratios of the application's tables and indexes, and the statistics' age."""
    r = db.rows(CACHE, scope.params())[0]
    return {
        "table_hit_ratio": _ratio(r["heap_hit"], r["heap_read"]), "table_blocks": int(r["heap_hit"]) + int(r["heap_read"]),
        "index_hit_ratio": _ratio(r["idx_hit"], r["idx_read"]), "index_blocks": int(r["idx_hit"]) + int(r["idx_read"]),
        "database_hit_ratio": _ratio(r["db_hit"], r["db_read"]),
        "stats_reset_s_ago": r["stats_reset_s_ago"],
    }
