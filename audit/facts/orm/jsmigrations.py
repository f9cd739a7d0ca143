"""Schema from JS/TS: knex and Kysely schema builders, TypeORM migrations and entities, node-pg-migrate,
db-migrate, and SQL strings run by any of them (`queryRunner.query`, `knex.raw`, `pgm.sql`,
`db.runSql`, sql`...`.execute(db)).

Only the `up` function of a migration is read. knex defaults mirrored: `.unique()` is a UNIQUE
constraint `<table>_<cols>_unique`, `.index()` an index `<table>_<cols>_index`, `.references()` a
foreign key `<table>_<col>_foreign` **without an index**; `increments()` a serial primary key.
TypeORM entities: table `snake_case(Class)` unless `@Entity('name')`, column names as the property
(`@Column({ name })` aside), `@ManyToOne` + `@JoinColumn` a foreign key `<relation>Id` **without an
index** unless `@Index`, `@OneToOne` a unique one, `@ManyToMany` + `@JoinTable` a join table whose
two columns are indexed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.facts import js
from audit.facts.orm import ddl
from audit.facts.orm.ddl import Col, Fk, Ix, Ref, TableSpec, q, qt
from audit.facts.schema import SchemaBuilder, migration_key
from audit.facts.sqltext import split_statements

MIGRATION_DIR = re.compile(r"(^|/)(\w*[_-])?(migrations?|migrate)(/|$)", re.I)
OTHER_DIALECT = re.compile(r"sqlite|mysql|mariadb|mssql|oracle", re.I)
SCHEMA_BUILDER = re.compile(r"\.schema\s*\.\s*(createTable|createTableIfNotExists)\s*\(")
UP = re.compile(r"exports\.up\b|export\s+(async\s+)?function\s+up\b|export\s+const\s+up\b|\bup\s*[:=(]|async\s+up\s*\(")
FUNCTIONS = {"arrow_function", "function_expression", "function_declaration", "method_definition", "function"}
SQL_METHODS = {"query", "raw", "sql", "runSql", "execute", "unsafe", "executeQuery"}
KNEX_TYPES = {
    "increments": "serial", "bigIncrements": "bigserial", "integer": "integer", "bigInteger": "bigint",
    "bigint": "bigint", "tinyint": "smallint", "smallint": "smallint", "mediumint": "integer", "text": "text",
    "string": "varchar", "float": "real", "double": "double precision", "decimal": "numeric", "boolean": "boolean",
    "date": "date", "datetime": "timestamptz", "time": "time", "timestamp": "timestamptz", "binary": "bytea",
    "enu": "text", "enum": "text", "json": "json", "jsonb": "jsonb", "uuid": "uuid", "specificType": "",
    "geometry": "geometry", "geography": "geography", "point": "point", "inet": "inet",
}
TYPEORM_TYPES = {"number": "integer", "string": "varchar", "boolean": "boolean", "Date": "timestamp",
                 "bigint": "bigint"}


def _unwrap(node):
    while node is not None and node.type in {"await_expression", "parenthesized_expression", "as_expression",
                                             "non_null_expression", "satisfies_expression"}:
        node = node.named_children[0] if node.named_children else None
    return node


def jstr(tree, node) -> str | None:
    node = _unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        return js.string_value(node)
    if node.type == "template_string":
        return js.string_value(node) if js.string_value(node) is not None else template_text(tree, node)
    if node.type == "identifier":
        value = js.resolve_identifier(tree, js.text(node), node.start_byte)
        return jstr(tree, value) if value is not None and value.type != "identifier" else None
    if node.type == "binary_expression" and js.text(node.child_by_field_name("operator")) == "+":
        a, b = jstr(tree, node.child_by_field_name("left")), jstr(tree, node.child_by_field_name("right"))
        return a + b if a is not None and b is not None else None
    return None


def template_text(tree, node) -> str | None:
    """A template's text with `${NAME}` substitutions of known constants filled in; None if any is unknown."""
    node = _unwrap(node)
    if node is None or node.type != "template_string":
        return jstr(tree, node)
    if js.string_value(node) is not None:
        return js.string_value(node)
    raw, start, out, pos = node.text.decode("utf-8", "replace"), node.start_byte, [], 1
    for child in node.named_children:
        if child.type == "template_substitution":
            out.append(raw[pos: child.start_byte - start])
            inner = child.named_children[0] if child.named_children else None
            value = jstr(tree, inner)
            if value is None:
                return None
            out.append(value)
            pos = child.end_byte - start
    out.append(raw[pos:-1])
    return "".join(out)


def jval(tree, node):
    """A JS literal as Python (objects as dicts, arrays as lists); other expressions as their source text."""
    node = _unwrap(node)
    if node is None:
        return None
    if node.type in {"string", "template_string"} or node.type == "identifier":
        s = jstr(tree, node)
        if s is not None:
            return s
    if node.type == "number":
        return js.value(node)
    if node.type in {"true", "false"}:
        return node.type == "true"
    if node.type in {"null", "undefined"}:
        return None
    if node.type == "array":
        return [jval(tree, c) for c in node.named_children]
    if node.type == "object":
        return {k: jval(tree, v) for k, v in js.object_pairs(node).items()}
    return {"__expr__": js.text(node)}


def pairs(node) -> dict:
    """Key -> value node of an object literal, shorthand properties included (value is the identifier)."""
    out = {}
    node = _unwrap(node)
    if node is None or node.type != "object":
        return out
    for child in node.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            k = js.string_value(key) if key.type == "string" else js.text(key)
            out[k] = child.child_by_field_name("value")
        elif child.type == "shorthand_property_identifier":
            out[js.text(child)] = child
    return out


def flatten(node):
    """`a.b(x).c(y)` -> (base node `a`, [(method, [args], call node)]) (await unwrapped)."""
    node = _unwrap(node)
    steps = []
    while node is not None and node.type == "call_expression":
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        arglist = list(args.named_children) if args is not None and args.type == "arguments" else \
            [args] if args is not None else []
        if fn is not None and fn.type == "member_expression":
            steps.append((js.text(fn.child_by_field_name("property")), arglist, node))
            node = _unwrap(fn.child_by_field_name("object"))
        else:
            steps.append(("()" if fn is None else js.text(fn), arglist, node))
            node = None
            break
    steps.reverse()
    return node, steps


def outermost_calls(root):
    """Calls that are not the object of a longer chain, in source order."""
    out = []
    stack = [root]
    while stack:
        n = stack.pop()
        if n.type == "call_expression":
            parent = n.parent
            while parent is not None and parent.type in {"await_expression", "parenthesized_expression"}:
                parent = parent.parent
            inner = parent is not None and parent.type == "member_expression" and parent.parent is not None \
                and parent.parent.type == "call_expression"
            if not inner:
                out.append(n)
        stack.extend(reversed(n.children))
    out.sort(key=lambda n: n.start_byte)
    return out


