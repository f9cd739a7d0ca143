"""Queries from code: SQL strings in Python and JS/TS, tagged templates, supabase-js chains, loops."""

import pytest

from audit.facts import js
from audit.facts.queries import js_sql_queries, python_queries, sql_file_queries
from audit.facts.sqlquery import analyze, normalize_placeholders
from audit.facts.supabase_js import supabase_queries


def supa(src, path="src/api.ts"):
    tree, suffix = js.parse(path, src)
    return supabase_queries(path, tree, suffix)


def jsq(src, path="src/db.js"):
    tree, suffix = js.parse(path, src)
    return js_sql_queries(path, tree, suffix)


def cols(preds):
    return [(p.column, p.op) for p in preds]


@pytest.mark.parametrize("sql, expected", [
    ("select * from t where a = %s and b = %(name)s", "select * from t where a = $1 and b = $2"),
    ("select x::text from t where id = :id", "select x::text from t where id = $1"),
    ("select * from t where a = ? and b in (?, ?)", "select * from t where a = $1 and b in ($2, $3)"),
])
def test_placeholders(sql, expected):
    assert normalize_placeholders(sql) == expected


def test_analyze_filters_joins_sort_and_flags():
    s = analyze("SELECT r.*, s.name FROM reviews r JOIN students s ON s.id = r.student_id "
                "WHERE r.teacher_id = $1 AND r.created_at > now() - interval '7 days' AND lower(s.email) = $2 "
                "ORDER BY r.created_at DESC LIMIT 10 OFFSET $3")
    assert s.kind == "select" and s.tables == ["public.reviews", "public.students"]
    assert sorted((p.table, p.column, p.op) for p in s.filters) == [
        ("public.reviews", "created_at", ">"), ("public.reviews", "teacher_id", "="), ("public.students", "email", "fn:lower")]
    assert cols(s.joins) == [("id", "="), ("student_id", "=")]
    assert cols(s.order_by) == [("created_at", "desc")] and s.limit and s.offset and s.select_star


def test_leading_wildcard_and_count():
    s = analyze("select count(*) from teachers where name ilike '%' || $1 || '%' or subject like 'ab%'")
    assert [(p.column, p.leading_wildcard) for p in s.filters] == [("name", True), ("subject", False)]
    assert s.count_star and s.aggregate


def test_analyze_rejects_what_it_cannot_read():
    with pytest.raises(ValueError):
        analyze("select from where (")


def test_supabase_chain_forms():
    [q] = supa("""
      const { data } = await supabase
        .from('content')
        .select('*, profiles(username, avatar_url)')
        .eq('community_id', id).eq('is_published', true)
        .in('kind', ['a', 'b']).gte('created_at', since)
        .order('created_at', { ascending: false })
        .range(offset, offset + 19)
    """)
    assert q.source == "supabase-js" and q.line == 3 and not q.error
    s = q.shape
    assert s.tables == ["public.content"] and s.select_star
    assert cols(s.filters) == [("community_id", "="), ("is_published", "="), ("kind", "in"), ("created_at", ">=")]
    assert cols(s.order_by) == [("created_at", "desc")] and s.limit and s.offset


@pytest.mark.parametrize("chain, check", [
    (".select('id, title').eq('id', x).single()", lambda s: s.limit and not s.select_star and not s.offset),
    (".select('id').limit(20)", lambda s: s.limit),
    (".select('*')", lambda s: not s.limit and s.select_star),
    (".select('id', { count: 'exact', head: true })", lambda s: s.count_star),
    (".select('id').ilike('username', `%${q}%`)", lambda s: s.filters[0].leading_wildcard),
    (".select('id').ilike('username', `${q}%`)", lambda s: not s.filters[0].leading_wildcard),
    (".update({ read: true }).eq('user_id', uid)", lambda s: s.kind == "update" and cols(s.filters) == [("user_id", "=")]),
    (".delete().match({ user_id: uid, id })", lambda s: s.kind == "delete" and [p.column for p in s.filters] == ["user_id"]),
    (".insert({ a: 1 }).select().single()", lambda s: s.kind == "insert"),
])
def test_supabase_chain_variants(chain, check):
    [q] = supa(f"const r = await supabase.from('t'){chain}")
    assert check(q.shape)


def test_not_a_query_and_rpc():
    assert supa("const a = Array.from('abc'); const b = Buffer.from('x').toString()") == []
    [q] = supa("const { data } = await supabase.rpc('get_trending', { n: 1 })")
    assert (q.source, q.sql, q.shape) == ("supabase-rpc", "rpc get_trending()", None)


def test_js_raw_sql_tagged_templates_and_loops():
    qs = jsq("""
      const { rows } = await pool.query('SELECT * FROM slots WHERE teacher_id = $1', [id]);
      const r = await sql`select id from users where email = ${email}`;
      for (const b of bookings) {
        await client.query(`SELECT * FROM students WHERE id = $1`, [b.student_id]);
      }
      await Promise.all(items.map(async (i) => db.query('select 1 from t where id = $1', [i])));
      function later() { return pool.query('select * from t'); }
      logger.query('not sql at all');
    """)
    assert [(q.line, q.in_loop) for q in qs] == [(2, False), (3, False), (5, True), (7, True), (8, False)]
    assert qs[1].shape.filters[0].column == "email"


def test_python_sql_strings():
    qs = python_queries("app/repo.py", '''
from sqlalchemy import text
QUERY = "SELECT * FROM capsules WHERE owner_id = :owner_id"

async def list_for(session, owner):
    await session.execute(text("SELECT id FROM recipients WHERE capsule_id = :cid"), {"cid": owner})
    await conn.fetch(QUERY, owner)
    for r in rows:
        await conn.fetchrow(f"SELECT * FROM users WHERE id = {r}")
    cur.execute("UPDATE t SET a = %s WHERE id = %s", (1, 2))
    print("select this is prose")
''')
    assert [(q.line, q.in_loop, q.shape.tables) for q in qs] == [
        (6, False, ["public.recipients"]), (7, False, ["public.capsules"]), (9, True, ["public.users"]),
        (10, False, ["public.t"])]


def test_sql_files_skip_ddl():
    qs = sql_file_queries("queries/report.sql", "create index x on t (a);\nselect * from t where a = 1;")
    assert [(q.line, q.source) for q in qs] == [(2, "sql-file")]


@pytest.mark.parametrize("src", [
    'await supabase.from("orders" as any).select("*").eq("org_id", o)',
    'await supabase.from<Order>("orders").select("*").eq("org_id", o)',
    'const T = "orders";\nawait supabase.from(T).select("*").eq("org_id", o)',
])
def test_supabase_from_forms(src):
    [q] = supa(src)
    assert q.shape.tables == ["public.orders"] and cols(q.shape.filters) == [("org_id", "=")]


def test_js_sql_in_variables_wrappers_and_fragments():
    qs = jsq("""
      const sql = `SELECT * FROM t WHERE org_id = $1`;
      await pool.query(sql, [o]);
      await qx.select(`SELECT id FROM t WHERE org_id = $(orgId)`, { orgId });
      await db.any(`SELECT * FROM mtm ${join} WHERE mtm.id = ${id}`);
      console.log('Update failed for user');
      logger.info('select a plan');
    """)
    assert [(q.line, q.error) for q in qs] == [(3, ""), (4, ""), (5, "")]
    assert qs[2].shape.tables == ["public.mtm"]
