"""The schema model folded from migrations: input SQL -> expected tables, keys and indexes."""

import pytest

from audit.discover import SourceFile
from audit.facts.schema import build_schema
from audit.facts.sqltext import split_statements


def model(*files):
    return build_schema([SourceFile(p, "migration_sql", 0, sql) for p, sql in files])


def one(sql):
    return model(("migrations/001.sql", sql))


def fks(m):
    return sorted((f.table, tuple(f.columns), f.ref_table, tuple(f.ref_columns)) for f in m.foreign_keys)


def test_split_respects_strings_comments_and_dollar_bodies():
    sql = ("-- a; comment\ncreate table a (x text default 'a;b'); /* b; */\n"
           "create function f() returns int as $$ select 1; $$ language sql;\n"
           "select $tag$ ; $tag$;")
    assert split_statements(sql) == [
        (2, "create table a (x text default 'a;b')"),
        (3, "create function f() returns int as $$ select 1; $$ language sql"),
        (4, "select $tag$ ; $tag$"),
    ]


@pytest.mark.parametrize("sql, expected", [
    ("create table a (id int primary key); create table b (id int, a_id int references a);",
     [("public.b", ("a_id",), "public.a", ("id",))]),
    ("create table a (id int primary key); create table b (id int, a_id int, foreign key (a_id) references a (id));",
     [("public.b", ("a_id",), "public.a", ("id",))]),
    ("create table a (x int, y int, primary key (x, y));"
     "create table b (x int, y int, constraint fk foreign key (x, y) references a (x, y));",
     [("public.b", ("x", "y"), "public.a", ("x", "y"))]),
    ("create table app.a (id int primary key); create table b (a_id int);"
     "alter table only b add constraint b_a foreign key (a_id) references app.a (id) not valid;",
     [("public.b", ("a_id",), "app.a", ("id",))]),
    ("create table a (id int primary key); create table b (x int);"
     "alter table b add column a_id int references a (id);",
     [("public.b", ("a_id",), "public.a", ("id",))]),
])
def test_foreign_key_forms(sql, expected):
    assert fks(one(sql)) == expected


def test_index_forms_and_implicit_indexes():
    m = one("""
        create table t (id bigint generated always as identity primary key, email text unique, a int, b int,
                        unique (a, b));
        create unique index concurrently if not exists t_lower_email on t using btree ((lower(email)));
        create index t_a_partial on t (a) where b > 0;
        create index t_gin on public.t using gin (b) include (a);
        create index on t (b desc);
    """)
    idx = {i.name: i for i in m.indexes.values()}
    assert idx["t_pkey"].columns == ["id"] and idx["t_pkey"].implicit and idx["t_pkey"].unique
    assert idx["t_email_key"].columns == ["email"] and idx["t_email_key"].implicit
    assert idx["t_a_b_key"].columns == ["a", "b"]
    assert idx["t_lower_email"].columns == ["lower(email)"] and idx["t_lower_email"].unique
    assert idx["t_a_partial"].partial and not idx["t_a_partial"].implicit
    assert idx["t_gin"].method == "gin"
    assert idx["t_b_idx"].columns == ["b"]
    assert m.tables["public.t"].primary_key == ["id"]


def test_renames_and_drops_follow_the_history():
    m = model(
        ("supabase/migrations/20240101_a.sql",
         "create table posts (id int primary key, author_id int references users (id), tmp int);"
         "create index posts_author on posts (author_id); create index posts_tmp on posts (tmp);"),
        ("supabase/migrations/20240102_b.sql",
         "alter table posts rename to articles; alter table articles rename column author_id to writer_id;"
         "alter table articles drop column tmp; drop index if exists posts_author, nothing_here;"
         "alter index posts_tmp rename to gone;"),
    )
    assert list(m.tables) == ["public.articles"]
    assert fks(m) == [("public.articles", ("writer_id",), "public.users", ("id",))]
    assert {i.name for i in m.indexes.values()} == {"posts_pkey"}
    assert m.migrations == ["supabase/migrations/20240101_a.sql", "supabase/migrations/20240102_b.sql"]


def test_drop_table_and_constraint():
    m = one("create table a (id int primary key); create table b (a_id int constraint b_a references a);"
            "create table c (a_id int references a); alter table b drop constraint b_a; drop table c cascade;")
    assert fks(m) == [] and set(m.tables) == {"public.a", "public.b"}


