"""discover: classification, ignores, and bad input that must be skipped with a reason."""

import os

import pytest

from audit.discover import classify, discover


@pytest.mark.parametrize("path, kind", [
    ("supabase/migrations/20240101000000_init.sql", "migration_sql"),
    ("backend/db/migrations/001_init.sql", "migration_sql"),
    ("prisma/migrations/20240101_init/migration.sql", "migration_sql"),
    ("db/schema.sql", "schema_sql"),
    ("queries/report.sql", "sql"),
    ("backend/app/main.py", "python"),
    ("src/App.tsx", "js"),
    ("vite.config.mts", "js"),
    ("package.json", "manifest"),
    ("backend/requirements-dev.txt", "manifest"),
    ("netlify.toml", "config"),
    ("docker-compose.yml", "config"),
    ("Dockerfile", "config"),
    (".env.example", "config"),
    ("dist/assets/index-abc.js", "build_output"),
    ("README.md", "other"),
    ("public/logo.png", "other"),
])
def test_classify(path, kind):
    assert classify(path) == kind


def _write(root, rel, data):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    (p.write_bytes if isinstance(data, bytes) else p.write_text)(data)
    return p


def test_walk_skips_with_reasons(tmp_path):
    _write(tmp_path, "src/app.ts", "export const x = 1;\n")
    _write(tmp_path, "node_modules/pg/index.js", "module.exports = {}\n")
    _write(tmp_path, ".gitignore", "secret-build/\n*.log\n")
    _write(tmp_path, "secret-build/out.js", "x\n")
    _write(tmp_path, "debug.log", "x\n")
    _write(tmp_path, ".env", "DATABASE_URL=postgres://u:pw@h/db\n")
    _write(tmp_path, ".env.example", "DATABASE_URL=\n")
    _write(tmp_path, "migrations/001.sql", b"\x00\x01binary\x00")
    _write(tmp_path, "migrations/002.sql", "select 'caf\xe9';".encode("latin-1"))
    _write(tmp_path, "src/vendor.min.js", "x\n")
    big = tmp_path / "huge.sql"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    os.symlink(".", tmp_path / "loop")
    os.symlink("src/app.ts", tmp_path / "link.ts")

    found = discover(tmp_path)
    reasons = {s.path: s.reason for s in found.skipped}
    assert reasons["node_modules/"] == "dependency folder"
    assert reasons["secret-build/"] == "ignored by .gitignore"
    assert reasons["debug.log"] == "ignored by .gitignore"
    assert reasons[".env"].startswith("may hold secrets")
    assert reasons["migrations/001.sql"] == "binary content"
    assert reasons["migrations/002.sql"].startswith("not UTF-8")
    assert reasons["huge.sql"].startswith("larger than the 2 MB size cap")
    assert reasons["loop/"] == "symbolic link (not followed)"
    assert reasons["link.ts"] == "symbolic link (not followed)"
    assert reasons["src/vendor.min.js"] == "generated file"
    paths = [f.path for f in found.files]
    assert paths == sorted(paths)
    assert {"src/app.ts", ".env.example"} <= set(paths)
    assert [s.path for s in found.skipped] == sorted(s.path for s in found.skipped)


def test_nested_gitignore_applies_below_its_folder(tmp_path):
    _write(tmp_path, "web/.gitignore", "generated/\n")
    _write(tmp_path, "web/generated/a.ts", "x\n")
    _write(tmp_path, "generated/b.ts", "x\n")
    found = discover(tmp_path)
    assert "web/generated/" in {s.path for s in found.skipped}
    assert "generated/b.ts" in {f.path for f in found.files}


def test_stack_from_manifests(tmp_path):
    _write(tmp_path, "package.json", '{"dependencies": {"react": "18", "@supabase/supabase-js": "2", "pg": "8"},'
                                     ' "devDependencies": {"vite": "5"}}')
    _write(tmp_path, "api/requirements.txt", "fastapi==0.110\nSQLAlchemy[asyncio]>=2  # orm\n-r base.txt\n")
    _write(tmp_path, "netlify.toml", "[build]\n")
    _write(tmp_path, "Dockerfile", "FROM python:3.12\n")
    _write(tmp_path, "broken/package.json", "{not json")
    stack = discover(tmp_path).stack
    assert {"react", "supabase", "node-postgres", "vite", "fastapi", "sqlalchemy"} <= set(stack["frameworks"])
    assert stack["databases"] == ["postgresql"]
    assert {"netlify", "docker", "supabase"} <= set(stack["hosting"])
    assert stack["manifests"] == ["api/requirements.txt", "package.json"]


def test_broken_manifest_is_listed(tmp_path):
    _write(tmp_path, "package.json", "{not json")
    found = discover(tmp_path)
    assert any(s.path == "package.json" and "could not be parsed" in s.reason for s in found.skipped)


def test_missing_root_does_not_crash(tmp_path):
    found = discover(tmp_path / "nope")
    assert found.files == [] and found.skipped[0].reason == "not a directory"


@pytest.mark.parametrize("path", ["tests/test_db.py", "app/tests/conftest.py", "src/db.test.ts", "src/__tests__/a.js",
                                  "examples/demo/db.py", "pkg/api_test.py", "web/cypress/e2e/x.cy.ts"])
def test_test_and_example_code_is_not_read(path):
    assert classify(path) == "test"


def test_scripts_are_listed_and_their_queries_and_pools_not_counted(tmp_path):
    from audit.api import scan

    engine = "from sqlalchemy import create_engine, text\nengine = create_engine(URL)\n"
    loop = "for i in ids:\n    engine.execute(text('SELECT * FROM orders WHERE id = :i'), i=i)\n"
    for rel, body in {"app/db.py": engine, "server/scripts/backfill.py": engine + loop,
                      "scripts/load/k6.js": "import http from 'k6/http';\nexport default () => http.get('/');\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body)
    doc = scan(str(tmp_path))
    assert [p["path"] for p in doc["facts"]["pools"]] == ["app/db.py"]
    assert not [q for q in doc["facts"]["queries"]["items"] if "scripts/" in q["path"]]
    assert {s["path"] for s in doc["skipped"] if s["reason"].startswith("scripts (")} == {"server/scripts/", "scripts/"}
    load = next(c for a in doc["scorecard"]["areas"] for c in a["checks"] if c["check"] == "test.no-load-tests")
    assert load["status"] == "pass", "a load test in scripts/ still counts"
