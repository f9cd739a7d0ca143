"""Observability checks: error tracking and metrics/APM."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.infra import BACKEND, CODE, absent, at, backends, has_code, infra, listed, unused
from audit.facts import Facts
from audit.model import Outcome

ERROR_KINDS = {"error-tracking", "apm"}
METRIC_KINDS = {"metrics", "apm", "tracing"}


@check("obs.no-error-tracking")
def no_error_tracking(facts: Facts, spec: CheckSpec) -> Outcome:
    if not has_code(facts):
        return Outcome("not_applicable", note="no application code found")
    monitoring = infra(facts).of("monitoring", *CODE)
    trackers = [s for s in monitoring if s.kind in ERROR_KINDS]
    if trackers:
        return Outcome("pass", note=f"error tracking: {listed(trackers)}")
    logs = [at(s) for s in monitoring if s.kind == "logging"]
    return absent(spec, "No error tracking found", "monitoring",
                  unused(facts, "monitoring") + logs)


@check("obs.no-metrics")
def no_metrics(facts: Facts, spec: CheckSpec) -> Outcome:
    if not has_code(facts):
        return Outcome("not_applicable", note="no application code found")
    # a managed platform records its functions' invocations, durations and errors (Supabase, Vercel,
    # Netlify, Cloudflare): with no server of its own, the app's part is what the browser measures
    server = bool(infra(facts).of("apps", "server"))
    kinds = METRIC_KINDS if server else METRIC_KINDS | {"web-vitals"}
    found = [s for s in infra(facts).of("monitoring", *(BACKEND if server else CODE)) if s.kind in kinds]
    if found:
        functions = "" if server or not backends(facts) else "; the platform records the functions' invocations"
        return Outcome("pass", note=f"metrics: {listed(found)}{functions}")
    title = "No metrics, tracing or APM found on the server" if server else \
        "No performance metrics (web vitals, RUM or APM) found"
    return absent(spec, title, "monitoring", unused(facts, "monitoring"))
