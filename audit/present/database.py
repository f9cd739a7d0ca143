"""The database facts as data: the schema model, the queries found in the code, and how well
the schema's indexes cover what those queries filter and sort on."""

from __future__ import annotations

from collections import Counter
from typing import Any, Mapping

import pandas as pd

from audit.present.format import fmt_number, fmt_pct, location, severity_rank, shorten
from audit.present.load import dicts, findings_of, get

#: what each query ``source`` is (docs/contract.md, facts.queries); unknown sources print as they are
QUERY_SOURCES: dict[str, str] = {
    "sql-file": "statements in .sql files outside the migrations",
    "python": "SQL strings in Python",
    "js": "SQL strings in JavaScript / TypeScript",
    "supabase-js": "supabase-js query-builder chains",
    "supabase-rpc": "supabase-js rpc() calls (the function's SQL is not read)",
    "sqlalchemy": "SQLAlchemy query expressions",
    "django": "Django ORM querysets",
}
#: the check whose findings name the queries no index serves
UNINDEXED_FILTER = "db.unindexed-filter"


# --------------------------------------------------------------------------- schema


def schema_summary(doc: Mapping) -> dict:
    schema = get(doc, "facts", "schema", default={})
    tables = dicts(schema.get("tables"))
    indexes = dicts(schema.get("indexes"))
    statements = schema.get("statements") or {}
    total = int(statements.get("total") or 0)
    understood = int(statements.get("modelled") or 0) + int(statements.get("ignored") or 0)
    return {
        "migrations": len(schema.get("migrations") or []),
        "not_applied": len(dicts(schema.get("not_applied"))),
        "tables": len(tables),
        "columns": sum(len(t.get("columns") or []) for t in tables),
        "tables_without_primary_key": sum(1 for t in tables if not t.get("primary_key")),
        "indexes": len(indexes),
        "implicit_indexes": sum(1 for i in indexes if i.get("implicit")),
        "foreign_keys": len(dicts(schema.get("foreign_keys"))),
        "statements": {k: int(statements.get(k) or 0) for k in ("total", "modelled", "ignored", "unparsed")},
        "understood_pct": (100.0 * understood / total) if total else None,
    }


def schema_frame(doc: Mapping) -> pd.DataFrame:
    """The schema summary as a two-column table."""
    s = schema_summary(doc)
    st = s["statements"]
    migrations = fmt_number(s["migrations"])
    if s["not_applied"]:
        migrations += f" ({fmt_number(s['not_applied'])} more left out of the history: see what could not be read)"
    rows = [
        ("Migration files", migrations),
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
    schema = get(doc, "facts", "schema", default={})
    idx_count: dict[Any, int] = {}
    for i in dicts(schema.get("indexes")):
        idx_count[i.get("table")] = idx_count.get(i.get("table"), 0) + 1
    fk_count: dict[Any, int] = {}
    for fk in dicts(schema.get("foreign_keys")):
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
        for t in dicts(schema.get("tables"))
    ]
    return pd.DataFrame(rows, columns=["Table", "Columns", "Primary key", "Indexes", "Foreign keys", "Defined at"])


# --------------------------------------------------------------------------- queries


def queries_of(doc: Mapping) -> list[dict]:
    return dicts(get(doc, "facts", "queries", "items"))


def _where(item: Mapping) -> tuple[Any, Any]:
    return item.get("path"), item.get("line")


def findings_by_query(doc: Mapping) -> dict[tuple[Any, Any], list[dict]]:
    """The findings that cite each query's ``path:line`` in their evidence, by location."""
    wanted = {_where(q) for q in queries_of(doc)}
    out: dict[tuple[Any, Any], list[dict]] = {}
    for f in findings_of(doc):
        for where in dict.fromkeys(_where(e) for e in dicts(f.get("evidence"))):
            if where in wanted:
                out.setdefault(where, []).append(f)
    return out


