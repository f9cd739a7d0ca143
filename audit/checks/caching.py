"""Caching checks: a server-side cache, HTTP caching headers, a CDN in front of the app."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.infra import BACKEND, absent, at, backends, has_code, infra, listed, unused
from audit.facts import Facts
from audit.model import Evidence, Outcome


@check("cache.no-server-cache")
def no_server_cache(facts: Facts, spec: CheckSpec) -> Outcome:
    inf = infra(facts)
    clients = inf.of("client_caches")
    client_note = f"; client-side caches: {listed(clients)}" if clients else ""
    if not backends(facts):
        return Outcome("not_applicable", note="no application server or function in the repository: responses come "
                                              f"from the hosted backend, which this audit cannot see{client_note}")
    found = inf.of("caches", *BACKEND)
    caches = [s for s in found if s.kind != "dummy" and (s.kind != "memoize" or s.props.get("params"))]
    if caches:
        return Outcome("pass", note=f"a cache client is present: {listed(caches)} (what is cached is not judged)")
    singletons = [Evidence(s.path, s.line, f"{s.detail}: memoizes a value computed once, not request data")
                  for s in found if s.kind == "memoize"]
    return absent(spec, "No server-side cache found", "caches",
                  unused(facts, "caches") + singletons)


@check("cache.no-http-cache-headers")
def no_http_cache_headers(facts: Facts, spec: CheckSpec) -> Outcome:
    if not has_code(facts):
        return Outcome("not_applicable", note="no web application code found")
    headers = infra(facts).of("http_cache")
    caching = [s for s in headers if s.props.get("enables") is not False]
    if caching:
        return Outcome("pass", note=f"caching headers at {listed(caching)}")
    context = [Evidence(s.path, s.line, f"{s.detail} (does not let responses be cached)") for s in headers]
    context += [Evidence(s.path, s.line, f"{s.detail}; no caching headers configured for hashed assets")
                for s in infra(facts).of("cdn") if s.kind == "hosting"]
    return absent(spec, "No response sets caching headers (Cache-Control, ETag, Expires)", "http_cache", context)


@check("cache.no-cdn")
def no_cdn(facts: Facts, spec: CheckSpec) -> Outcome:
    if not has_code(facts):
        return Outcome("not_applicable", note="no web application code found")
    cdn = infra(facts).of("cdn")
    if cdn:
        return Outcome("pass", note=f"CDN: {listed(cdn)}")
    return absent(spec, "No CDN in front of the app's static assets or responses", "cdn",
                  [at(s) for s in infra(facts).of("apps")[:3]])
