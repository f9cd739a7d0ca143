"""The report side: audit.present (unit tests) and audit.report (real papermill, nbconvert, PDF)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from audit import present, report

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "sample_document.json"
NOTEBOOK = ROOT / "notebooks" / "readiness.ipynb"
SECRET_DSN = "postgresql://auditor:s3cr3t-pw@db.example.invalid:5432/app"

EMPTY = {
    "schema_version": 1,
    "tool": {"name": "scaleaudit", "version": "0.1.0", "generated_at": "2025-01-15T10:00:00Z"},
    "target": {"path": "empty", "name": "empty"},
    "profile": {"name": "500", "concurrent_users": 500, "assumptions": {}},
    "stack": {"languages": [], "frameworks": [], "databases": [], "hosting": [], "manifests": [], "files": {}},
    "facts": {"schema": {}, "pools": []},
    "skipped": [],
    "findings": [],
    "scorecard": {"overall": None, "grade": "n/a", "grade_bands": [], "coverage": 0.0, "rules": [], "areas": [], "waived": []},
}


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


class _Text(HTMLParser):
    """Visible text of an HTML page (no <style>/<script>)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


# --------------------------------------------------------------------------- sample document


def test_sample_document_follows_the_contract(doc):
    schema_path = ROOT / "docs" / "contract.schema.json"
    if not schema_path.exists():
        pytest.skip("docs/contract.schema.json not written yet")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(doc, json.loads(schema_path.read_text(encoding="utf-8")))
    severities = [present.SEVERITIES.index(f["severity"]) for f in doc["findings"]]
    assert severities == sorted(severities), "findings sorted by severity"


# --------------------------------------------------------------------------- present: unit tests


def test_summary(doc):
    s = present.summary(doc)
    assert s["overall"] == 41.4 and s["grade"] == "D" and s["coverage"] == 80.6
    assert s["counts"] == {"critical": 1, "high": 3, "medium": 1, "low": 1, "info": 0}
    assert list(s["counts"]) == list(present.SEVERITIES)
    assert s["target"] == "booking-api" and s["profile"] == "10k" and s["concurrent_users"] == 10000
    assert [c["check"] for c in s["critical"]] == ["pool.capacity-below-target"]
    assert s["critical"][0]["evidence"] == ["src/db.js:5", "worker/db.py:12"]
    assert s["capped_areas"] == ["pooling"]


def test_scorecard_frame_is_the_confidence_table(doc):
    frame = present.scorecard_frame(doc)
    assert list(frame.columns) == ["Area", "Score", "Weight", "Checks decided", "Findings", "Notes"]
    db, pool = frame.to_dict("records")
    assert db["Area"] == "Database queries & indexes" and db["Score"] == 42.9
    assert db["Checks decided"] == "4 of 6", "not_applicable leaves the count, undecided stays in it"
    assert db["Findings"] == 4
    assert db["Notes"].startswith("HIGH: Foreign key public.bookings(room_id) has no index (+3 more)")
    assert "2 checks undecided" in db["Notes"]
    assert pool["Checks decided"] == "4 of 4", "waived leaves the count"
    assert pool["Notes"].startswith("CRITICAL: Connection pools allow 35")
    assert "capped" in pool["Notes"]


def test_points_frame_explains_the_score(doc):
    frame = present.points_frame(doc)
    assert len(frame) == 12
    assert {"Area", "Check", "Status", "Severity", "Points available", "Points lost"} <= set(frame.columns)
    for area in doc["scorecard"]["areas"]:
        rows = frame[frame["Area"] == area["title"]]
        available, lost = rows["Points available"].sum(), rows["Points lost"].sum()
        if area["capped"]:
            assert area["score"] <= round(100 * (available - lost) / available, 1)
        else:
            assert area["score"] == round(100 * (available - lost) / available, 1)
        assert list(rows["Points lost"]) == sorted(rows["Points lost"], reverse=True), "largest loss first"
    assert frame.iloc[0]["Check"] == "db.missing-primary-key"
    undecided = frame[frame["Status"] == "undecided"]
    assert (undecided["Points available"] == 0).all()
    assert "needs a live database" in " ".join(undecided["Note"])
    breakdown = {b["area"]: b for b in present.points_breakdown(doc)}
    assert breakdown["database"]["available"] == 14 and breakdown["database"]["lost"] == 8
    assert breakdown["database"]["losers"][0] == ("db.missing-primary-key", 4.0)


