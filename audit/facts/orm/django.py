"""Django: models (`models.Model` subclasses) and migrations (`Migration.operations`), read with `ast`.

PostgreSQL facts Django applies and this reader mirrors: a ForeignKey gets an index unless
`db_index=False` or it is unique (OneToOneField); SlugField is indexed; `unique=True` is a UNIQUE
constraint; Meta.indexes / unique_together / index_together / constraints; an auto-created table
for each ManyToManyField (both FK columns indexed, the pair unique); tables named `app_model`.
Left out: the extra `*_like` (varchar_pattern_ops) indexes Django adds for indexed text columns.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from audit.facts.orm import ddl
from audit.facts.orm.ddl import Col, Fk, Ix, Ref, TableSpec, q
from audit.facts.orm.pyeval import Env, Project, Unresolved, call_name, dotted, evaluate, kwargs, short, try_eval
from audit.facts.schema import SchemaBuilder
from audit.facts.sqltext import split_statements

TYPES = {
    "AutoField": "integer", "BigAutoField": "bigint", "SmallAutoField": "smallint", "IntegerField": "integer",
    "BigIntegerField": "bigint", "SmallIntegerField": "smallint", "PositiveIntegerField": "integer",
    "PositiveBigIntegerField": "bigint", "PositiveSmallIntegerField": "smallint", "CharField": "varchar",
    "SlugField": "varchar", "EmailField": "varchar", "URLField": "varchar", "TextField": "text",
    "BooleanField": "boolean", "NullBooleanField": "boolean", "DateTimeField": "timestamptz", "DateField": "date",
    "TimeField": "time", "DurationField": "interval", "DecimalField": "numeric", "FloatField": "double precision",
    "UUIDField": "uuid", "JSONField": "jsonb", "BinaryField": "bytea", "FileField": "varchar",
    "ImageField": "varchar", "FilePathField": "varchar", "GenericIPAddressField": "inet",
    "IPAddressField": "inet", "CICharField": "citext", "CIEmailField": "citext", "CITextField": "citext",
    "HStoreField": "hstore", "SearchVectorField": "tsvector", "ArrayField": "array",
}
DEFAULT_LENGTH = {"SlugField": 50, "EmailField": 254, "URLField": 200, "FileField": 100, "ImageField": 100,
                  "FilePathField": 100}
RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "TreeForeignKey"}
BUILTIN_TABLES = {"auth.user": "auth_user", "auth.group": "auth_group", "auth.permission": "auth_permission",
                  "contenttypes.contenttype": "django_content_type", "sites.site": "django_site",
                  "sessions.session": "django_session", "admin.logentry": "django_admin_log"}
BUILTIN_ABSTRACT = {
    "AbstractBaseUser": [("password", "CharField", {"max_length": 128}), ("last_login", "DateTimeField", {})],
    "PermissionsMixin": [("is_superuser", "BooleanField", {}),
                         ("groups", "ManyToManyField", {"to": "auth.Group"}),
                         ("user_permissions", "ManyToManyField", {"to": "auth.Permission"})],
    "AbstractUser": [("username", "CharField", {"max_length": 150, "unique": True}),
                     ("first_name", "CharField", {"max_length": 150}), ("last_name", "CharField", {"max_length": 150}),
                     ("email", "EmailField", {}), ("is_staff", "BooleanField", {}), ("is_active", "BooleanField", {}),
                     ("date_joined", "DateTimeField", {})],
}
BUILTIN_ABSTRACT["AbstractUser"] = BUILTIN_ABSTRACT["AbstractBaseUser"] + BUILTIN_ABSTRACT["PermissionsMixin"] + \
    BUILTIN_ABSTRACT["AbstractUser"]
IGNORED_OPERATIONS = {"RunPython", "AlterModelOptions", "AlterModelManagers", "AlterOrderWithRespectTo",
                      "AlterModelTableComment", "CreateExtension", "TrigramExtension", "BtreeGinExtension",
                      "HStoreExtension", "UnaccentExtension", "CryptoExtension", "CITextExtension"}


@dataclass
class DjField:
    name: str
    kind: str
    line: int
    column: str = ""
    type: str = "text"
    primary: bool = False
    unique: bool = False
    db_index: bool = False
    target: str = ""        # "app.model" (lower case) for relations
    to_field: str = ""
    related_name: str = ""
    through: str = ""
    db_table: str = ""      # ManyToManyField(db_table=...)
    composite: list[str] = field(default_factory=list)  # CompositePrimaryKey("a", "b") (Django 5.2)

    @property
    def relation(self) -> bool:
        return self.kind in RELATIONS

    @property
    def many(self) -> bool:
        return self.kind == "ManyToManyField"


@dataclass
class DjModel:
    app: str
    name: str
    path: str
    line: int
    table: str = ""
    custom_table: bool = False
    fields: dict[str, DjField] = field(default_factory=dict)
    indexes: list[Ix] = field(default_factory=list)
    unique_together: list[list[str]] = field(default_factory=list)
    index_together: list[list[str]] = field(default_factory=list)
    uniques: list[Ix] = field(default_factory=list)   # Meta.constraints UniqueConstraint
    abstract: bool = False
    managed: bool = True
    proxy: bool = False

    @property
    def label(self) -> str:
        return f"{self.app}.{self.name.lower()}"

    def pk(self) -> DjField | None:
        return next((f for f in self.fields.values() if f.primary), None)

    def has_pk(self) -> bool:
        return any(f.primary or f.composite for f in self.fields.values())

    def column(self, name: str) -> str:
        f = self.fields.get(name)
        if f is None:
            f = next((x for x in self.fields.values() if x.column == name), None)
        return f.column if f is not None else name


@dataclass
class Migration:
    app: str
    name: str
    path: str
    node: ast.ClassDef
    deps: list[tuple[str, str]] = field(default_factory=list)
    replaces: list[tuple[str, str]] = field(default_factory=list)
    run_before: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Django:
    models: dict[str, DjModel] = field(default_factory=dict)   # "app.model" -> model (from models.py)
    by_class: dict[str, DjModel] = field(default_factory=dict)  # class name -> model
    migrations: list[Migration] = field(default_factory=list)
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    user_model: str = "auth.user"
    auto_field: str = "AutoField"
    project: Project | None = None
    settings: dict = field(default_factory=dict)

    # -- emission ------------------------------------------------------------------------
    def emit_models(self, b: SchemaBuilder) -> None:
        for path, line, reason in self.problems:
            b.unresolved(path, line, reason)
        concrete = [m for m in self.models.values() if not m.abstract and m.managed and not m.proxy]
        for m in sorted(concrete, key=lambda m: (m.path, m.line)):
            b.begin_file(m.path)
            emit_create(b, m, self.models, m.path, m.line, self)
        b.model.migrations.sort()

    def emit_migrations(self, b: SchemaBuilder) -> None:
        state: dict[str, DjModel] = {}
        ordered, problems = self.ordered()
        for path, line, reason in problems:
            b.unresolved(path, line, reason)
        for mig in ordered:
            b.begin_file(mig.path)
            env = self.project.env(mig.path).child() if self.project else Env()
            ops = _class_attr(mig.node, "operations")
            if not isinstance(ops, (ast.List, ast.Tuple)):
                continue
            runner = _Ops(self, b, state, mig, env)
            for op in ops.elts:
                runner.operation(op, emit=True)

    def ordered(self) -> tuple[list[Migration], list[tuple[str, int, str]]]:
        problems: list[tuple[str, int, str]] = []
        nodes = {(m.app, m.name): m for m in self.migrations}
        for m in list(self.migrations):  # squashed migrations stand in for the ones they replace
            if m.replaces and all(r in nodes for r in m.replaces):
                for r in m.replaces:
                    nodes.pop(r, None)
        alias = {r: (m.app, m.name) for m in nodes.values() for r in m.replaces}
        first = {}
        for key in sorted(nodes, key=lambda k: k[1]):
            first.setdefault(key[0], key)
        last = {k[0]: k for k in sorted(nodes, key=lambda k: k[1])}
        deps: dict[tuple, set] = {k: set() for k in nodes}
        for key, m in nodes.items():
            for app, name in m.deps:
                app = self.user_model.split(".")[0] if app == "__user__" else app
                target = first.get(app) if name == "__first__" else last.get(app) if name == "__latest__" else \
                    alias.get((app, name), (app, name))
                if target in nodes and target != key:
                    deps[key].add(target)
                elif target is None or target not in nodes:
                    if app == m.app:
                        problems.append((m.path, m.node.lineno, f"dependency ({app}, {name}) not found"))
            for app, name in m.run_before:
                if (app, name) in nodes:
                    deps[(app, name)].add(key)
        done, placed = [], set()
        while deps:
            ready = sorted((k for k, d in deps.items() if d <= placed), key=lambda k: (k[1], k[0]))
            if not ready:
                for k in sorted(deps, key=lambda k: (k[1], k[0])):
                    problems.append((nodes[k].path, nodes[k].node.lineno, "migration dependency cycle: applied by name"))
                    done.append(nodes[k])
                break
            k = ready[0]
            done.append(nodes[k])
            placed.add(k)
            del deps[k]
        return done, problems

    # -- names -------------------------------------------------------------------------------
    def table_of(self, label: str, state: dict[str, DjModel]) -> str:
        label = label.lower()
        if label in state:
            return state[label].table
        if label in BUILTIN_TABLES:
            return BUILTIN_TABLES[label]
        app, _, model = label.partition(".")
        return f"{app}_{model}"

    def pk_of(self, label: str, state: dict[str, DjModel]) -> tuple[str, str]:
        m = state.get(label.lower())
        pk = m.pk() if m is not None else None
        if pk is None:
            return "id", TYPES.get(self.auto_field, "integer")
        return pk.column, {"serial": "integer", "bigserial": "bigint"}.get(pk.type, pk.type)


def _class_attr(node: ast.ClassDef, name: str) -> ast.AST | None:
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            return stmt.value
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
            return stmt.value
    return None


def _app_of(path: str) -> str:
    parts = PurePosixPath(path).parts
    if "migrations" in parts:
        i = len(parts) - 1 - parts[::-1].index("migrations")
        return parts[i - 1] if i > 0 else ""
    if "models" in parts[:-1]:
        i = len(parts) - 1 - parts[:-1][::-1].index("models") - 1
        return parts[i - 1] if i > 0 else ""
    return parts[-2] if len(parts) > 1 else ""


# -- field parsing ------------------------------------------------------------------------------
def parse_field(name: str, call: ast.Call, env: Env, dj: Django, app: str, field_bases: dict[str, str],
                path: str = "") -> DjField | None:
    kind = call_name(call)
    kind = field_bases.get(kind, kind)
    if kind == "CompositePrimaryKey":
        names = [try_eval(a, env) for a in call.args]
        return DjField(name, kind, call.lineno, composite=[n for n in names if isinstance(n, str)])
    if kind not in TYPES and kind not in RELATIONS and not kind.endswith("Field"):
        return None
    kw = kwargs(call)
    get = lambda k, d=None: try_eval(kw[k], env, d) if k in kw else d  # noqa: E731
    f = DjField(name, kind, call.lineno)
    f.primary = get("primary_key") is True
    f.unique = get("unique") is True or kind == "OneToOneField" or f.primary
    f.db_index = get("db_index", kind in {"SlugField"} or kind in RELATIONS) is True
    f.column = get("db_column") or (f"{name}_id" if kind in RELATIONS - {"ManyToManyField"} else name)
    if kind in RELATIONS:
        to = kw.get("to") or (call.args[0] if call.args else None)
        f.target = _target(to, env, dj, app)
        f.to_field = get("to_field") or ""
        f.related_name = get("related_name") or ""
        through = kw.get("through")
        f.through = (try_eval(through, env) or dotted(through)) if through is not None else ""
        f.db_table = get("db_table") or ""
        if not f.target:
            dj.problems.append((path, call.lineno, f"{name}: relation target {short(to)} not resolved"))
    elif kind == "ArrayField":
        base = kw.get("base_field") or (call.args[0] if call.args else None)
        inner = parse_field(name, base, env, dj, app, field_bases, path) if isinstance(base, ast.Call) else None
        f.type = (inner.type if inner else "text") + "[]"
    else:
        t = TYPES.get(kind, "text")
        if t == "varchar":
            n = get("max_length", DEFAULT_LENGTH.get(kind))
            t = f"varchar({n})" if isinstance(n, int) else "varchar"
        elif t == "numeric":
            p, s = get("max_digits"), get("decimal_places")
            t = f"numeric({p}, {s})" if isinstance(p, int) and isinstance(s, int) else "numeric"
        f.type = t
    return f


def _target(node: ast.AST | None, env: Env, dj: Django, app: str) -> str:
    if node is None:
        return ""
    if dotted(node).endswith("AUTH_USER_MODEL"):
        return dj.user_model
    value = try_eval(node, env)
    if isinstance(value, str):
        if value == "self":
            return "self"
        if "." in value:
            a, _, m = value.rpartition(".")
            return f"{a.split('.')[-1]}.{m}".lower()
        cls = dj.by_class.get(value)
        return cls.label if cls is not None else f"{app}.{value}".lower()
    name = dotted(node).split(".")[-1]
    if name:
        cls = dj.by_class.get(name)
        return cls.label if cls is not None else f"{app}.{name}".lower()
    return ""


# -- emission of one model and its operations ---------------------------------------------------
def _spec(m: DjModel, dj: Django, state: dict[str, DjModel], path: str, line: int) -> tuple[TableSpec, list[TableSpec]]:
    spec = TableSpec(m.table, path, line)
    m2m = []
    for f in m.fields.values():
        if f.composite:
            spec.primary_key = [m.column(x) for x in f.composite]
            continue
        if f.many:
            if not f.through:
                m2m.append(_through(m, f, dj, state, path))
            continue
        col = Col(f.column, f.type, f.line or line, primary=f.primary, unique=f.unique and not f.primary)
        if f.relation:
            target = m.label if f.target == "self" else f.target
            ref_col, ref_type = (f.to_field, "") if f.to_field else dj.pk_of(target, state)
            if f.to_field:
                tm = state.get(target)
                ref_col = tm.column(f.to_field) if tm else f.to_field
                ref_type = tm.fields[f.to_field].type if tm and f.to_field in tm.fields else "integer"
            col.type = ref_type or "integer"
            col.ref = Ref(dj.table_of(target, state), [ref_col])
        spec.columns.append(col)
        if f.db_index and not f.unique and not f.primary:
            spec.indexes.append(Ix([f.column], f"{m.table}_{f.column}_idx", line=f.line or line))
    for ix in m.indexes:
        spec.indexes.append(replace(ix, columns=[("-" if c.startswith("-") else "") + m.column(c.lstrip("-"))
                                                 for c in ix.columns]))
    for cols in m.unique_together:
        names = [m.column(c) for c in cols]
        spec.indexes.append(Ix(names, f"{m.table}_{'_'.join(names)}_uniq", unique=True, constraint=True, line=line))
    for cols in m.index_together:
        names = [m.column(c) for c in cols]
        spec.indexes.append(Ix(names, f"{m.table}_{'_'.join(names)}_idx", line=line))
    for u in m.uniques:
        names = [m.column(c) for c in u.columns]
        spec.indexes.append(replace(u, columns=names, constraint=not u.where and all(c.isidentifier() for c in names)))
    return spec, m2m


def _through(m: DjModel, f: DjField, dj: Django, state: dict[str, DjModel], path: str) -> TableSpec:
    target = m.label if f.target == "self" else f.target
    to_model = target.split(".")[-1]
    src, dst = m.name.lower(), to_model
    if src == dst:
        src, dst = f"from_{src}", f"to_{dst}"
    table = f.db_table or f"{m.table}_{f.name}"
    src_col, dst_col = f"{src}_id", f"{dst}_id"
    spec = TableSpec(table, path, f.line)
    _, src_type = dj.pk_of(m.label, state)
    ref_col, dst_type = dj.pk_of(target, state)
    spec.columns = [Col("id", TYPES.get(dj.auto_field, "integer"), f.line, primary=True),
                    Col(src_col, src_type, f.line, ref=Ref(m.table, [dj.pk_of(m.label, state)[0]])),
                    Col(dst_col, dst_type, f.line, ref=Ref(dj.table_of(target, state), [ref_col]))]
    spec.indexes = [Ix([src_col, dst_col], f"{table}_{src_col}_{dst_col}_uniq", unique=True, constraint=True, line=f.line),
                    Ix([src_col], f"{table}_{src_col}_idx", line=f.line), Ix([dst_col], f"{table}_{dst_col}_idx", line=f.line)]
    return spec


def emit_create(b: SchemaBuilder, m: DjModel, state: dict[str, DjModel], path: str, line: int, dj: Django) -> None:
    spec, m2m = _spec(m, dj, state, path, line)
    ddl.emit_table(b, spec)
    for t in m2m:
        ddl.emit_table(b, t)



class _Ops:
    """Applies migration operations to a model state, emitting the DDL Django would run."""

    def __init__(self, dj: Django, b: SchemaBuilder, state: dict[str, DjModel], mig: Migration, env: Env) -> None:
        self.dj, self.b, self.state, self.mig, self.env = dj, b, state, mig, env

    def model(self, name_node: ast.AST | None) -> DjModel:
        name = try_eval(name_node, self.env)
        if not isinstance(name, str):
            raise Unresolved(f"model name {short(name_node)} is not a constant")
        key = f"{self.mig.app}.{name.lower()}"
        if key not in self.state:
            raise Unresolved(f"model {key} is not in the migration state")
        return self.state[key]

    def operation(self, node: ast.AST, emit: bool) -> None:
        if not isinstance(node, ast.Call):
            return
        kind = call_name(node)
        target = kwargs(node).get("model_name") or kwargs(node).get("name") if kind != "CreateModel" else None
        name = try_eval(target, self.env) if target is not None else None
        known = self.state.get(f"{self.mig.app}.{name.lower()}") if isinstance(name, str) else None
        if emit and known is not None and (not known.managed or known.proxy) and kind != "RunSQL":
            emit = False  # an unmanaged or proxy model: Django runs no DDL for it
            self.b.ignored()
        try:
            handler = getattr(self, "op_" + kind, None)
            if handler is not None:
                handler(node, kwargs(node), emit)
            elif kind in IGNORED_OPERATIONS:
                if emit:
                    self.b.ignored()
            elif emit:
                self.b.unresolved(self.mig.path, node.lineno, f"migrations.{kind} is not modelled")
        except Unresolved as exc:
            if emit:
                self.b.unresolved(self.mig.path, node.lineno, f"migrations.{kind}: {exc}")

    def arg(self, node: ast.Call, kw: dict, i: int, name: str) -> ast.AST | None:
        return kw.get(name) if name in kw else node.args[i] if len(node.args) > i else None

    # -- operations ---------------------------------------------------------------------------
    def op_CreateModel(self, node, kw, emit):
        name = try_eval(self.arg(node, kw, 0, "name"), self.env)
        fields = self.arg(node, kw, 1, "fields")
        options = try_eval(self.arg(node, kw, 2, "options"), self.env, {}) or {}
        opts_node = self.arg(node, kw, 2, "options")
        m = DjModel(self.mig.app, str(name), self.mig.path, node.lineno)
        m.table = options.get("db_table") or f"{self.mig.app}_{str(name).lower()}"
        m.custom_table = "db_table" in options
        m.managed, m.proxy = options.get("managed", True) is not False, options.get("proxy") is True
        for item in getattr(fields, "elts", []):
            if isinstance(item, ast.Tuple) and len(item.elts) == 2 and isinstance(item.elts[1], ast.Call):
                fname = try_eval(item.elts[0], self.env)
                f = parse_field(str(fname), item.elts[1], self.env, self.dj, self.mig.app, {}, self.mig.path)
                if f is not None:
                    m.fields[f.name] = f
        if isinstance(opts_node, ast.Dict):
            _meta_options(m, {try_eval(k, self.env): v for k, v in zip(opts_node.keys, opts_node.values)}, self.env)
        self.state[m.label] = m
        if emit:
            if not m.managed or m.proxy:
                self.b.ignored()
                return
            emit_create(self.b, m, self.state, self.mig.path, node.lineno, self.dj)

    def op_DeleteModel(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "name"))
        del self.state[m.label]
        if emit:
            self.b.apply(self.mig.path, node.lineno, f"DROP TABLE {q(m.table)}")

    def op_RenameModel(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "old_name"))
        new = str(try_eval(self.arg(node, kw, 1, "new_name"), self.env))
        del self.state[m.label]
        old_table = m.table
        m.name = new
        if not m.custom_table:
            m.table = f"{m.app}_{new.lower()}"
        self.state[m.label] = m
        if emit and m.table != old_table:
            self.b.apply(self.mig.path, node.lineno, f"ALTER TABLE {q(old_table)} RENAME TO {q(m.table)}")

    def op_AlterModelTable(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "name"))
        new = try_eval(self.arg(node, kw, 1, "table"), self.env) or f"{m.app}_{m.name.lower()}"
        old, m.table, m.custom_table = m.table, new, True
        if emit and old != new:
            self.b.apply(self.mig.path, node.lineno, f"ALTER TABLE {q(old)} RENAME TO {q(new)}")

    def field_arg(self, node, kw, m: DjModel) -> DjField:
        name = try_eval(self.arg(node, kw, 1, "name"), self.env)
        call = self.arg(node, kw, 2, "field")
        f = parse_field(str(name), call, self.env, self.dj, self.mig.app, {}, self.mig.path) if isinstance(call, ast.Call) else None
        if f is None:
            raise Unresolved(f"field {short(call)} is not a Django field")
        return f

    def op_AddField(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        f = self.field_arg(node, kw, m)
        m.fields[f.name] = f
        if not emit:
            return
        tmp = replace(m, fields={f.name: f}, indexes=[], unique_together=[], index_together=[], uniques=[])
        spec, m2m = _spec(tmp, self.dj, self.state, self.mig.path, node.lineno)
        for t in m2m:
            ddl.emit_table(self.b, t)
        for col in spec.columns:
            ref, col.ref = col.ref, None
            unique, col.unique = col.unique, False
            self.b.apply(self.mig.path, node.lineno, f"ALTER TABLE {q(m.table)} ADD COLUMN {ddl.column_sql(col, col.primary)}")
            if unique:
                self.b.apply(self.mig.path, node.lineno,
                             ddl.create_index_sql(m.table, None, Ix([col.name], unique=True, constraint=True)))
            if ref is not None:
                self.b.apply(self.mig.path, node.lineno, ddl.add_fk_sql(m.table, None, Fk([col.name], ref, node.lineno)))
        for ix in spec.indexes:
            self.b.apply(self.mig.path, node.lineno, ddl.create_index_sql(m.table, None, ix))

    def op_RemoveField(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        name = str(try_eval(self.arg(node, kw, 1, "name"), self.env))
        f = m.fields.pop(name, None)
        if f is None:
            raise Unresolved(f"field {name} is not in the state of {m.label}")
        if emit:
            sql = f"DROP TABLE {q(f.db_table or m.table + '_' + f.name)}" if f.many and not f.through else \
                f"ALTER TABLE {q(m.table)} DROP COLUMN {q(f.column)}"
            self.b.apply(self.mig.path, node.lineno, sql)

    def op_AlterField(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        new = self.field_arg(node, kw, m)
        old = m.fields.get(new.name)
        m.fields[new.name] = new
        if not emit or old is None:
            if emit:
                self.b.ignored()
            return
        t, path, line, changed = q(m.table), self.mig.path, node.lineno, False
        if old.column != new.column:
            self.b.apply(path, line, f"ALTER TABLE {t} RENAME COLUMN {q(old.column)} TO {q(new.column)}")
            changed = True
        if old.type != new.type and not new.relation:
            self.b.apply(path, line, f"ALTER TABLE {t} ALTER COLUMN {q(new.column)} TYPE {ddl.sql_type(new.type)}")
            changed = True
        old_ix = old.db_index and not old.unique and not old.primary
        new_ix = new.db_index and not new.unique and not new.primary
        if old_ix and not new_ix:
            self.b.apply(path, line, f"DROP INDEX IF EXISTS {q(f'{m.table}_{old.column}_idx')}")
            changed = True
        if new_ix and not old_ix:
            self.b.apply(path, line, ddl.create_index_sql(m.table, None, Ix([new.column], f"{m.table}_{new.column}_idx")))
            changed = True
        if old.unique != new.unique and not new.primary:
            name = ddl.q(ddl_object(m.table, new.column, "key"))
            self.b.apply(path, line, f"ALTER TABLE {t} ADD CONSTRAINT {name} UNIQUE ({q(new.column)})" if new.unique
                         else f"ALTER TABLE {t} DROP CONSTRAINT {name}")
            changed = True
        if new.relation and not old.relation:
            target = m.label if new.target == "self" else new.target
            ref = Ref(self.dj.table_of(target, self.state), [self.dj.pk_of(target, self.state)[0]])
            self.b.apply(path, line, ddl.add_fk_sql(m.table, None, Fk([new.column], ref, line)))
            changed = True
        if not changed:
            self.b.ignored()

    def op_RenameField(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        old = str(try_eval(self.arg(node, kw, 1, "old_name"), self.env))
        new = str(try_eval(self.arg(node, kw, 2, "new_name"), self.env))
        f = m.fields.pop(old, None)
        if f is None:
            raise Unresolved(f"field {old} is not in the state of {m.label}")
        old_col = f.column
        if f.column in (old, f"{old}_id"):
            f.column = f.column.replace(old, new, 1)
        f.name = new
        m.fields[new] = f
        if emit:
            if old_col != f.column:
                self.b.apply(self.mig.path, node.lineno, f"ALTER TABLE {q(m.table)} RENAME COLUMN {q(old_col)} TO {q(f.column)}")
            else:
                self.b.ignored()

    def op_AddIndex(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        ix = _index(self.arg(node, kw, 1, "index"), self.env, m)
        m.indexes.append(ix)
        if emit:
            cols = [("-" if c.startswith("-") else "") + m.column(c.lstrip("-")) for c in ix.columns]
            self.b.apply(self.mig.path, node.lineno, ddl.create_index_sql(m.table, None, replace(ix, columns=cols)))

    def op_AddIndexConcurrently(self, node, kw, emit):
        self.op_AddIndex(node, kw, emit)
        if emit:
            last = list(self.b.model.indexes.values())[-1]
            last.concurrently = True

    def op_RemoveIndex(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        name = str(try_eval(self.arg(node, kw, 1, "name"), self.env))
        m.indexes = [i for i in m.indexes if i.name != name]
        if emit:
            self.b.apply(self.mig.path, node.lineno, f"DROP INDEX IF EXISTS {q(name)}")

    op_RemoveIndexConcurrently = op_RemoveIndex

    def op_RenameIndex(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        new = str(try_eval(kw.get("new_name"), self.env))
        old = try_eval(kw.get("old_name"), self.env)
        if not isinstance(old, str):
            raise Unresolved("RenameIndex with old_fields (an unnamed index_together) is not modelled")
        for i in m.indexes:
            if i.name == old:
                i.name = new
        if emit:
            self.b.apply(self.mig.path, node.lineno, f"ALTER INDEX {q(old)} RENAME TO {q(new)}")

    def op_AddConstraint(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        c = self.arg(node, kw, 1, "constraint")
        if not (isinstance(c, ast.Call) and call_name(c) == "UniqueConstraint"):
            if emit:
                self.b.ignored()
            return
        u = _unique(c, self.env, m)
        m.uniques.append(u)
        if emit:
            cols = [m.column(x) for x in u.columns]
            self.b.apply(self.mig.path, node.lineno, ddl.create_index_sql(
                m.table, None, replace(u, columns=cols, constraint=not u.where and all(x.isidentifier() for x in cols))))

    def op_RemoveConstraint(self, node, kw, emit):
        m = self.model(self.arg(node, kw, 0, "model_name"))
        name = str(try_eval(self.arg(node, kw, 1, "name"), self.env))
        m.uniques = [u for u in m.uniques if u.name != name]
        if emit:
            self.b.apply(self.mig.path, node.lineno, f"ALTER TABLE {q(m.table)} DROP CONSTRAINT {q(name)}")

    def op_AlterUniqueTogether(self, node, kw, emit):
        self._together(node, kw, emit, "unique_together", unique=True)

    def op_AlterIndexTogether(self, node, kw, emit):
        self._together(node, kw, emit, "index_together", unique=False)

    def _together(self, node, kw, emit, attr, unique):
        m = self.model(self.arg(node, kw, 0, "name"))
        value = _together(try_eval(self.arg(node, kw, 1, attr), self.env, []))
        old = getattr(m, attr)
        setattr(m, attr, value)
        if not emit:
            return
        suffix = "uniq" if unique else "idx"
        for cols in old:
            if cols not in value:
                name = f"{m.table}_{'_'.join(m.column(c) for c in cols)}_{suffix}"
                self.b.apply(self.mig.path, node.lineno, f"ALTER TABLE {q(m.table)} DROP CONSTRAINT {q(name)}" if unique
                             else f"DROP INDEX IF EXISTS {q(name)}")
        for cols in value:
            if cols not in old:
                names = [m.column(c) for c in cols]
                self.b.apply(self.mig.path, node.lineno, ddl.create_index_sql(
                    m.table, None, Ix(names, f"{m.table}_{'_'.join(names)}_{suffix}", unique=unique, constraint=unique)))
        if old == value:
            self.b.ignored()

    def op_RunSQL(self, node, kw, emit):
        if not emit:
            return
        sql_node = self.arg(node, kw, 0, "sql")
        value = evaluate(sql_node, self.env)
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = item[0] if isinstance(item, list) else item
            if not isinstance(text, str):
                continue
            for offset, stmt in split_statements(text):
                self.b.apply(self.mig.path, sql_node.lineno + offset - 1, stmt)
        state_ops = kw.get("state_operations")
        for op in getattr(state_ops, "elts", []):
            self.operation(op, emit=False)

    def op_SeparateDatabaseAndState(self, node, kw, emit):
        for op in getattr(kw.get("database_operations") or (node.args[0] if node.args else None), "elts", []):
            self.operation(op, emit)
        for op in getattr(kw.get("state_operations") or (node.args[1] if len(node.args) > 1 else None), "elts", []):
            self.operation(op, emit=False)


def ddl_object(table: str, column: str, label: str) -> str:
    from audit.facts.schema import object_name
    return object_name(table, column, label)


def _together(value) -> list[list[str]]:
    if not value:
        return []
    items = list(value)
    if items and all(isinstance(x, str) for x in items):
        return [items]
    return sorted([list(x) for x in items if isinstance(x, list)])


def _q_sql(node: ast.AST | None, env: Env, m: DjModel) -> str:
    """A `Q(...)` condition as SQL for simple lookups; TRUE (partial, predicate unknown) otherwise."""
    if node is None:
        return ""
    from audit.facts.orm.django_queries import lookup_sql
    try:
        if isinstance(node, ast.Call) and call_name(node) == "Q" and not node.args:
            parts = [lookup_sql(k.arg, m, "$1", env=env, value=k.value) for k in node.keywords if k.arg]
            if all(parts):  # the predicate of an index names the table's own columns unqualified
                return " AND ".join(parts).replace(f"{q(m.table)}.", "")
    except Unresolved:
        pass
    return "TRUE"


def _index(node: ast.AST | None, env: Env, m: DjModel) -> Ix:
    if not isinstance(node, ast.Call):
        raise Unresolved(f"{short(node)} is not models.Index(...)")
    kw = kwargs(node)
    fields = try_eval(kw.get("fields"), env, None)
    cols: list[str] = []
    if isinstance(fields, list):
        cols = [str(f) for f in fields]
    else:
        for expr in node.args:
            cols.append(_expression(expr, env, m))
    name = try_eval(kw.get("name"), env, "") or ""
    method = {"GinIndex": "gin", "GistIndex": "gist", "BrinIndex": "brin", "HashIndex": "hash",
              "BTreeIndex": "btree", "SpGistIndex": "spgist", "BloomIndex": "bloom"}.get(call_name(node), "")
    return Ix(cols, name, method=method, where=_q_sql(kw.get("condition"), env, m), line=node.lineno)


def _expression(expr: ast.AST, env: Env, m: DjModel) -> str:
    """`F("x").desc()`, `Lower("email")`, `"-created"` as an index column."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in {"desc", "asc"}:
        inner = _expression(expr.func.value, env, m)
        return ("-" + inner) if expr.func.attr == "desc" else inner
    if isinstance(expr, ast.Call) and call_name(expr) == "F" and expr.args:
        return m.column(str(try_eval(expr.args[0], env, "")))
    if isinstance(expr, ast.Call) and call_name(expr) in {"Lower", "Upper"} and expr.args:
        return f"{call_name(expr).lower()}({_expression(expr.args[0], env, m) if not isinstance(expr.args[0], ast.Constant) else m.column(str(expr.args[0].value))})"
    value = try_eval(expr, env)
    if isinstance(value, str):
        return m.column(value)
    raise Unresolved(f"index expression {short(expr)} is not modelled")


