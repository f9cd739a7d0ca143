"""Node query builders and ORM clients as the SQL they amount to.

Prisma client (`prisma.post.findMany({ where, orderBy, take, skip, include })`, `findUnique`,
`findFirst`, `count`, `update*`, `delete*`, `$queryRaw`), knex (`knex('t').where(...).orderBy(...)
.limit(n)`), Kysely (`db.selectFrom('t').where('c', '=', x).orderBy('c', 'desc').limit(n)`) and
TypeORM (`repo.find({ where, order, take, skip })`, `findOneBy`, `createQueryBuilder('a')
.where('a.c = :c')...getMany()`). Each becomes a query fact like raw SQL, so the `db.*` checks
apply unchanged; calls inside loops or `.map` callbacks are marked as the other extractors do.
"""

from __future__ import annotations

import re

from audit.facts import js
from audit.facts.orm.ddl import select_list
from audit.facts.orm.jsmigrations import JsSources, _members, _unwrap, flatten, jstr, outermost_calls, pairs
from audit.facts.orm.prisma import PModel, Prisma
from audit.facts.queries import Query, in_js_loop, make_query, template_sql

PRISMA_METHODS = {"findMany", "findFirst", "findFirstOrThrow", "findUnique", "findUniqueOrThrow", "count",
                  "aggregate", "groupBy", "update", "updateMany", "upsert", "delete", "deleteMany"}
PRISMA_RAW = {"$queryRaw", "$executeRaw", "$queryRawUnsafe", "$executeRawUnsafe"}
KNEX_BUILDER = {"where", "andWhere", "orWhere", "whereIn", "whereNotIn", "whereNull", "whereNotNull", "whereBetween",
                "whereLike", "whereILike", "whereRaw", "select", "first", "orderBy", "limit", "offset", "insert",
                "update", "del", "delete", "count", "join", "leftJoin", "innerJoin", "pluck", "returning",
                "groupBy", "sum", "max", "min", "avg", "increment", "decrement", "distinct", "modify", "then",
                "whereExists", "having", "clearSelect", "forUpdate", "paginate", "upsert", "onConflict"}
KNEX_NOT = {"$", "jQuery", "t", "i18n", "require", "import", "expect", "describe", "it", "test", "cy", "fetch",
            "axios", "z", "moment", "dayjs", "console", "Promise", "Object", "Array", "String", "JSON"}
KYSELY_ROOTS = {"selectFrom": "select", "updateTable": "update", "deleteFrom": "delete"}
TYPEORM_FIND = {"find", "findOne", "findBy", "findOneBy", "findAndCount", "findAndCountBy", "count", "countBy",
                "findOneOrFail", "findOneByOrFail", "exist", "exists", "existsBy", "delete", "update", "softDelete",
                "findByIds", "sum", "average", "minimum", "maximum"}
OPS = {"equals": "=", "not": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "in": "IN", "notIn": "NOT IN"}
_Q = '"'


def _q(name: str) -> str:
    return _Q + name.replace(_Q, _Q * 2) + _Q


def _pattern(tree, node, wrap: str) -> str:
    """A LIKE pattern: the literal when it is written out, else a placeholder shaped like the operator."""
    value = jstr(tree, node) if node is not None else None
    if value is None and node is not None and _unwrap(node) is not None and _unwrap(node).type == "template_string":
        value = re.sub(r"\$\{[^}]*\}", "x", js.text(_unwrap(node))[1:-1])
    if value is None:
        value = "x"
    text = {"contains": f"%{value}%", "startsWith": f"{value}%", "endsWith": f"%{value}"}.get(wrap, value)
    return "'" + text.replace("'", "''") + "'"