def test_findings_frame(doc):
    frame = present.findings_frame(doc)
    assert list(frame.columns[:3]) == ["Severity", "Check", "Title"]
    assert {"Evidence", "Fix"} <= set(frame.columns)
    assert len(frame) == 6 and frame.iloc[0]["Severity"] == "critical"
    evidence = frame.iloc[0]["Evidence"].split("\n")
    assert evidence[0] == "src/db.js:5 — node-postgres Pool max: 20"
    assert frame.iloc[1]["Evidence"].startswith("supabase/migrations/20240102120000_bookings.sql:9")
    assert len(present.findings_frame(doc, severity="high")) == 3
    assert present.findings_frame(doc, severity="info").empty


def test_location_formats():
    assert present.location("a/b.sql", 3) == "a/b.sql:3"
    assert present.location("a/b.sql", None) == "a/b.sql"
    assert present.location(None, 3) == ""


def test_pools_frame_has_no_raw_reprs(doc):
    frame = present.pools_frame(doc)
    assert list(frame["Library"]) == ["node-postgres", "sqlalchemy"]
    assert list(frame["Location"]) == ["src/db.js:5", "worker/db.py:12"]
    assert list(frame["Max connections"]) == [20, 15]
    first = frame.iloc[0]
    assert first["Settings as written"] == "connectionString = env:DATABASE_URL\nmax = 20"
    assert first["Defaults applied"] == "connectionTimeoutMillis = 0\nidleTimeoutMillis = 10000"
    assert frame.iloc[1]["Settings as written"].startswith("pool_pre_ping = true")
    text = frame.to_string()
    assert "{" not in text and "[" not in text and "True" not in text


def test_skipped_unparsed_undecided_waived(doc):
    skipped = present.skipped_frame(doc)
    assert list(skipped.columns) == ["Path", "Reason"] and len(skipped) == 3
    assert skipped.iloc[0]["Path"] == "data/seed.sql"
    unparsed = present.unparsed_frame(doc)
    assert unparsed.iloc[0]["Location"] == "supabase/migrations/20240103080000_rls.sql:4"
    assert list(present.undecided_frame(doc)["Check"]) == ["db.live-seq-scans", "db.rls-policies"]
    assert present.waived_frame(doc).iloc[0]["Expires"] == "2025-06-30"


def test_schema_summary(doc):
    s = present.schema_summary(doc)
    assert (s["tables"], s["indexes"], s["implicit_indexes"], s["foreign_keys"]) == (4, 5, 4, 2)
    assert s["tables_without_primary_key"] == 1 and s["migrations"] == 4
    assert s["understood_pct"] == pytest.approx(100 * 24 / 27)
    tables = present.tables_frame(doc).set_index("Table")
    assert tables.loc["public.audit_log", "Primary key"] == "none"
    assert tables.loc["public.bookings", "Foreign keys"] == 2
    assert "27: 16 modelled, 8 ignored, 3 unparsed" in set(present.schema_frame(doc)["Value"])


def test_number_formats():
    assert present.fmt_pct(41.4) == "41.4%" and present.fmt_pct(40.0) == "40%" and present.fmt_pct(None) == "n/a"
    assert present.fmt_pct(float("nan")) == "n/a"
    assert present.fmt_number(2.0) == "2" and present.fmt_number(1.5) == "1.5" and present.fmt_number(10000) == "10,000"
    assert present.fmt_value(True) == "true" and present.fmt_value(["a", 1]) == "a, 1"
    assert present.grade_for(75) == "B" and present.grade_for(39.9) == "F" and present.grade_for(None) == "n/a"


def test_html_escapes_untrusted_text(doc):
    evil = copy.deepcopy(doc)
    evil["findings"][0]["title"] = "<script>alert(1)</script> `x<y`"
    evil["findings"][0]["evidence"][0]["detail"] = "<img src=x onerror=alert(1)>"
    evil["skipped"][0]["path"] = "<b>bold</b>.sql"
    html = present.summary_html(evil) + present.findings_html(evil) + present.not_read_html(evil)
    assert "<script>" not in html and "<img" not in html and "<b>bold" not in html
    assert "&lt;script&gt;" in html and "<code>x&lt;y</code>" in html


