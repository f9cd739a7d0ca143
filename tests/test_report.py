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
    """The text a reader sees, one space between elements, none before punctuation."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+([.,:;)])", r"\1", re.sub(r"\s+", " ", " ".join(parser.parts)))


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
    image = present.figure_image(fig)
    assert image.metadata["alt"].startswith("Area scores: Database queries & indexes 42.9%")

    coverage = present.index_coverage_chart(doc)
    assert [t.get_text() for t in coverage.axes[0].get_yticklabels()] == ["public.bookings", "public.users"]
    assert "public.bookings 2 of 2 served" in coverage.get_label()
    assert coverage.get_figwidth() <= 7.2

    budget = present.connection_budget_chart(doc)
    ax = budget.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Needed at peak", "Usable through the pools", "Server max_connections"]
    assert [round(p.get_width()) for p in ax.patches] == [75, 20, 100]
    assert any(line.get_xdata()[0] == 75 for line in ax.get_lines()), "needed-at-peak line"
    assert budget.get_label().endswith("bottleneck: Usable through the pools")
    html = present.figure_html(budget, "a <caption>")
    assert html.startswith('<figure class="sa-figure') and 'src="data:image/png;base64,' in html
    assert 'width="672"' in html and 'alt="Connection budget: Needed at peak 75;' in html
    assert "<figcaption>a <caption></figcaption>" in html, "the caption is HTML the caller escaped"


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
        present.not_applied_frame,
        present.unparsed_queries_frame,
        present.queries_frame,
        present.index_coverage_frame,
        present.query_findings_frame,
        present.capacity_inputs_frame,
        present.capacity_table_frame,
        present.sensitivity_frame,
        present.connection_budget_frame,
        present.processes_frame,
        present.server_limits_frame,
        present.poolers_frame,
        present.pooler_urls_frame,
        present.roadmap_frame,
        present.apps_frame,
        present.vite_config_frame,
        present.assets_frame,
        present.bytes_by_kind_frame,
        present.packages_frame,
        present.download_frame,
        present.serving_frame,
        present.infra_matrix_frame,
        present.outbound_calls_frame,
        present.signals_frame,
        present.packages_frame_infra,
        present.live_overview_frame,
        present.settings_frame,
        present.role_settings_frame,
        present.connection_bars_frame,
        present.connections_frame,
        present.activity_frame,
        present.cache_frame,
        present.unused_indexes_frame,
        present.invalid_indexes_frame,
        present.duplicate_indexes_frame,
        present.unindexed_fks_frame,
        present.seq_scans_frame,
        present.dead_tuples_frame,
        present.sequences_frame,
        present.wraparound_frame,
        present.top_statements_frame,
        present.replicas_frame,
        present.slots_frame,
        present.problems_frame,
        present.plans_frame,
        present.shadow_failures_frame,
        present.comparison_frame,
        present.planner_frame,
        present.hypothetical_frame,
        present.indexes_frame,
        present.foreign_keys_frame,
        present.policies_frame,
        present.all_queries_frame,
        present.env_frame,
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
        present.queries_html,
        present.database_html,
        present.capacity_html,
        present.deploy_html,
        present.not_read_html,
        present.about_html,
        present.roadmap_html,
        present.frontend_html,
        present.infrastructure_html,
        present.live_html,
        present.shadow_html,
        present.live_database_html,
        present.schema_detail_html,
        present.queries_detail_html,
        present.env_html,
    ):
        assert isinstance(fn(empty), str)
    for name in present.DEEP_DIVES:
        assert isinstance(present.deep_dive_header_html(empty, name) + present.deep_dive_findings_html(empty, name), str)
    assert present.infra_matrix(empty) == [] and "no infrastructure facts" in present.infrastructure_html(empty)
    assert present.live_state(empty) == "none" and "no --dsn given" in present.live_html(empty)
    assert present.shadow_summary(empty)["present"] is False and present.planner_counts(empty)["confirmed"] == 0
    assert present.statements_info(empty)["available"] is False and present.mask_dsn(None) == ""
    assert "n/a" in present.summary_html(empty)
    assert "<img" not in present.scorecard_html(empty), "no chart without areas"
    assert "no capacity estimate" in present.capacity_html(empty)
    assert "No deployment configuration was found" in present.deploy_html(empty)
    assert present.finding_groups(empty) == [] and present.findings_html(empty) == '<p class="sa-empty">No findings.</p>'
    assert present.roadmap_phases(empty) == [] and "no roadmap" in present.roadmap_html(empty)
    assert present.frontend_summary(empty)["present"] is False and present.source_signals(empty) == []
    assert present.budget_verdict(empty)["initial_js_gzip"] is None
    assert "No front end was found" in present.frontend_html(empty)
    for chart in (
        present.area_chart, present.index_coverage_chart, present.connection_budget_chart, present.bundle_kind_chart, present.package_chart,
        present.live_connections_chart,
    ):
        present.figure_png(chart(empty))


def test_partial_infra_live_and_shadow_facts_render(doc):
    """Facts present but with None or missing parts (older documents, failed probes) never raise."""
    partial = copy.deepcopy(doc)
    partial["facts"]["infra"] = {"caches": None, "outbound_calls": [{"service": "stripe"}], "apps": None}
    partial["facts"]["live"] = {"dsn": "postgresql://a@h/db", "error": None, "settings": None, "connections": None, "cache": {},
                                "statements": None, "replication": None, "indexes": None, "server": None}
    partial["facts"]["shadow"] = {"statements": None, "failures": None, "comparison": None, "planner": None, "error": None}
    html = present.infrastructure_html(partial, full=True) + present.live_html(partial, full=True) + present.shadow_html(partial, full=True)
    text = visible_text(html)
    assert "The static model was not compared with the catalog." in text and "The planner was not asked" in text
    assert "Replication: unknown" in text and "pg_stat_statements is not available" in text
    assert present.outbound_calls_frame(partial).iloc[0]["Timeout"] == "no"
    assert present.connection_bars_frame(partial)["Connections"].isna().tolist() == [True, False, True]
    present.figure_png(present.live_connections_chart(partial))


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


def test_load_document_takes_no_dsn():
    import inspect

    assert "dsn" not in inspect.signature(present.load_document).parameters


# --------------------------------------------------------------------------- findings grouped per check


def _many_findings(doc: dict, n: int) -> dict:
    """The sample with ``n`` extra findings of one check (like 180 RLS findings on a big repo)."""
    many = copy.deepcopy(doc)
    extra = [
        {
            "area": "database",
            "check": "db.rls-initplan",
            "evidence": [{"detail": f"policy p{i} calls auth.uid() per row", "line": i + 1, "path": f"supabase/migrations/{i % 7:03d}_rls.sql"}],
            "fix": "Wrap the call: (select auth.uid()).",
            "severity": "medium",
            "subject": {"policy": f"p{i}", "table": "public.bookings"},
            "title": f"Policy p{i} re-evaluates auth.uid() for every row",
            "why": "The function runs once per row scanned.",
        }
        for i in range(n)
    ]
    many["findings"] = many["findings"][:4] + extra + many["findings"][4:]
    return many


def test_finding_groups_cap_each_check(doc):
    groups = present.finding_groups(doc)
    assert [g["severity"] for g in groups] == ["critical", "high", "medium", "low"]
    high = groups[1]
    assert high["count"] == 3 and [c["check"] for c in high["checks"]] == ["db.unindexed-fk", "pool.no-acquire-timeout"]
    assert high["checks"][0]["title"] == "Foreign key without an index on its columns", "the catalog title from the scorecard"
    assert high["checks"][0]["more"] == 0 and len(high["checks"][0]["shown"]) == 2

    many = _many_findings(doc, 180)
    rls = next(c for g in present.finding_groups(many, per_check=5) for c in g["checks"] if c["check"] == "db.rls-initplan")
    assert rls["count"] == 180 and len(rls["shown"]) == 5 and rls["more"] == 175 and rls["more_files"] == 7
    assert rls["why"] == "The function runs once per row scanned."
    assert all(len(c["shown"]) == c["count"] for g in present.finding_groups(many, per_check=None) for c in g["checks"])


def test_findings_html_stays_short_on_a_big_repo(doc):
    many = _many_findings(doc, 180)
    html = present.findings_html(many)
    text = visible_text(html)
    assert text.count("re-evaluates auth.uid() for every row") == 5
    assert "+175 more db.rls-initplan findings, in 7 files, are not listed here; readiness.json has every one." in text
    assert text.count("The function runs once per row scanned.") == 1, "why once per check"
    assert text.count("Same fix as above.") == 4, "an identical fix is not repeated"
    assert html.count('class="sa-finding ') == 6 + 5
    # findings of one check with different reasons keep each reason on its own row
    assert "Joins and deletes on public.rooms" in text and "Every user deletion cascades" in text


def test_findings_html_caps_evidence(doc):
    long = copy.deepcopy(doc)
    long["findings"][0]["evidence"] = [{"path": f"f{i}.js", "line": i, "detail": "x" * 400} for i in range(1, 8)]
    text = visible_text(present.findings_html(long))
    assert "f4.js:4" in text and "f5.js:5" not in text and "+3 more evidence lines" in text
    assert "x" * 400 not in text and "…" in text


# --------------------------------------------------------------------------- database


def _with_unindexed_filter(doc: dict) -> dict:
    """The sample plus a db.unindexed-filter finding citing the query at src/routes/bookings.js:18."""
    d = copy.deepcopy(doc)
    d["findings"].insert(
        3,
        {
            "area": "database",
            "check": "db.unindexed-filter",
            "evidence": [{"detail": "js query filters on user_id: SELECT ...", "line": 18, "path": "src/routes/bookings.js"}],
            "fix": "CREATE INDEX CONCURRENTLY ...",
            "severity": "high",
            "subject": {"columns": ["user_id", "starts_at"], "table": "public.bookings"},
            "title": "Query on public.bookings filters on user_id; no index leads with user_id",
            "why": "A sequential scan per request.",
        },
    )
    return d


def test_queries_frame_counts_per_source(doc):
    frame = present.queries_frame(doc)
    assert list(frame["Source"]) == ["js", "python", "supabase-js", "supabase-rpc"]
    assert list(frame["Queries"]) == [2, 2, 1, 1], "facts.queries.by_source"
    assert list(frame["Not parsed"]) == [0, 1, 0, 0]
    assert list(frame["With findings"]) == [0, 0, 1, 0], "db.unbounded-select cites src/routes/rooms.js:42"
    assert frame.set_index("Source").loc["supabase-js", "What it is"] == "supabase-js query-builder chains"
    assert present.queries_summary(doc) == {"present": True, "total": 6, "unparsed": 1, "with_findings": 1}
    no_by_source = copy.deepcopy(doc)
    del no_by_source["facts"]["queries"]["by_source"]
    assert list(present.queries_frame(no_by_source)["Queries"]) == [2, 2, 1, 1], "counted from the items"


def test_index_coverage_frame_rule(doc):
    frame = present.index_coverage_frame(doc)
    assert frame.to_dict("records") == [
        {"Table": "public.bookings", "Queries": 2, "Served": 2, "Not served": 0},
        {"Table": "public.users", "Queries": 1, "Served": 1, "Not served": 0},
    ], "rooms is only joined and read unfiltered; unparsed queries count nowhere"
    flagged = present.index_coverage_frame(_with_unindexed_filter(doc)).set_index("Table")
    assert flagged.loc["public.bookings"].to_dict() == {"Queries": 2, "Served": 1, "Not served": 1}
    other_table = _with_unindexed_filter(doc)
    other_table["findings"][3]["subject"]["table"] = "public.users"
    served = present.index_coverage_frame(other_table).set_index("Table")
    assert served.loc["public.bookings", "Not served"] == 0, "the finding must be about that table"


def test_query_findings_frame(doc):
    frame = present.query_findings_frame(_with_unindexed_filter(doc))
    assert list(frame.columns) == ["Location", "Query", "Checks"]
    assert list(frame["Location"]) == ["src/routes/bookings.js:18", "src/routes/rooms.js:42"], "most severe first"
    assert frame.iloc[0]["Checks"] == "high db.unindexed-filter"
    assert frame.iloc[1]["Query"] == "SELECT * FROM public.rooms"
    long = copy.deepcopy(doc)
    long["facts"]["queries"]["items"][2]["sql"] = "SELECT " + ", ".join(f"col{i}" for i in range(80)) + " FROM public.rooms"
    assert len(present.query_findings_frame(long, sql_chars=60).iloc[0]["Query"]) <= 60


def test_database_html(doc):
    html = present.database_html(_with_unindexed_filter(doc))
    text = visible_text(html)
    assert "6 queries found in the code; 1 could not be parsed; 2 cited by a finding." in text
    assert "Coverage of discovered queries by indexes: 2 of 3 query-table pairs served." in text
    assert "db.unindexed-filter finding about that table cites its path:line" in text
    assert html.count("<img") == 1 and 'alt="Index coverage of the queries' in html
    assert "Queries with findings (2)" in text and 'class="sa-badge sa-sev-high"' in html
    no_queries = copy.deepcopy(doc)
    no_queries["facts"]["queries"] = {"by_source": {}, "items": [], "unparsed": 0}
    assert "No queries were found in the code." in present.queries_html(no_queries)
    del no_queries["facts"]["queries"]
    assert "no query facts" in present.queries_html(no_queries)


def test_not_read_lists_left_out_migrations_and_unparsed_queries(doc):
    assert present.not_applied_frame(doc).to_dict("records") == [
        {"Path": "supabase/migrations/analytics/20240104000000_events.sql", "Reason": "ClickHouse DDL, not PostgreSQL"}
    ]
    unparsed = present.unparsed_queries_frame(doc)
    assert unparsed.to_dict("records") == [
        {"Location": "worker/jobs.py:40", "Source": "python", "Reason": "Invalid expression / Unexpected token. Line 1, Col: 31."}
    ], "the rpc call without SQL is not an unparsed query"
    text = visible_text(present.not_read_html(doc))
    assert "Migration files left out of the history (1)" in text and "Queries not parsed (1)" in text
    assert "ClickHouse DDL" in text
    clean = copy.deepcopy(doc)
    clean["skipped"], clean["facts"]["schema"]["not_applied"] = [], []
    text = visible_text(present.not_read_html(clean))
    assert "Files not read" not in text and "Otherwise, every file was read and every migration file is part of the history." in text


def test_schema_frame_mentions_left_out_migrations(doc):
    value = present.schema_frame(doc).set_index("Measure").loc["Migration files", "Value"]
    assert value.startswith("4 (1 more left out of the history")


# --------------------------------------------------------------------------- pools, capacity, deployment


def test_capacity_inputs_name_their_sources(doc):
    frame = present.capacity_inputs_frame(doc)
    rows = {r["Input"]: r for r in frame.to_dict("records")}
    assert list(frame["Input"])[0] == "Concurrent users (target)"
    assert rows["Concurrent users (target)"]["Value"] == "10,000" and rows["Concurrent users (target)"]["Kind"] == "target"
    assert rows["Share of users active at once"] == {
        "Input": "Share of users active at once", "Value": "0.3", "Kind": "assumption", "Source": "profile 10k"
    }
    assert rows["Connections per process (largest pool)"]["Kind"] == "fact"
    assert rows["Connections per process (largest pool)"]["Source"] == "node-postgres pool at src/db.js:5 (largest of 2)"
    assert rows["Reserved for superusers"]["Kind"] == "default"
    assert present.capacity.input_kind(500, "assumption: profile server_max_connections") == "assumption"
    assert present.capacity.input_kind(1, "assumed 1: no process manager setting found") == "assumption"
    assert present.capacity.input_kind(None, "no sized connection pool found in code") == "unknown"


def test_capacity_table_and_sensitivity(doc):
    table = present.capacity_table_frame(doc)
    assert list(table.columns) == ["Metric", "Current", "Required", "Scale factor", "Current from", "Required from"]
    first = table.iloc[0]
    assert (first["Metric"], first["Current"], first["Required"], first["Scale factor"]) == ("concurrent users", "2,666", "10,000", 3.8)
    assert "3.8×" in present.html_table(table)
    sens = present.sensitivity_frame(doc)
    assert list(sens["Assumption"]) == [
        "Share of users active at once", "Requests per active user per minute", "Connection held per request (ms)", "Peak over average load",
    ]
    assert sens.iloc[0][["Value", "Doubled", "Connections needed", "Users supported", "Change"]].tolist() == [
        "0.3", "0.6", "150", "2,666 → 1,333", "-50%"
    ]
    assert present.needed_arithmetic(doc) == (
        "10,000 users × 0.3 active × 10 requests/min ÷ 60 × 0.05 s held × 3 peak = 75 connections busy at peak (rounded up)"
    )


def test_connection_budget_frame(doc):
    frame = present.connection_budget_frame(doc)
    assert frame[["Bar", "Connections", "Bottleneck"]].values.tolist() == [
        ["Needed at peak", 75, False], ["Usable through the pools", 20, True], ["Server max_connections", 100, False],
    ]
    assert frame.iloc[1]["Detail"] == "20 per process × 1 process"
    assert frame.iloc[2]["Detail"] == "max_connections at docker-compose.yml:12; 3 reserved for superusers"


def _unknown_capacity(doc: dict) -> dict:
    """No sized pool and no server limit: the document's capacity values are null."""
    d = copy.deepcopy(doc)
    cap = d["scorecard"]["capacity"]
    cap["inputs"]["per_process_connections"] = {"value": None, "source": "no sized connection pool found in code"}
    cap["inputs"]["server_max_connections"] = {"value": None, "source": "no server limit found"}
    cap.update(connections_usable=None, bottleneck=None, users_supported=None)
    for row in cap["table"]:
        if row["metric"] != "server max_connections":
            row.update(current=None, scale_factor=None)
    for row in cap["sensitivity"]:
        row.update(users_supported=None, users_supported_before=None)
    return d


