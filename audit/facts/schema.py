"""The schema model: tables, keys and indexes folded from the migration history with sqlglot."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from audit.facts.policy import Policy, parse_policy
from audit.facts.sqltext import split_statements

logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

IGNORED_STATEMENTS = (exp.Insert, exp.Update, exp.Delete, exp.Select, exp.Grant, exp.Revoke,
                      exp.Comment, exp.Transaction, exp.Commit, exp.Rollback, exp.Analyze, exp.Union)
IGNORED_CREATE_KINDS = {"VIEW", "SCHEMA", "TYPE", "SEQUENCE", "TRIGGER", "FUNCTION", "PROCEDURE",
                        "EXTENSION", "ROLE", "DATABASE"}


@dataclass
class Column:
    name: str
    type: str


@dataclass
class Table:
    name: str
    path: str
    line: int
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    rls_enabled: bool = False
    stub: bool = False

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class Index:
    name: str
    table: str
    columns: list[str]
    path: str
    line: int
    method: str = "btree"
    unique: bool = False
    partial: bool = False
    implicit: bool = False
    concurrently: bool = False
    on_existing_table: bool = False
    where: str = ""


@dataclass
class ForeignKey:
    table: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    path: str
    line: int
    name: str = ""
    not_valid: bool = False
    on_existing_table: bool = False
    origin: str = "create table"


@dataclass
class Unparsed:
    path: str
    line: int
    reason: str


@dataclass
class SchemaModel:
    """The folded schema plus what could not be read; the extractor never judges.

    `indexes` is changed only through `set_index`, `drop_index`, `drop_indexes_on` and `move_indexes`,
    which keep the per-table lookup `indexes_on` reads in step (in the order of `indexes`)."""

    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    publications: dict[str, list[str]] = field(default_factory=dict)
    role_settings: dict[str, str] = field(default_factory=dict)
    not_applied: list[dict] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    unparsed: list[Unparsed] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"total": 0, "modelled": 0, "ignored": 0, "unparsed": 0})
    source: str = "sql"  # where the model comes from: sql, alembic, prisma-schema, ... or none
    searched: list[str] = field(default_factory=list)  # when nothing was found: what was looked for
    model_drift: list[dict] = field(default_factory=list)  # declared in ORM models, created by no migration
    compared_with: str = ""  # the ORM models the migrations were compared with ("" when none)
    _by_table: dict[str, dict[str, Index]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for key, index in self.indexes.items():
            self._by_table.setdefault(index.table, {})[key] = index

    def indexes_on(self, table: str) -> list[Index]:
        return list(self._by_table.get(table, {}).values())

    def set_index(self, key: str, index: Index) -> None:
        """Add the index at `key`, or replace the one there (which keeps its place, as in a dict)."""
        old = self.indexes.get(key)
        self.indexes[key] = index
        if old is not None and old.table != index.table:
            del self._by_table[old.table][key]
            self._rebucket(index.table)
        else:
            self._by_table.setdefault(index.table, {})[key] = index

    def drop_index(self, key: str) -> Index | None:
        index = self.indexes.pop(key, None)
        if index is not None:
            del self._by_table[index.table][key]
        return index

    def drop_indexes_on(self, table: str, which: Callable[[Index], bool] = lambda i: True) -> None:
        """Drop the indexes of `table` for which `which` holds (all of them by default)."""
        bucket = self._by_table.get(table, {})
        for key in [k for k, i in bucket.items() if which(i)]:
            del bucket[key], self.indexes[key]

    def move_indexes(self, old: str, new: str) -> None:
        """The indexes of table `old` belong to table `new` now (a renamed table)."""
        for index in self._by_table.pop(old, {}).values():
            index.table = new
        self._rebucket(new)

    def _rebucket(self, table: str) -> None:
        self._by_table[table] = {k: i for k, i in self.indexes.items() if i.table == table}

    def to_dict(self) -> dict:
        return {
            "tables": [
                {"name": t.name, "columns": [{"name": c.name, "type": c.type} for c in t.columns],
                 "primary_key": t.primary_key, "rls_enabled": t.rls_enabled, "path": t.path, "line": t.line}
                for t in sorted(self.tables.values(), key=lambda t: t.name)
            ],
            "indexes": [
                {"name": i.name, "table": i.table, "columns": i.columns, "method": i.method, "unique": i.unique,
                 "partial": i.partial, "implicit": i.implicit, "concurrently": i.concurrently,
                 "on_existing_table": i.on_existing_table, "where": i.where, "path": i.path, "line": i.line}
                for i in sorted(self.indexes.values(), key=lambda i: (i.table, i.name))
            ],
            "foreign_keys": [
                {"table": f.table, "columns": f.columns, "references": {"table": f.ref_table, "columns": f.ref_columns},
                 "name": f.name, "not_valid": f.not_valid, "on_existing_table": f.on_existing_table,
                 "origin": f.origin, "path": f.path, "line": f.line}
                for f in sorted(self.foreign_keys, key=lambda f: (f.table, f.columns, f.path, f.line))
            ],
            "policies": [p.to_dict() for p in sorted(self.policies, key=lambda p: (p.table, p.name))],
            "publications": {k: sorted(v) for k, v in sorted(self.publications.items())},
            "role_settings": dict(sorted(self.role_settings.items())),
            "statements": dict(self.counts),
            "unparsed": [{"path": u.path, "line": u.line, "reason": u.reason} for u in self.unparsed],
            "migrations": list(self.migrations),
            "not_applied": list(self.not_applied),
            "source": self.source,
            "searched": list(self.searched),
            "model_drift": list(self.model_drift),
            "compared_with": self.compared_with,
        }


def _ident(node) -> str:
    """An identifier as PostgreSQL stores it: folded to lower case unless it was quoted."""
    if node is None:
        return ""
    if isinstance(node, exp.Identifier):  # PostgreSQL keeps the first 63 bytes of a name
        return (node.this if node.quoted else node.this.lower())[:63]
    if isinstance(node, (exp.Column, exp.Table)):
        return _ident(node.this)
    return node.name.lower()


def fold(part: str) -> str:
    """A written name part (`"userId"` or `UserId`) as PostgreSQL stores it."""
    part = part.strip()
    return (part[1:-1] if len(part) > 1 and part[0] == part[-1] == '"' else part.lower())[:63]


def object_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's default name for an index or constraint (makeObjectName): fits in 63 bytes."""
    avail = 63 - len(label) - 1 - (1 if name2 else 0)
    n1, n2 = len(name1), len(name2)
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    return "_".join(p for p in (name1[:n1], name2[:n2], label) if p)


