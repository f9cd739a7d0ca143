"""Database checks on the schema model."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.fixes import create_index, drop_index
from audit.facts import Facts
from audit.facts.schema import ForeignKey, Index
from audit.model import Evidence, Finding, Outcome

LOOKUP_METHODS = {"btree", "hash"}


def serves(index: Index, columns: list[str]) -> bool:
    """An index serves lookups on `columns` when its leading columns are exactly those (any order)."""
    if index.method not in LOOKUP_METHODS or (index.method == "hash" and len(columns) != 1):
        return False
    return set(index.columns[: len(columns)]) == set(columns)


def _fk_sql(fk: ForeignKey) -> str:
    ref = f"{fk.ref_table}({', '.join(fk.ref_columns)})" if fk.ref_columns else fk.ref_table
    return f"FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {ref}"


@check("db.unindexed-fk")
def unindexed_fk(facts: Facts, spec: CheckSpec) -> Outcome:
    schema = facts.schema
    if not facts.has_schema:
        return Outcome("not_applicable", note="no SQL migrations or schema file found")
    findings, seen = [], set()
    for fk in sorted(schema.foreign_keys, key=lambda f: (f.table, f.columns, f.path, f.line)):
        key = (fk.table, tuple(fk.columns))
        if key in seen:
            continue
        seen.add(key)
        on_table = schema.indexes_on(fk.table)
        if any(serves(i, fk.columns) for i in on_table):
            continue
        cols = ", ".join(fk.columns)
        near = ", ".join(f"{i.name}({', '.join(i.columns)})" for i in sorted(on_table, key=lambda i: i.name))
        findings.append(Finding(
            check=spec.id,
            title=f"{fk.table}({cols}) references {fk.ref_table} but no index starts with ({cols})",
            subject={"table": fk.table, "columns": list(fk.columns), "references": fk.ref_table},
            evidence=[Evidence(fk.path, fk.line, f"{_fk_sql(fk)}; indexes on {fk.table}: {near or 'none'}")],
            fix=create_index(fk.table, fk.columns),
        ))
    return Outcome.from_findings(findings)


def _no_schema() -> Outcome:
    return Outcome("not_applicable", note="no SQL migrations or schema file found")


@check("db.missing-pk")
def missing_pk(facts: Facts, spec: CheckSpec) -> Outcome:
    if not facts.has_schema:
        return _no_schema()
    findings = [
        Finding(check=spec.id, title=f"{t.name} has no primary key", subject={"table": t.name},
                evidence=[Evidence(t.path, t.line, f"CREATE TABLE {t.name} ({len(t.columns)} columns), no PRIMARY KEY")])
        for t in sorted(facts.schema.tables.values(), key=lambda t: t.name)
        if t.columns and not t.primary_key
    ]
    return Outcome.from_findings(findings)


def _same_shape(a: Index, b: Index) -> bool:
    return (a.table, a.method, a.where) == (b.table, b.method, b.where)


@check("db.duplicate-index")
def duplicate_index(facts: Facts, spec: CheckSpec) -> Outcome:
    if not facts.has_schema:
        return _no_schema()
    findings, by_table = [], {}
    for i in sorted(facts.schema.indexes.values(), key=lambda i: (i.table, i.implicit, i.name)):
        by_table.setdefault(i.table, []).append(i)  # identical indexes share a table: compare within it
    for indexes in by_table.values():
        for n, a in enumerate(indexes):
            twin = next((b for b in indexes[:n] if _same_shape(a, b) and a.columns == b.columns
                         and a.unique == b.unique), None)
            if twin is not None and not a.implicit:
                findings.append(_index_finding(spec, a, twin, "is identical to"))
    return Outcome.from_findings(findings)


@check("db.redundant-index")
def redundant_index(facts: Facts, spec: CheckSpec) -> Outcome:
    if not facts.has_schema:
        return _no_schema()
    findings = []
    for a in sorted(facts.schema.indexes.values(), key=lambda i: (i.table, i.name)):
        if a.unique or a.implicit or a.method != "btree":
            continue
        wider = [b for b in facts.schema.indexes_on(a.table)
                 if b is not a and _same_shape(a, b) and b.columns[: len(a.columns)] == a.columns
                 and (len(b.columns) > len(a.columns) or b.unique)]
        if wider:
            findings.append(_index_finding(spec, a, max(wider, key=lambda b: (len(b.columns), b.unique, b.name)),
                                           "is a prefix of"))
    return Outcome.from_findings(findings)


def _index_finding(spec: CheckSpec, a: Index, b: Index, relation: str) -> Finding:
    return Finding(
        check=spec.id,
        title=f"Index {a.name} on {a.table}({', '.join(a.columns)}) {relation} {b.name}",
        subject={"table": a.table, "index": a.name, "covered_by": b.name},
        evidence=[Evidence(a.path, a.line, f"{a.name} ({', '.join(a.columns)})"),
                  Evidence(b.path, b.line, f"{b.name} ({', '.join(b.columns)})")],
        fix=f"{drop_index(a.table, a.name)}  -- after checking pg_stat_user_indexes",
    )


@check("db.index-not-concurrent")
def index_not_concurrent(facts: Facts, spec: CheckSpec) -> Outcome:
    if not facts.has_schema:
        return _no_schema()
    findings = [
        Finding(check=spec.id, title=f"CREATE INDEX {i.name} on existing table {i.table} without CONCURRENTLY",
                subject={"table": i.table, "index": i.name},
                evidence=[Evidence(i.path, i.line, f"{i.table} was created by an earlier migration; this build "
                                                   "blocks writes to it until the index is built")])
        for i in sorted(facts.schema.indexes.values(), key=lambda i: (i.path, i.line))
        if i.on_existing_table and not i.concurrently and not i.implicit
    ]
    return Outcome.from_findings(findings)


@check("db.fk-not-valid")
def fk_not_valid(facts: Facts, spec: CheckSpec) -> Outcome:
    if not facts.has_schema:
        return _no_schema()
    findings = [
        Finding(check=spec.id, title=f"Foreign key added to existing table {f.table} is validated in the same step",
                subject={"table": f.table, "columns": list(f.columns), "references": f.ref_table},
                evidence=[Evidence(f.path, f.line, f"ALTER TABLE ... ADD {_fk_sql(f)} without NOT VALID")])
        for f in sorted(facts.schema.foreign_keys, key=lambda f: (f.path, f.line))
        if f.on_existing_table and f.origin == "add constraint" and not f.not_valid
    ]
    return Outcome.from_findings(findings)