def _unique(node: ast.Call, env: Env, m: DjModel) -> Ix:
    kw = kwargs(node)
    fields = try_eval(kw.get("fields"), env, None)
    cols = [str(f) for f in fields] if isinstance(fields, list) else [_expression(e, env, m) for e in node.args]
    return Ix(cols, try_eval(kw.get("name"), env, "") or "", unique=True, where=_q_sql(kw.get("condition"), env, m),
              line=node.lineno)


def _meta_options(m: DjModel, opts: dict, env: Env) -> None:
    """Meta / CreateModel options: indexes, unique_together, index_together, constraints."""
    for key, node in opts.items():
        try:
            if key == "indexes":
                m.indexes = [_index(e, env, m) for e in getattr(node, "elts", [])]
            elif key == "unique_together":
                m.unique_together = _together(evaluate(node, env))
            elif key == "index_together":
                m.index_together = _together(evaluate(node, env))
            elif key == "constraints":
                m.uniques = [_unique(e, env, m) for e in getattr(node, "elts", [])
                             if isinstance(e, ast.Call) and call_name(e) == "UniqueConstraint"]
        except Unresolved as exc:
            raise Unresolved(f"Meta.{key}: {exc}") from None


# -- reading ----------------------------------------------------------------------------------
def read_django(trees: dict[str, ast.Module], project: Project) -> Django:
    dj = Django(project=project)
    django_files = {p: t for p, t in trees.items() if _imports_django(t)}
    if not django_files:
        return dj
    for path in sorted(trees):  # settings (settings modules need not import django)
        env = project.env(path)
        for key, attr in (("AUTH_USER_MODEL", "user_model"), ("DEFAULT_AUTO_FIELD", "auto_field")):
            value = env.values.get(key)
            if isinstance(value, str):
                setattr(dj, attr, value.lower() if key == "AUTH_USER_MODEL" else value.split(".")[-1])
    for path in sorted(trees):
        tree = trees[path]
        mig = _migration(path, tree, project)
        if mig is not None:
            dj.migrations.append(mig)
    _read_models(dj, django_files, project)
    return dj


