"""The capacity model against hand computations, and the pool/scaling checks built on it."""

from pathlib import Path

import pytest

from audit.api import scan
from audit.capacity import CapacityInputs, Input, estimate, per_user_connections

ROOT = Path(__file__).resolve().parent.parent
A = {"active_share": 0.3, "requests_per_active_user_per_minute": 10, "connection_hold_ms_per_request": 50,
     "peak_factor": 3}


def test_littles_law_by_hand():
    # 10,000 users x 0.3 active x 10 req/min / 60 = 500 req/s; x 0.05 s held = 25 busy; x 3 at peak = 75
    assert per_user_connections(A) == pytest.approx(0.0075)
    r = estimate(CapacityInputs(10_000, A, Input(20, "pool"), Input(1, "one process"), Input(100, "server")))
    assert r["requests_per_second"] == 500.0 and r["connections_needed"] == 75
    assert r["connections_usable"] == 20 and r["bottleneck"] == "application pools"
    assert r["users_supported"] == int(20 / 0.0075) == 2666
    rows = {row["metric"]: row for row in r["table"]}
    assert rows["concurrent users"]["scale_factor"] == 3.8
    assert rows["server max_connections"]["required"] == 78  # 75 + 3 reserved


def test_server_is_the_bottleneck_when_processes_multiply():
    r = estimate(CapacityInputs(10_000, A, Input(20, "pool"), Input(8, "workers"), Input(100, "server")))
    assert r["connections_usable"] == 97 and r["bottleneck"] == "server max_connections"
    assert r["users_supported"] == int(97 / 0.0075)


def test_sensitivity_doubles_each_assumption():
    r = estimate(CapacityInputs(10_000, A, Input(20, "pool"), Input(1, "p"), Input(100, "s")))
    by = {s["assumption"]: s for s in r["sensitivity"]}
    assert set(by) == set(A)
    assert all(s["users_supported"] == 1333 and s["connections_needed"] == 150 for s in by.values())


def test_unknown_limits_give_no_number():
    r = estimate(CapacityInputs(500, A, Input(None, "none"), Input(1, "p"), Input(None, "none")))
    assert r["users_supported"] is None and r["bottleneck"] is None


def findings(example, profile):
    doc = scan(str(ROOT / "examples" / example), profile)
    return doc, {f["check"]: f for f in doc["findings"]}


def test_booking_api_falls_far_short_of_10k():
    doc, by = findings("booking-api", "10k")
    cap = doc["scorecard"]["capacity"]
    assert cap["users_supported"] == 2666 and cap["inputs"]["server_max_connections"]["value"] == 100
    assert "backend/src/config/database.ts:12" in cap["inputs"]["per_process_connections"]["source"]
    f = by["pool.too-small-for-target"]
    assert f["severity"] == "high" and f["evidence"][0]["path"] == "backend/src/config/database.ts"
    single = [f["evidence"][0]["path"] for f in doc["findings"] if f["check"] == "scale.single-process"]
    assert single == ["backend/Dockerfile", "frontend/Dockerfile"]


def test_capsule_api_15_connections_per_process_at_1m():
    doc, by = findings("capsule-api", "1m")
    cap = doc["scorecard"]["capacity"]
    assert cap["inputs"]["per_process_connections"]["value"] == 15 and cap["connections_needed"] == 7500
    assert by["pool.too-small-for-target"]["severity"] == "critical"
    assert by["scale.single-process"]["severity"] == "critical"


def test_env_indirection_is_resolved_from_env_example(tmp_path):
    (tmp_path / "db.js").write_text("const { Pool } = require('pg');\n"
                                    "module.exports = new Pool({ max: Number(process.env.PG_POOL_MAX) || 10 });\n")
    (tmp_path / ".env.example").write_text("PG_POOL_MAX=40\n")
    doc = scan(str(tmp_path))
    [pool] = doc["facts"]["pools"]
    assert pool["settings"]["max"] == {"env": "PG_POOL_MAX", "default": 10}
    assert pool["effective"]["max_connections"] == 40
    assert pool["effective"]["env_resolved"]["max"].startswith("PG_POOL_MAX=40 (.env.example:1)")


WRAPPED = {  # polar's shape: the app calls its own create_async_engine, which passes a parameter on
    "app/kit/db.py": "from sqlalchemy.ext.asyncio import create_async_engine as _create\n"
                     "def create_async_engine(dsn, pool_size=None):\n"
                     "    return _create(dsn, pool_size=pool_size, pool_pre_ping=True)\n",
    "app/main.py": "from sqlalchemy import text\nfrom app.kit.db import create_async_engine\n"
                   "engine = create_async_engine(settings.dsn, pool_size=settings.POOL_SIZE)\n",
}


@pytest.mark.parametrize("profile, status", [("10k", "undecided"), ("1m", "fail")])
def test_a_pool_of_unknown_size_bounds_the_estimate_without_inventing_it(tmp_path, profile, status):
    for rel, text in WRAPPED.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    doc = scan(str(tmp_path), profile)
    assert [(p["path"], p["line"]) for p in doc["facts"]["pools"]] == [("app/kit/db.py", 3)], "the wrapper is not SQLAlchemy"
    cap = doc["scorecard"]["capacity"]
    assert cap["users_supported"] is None
    # the profile's assumed server limit (200 at 10k, 500 at 1m) less 3 reserved, at 0.0075 connections per user
    assert cap["users_supported_at_most"] == {"10k": 26266, "1m": 66266}[profile]
    row = next(c for a in doc["scorecard"]["areas"] for c in a["checks"] if c["check"] == "pool.too-small-for-target")
    assert row["status"] == status
    if status == "undecided":
        assert "sized by code the audit cannot evaluate (sqlalchemy at app/kit/db.py:3)" in row["note"]
