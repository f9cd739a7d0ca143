"""Declarations read from ORM sources, written out as the PostgreSQL DDL the ORM would run.

Every reader (Alembic, SQLAlchemy, Django, Prisma, knex, Kysely, TypeORM) turns what it reads into
these specs; `emit_*` spells them as SQL and folds them through the schema model's SQL path, so
default names, renames, drops and line numbers behave exactly as for .sql migrations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.facts.schema import SchemaBuilder

_SAFE_TYPE = re.compile(r"^[a-z][a-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def q(name: str) -> str:
    """A quoted identifier: ORMs quote names, so their case is kept."""
    return '"' + name.replace('"', '""') + '"'


def qt(table: str, schema: str | None = None) -> str:
    return f"{q(schema)}.{q(table)}" if schema else q(table)


def sql_type(t: str | None) -> str:
    """A column type as SQL sqlglot reads; unknown spellings are kept as quoted type names."""
    t = (t or "text").strip()
    low = t.lower()
    if _SAFE_TYPE.match(low):
        return low
    return q(t)


def index_column(col: str) -> str:
    """A column name quoted, `-name` as descending, anything else (an expression) verbatim."""
    desc = col.startswith("-")
    name = col[1:] if desc else col
    if _IDENT.match(name) or (name and not any(ch in name for ch in "() ,'\"")):
        return q(name) + (" DESC" if desc else "")
    return col


def snake(name: str) -> str:
    """CamelCase -> camel_case (the default table naming of several ORMs)."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


@dataclass
class Ref:
    table: str
    columns: list[str] = field(default_factory=list)  # empty: the referenced table's primary key
    schema: str | None = None
    name: str = ""
    not_valid: bool = False


@dataclass
class Col:
    name: str
    type: str = "text"
    line: int = 0
    primary: bool = False
    unique: bool = False
    ref: Ref | None = None
    path: str = ""  # where it is declared when not in the table's own file (a mixin, a base class)


@dataclass
class Ix:
    columns: list[str]
    name: str = ""
    unique: bool = False
    method: str = ""
    where: str = ""
    line: int = 0
    concurrently: bool = False
    constraint: bool = False  # a UNIQUE constraint rather than an index


@dataclass
class Fk:
    columns: list[str]
    ref: Ref
    line: int = 0


@dataclass
class TableSpec:
    name: str
    path: str
    line: int
    schema: str | None = None
    columns: list[Col] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    pk_name: str = ""
    uniques: list[Ix] = field(default_factory=list)   # constraints inside CREATE TABLE
    fks: list[Fk] = field(default_factory=list)       # constraints inside CREATE TABLE
    indexes: list[Ix] = field(default_factory=list)   # CREATE INDEX after the table
    later_fks: list[Fk] = field(default_factory=list)  # ALTER TABLE ADD CONSTRAINT after every table
    if_not_exists: bool = False

    def column(self, name: str) -> Col | None:
        return next((c for c in self.columns if c.name == name), None)


def placed(start: int, parts: list[tuple[int, str]], sep: str = ", ") -> str:
    """Join fragments so each starts on its own source line (line numbers survive the SQL path)."""
    out, cur = [], start
    for n, (line, text) in enumerate(parts):
        if line and line > cur:
            out.append("\n" * (line - cur))
            cur = line
        out.append(text + (sep if n < len(parts) - 1 else ""))
    return "".join(out)


def ref_sql(ref: Ref) -> str:
    cols = f" ({', '.join(q(c) for c in ref.columns)})" if ref.columns else ""
    return f"REFERENCES {qt(ref.table, ref.schema)}{cols}"


def column_sql(col: Col, inline_pk: bool) -> str:
    parts = [q(col.name), sql_type(col.type)]
    if inline_pk:
        parts.append("PRIMARY KEY")
    if col.unique:
        parts.append("UNIQUE")
    if col.ref is not None:
        parts.append((f"CONSTRAINT {q(col.ref.name)} " if col.ref.name else "") + ref_sql(col.ref))
    return " ".join(parts)


