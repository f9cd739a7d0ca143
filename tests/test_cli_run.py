"""`scaleaudit run` end to end on an example, and the HTML it writes looked at in headless Chromium."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from audit.cli import main

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("booking")
    assert main(["run", str(ROOT / "examples" / "booking-api"), "--profile", "10k", "--out", str(out), "--pdf", "none"]) == 0
    return out


def test_run_writes_notebook_html_and_json(run_dir, capsys):
    names = {p.name for p in run_dir.iterdir()}
    assert {"readiness.ipynb", "readiness.html", "readiness.json"} <= names and "readiness.pdf" not in names
    doc = json.loads((run_dir / "readiness.json").read_text())
    html = (run_dir / "readiness.html").read_text()
    from audit.present import fmt_pct

    assert fmt_pct(doc["scorecard"]["overall"]) in html
    assert "backend/src/config/database.ts" in html, "pool evidence is in the report"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_html_screenshot_is_not_blank(run_dir, tmp_path):
    shot = tmp_path / "page.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600",
                    f"--screenshot={shot}", (run_dir / "readiness.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image

    img = Image.open(shot).convert("L")
    lo, hi = img.getextrema()
    assert img.size == (1200, 1600) and hi - lo > 100, "the page has content, not a blank canvas"
    dark = sum(img.histogram()[:128])
    assert dark > 2000, "text and charts are drawn"


def test_unreachable_dsn_is_one_line_and_the_audit_goes_on(capsys):
    booking = str(ROOT / "examples" / "booking-api")
    assert main(["scan", booking, "--dsn", "postgresql://app:s3cret-pw@127.0.0.1:1/db", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert "s3cret-pw" not in out + err
    [line] = [l for l in err.splitlines() if "live checks skipped" in l]
    assert "127.0.0.1" in line and doc["findings"], "static findings are still reported"


def test_shadow_flag_applies_the_migrations(capsys):
    assert main(["scan", str(ROOT / "examples" / "quizapp"), "--shadow", "--format", "json"]) == 0
    shadow = json.loads(capsys.readouterr().out)["facts"]["shadow"]
    assert shadow["statements"]["failed"] == 0 and shadow["statements"]["applied"] > 0
