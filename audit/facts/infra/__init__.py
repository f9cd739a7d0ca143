"""Infrastructure facts: caches, CDN, read scaling, rate limiting, sessions, realtime, queues, outbound
calls, resilience, monitoring and load tests, each a signal with path and line.

Code is read with tree-sitter (JS/TS) and `ast` (Python), configs as text or TOML/JSON; nothing is
imported or run. A library counts as used when the code calls it; packages merely declared are
listed under `packages`, configuration-only hints (an env variable, a compose service) carry
`configured_only`. `searched` says, per category, what a "not found" covers.
"""

from __future__ import annotations

import os.path
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from audit.discover import Discovery, SourceFile
from audit.facts.infra import js_code, js_traffic, py_code
from audit.facts.infra.config import config_signals, named_settings
from audit.facts.infra.known import THIRD_PARTY_SDKS, js_lib, line_of, mentions
from audit.facts.infra.runtime import Runtimes
from audit.facts.infra.signal import Signal

CATEGORIES = ("apps", "caches", "client_caches", "http_cache", "cdn", "read_scaling", "rate_limits", "sessions",
              "realtime", "queues", "load_balancers", "outbound_calls", "retries", "circuit_breakers", "shutdown",
              "health", "monitoring", "load_tests", "packages")
SEARCHED = {
    "caches": "Redis/Valkey clients (ioredis, redis, @redis/client, @upstash/redis, @vercel/kv, redis-py), memcached "
              "clients, node-cache/lru-cache/cache-manager/keyv/apicache, cachetools/aiocache/fastapi-cache/"
              "flask-caching/diskcache, functools.lru_cache/cache on functions taking arguments, Django CACHES and "
              "cache_page, nginx proxy_cache",
    "http_cache": "Cache-Control/ETag/Expires set in code (response headers, Next.js headers()), express.static/"
                  "serve-static maxAge, Django cache_control/cache_page/cache middleware, netlify.toml [[headers]], "
                  "_headers files, vercel.json headers, nginx expires/add_header",
    "cdn": "hosting configs (netlify.toml, vercel.json, _headers, wrangler.toml, firebase.json hosting, amplify.yml, "
           "staticwebapp.config.json), Next.js assetPrefix/images.loader, a Vite base URL, CloudFront/Fastly/Akamai in "
           "YAML config, settings named like CDN_URL/ASSET_PREFIX in code and env files",
    "read_scaling": "replica/read-only database URLs by name (DATABASE_READ_URL, READ_REPLICA_URL, ...) in code and "
                    "env files, pools or engines named read/replica, Sequelize/TypeORM replication options, Prisma "
                    "readReplicas, SQLAlchemy binds, Django DATABASES aliases and DATABASE_ROUTERS",
    "rate_limits": "express-rate-limit/express-slow-down, rate-limiter-flexible, @nestjs/throttler, @fastify/rate-limit, "
                   "koa-ratelimit, @upstash/ratelimit, slowapi, flask-limiter, fastapi-limiter, django-ratelimit, DRF "
                   "throttling, nginx limit_req, hand-written limiters (files, classes or functions named rate limit/"
                   "throttle holding a Map/dict, or calling Redis)",
    "sessions": "express-session and @fastify/session stores, cookie-session/iron-session/koa-session, Flask-Session, "
                "Django SESSION_ENGINE, module-level session maps",
    "realtime": "socket.io servers and adapters (@socket.io/*-adapter, io.adapter()), ws servers with Redis pub/sub, "
                "python-socketio client managers, FastAPI/Starlette websocket routes, Django Channels layers, "
                "Supabase realtime channel subscriptions",
    "outbound_calls": "fetch/node-fetch/axios/got/ky calls and axios/got/ky instances, requests/httpx/aiohttp/urllib "
                      "calls and clients, third-party SDK clients (OpenAI, Anthropic, Stripe, Twilio, SendGrid, "
                      "Google Maps, ...); browser code only for known third-party hosts",
    "retries": "axios-retry, p-retry, async-retry, retry, exponential-backoff, fetch-retry, tenacity, backoff, stamina, "
               "urllib3 Retry, hand-written exponential backoff (2 ** attempt, withRetry(...))",
    "circuit_breakers": "opossum, cockatiel, brakes, mollitia, pybreaker, circuitbreaker, aiobreaker",
    "health": "routes /health, /healthz, /ready, /live, /ping, /status (Express/Fastify/Koa/Hono/Nest/FastAPI/Flask/"
              "Django), terminus, Dockerfile HEALTHCHECK, compose healthcheck on app services, Kubernetes probes, "
              "fly.toml/render.yaml health checks",
    "monitoring": "Sentry, Bugsnag, Rollbar, Honeybadger, Highlight, LogRocket, Airbrake (error tracking); dd-trace/"
                  "ddtrace, New Relic, Elastic APM (APM); OpenTelemetry (tracing); prom-client, prometheus_client and "
                  "instrumentators, StatsD/Datadog (metrics); web-vitals, @vercel/speed-insights; pino/winston/bunyan/"
                  "structlog/python-json-logger/loguru (logging)",
    "load_tests": "k6 scripts (imports of k6), locustfiles, Artillery YAML, Gatling simulations, JMeter .jmx, "
                  "autocannon, pgbench scripts, k6/artillery/locust/pgbench/wrk/hey/vegeta/ab commands in "
                  "package.json scripts, CI workflows and configs, and test files in folders named load/perf/stress/"
                  "k6/locust (test code is not read)",
}
JS_IMPORT = re.compile(r"""\bimport\s+(?:type\s+)?(?P<what>[^;'"]*?)\s+from\s*['"](?P<spec>[^'"]+)['"]|"""
                       r"""\b(?:const|let|var)\s+(?P<what2>[\w${}\s,:]+?)\s*=\s*require\(\s*['"](?P<spec2>[^'"]+)['"]\s*\)""")
