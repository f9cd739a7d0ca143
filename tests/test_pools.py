"""Pool facts: settings as written, library defaults applied, environment indirections named."""

import pytest

from audit.catalog import load_catalog, load_profile
from audit.facts.pools import python_pools
from audit.facts.pools_js import js_pools

DEFAULTS = load_catalog(load_profile("10k")).defaults


def py(src):
    return python_pools("app/db.py", src, DEFAULTS)


def js(src, path="src/db.ts"):
    return js_pools(path, src, DEFAULTS)


@pytest.mark.parametrize("src, settings, max_conn, defaults_used", [
    ("from sqlalchemy.ext.asyncio import create_async_engine\n"
     "engine = create_async_engine(settings.database_url, pool_pre_ping=True)",
     {"pool_pre_ping": True}, 15, ["max_overflow", "pool_size", "pool_timeout"]),
    ("import sqlalchemy as sa\nengine = sa.create_engine(URL, pool_size=20, max_overflow=30, pool_timeout=5)",
     {"pool_size": 20, "max_overflow": 30, "pool_timeout": 5}, 50, []),
    ("import os\nfrom sqlalchemy import create_engine\n"
     "e = create_engine(URL, pool_size=int(os.getenv('POOL_SIZE', '8')), max_overflow=0)",
     {"pool_size": {"env": "POOL_SIZE", "default": 8}, "max_overflow": 0}, 8, ["pool_timeout"]),
    ("from sqlalchemy import create_engine\nfrom sqlalchemy.pool import NullPool\n"
     "e = create_engine(URL, poolclass=NullPool)", {"poolclass": "NullPool"}, None, []),
    ("import asyncpg\npool = await asyncpg.create_pool(dsn)", {}, 10, ["max_size", "min_size"]),
    ("from psycopg_pool import ConnectionPool\npool = ConnectionPool(conninfo, min_size=2)",
     {"min_size": 2}, 2, ["max_size"]),
])
def test_python_pools(src, settings, max_conn, defaults_used):
    [pool] = py(src)
    assert pool.settings == settings
    assert pool.effective["max_connections"] == max_conn
    assert pool.effective["defaults_used"] == defaults_used
    assert pool.line == src.count("\n", 0, src.index("(", src.rindex("= ") )) + 1


def test_python_without_pool_libraries_is_ignored():
    assert py("def create_engine(): pass\ncreate_engine()") == []


def test_python_syntax_error_raises_for_the_caller():
    with pytest.raises(SyntaxError):
        py("import sqlalchemy\ndef broken(:\n")


@pytest.mark.parametrize("src, settings, max_conn, timeout", [
    ("import { Pool } from 'pg';\nexport const pool = new Pool({ max: 20, idleTimeoutMillis: 30000 });",
     {"max": 20, "idleTimeoutMillis": 30000}, 20, 0),
    ("const { Pool } = require(\"pg\");\nconst pool = new Pool();", {}, 10, 0),
    ("import pg from 'pg';\nconst pool = new pg.Pool({ connectionString: process.env.DATABASE_URL,\n"
     "  max: Number(process.env.PG_MAX) || 15, connectionTimeoutMillis: 5_000 });",
     {"connectionString": "env:DATABASE_URL", "max": {"env": "PG_MAX", "default": 15},
      "connectionTimeoutMillis": 5000}, 15, 5000),
    ("import { Pool, PoolConfig } from 'pg';\nconst cfg: PoolConfig = { max: parseInt(process.env.MAX ?? '25', 10) };\n"
     "export const pool = new Pool(cfg);", {"max": {"env": "MAX", "default": 25}}, 25, 0),
    ("import { Pool } from 'pg';\nconst pool = new Pool({ connectionString: 'postgres://u:secret@h/db' });",
     {"connectionString": "literal (hidden)"}, 10, 0),
])
def test_node_postgres_pools(src, settings, max_conn, timeout):
    [pool] = js(src)
    assert pool.library == "node-postgres"
    assert pool.settings == settings
    assert pool.effective["max_connections"] == max_conn
    assert pool.effective["connectionTimeoutMillis"] == timeout
    assert "secret" not in repr(pool.to_dict())


def test_node_pool_line_and_other_pools_ignored():
    src = "import { Pool } from 'pg';\nimport { Pool as Workers } from 'workerpool';\n\n\nconst p = new Pool({ max: 5 });"
    [pool] = js(src, "server.js")
    assert pool.line == 5
    assert js("import { Pool } from 'generic-pool';\nnew Pool({ max: 1 })") == []


