"""Write a synthetic Supabase + Node + Python repository for benchmarks.

    python bench/generate.py /tmp/gen [--migrations 5000] [--code 2000] [--seed 7]

Migrations under supabase/migrations/ (timestamp-named) create tables with keys and constraints, add
indexes, columns and foreign keys, enable RLS with policies, define plpgsql functions and DO blocks,
grant, comment, rename and drop; every table a migration touches was created by an earlier one. The
code files (.ts with supabase-js chains and pool.query SQL, .py with cursor.execute / text() SQL) use
the tables and columns as they stand after the last migration. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
from pathlib import Path

NOUNS = ["account", "project", "invoice", "order", "customer", "product", "task", "comment", "team", "event",
         "payment", "ticket", "message", "document", "asset", "report", "shipment", "contract", "lead", "note"]
EXTRA_COLUMNS = [("name", "text NOT NULL"), ("email", "text"), ("status", "text NOT NULL DEFAULT 'active'"),
                 ("amount", "numeric(12,2) DEFAULT 0"), ("metadata", "jsonb DEFAULT '{}'::jsonb"),
                 ("position", "integer NOT NULL DEFAULT 0"), ("due_at", "timestamptz"), ("title", "varchar(200)"),
                 ("is_archived", "boolean NOT NULL DEFAULT false"), ("tags", "text[] DEFAULT '{}'"),
                 ("score", "double precision"), ("external_ref", "text"), ("priority", "smallint DEFAULT 3")]
ADD_COLUMNS = [("notes", "text"), ("archived_at", "timestamptz"), ("version", "integer DEFAULT 1"),
               ("locale", "varchar(10) DEFAULT 'en'"), ("deleted_at", "timestamptz"), ("slug", "text"),
               ("rating", "numeric(3,1)"), ("settings", "jsonb")]


class Schema:
    """The tables as the migrations leave them, so later statements only touch what exists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tables: dict[str, list[str]] = {}  # name -> column names, in creation order (never dropped)
        self.names: list[str] = []
        self.indexes: set[str] = set()
        self.functions: list[str] = []
        self.policies: dict[str, list[str]] = {}

    def pick(self, n: int = 1) -> list[str]:
        return self.rng.sample(self.names, min(n, len(self.names)))

    def new_index_name(self, table: str, cols: list[str]) -> str:
        base = f"idx_{table}_{'_'.join(c.split('(')[-1].rstrip(')') for c in cols)}"[:55]
        name, k = base, 1
        while name in self.indexes:
            k += 1
            name = f"{base}_{k}"
        self.indexes.add(name)
        return name


# -- migrations: each returns a list of statements (with their comments) -------------------------------
def create_table(s: Schema, n: int) -> list[str]:
    r = s.rng
    name = f"{r.choice(NOUNS)}_{r.choice(NOUNS)}s_{n}"
    parents = s.pick(r.choice([0, 1, 1, 2])) if s.tables else []
    cols = ["id uuid PRIMARY KEY DEFAULT gen_random_uuid()"]
    names = ["id"]
    for i, p in enumerate(parents):
        col = f"{p}_id"
        if i == 0:
            cols.append(f"{col} uuid NOT NULL REFERENCES public.{p}(id) ON DELETE CASCADE")
        else:
            cols.append(f"{col} uuid")
        names.append(col)
    if r.random() < 0.5:
        cols.append("owner_id uuid REFERENCES auth.users(id) ON DELETE SET NULL")
        names.append("owner_id")
    for col, typ in r.sample(EXTRA_COLUMNS, r.randint(3, 7)):
        cols.append(f"{col} {typ}")
        names.append(col)
    cols += ["created_at timestamptz NOT NULL DEFAULT now()", "updated_at timestamptz NOT NULL DEFAULT now()"]
    names += ["created_at", "updated_at"]
    if "amount" in names:
        cols.append(f"CONSTRAINT {name}_amount_check CHECK (amount >= 0)")
    if len(parents) > 1:
        cols.append(f"CONSTRAINT {name}_{names[2]}_fkey FOREIGN KEY ({names[2]}) REFERENCES public.{parents[1]}(id)")
    if "name" in names and parents and r.random() < 0.5:
        cols.append(f"UNIQUE ({names[1]}, name)")
    s.tables[name] = names
    s.names.append(name)
    out = [f"-- {name}: created by the {r.choice(NOUNS)} feature\n"
           f"CREATE TABLE IF NOT EXISTS public.{name} (\n  " + ",\n  ".join(cols) + "\n)"]
    if parents and r.random() < 0.6:
        out.append(f"CREATE INDEX {s.new_index_name(name, [names[1]])} ON public.{name} ({names[1]})")
    if r.random() < 0.6:
        out += enable_rls(s, name)
    if s.functions and r.random() < 0.5:
        out.append(f"CREATE TRIGGER set_{name}_updated_at BEFORE UPDATE ON public.{name}\n"
                   f"  FOR EACH ROW EXECUTE FUNCTION {s.functions[0]}()")
    out.append(f"COMMENT ON TABLE public.{name} IS 'The {name.replace('_', ' ')} of the app'")
    out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON public.{name} TO authenticated")
    return out


