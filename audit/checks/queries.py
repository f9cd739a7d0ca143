"""Checks on the queries found in code, against the schema model."""

from __future__ import annotations

import re

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.fixes import column_sql, create_index
from audit.facts import Facts
from audit.facts.queries import Query
from audit.facts.sqlquery import Predicate
from audit.model import Evidence, Finding, Outcome

FILTER_OPS = {"=", "in", "is", ">", ">=", "<", "<=", "between"}
EQUALITY = {"=", "in", "is"}
TEXT_SEARCH_METHODS = {"gin", "gist"}


def _queries(facts: Facts, *kinds: str) -> list[Query]:
    return [q for q in facts.queries if q.shape is not None and (not kinds or q.shape.kind in kinds)]


def _none_found(facts: Facts) -> Outcome | None:
    if not any(q.shape for q in facts.queries):
        return Outcome("not_applicable", note="no SQL or supabase-js queries found in code")
    return None


def _table_of(facts: Facts, q: Query, p: Predicate) -> str | None:
    """The schema table a predicate's column belongs to, when the schema knows it."""
    candidates = [p.table] if p.table else q.shape.tables
    for t in candidates:
        table = facts.schema.tables.get(t or "")
        if table is not None and p.column in table.column_names():
            return t
    return None


def _leads(facts: Facts, table: str, column: str) -> bool:
    return any(i.columns[:1] == [column] and i.method in {"btree", "hash"} for i in facts.schema.indexes_on(table))


def _ev(q: Query, detail: str) -> Evidence:
    return Evidence(q.path, q.line, f"{detail}: {q.sql[:200]}")


def _group(findings: dict, key, make) -> None:
    """Collect the evidence of every query that shows the same problem into one finding."""
    if key in findings:
        findings[key].evidence.extend(make().evidence)
    else:
        findings[key] = make()


@check("db.unindexed-filter")
def unindexed_filter(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _none_found(facts)) is not None:
        return na
    if not facts.has_schema:
        return Outcome("undecided", note="queries found, but no schema to check them against")
    found: dict = {}
    for q in _queries(facts, "select", "update", "delete"):
        per_table: dict[tuple[str, int], list[Predicate]] = {}
        for p in q.shape.filters:
            t = _table_of(facts, q, p)
            if t and p.op in FILTER_OPS:
                per_table.setdefault((t, p.scope), []).append(p)
        sort_col = q.shape.order_by[0] if q.shape.limit and q.shape.order_by else None
        sort_table = _table_of(facts, q, sort_col) if sort_col else None
        if sort_table and _leads(facts, sort_table, sort_col.column):
            per_table = {k: v for k, v in per_table.items() if k[0] != sort_table}  # index scan in sort order
        elif sort_table and not per_table:
            per_table[(sort_table, 0)] = []
        for (t, scope), preds in per_table.items():
            cols = list(dict.fromkeys(p.column for p in preds))
            if any(_leads(facts, t, c) for c in cols) or _reached_by_join(facts, q, t, scope):
                continue
            if preds and not _selective(facts, t, preds):
                continue
            eq = [p.column for p in preds if p.op in EQUALITY]
            rest = [p.column for p in preds if p.op not in EQUALITY]
            sort = [o.column for o in q.shape.order_by if _table_of(facts, q, o) == t] if q.shape.limit else []
            suggest = list(dict.fromkeys(eq + rest + sort))
            what = f"filters on {', '.join(cols)}" if cols else f"sorts on {', '.join(sort)} with LIMIT"
            _group(found, (t, tuple(suggest)), lambda: Finding(
                check=spec.id, title=f"Query on {t} {what}; no index leads with {' or '.join(cols or sort)}",
                subject={"table": t, "columns": suggest},
                evidence=[_ev(q, f"{q.source} query {what}")],
                fix=create_index(t, suggest),
            ))
    return Outcome.from_findings(list(found.values()))


def _reached_by_join(facts: Facts, q: Query, table: str, scope: int) -> bool:
    """A correlated subquery or UPDATE ... FROM reaches the table through an indexed join column."""
    return any(j.scope == scope and _table_of(facts, q, j) == table and _leads(facts, table, j.column)
               for j in q.shape.joins)


def _selective(facts: Facts, table: str, preds: list[Predicate]) -> bool:
    """Whether some filter could use an index: not only IS NULL, booleans or a partial index's predicate."""
    t = facts.schema.tables[table]
    types = {c.name: c.type for c in t.columns}
    partial = " ".join(i.where for i in facts.schema.indexes_on(table) if i.partial)
    return any(p.op != "is" and types.get(p.column) not in ("boolean", "bool")
               and not re.search(rf"\b{re.escape(p.column)}\b", partial) for p in preds)


def _unique_lookup(facts: Facts, q: Query, table: str) -> bool:
    eq = {p.column for p in q.shape.filters if p.op in EQUALITY and _table_of(facts, q, p) == table}
    return any(i.unique and not i.partial and set(i.columns) <= eq for i in facts.schema.indexes_on(table))


