"""SARIF (validated against the 2.1.0 schema), Markdown, baseline comparison and the roadmap."""

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import jsonschema
import pytest

from audit.api import scan
from audit.cli import main, render
from audit.sarif import to_sarif

ROOT = Path(__file__).resolve().parent.parent
SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"  # ships the SARIF 2.1.0 JSON schema (MIT)


@pytest.fixture(scope="module")
def sarif_schema(tmp_path_factory):
    """The official SARIF 2.1.0 schema, taken from an npm package (the registry is reachable in CI)."""
    if not shutil.which("npm"):
        pytest.skip("npm is not installed: cannot fetch the SARIF schema")
    where = tmp_path_factory.mktemp("sarif")
    out = subprocess.run(["npm", "pack", SARIF_PACKAGE, "--silent"], cwd=where, capture_output=True, text=True,
                         timeout=180)
    if out.returncode != 0:
        pytest.skip(f"npm pack {SARIF_PACKAGE} failed: {out.stderr.strip()[:200]}")
    with tarfile.open(where / out.stdout.strip().splitlines()[-1]) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("sarif-2.1.0-rtm.5.json"))
        return json.load(tar.extractfile(member))


@pytest.fixture(scope="module")
def booking():
    return scan(str(ROOT / "examples" / "booking-api"), "10k")


def test_sarif_validates_and_points_at_files(booking, sarif_schema):
    log = to_sarif(booking)
    jsonschema.validate(log, sarif_schema)
    run = log["runs"][0]
    assert len(run["results"]) == len(booking["findings"])
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == sorted(rules) and "pool.too-small-for-target" in rules
    pool = next(r for r in run["results"] if r["ruleId"] == "pool.too-small-for-target")
    loc = pool["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "backend/src/config/database.ts" and loc["region"]["startLine"] == 12
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_sarif_of_an_empty_repo_is_valid(tmp_path, sarif_schema):
    jsonschema.validate(to_sarif(scan(str(tmp_path))), sarif_schema)


def test_markdown_summary(booking):
    md = render(booking, "markdown")
    assert md.startswith("## scaleaudit: booking-api at 10,000 concurrent users")
    assert f"**Readiness {booking['scorecard']['overall']:.1f}%**" in md
    assert "| Horizontal scaling |" in md and "2,666" in md


def test_baseline_shows_new_fixed_and_delta(tmp_path):
    app = tmp_path / "app"
    mig = app / "db" / "migrations"
    mig.mkdir(parents=True)
    (mig / "001.sql").write_text("create table a (id int primary key);\n"
                                 "create table b (id int primary key, a_id int references a (id));\n")
    before = scan(str(app))
    (mig / "002.sql").write_text("create index concurrently b_a on b (a_id);\ncreate table c (x int);\n")
    after = scan(str(app), baseline=before)
    base = after["scorecard"]["baseline"]
    assert [f["check"] for f in base["fixed"]] == ["db.unindexed-fk"]
    assert [f["check"] for f in base["new"]] == ["db.missing-pk"]
    assert base["overall"]["delta"] == round(after["scorecard"]["overall"] - before["scorecard"]["overall"], 1)
    (tmp_path / "before.json").write_text(json.dumps(before))
    assert main(["scan", str(app), "--baseline", str(tmp_path / "before.json")]) == 0
    assert main(["scan", str(app), "--baseline", str(tmp_path / "missing.json")]) == 2


def test_roadmap_phases_and_gains(booking):
    phases = booking["scorecard"]["roadmap"]
    assert [p["title"] for p in phases] == ["Critical fixes", "Scaling preparation", "Hardening"]
    first = phases[0]["items"]
    assert {i["severity"] for i in first} <= {"critical", "high"}
    assert [i["gain"] for i in first] == sorted((i["gain"] for i in first), reverse=True)
    assert all(i["gain"] > 0 and i["effort"] in {"hours", "days", "weeks"} for p in phases for i in p["items"])
    failing = {c["check"] for a in booking["scorecard"]["areas"] for c in a["checks"] if c["status"] == "fail"}
    assert {i["check"] for p in phases for i in p["items"]} == failing


def test_run_writes_sarif_and_markdown(tmp_path):
    out = tmp_path / "rep"
    assert main(["run", str(ROOT / "examples" / "quizapp"), "--profile", "500", "--out", str(out), "--pdf", "none"]) == 0
    assert json.loads((out / "readiness.sarif").read_text())["version"] == "2.1.0"
    assert (out / "readiness.md").read_text().startswith("## scaleaudit: quizapp")