_ENGINES = re.compile(r"""['"`](mysql2?|mariadb|mssql|sqlite3?|better-sqlite3|oracle(db)?)['"`]""")
_POSTGRES = re.compile(r"""['"`](postgres(ql)?|pg)['"`]""")


def other_engine_branch(node, stop) -> bool:
    """Inside `case 'mysql':` or `if (type === 'sqlite') {...}`: code for another database engine."""
    cur = node.parent
    while cur is not None and cur != stop:
        if cur.type == "switch_case":
            value = cur.child_by_field_name("value")
            if value is not None and _ENGINES.search(js.text(value)):
                return True
        if cur.type == "if_statement":
            cond = js.text(cur.child_by_field_name("condition"))
            consequence = cur.child_by_field_name("consequence")
            inside = consequence is not None and consequence.start_byte <= node.start_byte < consequence.end_byte
            if inside and _ENGINES.search(cond) and not _POSTGRES.search(cond) and "!" not in cond:
                return True
        cur = cur.parent
    return False


def up_functions(tree):
    """The body of `up` in the forms knex, Kysely, TypeORM, node-pg-migrate and db-migrate use."""
    out = []
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        name, fn = None, None
        if n.type in {"function_declaration", "method_definition"}:
            name, fn = js.text(n.child_by_field_name("name")), n
        elif n.type == "variable_declarator":
            name, fn = js.text(n.child_by_field_name("name")), n.child_by_field_name("value")
        elif n.type == "pair":
            name, fn = js.text(n.child_by_field_name("key")), n.child_by_field_name("value")
        elif n.type == "assignment_expression":
            left = js.text(n.child_by_field_name("left"))
            name, fn = left.split(".")[-1] if left.startswith(("exports.", "module.exports.")) else None, \
                n.child_by_field_name("right")
        if name == "up" and fn is not None and fn.type in FUNCTIONS:
            body = fn.child_by_field_name("body")
            if body is not None:
                out.append(body)
            continue
        stack.extend(n.children)
    return out


def _param(fn) -> str:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    if params is None:
        return ""
    if params.type == "identifier":
        return js.text(params)
    for p in params.named_children:
        ident = p if p.type == "identifier" else p.child_by_field_name("pattern")
        if ident is not None:
            return js.text(ident)
    return ""


@dataclass
class Entity:
    cls: str
    path: str
    line: int
    table: str
    schema: str | None
    node: object
    tree: object
    bases: list[str] = field(default_factory=list)
    abstract: bool = False


@dataclass
class JsSources:
    files: dict[str, str] = field(default_factory=dict)
    migrations: list[str] = field(default_factory=list)
    bootstrap: list[str] = field(default_factory=list)  # files building the first schema outside migrations
    not_applied: list[dict] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)
    trees: dict = field(default_factory=dict)

    def tree(self, path: str):
        if path not in self.trees:
            self.trees[path] = js.parse(path, self.files[path])[0]
        return self.trees[path]

    def kind(self) -> str:
        return "+".join(sorted(self.kinds)) + "-migrations" if self.kinds else "js-migrations"

    def emit_migrations(self, b: SchemaBuilder) -> None:
        b.model.not_applied.extend(self.not_applied)
        for path in self.bootstrap:  # e.g. knex_init_db.js: creates the tables the migrations then alter
            b.begin_file(path)
            tree = self.tree(path)
            _Migration(b, path, tree, self).block(tree.root_node)
        for path in sorted(self.migrations, key=migration_key):
            b.begin_file(path)
            tree = self.tree(path)
            reader = _Migration(b, path, tree, self)
            for body in up_functions(tree):
                reader.block(body)

    # -- TypeORM entities ----------------------------------------------------------------
    def emit_entities(self, b: SchemaBuilder) -> None:
        specs = [_entity_spec(e, self) for e in sorted(self.entities.values(), key=lambda e: (e.path, e.line))
                 if not e.abstract]
        extra = []
        for s, joins in specs:
            extra.extend(joins)
        for s, _ in specs:
            b.begin_file(s.path)
            ddl.emit_table(b, s)
        for s in extra:
            b.begin_file(s.path)
            ddl.emit_table(b, s)
        for s, _ in specs:
            ddl.emit_later_fks(b, s)
        for s in extra:
            ddl.emit_later_fks(b, s)
        b.model.migrations.sort()


