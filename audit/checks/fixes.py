"""SQL for the fixes the checks suggest, with names quoted the way PostgreSQL needs them."""

from __future__ import annotations

import re

from audit.facts.schema import object_name

_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")


def ident(name: str) -> str:
    """`userId` -> `"userId"`; plain lower-case names stay bare."""
    return name if _PLAIN.match(name) else '"' + name.replace('"', '""') + '"'


def table_sql(table: str) -> str:
    schema, _, bare = table.partition(".")
    return f"{ident(schema)}.{ident(bare)}" if bare else ident(schema)


def column_sql(column: str) -> str:
    """A column name, or an expression (kept as written, in parentheses)."""
    return f"({column})" if "(" in column or " " in column else ident(column)


def create_index(table: str, columns: list[str], using: str = "", opclass: str = "") -> str:
    bare = table.partition(".")[2] or table
    words = [re.sub(r"\W+", "_", c).strip("_") for c in columns]
    name = object_name(bare, "_".join(words), "trgm" if opclass else "idx")
    cols = ", ".join(f"{column_sql(c)} {opclass}".strip() for c in columns)
    method = f" USING {using}" if using else ""
    return f"CREATE INDEX CONCURRENTLY {ident(name)} ON {table_sql(table)}{method} ({cols});"


def drop_index(table: str, index: str) -> str:
    return f"DROP INDEX CONCURRENTLY {ident(table.partition('.')[0])}.{ident(index)};"