def _mentions(index_column: str, column: str) -> bool:
    """Whether an index column (a name or an expression's SQL) uses `column`."""
    return index_column == column or re.search(rf'(?<![\w"]){re.escape(column)}(?![\w"])', index_column) is not None


def _bare(table: str) -> str:
    return table.split(".", 1)[1]


class _Folder:
    """Applies statements to a SchemaModel in order, tracking the search_path."""

    def __init__(self) -> None:
        self.model = SchemaModel()
        self.schema = "public"
        self.path = ""
        self.line = 0
        self.not_valid = False
        self.origin = "create table"
        self.owners: set[str] = set()  # tables that have (or had) foreign keys or policies

    # -- names -------------------------------------------------------------------------
    def qualify(self, table: exp.Table | None) -> str:
        if table is None:
            return ""
        db = _ident(table.args.get("db")) or self.schema
        return f"{db}.{_ident(table.this)}"

    def qualify_name(self, name: str) -> str:
        parts = [fold(p) for p in re.findall(r'"[^"]+"|[^.]+', name.strip())]
        return ".".join(parts[-2:]) if len(parts) > 1 else f"{self.schema}.{parts[0]}"

    def at(self, node: exp.Expression | None) -> int:
        """The file line of `node` inside the current statement (sqlglot keeps identifier lines)."""
        ident = node if isinstance(node, exp.Identifier) else node.find(exp.Identifier) if node else None
        inner = ident.meta.get("line") if ident is not None else None
        return self.line + inner - 1 if inner else self.line

    def existing(self, table: str) -> bool:
        """Whether `table` was created by an earlier migration file (so it may hold data by now)."""
        t = self.model.tables.get(table)
        return t is not None and t.path != self.path

    def index_key(self, table: str, name: str) -> str:
        return f"{table.split('.')[0]}.{name}"

    # -- entry point -------------------------------------------------------------------
    def apply(self, path: str, line: int, sql: str) -> None:
        self.path, self.line, self.not_valid, self.origin = path, line, False, "create table"
        counts = self.model.counts
        counts["total"] += 1
        try:
            stmt = sqlglot.parse_one(sql, read="postgres")
        except SqlglotError as exc:
            if self.fallback(sql):
                counts["modelled"] += 1
                return
            self.unparsed(f"sqlglot could not parse it: {str(exc).splitlines()[0][:160]}")
            return
        except (RecursionError, ValueError) as exc:
            self.unparsed(f"sqlglot failed: {type(exc).__name__}")
            return
        outcome = self.statement(stmt, sql)
        if outcome == "unparsed":
            self.unparsed(f"opaque to sqlglot: {' '.join(sql.split()[:3])}")
        else:
            counts[outcome] += 1

    def unparsed(self, reason: str) -> None:
        self.model.counts["unparsed"] += 1
        self.model.unparsed.append(Unparsed(self.path, self.line, reason))

    def statement(self, stmt: exp.Expression, sql: str) -> str:
        if isinstance(stmt, exp.Command):
            return "modelled" if self.fallback(sql) else "unparsed"
        if isinstance(stmt, exp.Create):
            return self.create(stmt)
        if isinstance(stmt, exp.Alter):
            return self.alter(stmt)
        if isinstance(stmt, exp.Drop):
            return self.drop(stmt)
        if isinstance(stmt, IGNORED_STATEMENTS) or isinstance(stmt, exp.Set):
            return "ignored"
        return "unparsed"

    # -- CREATE ------------------------------------------------------------------------
    def create(self, stmt: exp.Create) -> str:
        kind = (stmt.args.get("kind") or "").upper()
        if kind == "TABLE":
            return self.create_table(stmt)
        if kind == "INDEX":
            return self.create_index(stmt)
        if kind in IGNORED_CREATE_KINDS:
            return "ignored"
        return "unparsed"

    def create_table(self, stmt: exp.Create) -> str:
        target = stmt.this
        table_node = target.this if isinstance(target, exp.Schema) else target
        name = self.qualify(table_node)
        known = self.model.tables.get(name)
        if known is not None and stmt.args.get("exists") and not known.stub:
            return "ignored"
        self.drop_table(name)
        table = Table(name, self.path, self.line)
        self.model.tables[name] = table
        if isinstance(target, exp.Schema):
            for item in target.expressions:
                self.table_element(table, item)
        return "modelled"

    def table_element(self, table: Table, item: exp.Expression) -> None:
        if isinstance(item, exp.ColumnDef):
            self.add_column(table, item)
        elif isinstance(item, exp.Constraint):
            for inner in item.expressions:
                self.constraint(table, inner, _ident(item.this))
        else:
            self.constraint(table, item, "")

    def add_column(self, table: Table, col: exp.ColumnDef) -> None:
        name = _ident(col.this)
        kind = col.args.get("kind")
        table.columns = [c for c in table.columns if c.name != name]
        table.columns.append(Column(name, kind.sql(dialect="postgres").lower() if kind else ""))
        for cons in col.args.get("constraints") or []:
            k = cons.args.get("kind")
            if isinstance(k, exp.PrimaryKeyColumnConstraint):
                self.set_primary_key(table, [name])
            elif isinstance(k, exp.UniqueColumnConstraint):
                self.implicit_index(table, [name], self.free_name(table.name, name, "key"))
            elif isinstance(k, exp.Reference):
                self.reference(table, [name], k, _ident(cons.this), self.at(col.this))

    def constraint(self, table: Table, node: exp.Expression, cname: str) -> None:
        if isinstance(node, exp.PrimaryKey):
            self.set_primary_key(table, [_ident(e) for e in node.expressions])
        elif isinstance(node, exp.UniqueColumnConstraint):
            cols = [_ident(e) for e in (node.this.expressions if isinstance(node.this, exp.Schema) else [])]
            if cols:
                self.implicit_index(table, cols, cname or self.free_name(table.name, "_".join(cols), "key"))
        elif isinstance(node, exp.ForeignKey):
            cols = [_ident(e) for e in node.expressions]
            self.reference(table, cols, node.args.get("reference"), cname, self.at(node))

    def set_primary_key(self, table: Table, cols: list[str]) -> None:
        table.primary_key = cols
        self.implicit_index(table, cols, self.free_name(table.name, "", "pkey"), unique=True)

    def free_name(self, table: str, columns: str, label: str) -> str:
        """PostgreSQL's default name for a new index, numbered (`_key1`) when another relation has it."""
        name, n = object_name(_bare(table), columns, label), 0
        while self.index_key(table, name) in self.model.indexes or f"{table.split('.')[0]}.{name}" in self.model.tables:
            n += 1
            name = object_name(_bare(table), columns, f"{label}{n}")
        return name

    def implicit_index(self, table: Table, cols: list[str], name: str, unique: bool = True) -> None:
        key = self.index_key(table.name, name)
        self.model.set_index(key, Index(name, table.name, cols, self.path, self.line, unique=unique, implicit=True))

    def reference(self, table: Table, cols: list[str], ref: exp.Reference | None, cname: str, line: int) -> None:
        if ref is None or not cols:
            return
        target = ref.this
        ref_table = self.qualify(target.this if isinstance(target, exp.Schema) else target)
        ref_cols = [_ident(e) for e in target.expressions] if isinstance(target, exp.Schema) else []
        if not ref_cols and ref_table in self.model.tables:
            ref_cols = list(self.model.tables[ref_table].primary_key)
        cname = cname or object_name(_bare(table.name), "_".join(cols), "fkey")
        self.owners.add(table.name)
        self.model.foreign_keys.append(ForeignKey(table.name, cols, ref_table, ref_cols, self.path, line, cname,
                                                  self.not_valid, self.existing(table.name), self.origin))

    def create_index(self, stmt: exp.Create) -> str:
        index = stmt.this
        params = index.args.get("params")
        table = self.qualify(index.args.get("table"))
        if params is None or not table:
            return "unparsed"
        cols = []
        for o in params.args.get("columns") or []:
            inner = o.this if isinstance(o, exp.Ordered) else o
            inner = inner.this if isinstance(inner, (exp.Paren, exp.Opclass)) else inner
            if isinstance(inner, exp.Column):
                cols.append(_ident(inner))
            else:
                cols.append(normalize_identifiers(inner, dialect="postgres").sql(dialect="postgres", normalize_functions="lower"))
        using = params.args.get("using")
        name = _ident(index.this) or self.free_name(table, "_".join(c for c in cols if c.isidentifier()), "idx")
        key = self.index_key(table, name)
        if key in self.model.indexes and stmt.args.get("exists"):
            return "ignored"
        self.model.set_index(key, Index(
            name, table, cols, self.path, self.at(index.this),
            method=(using.name.lower() if using is not None else "btree"),
            unique=bool(stmt.args.get("unique")), partial=params.args.get("where") is not None,
            concurrently=bool(stmt.args.get("concurrently")), on_existing_table=self.existing(table),
            where=params.args["where"].this.sql(dialect="postgres") if params.args.get("where") else "",
        ))
        return "modelled"

    # -- ALTER -------------------------------------------------------------------------
    def alter(self, stmt: exp.Alter) -> str:
        kind = (stmt.args.get("kind") or "").upper()
        if kind == "INDEX":
            return self.alter_index(stmt)
        if kind != "TABLE":
            return "ignored"
        name = self.qualify(stmt.this)
        table = self.model.tables.get(name)
        if table is None:  # created outside the migrations seen (e.g. by the platform): keep what we learn
            table = self.model.tables[name] = Table(name, self.path, self.line, stub=True)
        touched = False
        self.not_valid = bool(stmt.args.get("not_valid"))
        for action in stmt.args.get("actions") or []:
            touched |= self.alter_action(table, action)
        return "modelled" if touched else "ignored"

    def alter_action(self, table: Table, action: exp.Expression) -> bool:
        if isinstance(action, exp.ColumnDef):
            self.origin = "add column"
            self.add_column(table, action)
        elif isinstance(action, exp.AddConstraint):
            self.origin = "add constraint"
            for c in action.expressions:
                self.table_element(table, c)
        elif isinstance(action, exp.AlterRename):
            new = action.this  # RENAME TO keeps the schema unless one is written
            self.rename_table(table, self.qualify(new) if new.args.get("db") else f"{table.name.split('.')[0]}.{_ident(new)}")
        elif isinstance(action, exp.RenameColumn):
            self.rename_column(table, _ident(action.this), _ident(action.args.get("to")))
        elif isinstance(action, exp.Drop):
            return self.alter_drop(table, action)
        elif isinstance(action, exp.AlterColumn) and action.args.get("dtype") is not None:
            col = _ident(action.this)
            for c in table.columns:
                if c.name == col:
                    c.type = action.args["dtype"].sql(dialect="postgres").lower()
        else:
            return False
        return True

    def alter_drop(self, table: Table, action: exp.Drop) -> bool:
        kind = (action.args.get("kind") or "").upper()
        names = [_ident(t) for t in action.args.get("tables") or []]
        if kind == "COLUMN":
            for col in names:
                table.columns = [c for c in table.columns if c.name != col]
                self.model.drop_indexes_on(table.name, lambda i: any(_mentions(c, col) for c in i.columns))
                self.model.foreign_keys = [f for f in self.model.foreign_keys
                                           if not (f.table == table.name and col in f.columns)]
            return True
        if kind == "CONSTRAINT":
            for cname in names:
                self.model.foreign_keys = [f for f in self.model.foreign_keys
                                           if not (f.table == table.name and f.name == cname)]
                self.model.drop_index(self.index_key(table.name, cname))
                if cname == object_name(_bare(table.name), "", "pkey"):
                    table.primary_key = []
            return True
        return False

    def alter_index(self, stmt: exp.Alter) -> str:
        for action in stmt.args.get("actions") or []:
            if isinstance(action, exp.AlterRename):
                old = self.qualify_name(_ident(stmt.this))
                idx = self.model.drop_index(old)
                if idx:
                    idx.name = _ident(action.this)
                    self.model.set_index(self.index_key(idx.table, idx.name), idx)
                    return "modelled"
        return "ignored"

    def rename_table(self, table: Table, new: str) -> None:
        old = table.name
        del self.model.tables[old]
        table.name = new
        self.model.tables[new] = table
        self.model.move_indexes(old, new)
        if old in self.owners:
            self.owners.add(new)
        for f in self.model.foreign_keys:
            f.table = new if f.table == old else f.table
            f.ref_table = new if f.ref_table == old else f.ref_table
        for p in self.model.policies:
            p.table = new if p.table == old else p.table

    def rename_column(self, table: Table, old: str, new: str) -> None:
        for c in table.columns:
            if c.name == old:
                c.name = new
        table.primary_key = [new if c == old else c for c in table.primary_key]
        for i in self.model.indexes_on(table.name):
            i.columns = [re.sub(rf'(?<![\w"]){re.escape(old)}(?![\w"])', new, c) for c in i.columns]
        for f in self.model.foreign_keys:
            if f.table == table.name:
                f.columns = [new if c == old else c for c in f.columns]
            if f.ref_table == table.name:
                f.ref_columns = [new if c == old else c for c in f.ref_columns]

    # -- DROP --------------------------------------------------------------------------
    def drop(self, stmt: exp.Drop) -> str:
        kind = (stmt.args.get("kind") or "").upper()
        if kind == "TABLE":
            for t in stmt.args.get("tables") or []:
                self.drop_table(self.qualify(t))
            return "modelled"
        if kind == "INDEX":
            for t in stmt.args.get("tables") or []:
                self.model.drop_index(self.qualify(t))
            return "modelled"
        return "ignored"

    def drop_table(self, name: str) -> None:
        """Forget a table and what belongs to it (every CREATE TABLE calls this: usually nothing is there)."""
        self.model.tables.pop(name, None)
        self.model.drop_indexes_on(name)
        if name in self.owners:
            self.owners.discard(name)
            self.model.foreign_keys = [f for f in self.model.foreign_keys if f.table != name]
            self.model.policies = [p for p in self.model.policies if p.table != name]

    # -- statements sqlglot keeps only as opaque commands -----------------------------
    def fallback(self, sql: str) -> bool:
        """A narrow, tested reading of statements sqlglot does not model; False leaves them unparsed."""
        for pattern, handler in _FALLBACKS:
            m = pattern.match(sql)
            if m:
                return handler(self, m) is not False
        return False

    def fb_search_path(self, m: re.Match) -> None:
        first = m.group(1).split(",")[0].strip().strip("'\"").lower()
        self.schema = first if first and first != "$user" else "public"

    def fb_drop_index(self, m: re.Match) -> None:
        for name in m.group(1).split(","):
            self.model.drop_index(self.qualify_name(name))

    def fb_policy(self, m: re.Match) -> None:
        name, table, clauses = parse_policy(m.string)
        table = self.qualify_name(table)
        self.owners.add(table)
        self.model.policies.append(Policy(name, table, self.path, self.line, **clauses))

    def fb_drop_policy(self, m: re.Match) -> None:
        name, table = m.group(1).strip('"'), self.qualify_name(m.group(2))
        self.model.policies = [p for p in self.model.policies if not (p.name == name and p.table == table)]

    def fb_rls(self, m: re.Match) -> None:
        table = self.model.tables.get(self.qualify_name(m.group(1)))
        if table:
            table.rls_enabled = m.group(2).upper() == "ENABLE"

    def fb_function(self, m: re.Match) -> None:
        name = self.qualify_name(m.group(1))
        if name not in self.model.functions:
            self.model.functions.append(name)

    def fb_publication(self, m: re.Match) -> None:
        tables = self.model.publications.setdefault(m.group(1).strip('"').lower(), [])
        for name in m.group(3).split(","):
            t = self.qualify_name(name.strip())
            if m.group(2).upper() == "ADD" and t not in tables:
                tables.append(t)
            elif m.group(2).upper() == "DROP" and t in tables:
                tables.remove(t)

    def fb_set_schema(self, m: re.Match) -> None:
        table = self.model.tables.get(self.qualify_name(m.group(1)))
        if table is not None:
            self.rename_table(table, f"{fold(m.group(2))}.{_bare(table.name)}")

    def fb_alter_policy(self, m: re.Match) -> None:
        name, table, clauses = parse_policy(m.string)
        table = self.qualify_name(table)
        for p in self.model.policies:
            if p.name == name and p.table == table:
                for key, value in clauses.items():
                    setattr(p, "name" if key == "rename" else key, value)

    def fb_role_setting(self, m: re.Match) -> None:
        self.model.role_settings.setdefault(m.group(1).lower(), f"{self.path}:{self.line}")

    def fb_do_block(self, m: re.Match) -> bool:
        """DDL inside a DO block (often `IF NOT EXISTS ... THEN ALTER TABLE ...`), applied as if unconditional."""
        applied = False
        for _, segment in split_statements(m.group(2)):
            ddl = _DDL_IN_BLOCK.search(segment)
            if ddl is None:
                continue
            try:
                stmt = sqlglot.parse_one(ddl.group(1), read="postgres")
            except (SqlglotError, RecursionError, ValueError):
                continue
            applied |= self.statement(stmt, ddl.group(1)) == "modelled"
        return applied

    def fb_understood(self, m: re.Match) -> None:
        """Statements recognised as leaving the table model unchanged."""


