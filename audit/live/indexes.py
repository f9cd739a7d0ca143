"""Indexes from the catalog: unused, invalid, duplicate, and foreign keys no index serves.

Each function takes `db` (anything with `rows(sql, params)`: a live Session or the shadow's
admin connection) and a `scope` (which schemas and relations to leave out).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from audit.live.sql import MARK, PLATFORM_SCHEMAS

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


@dataclass
class Scope:
    """What a probe leaves out: whole schemas, and relations (by oid) that existed before."""

    skip_schemas: tuple[str, ...] = PLATFORM_SCHEMAS
    skip_oids: list[int] = field(default_factory=list)

    def params(self) -> dict:
        return {"skip_schemas": list(self.skip_schemas), "skip_oids": self.skip_oids}


_IN_SCOPE = "n.nspname <> ALL(%(skip_schemas)s) AND n.nspname NOT LIKE 'pg_temp%%' AND {rel} <> ALL(%(skip_oids)s::oid[])"

UNUSED = MARK + """
SELECT n.nspname || '.' || t.relname AS table, ic.relname AS index, s.idx_scan AS scans,
       pg_relation_size(i.indexrelid) AS size_bytes, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AND i.indisvalid
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  AND """ + _IN_SCOPE.format(rel="t.oid") + """
ORDER BY size_bytes DESC, 1, 2
LIMIT 100
"""

INVALID = MARK + """
SELECT n.nspname || '.' || t.relname AS table, ic.relname AS index, pg_get_indexdef(i.indexrelid) AS definition,
       pg_relation_size(i.indexrelid) AS size_bytes
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT i.indisvalid AND """ + _IN_SCOPE.format(rel="t.oid") + """
ORDER BY 1, 2
"""

# Same table, key columns and expressions, operator classes, predicate, method and uniqueness.
DUPLICATES = MARK + """
SELECT n.nspname || '.' || t.relname AS table,
       array_agg(ic.relname ORDER BY i.indisprimary DESC, c.oid IS NOT NULL DESC, ic.relname) AS indexes,
       array_agg(pg_get_indexdef(i.indexrelid) ORDER BY i.indisprimary DESC, c.oid IS NOT NULL DESC, ic.relname)
         AS definitions
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')
WHERE """ + _IN_SCOPE.format(rel="t.oid") + """
GROUP BY n.nspname, t.relname, i.indrelid, i.indkey::text, i.indclass::text, ic.relam, i.indisunique,
         coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
HAVING count(*) > 1
ORDER BY 1, 2
"""

# A foreign key is served when a valid btree (or single-column hash) index's leading columns are
# exactly the key's columns, in any order: the rule of audit.checks.database.serves().
UNINDEXED_FKS = MARK + """
SELECT n.nspname || '.' || t.relname AS table, c.conname AS name,
       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
       rn.nspname || '.' || rt.relname AS references,
       pg_relation_size(c.conrelid) AS table_bytes
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class rt ON rt.oid = c.confrelid
JOIN pg_namespace rn ON rn.oid = rt.relnamespace
WHERE c.contype = 'f' AND """ + _IN_SCOPE.format(rel="t.oid") + """
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
    WHERE i.indrelid = c.conrelid AND i.indisvalid
      AND (am.amname = 'btree' OR (am.amname = 'hash' AND cardinality(c.conkey) = 1))
      AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
      AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
ORDER BY 1, 3, 2
"""

FK_COUNT = MARK + """
SELECT count(*) AS n FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE c.contype = 'f' AND """ + _IN_SCOPE.format(rel="t.oid")


def unused(db, scope: Scope) -> list[dict]:
    """Indexes never scanned since the statistics were reset (not unique, not backing a constraint)."""
    return [dict(r) for r in db.rows(UNUSED, scope.params())]


def invalid(db, scope: Scope) -> list[dict]:
    """Indexes left invalid by a failed CREATE INDEX CONCURRENTLY: written to, never read."""
    return [dict(r) for r in db.rows(INVALID, scope.params())]


def duplicates(db, scope: Scope) -> list[dict]:
    """Groups of identical indexes; the first of each group is the one to keep (a constraint's, else by name)."""
    return [{"table": r["table"], "indexes": list(r["indexes"]), "definitions": list(r["definitions"])}
            for r in db.rows(DUPLICATES, scope.params())]


def unindexed_fks(db, scope: Scope) -> list[dict]:
    return [{"table": r["table"], "name": r["name"], "columns": list(r["columns"]), "references": r["references"],
             "table_bytes": r["table_bytes"]} for r in db.rows(UNINDEXED_FKS, scope.params())]


def foreign_key_count(db, scope: Scope) -> int:
    return int(db.rows(FK_COUNT, scope.params())[0]["n"])