def test_html_table_formats():
    frame = pd.DataFrame([{"Severity": "high", "Check": "db.x", "Score": float("nan"), "Points lost": 1.5, "Evidence": "a:1\nb:2"}])
    html = present.html_table(frame)
    assert 'class="sa-badge sa-sev-high"' in html and "<code>db.x</code>" in html
    assert ">n/a<" in html and ">1.5<" in html and "a:1<br>b:2" in html
    assert "<thead>" in html and "<script" not in html
    assert present.html_table(frame.iloc[0:0], empty="None here.") == '<p class="sa-empty">None here.</p>'


def test_summary_html_puts_critical_findings_above_the_number(doc):
    html = present.summary_html(doc)
    assert html.index("Connection pools allow 35 connections") < html.index("41.4%")
    assert "grade D" in html and "80.6%" in html


def test_charts(doc):
    from matplotlib.figure import Figure

    fig = present.area_chart(doc)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Database queries & indexes", "Connection pooling"]
    assert ax.get_xlim() == (0.0, 100.0)
    assert any(line.get_xdata()[0] == 41.4 for line in ax.get_lines()), "overall line"
    assert fig.get_figwidth() <= 7.2, "fits an A4 page at its natural size"
    assert "overall 41.4%" in fig.get_label()
    png = present.figure_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    sev = present.severity_chart(doc)
    assert [t.get_text() for t in sev.axes[0].get_yticklabels()] == list(present.SEVERITIES)
    image = present.figure_image(sev)
    assert image.metadata["alt"].startswith("Findings per severity: critical 1, high 3")


@pytest.mark.parametrize("empty", [EMPTY, {}], ids=["empty-document", "bare-dict"])
def test_empty_documents_render(empty):
    s = present.summary(empty)
    assert s["overall"] is None and s["total_findings"] == 0 and s["counts"]["critical"] == 0
    for fn in (
        present.scorecard_frame,
        present.points_frame,
        present.findings_frame,
        present.skipped_frame,
        present.unparsed_frame,
        present.undecided_frame,
        present.waived_frame,
        present.pools_frame,
        present.tables_frame,
        present.assumptions_frame,
    ):
        frame = fn(empty)
        assert isinstance(frame, pd.DataFrame) and frame.empty and len(frame.columns) > 0
    assert present.schema_summary(empty)["understood_pct"] is None
    for fn in (
        present.summary_html,
        present.scorecard_html,
        present.points_html,
        present.findings_html,
        present.pools_html,
        present.schema_html,
        present.not_read_html,
        present.about_html,
    ):
        assert isinstance(fn(empty), str)
    assert "n/a" in present.summary_html(empty)
    present.figure_png(present.area_chart(empty))
    present.figure_png(present.severity_chart(empty))


def test_unscored_areas(doc):
    unscored = copy.deepcopy(doc)
    for area in unscored["scorecard"]["areas"]:
        area["score"] = None
    unscored["scorecard"]["overall"] = None
    frame = present.scorecard_frame(unscored)
    assert frame["Score"].isna().all()
    assert "n/a" in present.scorecard_html(unscored)
    assert "n/a" in present.area_chart(unscored).get_label()


def test_load_document_from_json(doc):
    assert present.load_document("ignored", audit_json=SAMPLE) == doc


# --------------------------------------------------------------------------- the notebook as stored


def test_notebook_is_stored_thin_and_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    names = dict(re.findall(r"^(\w+) = (.+?)\s*(?:#.*)?$", params[0].source, flags=re.M))
    assert names == {
        "project_path": '"."',
        "profile": '"10k"',
        "concurrent_users": "None",
        "dsn": "None",
        "output_dir": "None",
        "audit_json": "None",
    }
    assert all(len(c.source.splitlines()) <= 12 for c in code), "logic belongs in audit.present"


def test_data_dirs_resolve():
    assert (report.notebooks_dir() / "readiness.ipynb").is_file()
    assert (report.templates_dir() / "scaleaudit" / "index.html.j2").is_file()
    assert (report.templates_dir() / "scaleaudit" / "static" / "scaleaudit.css").is_file()


# --------------------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One real run: papermill executes the notebook on the sample, nbconvert, WeasyPrint."""
    out = tmp_path_factory.mktemp("report")
    result = report.run_report(ROOT, out, audit_json=SAMPLE, pdf="weasyprint", dsn=SECRET_DSN)
    return result


def test_run_report_writes_everything(rendered):
    assert rendered["errors"] == {}
    for key in ("notebook", "html", "pdf"):
        assert Path(rendered[key]).is_file(), key
    assert rendered["json"] is None, "the document came from audit_json"
    assert set(rendered["timings"]) >= {"kernel", "html", "pdf", "total"}
    assert all(v >= 0 for v in rendered["timings"].values())