def test_capacity_with_unknown_values(doc):
    d = _unknown_capacity(doc)
    c = present.capacity_summary(d)
    assert c["usable"] is None and c["supported"] is None and c["supported_pct"] is None
    assert c["unknown"] == [
        ("Connections per process (largest pool)", "no sized connection pool found in code"),
        ("Server max_connections", "no server limit found"),
    ]
    inputs = present.capacity_inputs_frame(d).set_index("Input")
    assert inputs.loc["Connections per process (largest pool)", "Value"] == "unknown"
    assert inputs.loc["Connections per process (largest pool)", "Kind"] == "unknown"
    assert present.capacity_table_frame(d).iloc[0]["Current"] == "unknown"
    assert present.sensitivity_frame(d).iloc[0]["Change"] == "unknown"
    budget = present.connection_budget_frame(d)
    assert budget["Connections"].isna().tolist() == [False, True, True] and not budget["Bottleneck"].any()
    assert budget.iloc[1]["Detail"] == "unknown: no sized connection pool found in code"
    fig = present.connection_budget_chart(d)
    assert "Usable through the pools unknown" in fig.get_label() and "bottleneck" not in fig.get_label()
    text = visible_text(present.capacity_html(d))
    assert "How many connections the deployment can open at once is unknown" in text
    assert "no sized connection pool found in code" in text
    assert "No limit is known, so there is no bottleneck to name." in text


