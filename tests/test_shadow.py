"""The shadow database: migrations applied to a real throwaway PostgreSQL, catalog vs static model.

One test starts its own server through shadow_facts(server=None) (the path a user gets); the
others create their shadow databases in the session's test server (pg_dsn).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.api import scan
from audit.catalog import load_catalog, load_profile
from audit.checks import REGISTRY, load_check_modules
from audit.checks.live import static_filter_findings
from audit.discover import SourceFile, discover
from audit.facts import Facts, collect_facts
from audit.facts.queries import make_query
from audit.facts.schema import build_schema
from audit.live import shadow as shadow_mod
from audit.live.server import ServerUnavailable
from audit.live.shadow import compare, shadow_facts

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(load_profile("10k"))


def run(check_id: str, facts: Facts):
    load_check_modules()
    return REGISTRY[check_id](facts, CATALOG.checks[check_id])


def example(name: str):
    found = discover(ROOT / "examples" / name)
    facts = collect_facts(found, CATALOG)
    return found.of_kind("migration_sql") or found.of_kind("schema_sql"), facts


def static_unindexed(name: str) -> list[tuple[str, tuple[str, ...]]]:
    doc = scan(str(ROOT / "examples" / name))
    return sorted((f["subject"]["table"], tuple(f["subject"]["columns"]))
                  for f in doc["findings"] if f["check"] == "db.unindexed-fk")


def test_truststream_on_its_own_throwaway_server():
    files, facts = example("truststream")
    sh = shadow_facts(files, queries=facts.queries, findings=static_filter_findings(facts))
    assert sh.workdir and not Path(sh.workdir).exists(), "the server's folder must be deleted"
    assert sh.server["migrator"] == "postgres"  # an ordinary role here, as on Supabase
    assert sh.error == "" and sh.server["kind"] in ("local", "embedded") and sh.supabase_stubs
    assert sh.statements == {"total": 51, "applied": 51, "failed": 0, "skipped": 0} and sh.failures == []
    assert sh.migrations == facts.schema.migrations
    assert sorted((f["table"], tuple(f["columns"])) for f in sh.unindexed_fks) == static_unindexed("truststream")
    assert sh.duplicate_indexes == []
    assert compare(facts.schema, sh) == []
    assert sh.catalog["publications"] == {"supabase_realtime": ["public.content", "public.notifications"]}
    assert {(p["table"], p["outcome"]) for p in sh.planner} == {
        ("public.communities", "confirmed"), ("public.community_members", "confirmed")}
    members = next(p for p in sh.planner if p["table"] == "public.community_members")
    assert members["queries"][0]["verdict"] == "non-leading"  # (user_id, community_id) read whole for community_id
    if sh.hypopg:
        trial = next(h for h in sh.hypothetical if h["table"] == "public.communities")
        [q] = trial["queries"]
        assert q["index_usable"] and q["cost_after"] < q["cost_before"]
    facts.shadow = sh
    assert run("db.shadow-migration-failed", facts).status == "pass"
    out = run("db.shadow-disagrees", facts)
    assert out.status == "pass" and "confirmed 2 of 2" in out.note
    doc = json.loads(json.dumps(sh.to_dict(), allow_nan=False))
    assert doc["statements"]["apply_rate"] == 1.0 and "seconds" not in doc and "workdir" not in doc
    model = facts.schema
    assert doc["catalog"] == {"foreign_keys": len(model.foreign_keys), "indexes": len(model.indexes),
                              "policies": len(model.policies), "publications": 1, "tables": len(model.tables)}


def test_booking_api_agrees_with_the_static_model(pg_dsn):
    files, facts = example("booking-api")
    sh = shadow_facts(files, queries=facts.queries, findings=static_filter_findings(facts), server=pg_dsn)
    assert sh.error == "" and not sh.supabase_stubs
    assert sh.statements["failed"] == 0 and sh.statements["applied"] == sh.statements["total"] == 9
    assert sorted((f["table"], tuple(f["columns"])) for f in sh.unindexed_fks) == static_unindexed("booking-api")
    assert compare(facts.schema, sh) == []
    assert [p["outcome"] for p in sh.planner] == ["confirmed"] * 5
    assert all(p.error == "" for p in sh.plans) and len(sh.plans) == 17


def _files(tmp_path: Path, files: dict[str, str]) -> list[SourceFile]:
    out = []
    for name, text in files.items():
        p = tmp_path / "db" / "migrations" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        out.append(SourceFile(f"db/migrations/{name}", "migration_sql", len(text), text))
    return out


def test_a_broken_migration_is_reported_with_its_path_and_line(pg_dsn, tmp_path):
    files = _files(tmp_path, {
        "001_init.sql": "CREATE TABLE a (id int PRIMARY KEY);\n",
        "002_broken.sql": ("-- adds b\n"
                           "CREATE TABLE b (\n"
                           "  id int PRIMARY KEY,\n"
                           "  a_id int REFERENCES a (id),\n"
                           "  kind no_such_type\n"
                           ");\n"
                           "CREATE INDEX b_a_id_idx ON b (a_id);\n"
                           "BEGIN;\n"
                           "CREATE TABLE c (id int PRIMARY KEY);\n"
                           "COMMIT;\n"),
    })
    sh = shadow_facts([tmp_path / f.path for f in files], root=tmp_path, server=pg_dsn)
    assert sh.statements == {"total": 6, "applied": 2, "failed": 2, "skipped": 2}
    assert [(f["path"], f["line"], f["error_line"], f["error"]) for f in sh.failures] == [
        ("db/migrations/002_broken.sql", 2, 5, 'type "no_such_type" does not exist'),
        ("db/migrations/002_broken.sql", 7, 7, 'relation "b" does not exist'),
    ]
    assert sh.failures[0]["sqlstate"] == "42704" and sh.failures[0]["end_line"] == 6
    assert sh.failures[1]["cause"] == "follows the failure at db/migrations/002_broken.sql:2"
    facts = Facts(schema=build_schema(files))
    facts.shadow = sh
    out = run("db.shadow-migration-failed", facts)
    [finding] = out.findings
    assert finding.subject == {"path": "db/migrations/002_broken.sql"}
    assert [(e.path, e.line) for e in finding.evidence] == [("db/migrations/002_broken.sql", 5),
                                                           ("db/migrations/002_broken.sql", 7)]
    assert finding.evidence[0].detail.startswith('type "no_such_type" does not exist: CREATE TABLE b (')
    assert "1 at the root" in finding.title
    # b is in the static model but not the catalog: a failure, not a misreading, so no disagreement
    assert compare(facts.schema, sh) == []


def test_disagreements_and_planner_refutations(pg_dsn, tmp_path):
    """An index created through EXECUTE in a DO block is invisible to the static model."""
    files = _files(tmp_path, {"001.sql": (
        "CREATE TABLE a (id int PRIMARY KEY);\n"
        "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id), note text);\n"
        "DO $$ BEGIN EXECUTE 'CREATE INDEX b_a_id_idx ON b (a_id)'; END $$;\n"
        "CREATE INDEX b_note_1 ON b (note);\n"
        "CREATE INDEX b_note_2 ON b (note);\n")})
    facts = Facts(schema=build_schema(files),
                  queries=[make_query("sql-file", "queries.sql", 3, "SELECT id FROM b WHERE a_id = $1")])
    findings = static_filter_findings(facts)
    assert [f.subject for f in findings] == [{"table": "public.b", "columns": ["a_id"]}]
    sh = shadow_facts(files, queries=facts.queries, findings=findings, server=pg_dsn)
    assert sh.failures == []
    assert [(d["kind"], d["static"], d["catalog"]) for d in compare(facts.schema, sh)] == [
        ("index", "missing", "exists"), ("unindexed_fk", "unindexed", "indexed")]
    assert [(d["table"], d["indexes"]) for d in sh.duplicate_indexes] == [("public.b", ["b_note_1", "b_note_2"])]
    [p] = sh.planner
    assert p["outcome"] == "refuted" and p["queries"][0]["index"] == "b_a_id_idx"
    facts.shadow = sh
    out = run("db.shadow-disagrees", facts)
    assert sorted(f.subject["kind"] for f in out.findings) == ["index", "planner", "unindexed_fk"]
    planner = next(f for f in out.findings if f.subject["kind"] == "planner")
    assert (planner.evidence[0].path, planner.evidence[0].line) == ("queries.sql", 3)
    assert "b_a_id_idx" in planner.evidence[0].detail


def test_no_server_is_a_clear_error_not_a_crash(monkeypatch, tmp_path):
    def unavailable(*a, **k):
        raise ServerUnavailable("local: no initdb/pg_ctl found; embedded: not installed")
    monkeypatch.setattr(shadow_mod, "start", unavailable)
    files = _files(tmp_path, {"001.sql": "CREATE TABLE a (id int PRIMARY KEY);\n"})
    sh = shadow_facts(files)
    assert sh.error.startswith("no shadow database: local: no initdb")
    facts = Facts(schema=build_schema(files))
    facts.shadow = sh
    assert run("db.shadow-migration-failed", facts).status == "undecided"
    assert run("db.shadow-disagrees", facts).status == "undecided"
    assert compare(facts.schema, sh) == []


@pytest.mark.parametrize("sql, expected", [
    ("UPDATE notifications SET updated = $1 WHERE user_id = $1 AND read_at IS $1",
     "SELECT 1 FROM notifications WHERE user_id = $1 AND read_at IS NULL"),
    ("DELETE FROM t WHERE a = %s", "SELECT 1 FROM t WHERE a = $1"),
    ("SELECT * FROM t WHERE a = :a AND b = :b", "SELECT * FROM t WHERE a = $1 AND b = $2"),
])
def test_queries_are_made_plannable(sql, expected):
    from audit.live.plans import plannable
    assert plannable(sql) == expected


def test_renumber_gives_each_placeholder_its_own_number():
    from audit.live.plans import renumber
    assert renumber("SELECT 1 FROM t WHERE a = $1 AND b = $1 LIMIT $2") == (
        "SELECT 1 FROM t WHERE a = $1 AND b = $2 LIMIT $3", 3)


def test_server_dsn_for_another_database():
    from audit.live.server import Server
    s = Server("postgresql://postgres@127.0.0.1:5/postgres", "external")
    assert "dbname=other" in s.dsn_for("other") and "port=5" in s.dsn_for("other")
    s.stop()  # an external server is never stopped by us: a no-op


def test_the_audited_sql_cannot_reach_the_machine(pg_dsn, tmp_path):
    """Migrations run as a non-superuser: no COPY TO PROGRAM, no server files."""
    marker = tmp_path / "pwned"
    files = _files(tmp_path, {"001.sql": (
        "CREATE TABLE a (id int PRIMARY KEY);\n"
        f"COPY (SELECT 1) TO PROGRAM 'touch {marker}';\n"
        "SELECT pg_read_file('/etc/hostname');\n")})
    sh = shadow_facts(files, server=pg_dsn, supabase=True)
    assert not marker.exists()
    assert sh.server["migrator"] == "scaleaudit_migrator"  # pg_dsn's postgres is the superuser
    assert [(f["line"], f["sqlstate"], f["environment"]) for f in sh.failures] == [
        (2, "42501", True), (3, "42501", True)]
    facts = Facts(schema=build_schema(files))
    facts.shadow = sh
    out = run("db.shadow-migration-failed", facts)
    assert out.status == "pass" and "2 statement(s) not counted" in out.note
