"""Django ORM querysets as the SQL they amount to.

`Model.objects.filter(a=x, b__gte=y).exclude(...).order_by('-c')[:n]`, `.get()`, `.first()`,
`.count()`, `.exists()`, `.update()`, `.delete()`, `.values()`, `select_related` (joins) and
`prefetch_related` (one more query per relation). A queryset that is iterated or returned without
a slice is unbounded, except the `queryset` of a DRF view / ListView that pages it
(pagination_class, DEFAULT_PAGINATION_CLASS, paginate_by). A ForeignKey or reverse relation read
on each row of a loop over a queryset that did not select_related/prefetch_related it is one query
per iteration (N+1).
"""

from __future__ import annotations

import ast

from audit.facts.orm.ddl import select_list
from audit.facts.orm.django import Django, DjField, DjModel
from audit.facts.orm.pychains import Chain, ChainTracker, track
from audit.facts.orm.pyeval import Env, Project, Unresolved, call_name, dotted, try_eval
from audit.facts.queries import Query, make_query

TERMINALS = {"get", "first", "last", "count", "exists", "update", "delete", "aggregate", "latest", "earliest",
             "in_bulk", "get_or_create", "update_or_create", "create", "bulk_create", "bulk_update", "contains",
             "aget", "afirst", "alast", "acount", "aexists", "aupdate", "adelete", "aaggregate", "acreate",
             "aget_or_create", "aupdate_or_create"}
LOOKUPS = {"exact", "iexact", "contains", "icontains", "in", "gt", "gte", "lt", "lte", "startswith",
           "istartswith", "endswith", "iendswith", "range", "isnull", "regex", "iregex", "search"}
TRANSFORMS = {"date", "year", "month", "day", "week", "week_day", "iso_week_day", "quarter", "time", "hour",
              "minute", "second", "iso_year", "unaccent", "lower", "upper", "trigram_similar", "len"}
AGGREGATES = {"Count", "Sum", "Avg", "Max", "Min", "StdDev", "Variance", "ArrayAgg", "StringAgg"}
LIST_VIEWS = ("ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet", "ListModelMixin")
OFFSET_PAGERS = ("PageNumberPagination", "LimitOffsetPagination")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lookup_sql(key: str, m: DjModel, placeholder: str = "$1", env: Env | None = None, value: ast.AST | None = None,
               dj: Django | None = None, joins: list[str] | None = None, alias: str | None = None) -> str | None:
    """One `field__path__lookup=value` as SQL on model `m` (joins for related fields go to `joins`)."""
    parts = key.split("__")
    lookup = "exact"
    if len(parts) > 1 and parts[-1] in LOOKUPS:
        lookup = parts.pop()
    while len(parts) > 1 and parts[-1] in TRANSFORMS:
        parts.pop()
    cur, table = m, alias or m.table
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        f = cur.fields.get(part) if part != "pk" else cur.pk()
        if f is None and part.endswith("_id") and (fk := cur.fields.get(part[:-3])) is not None and fk.relation:
            f = DjField(part, "IntegerField", fk.line, fk.column)
        if f is not None and (not f.relation or last or (parts[i + 1] in {"id", "pk"} and i + 2 == len(parts))) \
                and not f.many:
            column = f.column
            return _condition(f"{_q(table)}.{_q(column)}", lookup, value, env)
        if dj is None or joins is None:
            return None
        nxt = _related(dj, cur, part)
        if nxt is None:
            return None
        child, on = nxt(table)
        joins.append(f" JOIN {_q(child.table)} ON {on}")
        cur, table = child, child.table
        if last:
            pk = cur.pk()
            return _condition(f"{_q(table)}.{_q(pk.column if pk else 'id')}", lookup, value, env)
    return None


