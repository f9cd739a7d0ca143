"""Row-level-security policies: CREATE POLICY read narrowly, since sqlglot keeps it as an opaque command."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEAD = re.compile(r'(?:CREATE|ALTER)\s+POLICY\s+("[^"]+"|[\w$]+)\s+ON\s+((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)\s*',
                   re.I | re.S)
_CLAUSE = re.compile(r"(AS\s+(PERMISSIVE|RESTRICTIVE)|FOR\s+(ALL|SELECT|INSERT|UPDATE|DELETE)|RENAME\s+TO\s+(\"[^\"]+\"|\w+)"
                     r"|TO\s+|USING\s*\(|WITH\s+CHECK\s*\()", re.I)
_AUTH_CALL = re.compile(r"\b(auth\.(?:uid|jwt|role|email)\s*\(\s*\)|current_setting\s*\()", re.I)


@dataclass
class Policy:
    name: str
    table: str
    path: str
    line: int
    command: str = "ALL"
    permissive: bool = True
    roles: list[str] = field(default_factory=lambda: ["public"])
    using: str = ""
    with_check: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "table": self.table, "command": self.command, "permissive": self.permissive,
                "roles": self.roles, "using": self.using, "with_check": self.with_check,
                "path": self.path, "line": self.line}


def balanced(text: str, start: int) -> tuple[str, int]:
    """The text inside the parenthesis opened just before `start`, and the index after its close."""
    depth, i, quote = 1, start, ""
    while i < len(text):
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[start:i].strip(), i + 1
        i += 1
    return text[start:].strip(), len(text)


def parse_policy(sql: str) -> tuple[str, str, dict] | None:
    """(name, table as written, clauses) of a CREATE or ALTER POLICY statement, or None."""
    m = _HEAD.match(sql)
    if not m:
        return None
    clauses: dict = {}
    i = m.end()
    while (c := _CLAUSE.search(sql, i)) is not None:
        word = c.group(1).upper()
        if word.startswith("AS"):
            clauses["permissive"] = c.group(2).upper() == "PERMISSIVE"
            i = c.end()
        elif word.startswith("RENAME"):
            clauses["rename"] = c.group(4).strip('"')
            i = c.end()
        elif word.startswith("FOR"):
            clauses["command"] = c.group(3).upper()
            i = c.end()
        elif word.startswith("TO"):
            stop = re.compile(r"\s(USING|WITH\s+CHECK)\s*\(", re.I).search(sql, c.end())
            end = stop.start() if stop else len(sql)
            clauses["roles"] = sorted(r.strip().strip('"').lower() for r in sql[c.end():end].split(",") if r.strip())
            i = end
        else:
            body, i = balanced(sql, c.end())
            clauses["using" if word.startswith("USING") else "with_check"] = " ".join(body.split())
    return m.group(1).strip('"'), m.group(2), clauses


def per_row_calls(expression: str) -> list[str]:
    """auth.uid()/auth.jwt()/current_setting() calls not wrapped in `(select ...)`: evaluated per row."""
    out = []
    for m in _AUTH_CALL.finditer(expression):
        before = expression[: m.start()].rstrip()
        if not re.search(r"\(\s*select\s*$", before, re.I):
            out.append(re.sub(r"\s+", "", m.group(1)).rstrip("(") + ("" if m.group(1).endswith(")") else "(...)"))
    return out
