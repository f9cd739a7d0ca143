"""Schema and queries from ORMs and migration DSLs, on small hand-written projects (tests/fixtures/orm)."""

import ast
from pathlib import Path

import pytest

from audit.api import scan
from audit.catalog import load_catalog, load_profile
from audit.discover import discover
from audit.facts.orm import read_declarations
from audit.facts.orm.alembic import Revision, order
from audit.facts.orm.prisma import read_prisma
from audit.facts.orm.pyeval import Env, Unresolved, evaluate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "orm"


def declared(name):
    return read_declarations(discover(FIXTURES / name))


def schema(name):
    return declared(name).schema(None)


def fks(m):
    return sorted((f.table, tuple(f.columns), f.ref_table, tuple(f.ref_columns)) for f in m.foreign_keys)


def indexes(m):
    """Explicit indexes and unique constraints (primary keys left out) as (table, columns, unique)."""
    pks = {(t.name, tuple(t.primary_key)) for t in m.tables.values()}
    return sorted((i.table, tuple(i.columns), i.unique) for i in m.indexes.values() if (i.table, tuple(i.columns)) not in pks)


def queries(name):
    d = declared(name)
    return d.queries(d.schema(None))


def findings(name, check):
    doc = scan(str(FIXTURES / name))
    return sorted((f["subject"].get("table", ""), tuple(f["subject"].get("columns", [])), f["evidence"][0]["path"],
                   f["evidence"][0]["line"]) for f in doc["findings"] if f["check"] == check)


# -- where the schema comes from ------------------------------------------------------------------
@pytest.mark.parametrize("name, source, files", [
    ("alembic_shop", "alembic", 4),
    ("sqlalchemy_crm", "sqlalchemy-models", 1),
    ("django_shop", "django-migrations", 3),
    ("prisma_blog", "prisma-schema", 1),
    ("knex_api", "knex-migrations", 2),
    ("kysely_app", "kysely-migrations", 1),
    ("typeorm_app", "typeorm-entities", 3),
    ("typeorm_migrations", "typeorm-migrations", 1),
    ("pgmigrate_app", "node-pg-migrate-migrations", 1),
])
def test_schema_source_per_fixture(name, source, files):
    m = schema(name)
    assert (m.source, len(m.migrations)) == (source, files)
    assert m.counts["total"] == m.counts["modelled"] + m.counts["ignored"] + m.counts["unparsed"]


# -- Alembic ---------------------------------------------------------------------------------------
def test_alembic_follows_down_revision_through_branches_and_a_merge():
    m = schema("alembic_shop")
    v = "alembic/versions/"
    # file names sort the merge first and the base last: only the revision graph gives this order
    assert m.migrations == [v + "zz_base.py", v + "k3_status_index.py", v + "m2_coupons.py", v + "aa_merge.py"]
    assert set(m.tables) == {"public.users", "public.shop_orders", "public.coupons", "public.audit_log"}
    assert fks(m) == [("public.shop_orders", ("coupon_id",), "public.coupons", ("id",)),
                      ("public.shop_orders", ("user_id",), "public.users", ("id",))]
    idx = {i.name: i for i in m.indexes.values()}
    assert "ix_orders_status" not in idx, "dropped by the merge revision"
    assert idx["ix_orders_status_open"].partial and idx["ix_orders_status_open"].concurrently
    assert idx["ix_coupons_code"].unique and idx["ix_coupons_code"].concurrently  # op.execute("CREATE ...")
    assert m.tables["public.shop_orders"].column_names() == ["id", "user_id", "status", "paid", "coupon_id"]
    [problem] = m.unparsed
    assert problem.path == v + "k3_status_index.py" and problem.line == 24
    assert "ARCHIVE_TABLE" in problem.reason and "environment" in problem.reason