class _Migration:
    def __init__(self, b: SchemaBuilder, path: str, tree, sources: JsSources) -> None:
        self.b, self.path, self.tree, self.sources = b, path, tree, sources
        self.schema: str | None = None

    def line(self, node) -> int:
        return js.line(node)

    def block(self, body) -> None:
        consumed: list[tuple[int, int]] = []
        for call in outermost_calls(body):
            if any(a <= call.start_byte < z for a, z in consumed) or other_engine_branch(call, body):
                continue
            handled = self.chain(call)
            if handled:
                consumed.append((call.start_byte, call.end_byte))

    def sql(self, text: str, line: int) -> None:
        for offset, stmt in split_statements(text):
            self.b.apply(self.path, line + offset - 1, stmt)

    def sql_arg(self, node, what: str) -> bool:
        text = template_text(self.tree, node)
        if text is None:
            if node is not None and _unwrap(node) is not None and _unwrap(node).type == "template_string":
                self.b.unresolved(self.path, self.line(node), f"{what}: SQL built with values not known statically")
                return True
            return False
        if not re.match(r"\s*(create|alter|drop|comment|set|do|grant|revoke|insert|update|delete|with|select|begin|commit)\b",
                        text, re.I):
            return False
        self.sources.kinds.add(what)
        self.sql(text, self.line(node))
        return True

    def chain(self, call) -> bool:
        base, steps = flatten(call)
        if not steps:
            return False
        base_text = js.text(base) if base is not None else ""
        first, args, node = steps[0]
        # sql`...`.execute(db) (Kysely) and tagged templates
        if first in {"sql", "()"} and args and args[0].type == "template_string" and base is None:
            return self.sql_arg(args[0], "kysely")
        if base_text.endswith("schema") or first == "schema":
            if first == "schema":
                steps = steps[1:]
            return self.schema_chain(steps)
        if first in {"createTable", "createIndex", "addColumns", "addColumn", "dropTable", "dropIndex", "renameTable",
                     "renameColumn", "dropColumns", "dropColumn", "addConstraint", "dropConstraint", "addIndex",
                     "createForeignKey", "addForeignKey", "sql", "runSql"} and base_text:
            return self.runner(base_text, steps)
        if first in SQL_METHODS and args:
            kind = "typeorm" if "queryRunner" in base_text else "knex" if "knex" in base_text else "sql"
            return self.sql_arg(args[0], kind)
        return False

    # -- knex / Kysely schema builders -----------------------------------------------------------
    def schema_chain(self, steps) -> bool:
        methods = {m for m, _, _ in steps}
        if methods & {"addColumn", "execute", "addForeignKeyConstraint", "addUniqueConstraint",
                      "addPrimaryKeyConstraint", "on", "column", "columns", "renameTo", "modifyColumn"}:
            self.sources.kinds.add("kysely")
            return self.kysely(steps)
        self.sources.kinds.add("knex")
        for method, args, node in steps:
            if method == "withSchema" and args:
                self.schema = jstr(self.tree, args[0])
            elif method in {"createTable", "createTableIfNotExists", "createTableLike"} and args:
                self.knex_create(args, node, method == "createTableIfNotExists")
            elif method in {"alterTable", "table"} and args:
                self.knex_alter(args, node)
            elif method in {"dropTable", "dropTableIfExists"} and args:
                name = jstr(self.tree, args[0])
                if name:
                    self.b.apply(self.path, self.line(node), f"DROP TABLE {'IF EXISTS ' if 'If' in method else ''}{qt(name, self.schema)}")
            elif method == "renameTable" and len(args) > 1:
                old, new = jstr(self.tree, args[0]), jstr(self.tree, args[1])
                if old and new:
                    self.b.apply(self.path, self.line(node), f"ALTER TABLE {qt(old, self.schema)} RENAME TO {q(new)}")
            elif method == "raw" and args:
                self.sql_arg(args[0], "knex")
            elif method in {"hasTable", "hasColumn", "createSchema", "createSchemaIfNotExists", "dropSchema",
                            "createExtension", "createExtensionIfNotExists", "then", "catch"}:
                continue
            else:
                self.b.unresolved(self.path, self.line(node), f"knex.schema.{method} is not modelled")
        return True

    def table_name(self, node, what: str) -> str | None:
        name = jstr(self.tree, node)
        if name is None:
            self.b.unresolved(self.path, self.line(node), f"{what}: table name `{js.text(node)[:60]}` not known statically")
        return name

    def callback(self, node):
        node = _unwrap(node)
        if node is None or node.type not in FUNCTIONS:
            return None, ""
        return node.child_by_field_name("body"), _param(node)

    def knex_create(self, args, node, if_not_exists: bool) -> None:
        name = self.table_name(args[0], "createTable")
        if name is None:
            return
        spec = TableSpec(name, self.path, self.line(args[0]), schema=self.schema, if_not_exists=if_not_exists)
        body, param = self.callback(args[1] if len(args) > 1 else None)
        later: list[tuple[int, str]] = []
        if body is not None and param:
            for call in outermost_calls(body):
                self.knex_table_call(spec, param, call, later, creating=True)
        ddl.emit_table(self.b, spec)
        ddl.emit_later_fks(self.b, spec)
        for line, sql in later:
            self.b.apply(self.path, line, sql)

    def knex_alter(self, args, node) -> None:
        name = self.table_name(args[0], "alterTable")
        if name is None:
            return
        spec = TableSpec(name, self.path, self.line(args[0]), schema=self.schema)
        body, param = self.callback(args[1] if len(args) > 1 else None)
        later: list[tuple[int, str]] = []
        if body is not None and param:
            for call in outermost_calls(body):
                self.knex_table_call(spec, param, call, later, creating=False)
        t = qt(name, self.schema)
        for col in spec.columns:
            pk = col.primary
            self.b.apply(self.path, col.line, f"ALTER TABLE {t} ADD COLUMN {ddl.column_sql(Col(col.name, col.type), pk)}")
            if col.unique:
                self.b.apply(self.path, col.line, ddl.create_index_sql(
                    name, self.schema, Ix([col.name], f"{name}_{col.name}_unique".lower(), unique=True, constraint=True)))
        for ix in spec.indexes:
            self.b.apply(self.path, ix.line or spec.line, ddl.create_index_sql(name, self.schema, ix))
        ddl.emit_later_fks(self.b, spec)
        for line, sql in later:
            self.b.apply(self.path, line, sql)

    def knex_table_call(self, spec: TableSpec, param: str, call, later, creating: bool) -> None:
        base, steps = flatten(call)
        if base is None or js.text(base) != param or not steps:
            return
        method, args, node = steps[0]
        line = self.line(node)
        strs = [jstr(self.tree, a) for a in args]
        t = spec.name
        mods = {m: (a, n) for m, a, n in steps[1:]}

        def cols_of(a):
            v = jval(self.tree, a)
            return [v] if isinstance(v, str) else [x for x in v if isinstance(x, str)] if isinstance(v, list) else []

        if method in KNEX_TYPES or method == "timestamps":
            if method == "timestamps":
                for c in ("created_at", "updated_at"):
                    spec.columns.append(Col(c, "timestamptz", line))
                return
            if method == "specificType":
                col = Col(strs[0] or "", (strs[1] or "text") if len(strs) > 1 else "text", line)
            else:
                cname = strs[0] if strs and strs[0] else ("id" if method in {"increments", "bigIncrements"} else None)
                if cname is None:
                    self.b.unresolved(self.path, line, f"{param}.{method}: column name not known statically")
                    return
                ctype = KNEX_TYPES[method]
                if method == "string":
                    n = js.value(args[1]) if len(args) > 1 else 255
                    ctype = f"varchar({n})" if isinstance(n, int) else "varchar(255)"
                col = Col(cname, ctype, line)
            col.primary = method in {"increments", "bigIncrements"} or "primary" in mods
            if "unique" in mods:
                opt = jval(self.tree, mods["unique"][0][0]) if mods["unique"][0] else None
                iname = opt.get("indexName") if isinstance(opt, dict) else opt if isinstance(opt, str) else None
                spec.indexes.append(Ix([col.name], iname or f"{t}_{col.name}_unique".lower(), unique=True,
                                       constraint=True, line=line))
            if "index" in mods:
                a = mods["index"][0]
                iname = jstr(self.tree, a[0]) if a else None
                opt = jval(self.tree, a[1]) if len(a) > 1 else None
                method_ = opt.get("indexType") if isinstance(opt, dict) else jstr(self.tree, a[1]) if len(a) > 1 else None
                spec.indexes.append(Ix([col.name], iname or f"{t}_{col.name}_index".lower(),
                                       method=(method_ or "").lower(), line=line))
            if "references" in mods:
                self.knex_reference(spec, [col.name], mods, line)
            if "alter" in mods and not creating:
                later.append((line, f"ALTER TABLE {qt(t, self.schema)} ALTER COLUMN {q(col.name)} TYPE {ddl.sql_type(col.type)}"))
                return
            spec.columns.append(col)
        elif method == "primary" and args:
            spec.primary_key = cols_of(args[0])
            if not creating:
                later.append((line, f"ALTER TABLE {qt(t, self.schema)} ADD PRIMARY KEY ({', '.join(q(c) for c in spec.primary_key)})"))
        elif method == "unique" and args:
            cols = cols_of(args[0])
            opt = jval(self.tree, args[1]) if len(args) > 1 else None
            iname = opt.get("indexName") if isinstance(opt, dict) else opt if isinstance(opt, str) else None
            spec.indexes.append(Ix(cols, iname or f"{t}_{'_'.join(cols)}_unique".lower(), unique=True, constraint=True, line=line))
        elif method == "index" and args:
            cols = cols_of(args[0])
            iname = jstr(self.tree, args[1]) if len(args) > 1 else None
            opt = jval(self.tree, args[2]) if len(args) > 2 else jval(self.tree, args[1]) if len(args) > 1 and iname is None else None
            kind = (opt.get("indexType") or "") if isinstance(opt, dict) else ""
            where = "TRUE" if isinstance(opt, dict) and opt.get("predicate") is not None else ""
            spec.indexes.append(Ix(cols, iname or f"{t}_{'_'.join(cols)}_index".lower(), method=str(kind).lower(),
                                   where=where, line=line))
        elif method == "foreign" and args:
            self.knex_reference(spec, cols_of(args[0]), mods, line, jstr(self.tree, args[1]) if len(args) > 1 else None)
        elif method in {"dropColumn", "dropColumns"}:
            for a in args:
                for c in cols_of(a):
                    later.append((line, f"ALTER TABLE {qt(t, self.schema)} DROP COLUMN {q(c)}"))
        elif method == "renameColumn" and len(strs) > 1 and strs[0] and strs[1]:
            later.append((line, f"ALTER TABLE {qt(t, self.schema)} RENAME COLUMN {q(strs[0])} TO {q(strs[1])}"))
        elif method in {"dropIndex", "dropUnique", "dropForeign", "dropPrimary"}:
            cols = cols_of(args[0]) if args else []
            suffix = {"dropIndex": "index", "dropUnique": "unique", "dropForeign": "foreign", "dropPrimary": "pkey"}[method]
            name = (strs[1] if len(strs) > 1 and strs[1] else None) or \
                (f"{t}_pkey" if method == "dropPrimary" else f"{t}_{'_'.join(cols)}_{suffix}".lower())
            later.append((line, f"DROP INDEX IF EXISTS {qt(name, self.schema)}" if method == "dropIndex" else
                          f"ALTER TABLE {qt(t, self.schema)} DROP CONSTRAINT {q(name)}"))

    def knex_reference(self, spec: TableSpec, cols: list[str], mods: dict, line: int, name: str | None = None) -> None:
        ref_args = mods.get("references", ([], None))[0]
        target = jval(self.tree, ref_args[0]) if ref_args else None
        table = jstr(self.tree, mods["inTable"][0][0]) if "inTable" in mods and mods["inTable"][0] else None
        ref_cols = [target] if isinstance(target, str) else [x for x in target if isinstance(x, str)] if isinstance(target, list) else []
        if ref_cols and "." in ref_cols[0] and table is None:
            table, ref_cols = ref_cols[0].rsplit(".", 1)[0], [c.rsplit(".", 1)[-1] for c in ref_cols]
        if not table:
            self.b.unresolved(self.path, line, f"{spec.name}({', '.join(cols)}).references(): target table not known statically")
            return
        schema = None
        if "." in table:
            schema, table = table.split(".", 1)
        spec.later_fks.append(Fk(cols, Ref(table, ref_cols, schema, name or f"{spec.name}_{'_'.join(cols)}_foreign".lower()), line))

    # -- Kysely ------------------------------------------------------------------------------
    def kysely(self, steps) -> bool:
        head, args, node = steps[0]
        line = self.line(args[0]) if args else self.line(node)
        rest = steps[1:]
        if head == "withSchema" and args:
            self.schema = jstr(self.tree, args[0])
            if not rest:
                return True
            head, args, node = rest[0]
            rest = rest[1:]
        name = jstr(self.tree, args[0]) if args else None
        if name is None and head not in {"createIndex"}:
            self.b.unresolved(self.path, line, f"db.schema.{head}: name not known statically")
            return True
        if head == "createTable":
            spec = TableSpec(name, self.path, line, schema=self.schema,
                             if_not_exists=any(m == "ifNotExists" for m, _, _ in rest))
            for method, a, n in rest:
                self.kysely_table_step(spec, method, a, n)
            ddl.emit_table(self.b, spec)
            ddl.emit_later_fks(self.b, spec)
        elif head == "alterTable":
            for method, a, n in rest:
                spec = TableSpec(name, self.path, self.line(n), schema=self.schema)
                if method == "addColumn":
                    self.kysely_table_step(spec, method, a, n)
                    for col in spec.columns:
                        ref, col.ref = col.ref, None
                        self.b.apply(self.path, col.line, f"ALTER TABLE {qt(name, self.schema)} ADD COLUMN {ddl.column_sql(col, col.primary)}")
                        if ref is not None:
                            self.b.apply(self.path, col.line, ddl.add_fk_sql(name, self.schema, Fk([col.name], ref, col.line)))
                elif method in {"addForeignKeyConstraint", "addUniqueConstraint", "addPrimaryKeyConstraint"}:
                    self.kysely_table_step(spec, method, a, n)
                    ddl.emit_later_fks(self.b, spec)
                    for ix in spec.indexes:
                        self.b.apply(self.path, self.line(n), ddl.create_index_sql(name, self.schema, ix))
                    if spec.primary_key:
                        self.b.apply(self.path, self.line(n), f"ALTER TABLE {qt(name, self.schema)} ADD PRIMARY KEY ({', '.join(q(c) for c in spec.primary_key)})")
                elif method == "dropColumn" and a:
                    self.b.apply(self.path, self.line(n), f"ALTER TABLE {qt(name, self.schema)} DROP COLUMN {q(jstr(self.tree, a[0]) or '')}")
                elif method == "renameColumn" and len(a) > 1:
                    self.b.apply(self.path, self.line(n), f"ALTER TABLE {qt(name, self.schema)} RENAME COLUMN "
                                                          f"{q(jstr(self.tree, a[0]) or '')} TO {q(jstr(self.tree, a[1]) or '')}")
                elif method == "renameTo" and a:
                    self.b.apply(self.path, self.line(n), f"ALTER TABLE {qt(name, self.schema)} RENAME TO {q(jstr(self.tree, a[0]) or '')}")
                elif method == "dropConstraint" and a:
                    self.b.apply(self.path, self.line(n), f"ALTER TABLE {qt(name, self.schema)} DROP CONSTRAINT {q(jstr(self.tree, a[0]) or '')}")
                elif method == "addIndex" and a:
                    self.kysely_index(jstr(self.tree, a[0]), name, rest, n)
                    break
        elif head == "createIndex":
            table = next((jstr(self.tree, a[0]) for m, a, _ in rest if m == "on" and a), None)
            if table is None:
                self.b.unresolved(self.path, line, "db.schema.createIndex: table not known statically")
                return True
            self.kysely_index(name, table, rest, node)
        elif head == "dropTable":
            self.b.apply(self.path, line, f"DROP TABLE {qt(name, self.schema)}")
        elif head == "dropIndex":
            self.b.apply(self.path, line, f"DROP INDEX IF EXISTS {qt(name, self.schema)}")
        elif head in {"createType", "dropType", "createSchema", "dropSchema", "createView", "dropView"}:
            self.b.ignored()
        else:
            self.b.unresolved(self.path, line, f"db.schema.{head} is not modelled")
        return True

    def kysely_index(self, name, table, steps, node) -> None:
        cols, unique, method, where = [], False, "", ""
        for m, a, n in steps:
            if m == "column" and a:
                cols.append(jstr(self.tree, a[0]) or "")
            elif m == "columns" and a:
                v = jval(self.tree, a[0])
                cols += [x for x in v if isinstance(x, str)] if isinstance(v, list) else []
            elif m == "expression" and a:
                text = template_text(self.tree, a[0].child_by_field_name("arguments") if a[0].type == "call_expression" else a[0])
                if text:
                    cols.append(text)
            elif m == "unique":
                unique = True
            elif m == "using" and a:
                method = (jstr(self.tree, a[0]) or "").lower()
            elif m == "where":
                where = "TRUE"
        cols = [c.replace(" desc", "").replace(" asc", "") if " " in c and c.split(" ")[0].isidentifier() else c for c in cols]
        self.b.apply(self.path, self.line(node), ddl.create_index_sql(
            table, self.schema, Ix(cols, name or "", unique=unique, method=method, where=where)))

    def kysely_table_step(self, spec: TableSpec, method: str, a, n) -> None:
        line = self.line(a[0]) if a else self.line(n)
        if method == "addColumn" and len(a) >= 2:
            cname = jstr(self.tree, a[0])
            ctype = jstr(self.tree, a[1])
            if ctype is None and a[1].type == "call_expression":  # sql`...` as the type
                tpl = a[1].child_by_field_name("arguments")
                ctype = template_text(self.tree, tpl) if tpl is not None else None
            if cname is None:
                self.b.unresolved(self.path, line, f"addColumn: column name `{js.text(a[0])[:40]}` not known statically")
                return
            col = Col(cname, ctype or "text", line)
            if len(a) > 2:
                body, param = self.callback(a[2])
                if body is not None:
                    _, mods = flatten(body if body.type == "call_expression" else
                                      next((c for c in outermost_calls(body)), body))
                    for m, ma, mn in mods:
                        if m == "primaryKey":
                            col.primary = True
                        elif m == "unique":
                            col.unique = True
                        elif m == "references" and ma:
                            target = jstr(self.tree, ma[0]) or ""
                            parts = target.split(".")
                            if len(parts) >= 2:
                                col.ref = Ref(parts[-2], [parts[-1]], parts[-3] if len(parts) > 2 else None)
            spec.columns.append(col)
        elif method == "addPrimaryKeyConstraint" and len(a) > 1:
            spec.primary_key = [x for x in (jval(self.tree, a[1]) or []) if isinstance(x, str)]
            spec.pk_name = jstr(self.tree, a[0]) or ""
        elif method == "addUniqueConstraint" and len(a) > 1:
            cols = [x for x in (jval(self.tree, a[1]) or []) if isinstance(x, str)]
            spec.indexes.append(Ix(cols, jstr(self.tree, a[0]) or "", unique=True, constraint=True, line=line))
        elif method == "addForeignKeyConstraint" and len(a) > 3:
            cols = [x for x in (jval(self.tree, a[1]) or []) if isinstance(x, str)]
            ref_cols = [x for x in (jval(self.tree, a[3]) or []) if isinstance(x, str)]
            table = jstr(self.tree, a[2]) or ""
            schema = None
            if "." in table:
                schema, table = table.split(".", 1)
            spec.later_fks.append(Fk(cols, Ref(table, ref_cols, schema, jstr(self.tree, a[0]) or ""), line))

    # -- node-pg-migrate, db-migrate, TypeORM QueryRunner ---------------------------------------------
    def runner(self, base: str, steps) -> bool:
        method, args, node = steps[0]
        line = self.line(node)
        kind = "typeorm" if "queryRunner" in base else "node-pg-migrate" if base == "pgm" else "db-migrate"
        if method in {"sql", "runSql"} and args:
            return self.sql_arg(args[0], kind)
        self.sources.kinds.add(kind)
        vals = [jval(self.tree, a) for a in args]
        if kind == "typeorm":
            return self.typeorm_runner(method, args, vals, line)
        name = vals[0] if vals and isinstance(vals[0], str) else None
        if isinstance(vals[0] if vals else None, dict) and "name" in vals[0]:
            name = vals[0]["name"]
        if name is None:
            self.b.unresolved(self.path, line, f"{base}.{method}: table name not known statically")
            return True
        if method == "createTable" and len(vals) > 1 and isinstance(vals[1], dict):
            spec = TableSpec(name, self.path, line)
            nodes = pairs(args[1])
            for cname, cdef in vals[1].items():
                self.runner_column(spec, cname, cdef, js.line(nodes[cname]) if cname in nodes else line, kind)
            ddl.emit_table(self.b, spec)
            ddl.emit_later_fks(self.b, spec)
        elif method in {"addColumns", "addColumn"} and len(vals) > 1:
            spec = TableSpec(name, self.path, line)
            defs = vals[1] if method == "addColumns" and isinstance(vals[1], dict) else \
                {vals[1]: vals[2] if len(vals) > 2 else {}} if isinstance(vals[1], str) else {}
            for cname, cdef in defs.items():
                self.runner_column(spec, cname, cdef, line, kind)
            for col in spec.columns:
                self.b.apply(self.path, line, f"ALTER TABLE {q(name)} ADD COLUMN {ddl.column_sql(Col(col.name, col.type), col.primary)}")
            ddl.emit_later_fks(self.b, spec)
            for ix in spec.indexes:
                self.b.apply(self.path, line, ddl.create_index_sql(name, None, ix))
        elif method in {"createIndex", "addIndex"} and len(vals) > 1:
            if kind == "db-migrate":  # addIndex(table, name, columns, unique)
                cols = vals[2] if len(vals) > 2 and isinstance(vals[2], list) else [vals[2]] if len(vals) > 2 else []
                ix = Ix([c for c in cols if isinstance(c, str)], vals[1] if isinstance(vals[1], str) else "",
                        unique=len(vals) > 3 and vals[3] is True)
            else:  # pgm.createIndex(table, columns, options)
                cols = vals[1] if isinstance(vals[1], list) else [vals[1]]
                cols = [c if isinstance(c, str) else c.get("name", "") if isinstance(c, dict) else "" for c in cols]
                opt = vals[2] if len(vals) > 2 and isinstance(vals[2], dict) else {}
                ix = Ix(cols, opt.get("name") or f"{name}_{'_'.join(cols)}{'_unique' if opt.get('unique') else ''}_index",
                        unique=opt.get("unique") is True, method=str(opt.get("method") or ""),
                        where=str(opt["where"]) if isinstance(opt.get("where"), str) else "",
                        concurrently=opt.get("concurrently") is True)
            self.b.apply(self.path, line, ddl.create_index_sql(name, None, ix))
        elif method == "dropTable":
            self.b.apply(self.path, line, f"DROP TABLE IF EXISTS {q(name)}")
        elif method == "renameTable" and len(vals) > 1 and isinstance(vals[1], str):
            self.b.apply(self.path, line, f"ALTER TABLE {q(name)} RENAME TO {q(vals[1])}")
        elif method in {"dropColumns", "dropColumn"} and len(vals) > 1:
            cols = vals[1] if isinstance(vals[1], list) else [vals[1]]
            for c in cols:
                if isinstance(c, str):
                    self.b.apply(self.path, line, f"ALTER TABLE {q(name)} DROP COLUMN {q(c)}")
        elif method == "renameColumn" and len(vals) > 2:
            self.b.apply(self.path, line, f"ALTER TABLE {q(name)} RENAME COLUMN {q(str(vals[1]))} TO {q(str(vals[2]))}")
        elif method == "addConstraint" and len(vals) > 2:
            spec = TableSpec(name, self.path, line)
            opt = vals[2]
            if isinstance(opt, str):
                self.sql(f"ALTER TABLE {q(name)} ADD CONSTRAINT {q(str(vals[1]))} {opt}", line)
            elif isinstance(opt, dict):
                fks = opt.get("foreignKeys")
                for fk in fks if isinstance(fks, list) else [fks] if isinstance(fks, dict) else []:
                    cols = fk.get("columns")
                    cols = cols if isinstance(cols, list) else [cols]
                    ref = self.pgm_ref(fk.get("references"))
                    if ref is not None:
                        ref.name = str(vals[1]) if isinstance(vals[1], str) else ""
                        spec.later_fks.append(Fk([c for c in cols if isinstance(c, str)], ref, line))
                if isinstance(opt.get("unique"), (list, str)):
                    u = opt["unique"] if isinstance(opt["unique"], list) else [opt["unique"]]
                    spec.indexes.append(Ix([c for c in u if isinstance(c, str)], str(vals[1]), unique=True, constraint=True))
                ddl.emit_later_fks(self.b, spec)
                for ix in spec.indexes:
                    self.b.apply(self.path, line, ddl.create_index_sql(name, None, ix))
        elif method in {"dropIndex", "dropConstraint"}:
            self.b.ignored()
        else:
            self.b.unresolved(self.path, line, f"{base}.{method} is not modelled")
        return True

    def pgm_ref(self, value) -> Ref | None:
        if isinstance(value, str):
            m = re.match(r'^\s*"?([\w.]+?)"?\s*(?:\(\s*"?(\w+)"?\s*\))?\s*$', value)
            if m:
                table = m.group(1)
                schema = None
                if "." in table:
                    schema, table = table.split(".", 1)
                return Ref(table, [m.group(2)] if m.group(2) else [], schema)
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            return Ref(value["name"], [], value.get("schema") if isinstance(value.get("schema"), str) else None)
        return None

    def runner_column(self, spec: TableSpec, name: str, cdef, line: int, kind: str) -> None:
        if isinstance(cdef, str):
            cdef = {"type": cdef}
        if not isinstance(cdef, dict):
            return
        ctype = str(cdef.get("type") or "text")
        col = Col(name, ctype, line)
        if ctype == "id" and kind == "node-pg-migrate":
            col.type, col.primary = "serial", True
        col.primary = col.primary or cdef.get("primaryKey") is True or cdef.get("primary") is True
        col.unique = cdef.get("unique") is True
        if kind == "node-pg-migrate" and cdef.get("references") is not None:
            ref = self.pgm_ref(cdef.get("references"))
            if ref is not None:
                col.ref = ref
        if kind == "db-migrate" and isinstance(cdef.get("foreignKey"), dict):
            fk = cdef["foreignKey"]
            mapping = fk.get("mapping")
            ref_col = mapping if isinstance(mapping, str) else next(iter(mapping.values()), "id") if isinstance(mapping, dict) else "id"
            if isinstance(fk.get("table"), str):
                spec.later_fks.append(Fk([name], Ref(fk["table"], [str(ref_col)], None, str(fk.get("name") or "")), line))
        spec.columns.append(col)

    def typeorm_runner(self, method: str, args, vals, line: int) -> bool:
        def obj(v):
            return v if isinstance(v, dict) else {}

        def new_arg(node):  # new Table({...}) -> the object
            node = _unwrap(node)
            if node is not None and node.type == "new_expression":
                a = node.child_by_field_name("arguments")
                if a is not None and a.named_children:
                    return jval(self.tree, a.named_children[0])
            return jval(self.tree, node)

        if method == "createTable" and args:
            t = obj(new_arg(args[0]))
            name = t.get("name")
            if not isinstance(name, str):
                self.b.unresolved(self.path, line, "queryRunner.createTable: table name not known statically")
                return True
            spec = TableSpec(name, self.path, line)
            for c in t.get("columns") or []:
                c = obj(c)
                if isinstance(c.get("name"), str):
                    spec.columns.append(Col(c["name"], str(c.get("type") or "text"), line, primary=c.get("isPrimary") is True,
                                            unique=c.get("isUnique") is True))
            for fk in t.get("foreignKeys") or []:
                fk = obj(fk)
                if isinstance(fk.get("referencedTableName"), str):
                    spec.later_fks.append(Fk([x for x in fk.get("columnNames") or [] if isinstance(x, str)],
                                             Ref(fk["referencedTableName"], [x for x in fk.get("referencedColumnNames") or [] if isinstance(x, str)],
                                                 None, str(fk.get("name") or "")), line))
            for ix in (t.get("indices") or []) + (t.get("uniques") or []):
                ix = obj(ix)
                spec.indexes.append(Ix([x for x in ix.get("columnNames") or [] if isinstance(x, str)], str(ix.get("name") or ""),
                                       unique=ix.get("isUnique") is True or "uniques" in t and ix in (t.get("uniques") or []),
                                       line=line))
            ddl.emit_table(self.b, spec)
            ddl.emit_later_fks(self.b, spec)
            return True
        table = vals[0].get("name") if vals and isinstance(vals[0], dict) else vals[0] if vals else None
        if not isinstance(table, str):
            self.b.unresolved(self.path, line, f"queryRunner.{method}: table not known statically")
            return True
        if method == "createIndex" and len(args) > 1:
            ix = obj(new_arg(args[1]))
            self.b.apply(self.path, line, ddl.create_index_sql(table, None, Ix(
                [x for x in ix.get("columnNames") or [] if isinstance(x, str)], str(ix.get("name") or ""),
                unique=ix.get("isUnique") is True)))
        elif method in {"createForeignKey", "addForeignKey"} and len(args) > 1:
            fk = obj(new_arg(args[1]))
            if isinstance(fk.get("referencedTableName"), str):
                self.b.apply(self.path, line, ddl.add_fk_sql(table, None, Fk(
                    [x for x in fk.get("columnNames") or [] if isinstance(x, str)],
                    Ref(fk["referencedTableName"], [x for x in fk.get("referencedColumnNames") or [] if isinstance(x, str)],
                        None, str(fk.get("name") or "")), line)))
        elif method == "dropTable":
            self.b.apply(self.path, line, f"DROP TABLE IF EXISTS {q(table)}")
        elif method in {"dropIndex", "dropColumn", "dropForeignKey", "addColumn", "renameColumn"}:
            self.b.unresolved(self.path, line, f"queryRunner.{method} is not modelled")
        else:
            self.b.unresolved(self.path, line, f"queryRunner.{method} is not modelled")
        return True


