"""SQLAlchemy Core/ORM queries as the SQL they amount to.

`select(M).where(M.c == x).order_by(M.d.desc()).limit(n)`, `session.query(M).filter(...)`,
`.filter_by(a=x)`, `.join(...)`, `.first()`, `.count()`, `update(M)` / `delete(M)`, and the extra
query `selectinload(M.rel)` / `subqueryload` runs per statement. A `.limit()` applied only under an
`if` is treated as possibly absent. Lazy relationships read inside a loop become one query per
iteration (N+1) unless the project loads that relationship eagerly somewhere.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from audit.facts.orm.ddl import select_list
from audit.facts.orm.pychains import Chain, Run, track
from audit.facts.orm.pyeval import Project, call_name, dotted
from audit.facts.orm.sacolumns import split_target
from audit.facts.orm.sqlalchemy_models import EAGER, Models, SaModel
from audit.facts.queries import Query, make_query

TERMINALS = {"all", "first", "one", "one_or_none", "scalar", "count", "get", "delete", "update", "paginate",
             "scalar_one", "scalar_one_or_none", "exists", "fetchall", "fetchone", "iterator"}
SINGLE = {"one", "one_or_none", "scalar_one", "scalar_one_or_none", "scalar"}
NOT_RUN = {"subquery", "scalar_subquery", "cte", "alias", "exists", "label", "as_scalar", "correlate", "lateral"}
LOADERS = {"selectinload", "subqueryload", "joinedload", "contains_eager", "immediateload", "defaultload"}
OPS = {ast.Eq: "=", ast.NotEq: "<>", ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.In: "IN",
       ast.Is: "IS", ast.IsNot: "IS NOT"}


@dataclass
class Root:
    kind: str       # select, query, update, delete, get
    node: ast.AST
    terminal: bool = False


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Index:
    """What one walk over a file finds: names used, aliases, loader options, loops, functions."""

    names: set = field(default_factory=set)
    imports: list = field(default_factory=list)
    aliased: list = field(default_factory=list)
    loaders: set = field(default_factory=set)
    loops: list = field(default_factory=list)
    functions: list = field(default_factory=list)


def _index(tree: ast.Module) -> _Index:
    ix = _Index()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            ix.names.add(node.id)
        elif isinstance(node, ast.ImportFrom):
            ix.imports.append(node)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and call_name(node.value) == "aliased":
            ix.aliased.append(node)
        elif isinstance(node, ast.Call) and call_name(node) in LOADERS:
            for a in node.args:
                if isinstance(a, ast.Attribute):
                    ix.loaders.add(a.attr)
                elif isinstance(a, ast.Constant) and isinstance(a.value, str):
                    ix.loaders.add(a.value.split(".")[-1])
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            ix.loops.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            ix.functions.append(node)
    return ix


class _File:
    def __init__(self, path: str, ix: _Index, models: Models) -> None:
        self.path, self.models = path, models
        self.alias: dict[str, SaModel] = dict(models.models)
        for stmt in ix.imports:
            for a in stmt.names:
                if a.name in models.models and a.asname:
                    self.alias[a.asname] = models.models[a.name]
        for stmt in ix.aliased:
            if stmt.value.args and isinstance(stmt.value.args[0], ast.Name) and stmt.value.args[0].id in self.alias:
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        self.alias[t.id] = self.alias[stmt.value.args[0].id]
        self.strings: dict[str, ast.AST] = {}
        self._functions = sorted(ix.functions, key=lambda f: f.lineno)
        self._strings: dict[int, dict] = {}

    def strings_near(self, line: int) -> dict[str, ast.AST]:
        """String assignments in the function holding `line` (for LIKE patterns such as f"%{q}%")."""
        best = None
        for fn in self._functions:
            if fn.lineno <= line <= (fn.end_lineno or 0):
                best = fn
        key = id(best)
        if key not in self._strings:
            out: dict[str, ast.AST] = {}
            for node in ast.walk(best) if best is not None else []:
                if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                    for t in node.targets:
                        if isinstance(t, ast.Name):
                            out[t.id] = node.value
            self._strings[key] = out
        return self._strings[key]

    # -- what starts a chain --------------------------------------------------------------
    def model(self, node: ast.AST | None) -> SaModel | None:
        return self.alias.get(node.id) if isinstance(node, ast.Name) else None

    def column(self, node: ast.AST | None) -> tuple[SaModel, str] | None:
        """`M.attr` or `table.c.col` -> (model, column name)."""
        if isinstance(node, ast.Attribute):
            if (m := self.model(node.value)) is not None and node.attr not in m.rels:
                return m, m.column_of(node.attr)
            if isinstance(node.value, ast.Attribute) and node.value.attr == "c" and (m := self.model(node.value.value)):
                return m, node.attr
        return None

    def mentions_model(self, node: ast.AST) -> SaModel | None:
        for n in ast.walk(node):
            if (m := self.model(n)) is not None:
                return m
        return None

    def root(self, node: ast.AST) -> Root | None:
        if isinstance(node, ast.Attribute) and node.attr == "query" and self.model(node.value):
            return Root("query", node)  # Flask-SQLAlchemy's Model.query
        if not isinstance(node, ast.Call):
            return None
        name = call_name(node)
        if name == "select" and isinstance(node.func, (ast.Name, ast.Attribute)) and node.args \
                and any(self.mentions_model(a) for a in node.args):
            return Root("select", node)
        if name == "select" and dotted(node.func) in {"select", "sa.select", "sqlalchemy.select"} and all(
                isinstance(a, ast.Call) and dotted(a.func).split(".")[0] == "func" for a in node.args):
            return Root("select", node)  # select(func.count()).select_from(Model)
        if name == "query" and isinstance(node.func, ast.Attribute) and node.args and self.mentions_model(node.args[0]):
            return Root("query", node)
        if name in {"update", "delete"} and isinstance(node.func, ast.Name) and node.args and self.model(node.args[0]):
            return Root(name, node)
        if name == "get" and isinstance(node.func, ast.Attribute) and len(node.args) >= 2 and self.model(node.args[0]):
            return Root("get", node, terminal=True)  # session.get(Model, pk)
        return None

    # -- SQL ------------------------------------------------------------------------------
    def table(self, m: SaModel) -> str:
        return (_q(m.schema) + "." if m.schema else "") + _q(m.table)

    def col_sql(self, node: ast.AST) -> str | None:
        c = self.column(node)
        return f"{_q(c[0].table)}.{_q(c[1])}" if c else None

    def literal(self, node: ast.AST) -> str:
        """A pattern as SQL: the literal when known statically (so a leading % shows), else a placeholder."""
        if isinstance(node, ast.Name) and node.id in self.strings:
            node = self.strings[node.id]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return "'" + node.value.replace("'", "''") + "'"
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            return "'" + text.replace("'", "''") + "'"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return f"{self.literal(node.left)} || {self.literal(node.right)}"
        return "$1"

    def cond(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.BoolOp):
            parts = [p for p in (self.cond(v) for v in node.values) if p]
            return "(" + (" AND " if isinstance(node.op, ast.And) else " OR ").join(parts) + ")" if parts else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            parts = [p for p in (self.cond(node.left), self.cond(node.right)) if p]
            return "(" + (" AND " if isinstance(node.op, ast.BitAnd) else " OR ").join(parts) + ")" if parts else None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Invert, ast.Not)):
            inner = self.cond(node.operand)
            return f"NOT ({inner})" if inner else None
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self.compare(node.left, node.ops[0], node.comparators[0])
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name in {"and_", "or_"}:
                parts = [p for p in (self.cond(a) for a in node.args) if p]
                return "(" + (" AND " if name == "and_" else " OR ").join(parts) + ")" if parts else None
            if name == "not_" and node.args:
                inner = self.cond(node.args[0])
                return f"NOT ({inner})" if inner else None
            if name == "text" and node.args and isinstance(node.args[0], ast.Constant):
                return str(node.args[0].value)
            if isinstance(node.func, ast.Attribute):
                return self.method_cond(node)
        if (c := self.col_sql(node)) is not None:
            return f"{c} = TRUE"
        return None

    def operand(self, node: ast.AST) -> str | None:
        """A column, or a function of one (`func.lower(M.email)`)."""
        if (c := self.col_sql(node)) is not None:
            return c
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args \
                and dotted(node.func.value).split(".")[-1] == "func":
            inner = self.col_sql(node.args[0])
            return f"{node.func.attr.lower()}({inner})" if inner else None
        return None

    def compare(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> str | None:
        lc, rc = self.operand(left), self.operand(right)
        sql_op = OPS.get(type(op))
        if sql_op is None:
            return None
        if lc and rc:
            return f"{lc} {sql_op} {rc}"
        if not lc and rc:
            lc, right = rc, left
            sql_op = {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(sql_op, sql_op)
        if not lc:
            return None
        if isinstance(right, ast.Constant) and right.value is None:
            return f"{lc} IS {'NOT ' if sql_op in {'<>', 'IS NOT'} else ''}NULL"
        if isinstance(right, ast.Constant) and isinstance(right.value, bool):
            return f"{lc} {sql_op} {'TRUE' if right.value else 'FALSE'}"
        return f"{lc} {sql_op} ($1)" if sql_op == "IN" else f"{lc} {sql_op} $1"

    def method_cond(self, node: ast.Call) -> str | None:
        method, target = node.func.attr, node.func.value
        col = self.operand(target)
        if col is None:
            return None
        arg = node.args[0] if node.args else None
        if method in {"in_"}:
            return f"{col} IN ($1)"
        if method in {"not_in", "notin_"}:
            return f"{col} NOT IN ($1)"
        if method in {"is_", "isnot", "is_not"}:
            neg = "NOT " if method != "is_" else ""
            return f"{col} IS {neg}NULL" if arg is None or (isinstance(arg, ast.Constant) and arg.value is None) \
                else f"{col} IS {neg}$1"
        if method in {"like", "ilike", "notlike", "notilike", "not_like", "not_ilike"}:
            op = ("NOT " if "not" in method else "") + ("ILIKE" if "ilike" in method else "LIKE")
            return f"{col} {op} {self.literal(arg) if arg is not None else '$1'}"
        if method in {"contains", "icontains", "endswith", "iendswith"}:
            op = "ILIKE" if method.startswith("i") else "LIKE"
            return f"{col} {op} '%x'" if "endswith" in method else f"{col} {op} '%x%'"
        if method in {"startswith", "istartswith"}:
            return f"{col} {'ILIKE' if method.startswith('i') else 'LIKE'} 'x%'"
        if method == "between":
            return f"{col} BETWEEN $1 AND $2"
        if method in {"__eq__", "op"}:
            return f"{col} = $1"
        return None

    def order(self, node: ast.AST, primary: SaModel) -> str | None:
        if isinstance(node, ast.Call):
            name = call_name(node)
            if isinstance(node.func, ast.Attribute) and name in {"desc", "asc", "nullslast", "nullsfirst",
                                                                  "nulls_last", "nulls_first"}:
                inner = self.order(node.func.value, primary)
                return f"{inner.split(' ')[0]} DESC" if inner and name == "desc" else inner
            if name in {"desc", "asc", "nullslast", "nullsfirst", "nulls_last", "nulls_first"} and node.args:
                inner = self.order(node.args[0], primary)
                return f"{inner.split(' ')[0]} DESC" if inner and name == "desc" else inner
            if name == "text" and node.args and isinstance(node.args[0], ast.Constant):
                return str(node.args[0].value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return f"{_q(primary.table)}.{_q(primary.column_of(node.value))}"
        return self.col_sql(node)

    def join_on(self, a: SaModel, b: SaModel) -> str | None:
        """An ON clause from the foreign key between two models (either direction)."""
        for x, y in ((b, a), (a, b)):
            for attr, decl in x.columns.items():
                for fk in decl.fks:
                    t = self.fk_table(fk.target)
                    if t and t[0] == y.table:
                        return f"{_q(x.table)}.{_q(decl.name or attr)} = {_q(y.table)}.{_q(t[1] or self.pk(y))}"
        return None

    def fk_table(self, target) -> tuple[str, str] | None:
        if isinstance(target, str):
            _, table, column = split_target(target)
            return table, column
        parts = dotted(target).split(".") if isinstance(target, ast.AST) else []
        if len(parts) >= 2 and parts[-2] in self.models.models:
            m = self.models.models[parts[-2]]
            return m.table, m.column_of(parts[-1])
        return None

    def pk(self, m: SaModel) -> str:
        return next((d.name or a for a, d in m.columns.items() if d.primary), "id")

    def relation(self, owner: SaModel, attr: str) -> tuple[SaModel, str] | None:
        """The query loading `owner.attr`: (target model, WHERE clause on the target)."""
        rel = owner.rels.get(attr)
        target = self.models.models.get(rel.target) if rel else None
        if rel is None or target is None:
            return None
        if rel.secondary:
            sec = self.models.models.get(rel.secondary) or self.models.by_table(rel.secondary)
            if sec is not None:
                for a, d in sec.columns.items():
                    for fk in d.fks:
                        t = self.fk_table(fk.target)
                        if t and t[0] == owner.table:
                            return sec, f"{_q(sec.table)}.{_q(d.name or a)} IN ($1)"
            return None
        for a, d in target.columns.items():  # one-to-many: the target points at the owner
            for fk in d.fks:
                t = self.fk_table(fk.target)
                if t and t[0] == owner.table and target is not owner:
                    return target, f"{_q(target.table)}.{_q(d.name or a)} IN ($1)"
        return target, f"{_q(target.table)}.{_q(self.pk(target))} IN ($1)"

    def build(self, chain: Chain, result: str = "") -> tuple[str | None, list[tuple[int, str]], str]:
        """The chain's SQL, the extra loader queries (line, sql), and a note on conditional steps."""
        root: Root = chain.root
        entities: list[SaModel] = []
        cols, count, kind = "*", False, root.kind
        if root.kind == "query" and isinstance(root.node, ast.Attribute):
            entities.append(self.model(root.node.value))
        elif isinstance(root.node, ast.Call):
            args = root.node.args[:1] if root.kind == "get" else root.node.args
            picked = []
            for a in args:
                if (m := self.model(a)) is not None:
                    entities.append(m)
                elif (c := self.column(a)) is not None:
                    entities.append(c[0])
                    picked.append(f"{_q(c[0].table)}.{_q(c[1])}")
                elif isinstance(a, ast.Call) and "count" in call_name(a).lower():
                    count = True
                    if (m := self.mentions_model(a)) is not None:
                        entities.append(m)
                elif (m := self.mentions_model(a)) is not None:
                    entities.append(m)
            if picked and len(picked) == len(args):
                cols = ", ".join(picked)
        where, joins, order, group, notes, extra = [], [], [], [], [], []
        limit = offset = None
        if root.kind == "get" and entities:
            where.append(f"{_q(entities[0].table)}.{_q(self.pk(entities[0]))} = $1")
        for step in chain.steps:
            m, a = step.method, step.args
            if m in NOT_RUN:
                return None, [], ""
            if m in {"where", "filter"}:
                where += [c for c in (self.cond(x) for x in a) if c]
            elif m == "filter_by":
                target = entities[-1] if entities else None
                if target is not None:
                    where += [f"{_q(target.table)}.{_q(target.column_of(k))} = $1" for k in step.kwargs]
            elif m == "select_from" and a and (e := self.model(a[0])) is not None:
                entities.insert(0, e)
            elif m in {"join", "outerjoin", "join_from"} and a:
                self.join(step, a, entities, joins)
            elif m == "order_by":
                if entities:
                    order += [o for o in (self.order(x, entities[0]) for x in a) if o]
            elif m == "group_by":
                group += [g for g in (self.col_sql(x) for x in a) if g]
            elif m == "limit":
                if step.conditional:
                    notes.append(f".limit() only {step.conditional} (line {step.node.lineno})")
                else:
                    limit = self.number(a[0]) if a else "$1"
            elif m == "offset":
                offset = self.number(a[0]) if a else "$1"
            elif m == "slice":
                limit, offset = "$1", "$2"
            elif m == "first" and root.kind == "query":
                limit = "1"
            elif m in SINGLE and limit is None:  # the caller expects one row (more raise): not a list
                limit = "1"
                notes.append(f".{m}() expects one row")
            elif m == "get" and root.kind == "query" and entities:
                where.append(f"{_q(entities[0].table)}.{_q(self.pk(entities[0]))} = $1")
                limit = "1"
            elif m == "paginate":
                limit, offset = "$1", "$2"
            elif m == "count":
                count = True
            elif m == "delete" and root.kind == "query":
                kind = "delete"
            elif m == "update" and root.kind == "query":
                kind = "update"
            elif m == "options":
                self.loaders(a, entities, extra, joins)
        if result in SINGLE and limit is None:  # (await session.execute(stmt)).scalar_one_or_none()
            limit = "1"
            notes.append(f".{result}() expects one row")
        if not entities or entities[0] is None:
            return None, [], ""
        e = entities[0]
        if count:
            notes = [n for n in notes if "expects one row" not in n]
        if cols == "*" and e.columns and root.kind in {"select", "query", "get"}:
            cols = self.columns(e)  # an entity load names every mapped column
        cond = f" WHERE {' AND '.join(where)}" if where else ""
        if kind == "update":
            return f"UPDATE {self.table(e)} SET updated = $1{cond}", extra, ""
        if kind == "delete":
            return f"DELETE FROM {self.table(e)}{cond}", extra, ""
        what = "COUNT(*)" if count else cols
        sql = f"SELECT {what} FROM {self.table(e)}{''.join(joins)}{cond}"
        if group:
            sql += f" GROUP BY {', '.join(group)}"
        if order and not count:
            sql += f" ORDER BY {', '.join(order)}"
        if limit and not count:
            sql += f" LIMIT {limit}"
        if offset and not count:
            sql += f" OFFSET {offset}"
        return sql, extra, "; ".join(notes)

    def columns(self, m: SaModel) -> str:
        return select_list([f"{_q(m.table)}.{_q(d.name or a)}" for a, d in m.columns.items()])

    def number(self, node: ast.AST) -> str:
        return str(node.value) if isinstance(node, ast.Constant) and isinstance(node.value, int) else "$1"

    def join(self, step, args, entities: list[SaModel], joins: list[str]) -> None:
        kind = " LEFT JOIN " if step.method == "outerjoin" or step.kwargs.get("isouter") is not None else " JOIN "
        first = args[0]
        if isinstance(first, ast.Attribute) and (owner := self.model(first.value)) and first.attr in owner.rels:
            rel = self.relation(owner, first.attr)
            target = rel[0] if rel else None
            if target is not None:
                on = self.join_on(owner, target) or "TRUE"
                joins.append(f"{kind}{self.table(target)} ON {on}")
                entities.append(target)
            return
        target = self.model(first)
        if target is None:
            return
        on = self.cond(args[1]) if len(args) > 1 else None
        if on is None and entities and entities[0] is not None:
            on = self.join_on(entities[0], target)
        joins.append(f"{kind}{self.table(target)} ON {on or 'TRUE'}")
        entities.append(target)

    def loaders(self, args, entities, extra: list[tuple[int, str]], joins: list[str]) -> None:
        """selectinload / subqueryload run one more query per statement; joinedload joins."""
        for opt in args:
            node = opt
            calls = []
            while isinstance(node, ast.Call):  # selectinload(A.b).selectinload(B.c)
                calls.append(node)
                node = node.func.value if isinstance(node.func, ast.Attribute) else None
            for call in reversed(calls):
                kind = call_name(call)
                if kind not in LOADERS or not call.args:
                    continue
                rel = call.args[0]
                if not isinstance(rel, ast.Attribute) or (owner := self.model(rel.value)) is None:
                    continue
                found = self.relation(owner, rel.attr)
                if found is None:
                    continue
                target, clause = found
                if kind in {"selectinload", "subqueryload", "immediateload"}:
                    extra.append((call.lineno, f"SELECT {self.columns(target) or '*'} FROM {self.table(target)} WHERE {clause}"
                                               f" /* {kind}({owner.cls}.{rel.attr}) */"))
                elif kind == "joinedload":
                    on = self.join_on(owner, target) or "TRUE"
                    joins.append(f" LEFT JOIN {self.table(target)} ON {on}")


