"""The scorecard: check outcomes weighed into area scores, overall readiness and evidence coverage."""

from __future__ import annotations

from audit.catalog import Catalog
from audit.model import Finding, Outcome
from audit.waivers import Waiver, apply_waivers

DECIDED = ("pass", "fail")


def points_lost(weight: float, findings: int, full_loss_at: int) -> float:
    """A failed check loses its weight in proportion to its findings, all of it at `full_loss_at`."""
    return weight * min(1.0, findings / max(full_loss_at, 1)) if findings else 0.0


def grade(overall: float | None, bands: list[tuple[str, float]]) -> str:
    if overall is None:
        return "n/a"
    return next(g for g, low in bands if overall >= low)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def scorecard(outcomes: dict[str, Outcome], catalog: Catalog, waivers: list[Waiver], today: str) -> dict:
    """Score the outcomes; waived findings and checks leave the calculation and are listed."""
    outcomes, waived = apply_waivers(outcomes, waivers, today)
    cap = float(catalog.rules["critical_cap"])
    areas, applicable_w, decided_w, total_w, weighted = [], 0.0, 0.0, 0.0, 0.0
    for area_id, area in sorted(catalog.areas.items()):
        rows, avail, lost, critical = [], 0.0, 0.0, False
        for spec in sorted((c for c in catalog.checks.values() if c.area == area_id), key=lambda c: c.id):
            out = outcomes[spec.id]
            n = len(out.findings)
            row_avail = spec.weight if out.status in DECIDED else 0.0
            row_lost = points_lost(spec.weight, n, spec.full_loss_at) if out.status == "fail" else 0.0
            avail, lost = avail + row_avail, lost + row_lost
            if out.status in DECIDED + ("undecided",):
                applicable_w += spec.weight
                decided_w += row_avail
            critical |= any(f.severity == "critical" for f in out.findings)
            rows.append({"check": spec.id, "title": spec.title, "status": out.status, "severity": spec.severity,
                         "weight": spec.weight, "points_available": _r(row_avail), "points_lost": _r(row_lost),
                         "findings": n, "note": out.note})
        score = None if avail == 0 else 100.0 * (avail - lost) / avail
        capped = score is not None and critical and score > cap
        if capped:
            score = cap
        if score is not None:
            total_w += area.weight
            weighted += area.weight * score
        areas.append({"area": area_id, "title": area.title, "score": _r(score), "weight": area.weight,
                      "capped": capped, "checks": rows})
    overall = weighted / total_w if total_w else None
    return {
        "overall": _r(overall),
        "grade": grade(overall, catalog.grades),
        "grade_bands": [{"grade": g, "min": low} for g, low in catalog.grades],
        "coverage": _r(100.0 * decided_w / applicable_w) if applicable_w else 0.0,
        "rules": [
            "A decided check is worth its weight; a failed one loses weight x min(1, findings / full_loss_at).",
            "An area scores 100 x (points available - points lost) / points available over its decided checks.",
            f"An area with a critical finding scores at most {cap:g}.",
            "Overall readiness is the area-weighted mean of the areas that could be scored; the profile sets"
            " the area weights (areas a small load does without, like caching and read scaling, weigh less"
            " at 500 users and more at 1M).",
            "Coverage is the weight of decided checks over the weight of applicable ones;"
            " not-applicable and waived checks leave both.",
        ],
        "areas": areas,
        "waived": waived,
    }


def remaining_findings(outcomes: dict[str, Outcome], waivers: list[Waiver], today: str) -> list[Finding]:
    """The findings still standing after waivers, in contract order."""
    kept, _ = apply_waivers(outcomes, waivers, today)
    return sorted((f for o in kept.values() for f in o.findings), key=Finding.sort_key)