def test_migrations_apply_in_file_name_order():
    m = model(("db/migrations/002_drop.sql", "drop table a;"), ("db/migrations/001_create.sql", "create table a (x int);"))
    assert m.tables == {} and m.migrations[0].endswith("001_create.sql")


def test_search_path_sets_the_default_schema():
    m = one("set search_path to app, public; create table t (id int primary key);")
    assert list(m.tables) == ["app.t"]


def test_policies_rls_and_functions_are_modelled_not_opaque():
    m = one("""
        create table profiles (id uuid primary key);
        alter table profiles enable row level security;
        create policy "own row" on public.profiles for select to authenticated using (auth.uid() = id);
        create or replace function public.touch() returns trigger language plpgsql as $$
          begin new.updated_at = now(); return new; end; $$;
        drop policy if exists "old" on profiles;
    """)
    assert m.tables["public.profiles"].rls_enabled
    assert [(p.name, p.table, p.command, p.using) for p in m.policies] == [
        ("own row", "public.profiles", "SELECT", "auth.uid() = id")]
    assert m.functions == ["public.touch"]
    assert m.counts == {"total": 5, "modelled": 5, "ignored": 0, "unparsed": 0}


def test_unparsable_statements_are_counted_with_their_line():
    m = one("create table a (id int);\ndo $$ begin perform 1; end $$;\nthis is not sql at all;\n"
            "create table (;\ngrant select on a to anon;")
    assert m.counts["total"] == 5 and m.counts["modelled"] == 1 and m.counts["ignored"] == 1
    assert [(u.line, u.reason.split(":")[0]) for u in m.unparsed] == [
        (2, "opaque to sqlglot"), (3, "sqlglot could not parse it"), (4, "sqlglot could not parse it")]


def test_statement_lines_point_at_the_foreign_key_column():
    m = one("\n\ncreate table a (\n  id int primary key,\n  b_id int references b (id)\n);")
    assert m.foreign_keys[0].line == 5


def test_flyway_and_natural_order_and_not_applied_files():
    m = model(
        ("db/migrations/V10__b.sql", "alter table a add column b int;"),
        ("db/migrations/V9__a.sql", "create table a (id int primary key);"),
        ("db/migrations/U10__b.sql", "alter table a drop column b;"),
        ("db/migrations/R__view.sql", "create or replace view v as select * from a;"),
        ("ch/migrations/001.sql", "create table events (id UInt64) ENGINE = MergeTree ORDER BY id;"),
        ("x/migrations/10_c.sql", "alter table c add column y int;"),
        ("x/migrations/9_c.sql", "create table c (id int primary key);"),
    )
    assert m.migrations == ["db/migrations/V9__a.sql", "db/migrations/V10__b.sql", "db/migrations/R__view.sql",
                            "x/migrations/9_c.sql", "x/migrations/10_c.sql"]
    assert {n["path"] for n in m.not_applied} == {"db/migrations/U10__b.sql", "ch/migrations/001.sql"}
    assert m.tables["public.a"].column_names() == ["id", "b"] and m.tables["public.c"].column_names() == ["id", "y"]


def test_create_if_not_exists_fills_a_table_first_seen_in_an_alter():
    m = model(("m/1.sql", "alter table if exists t add column x int;"),
              ("m/2.sql", "create table if not exists t (id int primary key, a_id int references a (id));"))
    assert m.tables["public.t"].primary_key == ["id"] and fks(m) == [("public.t", ("a_id",), "public.a", ("id",))]


def test_default_constraint_names_allow_drops():
    m = one("create table a (id int primary key); create table b (id int primary key, a_id int references a (id),"
            " code text unique); alter table b drop constraint b_a_id_fkey; alter table b drop constraint b_code_key;")
    assert fks(m) == [] and {i.name for i in m.indexes.values()} == {"a_pkey", "b_pkey"}


def test_long_default_names_are_truncated_like_postgres():
    from audit.facts.schema import object_name
    name = object_name("profit_per_service_representative_assignments", "service_representative_id", "key")
    assert len(name) == 63 and name.endswith("_key")


def test_quoted_identifiers_keep_their_case():
    m = one('create table "mergeActions" (id int primary key, "actionBy" int references users (id));'
            'create table users (id int primary key); create index on "mergeActions" ("actionBy");')
    assert set(m.tables) == {"public.mergeActions", "public.users"}
    assert fks(m) == [("public.mergeActions", ("actionBy",), "public.users", ("id",))]
    assert [i.columns for i in m.indexes.values() if not i.implicit] == [["actionBy"]]