def _lazy_loads(path: str, ix: _Index, f: _File, eager: set[str]) -> list[Query]:
    """`for x in ...: x.rel` where rel is a lazy relationship of exactly one model: a query per iteration."""
    rels: dict[str, list[SaModel]] = {}
    column_attrs = {a for m in f.models.models.values() for a in m.columns}
    for m in f.models.models.values():
        for attr in m.rels:
            if attr not in eager and attr not in column_attrs:
                rels.setdefault(attr, []).append(m)
    out = []
    if not rels:
        return out
    for loop in ix.loops:
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            targets, body = [loop.target], loop.body
        else:
            targets = [g.target for g in loop.generators]
            body = [getattr(loop, k) for k in ("elt", "key", "value") if getattr(loop, k, None) is not None]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if not names:
            continue
        for part in body:
            for node in ast.walk(part):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in names \
                        and node.attr in rels and len(rels[node.attr]) == 1:
                    found = f.relation(rels[node.attr][0], node.attr)
                    if found is not None:
                        target, clause = found
                        sql = f"SELECT {f.columns(target) or '*'} FROM {f.table(target)} WHERE {clause.replace('IN ($1)', '= $1')}"
                        out.append(make_query("sqlalchemy", path, node.lineno,
                                              f"{sql} /* lazy load of {rels[node.attr][0].cls}.{node.attr} */", True))
    return out