def _related(dj: Django, m: DjModel, name: str):
    """How to reach relation `name` of `m`: a function of the current alias returning (model, ON clause)."""
    f = m.fields.get(name)
    state = dj.models
    if f is not None and f.relation and not f.many:
        target = state.get(m.label if f.target == "self" else f.target)
        if target is None:
            return None
        pk = target.pk()
        return lambda t: (target, f"{_q(target.table)}.{_q(pk.column if pk else 'id')} = {_q(t)}.{_q(f.column)}")
    if f is not None and f.many:
        target = state.get(m.label if f.target == "self" else f.target)
        if target is None:
            return None
        through = f.db_table or f"{m.table}_{f.name}"
        src = f"{m.name.lower()}_id" if m.label != target.label else f"from_{m.name.lower()}_id"
        return lambda t: (target, f"{_q(target.table)}.{_q('id')} IN (SELECT 1 FROM {_q(through)} WHERE {_q(through)}.{_q(src)} = {_q(t)}.{_q('id')})")
    for other in state.values():  # reverse: related_name, or the model's name in lookups
        for of in other.fields.values():
            if of.relation and not of.many and (of.target == m.label or (of.target == "self" and other is m)) and \
                    name in {of.related_name, other.name.lower(), f"{other.name.lower()}_set"}:
                pk = m.pk()
                return lambda t, other=other, of=of: (
                    other, f"{_q(other.table)}.{_q(of.column)} = {_q(t)}.{_q(pk.column if pk else 'id')}")
    return None


def _condition(col: str, lookup: str, value: ast.AST | None, env: Env | None) -> str:
    literal = _literal(value, env)
    if lookup == "isnull":
        truth = try_eval(value, env, True)
        return f"{col} IS {'' if truth else 'NOT '}NULL"
    if lookup == "exact" and isinstance(value, ast.Constant) and value.value is None:
        return f"{col} IS NULL"
    if lookup == "exact":
        return f"{col} = {_f_value(value) or '$1'}"
    if lookup == "iexact":
        return f"UPPER({col}) = UPPER($1)"
    if lookup == "in":
        return f"{col} IN ($1)"
    if lookup in {"gt", "gte", "lt", "lte"}:
        return f"{col} {dict(gt='>', gte='>=', lt='<', lte='<=')[lookup]} {_f_value(value) or '$1'}"
    if lookup == "range":
        return f"{col} BETWEEN $1 AND $2"
    if lookup in {"contains", "icontains"}:
        return f"{col} {'ILIKE' if lookup[0] == 'i' else 'LIKE'} '%{literal}%'"
    if lookup in {"startswith", "istartswith"}:
        return f"{col} {'ILIKE' if lookup[0] == 'i' else 'LIKE'} '{literal}%'"
    if lookup in {"endswith", "iendswith"}:
        return f"{col} {'ILIKE' if lookup[0] == 'i' else 'LIKE'} '%{literal}'"
    if lookup in {"regex", "iregex"}:
        return f"{col} ~ $1"
    if lookup == "search":
        return f"{col} @@ $1"
    return f"{col} = $1"


def _literal(value: ast.AST | None, env: Env | None) -> str:
    v = try_eval(value, env)
    return str(v).replace("'", "''").replace("%", "") if isinstance(v, str) else "x"


def _f_value(value: ast.AST | None) -> str | None:
    """`F("other")` compares two columns of the row."""
    if isinstance(value, ast.Call) and call_name(value) == "F" and value.args and isinstance(value.args[0], ast.Constant):
        return _q(str(value.args[0].value))
    return None


class _Root:
    def __init__(self, model: DjModel, node: ast.AST, kind: str = "manager", where: list[ast.keyword] | None = None,
                 terminal: bool = False) -> None:
        self.model, self.node, self.kind, self.where, self.terminal = model, node, kind, where or [], terminal