def test_capacity_html(doc):
    html = present.capacity_html(doc)
    text = visible_text(html)
    assert text.index("Connection pools") < text.index("Capacity estimate") < text.index("Model inputs")
    assert "At 10,000 concurrent users the model expects 500 requests/s and 75 connections busy at peak." in text
    assert "limited by the application pools: enough for about 2,666 concurrent users (27% of the target)." in text
    assert "Bottleneck: application pools (20 connections), 3.8× short of the 75 needed." in text
    assert "Current → Required → Scale factor" in text and "Sensitivity: each assumption doubled" in text
    assert 'class="sa-badge sa-kind-assumption"' in html and 'class="sa-badge sa-kind-fact"' in html
    assert html.count("<img") == 1
    no_cap = copy.deepcopy(doc)
    del no_cap["scorecard"]["capacity"]
    assert "no capacity estimate" in present.capacity_html(no_cap) and "node-postgres" in present.capacity_html(no_cap)


def test_deploy_frames(doc):
    procs = present.processes_frame(doc)
    assert procs.to_dict("records")[0] == {
        "Kind": "single-process", "Count": "1", "Setting": "one process", "Location": "Procfile:1", "Detail": "Procfile web"
    }
    assert procs.iloc[1]["Count"] == "unknown", "serverless: one per invocation"
    assert present.server_limits_frame(doc).to_dict("records") == [
        {"Setting": "max_connections", "Value": "100", "Source": "compose command", "Location": "docker-compose.yml:12"}
    ]
    pooler = present.poolers_frame(doc).iloc[0]
    assert pooler["Settings as written"] == "enabled = true\npool_mode = transaction"
    assert pooler["Defaults applied"] == "default_pool_size = 20\nmax_client_connections = 100"
    assert present.pooler_urls_frame(doc).to_dict("records") == [{"Location": ".env.example:3", "Through a pooler because": "port 6543"}]
    from_env = copy.deepcopy(doc)
    from_env["facts"]["deploy"]["server_limits"][0].update(value=None, env="PG_MAX_CONN")
    assert present.server_limits_frame(from_env).iloc[0]["Value"] == "env:PG_MAX_CONN"


def test_deploy_html_omits_empty_tables(doc):
    text = visible_text(present.deploy_html(doc))
    for heading in ("Processes (2)", "Server connection limits (1)", "Poolers (1)", "Connection strings through a pooler (1)"):
        assert heading in text
    d = copy.deepcopy(doc)
    d["facts"]["deploy"]["poolers"] = d["facts"]["deploy"]["pooler_urls"] = []
    text = visible_text(present.deploy_html(d))
    assert "Poolers" not in text.replace("Not found in the deployment files: poolers", "")
    assert "Not found in the deployment files: poolers, connection strings through a pooler." in text
    assert "postgresql://" not in present.deploy_html(doc), "env values (connection strings) are not printed"


def test_points_html_lists_passed_and_not_applicable_checks_in_a_line(doc):
    text = visible_text(present.points_html(doc))
    assert "Passed: db.duplicate-index." in text
    assert "Not applicable (no transaction-mode pooler configured): db.pgbouncer-prepared." in text
    assert "Passed: pool.client-per-request, pool.default-size." in text
    assert "db.unindexed-fk" in text and "db.live-seq-scans" in text and "pool.statement-timeout" in text, "failed, undecided, waived"
    assert "Database queries & indexes: 42.9% (weight 3) Kept 6 of 14 points; lost 8." in text, "the area's totals"
    assert "Connection pooling: 40% (weight 3) Kept 8 of 15 points; lost 7. The score is capped" in text


def test_new_sections_escape_untrusted_text(doc):
    evil = copy.deepcopy(doc)
    evil["facts"]["queries"]["items"][2]["sql"] = "SELECT '<script>x</script>'"
    evil["facts"]["deploy"]["processes"][0]["detail"] = "<img src=x>"
    evil["facts"]["schema"]["not_applied"][0]["reason"] = "<b>no</b>"
    evil["scorecard"]["capacity"]["inputs"]["processes"]["source"] = "<i>src</i>"
    html = present.database_html(evil) + present.deploy_html(evil) + present.not_read_html(evil) + present.capacity_html(evil)
    assert "<script>" not in html and "<img src=x>" not in html and "<b>no" not in html and "<i>src" not in html


# --------------------------------------------------------------------------- infrastructure


def _with_infra_checks(doc: dict) -> dict:
    """The sample with the infrastructure areas a real scan has: a failed absence check (with its
    finding), a check that does not apply, an undecided one, and monitoring half present."""
    d = copy.deepcopy(doc)
    searched_cache = "searched: " + d["facts"]["infra"]["searched"]["caches"] + " (test and tooling files not counted)"
    d["facts"]["infra"]["monitoring"].append(
        {"detail": "Sentry.init({ dsn })", "kind": "error-tracking", "library": "@sentry/node", "line": 3, "path": "src/sentry.js", "runtime": "server"}
    )
    d["scorecard"]["areas"] += [
        {"area": "caching", "title": "Caching & CDN", "score": 0.0, "weight": 2, "capped": False, "checks": [
            {"check": "cache.no-server-cache", "title": "No server-side cache", "status": "fail", "severity": "high", "weight": 2,
             "points_available": 2, "points_lost": 2, "findings": 1}]},
        {"area": "observability", "title": "Observability", "score": 50.0, "weight": 2, "capped": False, "checks": [
            {"check": "obs.no-error-tracking", "title": "No error tracking", "status": "pass", "severity": "high", "weight": 1,
             "points_available": 1, "points_lost": 0, "findings": 0},
            {"check": "obs.no-metrics", "title": "No metrics", "status": "fail", "severity": "medium", "weight": 1,
             "points_available": 1, "points_lost": 1, "findings": 1}]},
        {"area": "read_scaling", "title": "Read scaling & shared state", "score": None, "weight": 2, "capped": False, "checks": [
            {"check": "scale.no-read-replica", "title": "No read replica", "status": "undecided", "severity": "medium", "weight": 1,
             "points_available": 0, "points_lost": 0, "findings": 0, "note": "no database URL found"},
            {"check": "scale.realtime-single-node", "title": "Realtime on one node", "status": "not_applicable", "severity": "medium",
             "weight": 1, "points_available": 0, "points_lost": 0, "findings": 0, "note": "no realtime server found"}]},
        {"area": "resilience", "title": "Resilience", "score": None, "weight": 2, "capped": False, "checks": [
            {"check": "resilience.no-retries", "title": "No retries", "status": "not_applicable", "severity": "low", "weight": 1,
             "points_available": 0, "points_lost": 0, "findings": 0, "note": "no outbound calls from server or function code"}]},
    ]
    d["findings"] += [
        {"check": "cache.no-server-cache", "area": "caching", "severity": "high", "title": "No server-side cache found",
         "subject": {"searched": "caches"}, "why": "w", "fix": "f",
         "evidence": [{"path": "docker-compose.yml", "line": 20, "detail": "redis service, never called from the code"},
                      {"path": "", "line": None, "detail": searched_cache}]},
        {"check": "obs.no-metrics", "area": "observability", "severity": "medium", "title": "No metrics, tracing or APM found on the server",
         "subject": {"searched": "monitoring"}, "why": "w", "fix": "f",
         "evidence": [{"path": "", "line": None, "detail": "searched: Sentry, ... (test and tooling files not counted)"}]},
    ]
    return d


