"""Scoring: hand-computed scores, N/A and undecided checks, caps, waivers with and without expiry."""

import pytest

from audit.catalog import Catalog, CheckSpec, AreaSpec, load_profile
from audit.model import Evidence, Finding, Outcome
from audit.scoring import points_lost, scorecard
from audit.waivers import Waiver, apply_waivers, load_waivers

TODAY = "2026-11-22"


def catalog(*checks, cap=40):
    areas = {"database": AreaSpec("database", "Database", 3.0), "pooling": AreaSpec("pooling", "Pools", 1.0)}
    specs = {c.id: c for c in checks}
    return Catalog(load_profile("10k"), areas, specs, {}, [("A", 90), ("B", 75), ("C", 60), ("D", 40), ("F", 0)],
                   {"critical_cap": cap})


def spec(cid, area="database", weight=6.0, full=1, severity="medium"):
    return CheckSpec(cid, area, cid, severity, weight, "why", "fix", full_loss_at=full)


def finding(cid, table="public.t", path="m/1.sql", severity="medium"):
    return Finding(cid, {"table": table}, [Evidence(path, 1, "d")], severity=severity)


def fail(cid, n=1, **kw):
    return Outcome("fail", [finding(cid, table=f"public.t{i}", **kw) for i in range(n)])


def areas(sc):
    return {a["area"]: a["score"] for a in sc["areas"]}


def test_points_lost_is_proportional_and_capped():
    assert points_lost(6, 0, 4) == 0 and points_lost(6, 1, 4) == 1.5 and points_lost(6, 9, 4) == 6


def test_hand_computed_scores():
    cat = catalog(spec("db.a", weight=6, full=4), spec("db.b", weight=2), spec("pool.c", "pooling", weight=5))
    sc = scorecard({"db.a": fail("db.a", 2), "db.b": Outcome("pass"), "pool.c": fail("pool.c")}, cat, [], TODAY)
    # database: available 8, lost 6 * 2/4 = 3 -> 62.5 ; pooling: 0 ; overall (3*62.5 + 1*0) / 4
    assert areas(sc) == {"database": 62.5, "pooling": 0.0}
    assert sc["overall"] == round((3 * 62.5) / 4, 1) and sc["grade"] == "D"
    assert sc["coverage"] == 100.0
    rows = {c["check"]: c for a in sc["areas"] for c in a["checks"]}
    assert (rows["db.a"]["points_available"], rows["db.a"]["points_lost"]) == (6.0, 3.0)


def test_not_applicable_and_undecided_leave_the_denominator():
    cat = catalog(spec("db.a", weight=6), spec("db.b", weight=2), spec("pool.c", "pooling", weight=5))
    sc = scorecard({"db.a": Outcome("pass"), "db.b": Outcome("undecided"), "pool.c": Outcome("not_applicable")},
                   cat, [], TODAY)
    assert areas(sc) == {"database": 100.0, "pooling": None}
    assert sc["overall"] == 100.0 and sc["grade"] == "A"
    assert sc["coverage"] == 75.0  # decided 6 of applicable 8; pool.c not applicable


def test_all_not_applicable_gives_no_score():
    cat = catalog(spec("db.a"), spec("pool.c", "pooling"))
    sc = scorecard({"db.a": Outcome("not_applicable"), "pool.c": Outcome("not_applicable")}, cat, [], TODAY)
    assert sc["overall"] is None and sc["grade"] == "n/a" and sc["coverage"] == 0.0


def test_critical_finding_caps_its_area():
    cat = catalog(spec("db.a", weight=1), spec("db.b", weight=99, severity="critical"))
    out = {"db.a": fail("db.a", severity="critical"), "db.b": Outcome("pass")}
    sc = scorecard(out, cat, [], TODAY)
    [db] = [a for a in sc["areas"] if a["area"] == "database"]
    assert db["score"] == 40.0 and db["capped"]


def test_waivers_whole_check_subject_path_and_expiry():
    cat = catalog(spec("db.a", weight=4, full=2), spec("pool.c", "pooling"))
    out = {"db.a": fail("db.a", 2), "pool.c": fail("pool.c")}
    whole = Waiver("pool.c", "accepted")
    by_subject = Waiver("db.a", "append-only", subject={"table": "public.t0"})
    expired = Waiver("db.a", "old", path="m/", expires="2026-01-01")
    sc = scorecard(out, cat, [whole, by_subject, expired], TODAY)
    assert areas(sc) == {"database": 50.0, "pooling": None}
    listed = {(w["check"], w["reason"]): w for w in sc["waived"]}
    assert listed[("pool.c", "accepted")]["findings"] == 1
    assert listed[("db.a", "append-only")]["findings"] == 1
    assert listed[("db.a", "old")]["expired"] is True
    kept, _ = apply_waivers(out, [whole, by_subject, expired], TODAY)
    assert kept["pool.c"].status == "waived" and len(kept["db.a"].findings) == 1
    still, _ = apply_waivers(out, [expired], TODAY)
    assert len(still["db.a"].findings) == 2, "an expired waiver counts again"


def test_same_input_same_score():
    cat = catalog(spec("db.a", full=3))
    out = {"db.a": fail("db.a", 2)}
    assert scorecard(out, cat, [], TODAY) == scorecard(out, cat, [], TODAY)


def test_load_waivers_from_toml_and_pyproject(tmp_path):
    (tmp_path / "scaleaudit.toml").write_text(
        '[[waive]]\ncheck = "db.unindexed-fk"\nreason = "small table"\nsubject = { table = "public.tags" }\n'
        '[[waive]]\ncheck = "pool.default-size"\n')
    (tmp_path / "pyproject.toml").write_text(
        '[tool.scaleaudit]\nwaive = [{ check = "pool.no-acquire-timeout", reason = "r", expires = "2027-01-01" }]\n')
    waivers, problems = load_waivers(tmp_path)
    assert [w.check for w in waivers] == ["db.unindexed-fk", "pool.no-acquire-timeout"]
    assert len(problems) == 1 and "needs a check and a reason" in problems[0]


@pytest.mark.parametrize("body", ["[[waive]\n", "waive = 3\x00"])
def test_broken_waiver_file_is_reported(tmp_path, body):
    (tmp_path / "scaleaudit.toml").write_text(body)
    waivers, problems = load_waivers(tmp_path)
    assert waivers == [] and problems


def test_profiles_weigh_areas_by_what_their_load_needs():
    from audit.catalog import load_catalog

    weights = {p: {a: s.weight for a, s in load_catalog(load_profile(p)).areas.items()} for p in ("500", "10k", "1m")}
    for area in ("caching", "read_scaling", "scaling", "observability"):
        assert weights["500"][area] < weights["10k"][area] < weights["1m"][area], area
    assert weights["500"]["database"] == weights["1m"]["database"] == 3
    custom = load_catalog(load_profile("custom", concurrent_users=2_000_000))
    assert custom.areas["caching"].weight == weights["1m"]["caching"], "a custom profile takes its base's weights"