IMPORT_SPEC = re.compile(r"""(?:from|require\(|import\(|import)\s*['"]([^'"\n]+)['"]""")
MODULES = {*THIRD_PARTY_SDKS, *js_code.APPS, *js_traffic.FETCH_MODULES, "axios", "got", "ky"}
JS_WORDS = ("fetch(", "cache-control", "etag", "expires", "health", "ready", "sigterm", "sigint", "limit", "throttl",
            "session", ".channel(", "replica", "replication", "readpool", "read_pool", "static(", "assetprefix", "loader",
            "retry", "backoff", "attempt", "reader", "reportwebvitals", "nestfactory")
QUIET = {"test", "tooling"}  # where only load tests (and CDN settings in build configs) count


@dataclass
class Infra:
    signals: list[Signal] = field(default_factory=list)
    files_by_runtime: dict[str, int] = field(default_factory=dict)  # JS/Python files: server, edge, browser...

    def of(self, category: str, *runtimes: str, all_signals: bool = False) -> list[Signal]:
        """Signals of a category (in the given runtimes); unused imports and configuration-only hints
        are left out unless `all_signals`."""
        return sorted((s for s in self.signals if s.category == category and (not runtimes or s.runtime in runtimes)
                       and (all_signals or s.props.get("used", True) and not s.props.get("configured_only"))),
                      key=_order)

    def to_dict(self) -> dict:
        return {**{c: [s.to_dict() for s in self.of(c, all_signals=True)] for c in CATEGORIES},
                "files_by_runtime": dict(sorted(self.files_by_runtime.items())),
                "searched": dict(sorted(SEARCHED.items()))}


def _order(s: Signal) -> tuple:
    return s.path, s.line or 0, s.kind, s.library, s.detail


def infra_facts(found: Discovery) -> Infra:
    """Every infrastructure signal of the discovered files. Files that cannot be parsed are added to
    `found.skipped` (unless an earlier extractor already did)."""
    reader = InfraReader(found)
    for f in found.of_kind("js"):
        reader.js_file(f)
    return reader.facts()


class InfraReader:
    """Reads JS/TS files one at a time (`js_file`, so that a caller can read each file with its other
    extractors in turn), then the Python and config files (`facts`)."""

    def __init__(self, found: Discovery) -> None:
        self.found = found
        self.runtimes = Runtimes(found.files)
        self.signals: list[Signal] = []

    def js_file(self, f: SourceFile) -> None:
        """The signals of one JS/TS file; parsed only when it mentions what the detectors look for."""
        if not (f.text and _worth_parsing(f.text)):
            return
        ctx = js_code.load(f, self.runtimes)
        detectors = (js_code.libraries, js_code.cdn_and_replicas) if ctx.runtime in QUIET else (
            js_code.libraries, js_code.apps, js_code.routes, js_code.http_cache, js_code.cdn_and_replicas,
            js_code.retry_loops, js_traffic.rate_limits, js_traffic.sessions, js_traffic.realtime, js_traffic.outbound)
        for detect in detectors:
            detect(ctx)
        self.signals += [s for s in ctx.out if ctx.runtime not in QUIET or s.category in {"load_tests", "cdn"}]

    def facts(self) -> Infra:
        """The JS/TS signals read so far with those of the Python and config files."""
        found, runtimes, signals = self.found, self.runtimes, self.signals
        skipped = {s.path for s in found.skipped}

        def problem(path: str, reason: str) -> None:
            if path not in skipped:
                skipped.add(path)
                found.skip(path, reason)

        python: list[py_code.PyFile] = []
        for f in (f for f in found.of_kind("python") if f.text):
            try:
                ctx = py_code.load(f, runtimes.of(f.path))
            except (SyntaxError, ValueError, RecursionError) as exc:
                problem(f.path, f"Python could not be parsed (line {getattr(exc, 'lineno', '?')}): not analysed")
                continue
            py_code.libraries(ctx)
            if ctx.runtime not in QUIET:
                py_code.code(ctx)
                py_code.outbound(ctx)
                python.append(ctx)
            signals += [s for s in ctx.out if ctx.runtime not in QUIET or s.category == "load_tests"]
        for f in found.files:
            if f.kind in {"js", "python"}:
                if f.text and runtimes.of(f.path) not in QUIET:
                    signals += named_settings(f.path, f.text, runtimes.of(f.path))
            elif f.kind != "build_output":
                signals += config_signals(f, problem, runtimes.hosted(f.path))
        _applied_elsewhere(signals, found, python)
        _axios_defaults(signals, found)
        counts = Counter(runtimes.of(f.path) for f in found.of_kind("js", "python"))
        return Infra(sorted(signals, key=lambda s: (s.category, *_order(s))), dict(counts))


