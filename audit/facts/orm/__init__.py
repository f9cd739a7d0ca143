"""Schema and queries from where Python and Node backends declare them: ORMs and migration DSLs.

Read statically (Python's ast, tree-sitter for JS/TS, a small reader for Prisma's schema language);
the project's code is never imported or run. The schema model comes from, in order of preference:

1. SQL migrations or a schema file (the SQL path, outside this package);
2. migration histories written in an ORM's DSL: Alembic revisions, Django migrations, knex / Kysely /
   TypeORM / node-pg-migrate / db-migrate JS and TS migrations;
3. model declarations: SQLAlchemy models, Django models, Prisma's schema.prisma, TypeORM entities.

Model declarations are also compared with whichever history was used: an index a model declares
that no migration creates is listed in `model_drift`. When nothing is found, `source` is "none" and
`searched` says what was looked for.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from audit.discover import is_script
from audit.facts import trees
from audit.facts.orm.pyeval import Project
from audit.facts.queries import Query
from audit.facts.schema import SchemaBuilder, SchemaModel, Unparsed

SEARCHED = [
    "SQL migrations (*.sql under migrations/, migration/, migrate/) and schema.sql / structure.sql",
    "Alembic revisions (revision / down_revision / upgrade())",
    "Django migrations (class Migration with operations) and models (models.Model subclasses)",
    "knex, Kysely, TypeORM, node-pg-migrate and db-migrate migrations (up functions)",
    "SQLAlchemy models (__tablename__, Table(...))",
    "Prisma schema (*.prisma)",
    "TypeORM entities (@Entity classes)",
]
MAX_PRISMA_BYTES = 2 * 1024 * 1024
_FROM = re.compile(r'\b(?:FROM|UPDATE)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)', re.I)


@dataclass
class Declared:
    """Everything read from ORM sources, parsed once for the schema and for the queries."""

    root: Path | None
    python: dict[str, ast.Module] = field(default_factory=dict)
    js: dict[str, str] = field(default_factory=dict)
    prisma: dict[str, str] = field(default_factory=dict)
    project: Project | None = None
    _cache: dict = field(default_factory=dict)

    # -- parsed sources (lazily) ---------------------------------------------------------
    def sa_models(self):
        if "sa" not in self._cache:
            from audit.facts.orm.alembic import revision_of
            from audit.facts.orm.sqlalchemy_models import read_models
            # models copied into migrations (for data migrations) or tests are not the application's
            own = {p: t for p, t in self.python.items() if not _test_or_migration(p) and revision_of(p, t) is None}
            self._cache["sa"] = read_models(own, self.project)
        return self._cache["sa"]

    def django(self):
        if "django" not in self._cache:
            from audit.facts.orm.django import read_django
            self._cache["django"] = read_django(self.python, self.project)
        return self._cache["django"]

    def prisma_schema(self):
        if "prisma" not in self._cache:
            from audit.facts.orm.prisma import read_prisma
            self._cache["prisma"] = read_prisma(self.prisma)
        return self._cache["prisma"]

    def js_sources(self):
        if "js" not in self._cache:
            from audit.facts.orm.jsmigrations import read_js
            self._cache["js"] = read_js(self.js)
        return self._cache["js"]

    # -- the schema -------------------------------------------------------------------------
    def schema(self, sql_model: SchemaModel | None) -> SchemaModel:
        """The SQL model when there is one, else the ORM history, else the ORM models; with drift."""
        history = None if sql_model is not None and sql_model.migrations else self.history()
        declared = self.declared_schema()
        if sql_model is not None and sql_model.migrations:
            model = sql_model
        elif history is not None and declared is not None and (missing := _created_elsewhere(history, declared)):
            # the history alters tables it never creates (the first revision is empty and the tables come
            # from metadata.create_all(), or history was squashed away): the models are the schema
            declared.unparsed.insert(0, Unparsed(history.migrations[0], 1, (
                f"the {history.source} history alters {len(missing)} tables it never creates "
                f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}): the schema is read from the "
                f"{declared.source} instead, the history is not checked")))
            declared.counts["total"] += 1
            declared.counts["unparsed"] += 1
            return declared
        elif history is not None:
            model = history
        elif declared is not None:
            return declared
        else:
            model = sql_model or SchemaModel()
            model.source, model.searched = "none", list(SEARCHED)
            return model
        if declared is not None:
            model.model_drift = drift(declared, model)
            model.compared_with = declared.source
        return model

    def history(self) -> SchemaModel | None:
        from audit.facts.orm.alembic import read_alembic, revision_of
        parts, b = [], None
        revisions = [r for p, t in sorted(self.python.items()) if (r := revision_of(p, t)) is not None]
        if revisions:
            b = SchemaBuilder("alembic")
            read_alembic(revisions, self.project, b)
            parts.append("alembic")
        dj = self.django()
        if dj.migrations:
            b = b or SchemaBuilder("django-migrations")
            dj.emit_migrations(b)
            parts.append("django-migrations")
        js = self.js_sources()
        if js.migrations:
            b = b or SchemaBuilder("js-migrations")
            js.emit_migrations(b)
            parts.append(js.kind())
        if b is None:
            return None
        b.model.source = "+".join(parts)
        return b.finish()

    def declared_schema(self) -> SchemaModel | None:
        """The schema the model declarations describe (SQLAlchemy, Django, Prisma, TypeORM), or None."""
        from audit.facts.orm.sqlalchemy_models import emit_models, table_specs
        parts, b = [], None
        sa = self.sa_models()
        if sa.models:
            b = SchemaBuilder("sqlalchemy-models")
            specs, problems = table_specs(sa, self.project)
            emit_models(specs, b)
            for path, line, reason in problems:
                b.unresolved(path, line, reason)
            parts.append("sqlalchemy-models")
        dj = self.django()
        if dj.models:
            b = b or SchemaBuilder("django-models")
            dj.emit_models(b)
            parts.append("django-models")
        prisma = self.prisma_schema()
        if prisma.models:
            b = b or SchemaBuilder("prisma-schema")
            prisma.emit(b)
            parts.append("prisma-schema")
        js = self.js_sources()
        if js.entities:
            b = b or SchemaBuilder("typeorm-entities")
            js.emit_entities(b)
            parts.append("typeorm-entities")
        if b is None:
            return None
        model = b.finish()
        model.source = "+".join(parts)
        for i in model.indexes.values():  # declarations describe the final state, not a history
            i.on_existing_table = False
        for f in model.foreign_keys:
            f.on_existing_table = False
        return model

    # -- queries ----------------------------------------------------------------------------
    def queries(self, schema: SchemaModel) -> list[Query]:
        from audit.facts.orm.django_queries import django_queries
        from audit.facts.orm.js_queries import js_orm_queries
        from audit.facts.orm.sqlalchemy_queries import sqlalchemy_queries
        out: list[Query] = []
        from audit.facts.orm.alembic import revision_of
        app = {p: t for p, t in self.python.items()  # data migrations and tests are not request paths
               if not _test_or_migration(p) and revision_of(p, t) is None}
        sa = self.sa_models()
        if sa.models:
            out += sqlalchemy_queries(app, sa, self.project)
        dj = self.django()
        if dj.models:
            out += django_queries(app, dj, self.project)
        out += js_orm_queries(self.js, self.prisma_schema(), self.js_sources())
        out = [q for q in out if not is_script(q.path)]
        for q in out:
            keep_case(q, schema)
        return out


def keep_case(q: Query, schema: SchemaModel) -> None:
    """Give a query's shape back the case of quoted names (`"postId"`) that the SQL reader lower-cases."""
    if q.shape is None:
        return
    tables = {t.lower(): t for t in schema.tables}
    columns = {name: {c.name.lower(): c.name for c in t.columns} for name, t in schema.tables.items()}
    q.shape.tables = [tables.get(t, t) if t not in schema.tables else t for t in q.shape.tables]
    m = _FROM.search(q.sql)  # the table the query is about first (the reader sorts them by name)
    if m is not None:
        parts = [p.strip('"') for p in re.findall(r'"[^"]+"|[^."]+', m.group(1))]
        first = ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}"
        first = first if first in q.shape.tables else tables.get(first.lower(), first)
        if first in q.shape.tables:
            q.shape.tables = [first] + [t for t in q.shape.tables if t != first]
    for p in q.shape.filters + q.shape.joins + q.shape.order_by:
        if p.table and p.table not in schema.tables:
            p.table = tables.get(p.table, p.table)
        candidates = [p.table] if p.table else q.shape.tables
        for t in candidates:
            cols = columns.get(t or "", {})
            if p.column not in cols.values() and p.column in cols:
                p.column = cols[p.column]
                break