def test_infra_matrix_from_the_facts_alone(doc):
    rows = {r["category"]: r for r in present.infra_matrix(doc)}
    assert list(rows) == list(present.infra.CATEGORIES), "every category, in order"
    assert rows["rate_limits"]["state"] == "present"
    assert rows["rate_limits"]["evidence"] == ["backend/src/server.ts:24 — express-rate-limit: rateLimit({ (store: memory; key: ip)"]
    assert rows["health"]["state"] == "present" and rows["shutdown"]["state"] == "present"
    # nothing counted, and the document says what was searched: absent, with that sentence
    assert rows["caches"]["state"] == "absent" and rows["caches"]["searched"].startswith("Redis/Valkey clients")
    assert rows["caches"]["evidence"] == ["docker-compose.yml:20 — redis: image: redis:7-alpine (configuration only)"], "context, not counted"
    assert rows["monitoring"]["state"] == "absent", "an env variable alone is configuration, not monitoring"
    # nothing found and no record of what was searched: unknown, never a silent "absent"
    assert rows["queues"]["state"] == "unknown" and rows["queues"]["searched"] == ""
    assert rows["outbound_calls"]["signals"] == 2 and rows["realtime"]["state"] == "present"


def test_infra_matrix_uses_the_checks(doc):
    d = _with_infra_checks(doc)
    rows = {r["category"]: r for r in present.infra_matrix(d)}
    caches = rows["caches"]
    assert caches["state"] == "absent" and caches["checks"] == [("cache.no-server-cache", "fail", "")]
    assert caches["evidence"][0] == "Not found: No server-side cache found (cache.no-server-cache)"
    assert "docker-compose.yml:20 — redis service, never called from the code" in caches["evidence"]
    assert caches["searched"].startswith("Redis/Valkey clients") and not caches["searched"].endswith("counted)")
    monitoring = rows["monitoring"]
    assert monitoring["state"] == "present", "error tracking passes, so the area is present"
    assert monitoring["evidence"][0].startswith("src/sentry.js:3 — @sentry/node: Sentry.init")
    assert "Not found: No metrics, tracing or APM found on the server (obs.no-metrics)" in monitoring["evidence"]
    assert rows["read_scaling"]["state"] == "unknown" and rows["read_scaling"]["evidence"] == ["scale.no-read-replica: no database URL found"]
    assert rows["retries"]["state"] == "not applicable"
    assert rows["retries"]["evidence"] == ["resilience.no-retries: no outbound calls from server or function code"]
    assert rows["realtime"]["state"] == "present", "a signal counts even where the check does not apply"
    assert present.infra_counts(d) == {"present": 6, "absent": 6, "not applicable": 1, "unknown": 3}


def test_infra_matrix_not_applicable_without_a_server(doc):
    d = copy.deepcopy(doc)
    d["facts"]["infra"]["apps"] = [{"detail": "Vite app", "kind": "vite", "library": "vite", "line": 1, "path": "package.json", "runtime": "browser"}]
    rows = {r["category"]: r for r in present.infra_matrix(d)}
    assert rows["queues"]["state"] == "not applicable" and rows["load_balancers"]["state"] == "not applicable"
    assert rows["shutdown"]["state"] == "present", "a signal wins over the missing server"


def test_infra_matrix_frame(doc):
    frame = present.infra_matrix_frame(_with_infra_checks(doc))
    assert list(frame.columns) == ["Area", "Present", "Absent", "N/A", "Unknown", "Evidence", "Checks"]
    assert (frame[["Present", "Absent", "N/A", "Unknown"]] == "●").sum(axis=1).tolist() == [1] * 16, "one state per row"
    caches = frame[frame["Area"] == "Server cache"].iloc[0]
    assert caches["Absent"] == "●" and caches["Evidence"].splitlines()[-1].startswith("Searched: Redis/Valkey clients")
    assert caches["Checks"] == "fail cache.no-server-cache"
    monitoring = frame[frame["Area"] == "Monitoring"].iloc[0]
    assert monitoring["Checks"] == "pass obs.no-error-tracking\nfail obs.no-metrics"
    many = copy.deepcopy(doc)
    many["facts"]["infra"]["health"] *= 6
    capped = present.infra_matrix_frame(many, per_cell=4)
    health = capped[capped["Area"] == "Health checks"].iloc[0]["Evidence"].splitlines()
    assert len(health) == 5 and health[-1] == "+2 more"
    full = present.infra_matrix_frame(many, per_cell=None)
    assert len(full[full["Area"] == "Health checks"].iloc[0]["Evidence"].splitlines()) == 6


def test_outbound_calls_frame(doc):
    frame = present.outbound_calls_frame(doc)
    assert list(frame.columns) == ["Service", "Location", "Call", "Runtime", "Timeout"]
    openai, maps = frame.to_dict("records")
    assert openai["Service"] == "openai" and openai["Location"] == "supabase/functions/ai-analysis/index.ts:31"
    assert openai["Timeout"] == "no (WHATWG fetch has no timeout; pass an AbortSignal)"
    assert maps["Timeout"] == "yes (5000)"
    assert present.infra.timeout_text({"timeout": None, "timeout_default_s": 30}) == "library default 30 s"
    assert present.infra.timeout_text({}) == "no"
    own = copy.deepcopy(doc)
    own["facts"]["infra"]["outbound_calls"][0]["service"] = ""
    assert len(present.outbound_calls_frame(own)) == 1 and len(present.outbound_calls_frame(own, third_party=False)) == 2


def test_infrastructure_html(doc):
    html = present.infrastructure_html(_with_infra_checks(doc))
    text = visible_text(html)
    assert '<table class="sa-table sa-matrix"' in html and html.count('class="sa-mark sa-mark-') == 16
    assert "6 present · 6 absent · 1 not applicable · 3 unknown." in text
    assert "Apps and functions found: express at backend/src/server.ts:15 (server)" in text
    assert "Searched: Redis/Valkey clients" in text and "Checks: cache.no-server-cache fail" in text
    assert "Third-party APIs called (2)" in text and "2 calls, 1 call without a timeout" in text
    assert "Every signal" not in text
    full = visible_text(present.infrastructure_html(doc, full=True))
    assert "Other outbound HTTP calls (0)" in full and "Every signal (" in full and "Packages declared (1)" in full
    assert "express-rate-limit" in full


# --------------------------------------------------------------------------- live database


def test_live_state_and_dsn_masking(doc):
    assert present.live_state(doc) == "ok" and present.live_state(EMPTY) == "none"
    assert present.live_state({"facts": {"live": {"dsn": "x", "error": "refused"}}}) == "error"
    assert present.mask_dsn("postgresql://app:s3cret@h:5432/db") == "postgresql://app:***@h:5432/db"
    assert present.mask_dsn("host=h password=s3cret user=a") == "host=h password=*** user=a"
    assert present.mask_dsn("postgresql://h/db?sslmode=require&password=s3cret&x=1") == "postgresql://h/db?sslmode=require&password=***&x=1"
    assert present.mask_dsn("user=postgres password=***") == "user=postgres password=***", "idempotent"
    leaky = copy.deepcopy(doc)
    leaky["facts"]["live"]["dsn"] = "postgresql://auditor:s3cr3t-pw@db.example.invalid:5432/app"
    html = present.live_database_html(leaky)
    assert "s3cr3t-pw" not in html and "postgresql://auditor:***@db.example.invalid:5432/app" in html