def create_table_sql(t: TableSpec) -> str:
    pk = t.primary_key or [c.name for c in t.columns if c.primary]
    inline = len(pk) == 1 and not t.pk_name and t.column(pk[0]) is not None
    parts = [(0 if c.path else c.line, column_sql(c, inline and c.name == pk[0])) for c in t.columns]
    if pk and not inline:
        name = f"CONSTRAINT {q(t.pk_name)} " if t.pk_name else ""
        parts.append((0, f"{name}PRIMARY KEY ({', '.join(q(c) for c in pk)})"))
    for u in t.uniques:
        name = f"CONSTRAINT {q(u.name)} " if u.name else ""
        parts.append((u.line, f"{name}UNIQUE ({', '.join(q(c) for c in u.columns)})"))
    for f in t.fks:
        name = f"CONSTRAINT {q(f.ref.name)} " if f.ref.name else ""
        parts.append((f.line, f"{name}FOREIGN KEY ({', '.join(q(c) for c in f.columns)}) {ref_sql(f.ref)}"))
    head = f"CREATE TABLE {'IF NOT EXISTS ' if t.if_not_exists else ''}{qt(t.name, t.schema)} ("
    return head + placed(t.line, parts) + ")"


def create_index_sql(table: str, schema: str | None, ix: Ix) -> str:
    if ix.constraint:
        name = f"CONSTRAINT {q(ix.name)} " if ix.name else ""
        return f"ALTER TABLE {qt(table, schema)} ADD {name}UNIQUE ({', '.join(q(c) for c in ix.columns)})"
    using = f" USING {ix.method}" if ix.method and ix.method != "btree" else ""
    where = f" WHERE {ix.where}" if ix.where else ""
    return (f"CREATE {'UNIQUE ' if ix.unique else ''}INDEX {'CONCURRENTLY ' if ix.concurrently else ''}"
            f"{q(ix.name) + ' ' if ix.name else ''}ON {qt(table, schema)}{using} "
            f"({', '.join(index_column(c) for c in ix.columns)}){where}")


def add_fk_sql(table: str, schema: str | None, fk: Fk) -> str:
    name = f"CONSTRAINT {q(fk.ref.name)} " if fk.ref.name else ""
    return (f"ALTER TABLE {qt(table, schema)} ADD {name}FOREIGN KEY ({', '.join(q(c) for c in fk.columns)}) "
            f"{ref_sql(fk.ref)}{' NOT VALID' if fk.ref.not_valid else ''}")


def emit_table(b: SchemaBuilder, t: TableSpec) -> None:
    """CREATE TABLE, then its indexes (ALTER TABLE ... ADD FOREIGN KEY is left to `emit_later_fks`)."""
    b.apply(t.path, t.line, create_table_sql(t))
    where = {c.name: (c.path or t.path, c.line) for c in t.columns if c.line}
    name = f"{t.schema or 'public'}.{t.name}"
    for fk in b.model.foreign_keys:  # a column's line as written, even when columns are not in line order
        if fk.table == name and fk.path == t.path and len(fk.columns) == 1 and fk.columns[0] in where:
            fk.path, fk.line = where[fk.columns[0]]
    for ix in t.indexes:
        b.apply(t.path, ix.line or t.line, create_index_sql(t.name, t.schema, ix))


def emit_later_fks(b: SchemaBuilder, t: TableSpec) -> None:
    for fk in t.later_fks:
        b.apply(t.path, fk.line or t.line, add_fk_sql(t.name, t.schema, fk))


def select_list(columns: list[str]) -> str:
    """The columns an ORM loads for an entity, kept short for evidence: the first, then a count."""
    if not columns:
        return "*"
    if len(columns) <= 2:
        return ", ".join(columns)
    return f"{columns[0]} /* +{len(columns) - 1} more mapped columns */"
