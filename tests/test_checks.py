"""Checks on small schemas and on the examples whose weaknesses are known line by line."""

from pathlib import Path

import pytest

from audit.api import scan
from audit.checks.database import serves
from audit.facts.schema import Index

ROOT = Path(__file__).resolve().parent.parent


def idx(cols, method="btree", partial=False):
    return Index("i", "public.t", cols, "m.sql", 1, method=method, partial=partial)


@pytest.mark.parametrize("index, fk, ok", [
    (idx(["a"]), ["a"], True),
    (idx(["a", "b"]), ["a"], True),          # leading column
    (idx(["b", "a"]), ["a"], False),         # second column does not serve
    (idx(["b", "a"]), ["a", "b"], True),     # any order for a multi-column FK
    (idx(["a", "c", "b"]), ["a", "b"], False),
    (idx(["a"], partial=True), ["a"], True),  # partial indexes count
    (idx(["a"], method="gin"), ["a"], False),
    (idx(["a"], method="hash"), ["a"], True),
    (idx(["lower(a)"]), ["a"], False),
])
def test_index_serves_fk(index, fk, ok):
    assert serves(index, fk) is ok


def unindexed(example, profile="10k"):
    doc = scan(str(ROOT / "examples" / example), profile)
    return sorted((f["subject"]["table"], tuple(f["subject"]["columns"]), f["evidence"][0]["path"],
                   f["evidence"][0]["line"]) for f in doc["findings"] if f["check"] == "db.unindexed-fk")


def test_truststream_unindexed_fks_match_the_catalog_of_the_real_database():
    m = "supabase/migrations/"
    assert unindexed("truststream") == [
        ("public.communities", ("created_by",), m + "20250101120000_init.sql", 18),
        ("public.community_members", ("community_id",), m + "20250101120000_init.sql", 26),
        ("public.notifications", ("content_id",), m + "20250115140000_notifications.sql", 4),
    ]


def test_booking_api_ignores_indexes_outside_migrations():
    m = "backend/db/migrations/"
    assert unindexed("booking-api") == [
        ("public.bookings", ("student_id",), m + "002_bookings.sql", 6),
        ("public.reviews", ("student_id",), m + "002_bookings.sql", 16),
        ("public.reviews", ("teacher_id",), m + "002_bookings.sql", 15),
    ]


def test_capsule_api_composite_second_column_is_unindexed():
    assert [(t, c) for t, c, _, _ in unindexed("capsule-api")] == [
        ("public.connections", ("connected_user_id",)), ("public.recipients", ("capsule_id",))]


def pools(example):
    return scan(str(ROOT / "examples" / example))


def test_capsule_api_default_sqlalchemy_pool_is_15():
    doc = pools("capsule-api")
    [pool] = doc["facts"]["pools"]
    assert (pool["library"], pool["path"], pool["line"]) == ("sqlalchemy", "backend/app/db/base.py", 8)
    assert pool["effective"]["max_connections"] == 15
    [f] = [f for f in doc["findings"] if f["check"] == "pool.default-size"]
    assert "15 connections" in f["title"] and f["evidence"][0]["line"] == 8


def test_booking_api_pool_max_20_through_a_config_constant():
    doc = pools("booking-api")
    [pool] = doc["facts"]["pools"]
    assert pool["settings"]["max"] == 20 and pool["line"] == 12
    checks = {f["check"] for f in doc["findings"]}
    assert "pool.no-acquire-timeout" in checks and "pool.default-size" not in checks


def pool_outcomes(tmp_path, files):
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    doc = scan(str(tmp_path))
    return {c["check"]: c["status"] for a in doc["scorecard"]["areas"] for c in a["checks"]}, doc


def test_statement_timeout_from_pool_or_database(tmp_path):
    node = "import { Pool } from 'pg';\nexport const pool = new Pool({ max: 5, statement_timeout: 5000 });\n"
    status, _ = pool_outcomes(tmp_path, {"src/db.ts": node})
    assert status["pool.no-statement-timeout"] == "pass"
    py = "from sqlalchemy import create_engine\ne = create_engine(URL, pool_size=5, pool_recycle=300)\n"
    status, doc = pool_outcomes(tmp_path, {"src/db.ts": "export {}\n", "app/db.py": py})
    assert status["pool.no-statement-timeout"] == "fail" and status["pool.no-pre-ping"] == "pass"
    status, _ = pool_outcomes(tmp_path, {"db/migrations/001.sql": "alter role app set statement_timeout = '5s';"})
    assert status["pool.no-statement-timeout"] == "pass"


def test_pre_ping_missing(tmp_path):
    status, doc = pool_outcomes(tmp_path, {"app/db.py": "import sqlalchemy\ne = sqlalchemy.create_engine(URL)\n"})
    assert status["pool.no-pre-ping"] == "fail"
    assert status["pool.default-size"] == "fail"