def test_live_frames(doc):
    overview = dict(present.live_overview_frame(doc).values.tolist())
    assert overview["Connection (password masked)"].endswith("password=***")
    assert overview["Server"] == "PostgreSQL 15.18 (Debian 15.18-0+deb12u1) (primary)"
    assert overview["Machine memory"].startswith("23.5 GB")
    settings = present.settings_frame(doc)
    assert settings["Setting"].tolist()[:3] == ["max_connections", "superuser_reserved_connections", "shared_buffers"]
    values = dict(zip(settings["Setting"], settings["Value"]))
    assert values["shared_buffers"] == "128 MB" and values["statement_timeout"] == "0 (no limit)" and values["max_connections"] == "100"
    assert dict(zip(settings["Setting"], settings["Share of memory"]))["shared_buffers"] == "0.5%"
    assert "random_page_cost" not in values and "random_page_cost" in present.settings_frame(doc, None)["Setting"].tolist()
    bars = present.connection_bars_frame(doc)
    assert bars["Bar"].tolist() == ["In use now", "Pools × processes", "max_connections"]
    assert bars["Connections"].tolist() == [4, 20, 100], "pools: 20 per process × 1 process from the capacity estimate"
    assert bars["Detail"].tolist()[0] == "3 idle, 1 idle in transaction"
    assert present.cache_frame(doc)["Hit ratio"].tolist() == ["99.73%", "99.74%", "95.45%"]
    assert present.unused_indexes_frame(doc)["Index"].tolist() == ["bookings_slot_id_dup", "bookings_slot_id_dup2"]
    assert present.invalid_indexes_frame(doc).empty
    assert present.duplicate_indexes_frame(doc)["Index names"].iloc[0].splitlines()[0] == "bookings_slot_id_dup"
    assert present.unindexed_fks_frame(doc)["Constraint"].tolist() == ["bookings_student_id_fkey", "reviews_student_id_fkey"]
    top = present.top_statements_frame(doc)
    assert top["Statement"].iloc[0] == "SELECT pg_sleep($1)" and top["Share"].iloc[0] == "36.3%" and top["Cache hits"].iloc[0] == "n/a"
    assert present.replication_summary(doc) == "This server is a primary with no replica attached: every read goes to it."
    assert present.sequences_frame(doc)["Used"].tolist() == ["93.1%"]
    assert present.dead_tuples_frame(doc)["Autovacuum"].tolist() == ["off for this table"]
    assert present.activity_frame(doc)["State"].tolist() == ["idle in transaction"]
    assert present.plans_frame(doc)["Access"].tolist()[0] == "public.slots: index (slots_pkey)"
    assert present.live.fmt_cost(10000000033.4) == "33.4 + 1e10" and present.live.fmt_cost(8.17) == "8.17"
    assert present.live.fmt_bytes(25276502016) == "23.5 GB" and present.live.fmt_ms(5000) == "5 s" and present.live.fmt_seconds(95) == "1 min 35 s"


def test_live_html(doc):
    text = visible_text(present.live_html(doc))
    for part in ("Server", "Connections", "Cache hit ratio", "Settings", "Indexes", "Top statements (pg_stat_statements)", "Replication"):
        assert part in text, part
    assert "99.73% of block reads were served from shared buffers" in text
    assert "Unused indexes (2)" in text and "No invalid index." in text and "Duplicate indexes (1)" in text
    assert "primary with no replica attached" in text
    assert "Sequences" not in text, "the long lists are the deep dive's"
    full = visible_text(present.live_html(doc, full=True))
    assert "Sequences (1)" in full and "Tables with dead rows (1)" in full and "random_page_cost" in full
    assert "Long-running statements and open transactions (1)" in full


def test_live_html_without_dsn_with_an_error_and_without_pg_stat_statements(doc):
    assert visible_text(present.live_html(EMPTY)) == "No live database was checked: no --dsn given."
    broken = {"facts": {"live": {"dsn": "postgresql://a:s3cret@127.0.0.1:1/db", "error": "connection refused (postgresql://a:s3cret@127.0.0.1:1/db)"}}}
    html = present.live_html(broken)
    assert html.count("<p") == 1 and "connection refused" in html and "s3cret" not in html, "one line, no password"
    no_pss = copy.deepcopy(doc)
    no_pss["facts"]["live"]["statements"] = {"available": False, "reason": "the pg_stat_statements extension is not installed in this database"}
    text = visible_text(present.live_html(no_pss))
    assert "pg_stat_statements is not available: the pg_stat_statements extension is not installed in this database." in text
    replica = copy.deepcopy(doc)
    replica["facts"]["live"]["replication"] = {"role": "replica", "replay_delay_s": 2.5, "replicas": [], "slots": []}
    assert present.replication_summary(replica) == "This server is a replica, replaying 2.5 s behind its primary."
    primary = copy.deepcopy(doc)
    primary["facts"]["live"]["replication"]["replicas"] = [
        {"application": "replica-1", "state": "streaming", "sync_state": "async", "replay_lag_s": 0.4, "lag_bytes": 2048}]
    assert present.replication_summary(primary).startswith("This server is a primary with 1 replica attached")
    assert present.replicas_frame(primary).iloc[0].tolist() == ["replica-1", "streaming", "async", "0.4 s", "2 kB"]


def test_live_connections_chart(doc):
    fig = present.live_connections_chart(doc)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["In use now", "Pools × processes", "max_connections"]
    assert [round(p.get_width()) for p in ax.patches] == [4, 20, 100]
    assert fig.get_label() == "Live connections: In use now 4; Pools × processes 20; max_connections 100"
    over = copy.deepcopy(doc)
    over["scorecard"]["capacity"]["inputs"]["processes"]["value"] = 8
    assert any("more than the server allows" in t.get_text() for t in present.live_connections_chart(over).axes[0].texts)
    assert "no live database" in present.live_connections_chart(EMPTY).get_label()


# --------------------------------------------------------------------------- shadow database


def test_shadow_frames(doc):
    s = present.shadow_summary(doc)
    assert (s["applied"], s["failed"], s["total"], s["agrees"], s["server"]) == (10, 2, 12, False, "local PostgreSQL 15")
    failures = present.shadow_failures_frame(doc)
    assert failures["Location"].tolist() == ["backend/db/migrations/004_extras.sql:5", "backend/db/migrations/004_extras.sql:7"]
    assert failures["Error"].iloc[0] == 'type "priority_level" does not exist [42704]'
    assert failures["Cause"].iloc[1] == "follows the failure at backend/db/migrations/004_extras.sql:2"
    comparison = present.comparison_frame(doc)
    assert comparison.iloc[0][["Kind", "Table", "Static model", "Catalog"]].tolist() == ["index", "public.bookings", "missing", "exists"]
    planner = present.planner_frame(doc)
    assert planner["Outcome"].tolist() == ["confirmed", "confirmed"]
    assert planner["Verdict per query"].iloc[0] == "backend/src/routes/bookings.ts:43: sequential scan"
    assert present.planner_counts(doc) == {"confirmed": 2, "refuted": 0, "unverified": 0}
    hypo = present.hypothetical_frame(doc)
    assert hypo[["Cost before", "Cost after", "Planner picks it"]].values.tolist() == [[17.4, 10.73, "yes"], [11.77, 11.77, "usable, not chosen"]]
    assert present.unindexed_fks_frame(doc, "shadow")["Table"].tolist() == ["public.bookings", "public.reviews"]
    assert present.duplicate_indexes_frame(doc, "shadow")["Table"].tolist() == ["public.bookings"]
    unverified = copy.deepcopy(doc)
    unverified["facts"]["shadow"]["planner"][0]["queries"] = [{"path": "q.sql", "line": 3, "verdict": None, "why": "not explained"}]
    unverified["facts"]["shadow"]["planner"][0]["outcome"] = "unverified"
    assert present.planner_frame(unverified)["Verdict per query"].iloc[0] == "q.sql:3: not explained (not explained)"


def test_shadow_html(doc):
    text = visible_text(present.shadow_html(doc))
    assert "10 of 12 statements applied, 2 failed, 0 skipped (transaction control) (83.3% of those tried)" in text
    assert "Statements that failed (2)" in text and "backend/db/migrations/004_extras.sql:5" in text
    assert "1 disagreement between the schema read from the SQL and what PostgreSQL built" in text
    assert "2 confirmed (no index can serve the query), 0 refuted" in text
    assert "CREATE INDEX ON public.bookings (student_id, created_at)" in text
    agree = copy.deepcopy(doc)
    agree["facts"]["shadow"].update(comparison=[], failures=[])
    assert "The catalog agrees with the schema read from the SQL" in visible_text(present.shadow_html(agree))
    assert "No shadow database" in visible_text(present.shadow_html(EMPTY))
    failed = {"facts": {"shadow": {"error": "no PostgreSQL server binaries found"}}}
    assert visible_text(present.shadow_html(failed)) == "The shadow database could not be used: no PostgreSQL server binaries found."
    section = visible_text(present.live_database_html(doc))
    assert section.index("Replication") < section.index("Shadow database") < section.index("Planner verdicts")
    assert "No shadow database" in visible_text(present.live_database_html({**doc, "facts": {**doc["facts"], "shadow": None}}))


