"""Scores against other scales (scorecard.profiles), since the last audit (--baseline) and findings
per area and severity: the document, the charts, the report's sections and a real notebook run."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from matplotlib.figure import Figure

from audit import present, report
from audit.api import document_json, scan
from audit.markdown import to_markdown

ROOT = Path(__file__).resolve().parent.parent
CAPSULE = ROOT / "examples" / "capsule-api"
SCHEMA = json.loads((ROOT / "docs" / "contract.schema.json").read_text())
DROPPED_INDEX = "CREATE INDEX IF NOT EXISTS idx_recipients_recipient_user ON public.recipients (recipient_user_id);\n"


def _brief(sc: dict) -> dict:
    """A scorecard in the shape of a `scorecard.profiles` entry, less profile and users."""
    return {"overall": sc["overall"], "grade": sc["grade"], "coverage": sc["coverage"],
            "areas": [{"area": a["area"], "score": a["score"]} for a in sc["areas"]]}


@pytest.fixture(scope="module")
def scans() -> dict[str, dict]:
    """capsule-api audited at each built-in profile."""
    return {name: scan(str(CAPSULE), name) for name in ("500", "10k", "1m")}


@pytest.fixture(scope="module")
def compared(tmp_path_factory, scans) -> dict:
    """A copy of capsule-api with one index dropped, audited against the original as baseline."""
    copy = tmp_path_factory.mktemp("trend") / "capsule-api"
    shutil.copytree(CAPSULE, copy)
    migration = copy / "supabase" / "migrations" / "00_consolidated_schema.sql"
    text = migration.read_text(encoding="utf-8")
    assert DROPPED_INDEX in text
    migration.write_text(text.replace(DROPPED_INDEX, ""), encoding="utf-8")
    return scan(str(copy), "10k", baseline=scans["10k"])


# --------------------------------------------------------------------------- the document


def test_profiles_are_the_same_facts_scored_at_each_scale(scans):
    doc = scans["10k"]
    profiles = doc["scorecard"]["profiles"]
    assert [(p["profile"], p["concurrent_users"]) for p in profiles] == [("500", 500), ("10k", 10_000), ("1m", 1_000_000)]
    # each entry is what a full audit at that profile scores, from one discovery
    for entry in profiles:
        full = scans[entry["profile"]]
        assert {k: entry[k] for k in ("overall", "grade", "coverage", "areas")} == _brief(full["scorecard"]), entry["profile"]
        assert entry["findings"] == len(full["findings"])
    # the checklist makes some check pass or apply at one scale and not at another, and that shows
    status = {name: {c["check"]: c["status"] for a in d["scorecard"]["areas"] for c in a["checks"]} for name, d in scans.items()}
    assert any(status["500"][c] != status["1m"][c] for c in status["500"])
    assert profiles[2]["overall"] <= profiles[0]["overall"], "a million users asks more of the same code than 500"
    # the capacity estimate the document keeps is its own profile's, not the last one computed
    assert doc["scorecard"]["capacity"]["inputs"]["concurrent_users"] == 10_000


def test_documents_with_profiles_and_baseline_follow_the_schema(scans, compared):
    for doc in (*scans.values(), compared):
        jsonschema.validate(doc, SCHEMA)
    broken = json.loads(document_json(compared))
    del broken["scorecard"]["profiles"][0]["grade"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_baseline_sees_the_dropped_index(compared):
    base = compared["scorecard"]["baseline"]
    assert {f["check"] for f in base["new"]} >= {"db.unindexed-fk"}
    assert any("recipient_user_id" in f["title"] for f in base["new"])
    assert base["fixed"] == []
    database = next(a for a in base["areas"] if a["area"] == "database")
    assert database["delta"] < 0


# --------------------------------------------------------------------------- frames and charts


def test_profile_scores_frame_puts_the_movers_first(scans):
    frame = present.profile_scores_frame(scans["10k"])
    assert list(frame.columns) == ["Area", "500", "10k", "1m", "Moves"]
    assert frame["Area"].iloc[0] == "Overall readiness"
    moves = list(frame["Moves"].iloc[1:])
    assert moves == sorted(moves, reverse=True)
    overall = [p["overall"] for p in scans["10k"]["scorecard"]["profiles"]]
    assert list(frame.iloc[0][["500", "10k", "1m"]]) == overall


def test_profile_chart(scans):
    doc = scans["10k"]
    fig = present.profile_chart(doc)
    assert isinstance(fig, Figure) and fig.get_figwidth() <= 7.2
    ax = fig.axes[0]
    frame = present.profile_scores_frame(doc)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(frame["Area"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["500 users", "10k users (this report)", "1m users"]
    overall = doc["scorecard"]["profiles"]
    assert fig.get_label().startswith(
        "Scores against profile (500, 10k, 1m): Overall readiness " + ", ".join(present.fmt_pct(p["overall"]) for p in overall)
    )
    empty = present.profile_chart({})
    assert empty.get_label() == "Scores against profile: none in the document"


def test_baseline_chart(compared):
    fig = present.baseline_chart(compared)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Overall readiness" and "Database queries & indexes" in labels
    db = next(a for a in compared["scorecard"]["baseline"]["areas"] if a["area"] == "database")
    assert (f"Database queries & indexes {present.fmt_pct(db['before'])} → {present.fmt_pct(db['after'])} "
            f"(−{-db['delta']:.1f})") in fig.get_label()
    assert "now, worse" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert present.baseline_chart({}).get_label() == "Since the last audit: no baseline in the document"


def test_severity_chart_counts_every_finding(scans):
    doc = scans["10k"]
    frame = present.severity_counts_frame(doc)
    assert frame["Findings"].sum() == len(doc["findings"])
    assert Counter({(r.Area, r.Severity): r.Findings for r in frame.itertuples()}) == Counter(
        (next(a["title"] for a in doc["scorecard"]["areas"] if a["area"] == f["area"]), f["severity"]) for f in doc["findings"]
    )
    fig = present.severity_chart(doc)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(dict.fromkeys(frame["Area"]))
    bars = sum(p.get_width() for p in ax.patches)
    assert bars == len(doc["findings"]), "the stacked segments add up to the findings"
    assert fig.get_label().startswith("Findings per area: ")
    assert present.severity_chart({}).get_label() == "Findings per area: none"


# --------------------------------------------------------------------------- sections


def test_baseline_html_lists_the_new_finding(compared):
    html = present.baseline_html(compared)
    base = compared["scorecard"]["baseline"]
    assert f"<h3>New findings ({len(base['new'])})</h3>" in html
    assert "<code>db.unindexed-fk</code>" in html and "recipient_user_id" in html
    assert "No fixed findings." in html and "Fixed findings" not in html
    assert f"{base['unchanged']} findings unchanged" in html
    assert 'alt="Since the last audit: Overall readiness' in html


def test_without_baseline_one_line_says_how_to_get_one(scans):
    html = present.baseline_html(scans["10k"])
    assert html.count("<p") == 1 and "scaleaudit run PATH --baseline previous/readiness.json" in html
    assert present.baseline_html({}) == html


def test_profiles_html_names_what_moves(scans):
    doc = scans["10k"]
    html = present.profiles_html(doc)
    frame = present.profile_scores_frame(doc)
    mover = frame["Area"].iloc[1].replace("&", "&amp;")
    assert f"The areas that change most with the scale: <strong>{mover}</strong>" in html
    assert "10k (this report)" in html and "1,000,000" in html
    assert "scorecard.profiles" in present.profiles_html({})


def test_severity_html_is_empty_without_findings(scans):
    assert "findings in" in present.severity_html(scans["10k"])
    assert present.severity_html({}) == ""


def test_markdown_summary_has_each_scale_and_the_baseline(compared):
    md = to_markdown(compared)
    assert "At each scale: 500 users " in md and " · 1m users " in md
    assert f"{compared['scorecard']['baseline']['overall']['delta']:+.1f} points since the baseline" in md


# --------------------------------------------------------------------------- the real notebook


def test_report_shows_the_comparisons(compared, tmp_path):
    """papermill runs the readiness notebook on a document with a baseline; the HTML shows both sections."""
    from test_report import visible_text

    path = tmp_path / "readiness.json"
    path.write_text(document_json(compared), encoding="utf-8")
    result = report.run_report(ROOT, tmp_path / "out", audit_json=path, pdf="none", deep_dives=False)
    assert result["errors"] == {}
    text = visible_text(Path(result["html"]).read_text(encoding="utf-8"))
    assert text.index("Scorecard ¶") < text.index("Since the last audit ¶") < text.index("Against other scales ¶")
    assert text.index("Against other scales ¶") < text.index("Where the points went ¶")
    since = text[text.index("Since the last audit ¶"): text.index("Against other scales ¶")]
    assert "New findings" in since and "db.unindexed-fk" in since and "recipient_user_id" in since
    assert "10k (this report)" in text