def _imports_django(tree: ast.Module) -> bool:
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and (stmt.module or "").startswith("django"):
            return True
        if isinstance(stmt, ast.Import) and any(a.name.startswith("django") for a in stmt.names):
            return True
    return False


def _migration(path: str, tree: ast.Module, project: Project) -> Migration | None:
    if "migrations" not in PurePosixPath(path).parts:
        return None
    node = next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == "Migration"), None)
    if node is None or _class_attr(node, "operations") is None:
        return None
    env = project.env(path)
    app = _app_of(path)
    mig = Migration(app, PurePosixPath(path).stem, path, node)

    def pairs(value_node) -> list[tuple[str, str]]:
        out = []
        for e in getattr(value_node, "elts", []):
            if isinstance(e, ast.Call) and call_name(e) == "swappable_dependency":
                out.append(("__user__", "__first__"))
                continue
            v = try_eval(e, env)
            if isinstance(v, list) and len(v) == 2:
                out.append((str(v[0]), str(v[1])))
        return out

    mig.deps = pairs(_class_attr(node, "dependencies"))
    mig.replaces = pairs(_class_attr(node, "replaces"))
    mig.run_before = pairs(_class_attr(node, "run_before"))
    return mig


def _read_models(dj: Django, files: dict[str, ast.Module], project: Project) -> None:
    classes: dict[str, tuple[str, ast.ClassDef]] = {}
    for path in sorted(files):
        for stmt in files[path].body:
            if isinstance(stmt, ast.ClassDef):
                classes.setdefault(stmt.name, (path, stmt))
    field_bases: dict[str, str] = {}
    for name, (_, node) in classes.items():  # custom fields: class MyField(models.CharField)
        for b in node.bases:
            base = dotted(b).split(".")[-1]
            if base in TYPES or base in RELATIONS:
                field_bases[name] = base

    def is_model(name: str, seen=()) -> bool:
        if name in {"Model"} or name in BUILTIN_ABSTRACT or name in {"TimeStampedModel", "MPTTModel", "PolymorphicModel"}:
            return True
        if name not in classes or name in seen:
            return False
        return any(is_model(dotted(b).split(".")[-1], seen + (name,)) for b in classes[name][1].bases)

    model_classes = [(p, n) for name, (p, n) in classes.items()
                     if name not in BUILTIN_ABSTRACT and any(is_model(dotted(b).split(".")[-1]) for b in n.bases)]
    # a first pass registers class names, so relations to models declared later resolve
    for path, node in model_classes:
        meta = _meta(node)
        env = project.env(path)
        app = try_eval(meta.get("app_label"), env) or _app_of(path)
        m = DjModel(str(app), node.name, path, node.lineno)
        table = try_eval(meta.get("db_table"), env)
        m.table = table if isinstance(table, str) else f"{m.app}_{node.name.lower()}"
        m.custom_table = isinstance(table, str)
        m.abstract = try_eval(meta.get("abstract"), env) is True
        m.managed = try_eval(meta.get("managed"), env) is not False
        m.proxy = try_eval(meta.get("proxy"), env) is True
        dj.by_class[node.name] = m
    for path, node in model_classes:
        m = dj.by_class[node.name]
        env = project.env(path)
        chain = _chain(node, classes)
        parents = [c for c in chain if c in dj.by_class and not dj.by_class[c].abstract]
        for base in reversed(chain):  # abstract parents' fields first, then the class's own
            if base in BUILTIN_ABSTRACT:
                for fname, kind, extra in BUILTIN_ABSTRACT[base]:
                    call = ast.Call(func=ast.Name(kind), args=[], keywords=[ast.keyword(k, ast.Constant(v)) for k, v in extra.items()])
                    call.lineno = node.lineno
                    f = parse_field(fname, call, Env(), dj, m.app, field_bases)
                    if f is not None:
                        m.fields.setdefault(f.name, f)
            elif base in classes and base in dj.by_class and dj.by_class[base].abstract:
                _fields(dj, m, classes[base][1], project.env(classes[base][0]), field_bases, classes[base][0])
        if parents and not m.proxy:  # multi-table inheritance: a one-to-one link to the parent is the key
            parent = dj.by_class[parents[0]]
            link = DjField(f"{parent.name.lower()}_ptr", "OneToOneField", node.lineno, f"{parent.name.lower()}_ptr_id",
                           primary=True, unique=True, target=parent.label)
            m.fields[link.name] = link
        if m.proxy and parents:
            m.table = dj.by_class[parents[0]].table
        _fields(dj, m, node, env, field_bases, path)
        if not m.has_pk():
            m.fields = {"id": DjField("id", dj.auto_field, node.lineno, "id", TYPES.get(dj.auto_field, "integer"),
                                      primary=True, unique=True), **m.fields}
        meta = _meta(node)
        try:
            _meta_options(m, meta, env)
        except Unresolved as exc:
            dj.problems.append((path, node.lineno, f"{node.name}: {exc}"))
        if not m.abstract:
            dj.models[m.label] = m
    for m in dj.models.values():
        for f in m.fields.values():
            if f.relation and f.target and f.target != "self" and f.target not in dj.models:
                cls = f.target.split(".")[-1]
                hit = next((x for x in dj.models.values() if x.name.lower() == cls), None)
                if hit is not None and f.target.lower() not in BUILTIN_TABLES:
                    f.target = hit.label


def _chain(node: ast.ClassDef, classes: dict) -> list[str]:
    out, todo = [], [dotted(b).split(".")[-1] for b in node.bases]
    while todo:
        name = todo.pop(0)
        if name in out:
            continue
        out.append(name)
        if name in classes:
            todo.extend(dotted(b).split(".")[-1] for b in classes[name][1].bases)
    return out


def _meta(node: ast.ClassDef) -> dict[str, ast.AST]:
    meta = next((s for s in node.body if isinstance(s, ast.ClassDef) and s.name == "Meta"), None)
    out: dict[str, ast.AST] = {}
    for stmt in meta.body if meta else []:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = stmt.value
    return out


def _fields(dj: Django, m: DjModel, node: ast.ClassDef, env: Env, field_bases: dict[str, str], path: str) -> None:
    for stmt in node.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Call):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    f = parse_field(t.id, stmt.value, env, dj, m.app, field_bases, path)
                    if f is not None:
                        m.fields[f.name] = f