def enable_rls(s: Schema, table: str) -> list[str]:
    r, cols = s.rng, s.tables[table]
    owner = "owner_id" if "owner_id" in cols else None
    uid = "(select auth.uid())" if r.random() < 0.5 else "auth.uid()"
    pol = f"{table} members read {len(s.policies.get(table, []))}"
    s.policies.setdefault(table, []).append(pol)
    using = f"{owner} = {uid}" if owner else f"auth.role() = 'authenticated'"
    out = [f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY",
           f'CREATE POLICY "{pol}" ON public.{table}\n  FOR SELECT TO authenticated\n  USING ({using})']
    if owner and r.random() < 0.5:
        out.append(f'CREATE POLICY "{pol} write" ON public.{table}\n  FOR INSERT TO authenticated\n'
                   f"  WITH CHECK ({owner} = {uid})")
    return out


def add_index(s: Schema, n: int) -> list[str]:
    r = s.rng
    table = s.pick()[0]
    cols = s.tables[table]
    variant = r.random()
    if variant < 0.1 and "metadata" in cols:
        spec, using, where = ["metadata"], " USING gin", ""
    elif variant < 0.2 and "email" in cols:
        spec, using, where = ["lower(email)"], "", ""
    else:
        spec = r.sample(cols[1:], min(len(cols) - 1, r.choice([1, 1, 2, 3])))
        using = ""
        where = " WHERE status = 'active'" if "status" in cols and r.random() < 0.2 else ""
    spec_sql = ", ".join(f"({c})" if "(" in c else c for c in spec)
    unique = "UNIQUE " if r.random() < 0.1 and not where else ""
    conc = "CONCURRENTLY " if r.random() < 0.3 else ""
    ine = "IF NOT EXISTS " if r.random() < 0.5 else ""
    name = s.new_index_name(table, spec)
    return [f"-- speed up {table} lookups\nCREATE {unique}INDEX {conc}{ine}{name} ON public.{table}{using} ({spec_sql}){where}"]


def add_column(s: Schema, n: int) -> list[str]:
    r = s.rng
    table = s.pick()[0]
    col, typ = r.choice(ADD_COLUMNS)
    out = []
    if col not in s.tables[table]:
        s.tables[table].append(col)
        out.append(f"ALTER TABLE public.{table} ADD COLUMN IF NOT EXISTS {col} {typ}")
    other = s.pick()[0]
    fk_col = f"{other}_ref_id"
    if fk_col not in s.tables[table] and other != table:
        s.tables[table].append(fk_col)
        out.append(f"ALTER TABLE public.{table} ADD COLUMN {fk_col} uuid")
        valid = " NOT VALID" if r.random() < 0.5 else ""
        out.append(f"ALTER TABLE public.{table}\n  ADD CONSTRAINT {table}_{fk_col}_fkey FOREIGN KEY ({fk_col})"
                   f" REFERENCES public.{other}(id) ON DELETE SET NULL{valid}")
        if valid:
            out.append(f"ALTER TABLE public.{table} VALIDATE CONSTRAINT {table}_{fk_col}_fkey")
    return out or add_index(s, n)