def test_infra_and_live_escape_untrusted_text(doc):
    evil = _with_infra_checks(doc)
    evil["facts"]["infra"]["rate_limits"][0]["detail"] = "<script>alert(1)</script>"
    evil["facts"]["infra"]["outbound_calls"][0]["target"] = "<img src=x onerror=1>"
    evil["facts"]["live"]["statements"]["top"][0]["query"] = "SELECT '<b>bold</b>'"
    evil["facts"]["shadow"]["failures"][0]["error"] = "<i>err</i>"
    evil["facts"]["live"]["indexes"]["unused"][0]["definition"] = "<u>x</u>"
    html = present.infrastructure_html(evil, full=True) + present.live_html(evil, full=True) + present.shadow_html(evil, full=True)
    for raw in ("<script>", "<img src=x", "<b>bold", "<i>err", "<u>x"):
        assert raw not in html, raw


# --------------------------------------------------------------------------- deep dives


def test_deep_dive_header_links_back(doc):
    html = present.deep_dive_header_html(doc, "database")
    assert '<a href="readiness.html">readiness.html</a>' in html
    assert visible_text(html).startswith("Database: booking-api Deep dive of the readiness report")
    assert set(present.DEEP_DIVES) == set(report.DEEP_DIVES) and present.DEEP_DIVES == report.DEEP_DIVES


def test_deep_dive_findings_are_not_capped(doc):
    many = _many_findings(doc, 12)
    text = visible_text(present.deep_dive_findings_html(many, "database"))
    assert "more db.rls-initplan findings" not in text
    assert all(f"Policy p{i} re-evaluates" in text for i in range(12)), "every finding"
    main = visible_text(present.findings_html(many))
    assert "+7 more db.rls-initplan findings" in main, "the main report caps them"
    long = copy.deepcopy(doc)
    long["findings"][1]["evidence"] = [{"path": f"f{i}.sql", "line": i, "detail": "x" * 300} for i in range(1, 8)]
    assert "+3 more evidence lines" in present.findings_html(long)
    full = present.deep_dive_findings_html(long, "database")
    assert "more evidence lines" not in full and "f7.sql:7" in full and "x" * 300 in full
    assert "pool.capacity-below-target" not in present.deep_dive_findings_html(doc, "database"), "only its areas"
    assert "No findings in Live database" in visible_text(present.deep_dive_findings_html({**doc, "scorecard": {
        **doc["scorecard"], "areas": doc["scorecard"]["areas"] + [{"area": "live", "title": "Live database", "checks": []}]}}, "live_postgres"))


def test_deep_dive_detail_lists(doc):
    indexes = present.indexes_frame(doc)
    assert list(indexes.columns) == ["Index", "Table", "Key columns", "Method", "Kind", "Defined at"] and len(indexes) == len(doc["facts"]["schema"]["indexes"])
    fks = present.foreign_keys_frame(doc)
    assert "no (db.unindexed-fk)" in fks["Indexed"].tolist()
    queries = present.all_queries_frame(doc)
    assert len(queries) == len(doc["facts"]["queries"]["items"])
    text = visible_text(present.schema_detail_html(doc) + present.queries_detail_html(doc) + present.env_html(doc))
    assert f"Indexes ({len(indexes)})" in text and f"Every query found in the code ({len(queries)})" in text
    assert "DATABASE_URL" in text and "postgresql://postgres:***@db.example.supabase.co:6543/postgres" in text


# --------------------------------------------------------------------------- roadmap


def test_roadmap_phases(doc):
    phases = present.roadmap_phases(doc)
    assert [(p["number"], p["title"], p["checks"], p["findings"]) for p in phases] == [
        ("1", "Critical fixes", 3, 4), ("2", "Scaling preparation", 1, 1), ("3", "Hardening", 1, 1),
    ]
    assert phases[0]["severities"] == ("critical", "high") and phases[2]["severities"] == ("low", "info")
    assert phases[0]["efforts"] == {"hours": 2, "days": 1}, "hours before days"
    frame = phases[0]["frame"]
    assert list(frame.columns) == ["Check", "Title", "Area", "Severity", "Findings", "Effort", "Gain"]
    assert frame.iloc[0].to_dict() == {
        "Check": "pool.capacity-below-target", "Title": "Pool capacity below the profile's concurrency", "Area": "Connection pooling",
        "Severity": "critical", "Findings": 1, "Effort": "days", "Gain": 20.0,
    }
    assert list(frame["Gain"]) == [20.0, 10.7, 0.0], "the document's order: largest gain first"
    assert len(present.roadmap_frame(doc)) == 5, "every phase's items"


def test_roadmap_phases_with_missing_parts(doc):
    d = copy.deepcopy(doc)
    roadmap = d["scorecard"]["roadmap"]
    roadmap[1]["items"] = []
    del roadmap[2]["items"]
    roadmap[0]["items"][0].update(effort=None, gain=None, area="unknown-area")
    phases = present.roadmap_phases(d)
    assert [p["checks"] for p in phases] == [3, 0, 0]
    first = phases[0]["frame"].iloc[0]
    assert (first["Effort"], first["Area"]) == ("unknown", "unknown-area") and pd.isna(first["Gain"])
    d["scorecard"]["roadmap"] = None
    assert present.roadmap_phases(d) == [] and present.roadmap_frame(d).empty


def test_roadmap_html(doc):
    html = present.roadmap_html(doc)
    text = visible_text(html)
    assert "the scorecard re-computed with the check passing, not an estimate" in text
    assert "Phase 1 · Critical fixes (critical and high severity)" in text
    assert "3 checks to fix, 4 findings; effort: 2 in hours, 1 in days." in text
    assert "Phase 2 · Scaling preparation (medium severity)" in text and "Phase 3 · Hardening (low and info severity)" in text
    assert html.count('<table class="sa-table sa-roadmap"') == 3
    assert "<code>pool.capacity-below-target</code>" in html and "Pool capacity below the profile&#x27;s concurrency" in html
    assert ">+20.0<" in html and ">0.0<" in html, "a check behind a cap gains nothing alone"
    assert 'class="sa-badge sa-sev-critical"' in html and text.index("+20.0") < text.index("+10.7")
    empty_phase = copy.deepcopy(doc)
    empty_phase["scorecard"]["roadmap"][1]["items"] = []
    html = present.roadmap_html(empty_phase)
    assert "Phase 2 · Scaling preparation: nothing to do, no medium check fails." in visible_text(html)
    assert html.count('<table class="sa-table sa-roadmap"') == 2
    none = copy.deepcopy(doc)
    for phase in none["scorecard"]["roadmap"]:
        phase["items"] = []
    text = visible_text(present.roadmap_html(none))
    assert "Phase 3 · Hardening: nothing to do, no low or info check fails." in text and "<table" not in present.roadmap_html(none)
    del none["scorecard"]["roadmap"]
    assert present.roadmap_html(none) == '<p class="sa-empty">The document has no roadmap (scorecard.roadmap).</p>'


# --------------------------------------------------------------------------- front end


def _with_budget_check(doc: dict, status: str = "pass", note: str | None = None) -> dict:
    """The sample plus a frontend area whose fe.initial-js-budget row has ``status`` and ``note``."""
    d = copy.deepcopy(doc)
    if note is None:
        note = "initial JavaScript (4 files, from manifest): 410,397 B raw, 119,241 B gzip; budget 170.0 kB gzip"
    check = {
        "check": "fe.initial-js-budget", "findings": 0, "note": note, "points_available": 5.0, "points_lost": 0.0,
        "severity": "high", "status": status, "title": "Initial JavaScript over the mobile budget", "weight": 5.0,
    }
    d["scorecard"]["areas"].append(
        {"area": "frontend", "capped": False, "checks": [check], "score": 100.0, "title": "Frontend delivery", "weight": 2}
    )
    return d


def test_frontend_apps_and_config(doc):
    apps = present.apps_frame(doc)
    assert apps.to_dict("records") == [
        {"App": "web", "Kind": "spa", "Vite": "5.4.21 (web/package.json: ^5.0.8), Rollup", "Frameworks": "react", "Config": "web/vite.config.ts"}
    ]
    config = present.vite_config_frame(doc)
    assert list(config["Setting"]) == [
        "manualChunks", "chunkSizeWarningLimit", "sourcemap", "minify", "target", "manifest", "plugin: react",
    ], "manualChunks, then the notable settings in order, then the plugins"
    first = config.iloc[0]
    assert first["Value"].startswith("object form: router, supabase, ui, vendor") and first["Location"] == "web/vite.config.ts:16"
    assert config.set_index("Setting").loc["sourcemap", "Value"] == "true"
    assert config.iloc[-1]["Value"] == "react (@vitejs/plugin-react)"
    d = copy.deepcopy(doc)
    app = d["facts"]["frontend"]["apps"][0]
    app["vite"] = {"declared": "^7.0.0", "declared_in": "web/package.json", "installed": None, "bundler": "rollup"}
    app["config"] = None
    assert present.apps_frame(d).iloc[0]["Vite"] == "^7.0.0 (declared in web/package.json; no lock file pins it), Rollup"
    assert present.apps_frame(d).iloc[0]["Config"] == "(no vite.config)" and present.vite_config_frame(d).empty
    assert "No vite.config was read" in visible_text(present.frontend_html(d))