def _worth_parsing(text: str) -> bool:
    """Whether a JS/TS file imports a known module, or mentions what the detectors look for."""
    for spec in IMPORT_SPEC.findall(text):
        module = js_code.specifier(spec)
        if module in MODULES or js_lib(module):
            return True
    return mentions(text.lower(), JS_WORDS)


def _applied_elsewhere(signals: list[Signal], found: Discovery, python: list) -> None:
    """A limiter or session middleware exported by one file and put to use in another."""
    for s in (s for s in signals if s.category in {"rate_limits", "sessions"} and "applied_at" not in s.props):
        names = set(s.props.get("exports") or []) | ({s.props["exported"]} if s.props.get("exported") else set())
        if not names:
            continue
        hit = _js_use(s, names, found) if not s.path.endswith(".py") else _py_use(s, names, python)
        if hit:
            s.props["applied_at"] = {"path": hit[0], "line": hit[1]}


def _js_use(s: Signal, names: set[str], found: Discovery) -> tuple[str, int] | None:
    """The first file that imports `names` from the signal's module and passes or calls one of them
    (read as text: the importing file need not be parsed)."""
    own = re.sub(r"(/index)?\.[cm]?[jt]sx?$", "", s.path)
    for f in (f for f in found.of_kind("js") if f.text and f.path != s.path):
        for m in JS_IMPORT.finditer(f.text):
            spec, what = m["spec"] or m["spec2"], m["what"] or m["what2"]
            if not _same_module(f.path, spec, own):
                continue
            for local in _locals(what):
                if local in names or "default" in names:
                    use = re.compile(rf"(?<![\w.$]){re.escape(local)}\s*[(,)\]]").search(f.text, m.end())
                    if use:
                        return f.path, line_of(f.text, use.start())
    return None


def _same_module(importer: str, spec: str, own: str) -> bool:
    """Whether `spec`, imported by `importer`, names the module at `own` (path without extension)."""
    if spec.startswith("."):
        target = os.path.normpath(os.path.join(str(PurePosixPath(importer).parent), spec))
        return re.sub(r"(/index)?\.[cm]?[jt]sx?$", "", target) == own
    return spec.startswith(("@/", "~/")) and own.endswith(re.sub(r"\.[cm]?[jt]sx?$", "", spec[2:]))


def _locals(what: str) -> list[str]:
    """Local names bound by an import clause or a require pattern: `a, { b as c }` -> [a, c]."""
    return [part.split(" as ")[-1].split(":")[-1].strip(" *") for part in re.split(r"[,{}]", what) if part.strip(" *")]


def _py_use(s: Signal, names: set[str], python: list) -> tuple[str, int] | None:
    pattern = re.compile(r"^(?!\s*(?:def|class|from|import)\b).*?(?<![\w.])(%s)\s*[(,)]" % "|".join(
        re.escape(n) for n in sorted(names)), re.M)
    for ctx in python:
        for m in pattern.finditer(ctx.f.text or ""):
            line = line_of(ctx.f.text, m.start(1))
            if (ctx.f.path, line) != (s.path, s.line):
                return ctx.f.path, line
    return None


def _axios_defaults(signals: list[Signal], found: Discovery) -> None:
    """`axios.defaults.timeout = ...` anywhere gives every axios call without its own timeout one."""
    where = next((f"{f.path}:{line_of(f.text, m.start())}" for f in found.of_kind("js") if f.text
                  for m in [re.search(r"axios\.defaults\.timeout\s*=", f.text)] if m), None)
    for s in signals:
        if where and s.category == "outbound_calls" and s.library == "axios" and not s.props.get("timeout"):
            s.props["timeout"] = f"axios.defaults.timeout at {where}"