def function(s: Schema, n: int) -> list[str]:
    r = s.rng
    table = s.pick()[0]
    if r.random() < 0.5:
        name = f"public.touch_{table}"
        s.functions.append(name)
        return [f"CREATE OR REPLACE FUNCTION {name}()\nRETURNS trigger\nLANGUAGE plpgsql\nAS $$\nBEGIN\n"
                f"  NEW.updated_at := now();\n  IF NEW.id IS NULL THEN\n    RAISE EXCEPTION 'id is required';\n"
                f"  END IF;\n  RETURN NEW;\nEND;\n$$"]
    name = f"public.count_{table}"
    s.functions.append(name)
    return [f"CREATE OR REPLACE FUNCTION {name}(p_owner uuid)\nRETURNS bigint\nLANGUAGE sql STABLE SECURITY DEFINER\n"
            f"SET search_path = public\nAS $function$\n  SELECT count(*) FROM public.{table} WHERE id IS NOT NULL;\n"
            f"$function$",
            f"GRANT EXECUTE ON FUNCTION {name}(uuid) TO authenticated"]


def do_block(s: Schema, n: int) -> list[str]:
    table = s.pick()[0]
    col = s.rng.choice(s.tables[table][1:])
    return [f"DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '{table}_{col}_key') THEN\n"
            f"    ALTER TABLE public.{table} ADD CONSTRAINT {table}_{col}_key UNIQUE ({col});\n  END IF;\nEND\n$$"]


def rls(s: Schema, n: int) -> list[str]:
    table = s.pick()[0]
    out = []
    if s.policies.get(table) and s.rng.random() < 0.5:
        out.append(f'DROP POLICY IF EXISTS "{s.policies[table].pop()}" ON public.{table}')
    return out + enable_rls(s, table)


def misc(s: Schema, n: int) -> list[str]:
    r = s.rng
    table = s.pick()[0]
    choice = r.random()
    if choice < 0.25:
        return [f"/* seed data */\nINSERT INTO public.{table} (id) VALUES (gen_random_uuid()) ON CONFLICT DO NOTHING"]
    if choice < 0.45:
        return [f"CREATE OR REPLACE VIEW public.{table}_recent AS\n  SELECT * FROM public.{table}"
                f" WHERE created_at > now() - interval '30 days'"]
    if choice < 0.6 and len(s.tables[table]) > 4:
        old = s.tables[table][-3]
        if old not in {"id", "created_at", "updated_at"} and not old.endswith("_id"):
            new = f"{old}_v2"
            s.tables[table][-3] = new
            return [f"ALTER TABLE public.{table} RENAME COLUMN {old} TO {new}"]
    if choice < 0.75 and s.indexes:
        name = r.choice(sorted(s.indexes))
        s.indexes.discard(name)
        return [f"DROP INDEX IF EXISTS public.{name}"]
    if choice < 0.85:
        return [f"ALTER PUBLICATION supabase_realtime ADD TABLE public.{table}"]
    return ["GRANT USAGE ON SCHEMA public TO anon, authenticated",
            f"REVOKE ALL ON public.{table} FROM anon"]


KINDS = [(create_table, 25), (add_index, 20), (add_column, 15), (rls, 10), (function, 10), (do_block, 5), (misc, 15)]


