"""SQLAlchemy declarative models and Core `Table(...)` definitions, read with `ast`.

Yields the tables the models declare (columns, keys, `index=True`, `__table_args__` indexes and
constraints, module-level `Index(...)`) and, for the query readers, which class maps to which
table, attribute to column, and relationship to class.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from audit.facts.orm import ddl
from audit.facts.orm.ddl import Col, Fk, Ix, Ref, TableSpec
from audit.facts.orm.pyeval import Env, Project, Unresolved, call_name, dotted, evaluate, kwargs, short, try_eval
from audit.facts.orm.sacolumns import (ColumnDecl, annotation_type, index_columns, is_column_call,
                                       parse_column, split_target, text_arg)
from audit.facts.schema import SchemaBuilder

EAGER = {"selectin", "joined", "subquery", "raise", "raise_on_sql", "noload", "immediate", "write_only", "dynamic"}


@dataclass
class Rel:
    target: str  # class name
    line: int
    lazy: str = "select"
    secondary: str = ""


@dataclass
class SaModel:
    cls: str
    path: str
    line: int
    table: str
    schema: str | None = None
    columns: dict[str, ColumnDecl] = field(default_factory=dict)  # attribute -> column
    rels: dict[str, Rel] = field(default_factory=dict)
    table_args: list[ast.AST] = field(default_factory=list)
    core: bool = False

    @property
    def qualified(self) -> str:
        return f"{self.schema or 'public'}.{self.table}"

    def column_of(self, attr: str) -> str:
        decl = self.columns.get(attr)
        return decl.name if decl is not None and decl.name else attr


@dataclass
class _Class:
    name: str
    path: str
    node: ast.ClassDef
    bases: list[str]


@dataclass
class Models:
    models: dict[str, SaModel] = field(default_factory=dict)   # class (or Table variable) name -> model
    extra_indexes: list[tuple[str, str, Ix]] = field(default_factory=list)  # (class, path, index)
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def by_table(self, table: str) -> SaModel | None:
        return next((m for m in self.models.values() if m.table == table), None)


def _own(node: ast.ClassDef) -> dict[str, ast.AST]:
    """Class-body assignments by name (last wins), including annotation-only ones and declared_attr functions."""
    out: dict[str, ast.AST] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = stmt
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            out[stmt.target.id] = stmt
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                "declared_attr" in dotted(d if not isinstance(d, ast.Call) else d.func) for d in stmt.decorator_list):
            out[stmt.name] = stmt
    return out


def _value(stmt: ast.AST) -> ast.AST | None:
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        return stmt.value
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        ret = next((s for s in ast.walk(stmt) if isinstance(s, ast.Return)), None)
        return ret.value if ret is not None else None
    return None


def _rel_target(call: ast.Call, ann: ast.AST | None, env: Env) -> str | None:
    if call.args:
        first = call.args[0]
        value = try_eval(first, env)
        if isinstance(value, str):
            return value.split(".")[-1]
        if isinstance(first, (ast.Name, ast.Attribute)):
            return dotted(first).split(".")[-1]
        if isinstance(first, ast.Lambda):
            return dotted(first.body).split(".")[-1] or None
    node = ann
    while node is not None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
            continue
        if isinstance(node, ast.Subscript):
            node = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            continue
        if isinstance(node, ast.BinOp):
            node = node.left if not (isinstance(node.left, ast.Constant) and node.left.value is None) else node.right
            continue
        name = dotted(node).split(".")[-1]
        return name or None
    return None


def _tablename_from_function(fn: ast.AST, cls: str, module: ast.Module | None = None) -> str | None:
    """The table name a `__tablename__` function gives `cls`, for the usual spellings; None if unknown."""
    text = ast.unparse(fn)
    if module is not None:  # follow calls to helpers of the same module: resolve_table_name(cls.__name__)
        helpers = {f.name: f for f in module.body if isinstance(f, ast.FunctionDef)}
        for call in ast.walk(fn):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in helpers:
                text += "\n" + ast.unparse(helpers[call.func.id])
    if "re.split" in text and "[A-Z]" in text:
        return "_".join(x.lower() for x in re.split("(?=[A-Z])", cls) if x)
    if "re.sub" in text or "snake" in text or "camel" in text.lower():
        return ddl.snake(cls)
    if "__name__.lower()" in text:
        return cls.lower()
    if "__name__" in text and "lower" not in text:
        return cls
    return None


def read_models(trees: dict[str, ast.Module], project: Project) -> Models:
    out = Models()
    classes: dict[str, list[_Class]] = {}
    for path in sorted(trees):
        for stmt in trees[path].body:
            if isinstance(stmt, ast.ClassDef):
                classes.setdefault(stmt.name, []).append(_Class(stmt.name, path, stmt, [dotted(b) for b in stmt.bases]))

    imports: dict[str, dict[str, str]] = {}  # path -> local name -> module file it comes from
    aliases: dict[str, dict[str, str]] = {}  # path -> `Base = declarative_base(cls=CustomBase)` -> CustomBase
    for path, tree in trees.items():
        imap, amap = {}, {}
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module:
                target = project.module_path(stmt.module, path) if not stmt.level else \
                    project._resolve_relative(path, "." * stmt.level + stmt.module)
                for alias in stmt.names:
                    if target:
                        imap[alias.asname or alias.name] = (target, alias.name)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and \
                    call_name(stmt.value) in {"declarative_base", "as_declarative"}:
                cls = kwargs(stmt.value).get("cls")
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        amap[t.id] = dotted(cls).split(".")[-1] if cls is not None else ""
        imports[path], aliases[path] = imap, amap

    def find(name: str, near: str, depth: int = 0) -> _Class | None:
        short_name = name.split(".")[-1]
        found = classes.get(short_name) or []
        same = [c for c in found if c.path == near]
        if same:
            return same[0]
        if short_name in aliases.get(near, {}):
            target = aliases[near][short_name]
            return find(target, near, depth + 1) if target and depth < 4 else None
        if short_name in imports.get(near, {}) and depth < 4:
            path, original = imports[near][short_name]
            return find(original, path, depth + 1)
        return found[0] if len(found) == 1 else None

    def ancestors(c: _Class, seen=None) -> list[_Class]:
        seen = seen or set()
        out_ = []
        for b in c.bases:
            a = find(b, c.path)
            if a is not None and a.name not in seen and a is not c:
                seen.add(a.name)
                out_.append(a)
                out_.extend(ancestors(a, seen))
        return out_

    def own_tablename(c: _Class, env: Env):
        stmt = _own(c.node).get("__tablename__")
        if stmt is None:
            return None
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return ("fn", stmt)
        try:
            return ("value", evaluate(_value(stmt), env))
        except Unresolved as exc:
            return ("unresolved", f"__tablename__ = {short(_value(stmt))}: {exc}")

    def is_abstract(c: _Class, env: Env) -> bool:
        stmt = _own(c.node).get("__abstract__")
        return stmt is not None and try_eval(_value(stmt), env) is True

    mapped_table: dict[str, str] = {}  # class name -> table it writes to
    for path in sorted(trees):
        env = project.env(path)
        for stmt in trees[path].body:
            if isinstance(stmt, ast.ClassDef):
                _read_class(find(stmt.name, path) or _Class(stmt.name, path, stmt, []), env, out, ancestors,
                            own_tablename, is_abstract, mapped_table, trees)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and call_name(stmt.value) == "Table":
                _read_core_table(stmt, path, env, out)
    for path in sorted(trees):
        env = project.env(path)
        for stmt in trees[path].body:
            value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
            if isinstance(value, ast.Call) and call_name(value) == "Index":
                _module_index(value, path, env, out)
    return out


def _read_class(c: _Class, env: Env, out: Models, ancestors, own_tablename, is_abstract, mapped_table, trees) -> None:
    if is_abstract(c, env):
        return
    chain = ancestors(c)
    tn = own_tablename(c, env)
    table, parent_table = None, None
    if tn is None:
        parent_table = next((mapped_table[a.name] for a in chain if a.name in mapped_table), None)
        for a in chain:
            inherited = own_tablename(a, env)
            if inherited and inherited[0] == "fn":
                tn = ("value", _tablename_from_function(inherited[1], c.name, trees.get(a.path)))
                if tn[1] is None:
                    tn = ("unresolved", f"__tablename__ computed by {a.name}.__tablename__() at run time")
                break
        if tn is None and parent_table is None and any(b.split(".")[-1] == "Model" and b != "models.Model" for b in
                                                          c.bases + [x for a in chain for x in a.bases]):
            tn = ("value", ddl.snake(c.name))  # Flask-SQLAlchemy names the table after the class
    elif tn[0] == "fn":
        tn = ("value", _tablename_from_function(tn[1], c.name, trees.get(c.path))) \
            if _tablename_from_function(tn[1], c.name, trees.get(c.path)) else \
            ("unresolved", f"__tablename__ of {c.name} is computed at run time")
    sqlmodel = _sqlmodel_table(c, env)
    if sqlmodel and tn is None:
        tn = ("value", c.name.lower())  # SQLModel names the table after the class, lower-cased
    own_cols = _columns_of([a for a in reversed(chain) if a.name not in mapped_table] + [c], env, sqlmodel)
    if tn is None and parent_table is not None:  # single-table inheritance: columns join the parent's table
        parent = next(m for m in out.models.values() if m.table == parent_table)
        for attr, decl in own_cols[0].items():
            parent.columns.setdefault(attr, decl)
        model = SaModel(c.name, parent.path, c.node.lineno, parent.table, parent.schema,
                        {**parent.columns}, {**parent.rels, **own_cols[1]})
        out.models.setdefault(c.name, model)
        mapped_table[c.name] = parent_table
        return
    if tn is None or (not own_cols[0] and not isinstance(_own(c.node).get("__tablename__"), (ast.Assign, ast.AnnAssign))):
        return  # not a mapped class: no table name, or no column and no table name of its own
    if tn[0] == "unresolved":
        out.problems.append((c.path, c.node.lineno, f"{c.name}: {tn[1]}"))
        return
    table = tn[1]
    if not isinstance(table, str) or not table:
        return
    columns, rels, table_args = own_cols
    model = SaModel(c.name, c.path, c.node.lineno, table, columns=columns, rels=rels, table_args=table_args)
    for a in chain:  # joined inheritance: the parent's columns are reachable through the join
        if a.name in out.models:
            for attr, decl in out.models[a.name].columns.items():
                model.columns.setdefault(attr, decl)
            model.rels = {**out.models[a.name].rels, **model.rels}
    if table_args and isinstance(table_args[-1], ast.Dict):
        opts = try_eval(table_args[-1], env, {}) or {}
        model.schema = opts.get("schema") if isinstance(opts, dict) else None
    if c.name in out.models:
        out.problems.append((c.path, c.node.lineno, f"class {c.name} is defined more than once: the first is used"))
        return
    out.models[c.name] = model
    mapped_table[c.name] = table
    model._own_attrs = set(own_cols[0])  # type: ignore[attr-defined]
    if c.path not in out.files:
        out.files.append(c.path)


def _sqlmodel_table(c: _Class, env: Env) -> bool:
    """`class Item(ItemBase, table=True)`: a SQLModel class with a table."""
    return any(k.arg == "table" and try_eval(k.value, env) is True for k in c.node.keywords)


def _sqlmodel_field(attr: str, stmt: ast.AnnAssign, c: _Class, env: Env) -> ColumnDecl | None:
    """A SQLModel field: `name: str = Field(max_length=255, index=True, foreign_key="user.id")`."""
    value = stmt.value
    if value is not None and not (isinstance(value, ast.Call) and call_name(value) == "Field") \
            and not isinstance(value, ast.Constant):
        return None
    kw = kwargs(value) if isinstance(value, ast.Call) else {}
    if "sa_column" in kw and is_column_call(kw["sa_column"]):
        decl = parse_column(kw["sa_column"], env, attr)
        decl.path = c.path
        return decl
    sql, is_list = annotation_type(stmt.annotation)
    text = ast.unparse(stmt.annotation)
    if is_list or "ClassVar" in text:
        return None
    if sql is None and re.search(r"\b(EmailStr|HttpUrl|AnyUrl|Enum)\b", text):
        sql = "varchar"
    if sql is None:
        return None
    n = try_eval(kw.get("max_length"), env)
    if sql == "varchar" and isinstance(n, int):
        sql = f"varchar({n})"
    decl = ColumnDecl(attr, sql, stmt.lineno, path=c.path)
    decl.primary = try_eval(kw.get("primary_key"), env) is True
    decl.unique = try_eval(kw.get("unique"), env) is True
    decl.index = try_eval(kw.get("index"), env) is True
    fk = try_eval(kw.get("foreign_key"), env)
    if isinstance(fk, str):
        from audit.facts.orm.sacolumns import FkDecl
        decl.fks.append(FkDecl(fk, stmt.lineno))
    return decl


def _columns_of(classes: list[_Class], env: Env, sqlmodel: bool = False) -> tuple[dict[str, ColumnDecl], dict[str, Rel], list[ast.AST]]:
    columns: dict[str, ColumnDecl] = {}
    rels: dict[str, Rel] = {}
    table_args: list[ast.AST] = []
    for c in classes:
        for attr, stmt in _own(c.node).items():
            value = _value(stmt)
            ann = stmt.annotation if isinstance(stmt, ast.AnnAssign) else None
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                ann = stmt.returns
            if attr == "__table_args__":
                table_args = list(value.elts) if isinstance(value, (ast.Tuple, ast.List)) else [value] if value else []
                continue
            if attr.startswith("__"):
                continue
            if is_column_call(value):
                decl = parse_column(value, env, attr)
                decl.path = c.path
                if not decl.type:
                    decl.type = annotation_type(ann)[0] or "text"
                columns[attr] = decl
            elif isinstance(value, ast.Call) and call_name(value) in {"relationship", "Relationship"}:
                kw = kwargs(value)
                target = _rel_target(value, ann, env)
                if target:
                    lazy = try_eval(kw.get("lazy"), env, "select")
                    rels[attr] = Rel(target, value.lineno, lazy if isinstance(lazy, str) else "select",
                                     dotted(kw["secondary"]) or str(try_eval(kw["secondary"], env, "")) if "secondary" in kw else "")
            elif sqlmodel and isinstance(stmt, ast.AnnAssign):
                decl = _sqlmodel_field(attr, stmt, c, env)
                if decl is not None:
                    columns[attr] = decl
            elif value is None and ann is not None and isinstance(stmt, ast.AnnAssign):
                sql, is_list = annotation_type(ann)
                if sql and not is_list and "Mapped" in ast.unparse(ann):
                    columns[attr] = ColumnDecl(attr, sql, stmt.lineno, path=c.path)
    return columns, rels, table_args


def _read_core_table(stmt: ast.Assign, path: str, env: Env, out: Models) -> None:
    call = stmt.value
    try:
        name = evaluate(call.args[0], env) if call.args else None
    except Unresolved as exc:
        out.problems.append((path, call.lineno, f"Table({short(call.args[0])}): {exc}"))
        return
    if not isinstance(name, str):
        return
    var = next((t.id for t in stmt.targets if isinstance(t, ast.Name)), name)
    model = SaModel(var, path, call.lineno, name, try_eval(kwargs(call).get("schema"), env), core=True)
    for item in call.args[2:]:
        if is_column_call(item):
            decl = parse_column(item, env)
            if decl.name:
                model.columns[decl.name] = decl
        elif isinstance(item, ast.Call):
            model.table_args.append(item)
    out.models.setdefault(var, model)
    if path not in out.files:
        out.files.append(path)


def _module_index(call: ast.Call, path: str, env: Env, out: Models) -> None:
    """`Index("ix", User.email, User.name)` or `Index("ix", users.c.email)` at module level."""
    owner = None
    for arg in call.args[1:]:
        names = [n.id for n in ast.walk(arg) if isinstance(n, ast.Name) and n.id in out.models]
        if names:
            owner = names[0]
            break
    if owner is None or owner not in out.models:
        out.problems.append((path, call.lineno, f"Index {short(call)}: its table is not known statically"))
        return
    model = out.models[owner]

    def resolve(node: ast.AST) -> str | None:
        parts = dotted(node).split(".")
        return model.column_of(parts[-1]) if parts and parts[0] == owner else None

    try:
        kw = kwargs(call)
        ix = Ix(index_columns(call.args[1:], env, resolve), str(try_eval(call.args[0], env, "") or ""),
                unique=try_eval(kw.get("unique"), env) is True,
                method=str(try_eval(kw.get("postgresql_using"), env, "") or ""),
                where=_where(kw.get("postgresql_where"), env), line=call.lineno)
    except Unresolved as exc:
        out.problems.append((path, call.lineno, f"Index: {exc}"))
        return
    out.extra_indexes.append((owner, path, ix))


def _where(node: ast.AST | None, env: Env) -> str:
    if node is None:
        return ""
    try:
        return text_arg(node, env) or ""
    except Unresolved:
        return "TRUE"


def table_specs(models: Models, project: Project) -> tuple[list[TableSpec], list[tuple[str, int, str]]]:
    """The models as table specs (one per table), in file order; problems for what could not be read."""
    problems = list(models.problems)
    specs: dict[str, TableSpec] = {}
    for name, m in models.models.items():
        if m.table in specs:
            continue
        env = project.env(m.path)
        spec = TableSpec(m.table, m.path, m.line, schema=m.schema)
        attrs = {attr: decl for attr, decl in m.columns.items()}
        for attr, decl in attrs.items():
            if not decl.type and decl.fks:  # SQLAlchemy takes the type of the referenced column
                decl.type = _referenced_type(decl.fks[0].target, models) or "integer"
            col = Col(decl.name or attr, decl.type or "text", decl.line, primary=decl.primary,
                      unique=decl.unique and not decl.index, path=decl.path if decl.path != m.path else "")
            for fk in decl.fks:
                ref = _fk_ref(fk.target, models, m.schema)
                if ref is None:
                    problems.append((m.path, fk.line, f"{m.cls}.{attr}: ForeignKey({short(fk.target) if not isinstance(fk.target, str) else fk.target!r}) not resolved"))
                    continue
                ref.name = fk.name
                col.ref = ref
            spec.columns.append(col)
            if decl.index:
                spec.indexes.append(Ix([col.name], f"ix_{m.table}_{col.name}", unique=decl.unique,
                                       line=decl.line if not col.path else m.line))
        for item in m.table_args:
            try:
                _table_arg(spec, m, item, env, models)
            except Unresolved as exc:
                problems.append((m.path, getattr(item, "lineno", m.line), f"{m.cls}.__table_args__: {exc}"))
        specs[m.table] = spec
    for owner, path, ix in models.extra_indexes:
        m = models.models[owner]
        if m.table in specs:
            specs[m.table].indexes.append(ix)
    return list(specs.values()), problems


def _referenced_type(target, models: Models) -> str | None:
    ref = _fk_ref(target, models, None)
    other = models.by_table(ref.table) if ref is not None else None
    if other is None:
        return None
    decl = next((d for a, d in other.columns.items() if (d.name or a) in ref.columns), None)
    return decl.type if decl is not None else None


def _fk_ref(target, models: Models, schema: str | None) -> Ref | None:
    if isinstance(target, str):
        s, table, column = split_target(target)
        return Ref(table, [column] if column else [], s)
    parts = dotted(target).split(".") if isinstance(target, ast.AST) else []
    if len(parts) >= 2 and parts[-2] in models.models:
        other = models.models[parts[-2]]
        return Ref(other.table, [other.column_of(parts[-1])], other.schema)
    if len(parts) >= 3 and parts[-2] == "c" and parts[-3] in models.models:
        other = models.models[parts[-3]]
        return Ref(other.table, [parts[-1]], other.schema)
    return None


def _table_arg(spec: TableSpec, m: SaModel, item: ast.AST, env: Env, models: Models) -> None:
    if not isinstance(item, ast.Call):
        return
    kind, kw = call_name(item), kwargs(item)

    def resolve(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name) and node.id in m.columns:
            return m.column_of(node.id)
        parts = dotted(node).split(".")
        return m.column_of(parts[-1]) if len(parts) == 2 and parts[0] in (m.cls, "cls") else None

    def names(nodes) -> list[str]:
        return [m.column_of(n) if n in m.columns else n for n in index_columns(nodes, env, resolve)]

    if kind == "Index":
        spec.indexes.append(Ix(names(item.args[1:]), str(try_eval(item.args[0], env, "") or "") if item.args else "",
                               unique=try_eval(kw.get("unique"), env) is True,
                               method=str(try_eval(kw.get("postgresql_using"), env, "") or ""),
                               where=_where(kw.get("postgresql_where"), env), line=item.lineno))
    elif kind == "UniqueConstraint":
        spec.uniques.append(Ix(names(item.args), str(try_eval(kw.get("name"), env, "") or ""), unique=True,
                               line=item.lineno))
    elif kind == "PrimaryKeyConstraint":
        spec.primary_key = names(item.args)
    elif kind == "ForeignKeyConstraint":
        cols = names(item.args[0].elts if item.args and isinstance(item.args[0], (ast.List, ast.Tuple)) else [])
        targets = item.args[1].elts if len(item.args) > 1 and isinstance(item.args[1], (ast.List, ast.Tuple)) else []
        refs = [_fk_ref(try_eval(t, env, t), models, m.schema) for t in targets]
        if refs and all(refs):
            spec.fks.append(Fk(cols, Ref(refs[0].table, [c for r in refs for c in r.columns], refs[0].schema,
                                         str(try_eval(kw.get("name"), env, "") or "")), item.lineno))
        else:
            raise Unresolved(f"ForeignKeyConstraint targets {short(item)} not resolved")


def emit_models(specs: list[TableSpec], b: SchemaBuilder) -> None:
    for spec in specs:
        b.begin_file(spec.path)
        ddl.emit_table(b, spec)
    b.model.migrations.sort()