# -- Prisma -------------------------------------------------------------------------------------
class _Prisma:
    def __init__(self, prisma: Prisma, tree) -> None:
        self.p, self.tree = prisma, tree

    def cols(self, m: PModel) -> str:
        return select_list([f"{_q(m.table)}.{_q(f.column)}" for f in m.fields if f.type not in self.p.models])

    def table(self, m: PModel) -> str:
        return (f"{_q(m.schema)}." if m.schema else "") + _q(m.table)

    def relation(self, m: PModel, name: str) -> tuple[PModel, list[str], list[str], bool] | None:
        """(target, columns on target, columns they equal on m, to_many) for relation field `name` of `m`."""
        f = m.field(name)
        target = self.p.models.get(f.type) if f is not None else None
        if f is None or target is None:
            return None
        rel = f.attrs.get("@relation") or []
        from audit.facts.orm.prisma import _kw_list, _names, _rel_name
        fields, refs = _names(_kw_list(rel, "fields")), _names(_kw_list(rel, "references"))
        if fields:  # to-one: the FK is on m
            return target, [target.column(r) for r in refs], [m.column(x) for x in fields], False
        for g in target.fields:
            if g.type == m.name and _rel_name(g) == _rel_name(f) and g is not f:
                grel = g.attrs.get("@relation") or []
                gf, gr = _names(_kw_list(grel, "fields")), _names(_kw_list(grel, "references"))
                if gf:
                    return target, [target.column(x) for x in gf], [m.column(x) for x in gr], f.list
        return None

    def where(self, m: PModel, node, alias: str | None = None) -> list[str]:
        out = []
        t = alias or m.table
        for key, value in pairs(node).items():
            if key in {"AND", "OR", "NOT"}:
                items = [_unwrap(value)]
                if items[0] is not None and items[0].type == "array":
                    items = items[0].named_children
                parts = [" AND ".join(self.where(m, v, alias)) for v in items]
                parts = [f"({p})" for p in parts if p]
                if parts:
                    out.append(("NOT " if key == "NOT" else "") + "(" + (" OR " if key == "OR" else " AND ").join(parts) + ")")
                continue
            f = m.field(key)
            if f is None:
                compound = pairs(value)  # a compound unique: { a_b: { a, b } }
                out += [f"{_q(t)}.{_q(m.column(k))} = $1" for k in compound if m.field(k) is not None]
                continue
            if f.type in self.p.models:
                out += self.relation_filter(m, key, value, t)
                continue
            col = f"{_q(t)}.{_q(f.column)}"
            v = _unwrap(value)
            if v is not None and v.type == "null":
                out.append(f"{col} IS NULL")
            elif v is not None and v.type == "object":
                ops = pairs(v)
                insensitive = jstr(self.tree, ops.get("mode")) == "insensitive" if "mode" in ops else False
                for op, arg in ops.items():
                    if op in OPS:
                        a = _unwrap(arg)
                        if op in {"equals", "not"} and a is not None and a.type == "null":
                            out.append(f"{col} IS {'NOT ' if op == 'not' else ''}NULL")
                        else:
                            out.append(f"{col} {OPS[op]} ($1)" if "IN" in OPS[op] else f"{col} {OPS[op]} $1")
                    elif op in {"contains", "startsWith", "endsWith"}:
                        out.append(f"{col} {'ILIKE' if insensitive else 'LIKE'} {_pattern(self.tree, arg, op)}")
                    elif op == "search":
                        out.append(f"{col} @@ $1")
                    elif op in {"has", "hasSome", "hasEvery"}:
                        out.append(f"{col} @> $1")
            else:
                out.append(f"{col} = $1")
        return out

    def relation_filter(self, m: PModel, key: str, value, t: str) -> list[str]:
        rel = self.relation(m, key)
        if rel is None:
            return []
        target, tcols, mcols, _ = rel
        ops = pairs(value)
        inner_node = next((ops[k] for k in ("some", "every", "none", "is", "isNot") if k in ops), value)
        alias = f"{target.table}_{key}"
        on = " AND ".join(f"{_q(alias)}.{_q(a)} = {_q(t)}.{_q(b)}" for a, b in zip(tcols, mcols))
        inner = self.where(target, inner_node, alias)
        neg = "NOT " if "none" in ops or "isNot" in ops else ""
        return [f"{neg}EXISTS (SELECT 1 FROM {self.table(target)} AS {_q(alias)} WHERE {' AND '.join([on] + inner)})"]

    def order(self, m: PModel, node) -> list[str]:
        node = _unwrap(node)
        items = node.named_children if node is not None and node.type == "array" else [node] if node is not None else []
        out = []
        for item in items:
            for key, value in pairs(item).items():
                f = m.field(key)
                if f is not None and f.type not in self.p.models:
                    direction = jstr(self.tree, value) or jstr(self.tree, pairs(value).get("sort")) or "asc"
                    out.append(f"{_q(m.table)}.{_q(f.column)}{' DESC' if direction.lower() == 'desc' else ''}")
        return out

    def query(self, m: PModel, method: str, args: list) -> tuple[str | None, list[tuple[object, str]]]:
        opts = pairs(args[0]) if args else {}
        where = self.where(m, opts["where"]) if "where" in opts else []
        order = self.order(m, opts["orderBy"]) if "orderBy" in opts else []
        limit = "1" if method.startswith(("findFirst", "findUnique")) else ("$1" if "take" in opts else None)
        offset = "$1" if "skip" in opts else None
        if "cursor" in opts:
            where += [f"{_q(m.table)}.{_q(m.column(k))} >= $1" for k in pairs(opts["cursor"])]
        cond = f" WHERE {' AND '.join(where)}" if where else ""
        extra = []
        for key in ("include", "select"):
            for rel_name, spec in pairs(opts.get(key)).items():
                rel = self.relation(m, rel_name)
                if rel is None:
                    continue
                target, tcols, _, _ = rel
                sub = pairs(spec)
                w = [f"{_q(target.table)}.{_q(c)} IN ($1)" for c in tcols] + (self.where(target, sub["where"]) if "where" in sub else [])
                o = self.order(target, sub["orderBy"]) if "orderBy" in sub else []
                sql = f"SELECT {self.cols(target)} FROM {self.table(target)} WHERE {' AND '.join(w)}"
                sql += f" ORDER BY {', '.join(o)}" if o else ""
                sql += " LIMIT $1" if "take" in sub else ""
                extra.append((spec if spec is not None else args[0], f"{sql} /* {key}: {rel_name} */"))
        if method in {"update", "updateMany", "upsert"}:
            return f"UPDATE {self.table(m)} SET updated = $1{cond}", extra
        if method in {"delete", "deleteMany"}:
            return f"DELETE FROM {self.table(m)}{cond}", extra
        if method in {"count"}:
            return f"SELECT COUNT(*) FROM {self.table(m)}{cond}", extra
        if method in {"aggregate", "groupBy"}:
            return f"SELECT COUNT(*), MAX(1) FROM {self.table(m)}{cond} GROUP BY 1", extra
        sql = f"SELECT {self.cols(m)} FROM {self.table(m)}{cond}"
        sql += f" ORDER BY {', '.join(order)}" if order else ""
        sql += f" LIMIT {limit}" if limit else ""
        sql += f" OFFSET {offset}" if offset else ""
        return sql, extra


