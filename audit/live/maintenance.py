"""Transaction-ID wraparound and sequences near the limit of their type (or their column's)."""

from __future__ import annotations

from audit.live.indexes import Scope
from audit.live.sql import MARK

XID_LIMIT = 2 ** 31 - 1  # ~2.1 billion: past it the server stops accepting writes to avoid wraparound

WRAPAROUND = MARK + """
SELECT datname AS database, age(datfrozenxid)::bigint AS xid_age
FROM pg_database WHERE datallowconn ORDER BY xid_age DESC, datname
"""

# The limit of a sequence is the smaller of its own maximum and its owning column's type maximum
# (a bigint sequence feeding an integer column fails at 2^31 - 1).
SEQUENCES = MARK + """
SELECT s.schemaname || '.' || s.sequencename AS sequence, s.data_type::text AS sequence_type, s.last_value,
       s.max_value, s.increment_by, col.tbl AS table, col.attname AS column, col.typ AS column_type
FROM pg_sequences s
JOIN pg_namespace n ON n.nspname = s.schemaname
JOIN pg_class sc ON sc.relname = s.sequencename AND sc.relnamespace = n.oid
LEFT JOIN LATERAL (
  SELECT tn.nspname || '.' || t.relname AS tbl, a.attname::text AS attname, format_type(a.atttypid, NULL) AS typ
  FROM pg_depend d
  JOIN pg_class t ON t.oid = d.refobjid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  WHERE d.classid = 'pg_class'::regclass AND d.objid = sc.oid AND d.refclassid = 'pg_class'::regclass
    AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
  LIMIT 1) col ON true
WHERE s.last_value IS NOT NULL AND s.increment_by > 0
  AND n.nspname <> ALL(%(skip_schemas)s) AND sc.oid <> ALL(%(skip_oids)s::oid[])
"""

TYPE_MAX = {"smallint": 32767, "integer": 2147483647, "bigint": 9223372036854775807}


def wraparound(db) -> list[dict]:
    return [{**r, "pct_of_limit": round(100 * r["xid_age"] / XID_LIMIT, 2)} for r in db.rows(WRAPAROUND)]


def sequences(db, scope: Scope) -> list[dict]:
    """Every used ascending sequence with the share of its limit consumed, highest first (top 50)."""
    out = []
    for r in db.rows(SEQUENCES, scope.params()):
        limit = min(int(r["max_value"]), TYPE_MAX.get(r["column_type"] or "", int(r["max_value"])))
        out.append({**r, "limit": limit, "pct_of_limit": round(100 * int(r["last_value"]) / limit, 2)})
    out.sort(key=lambda s: (-s["pct_of_limit"], s["sequence"]))
    return out[:50]