def queries_frame(doc: Mapping) -> pd.DataFrame:
    """Per source (``facts.queries.by_source``): how many queries, how many sqlglot could not read,
    and how many are cited by a finding."""
    items = queries_of(doc)
    by_source = get(doc, "facts", "queries", "by_source")
    if isinstance(by_source, Mapping) and by_source:
        counts = {str(k): int(v or 0) for k, v in by_source.items()}
    else:  # counted from the items when the document has no by_source
        counts = dict(Counter(str(q.get("source", "")) for q in items))
    cited = findings_by_query(doc)
    rows = [
        {
            "Source": source,
            "What it is": QUERY_SOURCES.get(source, ""),
            "Queries": n,
            "Not parsed": sum(1 for q in items if q.get("source") == source and q.get("error")),
            "With findings": sum(1 for q in items if q.get("source") == source and _where(q) in cited),
        }
        for source, n in sorted(counts.items())
    ]
    return pd.DataFrame(rows, columns=["Source", "What it is", "Queries", "Not parsed", "With findings"])


def queries_summary(doc: Mapping) -> dict:
    """``{"total", "unparsed", "with_findings", "present"}``; ``present`` is False when the document has no query facts."""
    queries = get(doc, "facts", "queries")
    frame = queries_frame(doc)
    unparsed = get(doc, "facts", "queries", "unparsed")
    return {
        "present": isinstance(queries, Mapping),
        "total": int(frame["Queries"].sum()),
        "unparsed": int(unparsed) if isinstance(unparsed, (int, float)) else int(frame["Not parsed"].sum()),
        "with_findings": int(frame["With findings"].sum()),
    }


def _filtered_tables(shape: Any) -> list[str]:
    """The tables a query's WHERE filters or ORDER BY sorts on, in first-seen order."""
    if not isinstance(shape, Mapping):
        return []
    terms = dicts(shape.get("filters")) + dicts(shape.get("order_by"))
    return list(dict.fromkeys(str(t["table"]) for t in terms if t.get("table")))


def index_coverage_frame(doc: Mapping) -> pd.DataFrame:
    """Per table that queries filter or sort on: how many of those queries an index serves.

    The rule, kept simple: a query counts once for every table it filters (WHERE) or sorts
    (ORDER BY) on. It is *not served* on a table when a ``db.unindexed-filter`` finding about
    that table cites the query's ``path:line``; otherwise it counts as served. Most unserved
    first, then most queries, then by name.
    """
    unserved: set[tuple[str, Any, Any]] = set()
    for f in findings_of(doc):
        table = get(f, "subject", "table")
        if f.get("check") == UNINDEXED_FILTER and table:
            unserved |= {(str(table), *_where(e)) for e in dicts(f.get("evidence"))}
    counts: dict[str, list[int]] = {}
    for q in queries_of(doc):
        for table in _filtered_tables(q.get("shape")):
            counts.setdefault(table, [0, 0])[1 if (table, *_where(q)) in unserved else 0] += 1
    rows = [
        {"Table": t, "Queries": s + n, "Served": s, "Not served": n}
        for t, (s, n) in sorted(counts.items(), key=lambda kv: (-kv[1][1], -sum(kv[1]), kv[0]))
    ]
    return pd.DataFrame(rows, columns=["Table", "Queries", "Served", "Not served"])


def query_findings_frame(doc: Mapping, sql_chars: int = 150) -> pd.DataFrame:
    """One row per query that findings cite: where it is, its SQL (shortened), the checks it fails.

    Sorted by the most severe finding, then by location. ``Checks`` holds one
    ``severity check`` per line, most severe first.
    """
    cited = findings_by_query(doc)
    rows = []
    for q in queries_of(doc):
        found = cited.get(_where(q))
        if not found:
            continue
        checks = sorted({(severity_rank(f.get("severity")), f.get("severity", ""), f.get("check", "")) for f in found})
        rows.append(
            {
                "Location": location(q.get("path"), q.get("line")),
                "Query": shorten(q.get("sql"), sql_chars),
                "Checks": "\n".join(f"{sev} {check}" for _, sev, check in checks),
                "_rank": checks[0][0],
                "_where": (str(q.get("path") or ""), int(q.get("line") or 0)),
            }
        )
    cols = ["Location", "Query", "Checks"]
    if not rows:
        return pd.DataFrame(columns=cols)
    rows.sort(key=lambda r: (r["_rank"], r["_where"]))
    return pd.DataFrame(rows)[cols]


