"""The JSON contract: schema-valid, deterministic, and the CLI's exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from audit.api import document_json, scan
from audit.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())
SCHEMA = json.loads((ROOT / "docs" / "contract.schema.json").read_text())
TOP_KEYS = {"schema_version", "tool", "target", "profile", "stack", "facts", "skipped", "findings", "scorecard"}


def cli_json(*args):
    out = subprocess.run([sys.executable, "-m", "audit", "scan", *args, "--format", "json"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return out.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate_and_are_byte_identical(example):
    first, second = cli_json(str(example)), cli_json(str(example))
    doc = json.loads(first)
    jsonschema.validate(doc, SCHEMA)
    assert set(doc) == TOP_KEYS
    strip = lambda s: "\n".join(l for l in s.splitlines() if '"generated_at"' not in l)  # noqa: E731
    assert strip(first) == strip(second)
    assert first == document_json(doc), "keys sorted, canonical form"


def test_bad_input_repo_is_audited_without_crash(tmp_path):
    mig = tmp_path / "supabase" / "migrations"
    mig.mkdir(parents=True)
    (mig / "001_ok.sql").write_text("create table a (id int primary key);\ncreate table b (a_id int references a);")
    (mig / "002_broken.sql").write_text("create table (;\nselect from where;\n")
    (mig / "003_binary.sql").write_bytes(b"\x00\xff\xfe binary")
    (mig / "004_latin1.sql").write_bytes("comment on table a is 'caf\xe9';".encode("latin-1"))
    with open(tmp_path / "dump.sql", "wb") as f:
        f.truncate(50 * 1024 * 1024)
    (tmp_path / "loop").symlink_to(tmp_path)
    (tmp_path / "api.py").write_text("import sqlalchemy\ndef broken(:\n")
    doc = scan(str(tmp_path))
    jsonschema.validate(doc, SCHEMA)
    reasons = {s["path"]: s["reason"] for s in doc["skipped"]}
    assert reasons["supabase/migrations/003_binary.sql"] == "binary content"
    assert reasons["supabase/migrations/004_latin1.sql"].startswith("not UTF-8")
    assert "size cap" in reasons["dump.sql"]
    assert reasons["loop/"].startswith("symbolic link")
    assert "could not be parsed" in reasons["api.py"]
    assert doc["facts"]["schema"]["statements"]["unparsed"] == 2
    assert {f["check"] for f in doc["findings"] if f["area"] == "database"} == {"db.unindexed-fk", "db.missing-pk"}


def test_empty_repo_scores_nothing_rather_than_zero(tmp_path):
    doc = scan(str(tmp_path))
    jsonschema.validate(doc, SCHEMA)
    assert doc["scorecard"]["overall"] is None and doc["scorecard"]["grade"] == "n/a"
    assert doc["scorecard"]["coverage"] == 0.0
    assert doc["findings"] == []
    assert all(c["status"] == "not_applicable" for a in doc["scorecard"]["areas"] for c in a["checks"])


def test_exit_codes(tmp_path, capsys):
    booking = str(ROOT / "examples" / "booking-api")
    assert main(["scan", booking, "--format", "json", "-o", str(tmp_path / "o.json")]) == 0
    assert json.loads((tmp_path / "o.json").read_text())["schema_version"] == 1
    assert main(["scan", booking, "--fail-on", "high"]) == 1
    assert main(["scan", booking, "--fail-under", "99"]) == 1
    assert main(["scan", booking, "--fail-under", "1"]) == 0
    assert main(["scan", str(tmp_path / "missing")]) == 2
    assert main(["scan", str(tmp_path), "--fail-under", "50"]) == 0, "nothing decided: no score to gate on"
    with pytest.raises(SystemExit) as exc:
        main(["scan", booking, "--profile", "2m"])
    assert exc.value.code == 2


def test_profiles_change_severity_and_custom_users(tmp_path):
    capsule = str(ROOT / "examples" / "capsule-api")
    sev = {p: {f["check"]: f["severity"] for f in scan(capsule, p)["findings"]} for p in ("500", "1m")}
    assert sev["500"]["pool.default-size"] == "low" and sev["1m"]["pool.default-size"] == "high"
    custom = scan(capsule, concurrent_users=50_000)
    assert custom["profile"]["name"] == "custom" and custom["profile"]["concurrent_users"] == 50_000
    assert custom["profile"]["base"] == "1m"