@pytest.mark.parametrize("graph, expected, problems", [
    ([("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])], ["a", "b", "c", "d"], 0),
    ([("d", ["b", "c"]), ("c", ["a"]), ("b", ["a"]), ("a", [])], ["a", "c", "b", "d"], 0),
    ([("b", ["gone"]), ("c", ["b"])], ["b", "c"], 1),
    ([("x", ["y"]), ("y", ["x"])], ["x", "y"], 2),
])
def test_alembic_revision_order(graph, expected, problems):
    revs = [Revision(f"versions/{n:02d}_{rev}.py", ast.Module([], []), rev, parents) for n, (rev, parents) in enumerate(graph)]
    done, found = order(revs)
    assert [r.revision for r in done] == expected and len(found) == problems


@pytest.mark.parametrize("expr, env, value", [
    ('f"{PREFIX}orders"', {"PREFIX": "shop_"}, "shop_orders"),
    ('PREFIX + "orders"', {"PREFIX": "app_"}, "app_orders"),
    ('"{}_{}".format(A, "x")', {"A": "t"}, "t_x"),
    ('"%s_log" % NAME', {"NAME": "audit"}, "audit_log"),
    ('("a", "b")', {}, ["a", "b"]),
])
def test_static_values(expr, env, value):
    assert evaluate(ast.parse(expr, mode="eval").body, Env(env)) == value


@pytest.mark.parametrize("expr, reason", [
    ('os.environ["T"]', "environment"),
    ('os.getenv("T", "x")', "environment"),
    ('f"{settings.prefix}users"', "settings.prefix"),
    ("make_name()", "run time"),
])
def test_unresolvable_values_say_why(expr, reason):
    with pytest.raises(Unresolved, match=reason):
        evaluate(ast.parse(expr, mode="eval").body, Env())


def test_model_index_missing_from_the_migrations_is_a_finding():
    m = schema("alembic_shop")
    assert m.compared_with == "sqlalchemy-models"
    assert [(d["table"], d["columns"], d["path"], d["line"]) for d in m.model_drift] == [
        ("public.users", ["country"], "app/models.py", 16)]
    assert findings("alembic_shop", "db.model-index-not-migrated") == [("public.users", ("country",), "app/models.py", 16)]
    assert findings("typeorm_migrations", "db.model-index-not-migrated") == [
        ("public.invoices", ("status",), "src/entities/Invoice.ts", 9)]


# -- SQLAlchemy models --------------------------------------------------------------------------------
def test_sqlalchemy_models_without_migrations():
    m = schema("sqlalchemy_crm")
    assert set(m.tables) == {"public.users", "public.crm_accounts", "public.contacts", "public.tags"}
    assert m.tables["public.crm_accounts"].column_names() == ["created_at", "id", "name", "owner_id"]  # mixins
    assert fks(m) == [("public.contacts", ("account_id",), "public.crm_accounts", ("id",)),  # ForeignKey(Account.id)
                      ("public.crm_accounts", ("owner_id",), "public.users", ("id",)),
                      ("public.tags", ("account_id",), "public.crm_accounts", ("id",))]
    assert indexes(m) == [
        ("public.contacts", ("account_id", "email"), False),   # Index in __table_args__
        ("public.contacts", ("account_id", "phone"), True),    # UniqueConstraint
        ("public.tags", ("account_id",), False),               # Core Table, index=True
        ("public.users", ("email",), True),                    # unique=True
        ("public.users", ("lower(email)",), True),             # module-level Index(func.lower(User.email))
        ("public.users", ("org_id",), False),                  # index=True
    ]
    assert m.tables["public.tags"].columns[1].type == "int", "the type of the referenced column"
    [u] = m.unparsed
    assert u.line == 38 and "AuditEntry" in u.reason and "settings.audit_table" in u.reason
    assert findings("sqlalchemy_crm", "db.unindexed-fk") == [("public.crm_accounts", ("owner_id",), "app/db/models.py", 21)]


# -- Django -------------------------------------------------------------------------------------------
def test_django_migrations_index_foreign_keys_by_default():
    m = schema("django_shop")
    assert m.migrations[0] == "accounts/migrations/0001_initial.py", "swappable_dependency(AUTH_USER_MODEL) first"
    assert ("public.shop_product", ("category_id",), False) in indexes(m)
    assert ("public.shop_review", ("product_id",), False) in indexes(m)
    assert ("public.shop_product_tags", ("product_id", "tag_id"), True) in indexes(m)  # the auto m2m table
    assert ("public.shop_product", ("owner_id",), "public.accounts_user", ("id",)) in fks(m)
    live_sku = next(i for i in m.indexes.values() if i.name == "live_sku")
    assert live_sku.concurrently and live_sku.where == "deleted_at IS NULL"  # RunSQL
    assert m.counts["ignored"] == 1  # RunPython
    # db_index=False is the only unindexed FK
    assert findings("django_shop", "db.unindexed-fk") == [
        ("public.shop_product", ("owner_id",), "shop/migrations/0001_initial.py", 33)]


def test_django_models_agree_with_the_migrations():
    d = declared("django_shop")
    models = d.declared_schema()
    assert models.source == "django-models"
    assert set(models.tables) >= {"public.shop_product", "public.shop_review", "public.shop_product_tags",
                                  "public.accounts_user", "public.accounts_user_groups",
                                  "public.accounts_user_user_permissions"}
    assert ("public.shop_product", ("category_id",), False) in indexes(models)
    assert ("public.shop_product", ("category_id", "name"), True) in indexes(models)  # unique_together
    live_sku = next(i for i in models.indexes.values() if i.name == "live_sku")
    assert live_sku.where == '"deleted_at" IS NULL'  # Meta.indexes condition=Q(deleted_at__isnull=True)
    assert d.schema(None).model_drift == []


# -- Prisma -------------------------------------------------------------------------------------------
def test_prisma_relations_get_no_index_unless_declared():
    m = schema("prisma_blog")
    assert set(m.tables) == {"public.users", "public.posts", "public.Comment", "public.Tag", "public._PostToTag"}
    assert m.tables["public.posts"].column_names() == ["id", "title", "published", "author_id", "created_at"]  # @map
    assert ("public.posts", ("published", "created_at"), False) in indexes(m)
    assert ("public.Comment", ("postId",), False) in indexes(m)
    assert m.tables["public._PostToTag"].primary_key == ["A", "B"]
    assert findings("prisma_blog", "db.unindexed-fk") == [
        ("public.Comment", ("authorId",), "prisma/schema.prisma", 48),
        ("public.posts", ("author_id",), "prisma/schema.prisma", 33),
    ]


def test_prisma_attributes_and_relation_mode():
    p = read_prisma({"schema.prisma": '''
datasource db {
  provider     = "postgresql"
  relationMode = "prisma"  // no FK constraints in the database
}
model Account {
  id     String @id @map("account_id")
  userId String @map("user_id") @db.Uuid
  user   User   @relation(fields: [userId], references: [id], map: "acc_user_fk")
  @@unique([userId, id], map: "acc_user_unique")
  @@index([userId(sort: Desc)], type: Hash)
  @@map("accounts")
  @@schema("auth")
}
model User {
  id       String    @id @db.Uuid
  accounts Account[]
}'''})
    from audit.facts.schema import SchemaBuilder
    b = SchemaBuilder("prisma-schema")
    p.emit(b)
    m = b.finish()
    assert m.tables["auth.accounts"].column_names() == ["account_id", "user_id"]
    assert {i.name: (i.columns, i.unique, i.method) for i in m.indexes.values() if not i.implicit} == {
        "acc_user_unique": (["user_id", "account_id"], True, "btree"),
        "accounts_user_id_idx": (["user_id"], False, "hash")}
    [fk] = m.foreign_keys
    assert (fk.name, fk.ref_table, fk.origin) == ("acc_user_fk", "public.User", "prisma relation (relationMode = prisma)")


# -- knex, Kysely, node-pg-migrate, TypeORM ----------------------------------------------------------------
def test_knex_references_without_index():
    m = schema("knex_api")
    assert set(m.tables) == {"public.users", "public.app_teams", "public.projects", "public.tasks"}  # `${PREFIX}teams`
    assert indexes(m) == [
        ("public.projects", ("owner_id",), False),     # alterTable: t.index([...], name)
        ("public.tasks", ("assignee_id",), False),     # .references().index()
        ("public.tasks", ("title",), False),           # knex.raw(CREATE INDEX ...)
        ("public.users", ("email",), True),            # .unique()
    ]  # projects.slug's index and unique went with dropColumn('slug')
    assert findings("knex_api", "db.unindexed-fk") == [
        ("public.projects", ("team_id",), "db/migrations/20240101000000_init.js", 17),
        ("public.tasks", ("project_id",), "db/migrations/20240201000000_tasks.js", 5),
    ]


def test_kysely_and_node_pg_migrate():
    k = schema("kysely_app")
    assert fks(k) == [("public.pet", ("owner_id",), "public.person", ("id",))]
    assert indexes(k) == [("public.person", ("email",), True), ("public.person", ("lower(email)",), False),
                          ("public.pet", ("species",), False)]
    assert findings("kysely_app", "db.unindexed-fk") == [("public.pet", ("owner_id",), "src/migrations/2024_01_01_init.ts", 15)]
    p = schema("pgmigrate_app")
    assert fks(p) == [("public.sessions", ("account_id",), "public.accounts", ("id",))]  # references: '"accounts"'
    assert indexes(p) == [("public.accounts", ("email",), True), ("public.sessions", ("account_id", "id"), False),
                          ("public.sessions", ("token",), True)]
    assert findings("pgmigrate_app", "db.unindexed-fk") == []


def test_typeorm_entities():
    m = schema("typeorm_app")
    assert m.tables["public.member"].column_names() == ["id", "created_at", "email", "display_name", "organization_id",
                                                         "invitedById"]  # abstract base, @Column({ name }), @JoinColumn
    assert m.tables["public.member_roles_role"].primary_key == ["memberId", "roleId"]
    assert ("public.member", ("organization_id", "email"), True) in indexes(m)  # @Unique on a relation
    assert findings("typeorm_app", "db.unindexed-fk") == [("public.member", ("invitedById",), "src/entity/Member.ts", 20)]


# -- queries ----------------------------------------------------------------------------------------------
def shape(q):
    s = q.shape
    return (q.source, q.path, q.line, s.tables[0], [(p.column, p.op) for p in s.filters], s.limit, s.offset, q.in_loop)


@pytest.mark.parametrize("name, expected", [
    ("alembic_shop", [
        ("sqlalchemy", "app/repo.py", 8, "public.shop_orders", [("user_id", "=")], False, False, False),
        ("sqlalchemy", "app/repo.py", 12, "public.shop_orders", [("status", "=")], True, False, False),
        ("sqlalchemy", "app/repo.py", 17, "public.shop_orders", [("status", "=")], True, False, False),
        ("sqlalchemy", "app/repo.py", 22, "public.users", [("country", "=")], False, False, False),
        ("sqlalchemy", "app/repo.py", 18, "public.users", [("id", "=")], False, False, True),  # lazy o.user in a loop
    ]),
    ("sqlalchemy_crm", [
        ("sqlalchemy", "app/services.py", 9, "public.crm_accounts", [("owner_id", "="), ("name", "=")], False, False, False),
        ("sqlalchemy", "app/services.py", 9, "public.contacts", [("account_id", "in")], False, False, False),  # selectinload
        ("sqlalchemy", "app/services.py", 16, "public.contacts", [("email", "fn:lower")], False, False, False),
        ("sqlalchemy", "app/services.py", 21, "public.contacts", [("account_id", "=")], False, False, False),
        ("sqlalchemy", "app/services.py", 25, "public.users", [("email", "=")], True, False, False),  # scalar_one_or_none
    ]),
    ("django_shop", [
        ("django", "shop/views.py", 6, "public.shop_product", [("deleted_at", "is")], True, True, False),  # DRF pages it
        ("django", "shop/views.py", 10, "public.shop_review", [("product_id", "="), ("stars", ">=")], False, False, False),
        ("django", "shop/views.py", 10, "public.shop_review", [("product_id", "="), ("stars", ">=")], True, False, False),
        ("django", "shop/views.py", 17, "public.shop_product", [("name", "ilike")], False, False, False),
        ("django", "shop/views.py", 12, "public.shop_product", [("id", "=")], False, False, True),  # r.product per row
    ]),
    ("prisma_blog", [
        ("prisma", "src/posts.ts", 6, "public.posts", [("published", "=")], True, True, False),
        ("prisma", "src/posts.ts", 11, "public.users", [("id", "in")], False, False, False),  # include: { author }
        ("prisma", "src/posts.ts", 16, "public.posts", [("author_id", "=")], False, False, False),
        ("prisma", "src/posts.ts", 16, "public.Comment", [("postId", "in")], False, False, False),
        ("prisma", "src/posts.ts", 20, "public.users", [("name", "ilike")], True, False, False),
        ("prisma", "src/posts.ts", 24, "public.users", [("email", "=")], True, False, False),
        ("prisma", "src/posts.ts", 29, "public.Comment", [("authorId", "=")], False, False, True),
        ("prisma", "src/posts.ts", 34, "public.posts", [("author_id", "=")], False, False, False),  # $queryRaw
    ]),
    ("knex_api", [
        ("knex", "src/tasks.js", 4, "public.tasks", [("project_id", "=")], False, False, False),
        ("knex", "src/tasks.js", 8, "public.tasks", [("assignee_id", "=")], True, True, False),
        ("knex", "src/tasks.js", 12, "public.tasks", [("title", "ilike")], True, False, False),
        ("knex", "src/tasks.js", 17, "public.users", [("id", "=")], True, False, True),
    ]),
    ("kysely_app", [
        ("kysely", "src/repos/pets.ts", 4, "public.pet", [("owner_id", "=")], False, False, False),
        ("kysely", "src/repos/pets.ts", 8, "public.pet", [("species", "=")], True, True, False),
        ("kysely", "src/repos/pets.ts", 19, "public.pet", [("id", "=")], False, False, False),
    ]),
    ("typeorm_app", [
        ("typeorm", "src/service/members.ts", 11, "public.member", [("organization_id", "=")], False, False, False),
        ("typeorm", "src/service/members.ts", 15, "public.member", [("display_name", "ilike")], True, False, False),
        ("typeorm", "src/service/members.ts", 19, "public.member", [("email", "=")], True, False, False),
        ("typeorm", "src/service/members.ts", 23, "public.member", [("invitedById", "=")], True, False, False),
    ]),
])
def test_orm_queries_become_query_facts(name, expected):
    assert [shape(q) for q in queries(name)] == expected


def test_leading_wildcards_and_unindexed_filters_from_orm_queries():
    assert findings("prisma_blog", "db.leading-wildcard-like") == [("public.users", ("name",), "src/posts.ts", 20)]
    assert [(t, c) for t, c, _, _ in findings("typeorm_app", "db.unindexed-filter")] == [
        ("public.member", ("email",)), ("public.member", ("invitedById", "created_at"))]
    assert [line for _, _, _, line in findings("knex_api", "db.query-in-loop")] == [17]


# -- capsule-api (seed 004): schema from SQL, queries from SQLAlchemy -----------------------------------------
def test_capsule_api_sqlalchemy_queries_with_the_sql_schema():
    doc = scan(str(ROOT / "examples" / "capsule-api"))
    s = doc["facts"]["schema"]
    assert (s["source"], s["compared_with"], s["model_drift"]) == ("sql", "sqlalchemy-models", [])
    assert doc["facts"]["queries"]["by_source"]["sqlalchemy"] == 11
    by = {}
    for f in doc["findings"]:
        for e in f["evidence"]:
            by.setdefault(f["check"], []).append((e["path"], e["line"]))
    repo = "backend/app/db/repositories.py"
    # get_by_owner(..., limit=None): the .limit() is only applied under `if limit is not None`
    assert (repo, 81) in by["db.unbounded-query"]
    unbounded = next(f for f in doc["findings"] if f["check"] == "db.unbounded-query" and f["evidence"][0]["line"] == 81)
    assert ".limit() only if limit is not None (line 88)" in unbounded["evidence"][0]["detail"]
    # selectinload(Capsule.recipients) filters recipients on capsule_id, which no index leads with
    assert (repo, 37) in by["db.unindexed-filter"] and (repo, 122) in by["db.unindexed-filter"]
    assert (repo, 21) in by["db.leading-wildcard-like"]


# -- nothing found ----------------------------------------------------------------------------------------
def test_schema_not_found_is_said_and_lowers_coverage(tmp_path):
    (tmp_path / "package.json").write_text('{"dependencies": {"pg": "^8.11.0", "express": "^4.19.0"}}')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "db.js").write_text(
        "const { Pool } = require('pg');\nconst pool = new Pool({ max: 10 });\n"
        "async function byOwner(id) { return pool.query('SELECT * FROM items WHERE owner_id = $1', [id]); }\n")
    doc = scan(str(tmp_path))
    s = doc["facts"]["schema"]
    assert s["source"] == "none" and any("Prisma" in x for x in s["searched"])
    rows = {c["check"]: c for a in doc["scorecard"]["areas"] for c in a["checks"]}
    assert rows["db.schema-not-found"]["status"] == "undecided"
    assert rows["db.schema-not-found"]["note"].startswith("schema not found: searched SQL migrations")
    assert doc["scorecard"]["coverage"] < 100


def test_empty_repo_has_no_database_to_look_for(tmp_path):
    doc = scan(str(tmp_path))
    rows = {c["check"]: c["status"] for a in doc["scorecard"]["areas"] for c in a["checks"]}
    assert rows["db.schema-not-found"] == rows["db.model-index-not-migrated"] == "not_applicable"


def test_catalog_files_can_add_checks_to_an_area_defined_elsewhere():
    catalog = load_catalog(load_profile("10k"))
    assert catalog.areas["database"].title == "Database queries & indexes" and catalog.areas["database"].weight == 3
    assert catalog.checks["db.model-index-not-migrated"].area == "database"
    assert catalog.checks["db.schema-not-found"].area == "database"


def test_sqlmodel_tables():
    from audit.facts.orm.pyeval import Project
    from audit.facts.orm.sqlalchemy_models import emit_models, read_models, table_specs
    from audit.facts.schema import SchemaBuilder
    src = '''
import uuid
from sqlmodel import Field, Relationship, SQLModel

class ItemBase(SQLModel):
    title: str = Field(max_length=255)

class Item(ItemBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="user.id", nullable=False)
    owner: "User" = Relationship(back_populates="items")

class User(SQLModel, table=True):
    id: uuid.UUID = Field(primary_key=True)
    email: str = Field(unique=True, index=True, max_length=255)
    items: list[Item] = Relationship(back_populates="owner")

class UserPublic(SQLModel):
    email: str
'''
    trees = {"app/models.py": ast.parse(src)}
    project = Project(trees)
    models = read_models(trees, project)
    assert sorted(m.table for m in models.models.values()) == ["item", "user"]
    b = SchemaBuilder("sqlalchemy-models")
    emit_models(table_specs(models, project)[0], b)
    m = b.finish()
    assert m.tables["public.item"].column_names() == ["title", "id", "owner_id"]
    assert fks(m) == [("public.item", ("owner_id",), "public.user", ("id",))]
    assert indexes(m) == [("public.user", ("email",), True)]
