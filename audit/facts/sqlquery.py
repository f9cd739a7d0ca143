"""The shape of one SQL query (tables, filters, joins, sort, limit) read with sqlglot."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

_PARAM = re.compile(r"%\(\w+\)s|%s|(?<![:\w]):[A-Za-z_]\w*|\?(?=\s|,|\)|$|;)")
RANGE_OPS = {exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<=", exp.Between: "between"}
EQ_OPS = {exp.EQ: "=", exp.In: "in", exp.Is: "is"}
LIKE_OPS = {exp.Like: "like", exp.ILike: "ilike"}


@dataclass
class Predicate:
    """A condition on one column: op is =, in, is, >, <, between, like, ilike, or `fn:lower` when wrapped."""

    table: str | None
    column: str
    op: str
    leading_wildcard: bool = False
    scope: int = 0


@dataclass
class Shape:
    kind: str
    tables: list[str] = field(default_factory=list)
    filters: list[Predicate] = field(default_factory=list)
    joins: list[Predicate] = field(default_factory=list)
    order_by: list[Predicate] = field(default_factory=list)
    limit: bool = False
    offset: bool = False
    select_star: bool = False
    count_star: bool = False
    aggregate: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def normalize_placeholders(sql: str) -> str:
    """Turn %s, %(name)s, :name and ? parameters into PostgreSQL's $n so sqlglot reads them."""
    counter = iter(range(1, 100_000))
    return _PARAM.sub(lambda m: f"${next(counter)}", sql)


def _qualify(table: exp.Table, default_schema: str) -> str:
    db = table.args.get("db")
    return f"{db.name.lower() if db else default_schema}.{table.name.lower()}"


def _leading_wildcard(pattern: exp.Expression) -> bool:
    node = pattern
    while isinstance(node, exp.DPipe) or isinstance(node, exp.Concat):
        node = node.this if isinstance(node, exp.DPipe) else (node.expressions[0] if node.expressions else None)
    return isinstance(node, exp.Literal) and node.is_string and node.this.startswith(("%", "_"))


def _position(node: exp.Expression) -> int:
    ident = node.find(exp.Identifier)
    return ident.meta.get("start", 0) if ident is not None else 0


class _Reader:
    def __init__(self, stmt: exp.Expression, default_schema: str) -> None:
        self.aliases: dict[str, str] = {}
        self.ctes = {c.alias_or_name.lower() for c in stmt.find_all(exp.CTE)}
        for t in stmt.find_all(exp.Table):
            if t.name.lower() in self.ctes or not t.name:
                continue
            q = _qualify(t, default_schema)
            self.aliases[t.alias_or_name.lower()] = q
            self.aliases.setdefault(t.name.lower(), q)
        self.tables = sorted(set(self.aliases.values()))

    def col(self, c: exp.Column) -> tuple[str | None, str]:
        ref = c.table.lower() if c.table else ""
        table = self.aliases.get(ref) if ref else (self.tables[0] if len(self.tables) == 1 else None)
        return table, c.name.lower()

    def predicates(self, cond: exp.Expression, scope: int = 0) -> tuple[list[Predicate], list[Predicate]]:
        """Column conditions under `cond`; `scope` numbers the WHERE/ON clause they come from."""
        filters, joins = [], []
        nodes = sorted(cond.find_all(*EQ_OPS, *RANGE_OPS, *LIKE_OPS, exp.NEQ), key=_position)
        for node in nodes:
            left, right = node.this, node.args.get("expression")
            op = {**EQ_OPS, **RANGE_OPS, **LIKE_OPS}.get(type(node), "<>")
            if isinstance(left, exp.Column) and isinstance(right, exp.Column):
                joins.extend(Predicate(*self.col(c), "=", scope=scope) for c in (left, right))
                continue
            column, other = (left, right) if isinstance(left, exp.Column) else (right, left)
            if isinstance(column, exp.Column):
                lead = op in ("like", "ilike") and other is not None and _leading_wildcard(other)
                filters.append(Predicate(*self.col(column), op, lead, scope))
            elif isinstance(left, exp.Func) and isinstance(left.this, exp.Column) and op != "<>":
                filters.append(Predicate(*self.col(left.this), f"fn:{left.key}", scope=scope))
        return filters, joins


def analyze(sql: str, default_schema: str = "public") -> Shape:
    """Read one statement; raises ValueError when sqlglot cannot parse it."""
    try:
        stmt = sqlglot.parse_one(normalize_placeholders(sql), read="postgres")
    except (SqlglotError, RecursionError) as exc:
        raise ValueError(str(exc).splitlines()[0][:160]) from exc
    if stmt is None or isinstance(stmt, exp.Command):
        raise ValueError("not a statement sqlglot models")
    kind = {exp.Select: "select", exp.Union: "select", exp.Insert: "insert", exp.Update: "update",
            exp.Delete: "delete"}.get(type(stmt), stmt.key)
    reader = _Reader(stmt, default_schema)
    shape = Shape(kind, reader.tables)
    for scope, where in enumerate(stmt.find_all(exp.Where)):
        f, j = reader.predicates(where.this, scope)
        shape.filters += f
        shape.joins += j
    for join in stmt.find_all(exp.Join):
        if join.args.get("on") is not None:
            f, j = reader.predicates(join.args["on"], scope=-1)
            shape.filters += f
            shape.joins += j
    top = stmt if isinstance(stmt, exp.Select) else None
    if top is not None:
        order = top.args.get("order")
        if order is not None:
            shape.order_by = [Predicate(*reader.col(o.this), "desc" if o.args.get("desc") else "asc")
                              for o in order.expressions if isinstance(o.this, exp.Column)]
        shape.limit = top.args.get("limit") is not None or top.args.get("fetch") is not None
        shape.offset = top.args.get("offset") is not None
        shape.select_star = any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
                                for e in top.expressions)
        shape.aggregate = top.args.get("group") is not None or any(
            e.find(exp.AggFunc) is not None for e in top.expressions)
    shape.count_star = any(isinstance(c.this, exp.Star) for c in stmt.find_all(exp.Count))
    return shape