@check("db.unbounded-query")
def unbounded_query(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _none_found(facts)) is not None:
        return na
    findings = []
    for q in _queries(facts, "select"):
        s = q.shape
        if s.limit or s.aggregate or s.count_star or not s.tables:
            continue
        table = s.tables[0]
        if facts.has_schema and table not in facts.schema.tables:
            continue
        if _unique_lookup(facts, q, table):
            continue
        findings.append(Finding(
            check=spec.id, title=f"List query on {table} has no LIMIT: it returns every matching row",
            subject={"table": table}, evidence=[_ev(q, f"{q.source} query without LIMIT/range")]))
    return Outcome.from_findings(findings)


@check("db.select-star")
def select_star(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _none_found(facts)) is not None:
        return na
    if not facts.has_schema:
        return Outcome("undecided", note="no schema: table widths unknown")
    wide = int(spec.thresholds.get("wide_columns", 8))
    found: dict = {}
    for q in _queries(facts, "select"):
        if not q.shape.select_star or not q.shape.tables:
            continue
        table = facts.schema.tables.get(q.shape.tables[0])
        if table is not None and len(table.columns) >= wide:
            _group(found, table.name, lambda: Finding(
                check=spec.id, title=f"SELECT * on {table.name}, a table of {len(table.columns)} columns",
                subject={"table": table.name, "columns": len(table.columns)},
                evidence=[_ev(q, "selects every column")]))
    return Outcome.from_findings(list(found.values()))


@check("db.leading-wildcard-like")
def leading_wildcard(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _none_found(facts)) is not None:
        return na
    found: dict = {}
    for q in _queries(facts):
        for p in q.shape.filters:
            if not p.leading_wildcard:
                continue
            t = _table_of(facts, q, p) or (q.shape.tables[0] if q.shape.tables else "")
            if any(i.method in TEXT_SEARCH_METHODS and any(p.column in c for c in i.columns)
                   for i in facts.schema.indexes_on(t)):
                continue
            _group(found, (t, p.column), lambda: Finding(
                check=spec.id, title=f"{p.op.upper()} '%...' on {t}.{p.column} cannot use a btree index",
                subject={"table": t, "columns": [p.column]},
                evidence=[_ev(q, f"pattern starts with a wildcard on {p.column}")],
                fix=f"CREATE EXTENSION IF NOT EXISTS pg_trgm; "
                    f"{create_index(t, [p.column], 'gin', 'gin_trgm_ops')} Or use full-text search.",
            ))
    return Outcome.from_findings(list(found.values()))


@check("db.offset-pagination")
def offset_pagination(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _none_found(facts)) is not None:
        return na
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"OFFSET pagination on {q.shape.tables[0] if q.shape.tables else 'a query'}",
                subject={"table": q.shape.tables[0] if q.shape.tables else ""},
                evidence=[_ev(q, f"{q.source} query pages with OFFSET")])
        for q in _queries(facts, "select") if q.shape.offset
    ])


@check("db.function-on-column")
def function_on_column(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _none_found(facts)) is not None:
        return na
    found: dict = {}
    for q in _queries(facts):
        for p in q.shape.filters:
            if not p.op.startswith("fn:"):
                continue
            fn = p.op[3:]
            t = _table_of(facts, q, p) or (q.shape.tables[0] if q.shape.tables else "")
            if any(i.columns[:1] == [f"{fn}({p.column})"] for i in facts.schema.indexes_on(t)):
                continue
            _group(found, (t, p.column, fn), lambda: Finding(
                check=spec.id, title=f"{fn}({p.column}) in a filter on {t} hides the column from its indexes",
                subject={"table": t, "columns": [p.column], "function": fn},
                evidence=[_ev(q, f"filters on {fn}({p.column})")],
                fix=create_index(t, [f"{fn}({column_sql(p.column)})"]),
            ))
    return Outcome.from_findings(list(found.values()))


@check("db.query-in-loop")
def query_in_loop(facts: Facts, spec: CheckSpec) -> Outcome:
    if not facts.queries:
        return Outcome("not_applicable", note="no queries found in code")
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Query runs once per loop iteration in {q.path} (N+1)",
                subject={"path": q.path, "line": q.line},
                evidence=[_ev(q, f"{q.source} query inside a loop or .map/.forEach callback")])
        for q in facts.queries if q.in_loop
    ])


@check("db.count-star")
def count_star(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _none_found(facts)) is not None:
        return na
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Exact COUNT(*) of all of {q.shape.tables[0]} on a request path",
                subject={"table": q.shape.tables[0]},
                evidence=[_ev(q, "counts every row of the table")])
        for q in _queries(facts, "select") if q.shape.count_star and not q.shape.filters and q.shape.tables
    ])