def _created_elsewhere(history: SchemaModel, declared: SchemaModel) -> list[str]:
    """Tables the history only alters (never creates) that the models declare."""
    return sorted(t.name for t in history.tables.values() if t.stub and t.name in declared.tables)


def _test_or_migration(path: str) -> bool:
    parts = PurePosixPath(path).parts
    name = parts[-1]
    return bool({"tests", "test", "migrations", "versions", "alembic"} & set(parts[:-1])) or \
        name.startswith("test_") or name == "conftest.py"


def drift(declared: SchemaModel, applied: SchemaModel) -> list[dict]:
    """Indexes (and unique constraints) the models declare that the applied history does not create."""
    out = []
    for ix in sorted(declared.indexes.values(), key=lambda i: (i.table, i.name)):
        declared_table = declared.tables.get(ix.table)
        if ix.implicit and declared_table is not None and ix.columns == declared_table.primary_key:
            continue  # primary keys are compared with the table, not as indexes
        if applied.tables.get(ix.table) is None:
            continue  # the whole table is missing from the history: not an index question
        have = applied.indexes_on(ix.table)
        if any(_same_columns(h.columns, ix.columns) and (h.unique or not ix.unique) for h in have):
            continue
        out.append({"kind": "unique" if ix.unique else "index", "table": ix.table, "columns": list(ix.columns),
                    "name": ix.name, "path": ix.path, "line": ix.line,
                    "detail": f"declared in {PurePosixPath(ix.path).name}; no migration of "
                              f"{', '.join(sorted({PurePosixPath(p).parent.as_posix() for p in applied.migrations})) or 'the history'} "
                              f"creates an index on {ix.table}({', '.join(ix.columns)})"})
    return out


def _same_columns(a: list[str], b: list[str]) -> bool:
    return [c.lstrip("-") for c in a] == [c.lstrip("-") for c in b]


def read_declarations(found) -> Declared:
    """Parse the Python, JS/TS and Prisma files of a discovery once (syntax errors are left to others)."""
    root = getattr(found, "root", None)
    d = Declared(Path(root) if root is not None else None)
    for f in found.files:
        if f.kind == "python" and f.text:
            try:
                d.python[f.path] = trees.python(f.path, f.text)
            except (SyntaxError, ValueError, RecursionError):
                continue
        elif f.kind == "js" and f.text:
            d.js[f.path] = f.text
        elif f.path.endswith(".prisma"):
            text = f.text
            if text is None and d.root is not None and 0 < f.size <= MAX_PRISMA_BYTES:
                try:
                    text = (d.root / f.path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    text = None
            if text:
                d.prisma[f.path] = text
    d.project = Project(d.python)
    return d

