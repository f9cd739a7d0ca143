"""Checks on where the schema came from: none found, or ORM models that the migrations disagree with."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.fixes import create_index
from audit.facts import Facts
from audit.model import Evidence, Finding, Outcome


@check("db.schema-not-found")
def schema_not_found(facts: Facts, spec: CheckSpec) -> Outcome:
    """Undecided (coverage lost, no points) when the code uses a database whose schema could not be read."""
    schema = facts.schema
    if facts.has_schema:
        return Outcome("not_applicable", note=f"schema read from {schema.source} ({len(schema.migrations)} files)")
    if not facts.queries and not facts.pools:
        return Outcome("not_applicable", note="no database use found in code")
    searched = "; ".join(schema.searched) or "SQL migrations and schema files"
    return Outcome("undecided", note=f"schema not found: searched {searched}")


@check("db.model-index-not-migrated")
def model_index_not_migrated(facts: Facts, spec: CheckSpec) -> Outcome:
    schema = facts.schema
    if not schema.compared_with:
        return Outcome("not_applicable", note="no ORM models to compare with the migrations")
    findings = []
    for d in schema.model_drift:
        cols = ", ".join(d["columns"])
        what = "unique index" if d["kind"] == "unique" else "index"
        findings.append(Finding(
            check=spec.id,
            title=f"{d['table']}({cols}): the model declares {'an' if what == 'index' else 'a'} {what} no migration creates",
            subject={"table": d["table"], "columns": list(d["columns"])},
            evidence=[Evidence(d["path"], d["line"], d["detail"])],
            fix=create_index(d["table"], [c.lstrip("-") for c in d["columns"]]).replace(
                "CREATE INDEX", "CREATE UNIQUE INDEX" if d["kind"] == "unique" else "CREATE INDEX"),
        ))
    return Outcome.from_findings(findings)
