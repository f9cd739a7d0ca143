"""SQLAlchemy column, constraint and index expressions (shared by Alembic revisions and models)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from audit.facts.orm.pyeval import Env, Unresolved, call_name, dotted, evaluate, kwargs, short, try_eval

SA_TYPES = {
    "integer": "integer", "int": "integer", "biginteger": "bigint", "bigint": "bigint",
    "smallinteger": "smallint", "smallint": "smallint", "string": "varchar", "varchar": "varchar",
    "unicode": "varchar", "nvarchar": "varchar", "char": "char", "nchar": "char", "text": "text",
    "unicodetext": "text", "citext": "citext", "boolean": "boolean", "bool": "boolean",
    "datetime": "timestamp", "timestamp": "timestamp", "date": "date", "time": "time",
    "interval": "interval", "float": "double precision", "double": "double precision",
    "double_precision": "double precision", "real": "real", "numeric": "numeric", "decimal": "numeric",
    "uuid": "uuid", "guid": "uuid", "json": "json", "jsonb": "jsonb", "largebinary": "bytea",
    "bytea": "bytea", "blob": "bytea", "binary": "bytea", "inet": "inet", "cidr": "cidr",
    "macaddr": "macaddr", "tsvector": "tsvector", "money": "money", "enum": "varchar",
    "pickletype": "bytea", "hstore": "hstore", "int4range": "int4range", "tstzrange": "tstzrange",
    "geometry": "geometry", "geography": "geography", "vector": "vector", "bit": "bit",
    "autostring": "varchar", "emailtype": "varchar", "urltype": "varchar", "uuidtype": "uuid",
}
PY_TYPES = {
    "int": "integer", "str": "varchar", "bool": "boolean", "float": "double precision",
    "datetime": "timestamp", "date": "date", "time": "time", "timedelta": "interval",
    "Decimal": "numeric", "UUID": "uuid", "dict": "json", "list": "json", "bytes": "bytea",
}
NOT_TYPES = {"ForeignKey", "Sequence", "Identity", "Computed", "CheckConstraint", "FetchedValue", "text",
             "DefaultClause", "func", "literal"}


@dataclass
class FkDecl:
    target: object  # "table.column" / "schema.table.column", or the AST of `Model.attr`
    line: int
    name: str = ""
    not_valid: bool = False


@dataclass
class ColumnDecl:
    name: str | None
    type: str
    line: int
    primary: bool = False
    unique: bool = False
    index: bool = False
    fks: list[FkDecl] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    path: str = ""  # the file declaring it (a mixin's file for inherited columns)


def sa_type(node: ast.AST | None, env: Env) -> str | None:
    """The PostgreSQL type of a SQLAlchemy type expression (`sa.String(50)`, `postgresql.UUID`)."""
    if node is None:
        return None
    if isinstance(node, ast.Call):
        name = call_name(node).lower()
        kw = kwargs(node)
        if name in {"array"} and node.args:
            inner = sa_type(node.args[0], env) or "text"
            return inner + "[]"
        if name == "with_variant" and isinstance(node.func, ast.Attribute):
            return sa_type(node.func.value, env)
        base = SA_TYPES.get(name)
        if base is None:
            return None
        if base in {"varchar", "char"}:
            n = try_eval(node.args[0] if node.args else kw.get("length"), env)
            return f"{base}({n})" if isinstance(n, int) else base
        if base == "timestamp":
            tz = try_eval(kw.get("timezone") or (node.args[0] if node.args else None), env)
            return "timestamptz" if tz is True else "timestamp"
        if base == "numeric":
            p = try_eval(node.args[0] if node.args else kw.get("precision"), env)
            s = try_eval(node.args[1] if len(node.args) > 1 else kw.get("scale"), env)
            return f"numeric({p}, {s})" if isinstance(p, int) and isinstance(s, int) else "numeric"
        if base == "varchar" and name == "enum":
            return "varchar"
        return base
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = (node.attr if isinstance(node, ast.Attribute) else node.id).lower()
        return SA_TYPES.get(name)
    return None


def annotation_type(node: ast.AST | None) -> tuple[str | None, bool]:
    """From `Mapped[X]`: the SQL type of X (None if X is not a plain scalar) and whether it is a list."""
    if node is None:
        return None, False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None, False
    if isinstance(node, ast.Subscript):
        outer = dotted(node.value).split(".")[-1]
        if outer in {"Mapped", "Optional", "Annotated"}:
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return annotation_type(inner)
        if outer in {"list", "List", "set", "Set", "Sequence", "DynamicMapped", "WriteOnlyMapped"}:
            return None, True
        if outer in {"dict", "Dict"}:
            return "json", False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # X | None
        for side in (node.left, node.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return annotation_type(side)
    name = dotted(node).split(".")[-1] if dotted(node) else ""
    return PY_TYPES.get(name), False


def is_column_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and call_name(node) in {"Column", "mapped_column"}


def parse_column(call: ast.Call, env: Env, name: str | None = None) -> ColumnDecl:
    """`Column("name", Type, ForeignKey(...), primary_key=..., unique=..., index=...)`."""
    col = ColumnDecl(name, "", call.lineno)
    kw = kwargs(call)
    for n, arg in enumerate(call.args):
        if n == 0 and isinstance(arg, (ast.Constant, ast.JoinedStr, ast.Name)) and not _looks_like_type(arg):
            try:
                value = evaluate(arg, env)
            except Unresolved as exc:
                col.problems.append(f"column name {short(arg)}: {exc}")
                continue
            if isinstance(value, str):
                col.name = value
                continue
        if isinstance(arg, ast.Call) and call_name(arg) == "ForeignKey":
            col.fks.append(fk_decl(arg, env))
        elif not col.type and (t := sa_type(arg, env)):
            col.type = t
        elif not col.type and call_name(arg)[:1].isupper() and call_name(arg) not in NOT_TYPES:
            col.type = call_name(arg).lower()  # a custom or dialect type: its name is kept
    if "name" in kw:
        col.name = try_eval(kw["name"], env, col.name)
    if "type_" in kw:
        col.type = sa_type(kw["type_"], env) or col.type
    col.primary = try_eval(kw.get("primary_key"), env) is True
    col.unique = try_eval(kw.get("unique"), env) is True
    col.index = try_eval(kw.get("index"), env) is True
    return col


def _looks_like_type(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id.lower() in SA_TYPES


def fk_decl(call: ast.Call, env: Env) -> FkDecl:
    target = call.args[0] if call.args else kwargs(call).get("column")
    value = try_eval(target, env)
    kw = kwargs(call)
    return FkDecl(value if isinstance(value, str) else target, call.lineno, try_eval(kw.get("name"), env, "") or "",
                  try_eval(kw.get("postgresql_not_valid"), env) is True)


def split_target(target: str, default_schema: str | None = None) -> tuple[str | None, str, str]:
    """"schema.table.column" / "table.column" -> (schema, table, column)."""
    parts = target.split(".")
    if len(parts) >= 3:
        return parts[-3], parts[-2], parts[-1]
    if len(parts) == 2:
        return default_schema, parts[0], parts[1]
    return default_schema, parts[0], ""


def string_list(node: ast.AST | None, env: Env) -> list[str]:
    value = evaluate(node, env) if node is not None else []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise Unresolved(f"`{short(node)}` is not a list of column names")


def text_arg(node: ast.AST | None, env: Env) -> str | None:
    """A string, or the SQL of `sa.text("...")` / `literal_column("...")`; None when absent."""
    if node is None:
        return None
    if isinstance(node, ast.Call) and call_name(node) in {"text", "literal_column"} and node.args:
        return str(evaluate(node.args[0], env))
    value = evaluate(node, env)
    if isinstance(value, str):
        return value
    raise Unresolved(f"`{short(node)}` is not SQL text")


def index_columns(items: list[ast.AST], env: Env, resolve=None) -> list[str]:
    """Index columns: names, `sa.text("lower(x)")`, `sa.desc("x")`; `resolve` maps other nodes to a name."""
    out = []
    for item in items:
        if isinstance(item, ast.Call) and call_name(item) in {"text", "literal_column"}:
            out.append(text_arg(item, env))
        elif isinstance(item, ast.Call) and call_name(item) in {"desc", "asc"} and item.args:
            inner = index_columns([item.args[0]], env, resolve)[0]
            out.append(("-" + inner) if call_name(item) == "desc" else inner)
        elif isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute) and item.func.attr in {"desc", "asc"}:
            inner = index_columns([item.func.value], env, resolve)[0]
            out.append(("-" + inner) if item.func.attr == "desc" else inner)
        elif isinstance(item, ast.Call) and call_name(item) in {"lower", "upper"} and item.args:
            out.append(f"{call_name(item)}({index_columns([item.args[0]], env, resolve)[0]})")
        else:
            value = try_eval(item, env)
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                out.extend(str(v) for v in value)
            elif resolve is not None and (name := resolve(item)):
                out.append(name)
            else:
                raise Unresolved(f"index column `{short(item)}` is not a column name known statically")
    return out