def migrations(s: Schema, count: int) -> list[tuple[str, str]]:
    base = dt.datetime(2021, 1, 4, 9, 0, 0)
    prelude = ['CREATE EXTENSION IF NOT EXISTS "pgcrypto"',
               "CREATE OR REPLACE FUNCTION public.set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$\n"
               "BEGIN NEW.updated_at = now(); RETURN NEW; END; $$"]
    s.functions.append("public.set_updated_at")
    funcs, weights = zip(*KINDS)
    out = []
    for n in range(count):
        kind = create_table if len(s.tables) < 5 else s.rng.choices(funcs, weights)[0]
        stmts = (prelude if n == 0 else []) + kind(s, n)
        stamp = (base + dt.timedelta(hours=7 * n, minutes=n % 60)).strftime("%Y%m%d%H%M%S")
        out.append((f"supabase/migrations/{stamp}_{kind.__name__}_{n}.sql", ";\n\n".join(stmts) + ";\n"))
    return out


# -- code -----------------------------------------------------------------------------------------------
def ts_file(s: Schema, n: int) -> str:
    r = s.rng
    parts = ["import { supabase } from '../lib/supabase';", "import { pool } from '../lib/db';", ""]
    for k in range(r.randint(3, 6)):
        t = r.choice(s.names)
        cols = s.tables[t]
        c1, c2 = r.choice(cols[1:]), r.choice(cols)
        fn = f"{r.choice(['load', 'list', 'find', 'sync', 'update', 'count'])}{t.title().replace('_', '')}{k}"
        v = r.random()
        if v < 0.35:
            body = (f"  const {{ data, error }} = await supabase\n    .from('{t}')\n    .select('{', '.join(cols[:4])}')\n"
                    f"    .eq('{c1}', arg)\n    .order('{c2}', {{ ascending: false }})\n    .range(page * 20, page * 20 + 19);\n"
                    f"  if (error) throw error;\n  return data;")
        elif v < 0.5:
            body = f"  const {{ data }} = await supabase.from('{t}').select('*').eq('id', arg).single();\n  return data;"
        elif v < 0.6:
            body = (f"  const {{ count }} = await supabase.from('{t}').select('id', {{ count: 'exact', head: true }})"
                    f".in('{c1}', [arg]).gte('created_at', since);\n  return count;")
        elif v < 0.7:
            body = (f"  for (const id of ids) {{\n    await supabase.from('{t}').update({{ {c1}: arg }}).eq('id', id);\n  }}"
                    f"\n  await supabase.rpc('{r.choice(s.functions).split('.')[-1]}', {{ p_owner: arg }});")
        elif v < 0.85:
            body = (f"  const {{ rows }} = await pool.query(\n    'SELECT {', '.join(cols[:3])} FROM public.{t} WHERE {c1} = $1"
                    f" ORDER BY {c2} DESC LIMIT 50',\n    [arg],\n  );\n  return rows;")
        else:
            body = (f"  return Promise.all(ids.map((id) =>\n    pool.query(`UPDATE public.{t} SET updated_at = now()"
                    f" WHERE id = $1 AND {c1} = ${{arg}}`, [id])));")
        parts.append(f"/** {fn}: data access for {t}. */\nexport async function {fn}(arg: string, ids: string[] = [],"
                     f" page = 0, since = new Date().toISOString()) {{\n{body}\n}}\n")
        parts.append(f"export function format{fn[0].upper()}{fn[1:]}(row: Record<string, unknown>): string {{\n"
                     f"  return Object.entries(row).map(([k, v]) => `${{k}}=${{String(v)}}`).join(', ');\n}}\n")
    return "\n".join(parts)


