"""Alembic revisions: `upgrade()` operations folded in `down_revision` order (branches and merges)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from audit.facts.orm import ddl
from audit.facts.orm.ddl import Col, Fk, Ix, Ref, TableSpec, q, qt
from audit.facts.orm.pyeval import Env, Project, Unresolved, call_name, evaluate, kwargs, bind, short, try_eval
from audit.facts.orm.sacolumns import (ColumnDecl, index_columns, is_column_call, parse_column,
                                       split_target, string_list, text_arg)
from audit.facts.schema import SchemaBuilder, migration_key
from audit.facts.sqltext import split_statements

OPS = {
    "create_table": ["table_name", "*columns", "schema"],
    "drop_table": ["table_name", "schema"],
    "rename_table": ["old_table_name", "new_table_name", "schema"],
    "add_column": ["table_name", "column", "schema"],
    "drop_column": ["table_name", "column_name", "schema"],
    "alter_column": ["table_name", "column_name"],
    "create_index": ["index_name", "table_name", "columns", "schema", "unique"],
    "drop_index": ["index_name", "table_name", "schema"],
    "create_foreign_key": ["constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"],
    "create_unique_constraint": ["constraint_name", "table_name", "columns", "schema"],
    "create_primary_key": ["constraint_name", "table_name", "columns", "schema"],
    "drop_constraint": ["constraint_name", "table_name", "type_", "schema"],
    "execute": ["sqltext"],
}
BATCH_OPS = {
    "add_column": ["column"], "drop_column": ["column_name"], "alter_column": ["column_name"],
    "create_index": ["index_name", "columns"], "drop_index": ["index_name"],
    "create_foreign_key": ["constraint_name", "referent_table", "local_cols", "remote_cols"],
    "create_unique_constraint": ["constraint_name", "columns"], "create_primary_key": ["constraint_name", "columns"],
    "drop_constraint": ["constraint_name", "type_"],
}
IGNORED_OPS = {"create_check_constraint", "bulk_insert", "create_table_comment", "drop_table_comment",
               "get_bind", "get_context", "inline_literal", "f", "create_sequence", "drop_sequence",
               "alter_table_comment", "invoke", "run_async", "implementation_for", "register_operation"}


@dataclass
class Revision:
    path: str
    tree: ast.Module
    revision: str
    parents: list[str] = field(default_factory=list)


def revision_of(path: str, tree: ast.Module) -> Revision | None:
    """An Alembic revision file: module-level `revision` and `down_revision`, and an `upgrade` function."""
    values: dict[str, object] = {}
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        for t in targets:
            if isinstance(t, ast.Name) and t.id in {"revision", "down_revision", "depends_on"} and stmt.value is not None:
                values[t.id] = try_eval(stmt.value, None, "?")
    has_upgrade = any(isinstance(s, ast.FunctionDef) and s.name == "upgrade" for s in tree.body)
    if "revision" not in values or "down_revision" not in values or not has_upgrade:
        return None
    parents = values["down_revision"]
    parents = [parents] if isinstance(parents, str) else list(parents or [])
    depends = values.get("depends_on")
    depends = [depends] if isinstance(depends, str) else list(depends or [])
    return Revision(path, tree, str(values["revision"]), [str(p) for p in parents + depends])


def order(revisions: list[Revision]) -> tuple[list[Revision], list[tuple[str, str]]]:
    """Topological order of the down_revision graph; ties (branches) in file order. Also the problems."""
    problems: list[tuple[str, str]] = []
    by_id = {r.revision: r for r in revisions}
    pending = {r.revision: {p for p in r.parents if p in by_id} for r in revisions}
    for r in revisions:
        for p in r.parents:
            if p not in by_id:
                problems.append((r.path, f"down_revision {p!r} is not among the revisions found: applied as a root"))
    done: list[Revision] = []
    placed: set[str] = set()
    while pending:
        ready = sorted((by_id[k] for k, deps in pending.items() if deps <= placed), key=lambda r: migration_key(r.path))
        if not ready:  # a cycle: keep file order and say so
            for k in sorted(pending, key=lambda k: migration_key(by_id[k].path)):
                problems.append((by_id[k].path, "revision is part of a down_revision cycle: applied in file order"))
                done.append(by_id[k])
            break
        nxt = ready[0]
        done.append(nxt)
        placed.add(nxt.revision)
        del pending[nxt.revision]
    return done, problems


def read_alembic(revisions: list[Revision], project: Project, b: SchemaBuilder) -> None:
    groups: dict[str, list[Revision]] = {}
    for r in revisions:
        groups.setdefault(str(PurePosixPath(r.path).parent), []).append(r)
    for folder in sorted(groups):
        ordered, problems = order(groups[folder])
        for path, reason in problems:
            b.unresolved(path, 1, reason)
        for rev in ordered:
            b.begin_file(rev.path)
            upgrade = next(s for s in rev.tree.body if isinstance(s, ast.FunctionDef) and s.name == "upgrade")
            _Reader(b, rev.path, project.env(rev.path).child()).block(upgrade.body)


class _Reader:
    def __init__(self, b: SchemaBuilder, path: str, env: Env) -> None:
        self.b, self.path, self.env = b, path, env
        self.batch: dict[str, tuple[str, str | None]] = {}  # alias -> (table, schema)
        self.loop_note = ""

    # -- statements -----------------------------------------------------------------
    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.If):
            self.block(stmt.body)
            self.block(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and call_name(call) == "batch_alter_table" and isinstance(item.optional_vars, ast.Name):
                    args = bind(call, ["table_name", "schema"])
                    try:
                        self.batch[item.optional_vars.id] = (self.name(args.get("table_name")),
                                                             try_eval(args.get("schema"), self.env))
                    except Unresolved as exc:
                        self.b.unresolved(self.path, call.lineno, f"op.batch_alter_table: {exc}")
            self.block(stmt.body)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.loop(stmt)
        elif isinstance(stmt, ast.Try):
            self.block(stmt.body)
            self.block(stmt.finalbody)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if stmt.value is not None:
                for t in targets:
                    if isinstance(t, ast.Name):
                        try:
                            self.env.values[t.id] = evaluate(stmt.value, self.env)
                        except Unresolved as exc:
                            self.env.values.pop(t.id, None)
                            self.env.unknown[t.id] = f"`{t.id}` = {short(stmt.value)}: {exc}"
                self.calls(stmt.value)
        elif isinstance(stmt, (ast.Expr, ast.Return)) and stmt.value is not None:
            self.calls(stmt.value)

    def loop(self, stmt: ast.For) -> None:
        note = f"inside a loop over `{short(stmt.iter)}`"
        try:
            items = evaluate(stmt.iter, self.env)
        except Unresolved as exc:
            items, note = None, f"{note} ({exc})"
        if isinstance(items, list) and isinstance(stmt.target, (ast.Name, ast.Tuple)):
            for item in items:
                saved = dict(self.env.values)
                names = [stmt.target] if isinstance(stmt.target, ast.Name) else stmt.target.elts
                values = [item] if isinstance(stmt.target, ast.Name) else list(item)
                for n, v in zip(names, values):
                    if isinstance(n, ast.Name):
                        self.env.values[n.id] = v
                self.block(stmt.body)
                self.env.values = saved
            return
        saved, self.loop_note = self.loop_note, note
        for n in ast.walk(stmt.target):
            if isinstance(n, ast.Name):
                self.env.values.pop(n.id, None)
                self.env.unknown[n.id] = self.loop_note
        self.block(stmt.body)
        self.loop_note = saved

    def calls(self, node: ast.AST) -> None:
        """Operation calls inside an expression (also `t = op.create_table(...)`, `await ...`)."""
        if isinstance(node, ast.Await):
            node = node.value
        if not isinstance(node, ast.Call):
            return
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            owner, method = f.value.id, f.attr
            if owner in self.batch and method in BATCH_OPS:
                self.guard(node, f"batch_op.{method}", lambda: self.batch_op(method, node, *self.batch[owner]))
                return
            if owner == "op":
                if method in OPS:
                    self.guard(node, f"op.{method}", lambda: getattr(self, method)(bind(node, OPS[method]), node))
                elif method in IGNORED_OPS or method == "batch_alter_table":
                    self.b.ignored()
                else:
                    self.b.unresolved(self.path, node.lineno, f"op.{method} is not modelled")
                return
        if call_name(node) == "execute" and node.args:  # conn.execute(text("..."))
            try:
                sql = text_arg(node.args[0], self.env)
            except Unresolved:
                return
            if sql:
                self.sql(sql, node.args[0].lineno)

    def guard(self, node: ast.Call, what: str, action) -> None:
        try:
            action()
        except Unresolved as exc:
            reason = f"{what}: {exc}"
            self.b.unresolved(self.path, node.lineno, reason)

    # -- names ------------------------------------------------------------------------
    def name(self, node: ast.AST | None) -> str:
        if isinstance(node, ast.Call) and call_name(node) in {"f", "quoted_name", "conv"} and node.args:
            node = node.args[0]
        value = evaluate(node, self.env)
        if not isinstance(value, str) or not value:
            raise Unresolved(f"`{short(node)}` is not a name")
        return value

    def opt_name(self, node: ast.AST | None) -> str:
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return ""
        return self.name(node)

    def schema(self, args: dict, key: str = "schema") -> str | None:
        return try_eval(args.get(key), self.env)

    # -- operations ---------------------------------------------------------------------
    def create_table(self, args: dict, node: ast.Call) -> None:
        name = self.name(args.get("table_name"))
        spec = TableSpec(name, self.path, node.lineno, schema=self.schema(args))
        for item in (args["columns"].elts if "columns" in args else []):
            self.table_item(spec, item)
        ddl.emit_table(self.b, spec)

    def table_item(self, spec: TableSpec, item: ast.AST) -> None:
        if is_column_call(item):
            decl = parse_column(item, self.env)
            if decl.problems or not decl.name:
                raise Unresolved("; ".join(decl.problems) or f"column without a name: {short(item)}")
            spec.columns.append(self.col(spec, decl))
            return
        if not isinstance(item, ast.Call):
            return
        kind, kw = call_name(item), kwargs(item)
        if kind == "ForeignKeyConstraint":
            cols, refs = string_list(item.args[0] if item.args else kw.get("columns"), self.env), \
                string_list(item.args[1] if len(item.args) > 1 else kw.get("refcolumns"), self.env)
            schema, table, _ = split_target(refs[0])
            spec.fks.append(Fk(cols, Ref(table, [split_target(r)[2] for r in refs], schema,
                                         try_eval(kw.get("name"), self.env, "") or ""), item.lineno))
        elif kind == "PrimaryKeyConstraint":
            spec.primary_key = [self.name(a) for a in item.args]
            spec.pk_name = try_eval(kw.get("name"), self.env, "") or ""
        elif kind == "UniqueConstraint":
            spec.uniques.append(Ix([self.name(a) for a in item.args], try_eval(kw.get("name"), self.env, "") or "",
                                   unique=True, line=item.lineno))
        elif kind == "Index":
            spec.indexes.append(self.index(item.args[1:], kw, self.opt_name(item.args[0] if item.args else None),
                                           item.lineno))

    def col(self, spec: TableSpec, decl: ColumnDecl) -> Col:
        col = Col(decl.name, decl.type or "text", decl.line, primary=decl.primary, unique=decl.unique and not decl.index)
        for fk in decl.fks:
            if not isinstance(fk.target, str):
                raise Unresolved(f"ForeignKey target `{short(fk.target)}` is not a string")
            schema, table, column = split_target(fk.target)
            col.ref = Ref(table, [column] if column else [], schema, fk.name)
        if decl.index:
            spec.indexes.append(Ix([decl.name], f"ix_{spec.name}_{decl.name}", unique=decl.unique, line=decl.line))
        return col

    def index(self, cols: list[ast.AST], kw: dict, name: str, line: int) -> Ix:
        using = try_eval(kw.get("postgresql_using"), self.env)
        where_node = kw.get("postgresql_where")
        where = ""
        if where_node is not None:
            try:
                where = text_arg(where_node, self.env) or ""
            except Unresolved:
                where = "TRUE"  # a SQLAlchemy expression: partial, predicate not spelled out
        return Ix(index_columns(cols, self.env), name, unique=try_eval(kw.get("unique"), self.env) is True,
                  method=using if isinstance(using, str) else "", where=where, line=line,
                  concurrently=try_eval(kw.get("postgresql_concurrently"), self.env) is True)

    def create_index(self, args: dict, node: ast.Call) -> None:
        table = self.name(args.get("table_name"))
        cols = args.get("columns")
        items = cols.elts if isinstance(cols, (ast.List, ast.Tuple)) else [cols]
        kw = {**kwargs(node), "unique": args.get("unique")}
        ix = self.index(items, kw, self.opt_name(args.get("index_name")), node.lineno)
        self.b.apply(self.path, node.lineno, ddl.create_index_sql(table, self.schema(args), ix))

    def drop_index(self, args: dict, node: ast.Call) -> None:
        name, schema = self.name(args.get("index_name")), self.schema(args)
        self.b.apply(self.path, node.lineno, f"DROP INDEX {qt(name, schema)}")

    def create_foreign_key(self, args: dict, node: ast.Call) -> None:
        table = self.name(args.get("source_table"))
        ref = Ref(self.name(args.get("referent_table")), string_list(args.get("remote_cols"), self.env),
                  self.schema(args, "referent_schema"), self.opt_name(args.get("constraint_name")),
                  try_eval(args.get("postgresql_not_valid"), self.env) is True)
        fk = Fk(string_list(args.get("local_cols"), self.env), ref, node.lineno)
        self.b.apply(self.path, node.lineno, ddl.add_fk_sql(table, self.schema(args, "source_schema"), fk))

    def create_unique_constraint(self, args: dict, node: ast.Call) -> None:
        ix = Ix(string_list(args.get("columns"), self.env), self.opt_name(args.get("constraint_name")),
                unique=True, constraint=True)
        self.b.apply(self.path, node.lineno, ddl.create_index_sql(self.name(args.get("table_name")), self.schema(args), ix))

    def create_primary_key(self, args: dict, node: ast.Call) -> None:
        name = self.opt_name(args.get("constraint_name"))
        cols = ", ".join(q(c) for c in string_list(args.get("columns"), self.env))
        self.b.apply(self.path, node.lineno, f"ALTER TABLE {qt(self.name(args.get('table_name')), self.schema(args))} "
                                             f"ADD {'CONSTRAINT ' + q(name) + ' ' if name else ''}PRIMARY KEY ({cols})")

    def drop_constraint(self, args: dict, node: ast.Call) -> None:
        table = qt(self.name(args.get("table_name")), self.schema(args))
        self.b.apply(self.path, node.lineno, f"ALTER TABLE {table} DROP CONSTRAINT {q(self.name(args.get('constraint_name')))}")

    def add_column(self, args: dict, node: ast.Call) -> None:
        self._add_column(self.name(args.get("table_name")), self.schema(args), args.get("column"), node)

    def _add_column(self, table: str, schema: str | None, column: ast.AST | None, node: ast.Call) -> None:
        if not is_column_call(column):
            raise Unresolved(f"`{short(column)}` is not a sa.Column(...)")
        decl = parse_column(column, self.env)
        if decl.problems or not decl.name:
            raise Unresolved("; ".join(decl.problems) or "column without a name")
        spec = TableSpec(table, self.path, node.lineno, schema=schema)
        col = self.col(spec, decl)
        ref, unique = col.ref, col.unique
        col.ref, col.unique = None, False
        self.b.apply(self.path, node.lineno, f"ALTER TABLE {qt(table, schema)} ADD COLUMN {ddl.column_sql(col, col.primary)}")
        if ref is not None:  # Alembic adds the column's constraints in separate statements
            self.b.apply(self.path, decl.line, ddl.add_fk_sql(table, schema, Fk([col.name], ref, decl.line)))
        if unique:
            self.b.apply(self.path, decl.line, ddl.create_index_sql(table, schema, Ix([col.name], unique=True, constraint=True)))
        for ix in spec.indexes:
            self.b.apply(self.path, decl.line, ddl.create_index_sql(table, schema, ix))

    def drop_column(self, args: dict, node: ast.Call) -> None:
        table = qt(self.name(args.get("table_name")), self.schema(args))
        self.b.apply(self.path, node.lineno, f"ALTER TABLE {table} DROP COLUMN {q(self.name(args.get('column_name')))}")

    def alter_column(self, args: dict, node: ast.Call) -> None:
        self._alter_column(self.name(args.get("table_name")), self.schema(args), args, node)

    def _alter_column(self, table: str, schema: str | None, args: dict, node: ast.Call) -> None:
        column = self.name(args.get("column_name"))
        changed = False
        if args.get("type_") is not None:
            from audit.facts.orm.sacolumns import sa_type
            t = sa_type(args["type_"], self.env)
            if t:
                self.b.apply(self.path, node.lineno,
                             f"ALTER TABLE {qt(table, schema)} ALTER COLUMN {q(column)} TYPE {ddl.sql_type(t)}")
                changed = True
        if args.get("new_column_name") is not None:
            new = self.name(args["new_column_name"])
            self.b.apply(self.path, node.lineno, f"ALTER TABLE {qt(table, schema)} RENAME COLUMN {q(column)} TO {q(new)}")
            changed = True
        if not changed:
            self.b.ignored()

    def rename_table(self, args: dict, node: ast.Call) -> None:
        old, new = self.name(args.get("old_table_name")), self.name(args.get("new_table_name"))
        self.b.apply(self.path, node.lineno, f"ALTER TABLE {qt(old, self.schema(args))} RENAME TO {q(new)}")

    def drop_table(self, args: dict, node: ast.Call) -> None:
        self.b.apply(self.path, node.lineno, f"DROP TABLE {qt(self.name(args.get('table_name')), self.schema(args))}")

    def execute(self, args: dict, node: ast.Call) -> None:
        target = args.get("sqltext")
        sql = text_arg(target, self.env)
        self.sql(sql or "", target.lineno if target is not None else node.lineno)

    def sql(self, sql: str, line: int) -> None:
        for offset, stmt in split_statements(sql):
            self.b.apply(self.path, line + offset - 1, stmt)

    def batch_op(self, method: str, node: ast.Call, table: str, schema: str | None) -> None:
        args = bind(node, BATCH_OPS[method])
        if method == "add_column":
            self._add_column(table, schema, args.get("column"), node)
        elif method == "alter_column":
            self._alter_column(table, schema, args, node)
        else:
            key = {"create_index": "table_name", "create_foreign_key": "source_table"}.get(method, "table_name")
            args[key] = ast.Constant(table)
            if schema:
                args.setdefault("schema", ast.Constant(schema))
            getattr(self, method)(args, node)
