"""Database checks on the schema model."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
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
        name = f"{fk.table.split('.')[1]}_{'_'.join(fk.columns)}_idx"
        findings.append(Finding(
            check=spec.id,
            title=f"{fk.table}({cols}) references {fk.ref_table} but no index starts with ({cols})",
            subject={"table": fk.table, "columns": list(fk.columns), "references": fk.ref_table},
            evidence=[Evidence(fk.path, fk.line, f"{_fk_sql(fk)}; indexes on {fk.table}: {near or 'none'}")],
            fix=f"CREATE INDEX CONCURRENTLY {name} ON {fk.table} ({cols});",
        ))
    return Outcome.from_findings(findings)
