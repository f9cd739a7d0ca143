"""Row-level-security checks on the policies found in the migrations (Supabase style)."""

from __future__ import annotations

import re

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.fixes import create_index
from audit.checks.database import serves
from audit.facts import Facts
from audit.facts.policy import per_row_calls
from audit.model import Evidence, Finding, Outcome

_COMPARED = re.compile(
    r"(?:\b(\w+)\s*=\s*\(?\s*(?:select\s+)?auth\.uid\(\)|auth\.uid\(\)\s*\)?\s*=\s*(\w+)\b)", re.I)


def _no_policies(facts: Facts) -> Outcome | None:
    if not facts.schema.policies:
        return Outcome("not_applicable", note="no row-level-security policies in the migrations")
    return None


@check("db.rls-initplan")
def rls_initplan(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _no_policies(facts)) is not None:
        return na
    findings = []
    for p in sorted(facts.schema.policies, key=lambda p: (p.path, p.line)):
        calls = per_row_calls(p.using) + per_row_calls(p.with_check)
        if calls:
            expr = p.using or p.with_check
            findings.append(Finding(
                check=spec.id, title=f"Policy \"{p.name}\" on {p.table} calls {calls[0]} once per row",
                subject={"table": p.table, "policy": p.name},
                evidence=[Evidence(p.path, p.line, f"USING/WITH CHECK ({expr[:160]})")],
                fix=f"Wrap the call so it runs once per statement: ({'select ' + calls[0]}) "
                    "instead of " + calls[0] + ".",
            ))
    return Outcome.from_findings(findings)


@check("db.multiple-permissive-policies")
def multiple_permissive(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _no_policies(facts)) is not None:
        return na
    groups: dict[tuple, list] = {}
    for p in facts.schema.policies:
        if not p.permissive:
            continue
        commands = ("SELECT", "INSERT", "UPDATE", "DELETE") if p.command == "ALL" else (p.command,)
        for cmd in commands:
            for role in p.roles:
                groups.setdefault((p.table, cmd, role), []).append(p)
    findings = []
    for (table, cmd, role), ps in sorted(groups.items()):
        if len(ps) > 1:
            ps = sorted(ps, key=lambda p: (p.path, p.line))
            findings.append(Finding(
                check=spec.id, title=f"{len(ps)} permissive policies for {cmd} by {role} on {table}",
                subject={"table": table, "command": cmd, "role": role},
                evidence=[Evidence(p.path, p.line, f"policy \"{p.name}\" ({p.command})") for p in ps],
            ))
    return Outcome.from_findings(findings)


@check("db.rls-unindexed-column")
def rls_unindexed_column(facts: Facts, spec: CheckSpec) -> Outcome:
    if (na := _no_policies(facts)) is not None:
        return na
    findings, seen = [], set()
    for p in sorted(facts.schema.policies, key=lambda p: (p.path, p.line)):
        table = facts.schema.tables.get(p.table)
        for m in _COMPARED.finditer(p.using):  # WITH CHECK only tests new rows: it filters nothing
            col = (m.group(1) or m.group(2)).lower()
            if table is None or col not in table.column_names() or (p.table, col) in seen:
                continue
            seen.add((p.table, col))
            if not any(serves(i, [col]) for i in facts.schema.indexes_on(p.table)):
                findings.append(Finding(
                    check=spec.id, title=f"Policy \"{p.name}\" filters {p.table}.{col} which no index serves",
                    subject={"table": p.table, "columns": [col], "policy": p.name},
                    evidence=[Evidence(p.path, p.line, f"{col} compared with auth.uid() in the policy")],
                    fix=create_index(p.table, [col]),
                ))
    return Outcome.from_findings(findings)