class _Reader:
    def __init__(self, path: str, tree: ast.Module, dj: Django, project: Project) -> None:
        self.path, self.dj = path, dj
        self.env = project.env(path)
        self.classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        self.managers = {"objects", "_default_manager", "_base_manager"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                    (call_name(node.value).endswith("Manager") or call_name(node.value) == "as_manager"):
                self.managers |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        self.pager = self._settings_pager(project)
        self.loop_queries: list[Query] = []

    def _settings_pager(self, project: Project) -> str:
        for path in project.trees:
            rf = project.env(path).values.get("REST_FRAMEWORK")
            if isinstance(rf, dict) and isinstance(rf.get("DEFAULT_PAGINATION_CLASS"), str):
                return rf["DEFAULT_PAGINATION_CLASS"]
        return ""

    def model(self, node: ast.AST | None) -> DjModel | None:
        return self.dj.by_class.get(node.id) if isinstance(node, ast.Name) else None

    def root(self, node: ast.AST):
        if isinstance(node, ast.Attribute) and node.attr in self.managers and (m := self.model(node.value)) is not None:
            return _Root(m, node)
        if isinstance(node, ast.Call) and call_name(node) in {"get_object_or_404", "aget_object_or_404",
                                                               "get_list_or_404"} and node.args:
            first = node.args[0]
            m = self.model(first)
            if m is None and isinstance(first, ast.Attribute):
                m = self.model(first.value)
            if m is not None:
                return _Root(m, node, call_name(node), node.keywords, terminal=True)
        return None

    # -- SQL ---------------------------------------------------------------------------------
    def q_sql(self, node: ast.AST, m: DjModel, joins: list[str]) -> str | None:
        if isinstance(node, ast.Call) and call_name(node) == "Q":
            parts = [self.kw_sql(k, m, joins) for k in node.keywords if k.arg]
            parts += [self.q_sql(a, m, joins) for a in node.args]
            parts = [p for p in parts if p]
            return "(" + " AND ".join(parts) + ")" if parts else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitOr, ast.BitAnd)):
            parts = [p for p in (self.q_sql(node.left, m, joins), self.q_sql(node.right, m, joins)) if p]
            return "(" + (" OR " if isinstance(node.op, ast.BitOr) else " AND ").join(parts) + ")" if parts else None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            inner = self.q_sql(node.operand, m, joins)
            return f"NOT {inner}" if inner else None
        return None

    def kw_sql(self, kw: ast.keyword, m: DjModel, joins: list[str]) -> str | None:
        try:
            return lookup_sql(kw.arg, m, env=self.env, value=kw.value, dj=self.dj, joins=joins)
        except Unresolved:
            return None

    def columns(self, m: DjModel, names: list[str] | None = None) -> str:
        if names:
            cols = [f"{_q(m.table)}.{_q(m.column(n))}" for n in names if "__" not in n]
            if cols:
                return ", ".join(cols)
        return select_list([f"{_q(m.table)}.{_q(f.column)}" for f in m.fields.values() if not f.many])

    def order(self, m: DjModel, name: str) -> str | None:
        desc = name.startswith("-")
        name = name.lstrip("-")
        if name == "?":
            return "RANDOM()"
        if "__" in name:
            return None
        f = m.fields.get(name) if name != "pk" else m.pk()
        column = f.column if f is not None else name
        return f"{_q(m.table)}.{_q(column)}{' DESC' if desc else ''}"

    def build(self, chain: Chain, context: tuple[str, str], terminal: str) -> tuple[str | None, list[tuple[int, str]], str]:
        root: _Root = chain.root
        m = root.model
        where, joins, order, extra, notes = [], [], [], [], []
        cols, kind, count, aggregate = self.columns(m), "select", False, False
        limit = offset = None
        for kw in root.where:
            if kw.arg and (c := self.kw_sql(kw, m, joins)):
                where.append(c)
        if root.kind in {"get_object_or_404", "aget_object_or_404"}:
            limit = "21"
        for step in chain.steps:
            name, args, kws = step.method, step.args, step.node.keywords if isinstance(step.node, ast.Call) else []
            if name in {"filter", "exclude", "get", "aget", "get_or_create", "aget_or_create", "update_or_create",
                        "aupdate_or_create", "filter_by"}:
                parts = [c for c in (self.kw_sql(k, m, joins) for k in kws if k.arg and k.arg != "defaults") if c]
                parts += [c for c in (self.q_sql(a, m, joins) for a in args) if c]
                if parts:
                    cond = " AND ".join(parts)
                    where.append(f"NOT ({cond})" if name == "exclude" else cond)
                if name.lstrip("a").startswith("get") or name.endswith("update_or_create"):
                    limit = "21"
            elif name == "order_by":
                order = [o for o in (self.order(m, str(try_eval(a, self.env, ""))) for a in args) if o]
            elif name in {"first", "last", "afirst", "alast", "latest", "earliest", "alatest", "aearliest"}:
                if not order:
                    pk = m.pk()
                    field_ = try_eval(args[0], self.env) if args else None
                    order = [self.order(m, field_) if isinstance(field_, str) else f"{_q(m.table)}.{_q(pk.column if pk else 'id')}"]
                limit = "1"
            elif name == "[]":
                limit, offset = self.slice(step.node)
            elif name in {"count", "acount"}:
                count = True
            elif name in {"exists", "aexists", "contains"}:
                limit = "1"
            elif name in {"values", "values_list", "only"}:
                cols = self.columns(m, [str(v) for v in (try_eval(a, self.env) for a in args) if isinstance(v, str)])
            elif name in {"annotate", "aggregate", "aaggregate"}:
                if any(call_name(v) in AGGREGATES for v in list(args) + [k.value for k in kws] if isinstance(v, ast.Call)):
                    aggregate = True
            elif name in {"update", "aupdate"}:
                kind = "update"
            elif name in {"delete", "adelete"}:
                kind = "delete"
            elif name in {"create", "acreate", "bulk_create", "abulk_create", "bulk_update", "abulk_update", "none"}:
                return None, [], ""
            elif name == "in_bulk":
                pk = m.pk()
                where.append(f"{_q(m.table)}.{_q(pk.column if pk else 'id')} IN ($1)")
            elif name == "select_related":
                for a in args:
                    rel = str(try_eval(a, self.env, "")).split("__")[0]
                    nxt = _related(self.dj, m, rel) if rel else None
                    if nxt is not None:
                        target, on = nxt(m.table)
                        joins.append(f" LEFT JOIN {_q(target.table)} ON {on}")
            elif name == "prefetch_related":
                for a in args:
                    extra += self.prefetch(m, a)
        if terminal.startswith("class:") or context[1] == "get_queryset":
            pager = self.view_pager(context[0])
            if pager and limit is None:
                limit, offset = ("$1", "$2") if pager.endswith(OFFSET_PAGERS) else ("$1", None)
                notes.append(f"paged by {pager.split('.')[-1]}")
        cond = f" WHERE {' AND '.join(where)}" if where else ""
        if kind == "update":
            return f"UPDATE {_q(m.table)} SET updated = $1{cond}", extra, ""
        if kind == "delete":
            return f"DELETE FROM {_q(m.table)}{cond}", extra, ""
        what = "COUNT(*)" if count else (f"{cols}, COUNT(*)" if aggregate else cols)
        sql = f"SELECT {what} FROM {_q(m.table)}{''.join(joins)}{cond}"
        if aggregate and not count:
            sql += f" GROUP BY {cols}"
        if order and not count:
            sql += f" ORDER BY {', '.join(order)}"
        if limit and not count:
            sql += f" LIMIT {limit}"
        if offset and not count:
            sql += f" OFFSET {offset}"
        return sql, extra, "; ".join(notes)

    def slice(self, node: ast.Subscript) -> tuple[str | None, str | None]:
        s = node.slice
        if isinstance(s, ast.Slice):
            if s.upper is None:
                return None, "$1" if s.lower is not None else None
            lower = try_eval(s.lower, self.env) if s.lower is not None else 0
            return "$1", ("$2" if lower not in (0, None) else None)
        return "1", None  # qs[0]

    def prefetch(self, m: DjModel, arg: ast.AST) -> list[tuple[int, str]]:
        name = try_eval(arg, self.env)
        if isinstance(arg, ast.Call) and call_name(arg) == "Prefetch" and arg.args:
            name = try_eval(arg.args[0], self.env)
        if not isinstance(name, str):
            return []
        return [(line, f"{sql} /* prefetch_related({name!r}) */") for line, sql in self._prefetch(m, arg, name)]

    def _prefetch(self, m: DjModel, arg: ast.AST, name: str) -> list[tuple[int, str]]:
        rel = name.split("__")[0]
        f = m.fields.get(rel)
        if f is not None and f.relation and not f.many:
            target = self.dj.models.get(m.label if f.target == "self" else f.target)
            if target is not None:
                pk = target.pk()
                return [(arg.lineno, f"SELECT {self.columns(target)} FROM {_q(target.table)} WHERE "
                                     f"{_q(target.table)}.{_q(pk.column if pk else 'id')} IN ($1)")]
        if f is not None and f.many:
            through = f.db_table or f"{m.table}_{f.name}"
            target = self.dj.models.get(m.label if f.target == "self" else f.target)
            src = f"{m.name.lower()}_id" if target is None or m.label != target.label else f"from_{m.name.lower()}_id"
            return [(arg.lineno, f"SELECT * FROM {_q(through)} WHERE {_q(through)}.{_q(src)} IN ($1)")]
        for other in self.dj.models.values():
            for of in other.fields.values():
                if of.relation and not of.many and of.target == m.label and \
                        rel in {of.related_name, f"{other.name.lower()}_set"}:
                    return [(arg.lineno, f"SELECT {self.columns(other)} FROM {_q(other.table)} WHERE "
                                         f"{_q(other.table)}.{_q(of.column)} IN ($1)")]
        return []

    def view_pager(self, cls: str) -> str:
        node = self.classes.get(cls)
        if node is None:
            return ""
        bases = " ".join(dotted(b) for b in node.bases)
        attrs = {}
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        attrs[t.id] = stmt.value
        if "paginate_by" in attrs and try_eval(attrs["paginate_by"], self.env) not in (None, 0):
            return "ListView.paginate_by (Paginator, OFFSET)"
        if "pagination_class" in attrs:
            value = attrs["pagination_class"]
            if isinstance(value, ast.Constant) and value.value is None:
                return ""
            return dotted(value) or "pagination_class"
        if self.pager and any(h in bases for h in LIST_VIEWS):
            return self.pager
        return ""

    # -- N+1: relations read per row of a loop over a queryset ---------------------------------------
    def on_loop(self, target: ast.AST, chain: Chain, body: list, tracker: ChainTracker) -> None:
        if not isinstance(target, ast.Name) or not isinstance(chain.root, _Root):
            return
        m = chain.root.model
        loaded = set()
        for step in chain.steps:
            if step.method in {"select_related", "prefetch_related"}:
                for a in step.args:
                    v = try_eval(a.args[0] if isinstance(a, ast.Call) and a.args else a, self.env)
                    if isinstance(v, str):
                        loaded.add(v.split("__")[0])
                if step.method == "select_related" and not step.args:
                    loaded |= {f.name for f in m.fields.values() if f.relation}
            if step.method in {"values", "values_list"}:
                return
        seen = set()
        for part in body:
            for node in ast.walk(part):
                if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == target.id):
                    continue
                rel = node.attr
                if rel in loaded or rel in seen:
                    continue
                f = m.fields.get(rel)
                sql = None
                if f is not None and f.relation and not f.many:
                    tm = self.dj.models.get(m.label if f.target == "self" else f.target)
                    if tm is not None:
                        pk = tm.pk()
                        sql = f"SELECT {self.columns(tm)} FROM {_q(tm.table)} WHERE {_q(tm.table)}.{_q(pk.column if pk else 'id')} = $1"
                elif f is None:
                    for other in self.dj.models.values():
                        for of in other.fields.values():
                            if of.relation and not of.many and of.target == m.label and \
                                    rel in {of.related_name, f"{other.name.lower()}_set"}:
                                sql = f"SELECT {self.columns(other)} FROM {_q(other.table)} WHERE {_q(other.table)}.{_q(of.column)} = $1"
                if sql:
                    seen.add(rel)
                    self.loop_queries.append(make_query("django", self.path, node.lineno,
                                                        f"{sql} /* {m.name}.{rel} read per row */", True))


def django_queries(trees: dict[str, ast.Module], dj: Django, project: Project) -> list[Query]:
    out: list[Query] = []
    for path in sorted(trees):
        tree = trees[path]
        if "migrations" in path.split("/"):
            continue
        r = _Reader(path, tree, dj, project)
        runs = track(tree, r.root, TERMINALS, r.on_loop)
        seen = set()
        for run in runs:
            try:
                sql, extra, note = r.build(run.chain, run.context, run.terminal)
            except (RecursionError, ValueError, Unresolved):
                continue
            if sql is None:
                continue
            if note:
                sql = sql.replace("SELECT ", f"SELECT /* {note} */ ", 1)
            for line, text in [(run.chain.line, sql)] + extra:
                if (line, text) not in seen:
                    seen.add((line, text))
                    out.append(make_query("django", path, line, text, run.in_loop))
        out += r.loop_queries
    return out
