"""Schema checks (indexes, keys, migration safety, RLS) on hand-written migrations."""

import pytest

from audit.catalog import load_catalog, load_profile
from audit.checks import REGISTRY, run_checks
from audit.discover import SourceFile
from audit.facts import Facts
from audit.facts.policy import parse_policy, per_row_calls
from audit.facts.schema import build_schema

CATALOG = load_catalog(load_profile("10k"))


def findings(check_id, *files):
    facts = Facts(schema=build_schema([SourceFile(p, "migration_sql", 0, sql) for p, sql in files]))
    outcome = run_checks(facts, CATALOG)[check_id]
    return outcome.status, [f.subject for f in outcome.findings]


def test_every_catalog_check_has_code_and_every_coded_check_an_entry():
    run_checks(Facts(schema=build_schema([])), CATALOG)  # imports every check module
    assert set(REGISTRY) == set(CATALOG.checks)


def test_missing_pk():
    assert findings("db.missing-pk", ("m/1.sql", "create table a (x int); create table b (id int primary key);")) == (
        "fail", [{"table": "public.a"}])


def test_duplicate_and_redundant_indexes():
    sql = """create table t (id int primary key, a int, b int, c int);
             create index t_a on t (a); create index t_a_again on t (a);
             create index t_ab on t (a, b); create index t_a_part on t (a) where c > 0;
             create unique index t_a_uniq on t (a); create index t_id on t (id);"""
    status, dup = findings("db.duplicate-index", ("m/1.sql", sql))
    assert status == "fail" and dup == [{"table": "public.t", "index": "t_a_again", "covered_by": "t_a"}]
    _, red = findings("db.redundant-index", ("m/1.sql", sql))
    assert {(r["index"], r["covered_by"]) for r in red} == {("t_a", "t_ab"), ("t_a_again", "t_ab"),
                                                            ("t_id", "t_pkey")}, "partial/unique ones are kept"
    assert findings("db.duplicate-index", ("m/1.sql", "create table t (id int primary key);"))[0] == "pass"


def test_index_not_concurrent_only_on_tables_from_earlier_migrations():
    files = [("m/001.sql", "create table t (id int primary key, a int, b int); create index t_a on t (a);"),
             ("m/002.sql", "create index t_b on t (b); create index concurrently t_ab on t (a, b);")]
    assert findings("db.index-not-concurrent", *files) == ("fail", [{"table": "public.t", "index": "t_b"}])


def test_fk_not_valid():
    files = [("m/001.sql", "create table p (id int primary key); create table c (id int primary key, p_id int);"),
             ("m/002.sql", "alter table c add constraint c_p foreign key (p_id) references p (id);"
                           "alter table c add column q_id int references p (id);"),
             ("m/003.sql", "alter table c add constraint c_p2 foreign key (p_id) references p (id) not valid;")]
    assert findings("db.fk-not-valid", *files) == (
        "fail", [{"table": "public.c", "columns": ["p_id"], "references": "public.p"}])


@pytest.mark.parametrize("expr, calls", [
    ("auth.uid() = user_id", ["auth.uid()"]),
    ("(select auth.uid()) = user_id", []),
    ("( SELECT auth.uid() ) = user_id and auth.jwt() ->> 'role' = 'admin'", ["auth.jwt()"]),
    ("owner = current_setting('app.user')::uuid", ["current_setting(...)"]),
    ("owner = (select current_setting('app.user'))::uuid", []),
])
def test_per_row_calls(expr, calls):
    assert per_row_calls(expr) == calls


def test_parse_policy_clauses():
    name, table, clauses = parse_policy(
        'CREATE POLICY "own" ON public.notes AS RESTRICTIVE FOR UPDATE TO authenticated, anon\n'
        "USING (auth.uid() = (owner_id)) WITH CHECK (status in ('a', 'b'))")
    assert (name, table) == ("own", "public.notes")
    assert clauses == {"permissive": False, "command": "UPDATE", "roles": ["anon", "authenticated"],
                       "using": "auth.uid() = (owner_id)", "with_check": "status in ('a', 'b')"}


def test_rls_checks():
    sql = """create table notes (id int primary key, owner_id uuid, team_id uuid);
             create index notes_team on notes (team_id);
             alter table notes enable row level security;
             create policy "read own" on notes for select using (auth.uid() = owner_id);
             create policy "read team" on notes for select using ((select auth.uid()) = team_id);
             create policy "restrict" on notes as restrictive for select using (true);"""
    assert findings("db.rls-initplan", ("m/1.sql", sql)) == ("fail", [{"table": "public.notes", "policy": "read own"}])
    assert findings("db.multiple-permissive-policies", ("m/1.sql", sql)) == (
        "fail", [{"table": "public.notes", "command": "SELECT", "role": "public"}])
    assert findings("db.rls-unindexed-column", ("m/1.sql", sql)) == (
        "fail", [{"table": "public.notes", "columns": ["owner_id"], "policy": "read own"}])
    assert findings("db.rls-initplan", ("m/1.sql", "create table t (id int primary key);"))[0] == "not_applicable"


def test_publications_are_modelled():
    m = build_schema([SourceFile("m/1.sql", "migration_sql", 0,
                                 "create table a (id int primary key); create table b (id int primary key);"
                                 "alter publication supabase_realtime add table a, public.b;"
                                 "alter publication supabase_realtime drop table b;")])
    assert m.publications == {"supabase_realtime": ["public.a"]} and m.counts["unparsed"] == 0


def query_findings(sql_schema, code_sql):
    from audit.facts.queries import sql_file_queries
    facts = Facts(schema=build_schema([SourceFile("m/1.sql", "migration_sql", 0, sql_schema)]))
    facts.queries = sql_file_queries("q.sql", code_sql)
    return [f.subject for f in run_checks(facts, CATALOG)["db.unindexed-filter"].findings]


SCHEMA = """create table m (id int primary key, tenant_id int, active boolean, org_id int, name text);
            create table mi (id int primary key, member_id int references m (id), deleted_at timestamptz);
            create index mi_member on mi (member_id);
            create index m_org_active on m (org_id) where active;"""


@pytest.mark.parametrize("sql, expected", [
    ("select id from m where tenant_id = $1", [{"table": "public.m", "columns": ["tenant_id"]}]),
    ("select m.id from m where m.org_id = $1 and not exists "
     "(select 1 from mi where mi.member_id = m.id and mi.deleted_at is null)", []),
    ("update m set name = 'x' from mi where mi.member_id = m.id and mi.id = $1 and m.tenant_id = $2", []),
    ("select id from m where active = true", []),
    ("select id from mi where deleted_at is null", []),
    ("select id from m where name = $1 and active", [{"table": "public.m", "columns": ["name"]}]),
])
def test_unindexed_filter_precision(sql, expected):
    assert query_findings(SCHEMA, sql) == expected
