"""The throwaway PostgreSQL works and the catalog query for unindexed foreign keys is right."""

import uuid

import psycopg
from psycopg import sql

# A foreign key counts as indexed when some index's leading columns are exactly its columns.
UNINDEXED_FKS = """
SELECT c.conrelid::regclass::text AS table_name, c.conname
FROM pg_constraint c
WHERE c.contype = 'f'
  AND c.connamespace = %s::regnamespace
  AND NOT EXISTS (
        SELECT 1 FROM pg_index i
        WHERE i.indrelid = c.conrelid
          AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
          AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
ORDER BY 1, 2
"""


def test_server_version_and_unindexed_fk(pg_dsn):
    schema = f"sa_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_dsn, autocommit=True, connect_timeout=10) as conn:
        version = int(conn.execute("SHOW server_version_num").fetchone()[0])
        assert version >= 130000, f"PostgreSQL >= 13 required, server is {version}"

        s = sql.Identifier(schema)
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(s))
        try:
            conn.execute(sql.SQL("SET search_path TO {}").format(s))
            conn.execute("CREATE TABLE orgs (id bigint PRIMARY KEY)")
            conn.execute("CREATE TABLE users (id bigint PRIMARY KEY,"
                         " org_id bigint NOT NULL REFERENCES orgs (id))")
            conn.execute("CREATE TABLE projects (id bigint PRIMARY KEY,"
                         " org_id bigint NOT NULL REFERENCES orgs (id))")
            conn.execute("CREATE INDEX projects_org_id_idx ON projects (org_id)")

            rows = conn.execute(UNINDEXED_FKS, (schema,)).fetchall()
            assert rows == [("users", "users_org_id_fkey")]
        finally:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(s))