# -- TypeORM entities ---------------------------------------------------------------------------
def _decorators(node) -> list:
    out = [c for c in node.children if c.type == "decorator"]
    parent = node.parent
    if node.type == "class_declaration" and parent is not None and parent.type == "export_statement":
        out = [c for c in parent.children if c.type == "decorator"] + out
    return out


def _decorator_call(dec):
    call = next((c for c in dec.named_children), None)
    if call is None:
        return "", []
    if call.type == "call_expression":
        fn = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        return js.text(fn).split(".")[-1], list(args.named_children) if args is not None else []
    return js.text(call).split(".")[-1], []


def _entities(path: str, tree, sources: JsSources) -> None:
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        if n.type in {"class_declaration", "abstract_class_declaration"}:
            decs = {name: args for name, args in (_decorator_call(d) for d in _decorators(n))}
            name = js.text(n.child_by_field_name("name"))
            heritage = next((c for c in n.children if c.type == "class_heritage"), None)
            bases = [js.text(i) for i in (heritage.named_children[0].named_children if heritage is not None and heritage.named_children else [])
                     if i.type in {"identifier", "type_identifier"}]
            if "Entity" in decs or "ChildEntity" in decs:
                args = decs.get("Entity") or []
                table, schema = None, None
                for a in args:
                    v = jval(tree, a)
                    if isinstance(v, str):
                        table = v
                    elif isinstance(v, dict):
                        table = v.get("name") if isinstance(v.get("name"), str) else table
                        schema = v.get("schema") if isinstance(v.get("schema"), str) else None
                sources.entities[name] = Entity(name, path, js.line(n), table or ddl.snake(name), schema, n, tree, bases)
            elif n.type == "abstract_class_declaration" or any(
                    d in {"Column", "PrimaryGeneratedColumn", "PrimaryColumn", "CreateDateColumn"}
                    for d in _member_decorator_names(n)):
                sources.entities.setdefault(name, Entity(name, path, js.line(n), "", None, n, tree, bases, abstract=True))
        stack.extend(n.children)


