"""Live database facts and checks against the real throwaway PostgreSQL (no mocks).

A scratch database is seeded with a known unused index, an invalid index, a duplicate index, an
unindexed foreign key, a sequence near its limit, a heavily seq-scanned table, a table of dead
rows, pg_stat_statements activity and a session idle in a transaction; the facts and findings
must report exactly those.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import conninfo

from audit.catalog import load_catalog, load_profile
from audit.checks import REGISTRY, load_check_modules, run_checks
from audit.discover import discover
from audit.facts import Facts, collect_facts
from audit.facts.schema import SchemaModel
from audit.live import LiveError, connect, live_facts, mask_dsn
from audit.live.connect import scrub

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(load_profile("10k"))
CANARY = "canary-Pw-7f3a9"


def _dsn(base: str, dbname: str, password: str | None = None) -> str:
    parts = conninfo.conninfo_to_dict(base)
    parts["dbname"] = dbname
    if password:
        parts["password"] = password
    return conninfo.make_conninfo(**parts)


def _url(base: str, dbname: str, password: str) -> str:
    p = conninfo.conninfo_to_dict(base)
    return f"postgresql://{p.get('user', 'postgres')}:{password}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{dbname}"


@pytest.fixture(scope="module")
def scratch(pg_dsn):
    """A fresh database seeded with known problems; yields (dsn, LiveFacts, pg_stat_statements preloaded?)."""
    name = f"sa_live_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        preloaded = "pg_stat_statements" in admin.execute("SHOW shared_preload_libraries").fetchone()[0]
    dsn = _dsn(pg_dsn, name)
    idle = None
    try:
        with psycopg.connect(dsn, autocommit=True) as c:
            if preloaded:
                c.execute("CREATE EXTENSION pg_stat_statements")
            c.execute("CREATE TABLE orgs (id bigint PRIMARY KEY)")
            c.execute("CREATE TABLE users (id bigint PRIMARY KEY, org_id bigint REFERENCES orgs (id), email text)")
            c.execute("CREATE INDEX users_email_idx ON users (email)")                      # never used
            c.execute("CREATE TABLE projects (id bigint PRIMARY KEY, org_id bigint NOT NULL REFERENCES orgs (id))")
            c.execute("CREATE INDEX projects_org_idx ON projects (org_id)")
            c.execute("INSERT INTO orgs VALUES (1), (2)")
            c.execute("INSERT INTO projects SELECT g, 1 + g % 2 FROM generate_series(1, 100) g")
            c.execute("SET enable_seqscan = off")
            c.execute("SELECT count(*) FROM projects WHERE org_id = 1")                     # uses projects_org_idx
            c.execute("RESET enable_seqscan")
            c.execute("CREATE INDEX projects_org_idx_copy ON projects (org_id)")             # duplicate, unused
            c.execute("CREATE TABLE events (id int PRIMARY KEY, code int)")
            c.execute("INSERT INTO events VALUES (1, 7), (2, 7)")
            with pytest.raises(psycopg.errors.UniqueViolation):
                c.execute("CREATE UNIQUE INDEX CONCURRENTLY events_code_key ON events (code)")  # left invalid
            c.execute("CREATE TABLE tickets (id serial PRIMARY KEY)")
            c.execute("SELECT setval('tickets_id_seq', 2000000000)")                         # 93% of integer
            c.execute("CREATE TABLE big (id int PRIMARY KEY, v int)")
            c.execute("INSERT INTO big SELECT g, g % 100 FROM generate_series(1, 20000) g")
            for _ in range(60):
                c.execute("SELECT count(*) FROM big WHERE v = 5")                            # 60 seq scans
            c.execute("CREATE TABLE churn (id int, pad text) WITH (autovacuum_enabled = false)")
            c.execute("INSERT INTO churn SELECT g, 'x' FROM generate_series(1, 20000) g")
            c.execute("DELETE FROM churn WHERE id > 5000")                                   # 15,000 dead rows
            for _ in range(2):
                c.execute("SELECT pg_sleep(0.11)")                                           # slow statement
        idle = psycopg.connect(dsn, application_name="idle-app")
        idle.execute("SELECT 1")                                                             # idle in transaction
        time.sleep(1.3)
        facts = live_facts(dsn)
        yield dsn, facts, preloaded
    finally:
        if idle is not None:
            idle.close()
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(check_id: str, facts: Facts, **thresholds):
    load_check_modules()
    spec = CATALOG.checks[check_id]
    if thresholds:
        spec = dataclasses.replace(spec, thresholds={**spec.thresholds, **thresholds})
    return REGISTRY[check_id](facts, spec)


def with_live(live) -> Facts:
    facts = Facts(schema=SchemaModel())
    facts.live = live
    return facts


# -- read-only by construction -----------------------------------------------------------------
def test_the_session_cannot_write(scratch):
    dsn, _, _ = scratch
    with connect(dsn, timeout_ms=3000) as s:
        assert s.rows("SHOW default_transaction_read_only")[0]["default_transaction_read_only"] == "on"
        assert s.rows("SHOW statement_timeout")[0]["statement_timeout"] == "3s"
        assert s.rows("SHOW lock_timeout")[0]["lock_timeout"] == "1s"
        assert s.rows("SELECT current_setting('transaction_read_only') AS ro")[0]["ro"] == "on"
        with pytest.raises(LiveError, match="not a read"):          # the helper refuses to send it
            s.rows("CREATE TABLE sneaky (id int)")
        with pytest.raises(LiveError, match="not a read"):
            s.script(["SET TRANSACTION READ WRITE", "INSERT INTO orgs VALUES (99)"])
        for write in ("CREATE TABLE sneaky (id int)", "INSERT INTO orgs VALUES (99)", "DELETE FROM orgs",
                      "SET default_transaction_read_only = off; INSERT INTO orgs VALUES (99)"):
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):  # and the server refuses it
                s.conn.execute(write)
            s.conn.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):    # a write CTE hidden in a SELECT
            s.rows("WITH gone AS (DELETE FROM orgs RETURNING id) SELECT count(*) FROM gone")
    with psycopg.connect(dsn) as c:
        assert c.execute("SELECT count(*) FROM orgs").fetchone()[0] == 2
        assert c.execute("SELECT to_regclass('sneaky')").fetchone()[0] is None


# -- the facts ---------------------------------------------------------------------------------
def test_seeded_problems_are_reported_exactly(scratch):
    _, f, preloaded = scratch
    assert f.error == "" and f.problems == []
    json.dumps(f.to_dict(), allow_nan=False)  # plain JSON: no Decimal, datetime or NaN
    assert f.session["timeouts"] == "at connect" and f.session["statement_timeout_ms"] == 5000
    assert f.server["version_num"] >= 130000 and f.server["is_replica"] is False
    assert sorted(i["index"] for i in f.indexes["unused"]) == ["projects_org_idx_copy", "users_email_idx"]
    assert [(i["table"], i["index"]) for i in f.indexes["invalid"]] == [("public.events", "events_code_key")]
    assert [(d["table"], d["indexes"]) for d in f.indexes["duplicate"]] == [
        ("public.projects", ["projects_org_idx", "projects_org_idx_copy"])]
    assert [(u["table"], u["columns"], u["references"]) for u in f.indexes["unindexed_fks"]] == [
        ("public.users", ["org_id"], "public.orgs")]
    assert f.indexes["foreign_keys"] == 2
    [seq] = [s for s in f.maintenance["sequences"] if s["sequence"] == "public.tickets_id_seq"]
    assert (seq["last_value"], seq["limit"], seq["pct_of_limit"], seq["table"], seq["column"]) == (
        2000000000, 2147483647, 93.13, "public.tickets", "id")
    big = next(t for t in f.tables["seq_scans"] if t["table"] == "public.big")
    assert big["seq_scan"] >= 60 and big["n_live_tup"] == 20000 and big["rows_per_seq_scan"] >= 19000
    churn = next(t for t in f.tables["dead_tuples"] if t["table"] == "public.churn")
    assert (churn["n_live_tup"], churn["n_dead_tup"], churn["dead_ratio"], churn["autovacuum_off"]) == (
        5000, 15000, 0.75, True)
    [idle] = [a for a in f.activity if a["application"] == "idle-app"]
    assert idle["state"] == "idle in transaction" and idle["state_s"] >= 1 and idle["query"] == "SELECT 1"
    assert f.connections["total"] >= 1 and f.connections["by_state"].get("idle in transaction") == 1
    assert f.replication == {"role": "primary", "replicas": [], "replay_delay_s": None, "slots": []}
    assert f.settings["max_connections"]["normalised"] > 0 and f.settings["work_mem"]["kind"] == "bytes"
    assert f.settings["statement_timeout"]["normalised"] == 0      # the server's, not our session's 5 s
    if preloaded:
        assert f.statements["available"] is True
        [sleep] = [q for q in f.statements["top"] if "pg_sleep" in q["query"]]
        assert sleep["calls"] == 2 and sleep["mean_ms"] >= 110 and sleep["query"] == "SELECT pg_sleep($1)"
        assert not any("scaleaudit" in q["query"] for q in f.statements["top"])  # our probes are left out
    else:
        assert f.statements["available"] is False and "not installed" in f.statements["reason"]


def test_findings_on_the_seeded_database(scratch):
    _, live, preloaded = scratch
    facts = with_live(live)

    def subjects(check_id, **th):
        out = run(check_id, facts, **th)
        return out.status, sorted(json.dumps(f.subject, sort_keys=True) for f in out.findings)

    assert subjects("live.unused-index") == ("fail", [
        '{"index": "projects_org_idx_copy", "table": "public.projects"}',
        '{"index": "users_email_idx", "table": "public.users"}'])
    out = run("live.unused-index", facts)
    assert "statistics cover only" in out.findings[0].title and "0 scans since" in out.findings[0].evidence[0].detail
    assert subjects("live.invalid-index") == ("fail", ['{"index": "events_code_key", "table": "public.events"}'])
    assert subjects("live.duplicate-index") == ("fail", [
        '{"covered_by": "projects_org_idx", "index": "projects_org_idx_copy", "table": "public.projects"}'])
    assert subjects("live.unindexed-fk") == ("fail", [
        '{"columns": ["org_id"], "references": "public.orgs", "table": "public.users"}'])
    assert subjects("live.sequence-limit") == ("fail", ['{"sequence": "public.tickets_id_seq"}'])
    assert subjects("live.seq-scan-heavy") == ("fail", ['{"table": "public.big"}'])
    assert subjects("live.dead-tuples") == ("fail", ['{"table": "public.churn"}'])
    assert subjects("live.wraparound") == ("pass", [])
    assert subjects("live.replication") == ("fail", ['{"replication": "none"}'])
    assert subjects("live.long-transactions") == ("pass", [])      # 1 s idle is under the 60 s threshold
    status, found = subjects("live.long-transactions", idle_in_transaction_s=1)
    assert status == "fail" and len(found) == 1 and '"kind": "idle_in_transaction"' in found[0]
    assert subjects("live.connection-headroom")[0] == "pass"
    assert subjects("live.connection-headroom", usage_ratio=0.0001) == ("fail", ['{"metric": "connections_in_use"}'])
    settings = subjects("live.settings")[1]
    assert '{"setting": "statement_timeout"}' in settings and '{"setting": "idle_in_transaction_session_timeout"}' in settings
    if preloaded:
        assert subjects("live.pg-stat-statements") == ("pass", [])
        status, slow = subjects("live.slow-statements")
        assert status == "fail" and len(slow) == 1
    else:
        assert subjects("live.pg-stat-statements")[0] == "fail"
        assert subjects("live.slow-statements")[0] == "undecided"


def test_pools_beyond_max_connections(scratch):
    _, live, _ = scratch
    facts = with_live(live)
    facts.capacity = {"inputs": {"per_process_connections": {"value": 20, "source": "pg pool at db.ts:12"},
                                 "processes": {"value": 8, "source": "pm2 at ecosystem.config.js:3"}}}
    max_conn = live.setting("max_connections") - live.setting("superuser_reserved_connections")
    out = run("live.connection-headroom", facts)
    assert 160 > max_conn and [f.subject for f in out.findings] == [{"metric": "pools_vs_max_connections"}]
    assert f"can open 160 connections; the server accepts {max_conn}" in out.findings[0].title


def test_every_live_check_is_not_applicable_without_a_dsn():
    facts = Facts(schema=SchemaModel())
    load_check_modules()
    ids = [c for c in CATALOG.checks if c.startswith("live.")]
    assert len(ids) == 15
    for check_id in ids:
        assert run(check_id, facts).status == "not_applicable", check_id
    for check_id in ("db.shadow-disagrees", "db.shadow-migration-failed"):
        assert run(check_id, facts).status == "not_applicable"
    assert all(CATALOG.checks[c].area == "live" for c in ids)


# -- credentials and unreachable databases ------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_password_appears_in_no_output(scratch, pg_dsn):
    dsn, _, _ = scratch
    name = conninfo.conninfo_to_dict(dsn)["dbname"]
    for secret_dsn in (_url(pg_dsn, name, CANARY), _dsn(pg_dsn, name, CANARY),
                       _url(pg_dsn, name, "p%40ss-" + CANARY)):
        live = live_facts(secret_dsn)
        assert live.error == "" and "***" in live.dsn
        facts = collect_facts(discover(ROOT / "examples" / "booking-api"), CATALOG)
        facts.live = live
        outcomes = run_checks(facts, CATALOG)
        text = json.dumps([facts.to_dict(), [f.to_dict() for o in outcomes.values() for f in o.findings],
                           [o.note for o in outcomes.values()]], default=str)
        assert CANARY not in text and "p@ss" not in text and "p%40ss" not in text
        assert any(f.evidence[0].detail.startswith(mask_dsn(secret_dsn)) for f in outcomes["live.unused-index"].findings)
    bad = f"postgresql://auditor:{CANARY}@127.0.0.1:{_closed_port()}/app"
    live = live_facts(bad, timeout_ms=2000)
    assert CANARY not in json.dumps(live.to_dict()) and CANARY not in live.error
    assert scrub(f"oops {bad} and {CANARY}", bad) == f"oops {mask_dsn(bad)} and ***"


def test_an_unreachable_database_gives_one_line_and_the_static_report_completes():
    bad = f"postgresql://auditor:{CANARY}@127.0.0.1:{_closed_port()}/app"
    started = time.monotonic()
    live = live_facts(bad, timeout_ms=2000)
    assert time.monotonic() - started < 10
    assert live.error.startswith(f"cannot connect to postgresql://auditor:***@127.0.0.1:")
    assert "\n" not in live.error and "refused" in live.error.lower()
    assert live.to_dict() == {"dsn": mask_dsn(bad), "error": live.error}
    facts = collect_facts(discover(ROOT / "examples" / "booking-api"), CATALOG)
    facts.live = live
    outcomes = run_checks(facts, CATALOG)
    assert outcomes["db.unindexed-fk"].status == "fail"               # the static checks still ran
    live_outcomes = {k: v for k, v in outcomes.items() if k.startswith("live.")}
    assert {o.status for o in live_outcomes.values()} == {"undecided"}
    assert all(o.note == live.error for o in live_outcomes.values())
    malformed = live_facts(f"postgresql://u:{CANARY}@[::1")
    assert malformed.error and CANARY not in malformed.error and "\n" not in malformed.error


@pytest.mark.parametrize("dsn, masked", [
    ("postgresql://app:s3cret@db.example:5432/prod", "postgresql://app:***@db.example:5432/prod"),
    ("postgres://app@db.example/prod", "postgres://app@db.example/prod"),
    ("postgresql://app:s3cret@h/db?sslmode=require&password=x", "postgresql://app:***@h/db?sslmode=require&password=***"),
    ("host=h user=app password=s3cret dbname=prod", "host=h user=app password=*** dbname=prod"),
    ("host=h password='a b' dbname=prod", "host=h password=*** dbname=prod"),
])
def test_mask_dsn(dsn, masked):
    assert mask_dsn(dsn) == masked


def test_generic_plans_on_the_live_database(scratch):
    """The discovered queries are EXPLAINed (never run) in the read-only session."""
    dsn, _, _ = scratch
    from audit.facts.queries import make_query
    queries = [make_query("python", "app.py", 1, "SELECT id FROM big WHERE v = %s"),
               make_query("python", "app.py", 2, "SELECT id FROM big WHERE id = :id"),
               make_query("python", "app.py", 3, "DELETE FROM users WHERE org_id = %s"),
               make_query("python", "app.py", 4, "SELECT * FROM missing_table WHERE x = 1")]
    live = live_facts(dsn, queries=queries)
    by_line = {p.line: p for p in live.plans}
    assert sorted(by_line) == [1, 2, 3]                            # the missing table is not explained
    assert by_line[1].tables["public.big"]["verdict"] == "seq"
    assert by_line[2].tables["public.big"]["verdict"] == "index"
    assert by_line[3].tables["public.users"]["verdict"] == "seq"
    with psycopg.connect(dsn) as c:                                 # nothing was deleted
        assert c.execute("SELECT count(*) FROM orgs").fetchone()[0] == 2
