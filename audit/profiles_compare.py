"""The same facts scored at each built-in profile (`scorecard.profiles`): why readiness moves with scale."""

from __future__ import annotations

from audit.capacity import estimate, inputs_from_facts
from audit.catalog import STANDARD_PROFILES, load_catalog, load_profile
from audit.checks import run_checks
from audit.facts import Facts
from audit.scoring import remaining_findings, scorecard
from audit.waivers import Waiver


def profile_scores(facts: Facts, waivers: list[Waiver], today: str) -> list[dict]:
    """Overall, grade, coverage, findings and area scores at 500, 10k and 1m users, from `facts` as
    collected (no new discovery). The capacity estimate is redone per profile, since checks read it,
    and `facts.capacity` is put back afterwards."""
    kept, rows = facts.capacity, []
    try:
        for name in STANDARD_PROFILES:
            prof = load_profile(name)
            catalog = load_catalog(prof)
            facts.capacity = estimate(inputs_from_facts(facts, prof))
            outcomes = run_checks(facts, catalog)
            sc = scorecard(outcomes, catalog, waivers, today)
            rows.append({
                "profile": name, "concurrent_users": prof.concurrent_users,
                "overall": sc["overall"], "grade": sc["grade"], "coverage": sc["coverage"],
                "findings": len(remaining_findings(outcomes, waivers, today)),
                "areas": [{"area": a["area"], "score": a["score"]} for a in sc["areas"]],
            })
    finally:
        facts.capacity = kept
    return rows