def test_frontend_bundle_frames(doc):
    assets = present.assets_frame(doc)
    assert list(assets.columns) == ["Asset", "Kind", "Raw (kB)", "Gzip (kB)", "Brotli (kB)", "Initial"]
    assert assets.iloc[0].to_dict() == {
        "Asset": "assets/supabase-Cj_qT-nX.js", "Kind": "js", "Raw (kB)": 213.8, "Gzip (kB)": 53.9, "Brotli (kB)": 45.4, "Initial": "yes"
    }
    assert list(assets["Raw (kB)"]) == sorted(assets["Raw (kB)"], reverse=True), "largest first"
    assert len(assets) == 9 and len(present.assets_frame(doc, limit=3)) == 3
    assert assets.set_index("Asset").loc["favicon.svg", "Initial"] == "no"
    kinds = present.bytes_by_kind_frame(doc)
    assert list(dict.fromkeys(kinds["Kind"])) == ["JavaScript", "CSS", "Images", "Other (HTML, ...)"], "no fonts in the build"
    js = kinds[kinds["Kind"] == "JavaScript"].set_index("Load")
    assert js.loc["initial", "Gzip (kB)"] == 119.2 and js.loc["lazy", "Files"] == 2
    packages = present.packages_frame(doc)
    assert len(packages) == 10 and packages.iloc[0].to_dict() == {"Package": "react-dom", "kB": 128.8, "Initial (kB)": 128.8, "Lazy (kB)": 0.0}
    assert packages.set_index("Package").loc["@tanstack/query-core", "Lazy (kB)"] == 6.2
    assert len(present.packages_frame(doc, limit=None)) == 12
    totals = present.bundle_totals(doc)
    assert totals["assets"] == 9 and totals["initial"]["gzip"] == 119878 and totals["lazy"]["files"] == 3
    net = present.download_frame(doc)
    assert net[["Network", "Bandwidth (Mbit/s)", "Latency (ms)", "Round trips", "Time (s)"]].values.tolist() == [
        ["Lighthouse Slow 4G (simulated)", 1.64, 150, 4, 1.19], ["Chrome DevTools Fast 3G", 1.44, 562.5, 2, 1.79],
    ]
    assert present.serving_frame(doc).to_dict("records") == [
        {"How": "host", "Location": "web/netlify.toml", "Detail": "Netlify compresses text assets (gzip/brotli) by default"}
    ]
    assert present.source_signals(doc) == [
        "19 source files read", "3 lazy imports (first at web/src/App.tsx:8)", "2 error boundaries", "1 query client",
        "3 query hooks (3 without staleTime)", "3 <img> elements",
    ]


def test_budget_verdict(doc):
    v = present.budget_verdict(doc)
    assert (v["initial_js_gzip"], v["files"], v["budget"], v["check_found"]) == (119241, 4, None, False)
    text = visible_text(present.frontend_html(doc))
    assert "Initial JavaScript: 119.2 kB gzip in 4 files. The document has no result of fe.initial-js-budget" in text
    passed = _with_budget_check(doc)
    v = present.budget_verdict(passed)
    assert (v["budget"], v["status"]) == (170000.0, "pass"), "the budget stated in the check's note"
    html = present.frontend_html(passed)
    assert "Initial JavaScript: 119.2 kB gzip in 4 files, under the 170 kB gzip budget by 50.8 kB (70% of it). pass fe.initial-js-budget" in visible_text(html)
    assert 'class="sa-verdict sa-verdict-pass"' in html
    failed = _with_budget_check(doc, "fail", note="")
    failed["findings"].append(
        {"area": "frontend", "check": "fe.initial-js-budget", "evidence": [], "fix": "", "severity": "high",
         "subject": {"budget": 100000, "initial_js_gzip": 119241}, "title": "Initial JavaScript is 119.2 kB gzip", "why": ""}
    )
    html = present.frontend_html(failed)
    assert "over the 100 kB gzip budget by 19.2 kB (119% of it). fail" in visible_text(html), "the budget from the finding"
    assert 'class="sa-verdict sa-verdict-fail"' in html
    silent = _with_budget_check(doc, "pass", note="")
    assert "the check states no budget. pass fe.initial-js-budget" in visible_text(present.frontend_html(silent))
    unknown = _with_budget_check(doc, "undecided", note="web/dist has neither .vite/manifest.json nor index.html: initial load unknown")
    unknown["facts"]["frontend"]["bundle"]["initial_from"] = "none"
    text = visible_text(present.frontend_html(unknown))
    assert "Initial JavaScript: unknown (web/dist has neither.vite/manifest.json nor index.html" in text
    assert "undecided fe.initial-js-budget" in text and "Which of them load first is unknown" in text


def test_frontend_html(doc):
    html = present.frontend_html(doc)
    text = visible_text(html)
    assert text.index("App") < text.index("Bundle") < text.index("Bytes per npm package") < text.index("Download time of the initial load")
    assert "Build settings read from web/vite.config.ts" in text and "App web" not in text, "one app: no App column in the config"
    assert "Measured in web/dist: 9 files. The initial load is the entry and its static imports" in text
    assert "6 files, 411.5 kB raw, 119.9 kB gzip, 103.1 kB brotli; 3 more files (3.8 kB gzip) load later" in text
    assert ">213.8<" in html and ">0.2<" in html and ">7<" not in html, "kB with one decimal"
    assert html.count("<img") == 2 and 'alt="Bundle by kind, kB gzip: JavaScript initial 119.2' in html
    assert 'alt="Bytes per package, kB minified: react-dom 128.8' in html
    assert "6 of 6 JavaScript files have source maps" in text
    assert "For 119.9 kB on the wire: seconds = round_trips × RTT" in text and ">1.79<" in html
    assert "Netlify compresses text assets" in text and "React source: 19 source files read; 3 lazy imports" in text
    many = copy.deepcopy(doc)
    assets = many["facts"]["frontend"]["bundle"]["assets"]
    assets += [dict(assets[-1], path=f"assets/chunk-{i}.js", raw=10 + i) for i in range(10)]
    assert "The 15 largest files are shown; 4 smaller ones are not." in visible_text(present.frontend_html(many))
    unserved = copy.deepcopy(doc)
    unserved["facts"]["frontend"]["serving"] = []
    text = visible_text(present.frontend_html(unserved))
    assert "Nothing found in the repository serves the front end gzip- or brotli-compressed" in text
    assert "see fe.no-compression" not in text, "the sample has no such check"


def test_frontend_html_without_source_maps_dist_or_app(doc):
    no_maps = copy.deepcopy(doc)
    no_maps["facts"]["frontend"]["bundle"]["packages"] = {
        "from_sourcemaps": False, "items": [], "note": "no source maps in the build: bytes per package cannot be measured",
    }
    html = present.frontend_html(no_maps)
    text = visible_text(html)
    assert "Bytes per package are not measured: the build has no source maps." in text
    assert "(no source maps in the build: bytes per package cannot be measured.)" in text
    assert html.count("<img") == 1, "the bytes-by-kind chart only"
    assert "no source maps" in present.package_chart(no_maps).get_label()
    del no_maps["facts"]["frontend"]["bundle"]["packages"]
    assert "the document has no package breakdown" in visible_text(present.frontend_html(no_maps))

    no_dist = copy.deepcopy(doc)
    no_dist["facts"]["frontend"]["bundle"] = None
    no_dist["facts"]["frontend"]["bundle_note"] = "no built dist/: run with --build or --dist"
    html = present.frontend_html(no_dist)
    text = visible_text(html)
    assert "no built dist/: run with --build or --dist" in text and "<img" not in html
    assert "Initial JavaScript" not in text and "web/vite.config.ts" in text, "the app and its config still show"
    assert present.assets_frame(no_dist).empty and present.download_frame(no_dist).empty

    for fe in ({"apps": [], "bundle": None, "bundle_note": ""}, None):
        d = copy.deepcopy(doc)
        if fe is None:
            del d["facts"]["frontend"]
        else:
            d["facts"]["frontend"] = fe
        assert present.frontend_html(d) == (
            '<p class="sa-empty">No front end was found: no Vite app (a vite.config or an index.html with a vite dependency).</p>'
        )


def test_frontend_charts(doc):
    fig = present.bundle_kind_chart(doc)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["JavaScript", "CSS", "Images", "Other (HTML, ...)"]
    assert fig.get_figwidth() <= 7.2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["initial load", "loaded lazily"]
    assert "119.2 kB in 4 files" in [t.get_text() for t in ax.texts]
    assert "none" not in [t.get_text() for t in ax.texts], "no label on an empty bar"
    packages = present.package_chart(doc, limit=5)
    ax = packages.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "react-dom", "@supabase/auth-js", "@supabase/realtime-js", "@headlessui/react", "@supabase/phoenix",
    ]
    assert packages.get_label().startswith("Bytes per package, kB minified: react-dom 128.8")
    assert packages.get_figwidth() <= 7.2