def test_executed_notebook(rendered):
    nb = nbformat.read(rendered["notebook"], as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and str(SAMPLE) in injected[0].source
    raw = Path(rendered["notebook"]).read_text(encoding="utf-8")
    assert "s3cr3t-pw" not in raw, "the DSN reaches the kernel through the environment, not the notebook"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]


def test_html_shows_the_report_and_no_code(rendered):
    html = Path(rendered["html"]).read_text(encoding="utf-8")
    text = visible_text(html)
    assert "Production readiness: booking-api" in text
    assert "41.4%" in text and "grade D" in text and "80.6%" in text
    # a findings row: check id, evidence as path:line, the fix
    assert "db.unindexed-fk" in text
    assert "supabase/migrations/20240102120000_bookings.sql:9" in text
    assert "CREATE INDEX CONCURRENTLY bookings_room_id_idx" in text
    assert text.index("Connection pools allow 35 connections") < text.index("41.4%"), "critical findings above the number"
    assert "data/seed.sql" in text and "CREATE POLICY kept as an opaque command" in text
    # no code: no input editors or prompts in the markup (the CSS names them), no source text
    markup = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    for marker in ("jp-InputArea-editor", "jp-CodeMirrorEditor", "jp-InputPrompt", "highlight hl-ipython3"):
        assert marker not in markup, marker
    for source in ("import ", "present.", "load_document", "display(", "audit_json ="):
        assert source not in text, source
    # plain tables, images inline with alt text, no scripts
    assert '<table class="sa-table' in html and "<script" not in html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 2 and all('src="data:image/png;base64,' in img for img in images)
    assert any('alt="Area scores: Database queries &amp; indexes 42.9%' in img for img in images)
    assert "{&#x27;" not in html and "{'" not in text, "no raw dict reprs"


def test_pdf_is_a_real_rendered_document(rendered):
    pdf = Path(rendered["pdf"])
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "41.4%" in text and "db.unindexed-fk" in text
        assert "import " not in text
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed: page not rendered")
    prefix = pdf.parent / "page"
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-png", str(pdf), str(prefix)], check=True)
    from PIL import Image

    png = next(pdf.parent.glob("page*.png"))
    with Image.open(png) as im:
        gray = im.convert("L")
        width, height = gray.size
        assert height > width, "portrait A4"
        dark = sum(gray.histogram()[:200])
    assert dark > 0.01 * width * height, "page 1 is not blank"


@pytest.mark.skipif(not Path(report.CHROMIUM).exists() and not shutil.which("chromium"), reason="chromium not installed")
def test_chromium_pdf(rendered, tmp_path):
    pdf = report.html_to_pdf(rendered["html"], tmp_path / "chromium.pdf", engine="chromium")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_pdf_failure_keeps_the_html(tmp_path, monkeypatch, caplog):
    def broken(html_path, pdf_path):
        raise OSError("printer on fire")

    monkeypatch.setattr(report, "_weasyprint_pdf", broken)
    result = report.run_report(ROOT, tmp_path, audit_json=SAMPLE, pdf="weasyprint")
    assert result["pdf"] is None and Path(result["html"]).is_file()
    assert "printer on fire" in result["errors"]["pdf"] and str(result["html"]) in result["errors"]["pdf"]
    assert "printer on fire" in caplog.text
    assert "pdf" in result["timings"]


def test_unknown_pdf_engine_is_refused(tmp_path):
    with pytest.raises(ValueError):
        report.run_report(ROOT, tmp_path, audit_json=SAMPLE, pdf="latex")


def test_scan_in_the_kernel_writes_readiness_json(tmp_path):
    """Without audit_json the notebook scans the project itself and writes readiness.json."""
    api = pytest.importorskip("audit.api")
    example = ROOT / "examples" / "booking-api"
    if not example.is_dir():
        pytest.skip("examples/booking-api not present")
    result = report.run_report(example, tmp_path, pdf="none")
    assert result["pdf"] is None and "pdf" not in result["timings"]
    doc = json.loads(Path(result["json"]).read_text(encoding="utf-8"))
    assert Path(result["json"]).read_text(encoding="utf-8") == api.document_json(doc)
    text = visible_text(Path(result["html"]).read_text(encoding="utf-8"))
    assert f"Production readiness: {doc['target']['name']}" in text
    assert present.fmt_pct(doc["scorecard"]["overall"]) in text