_NAME = r'((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)'
_DDL_IN_BLOCK = re.compile(r"(?:^|\bTHEN\b|\bBEGIN\b|\bELSE\b|\bLOOP\b)\s*((?:CREATE|ALTER|DROP)\s+"
                           r"(?:UNIQUE\s+)?(?:TABLE|INDEX)\b.*)$", re.I | re.S)
_FALLBACKS = [
    (re.compile(r"DO\s+(?:LANGUAGE\s+\w+\s+)?(\$\w*\$)(.*)\1", re.I | re.S), _Folder.fb_do_block),
    (re.compile(r"SET\s+(?:LOCAL\s+|SESSION\s+)?search_path\s*(?:=|TO)\s*(.+)$", re.I | re.S), _Folder.fb_search_path),
    (re.compile(r"DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(.+?)(?:\s+(?:CASCADE|RESTRICT))?$",
                re.I | re.S), _Folder.fb_drop_index),
    (re.compile(rf"CREATE\s+POLICY\s+{_NAME}\s+ON\s+{_NAME}", re.I), _Folder.fb_policy),
    (re.compile(rf"ALTER\s+POLICY\s+{_NAME}\s+ON\s+{_NAME}", re.I), _Folder.fb_alter_policy),
    (re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_NAME}\s+SET\s+SCHEMA\s+(\"[^\"]+\"|\w+)\s*$",
                re.I), _Folder.fb_set_schema),
    (re.compile(rf"DROP\s+POLICY\s+(?:IF\s+EXISTS\s+)?{_NAME}\s+ON\s+{_NAME}", re.I), _Folder.fb_drop_policy),
    (re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_NAME}\s+(ENABLE|DISABLE)\s+ROW\s+LEVEL\s+SECURITY",
                re.I), _Folder.fb_rls),
    (re.compile(r"ALTER\s+PUBLICATION\s+(\"[^\"]+\"|\w+)\s+(ADD|DROP)\s+TABLE\s+(?:ONLY\s+)?(.+)$", re.I | re.S),
     _Folder.fb_publication),
    (re.compile(rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+{_NAME}\s*\(", re.I), _Folder.fb_function),
    (re.compile(r"ALTER\s+(?:ROLE|DATABASE|USER)\s+\S+(?:\s+IN\s+DATABASE\s+\S+)?\s+SET\s+"
                r"(statement_timeout|idle_in_transaction_session_timeout|lock_timeout)\b", re.I),
     _Folder.fb_role_setting),
    (re.compile(r"(CREATE\s+EXTENSION|ALTER\s+\w+(?:\s+\w+)?\s+\S+\s+OWNER\s+TO|ALTER\s+DEFAULT\s+PRIVILEGES"
                r"|SET\s+\w+\s*(?:=|TO)|RESET\s|COMMENT\s+ON|NOTIFY\s|CREATE\s+ROLE|ALTER\s+ROLE)", re.I),
     _Folder.fb_understood),
]


class SchemaBuilder:
    """Folds statements that come from outside .sql files (ORM migrations, model declarations)."""

    def __init__(self, source: str) -> None:
        self._folder = _Folder()
        self._folder.model.source = source

    @property
    def model(self) -> SchemaModel:
        return self._folder.model

    def begin_file(self, path: str) -> None:
        """Start reading `path`: it joins the files read, the default schema is public again."""
        if path not in self.model.migrations:
            self.model.migrations.append(path)
        self._folder.schema = "public"

    def apply(self, path: str, line: int, sql: str) -> None:
        """Apply one SQL statement, as if it came from a migration file at path:line."""
        self._folder.apply(path, line, sql)

    def ignored(self) -> None:
        """Count a statement understood as leaving the model unchanged."""
        self.model.counts["total"] += 1
        self.model.counts["ignored"] += 1

    def unresolved(self, path: str, line: int, reason: str) -> None:
        """Count and list a declaration that could not be read statically."""
        self.model.counts["total"] += 1
        self._folder.path, self._folder.line = path, line
        self._folder.unparsed(reason)

    def finish(self) -> SchemaModel:
        self.model.unparsed.sort(key=lambda u: (u.path, u.line))
        return self.model


_FLYWAY = re.compile(r"^([VUR])(\d[\d._]*)?__", re.I)
_NATURAL = re.compile(r"(\d+)")


def _natural(text: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t.lower() for t in _NATURAL.split(text))


def migration_key(path: str) -> tuple:
    """Sort key: migrations root, then Flyway versions (V before R) or natural file order (10 after 9)."""
    parts = PurePosixPath(path).parts
    cut = max((i for i, p in enumerate(parts) if p.lower() in {"migrations", "migration", "migrate"}), default=-1)
    root, rest = "/".join(parts[: cut + 1]), "/".join(parts[cut + 1:])
    m = _FLYWAY.match(PurePosixPath(path).name)
    if m and m.group(1).upper() == "V":
        return (root, 0, tuple(int(x) for x in re.split(r"[._]", m.group(2).strip("._")) if x), ())
    return (root, 1 if m else 0, (), _natural(rest))


def not_applied(path: str, text: str) -> str | None:
    """Why a file in a migrations folder is not part of the PostgreSQL history, or None."""
    m = _FLYWAY.match(PurePosixPath(path).name)
    if m and m.group(1).upper() == "U":
        return "Flyway undo migration: not applied going forward"
    if "clickhouse" in path.lower() or re.search(r"ENGINE\s*=\s*\w*MergeTree", text, re.I):
        return "ClickHouse DDL, not PostgreSQL"
    return None


def build_schema(files) -> SchemaModel:
    """Fold the given SourceFiles into one model, in the order the migration tool applies them."""
    folder = _Folder()
    by_path = {f.path: f for f in files}
    for path in sorted(by_path, key=migration_key):
        reason = not_applied(path, by_path[path].text or "")
        if reason:
            folder.model.not_applied.append({"path": path, "reason": reason})
            continue
        folder.model.migrations.append(path)
        folder.schema = "public"
        for line, sql in split_statements(by_path[path].text or ""):
            folder.apply(path, line, sql)
    folder.model.unparsed.sort(key=lambda u: (u.path, u.line))
    return folder.model