# -- knex and Kysely ------------------------------------------------------------------------------
def _table_ref(text: str) -> tuple[str, str] | None:
    """'users as u' / 'users u' / 'public.users' -> (table SQL, alias)."""
    m = re.match(r"^\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)?)(?:\s+(?:as\s+)?([A-Za-z_]\w*))?\s*$", text, re.I)
    if m is None:
        return None
    table = ".".join(_q(p) for p in m.group(1).split("."))
    return table, m.group(2) or ""


def _col(text: str) -> str:
    parts = [p for p in re.split(r"\.", text.strip()) if p]
    return ".".join(_q(p) for p in parts) if parts and all(re.match(r"^[A-Za-z_]\w*$", p) for p in parts) else ""


KNEX_OPS = {"=", "<>", "!=", "<", "<=", ">", ">=", "like", "ilike", "in", "not in", "is", "is not"}


class _Builder:
    """Accumulates a query-builder chain (knex or Kysely) into SQL."""

    def __init__(self, tree, table: str, kind: str = "select") -> None:
        self.tree, self.table, self.kind = tree, table, kind
        self.where, self.joins, self.order = [], [], []
        self.limit = self.offset = None
        self.cols, self.count, self.aggregate, self.group = "*", False, False, []
        self.notes = []

    def cond(self, args) -> str | None:
        vals = [jstr(self.tree, a) for a in args]
        if not args:
            return None
        first = _unwrap(args[0])
        if first is not None and first.type == "object":
            return " AND ".join(f"{c} = $1" for k in pairs(first) if (c := _col(k))) or None
        if vals[0] is None:
            return None
        col = _col(vals[0])
        if not col:
            return None
        if len(args) == 2:
            v = _unwrap(args[1])
            return f"{col} IS NULL" if v is not None and v.type == "null" else f"{col} = $1"
        if len(args) >= 3 and vals[1] and vals[1].lower() in KNEX_OPS:
            op = vals[1].upper().replace("!=", "<>")
            if op in {"LIKE", "ILIKE"}:
                return f"{col} {op} {_pattern(self.tree, args[2], '')}"
            if op in {"IN", "NOT IN"}:
                return f"{col} {op} ($1)"
            if op in {"IS", "IS NOT"}:
                return f"{col} {op} NULL"
            return f"{col} {op} $1"
        return None

    def step(self, method: str, args, node) -> None:
        vals = [jstr(self.tree, a) for a in args]
        if method in {"where", "andWhere", "orWhere", "having"}:
            c = self.cond(args)
            if c:
                self.where.append(c)
        elif method in {"whereIn", "whereNotIn"} and vals and (c := _col(vals[0] or "")):
            self.where.append(f"{c} {'NOT IN' if 'Not' in method else 'IN'} ($1)")
        elif method in {"whereNull", "whereNotNull"} and vals and (c := _col(vals[0] or "")):
            self.where.append(f"{c} IS {'NOT ' if 'Not' in method else ''}NULL")
        elif method == "whereBetween" and vals and (c := _col(vals[0] or "")):
            self.where.append(f"{c} BETWEEN $1 AND $2")
        elif method in {"whereLike", "whereILike"} and vals and (c := _col(vals[0] or "")):
            self.where.append(f"{c} {'ILIKE' if 'ILike' in method else 'LIKE'} {_pattern(self.tree, args[1] if len(args) > 1 else None, '')}")
        elif method in {"orderBy", "addOrderBy"} and vals:
            text = vals[0] or ""
            direction = (vals[1] or "") if len(vals) > 1 else ""
            if " " in text.strip():
                text, direction = text.strip().split(None, 1)
            if (c := _col(text)):
                self.order.append(c + (" DESC" if direction.lower().startswith("desc") else ""))
        elif method == "limit":
            self.limit = "$1"
        elif method == "offset":
            self.offset = "$1"
        elif method in {"first", "executeTakeFirst_", "paginate"}:
            self.limit = "1" if method == "first" else "$1"
            if method == "paginate":
                self.offset = "$2"
        elif method == "select" and vals and all(v and _col(v.split(" as ")[0]) for v in vals):
            self.cols = ", ".join(_col(v.split(" as ")[0]) for v in vals)
        elif method in {"select", "columns"} and args and _unwrap(args[0]) is not None and _unwrap(args[0]).type == "array":
            items = [jstr(self.tree, a) for a in _unwrap(args[0]).named_children]
            if items and all(i and _col(i.split(" as ")[0]) for i in items):
                self.cols = ", ".join(_col(i.split(" as ")[0]) for i in items)
        elif method in {"count", "countDistinct"}:
            self.count = True
        elif method in {"sum", "max", "min", "avg", "groupBy"}:
            self.aggregate = True
        elif method in {"join", "innerJoin", "leftJoin", "rightJoin", "leftOuterJoin"} and len(vals) >= 3:
            ref = _table_ref(vals[0] or "")
            a, b = _col(vals[1] or ""), _col(vals[-1] or "")
            if ref and a and b:
                kind = " LEFT JOIN " if method.startswith("left") else " JOIN "
                self.joins.append(f"{kind}{ref[0]}{' AS ' + _q(ref[1]) if ref[1] else ''} ON {a} = {b}")
        elif method in {"update", "increment", "decrement", "updateTable", "set"}:
            self.kind = "update" if self.kind == "select" else self.kind
        elif method in {"del", "delete"}:
            self.kind = "delete"
        elif method in {"insert", "insertInto", "upsert"}:
            self.kind = "insert"

    def sql(self) -> str | None:
        cond = f" WHERE {' AND '.join(self.where)}" if self.where else ""
        if self.kind == "insert":
            return None
        if self.kind == "update":
            return f"UPDATE {self.table} SET updated = $1{cond}"
        if self.kind == "delete":
            return f"DELETE FROM {self.table}{cond}"
        what = "COUNT(*)" if self.count else ("COUNT(*)" if self.aggregate else self.cols)
        sql = f"SELECT {what} FROM {self.table}{''.join(self.joins)}{cond}"
        if self.aggregate and not self.count:
            sql += " GROUP BY 1"
        if self.order and not self.count:
            sql += f" ORDER BY {', '.join(self.order)}"
        if self.limit and not self.count:
            sql += f" LIMIT {self.limit}"
        if self.offset and not self.count:
            sql += f" OFFSET {self.offset}"
        return sql