def test_alter_policy_set_schema_opclass_and_expression_indexes():
    m = one("""create table t (id int primary key, user_id uuid, username jsonb, a_id int);
               create policy "own" on t for select using (auth.uid() = user_id);
               alter policy "own" on t using ((select auth.uid()) = user_id);
               alter policy "own" on t rename to "mine";
               create index t_a on t (a_id int4_ops);
               create index t_gh on t ((username ->> 'GitHub'));
               alter table t rename column username to old; alter table t drop column old;
               alter table public.t set schema app;""")
    [p] = m.policies
    assert (p.name, p.table, p.using) == ("mine", "app.t", "(select auth.uid()) = user_id")
    assert {i.name: i.columns for i in m.indexes.values() if not i.implicit} == {"t_a": ["a_id"]}
    assert list(m.tables) == ["app.t"]


def test_ddl_inside_do_blocks():
    m = one("""create table org_settings (id int primary key, organization_id int, setting_key text);
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'x') THEN
          ALTER TABLE org_settings ADD CONSTRAINT x UNIQUE (organization_id, setting_key);
        END IF;
      END $$;
      DO $$ BEGIN RAISE NOTICE 'nothing to model'; END $$;""")
    assert [i.columns for i in m.indexes.values() if i.name == "x"] == [["organization_id", "setting_key"]]
    assert m.counts["modelled"] == 2 and m.counts["unparsed"] == 1


def test_rename_keeps_the_new_names_case_and_long_names_are_cut_at_63():
    m = one('create table "CacheLinks" (id int primary key); alter table "CacheLinks" rename to "old_CacheLinks";'
            'create index ix_unique_activities_tenantid_platform_type_sourceid_segmentid_channel on "old_CacheLinks" (id);')
    assert list(m.tables) == ["public.old_CacheLinks"]
    assert "ix_unique_activities_tenantid_platform_type_sourceid_segmentid_" in {i.name for i in m.indexes.values()}
    m = one('create table t (id int primary key); alter table t rename to Tee; drop table tee;')
    assert m.tables == {}


def test_default_index_names_are_numbered_when_taken():
    m = one('create table "securityInsightsEvaluationSuitesA" (id int primary key, "securityInsightsEvaluationSuiteId" int, r int,'
            ' unique ("securityInsightsEvaluationSuiteId", r));'
            'create table "securityInsightsEvaluationSuitesB" (id int primary key, "securityInsightsEvaluationSuiteId" int, r int,'
            ' unique ("securityInsightsEvaluationSuiteId", r));'
            'create table t (id int primary key); alter table t rename to t_old; create table t (id int primary key);')
    names = sorted(i.name for i in m.indexes.values())
    assert "t_pkey" in names and "t_pkey1" in names
    keys = [n for n in names if n.endswith(("_key", "_key1"))]
    assert len(keys) == 2 and all(len(n) <= 63 for n in keys)


def test_indexes_on_follows_drops_and_renames():
    m = model(
        ("supabase/migrations/1.sql",
         "create table posts (id int primary key, author_id int, tmp int, slug text unique);"
         "create index posts_author on posts (author_id); create index posts_tmp on posts (tmp);"
         "create index posts_slug_lower on posts ((lower(slug))); create table tags (id int primary key);"),
        ("supabase/migrations/2.sql",
         "drop index posts_author; alter table posts rename to articles; alter table articles drop column tmp;"
         "alter index posts_slug_lower rename to articles_slug_lower; create index articles_author on articles (author_id);"),
        ("supabase/migrations/3.sql", "drop table tags; create table tags (id int, name text unique);"),
    )

    def names(table):
        on = m.indexes_on(table)
        assert on == [i for i in m.indexes.values() if i.table == table]  # the lookup agrees with a scan, in order
        return [i.name for i in on]

    assert names("public.posts") == []
    assert names("public.articles") == ["posts_pkey", "posts_slug_key", "articles_slug_lower", "articles_author"]
    assert names("public.tags") == ["tags_name_key"]


def test_recreating_a_table_drops_its_keys_and_policies_also_after_a_rename():
    m = one("create table a (id int primary key); create table b (id int primary key, a_id int references a);"
            "create policy p on b using (true); alter table b rename to c; drop table c;"
            "create table c (id int primary key, a_id int references a); create policy q on c using (true);")
    assert fks(m) == [("public.c", ("a_id",), "public.a", ("id",))]
    assert [(p.name, p.table) for p in m.policies] == [("q", "public.c")]
