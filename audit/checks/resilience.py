"""Resilience checks: timeouts and retries on outbound calls, third-party APIs, health endpoints."""

from __future__ import annotations

from collections import defaultdict

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.infra import BACKEND, absent, at, infra, listed
from audit.facts import Facts
from audit.facts.infra.signal import Signal
from audit.model import Evidence, Finding, Outcome


def _calls(facts: Facts, third_party: bool) -> list[Signal]:
    calls = infra(facts).of("outbound_calls")
    if third_party:
        return [s for s in calls if s.props.get("service")]
    return [s for s in calls if not s.props.get("service") and s.runtime in BACKEND]


def _no_timeout(s: Signal, spec: CheckSpec) -> str | None:
    """Why a call has no usable timeout, or None when it has one (its own or a short library default)."""
    if s.props.get("timeout"):
        return None
    default = s.props.get("timeout_default_s")
    if default is not None and default <= spec.thresholds.get("max_default_timeout_s", 60):
        return None
    return f"no timeout set; the {s.library} default is {default} s" if default else \
        f"no timeout: {s.library} waits as long as the other side takes"


def _timeout_findings(spec: CheckSpec, calls: list[Signal], title) -> Outcome:
    findings = []
    for s in calls:
        why = _no_timeout(s, spec)
        if why:
            findings.append(Finding(check=spec.id, title=title(s), subject={"target": s.props.get("target") or s.kind,
                                                                           "path": s.path},
                                    evidence=[Evidence(s.path, s.line, f"{s.detail} ({why})")]))
    return Outcome.from_findings(findings)


@check("resilience.no-timeouts")
def no_timeouts(facts: Facts, spec: CheckSpec) -> Outcome:
    calls = _calls(facts, third_party=False)
    if not calls:
        return Outcome("not_applicable", note="no outbound HTTP calls from server or function code "
                                              "(third-party APIs are judged by deps.third-party-no-timeout)")
    return _timeout_findings(spec, calls, lambda s: f"Outbound {s.kind} call without a timeout")


@check("deps.third-party-no-timeout")
def third_party_no_timeout(facts: Facts, spec: CheckSpec) -> Outcome:
    calls = _calls(facts, third_party=True)
    if not calls:
        return Outcome("not_applicable", note="no call to a known third-party API found")
    return _timeout_findings(spec, calls, lambda s: f"{s.props['service']} API called without a timeout")


def _retried(s: Signal) -> bool:
    """The client retries by its own option, or by default when no option is set."""
    retries = s.props.get("retries")
    return bool(retries if retries is not None else s.props.get("retries_default"))


@check("resilience.no-retries")
def no_retries(facts: Facts, spec: CheckSpec) -> Outcome:
    inf = infra(facts)
    calls = inf.of("outbound_calls", *BACKEND)
    if not calls:
        return Outcome("not_applicable", note="no outbound calls from server or function code")
    retrying_files = defaultdict(list)
    for s in inf.of("retries", *BACKEND):
        retrying_files[s.path].append(s)
    bare = [s for s in calls if not retrying_files[s.path] and not _retried(s)]
    if not bare:
        return Outcome("pass", note=f"retries: {listed(inf.of('retries', *BACKEND)) or 'library defaults'}")
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Outbound {s.props.get('service') or s.kind} call is not retried",
                subject={"target": s.props.get("target") or s.kind, "path": s.path},
                evidence=[Evidence(s.path, s.line, f"{s.detail} (no retry library, backoff loop or client retry "
                                                   "option in this file)")])
        for s in bare])


@check("resilience.no-health-check")
def no_health_check(facts: Facts, spec: CheckSpec) -> Outcome:
    servers = infra(facts).of("apps", "server")
    if not servers:
        return Outcome("not_applicable", note="no long-running application server found")
    health = infra(facts).of("health")
    if health:
        return Outcome("pass", note=f"health checks: {listed(health)}")
    return absent(spec, "No health or readiness endpoint for the load balancer or orchestrator", "health",
                  [at(s) for s in servers])