def _member_decorator_names(cls) -> set[str]:
    body = cls.child_by_field_name("body")
    out = set()
    for m in body.named_children if body is not None else []:
        for d in m.children:
            if d.type == "decorator":
                out.add(_decorator_call(d)[0])
    return out


def _members(e: Entity, sources: JsSources, seen=None) -> list[tuple[str, dict, object, int]]:
    """(property, {decorator: args}, type node, line) for the entity and its abstract bases."""
    seen = seen or set()
    out = []
    for b in e.bases:
        base = sources.entities.get(b)
        if base is not None and base.cls not in seen:
            seen.add(base.cls)
            out += _members(base, sources, seen)
    body = e.node.child_by_field_name("body")
    for m in body.named_children if body is not None else []:
        if m.type not in {"public_field_definition", "property_signature", "field_definition"}:
            continue
        decs = {}
        for d in m.children:
            if d.type == "decorator":
                name, args = _decorator_call(d)
                decs[name] = args
        prop = m.child_by_field_name("name")
        ann = m.child_by_field_name("type")
        if decs and prop is not None:
            out.append((js.text(prop), decs, ann, js.line(m)))
    return out


def _entity_spec(e: Entity, sources: JsSources) -> tuple[TableSpec, list[TableSpec]]:
    tree = e.tree
    spec = TableSpec(e.table, e.path, e.line, schema=e.schema)
    joins: list[TableSpec] = []
    props: dict[str, str] = {}
    for prop, decs, ann, line in _members(e, sources):
        opts = {}
        for key in ("Column", "PrimaryColumn", "PrimaryGeneratedColumn", "CreateDateColumn", "UpdateDateColumn",
                    "DeleteDateColumn", "VersionColumn"):
            if key in decs:
                for a in decs[key]:
                    v = jval(tree, a)
                    if isinstance(v, dict):
                        opts.update(v)
                    elif isinstance(v, str):
                        opts.setdefault("type", v)
                col_type = str(opts.get("type") or "")
                if key == "PrimaryGeneratedColumn":
                    col_type = "uuid" if col_type == "uuid" else "integer"
                elif key in {"CreateDateColumn", "UpdateDateColumn", "DeleteDateColumn"}:
                    col_type = col_type or "timestamp"
                elif key == "VersionColumn":
                    col_type = "integer"
                if not col_type:
                    col_type = TYPEORM_TYPES.get(js.text(ann).lstrip(":").strip().split("|")[0].strip(), "varchar")
                if "length" in opts and isinstance(opts["length"], int) and col_type in {"varchar", "character varying"}:
                    col_type = f"varchar({opts['length']})"
                cname = opts.get("name") if isinstance(opts.get("name"), str) else prop
                props[prop] = cname
                col = Col(cname, col_type, line, primary=key.startswith("Primary") or opts.get("primary") is True,
                          unique=opts.get("unique") is True)
                spec.columns.append(col)
                break
        if "Index" in decs:
            args = [jval(tree, a) for a in decs["Index"]]
            name = next((a for a in args if isinstance(a, str)), "")
            opt = next((a for a in args if isinstance(a, dict)), {})
            cname = props.get(prop) or _join_column(decs, prop, tree)
            spec.indexes.append(Ix([cname], name, unique=opt.get("unique") is True, line=line))
        for rel in ("ManyToOne", "OneToOne"):
            if rel in decs and (rel == "ManyToOne" or "JoinColumn" in decs):
                target = _relation_target(tree, decs[rel])
                te = sources.entities.get(target or "")
                if te is None:
                    continue
                cname = _join_column(decs, prop, tree)
                props[prop] = cname
                ref_col = _join_ref(decs, tree) or _pk_of(te, sources)
                if spec.column(cname) is None:
                    spec.columns.append(Col(cname, _pk_type(te, sources), line))
                ref = Ref(te.table, [ref_col], te.schema)
                spec.later_fks.append(Fk([cname], ref, line))
                if rel == "OneToOne":
                    spec.indexes.append(Ix([cname], "", unique=True, constraint=True, line=line))
        if "ManyToMany" in decs and "JoinTable" in decs:
            target = _relation_target(tree, decs["ManyToMany"])
            te = sources.entities.get(target or "")
            if te is not None:
                jt = {}
                for a in decs["JoinTable"]:
                    v = jval(tree, a)
                    jt = v if isinstance(v, dict) else jt
                table = jt.get("name") if isinstance(jt.get("name"), str) else ddl.snake(f"{e.table}_{prop}_{te.table}")
                a_pk, b_pk = _pk_of(e, sources), _pk_of(te, sources)
                a_col = _camel(f"{e.table}_{a_pk}")
                b_col = _camel(f"{te.table}_{b_pk}")
                jspec = TableSpec(table, e.path, line)
                jspec.columns = [Col(a_col, _pk_type(e, sources), line), Col(b_col, _pk_type(te, sources), line)]
                jspec.primary_key = [a_col, b_col]
                jspec.indexes = [Ix([a_col], "", line=line), Ix([b_col], "", line=line)]
                jspec.later_fks = [Fk([a_col], Ref(e.table, [a_pk], e.schema), line),
                                   Fk([b_col], Ref(te.table, [b_pk], te.schema), line)]
                joins.append(jspec)
    for name, args in ((n, a) for n, a in (_decorator_call(d) for d in _decorators(e.node))):
        if name in {"Index", "Unique"}:
            vals = [jval(tree, a) for a in args]
            cols = next((v for v in vals if isinstance(v, list)), [])
            iname = next((v for v in vals if isinstance(v, str)), "")
            opt = next((v for v in vals if isinstance(v, dict) and "__expr__" not in v), {})
            cols = [props.get(c, c) for c in cols if isinstance(c, str)]
            if cols:
                spec.indexes.append(Ix(cols, iname, unique=name == "Unique" or opt.get("unique") is True,
                                       constraint=name == "Unique", line=e.line))
    return spec, joins