@pytest.mark.parametrize("path, src, library, max_conn, used", [
    ("src/db.ts", "import postgres from 'postgres';\nexport const sql = postgres(process.env.DATABASE_URL!, { max: 4 });",
     "postgres.js", 4, ["connect_timeout", "idle_timeout"]),
    ("src/db.ts", "import postgres from 'postgres';\nconst sql = postgres(url);", "postgres.js", 10,
     ["connect_timeout", "idle_timeout", "max"]),
    ("knexfile.js", "module.exports = { development: { client: 'pg', connection: 'postgres://u:pw@h/d' },\n"
     "  production: { client: 'postgresql', connection: process.env.DATABASE_URL, pool: { min: 2, max: 30 } } };",
     "knex", None, None),
    ("src/models/index.js", "const { Sequelize } = require('sequelize');\n"
     "const db = new Sequelize(process.env.DB_URL, { dialect: 'postgres', pool: { max: 15, acquire: 30000 } });",
     "sequelize", 15, ["pool.idle", "pool.min"]),
    ("src/data-source.ts", "import { DataSource } from 'typeorm';\n"
     "export const ds = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, extra: { max: 25 } });",
     "typeorm", 25, []),
])
def test_other_js_pools(path, src, library, max_conn, used):
    pools = js(src, path)
    assert {p.library for p in pools} == {library}
    assert "pw@" not in repr([p.to_dict() for p in pools])
    if max_conn is None:  # knexfile: one pool per environment
        assert [p.effective["max_connections"] for p in pools] == [10, 30]
    else:
        [pool] = pools
        assert pool.effective["max_connections"] == max_conn and pool.effective["defaults_used"] == used


def test_python_constants_and_settings_fields_resolve():
    from audit.facts.pools import python_constants
    consts = python_constants("import os\nMAX_POOL = int(os.getenv('SUPABASE_MAX_POOL_SIZE', '12'))\nMIN_POOL = 2\n"
                              "class Settings(BaseSettings):\n    db_pool_size: int = 7\n    name: str = 'x'\n")
    assert consts == {"MAX_POOL": {"env": "SUPABASE_MAX_POOL_SIZE", "default": 12}, "MIN_POOL": 2,
                      ".db_pool_size": {"env": "DB_POOL_SIZE", "default": 7}}
    [p] = python_pools("app/db.py", "from psycopg_pool import ConnectionPool\nfrom app.core.config import MIN_POOL, MAX_POOL\n"
                       "pool = ConnectionPool(dsn, min_size=MIN_POOL, max_size=MAX_POOL)", DEFAULTS,
                       {"src/app/core/config.py": consts})
    assert p.settings == {"min_size": 2, "max_size": {"env": "SUPABASE_MAX_POOL_SIZE", "default": 12}}
    assert p.effective["max_connections"] == 12
    [e] = python_pools("app/db.py", "import sqlalchemy\nfrom app.core.config import settings\nN = 3\n"
                       "e = sqlalchemy.create_engine(u, pool_size=settings.db_pool_size, max_overflow=N * 2 - 1)",
                       DEFAULTS, {"app/core/config.py": consts})
    assert e.effective["max_connections"] == 12


def test_django_databases():
    src = ("DATABASES = {\n  'default': {'ENGINE': 'django.db.backends.postgresql', 'CONN_MAX_AGE': 60},\n"
           "  'replica': {'ENGINE': 'django.db.backends.postgresql', 'OPTIONS': {'pool': {'min_size': 2, 'max_size': 8}}},\n"
           "  'cache': {'ENGINE': 'django.db.backends.sqlite3'},\n}\n")
    a, b = python_pools("proj/settings.py", src, DEFAULTS)
    assert (a.library, a.line, a.settings, a.effective["max_connections"]) == (
        "django", 2, {"alias": "default", "CONN_MAX_AGE": 60}, 1)
    assert b.settings["pool"] == {"min_size": 2, "max_size": 8} and b.effective["max_connections"] == 8


def test_prisma_connection_limit_from_env():
    from audit.facts.pools import prisma_pool
    schema = 'generator client {\n provider = "prisma-client-js"\n}\n\ndatasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'
    env = {"DATABASE_URL": {"value": "postgresql://u:***@h:6543/db?pgbouncer=true&connection_limit=3"}}
    p = prisma_pool("prisma/schema.prisma", schema, env, DEFAULTS)
    assert p.line == 5 and p.settings == {"url": "env:DATABASE_URL", "connection_limit": 3, "pgbouncer": "true"}
    assert p.effective["max_connections"] == 3
    assert prisma_pool("prisma/schema.prisma", schema, {}, DEFAULTS).effective["max_connections"] == 5