def _kysely_where(b: _Builder, args) -> None:
    """where('c', '=', x) or where((eb) => eb('c', '=', x)) / eb.or([...]) / eb.and([...])."""
    if len(args) >= 3:
        c = b.cond(args)
        if c:
            b.where.append(c)
        return
    fn = _unwrap(args[0]) if args else None
    if fn is not None and fn.type in {"arrow_function", "function_expression"}:
        conds = []
        for call in _walk_calls(fn):
            base, steps = flatten(call)
            if steps and len(steps[-1][1]) >= 3 and steps[-1][0] in {"eb", "()", "cmpr"} | {js.text(base) if base else ""}:
                c = b.cond(steps[-1][1])
                if c:
                    conds.append(c)
            elif steps and steps[0][0] not in {"or", "and"} and len(steps[0][1]) >= 3:
                c = b.cond(steps[0][1])
                if c:
                    conds.append(c)
        if conds:
            joiner = " OR " if ".or(" in js.text(fn) else " AND "
            b.where.append("(" + joiner.join(conds) + ")")


def _walk_calls(node):
    stack, out = [node], []
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            out.append(n)
        stack.extend(n.children)
    return out


# -- TypeORM ---------------------------------------------------------------------------------------
class _TypeOrm:
    def __init__(self, sources: JsSources, tree, text: str) -> None:
        self.s, self.tree = sources, tree
        self.repos: dict[str, str] = {}
        for m in re.finditer(r"(\w+)\s*[?!]?\s*:\s*(?:Repository|TreeRepository|MongoRepository)<\s*(\w+)\s*>", text):
            self.repos[m.group(1)] = m.group(2)
        for m in re.finditer(r"(\w+)\s*=\s*[\w.]*getRepository\(\s*(\w+)\s*\)", text):
            self.repos[m.group(1)] = m.group(2)
        for m in re.finditer(r"@InjectRepository\(\s*(\w+)\s*\)\s*(?:(?:private|public|protected|readonly)\s+)*(\w+)", text):
            self.repos[m.group(2)] = m.group(1)
        self.cache: dict[str, tuple] = {}

    def info(self, entity: str):
        """(table, {property: column}, {relation: (target, column on this table or None, to_many)})."""
        if entity in self.cache:
            return self.cache[entity]
        e = self.s.entities.get(entity)
        if e is None or e.abstract:
            return None
        cols, rels = {}, {}
        for prop, decs, _, _ in _members(e, self.s):
            for key in ("Column", "PrimaryColumn", "PrimaryGeneratedColumn", "CreateDateColumn", "UpdateDateColumn",
                        "DeleteDateColumn", "VersionColumn"):
                if key in decs:
                    name = prop
                    for a in decs[key]:
                        v = pairs(a)
                        if "name" in v and jstr(e.tree, v["name"]):
                            name = jstr(e.tree, v["name"])
                    cols[prop] = name
            for rel in ("ManyToOne", "OneToOne", "OneToMany", "ManyToMany"):
                if rel in decs and decs[rel]:
                    fn = _unwrap(decs[rel][0])
                    body = fn.child_by_field_name("body") if fn is not None and fn.type == "arrow_function" else None
                    target = js.text(body).strip() if body is not None else None
                    inverse = None
                    if rel == "OneToMany" and len(decs[rel]) > 1:
                        inv = _unwrap(decs[rel][1])
                        ib = inv.child_by_field_name("body") if inv is not None and inv.type == "arrow_function" else None
                        inverse = js.text(ib).split(".")[-1] if ib is not None else None
                    jc = f"{prop}Id"
                    for a in decs.get("JoinColumn") or []:
                        v = pairs(a)
                        if "name" in v and jstr(e.tree, v["name"]):
                            jc = jstr(e.tree, v["name"])
                    rels[prop] = (target, jc if rel in {"ManyToOne", "OneToOne"} else None, rel in {"OneToMany", "ManyToMany"},
                                  inverse)
        self.cache[entity] = (e.table, cols, rels)
        return self.cache[entity]

    def entity_of(self, base, steps) -> tuple[str | None, list]:
        """The entity a repository call works on, and the remaining steps from the repository method."""
        base_text = js.text(base) if base is not None else ""
        for i, (method, args, _) in enumerate(steps):
            if method in {"getRepository", "getTreeRepository", "getCustomRepository"} and args:
                return js.text(args[0]), steps[i + 1:]
        if steps and steps[0][0] in TYPEORM_FIND | {"createQueryBuilder"}:
            if base_text in self.s.entities:
                return base_text, steps
            name = base_text.split(".")[-1]
            if name in self.repos:
                return self.repos[name], steps
            if name in {"manager", "entityManager", "em"} or base_text.endswith(".manager"):
                args = steps[0][1]
                if args and js.text(args[0]) in self.s.entities:
                    return js.text(args[0]), [(steps[0][0], args[1:], steps[0][2])] + steps[1:]
        return None, steps

    def where(self, table: str, cols: dict, node, rels: dict | None = None) -> list[str]:
        rels = rels or {}
        node = _unwrap(node)
        if node is not None and node.type == "array":
            parts = [" AND ".join(self.where(table, cols, x, rels)) for x in node.named_children]
            parts = [f"({p})" for p in parts if p]
            return ["(" + " OR ".join(parts) + ")"] if parts else []
        out = []
        for key, value in pairs(node).items():
            v = _unwrap(value)
            if key in rels and rels[key][1] and v is not None and v.type == "object":
                inner = pairs(v)  # { organization: { id } } filters on the join column
                if list(inner) == ["id"]:
                    out.append(f"{_q(table)}.{_q(rels[key][1])} = $1")
                continue
            if key not in cols:
                continue
            col = f"{_q(table)}.{_q(cols[key])}"
            if v is not None and v.type == "call_expression":
                fn = js.text(v.child_by_field_name("function"))
                a = v.child_by_field_name("arguments")
                arg = a.named_children[0] if a is not None and a.named_children else None
                if fn in {"Like", "ILike"}:
                    out.append(f"{col} {fn.upper()} {_pattern(self.tree, arg, '')}")
                elif fn == "In":
                    out.append(f"{col} IN ($1)")
                elif fn in {"MoreThan", "MoreThanOrEqual", "LessThan", "LessThanOrEqual"}:
                    out.append(f"{col} {dict(MoreThan='>', MoreThanOrEqual='>=', LessThan='<', LessThanOrEqual='<=')[fn]} $1")
                elif fn == "Between":
                    out.append(f"{col} BETWEEN $1 AND $2")
                elif fn == "IsNull":
                    out.append(f"{col} IS NULL")
                elif fn == "Not":
                    out.append(f"{col} <> $1")
                else:
                    out.append(f"{col} = $1")
            elif v is not None and v.type == "null":
                out.append(f"{col} IS NULL")
            else:
                out.append(f"{col} = $1")
        return out

    def find(self, entity: str, method: str, args) -> str | None:
        info = self.info(entity)
        if info is None:
            return None
        table, cols, rels = info
        by = method.endswith("By") or method.endswith("ByOrFail") or method in {"delete", "update", "softDelete"}
        opts = pairs(args[0]) if args else {}
        where = self.where(table, cols, args[0] if by and args else opts.get("where"), rels) if args else []
        if method == "findByIds":
            where = [f"{_q(table)}.{_q(cols.get('id', 'id'))} IN ($1)"]
        order = []
        for key, value in pairs(opts.get("order")).items() if not by else []:
            if key in cols:
                d = (jstr(self.tree, value) or "ASC").upper()
                order.append(f"{_q(table)}.{_q(cols[key])}{' DESC' if d == 'DESC' else ''}")
        cond = f" WHERE {' AND '.join(where)}" if where else ""
        if method in {"delete", "softDelete"}:
            return f"DELETE FROM {_q(table)}{cond}"
        if method == "update":
            return f"UPDATE {_q(table)} SET updated = $1{cond}"
        if method.startswith("count") or method in {"exist", "exists", "existsBy"}:
            return f"SELECT COUNT(*) FROM {_q(table)}{cond}"
        if method in {"sum", "average", "minimum", "maximum"}:
            return f"SELECT MAX({_q(table)}.{_q('id')}) FROM {_q(table)}{cond}"
        limit = "1" if method.startswith("findOne") else ("$1" if "take" in opts else None)
        selected = list(cols.values()) + [r[1] for r in rels.values() if r[1]]
        sql = f"SELECT {select_list([f'{_q(table)}.{_q(c)}' for c in selected])} FROM {_q(table)}{cond}"
        sql += f" ORDER BY {', '.join(order)}" if order else ""
        sql += f" LIMIT {limit}" if limit else ""
        sql += " OFFSET $1" if "skip" in opts else ""
        return sql

    def builder(self, entity: str, steps) -> str | None:
        info = self.info(entity)
        if info is None:
            return None
        table, cols, _ = info
        alias = jstr(self.tree, steps[0][1][0]) if steps and steps[0][1] else table
        where, order, limit, offset, kind = [], [], None, None, "select"
        for method, args, _ in steps[1:]:
            vals = [jstr(self.tree, a) for a in args]
            if method in {"where", "andWhere", "orWhere"} and vals and vals[0]:
                where.append(vals[0])
            elif method in {"orderBy", "addOrderBy"} and vals and vals[0]:
                d = (vals[1] or "ASC") if len(vals) > 1 else "ASC"
                order.append(f"{vals[0]} {'DESC' if d.upper() == 'DESC' else 'ASC'}")
            elif method in {"take", "limit"}:
                limit = "$1"
            elif method in {"skip", "offset"}:
                offset = "$1"
            elif method in {"getCount"}:
                kind = "count"
            elif method in {"delete"}:
                kind = "delete"
            elif method in {"update"}:
                kind = "update"
        def sql_of(text: str) -> str:
            text = re.sub(r":\.\.\.\w+|:\w+", "$1", text)
            for prop, col in cols.items():
                text = re.sub(rf"\b{re.escape(alias)}\.{re.escape(prop)}\b", f"{_q(alias)}.{_q(col)}", text)
            return text
        cond = f" WHERE {' AND '.join('(' + sql_of(w) + ')' for w in where)}" if where else ""
        if kind == "delete":
            return f"DELETE FROM {_q(table)}{cond}"
        if kind == "update":
            return f"UPDATE {_q(table)} SET updated = $1{cond}"
        what = "COUNT(*)" if kind == "count" else select_list([f"{_q(alias)}.{_q(c)}" for c in cols.values()])
        sql = f"SELECT {what} FROM {_q(table)} AS {_q(alias)}{cond}"
        if order and kind != "count":
            sql += " ORDER BY " + ", ".join(sql_of(o) for o in order)
        sql += f" LIMIT {limit}" if limit and kind != "count" else ""
        sql += f" OFFSET {offset}" if offset and kind != "count" else ""
        return sql