def _camel(s: str) -> str:
    parts = re.split(r"[_\W]+", s)
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _relation_target(tree, args) -> str | None:
    if not args:
        return None
    a = _unwrap(args[0])
    if a.type == "arrow_function":
        body = a.child_by_field_name("body")
        return js.text(body).strip() if body is not None else None
    v = jval(tree, a)
    return v if isinstance(v, str) else js.text(a)


def _join_column(decs, prop: str, tree) -> str:
    for a in decs.get("JoinColumn") or []:
        v = jval(tree, a)
        if isinstance(v, dict) and isinstance(v.get("name"), str):
            return v["name"]
    return f"{prop}Id"


def _join_ref(decs, tree) -> str | None:
    for a in decs.get("JoinColumn") or []:
        v = jval(tree, a)
        if isinstance(v, dict) and isinstance(v.get("referencedColumnName"), str):
            return v["referencedColumnName"]
    return None


def _pk_of(e: Entity, sources: JsSources) -> str:
    for prop, decs, _, _ in _members(e, sources):
        for key in ("PrimaryGeneratedColumn", "PrimaryColumn"):
            if key in decs:
                for a in decs[key]:
                    v = jval(e.tree, a)
                    if isinstance(v, dict) and isinstance(v.get("name"), str):
                        return v["name"]
                return prop
    return "id"


