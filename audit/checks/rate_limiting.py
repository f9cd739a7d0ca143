"""Rate-limiting checks: is there a server-side limiter, and does it count in one process's memory?"""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.infra import absent, backends, infra, listed, unused
from audit.checks.read_scaling import django_cache_is_local
from audit.facts import Facts
from audit.facts.infra.signal import Signal
from audit.model import Evidence, Finding, Outcome

SERVER_SIDE = ("server", "edge", "config")


def _applied(facts: Facts) -> list[Signal]:
    """Limiters that run where the client cannot skip them, and are put to use."""
    return [s for s in infra(facts).of("rate_limits", *SERVER_SIDE)
            if s.props.get("applied_at") and s.kind != "supabase-auth"]


@check("rate.none")
def no_rate_limit(facts: Facts, spec: CheckSpec) -> Outcome:
    limits = infra(facts).of("rate_limits")
    platform = [s for s in limits if s.kind == "supabase-auth"]
    if not backends(facts):
        note = "no application server or function: requests go straight to the hosted backend, whose own limits apply"
        return Outcome("not_applicable", note=note + (f" (Supabase Auth rate limits at {listed(platform)})" if platform
                                                      else " (e.g. Supabase Auth's rate limits, set per project)"))
    applied = _applied(facts)
    if applied:
        return Outcome("pass", note=f"rate limiting: {listed(applied)}")
    context = []
    for s in limits:
        if s.runtime == "browser":
            context.append(Evidence(s.path, s.line, f"{s.detail}: runs in the browser, so a client calling the API "
                                                    "directly (or reloading) is not limited"))
        elif s.kind == "supabase-auth":
            context.append(Evidence(s.path, s.line, f"{s.detail}: covers Supabase Auth endpoints only"))
        elif not s.props.get("applied_at"):
            context.append(Evidence(s.path, s.line, f"{s.detail}: created but never applied to a route"))
    return absent(spec, "No server-side rate limiting", "rate_limits", context + unused(facts, "rate_limits"))


def _in_memory(s: Signal, facts: Facts) -> bool:
    store = s.props.get("store")
    return store == "memory" or store == "django-cache" and django_cache_is_local(infra(facts))


@check("rate.in-memory-store")
def in_memory_store(facts: Facts, spec: CheckSpec) -> Outcome:
    limits = [s for s in _applied(facts) if s.props.get("store") != "proxy"]
    if not limits:
        return Outcome("not_applicable", note="no server-side rate limiter in use")
    local = [s for s in limits if _in_memory(s, facts)]
    if not local and any(s.props.get("store") in {"unknown", "other"} for s in limits):
        return Outcome("undecided", note=f"limiter store not recognised: {listed(limits)}")
    if not local:
        return Outcome("pass", note="; ".join(f"{s.library or s.kind}: {s.props.get('store')}" for s in limits))
    return Outcome.from_findings([_finding(spec, s) for s in local])


def _finding(spec: CheckSpec, s: Signal) -> Finding:
    store_line = s.props.get("store_line")
    evidence = [Evidence(s.path, s.line, s.detail), Evidence(s.path, store_line, s.props.get("store_detail"))] \
        if store_line else [Evidence(s.path, s.line, f"{s.detail}: {s.props.get('store_detail')}")]
    applied = s.props["applied_at"]
    if (applied.get("path"), applied.get("line")) != (s.path, s.line):
        evidence.append(Evidence(applied.get("path", s.path), applied.get("line"), "applied here"))
    who = "per IP" if s.props.get("key") == "ip" else "per user" if s.props.get("key") == "user" else "per key"
    name = s.library or "Hand-written limiter"
    return Finding(check=spec.id, title=f"{name} counts requests {who} in one process's memory",
                   subject={"library": s.library or "custom", "path": s.path}, evidence=evidence)