def _uses_knex(files: dict[str, str]) -> bool:
    return any(re.search(r"""(from\s+['"]knex['"]|require\(\s*['"]knex['"]\s*\))""", t) for t in files.values())


def js_orm_queries(files: dict[str, str], prisma: Prisma, sources: JsSources) -> list[Query]:
    out: list[Query] = []
    knex_project = _uses_knex(files)
    migrations = set(sources.migrations)
    for path in sorted(files):
        text = files[path]
        if path in migrations:
            continue
        hint_prisma = bool(prisma.models) and ("findMany" in text or "findUnique" in text or "findFirst" in text
                                               or "$queryRaw" in text or ".count(" in text or "prisma" in text)
        hint_kysely = "selectFrom(" in text or "updateTable(" in text or "deleteFrom(" in text
        hint_knex = knex_project and re.search(r"\w\(\s*['\"`][A-Za-z_][\w.]*(?:\s+as\s+\w+)?['\"`]\s*\)\s*\.\s*(where|select|first|orderBy|insert|update|del|count|join|leftJoin)", text)
        hint_typeorm = bool(sources.entities) and ("Repository" in text or "getRepository" in text or
                                                   "createQueryBuilder" in text or any(f"{e}.find" in text for e in sources.entities))
        if not (hint_prisma or hint_kysely or hint_knex or hint_typeorm):
            continue
        tree = sources.tree(path)
        pr = _Prisma(prisma, tree) if hint_prisma else None
        to = _TypeOrm(sources, tree, text) if hint_typeorm else None
        for call in outermost_calls(tree.root_node):
            try:
                out += _one(path, tree, call, pr, to, hint_kysely, hint_knex)
            except (RecursionError, ValueError, IndexError):
                continue
    return out