def _pk_type(e: Entity, sources: JsSources) -> str:
    for prop, decs, _, _ in _members(e, sources):
        if "PrimaryGeneratedColumn" in decs:
            v = [jval(e.tree, a) for a in decs["PrimaryGeneratedColumn"]]
            return "uuid" if "uuid" in v else "integer"
        if "PrimaryColumn" in decs:
            v = [jval(e.tree, a) for a in decs["PrimaryColumn"]]
            t = next((x for x in v if isinstance(x, str)), None) or \
                next((x.get("type") for x in v if isinstance(x, dict) and isinstance(x.get("type"), str)), None)
            return t or "varchar"
    return "integer"


def read_js(files: dict[str, str]) -> JsSources:
    s = JsSources(files=files)
    for path in sorted(files):
        text = files[path]
        if MIGRATION_DIR.search(path) and UP.search(text) and "seed" not in path.lower():
            if OTHER_DIALECT.search(path):
                s.not_applied.append({"path": path, "reason": "migration for another database engine"})
            else:
                s.migrations.append(path)
        elif "@Entity" in text and ("typeorm" in text or "@Column" in text):
            _entities(path, s.tree(path), s)
    if s.migrations:  # a script that creates the first tables outside the migrations folder
        s.bootstrap = [p for p in sorted(files) if p not in s.migrations and SCHEMA_BUILDER.search(files[p])
                       and not UP.search(files[p]) and not OTHER_DIALECT.search(p)
                       and not re.search(r"(^|/)(tests?|__tests__|spec)/|\.(test|spec)\.", p)]
    for path in sorted(files):  # abstract bases outside entity files
        text = files[path]
        if path not in s.migrations and "@Entity" not in text and re.search(r"@\w*Column\(", text):
            _entities(path, s.tree(path), s)
    return s