# --------------------------------------------------------------------------- the deep dive's full lists


def indexes_frame(doc: Mapping) -> pd.DataFrame:
    """Every index of the schema model: table, columns, method, unique / partial, how it was created."""
    cols = ["Index", "Table", "Key columns", "Method", "Kind", "Defined at"]
    rows = []
    for i in dicts(get(doc, "facts", "schema", "indexes")):
        kind = [k for k, on in (("unique", i.get("unique")), ("partial", i.get("partial")), ("from a constraint", i.get("implicit")),
                                ("concurrently", i.get("concurrently"))) if on]
        if i.get("partial") and i.get("where"):
            kind.append(f"where {i['where']}")
        rows.append(
            {
                "Index": i.get("name", ""),
                "Table": i.get("table", ""),
                "Key columns": ", ".join(str(c) for c in i.get("columns") or []),
                "Method": i.get("method") or "",
                "Kind": "; ".join(kind),
                "Defined at": location(i.get("path"), i.get("line")),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def foreign_keys_frame(doc: Mapping) -> pd.DataFrame:
    """Every foreign key of the schema model, and whether the db.unindexed-fk check found it without an index."""
    cols = ["Table", "Key columns", "References", "Indexed", "Defined at"]
    unindexed = {
        (get(f, "subject", "table"), tuple(get(f, "subject", "columns") or ()))
        for f in findings_of(doc)
        if f.get("check") == "db.unindexed-fk"
    }
    rows = []
    for fk in dicts(get(doc, "facts", "schema", "foreign_keys")):
        ref = fk.get("references") if isinstance(fk.get("references"), Mapping) else {}
        columns = tuple(fk.get("columns") or ())
        rows.append(
            {
                "Table": fk.get("table", ""),
                "Key columns": ", ".join(columns),
                "References": f"{ref.get('table', '')}({', '.join(ref.get('columns') or [])})",
                "Indexed": "no (db.unindexed-fk)" if (fk.get("table"), columns) in unindexed else "yes",
                "Defined at": location(fk.get("path"), fk.get("line")),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def policies_frame(doc: Mapping) -> pd.DataFrame:
    """Row-level-security policies: table, command, roles, the USING / WITH CHECK expressions."""
    cols = ["Table", "Policy", "Command", "Roles", "Using / with check", "Defined at"]
    rows = [
        {
            "Table": p.get("table", ""),
            "Policy": p.get("name", ""),
            "Command": p.get("command") or "ALL",
            "Roles": ", ".join(p.get("roles") or []),
            "Using / with check": "\n".join(x for x in (f"using {p['using']}" if p.get("using") else "",
                                                        f"with check {p['with_check']}" if p.get("with_check") else "") if x),
            "Defined at": location(p.get("path"), p.get("line")),
        }
        for p in dicts(get(doc, "facts", "schema", "policies"))
    ]
    return pd.DataFrame(rows, columns=cols)


def all_queries_frame(doc: Mapping, sql_chars: int = 200) -> pd.DataFrame:
    """Every query found in the code: where, its source, the tables it reads, its SQL, and flags."""
    cols = ["Location", "Source", "Tables", "Query", "Notes"]
    rows = []
    for q in queries_of(doc):
        shape = q.get("shape") if isinstance(q.get("shape"), Mapping) else {}
        notes = [n for n, on in (("in a loop", q.get("in_loop")), ("SELECT *", shape.get("select_star")),
                                 ("OFFSET", shape.get("offset"))) if on]
        if q.get("error"):
            notes.append(f"not parsed: {q['error']}")
        rows.append(
            {
                "Location": location(q.get("path"), q.get("line")),
                "Source": q.get("source", ""),
                "Tables": ", ".join(shape.get("tables") or []),
                "Query": shorten(q.get("sql"), sql_chars),
                "Notes": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows, columns=cols)