def py_file(s: Schema, n: int) -> str:
    r = s.rng
    parts = ['"""Data access helpers."""', "from sqlalchemy import text", ""]
    for k in range(r.randint(3, 6)):
        t = r.choice(s.names)
        cols = s.tables[t]
        c1, c2 = r.choice(cols[1:]), r.choice(cols)
        v = r.random()
        if v < 0.3:
            body = (f'    with conn.cursor() as cursor:\n        cursor.execute(\n            "SELECT {", ".join(cols[:4])}'
                    f' FROM public.{t} WHERE {c1} = %s ORDER BY {c2} DESC LIMIT 50",\n            (arg,),\n        )\n'
                    f"        return cursor.fetchall()")
        elif v < 0.5:
            body = (f'    return conn.execute(text("SELECT * FROM public.{t} WHERE {c1} = :value"),'
                    f' {{"value": arg}}).first()')
        elif v < 0.65:
            body = (f"    with conn.cursor() as cursor:\n        for item in arg:\n"
                    f'            cursor.execute("UPDATE public.{t} SET updated_at = now() WHERE id = %s", (item,))')
        elif v < 0.8:
            join = next((c for c in cols if c.endswith("_id") and c != "owner_id"), None)
            body = (f'    sql = "SELECT COUNT(*) FROM public.{t} WHERE {c1} LIKE %s"\n'
                    f"    with conn.cursor() as cursor:\n        cursor.execute(sql, ('%' + arg,))\n"
                    f"        return cursor.fetchone()[0]") if join is None else (
                    f'    return conn.execute(text(\n        "SELECT a.id FROM public.{t} a JOIN public.{t} b ON b.id = a.{join}"'
                    f'\n        " WHERE a.{c1} = :v ORDER BY a.created_at LIMIT 20 OFFSET :o"\n    ), {{"v": arg, "o": 0}}).all()')
        else:
            body = f'    return conn.execute(text("SELECT id, created_at FROM public.{t} WHERE {c1} > :v"), {{"v": arg}}).all()'
        parts.append(f"\ndef {r.choice(['get', 'list', 'touch', 'count'])}_{t}_{k}(conn, arg):\n"
                     f'    """Query {t} by {c1}."""\n{body}\n')
        parts.append(f"\ndef describe_{t}_{k}(row: dict) -> str:\n    return ', '.join(f'{{k}}={{v}}' for k, v in row.items())\n")
    return "\n".join(parts)


def code(s: Schema, count: int) -> list[tuple[str, str]]:
    out = [("src/lib/supabase.ts", "import { createClient } from '@supabase/supabase-js';\n"
            "export const supabase = createClient(import.meta.env.VITE_SUPABASE_URL, import.meta.env.VITE_SUPABASE_KEY);\n"),
           ("src/lib/db.ts", "import { Pool } from 'pg';\n"
            "export const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });\n")]
    for n in range(count - 2):
        if n % 5 < 3:
            out.append((f"src/features/f{n % 40:02d}/module_{n}.ts", ts_file(s, n)))
        else:
            out.append((f"backend/app/repo{n % 25:02d}/module_{n}.py", py_file(s, n)))
    return out


def generate(root: Path, n_migrations: int = 5000, n_code: int = 2000, seed: int = 7) -> dict:
    s = Schema(random.Random(seed))
    files = migrations(s, n_migrations) + code(s, n_code)
    files.append(("package.json", json.dumps({"name": "generated", "private": True, "dependencies": {
        "@supabase/supabase-js": "^2.45.0", "pg": "^8.12.0", "react": "^18.3.1", "vite": "^5.4.0"}}, indent=2) + "\n"))
    files.append(("backend/requirements.txt", "sqlalchemy==2.0.35\npsycopg[binary]==3.2.3\nfastapi==0.115.0\n"))
    if root.exists():
        shutil.rmtree(root)
    for rel, text in files:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return {"files": len(files), "migrations": n_migrations, "code": n_code, "tables": len(s.tables),
            "bytes": sum(len(t.encode()) for _, t in files)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--migrations", type=int, default=5000)
    ap.add_argument("--code", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    print(json.dumps(generate(a.out, a.migrations, a.code, a.seed)))


if __name__ == "__main__":
    main()