def _one(path, tree, call, pr: _Prisma | None, to: _TypeOrm | None, kysely: bool, knex: bool) -> list[Query]:
    base, steps = flatten(call)
    if not steps:
        return []
    loop = in_js_loop(call)
    line = js.line(call)
    out = []
    # Prisma: <client>.<model>.<method>(args), $queryRaw`...`
    if pr is not None:
        if steps[0][0] in PRISMA_RAW:
            arg = steps[0][1][0] if steps[0][1] else None
            if arg is not None and arg.type in {"template_string", "string"}:
                return [make_query("prisma", path, line, template_sql(arg), loop)]
        if base is not None and base.type == "member_expression" and steps[0][0] in PRISMA_METHODS:
            model = pr.p.accessor(js.text(base.child_by_field_name("property")))
            if model is not None:
                sql, extra = pr.query(model, steps[0][0], steps[0][1])
                if sql:
                    out.append(make_query("prisma", path, line, sql, loop))
                for node, text in extra:
                    out.append(make_query("prisma", path, js.line(node), text, loop))
                return out
    # Kysely: db.selectFrom('t')...
    if kysely:
        idx = next((i for i, s in enumerate(steps) if s[0] in KYSELY_ROOTS and s[1]), None)
        if idx is not None:
            ref = _table_ref(jstr(tree, steps[idx][1][0]) or "")
            if ref is None:
                return []
            b = _Builder(tree, ref[0] + (f" AS {_q(ref[1])}" if ref[1] else ""), KYSELY_ROOTS[steps[idx][0]])
            for method, args, node in steps[idx + 1:]:
                if method in {"where", "orWhere"}:
                    _kysely_where(b, args)
                elif method == "selectAll":
                    b.cols = "*"
                elif method == "select" and args and _unwrap(args[0]).type in {"string", "array"}:
                    b.step("select" if _unwrap(args[0]).type == "string" else "columns", args, node)
                elif method == "$if":
                    fn = _unwrap(args[1]) if len(args) > 1 else None
                    if fn is not None and "limit(" in js.text(fn):
                        b.notes.append(f".limit() only under $if (line {js.line(node)})")
                    if fn is not None:
                        for c in _walk_calls(fn):
                            _, inner = flatten(c)
                            for m2, a2, n2 in inner:
                                if m2 in {"where", "orWhere"}:
                                    _kysely_where(b, a2)
                                elif m2 in {"orderBy", "offset"}:
                                    b.step(m2, a2, n2)
                else:
                    b.step(method, args, node)
            sql = b.sql()
            if sql:
                if b.notes:
                    sql = sql.replace("SELECT ", f"SELECT /* {'; '.join(b.notes)} */ ", 1)
                return [make_query("kysely", path, line, sql, loop)]
            return []
    # TypeORM repositories and query builders
    if to is not None:
        entity, rest = to.entity_of(base, steps)
        if entity is not None and rest:
            method = rest[0][0]
            if method == "createQueryBuilder":
                sql = to.builder(entity, rest)
            elif method in TYPEORM_FIND:
                sql = to.find(entity, method, rest[0][1])
            else:
                sql = None
            return [make_query("typeorm", path, line, sql, loop)] if sql else []
    # knex('t').where(...) / knex.from('t') / knex.select(...).from('t')
    if knex:
        start = None
        for i, (method, args, _) in enumerate(steps):
            if method in {"from", "table", "into"} and args and jstr(tree, args[0]):
                start = i
                break
        first, args, _ = steps[0]
        if start is None and args and len(steps) > 1 and first not in KNEX_NOT and steps[1][0] in KNEX_BUILDER \
                and jstr(tree, args[0]) and _table_ref(jstr(tree, args[0]) or ""):
            start = 0
        if start is None:
            return []
        ref = _table_ref(jstr(tree, steps[start][1][0]) or "")
        if ref is None:
            return []
        b = _Builder(tree, ref[0] + (f" AS {_q(ref[1])}" if ref[1] else ""))
        for method, a, node in steps[:start] + steps[start + 1:]:
            b.step(method, a, node)
        sql = b.sql()
        return [make_query("knex", path, line, sql, loop)] if sql else []
    return []

