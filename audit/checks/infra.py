"""Helpers shared by the infrastructure checks (caching, read scaling, rate limiting, resilience,
observability, load testing): where the app runs, and how an absence is reported."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.facts import Facts
from audit.facts.infra import SEARCHED, Infra
from audit.facts.infra.signal import Signal
from audit.model import Evidence, Finding, Outcome

BACKEND = ("server", "edge")
CODE = ("server", "edge", "browser")


def infra(facts: Facts) -> Infra:
    return facts.infra or Infra()


def backends(facts: Facts) -> list[Signal]:
    """App servers and functions: where requests are handled by this repository's own code."""
    return infra(facts).of("apps", *BACKEND)


def has_code(facts: Facts) -> bool:
    counts = infra(facts).files_by_runtime
    return any(counts.get(r) for r in CODE)


def at(s: Signal) -> Evidence:
    return Evidence(s.path, s.line, s.detail)


def listed(signals: list[Signal], limit: int = 3) -> str:
    """`ioredis at src/cache.ts:4, ...` for a note."""
    names = [f"{s.library or s.props.get('name') or s.kind} at {s.where()}" for s in signals[:limit]]
    return ", ".join(names) + (f" and {len(signals) - limit} more" if len(signals) > limit else "")


def unused(facts: Facts, category: str) -> list[Evidence]:
    """Packages declared for a category that the code never calls, imports never called, and
    configuration-only hints (an env variable, a compose service): context for a 'not found'."""
    inf = infra(facts)
    used = {_family(s.library) for s in inf.of(category)}
    out = [Evidence(p.path, p.line, f"{p.library} is declared ({p.detail}) but application code never calls it")
           for p in inf.of("packages") if p.kind == category and _family(p.props.get("module", p.library)) not in used]
    return out + [at(s) for s in inf.of(category, all_signals=True) if s not in inf.of(category)]


def _family(name: str) -> str:
    """A package's family: its npm scope (`@sentry`) or its top-level module."""
    return name.split("/")[0] if name.startswith("@") else name.split(".")[0]


def absent(spec: CheckSpec, title: str, category: str, context: list[Evidence]) -> Outcome:
    """One finding for something not found; its last evidence says what was searched."""
    searched = Evidence("", None, f"searched: {SEARCHED[category]} (test and tooling files not counted)")
    return Outcome.from_findings([Finding(check=spec.id, title=title, subject={"searched": category},
                                          evidence=[*context, searched])])


def not_required(spec: CheckSpec) -> Outcome | None:
    """`not_applicable` when the profile's catalog entry says the check is not required at that scale."""
    if spec.thresholds.get("required", True):
        return None
    return Outcome("not_applicable", note="not required at this scale profile")