def test_roadmap_and_frontend_escape_untrusted_text(doc):
    evil = copy.deepcopy(doc)
    evil["scorecard"]["roadmap"][0]["items"][0]["title"] = "<script>x</script>"
    fe = evil["facts"]["frontend"]
    fe["bundle"]["assets"][0]["path"] = "<img src=x onerror=alert(1)>.js"
    fe["bundle"]["packages"]["items"][0]["package"] = "<b>pkg</b>"
    fe["apps"][0]["config"]["plugins"][0]["name"] = "<i>plugin</i>"
    fe["bundle"]["download"]["model"] = "<script>model</script>"
    html = present.roadmap_html(evil) + present.frontend_html(evil)
    assert "<script>" not in html and "<img src=x" not in html and "<b>pkg" not in html and "<i>plugin" not in html
    no_dist = copy.deepcopy(evil)
    no_dist["facts"]["frontend"]["bundle"], no_dist["facts"]["frontend"]["bundle_note"] = None, "<script>note</script>"
    assert "&lt;script&gt;note" in present.frontend_html(no_dist)


# --------------------------------------------------------------------------- the notebook as stored


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_thin_and_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
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
    main = nbformat.read(NOTEBOOK, as_version=4)
    assert params[0].source == main.cells[0].source, "the same parameters"
    if path.stem == "live_postgres":  # run alone with a dsn it scans with the live checks
        assert "api.scan(project_path, profile, concurrent_users, dsn=dsn)" in code[1].source
    else:
        assert code[1].source == main.cells[1].source, "the same setup"
    assert all(len(c.source.splitlines()) <= 12 for c in code), "logic belongs in audit.present"
    display = [c for c in code[2:]]
    assert all(len(c.source.splitlines()) <= 2 and c.source.startswith("display(") for c in display), "one or two display lines"
    for name in re.findall(r"present\.(\w+)", "".join(c.source for c in code)):
        assert hasattr(present, name), name


def test_deep_dive_notebooks_exist_and_the_main_report_links_them():
    assert {p.stem for p in NOTEBOOKS} == {"readiness", *report.DEEP_DIVES}
    main = nbformat.read(NOTEBOOK, as_version=4)
    markdown = "".join(c.source for c in main.cells if c.cell_type == "markdown")
    for name in report.DEEP_DIVES:
        assert f"Full detail: [{name}.html]({name}.html)" in markdown, name
        nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
        assert f'present.deep_dive_header_html(doc, "{name}")' in nb.cells[2].source
        assert f'present.deep_dive_findings_html(doc, "{name}")' in nb.cells[-1].source


def test_data_dirs_resolve():
    assert (report.notebooks_dir() / "readiness.ipynb").is_file()
    assert all((report.notebooks_dir() / f"{name}.ipynb").is_file() for name in report.DEEP_DIVES)
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
    assert set(rendered["timings"]) >= {"kernel", "html", "pdf", "deep_dives", "total"}
    assert all(v >= 0 for v in rendered["timings"].values())
    out = Path(rendered["html"]).parent
    assert set(rendered["deep_dives"]) == set(report.DEEP_DIVES)
    for name, html in rendered["deep_dives"].items():
        assert html == out / f"{name}.html" and html.is_file() and (out / f"{name}.ipynb").is_file()
        assert not (out / f"{name}.pdf").exists(), "deep dives are HTML only"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])


def _links(html_path: Path) -> list[str]:
    parser = _Links()
    parser.feed(html_path.read_text(encoding="utf-8"))
    return [h for h in parser.hrefs if not h.startswith("#")]


def test_main_report_links_resolve_to_the_deep_dives(rendered):
    """Every link of readiness.html (other than its own anchors) is relative and names a file run_report wrote beside it."""
    out = Path(rendered["html"]).parent
    links = _links(Path(rendered["html"]))
    assert {f"{name}.html" for name in report.DEEP_DIVES} == set(links)
    for href in links:
        assert "://" not in href and not href.startswith("/"), href
        assert (out / href).resolve().is_file(), href
        assert (out / href).resolve() in {p.resolve() for p in rendered["deep_dives"].values()}
    for html in rendered["deep_dives"].values():
        back = _links(html)
        assert back and all((out / h).resolve().is_file() for h in back), "each deep dive links back to the main report"


def test_deep_dives_render_the_same_document(rendered):
    out = Path(rendered["html"]).parent
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for name, html in rendered["deep_dives"].items():
        text = visible_text(html.read_text(encoding="utf-8"))
        assert f"{report.DEEP_DIVES[name]}: booking-api" in text, name
        markup = re.sub(r"<style.*?</style>", "", html.read_text(encoding="utf-8"), flags=re.S)
        assert "jp-InputArea-editor" not in markup and "<script" not in markup and "s3cr3t-pw" not in markup
        nb = nbformat.read(out / f"{name}.ipynb", as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and str(SAMPLE) in injected[0].source, "the same audit_json as the main report"
        assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    database = visible_text(rendered["deep_dives"]["database"].read_text(encoding="utf-8"))
    assert all(f["title"] in database for f in doc["findings"] if f["area"] == "database"), "every database finding"
    assert "Every query found in the code" in database and "Foreign keys (" in database
    live = visible_text(rendered["deep_dives"]["live_postgres"].read_text(encoding="utf-8"))
    assert "Sequences (1)" in live and "Statements that failed (2)" in live and "password=***" in live
    infra = visible_text(rendered["deep_dives"]["infrastructure"].read_text(encoding="utf-8"))
    assert "Every signal (" in infra and "Third-party APIs called (2)" in infra


@pytest.mark.parametrize("name", ["database", "live_postgres"])
def test_a_deep_dive_runs_alone(name, tmp_path):
    """A deep dive is a notebook of its own: papermill runs it with the main notebook's parameters."""
    import papermill

    with report._kernel_env(None):
        papermill.execute_notebook(
            str(ROOT / "notebooks" / f"{name}.ipynb"), str(tmp_path / f"{name}.ipynb"),
            parameters={"audit_json": str(SAMPLE)}, progress_bar=False, kernel_name="python3",
        )
    nb = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    text = visible_text(html)
    assert text.startswith(f"{report.DEEP_DIVES[name]}: booking-api")
    if name == "database":
        assert "Every query found in the code (6)" in text and "Indexes (" in text
    else:
        assert "Connections" in text and "Statements that failed (2)" in text and "Planner verdicts on the flagged queries" in text


def test_a_failing_deep_dive_keeps_the_main_report(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "DEEP_DIVES", {"nowhere": "Missing"})
    result = report.run_report(ROOT, tmp_path, audit_json=SAMPLE, pdf="none")
    assert Path(result["html"]).is_file() and result["deep_dives"] == {}
    assert "deep-dive notebook not found" in result["errors"]["deep dive nowhere"]


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
    assert len(images) == 7 and all('src="data:image/png;base64,' in img for img in images), (
        "scores, findings per area, index coverage, connection budget, bundle by kind, bytes per package, live connections"
    )
    assert "No baseline was given" in text and "scorecard.profiles" in text, "the sample predates both"
    assert text.index("Where the points went") < text.index("Roadmap") < text.index("Phase 1 · Critical fixes")
    assert text.index("Phase 3 · Hardening") < text.index("Findings ¶ By severity")
    assert text.index("Pools & capacity") < text.index("Front end ¶") < text.index("Infrastructure ¶") < text.index("Live database ¶")
    assert text.index("Live database ¶") < text.index("Deployment ¶ What the deployment")
    assert "Third-party APIs called (2)" in text and "Searched: Redis/Valkey clients" in text
    assert "user=postgres dbname=booking host=127.0.0.1 port=55551 password=***" in text and "Shadow database" in text
    assert "Initial JavaScript: 119.2 kB gzip in 4 files" in text
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
    result = report.run_report(ROOT, tmp_path, audit_json=SAMPLE, pdf="weasyprint", deep_dives=False)
    assert result["deep_dives"] == {} and "deep_dives" not in result["timings"]
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
    # the deep dives render the document the main notebook scanned and wrote, not a scan of their own
    assert result["errors"] == {} and set(result["deep_dives"]) == set(report.DEEP_DIVES)
    nb = nbformat.read(tmp_path / "database.ipynb", as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert str(tmp_path / "readiness.json") in injected.source
    assert f"Database: {doc['target']['name']}" in visible_text(result["deep_dives"]["database"].read_text(encoding="utf-8"))