def sqlalchemy_queries(trees: dict[str, ast.Module], models: Models, project: Project) -> list[Query]:
    out: list[Query] = []
    indexes = {path: _index(tree) for path, tree in trees.items()}
    # relationships some query loads eagerly, or declared with an eager `lazy=`, are not lazy loads
    eager = {attr for m in models.models.values() for attr, r in m.rels.items() if r.lazy in EAGER}
    for ix in indexes.values():
        eager |= ix.loaders
    model_names = set(models.models)
    for path in sorted(trees):
        tree, ix = trees[path], indexes[path]
        f = _File(path, ix, models)
        if ix.names & (model_names | set(f.alias)):
            runs: list[Run] = track(tree, f.root, TERMINALS)
        else:
            runs = []  # no model is named here: no query can start
        seen = set()
        for run in runs:
            f.strings = f.strings_near(run.chain.line)
            try:
                sql, extra, note = f.build(run.chain, run.terminal)
            except (RecursionError, ValueError):
                continue
            if sql is None:
                continue
            if note:  # up front, where the evidence (the first 200 characters) shows it
                sql = sql.replace("SELECT ", f"SELECT /* {note} */ ", 1)
            for line, text in [(run.chain.line, sql)] + extra:
                key = (line, text)
                if key in seen:
                    continue
                seen.add(key)
                out.append(make_query("sqlalchemy", path, line, text, run.in_loop))
        if ix.loops:
            out += _lazy_loads(path, ix, f, eager)
    return out
