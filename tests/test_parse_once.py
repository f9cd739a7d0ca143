"""Each source file is parsed once per scan: the extractors share one tree-sitter / `ast` tree per file
for the length of a `collect_facts` call, and nothing is kept after it."""

import json

from audit import facts
from audit.catalog import load_catalog, load_profile
from audit.discover import discover
from audit.facts import js, trees

FILES = {
    "package.json": json.dumps({"dependencies": {"pg": "^8", "express": "^4", "react": "^19", "@supabase/supabase-js": "^2"},
                                "devDependencies": {"vite": "^7"}}),
    "index.html": "<script type=module src=/src/main.tsx></script>",
    "vite.config.ts": "import { defineConfig } from 'vite';\nexport default defineConfig({});\n",
    # read for pools (imports pg), SQL queries (.query) and infrastructure (express, fetch)
    "server/db.ts": "import { Pool } from 'pg';\nimport express from 'express';\n"
                    "const pool = new Pool({ max: 10 });\nconst app = express();\n"
                    "app.get('/health', (req, res) => res.send('ok'));\n"
                    "export const byEmail = (e: string) => pool.query('SELECT id FROM users WHERE email = $1', [e]);\n"
                    "export const ping = () => fetch('https://api.stripe.com/v1/charges');\n",
    # read for supabase-js queries, React signals and infrastructure (fetch)
    "src/main.tsx": "import { lazy } from 'react';\nimport { createClient } from '@supabase/supabase-js';\n"
                    "const Page = lazy(() => import('./Page'));\nconst supabase = createClient('u', 'k');\n"
                    "export const load = () => supabase.from('users').select('id').eq('email', 'a');\n"
                    "export const hook = () => fetch('/api/users');\n",
    "src/Page.tsx": "export default function Page() { return <img src='/a.png' />; }\n",
    # read for ORM models, constants, pools, SQL queries and infrastructure
    "app/db.py": "from sqlalchemy import create_engine, text\nimport requests\nPOOL = 5\n"
                 "engine = create_engine('postgresql://x', pool_size=POOL)\n"
                 "def user(c, i):\n    return c.execute(text('SELECT id FROM users WHERE id = :id'), {'id': i})\n"
                 "def ping():\n    return requests.get('https://api.stripe.com', timeout=5)\n",
    "supabase/migrations/1_init.sql": "create table users (id bigint primary key, email text);\n",
}


def repo(tmp_path):
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return discover(tmp_path)


def parses(run) -> dict:
    before = dict(trees.PARSES)
    run()
    return {k: n - before.get(k, 0) for k, n in trees.PARSES.items() if n - before.get(k, 0)}


def test_each_file_parsed_once_per_scan(tmp_path):
    found, catalog = repo(tmp_path), load_catalog(load_profile("10k"))
    js_files, py_files = len(found.of_kind("js")), len(found.of_kind("python"))
    assert parses(lambda: facts.collect_facts(found, catalog)) == {"js": js_files, "python": py_files}
    unshared = parses(lambda: facts._collect(found, catalog, None))  # the same extractors without the cache
    assert unshared["js"] > js_files and unshared["python"] > py_files


def test_the_cache_lives_for_one_call(tmp_path):
    found = repo(tmp_path)
    facts.collect_facts(found, load_catalog(load_profile("10k")))
    assert trees._cache.get() is None
    f = next(f for f in found.of_kind("js") if f.path == "server/db.ts")
    assert parses(lambda: [js.parse(f.path, f.text), js.parse(f.path, f.text)]) == {"js": 2}
    with trees.shared():
        assert parses(lambda: [js.parse(f.path, f.text), js.parse(f.path, f.text)]) == {"js": 1}
        assert parses(lambda: js.parse(f.path, f.text + "\n")) == {"js": 1}  # another text, another tree
        trees.release("js", f.path, f.text)
        assert parses(lambda: js.parse(f.path, f.text)) == {"js": 1}


def test_python_newer_than_the_auditor_is_read(tmp_path):
    """3.12 type parameters and aliases, 3.14 `except A, B:` (polar's server uses both): read, lines kept."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "db.py").write_text(
        "from sqlalchemy import create_engine\n"
        "type Rows = list[dict[str, int]]\n"
        "class Repo[\n    M: object,  # type: ignore[misc]\n](Base):\n    pass\n"
        "def load[T](x: T) -> T:\n    try:\n        return x\n    except ValueError, TypeError:\n        return x\n"
        "engine = create_engine('postgresql://db/app', pool_size=7)\n")
    (tmp_path / "app" / "broken.py").write_text("def f(:\n    pass\n")
    found = discover(tmp_path)
    got = facts.collect_facts(found, load_catalog(load_profile("10k")))
    [pool] = got.pools
    assert (pool.path, pool.line) == ("app/db.py", 12)
    assert [s.path for s in found.skipped if "could not be parsed" in s.reason] == ["app/broken.py"]
    assert trees.without_newer_syntax("type X[T] = list[T]\n") == "X = list[T]\n"
