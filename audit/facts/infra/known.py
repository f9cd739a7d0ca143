"""What the infrastructure extractors recognise: libraries, third-party hosts, defaults and name patterns."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple


class Lib(NamedTuple):
    category: str  # one of audit.facts.infra.CATEGORIES
    kind: str      # what it is within the category (redis, error-tracking, ...)


def _rows(category: str, kind: str, *names: str) -> dict[str, Lib]:
    return {n: Lib(category, kind) for n in names}


# npm packages (module specifier == package name). A trailing "/" matches a scope or subpaths.
JS_LIBS: dict[str, Lib] = {
    **_rows("caches", "redis", "ioredis", "redis", "@redis/client", "@upstash/redis", "@vercel/kv"),
    **_rows("caches", "memcached", "memcached", "memjs"),
    **_rows("caches", "in-process", "node-cache", "lru-cache", "quick-lru", "memory-cache"),
    **_rows("caches", "cache-manager", "cache-manager", "@nestjs/cache-manager", "keyv"),
    **_rows("caches", "response-cache", "apicache"),
    **_rows("client_caches", "react-query", "@tanstack/react-query", "react-query"),
    **_rows("client_caches", "persistence", "@tanstack/react-query-persist-client",
            "@tanstack/query-sync-storage-persister", "@tanstack/query-async-storage-persister"),
    **_rows("client_caches", "swr", "swr"),
    **_rows("client_caches", "apollo", "@apollo/client"),
    **_rows("rate_limits", "express-rate-limit", "express-rate-limit", "express-slow-down"),
    **_rows("rate_limits", "rate-limiter-flexible", "rate-limiter-flexible"),
    **_rows("rate_limits", "nestjs-throttler", "@nestjs/throttler"),
    **_rows("rate_limits", "fastify-rate-limit", "@fastify/rate-limit", "fastify-rate-limit"),
    **_rows("rate_limits", "koa-ratelimit", "koa-ratelimit"),
    **_rows("rate_limits", "upstash-ratelimit", "@upstash/ratelimit"),
    **_rows("rate_limits", "store", "rate-limit-redis", "rate-limit-memcached", "@acpr/rate-limit-postgresql"),
    **_rows("sessions", "express-session", "express-session", "@fastify/session"),
    **_rows("sessions", "store", "connect-redis", "connect-pg-simple", "connect-mongo", "session-file-store"),
    **_rows("sessions", "cookie", "cookie-session", "iron-session", "koa-session"),
    **_rows("realtime", "socket.io", "socket.io"),
    **_rows("realtime", "ws", "ws"),
    **_rows("realtime", "adapter", "@socket.io/redis-adapter", "socket.io-redis", "@socket.io/redis-streams-adapter",
            "@socket.io/postgres-adapter", "@socket.io/cluster-adapter", "@socket.io/mongo-adapter",
            "@hocuspocus/extension-redis"),
    **_rows("queues", "job-queue", "bull", "bullmq", "bee-queue", "kue", "agenda", "pg-boss", "graphile-worker",
            "@temporalio/client", "inngest", "@trigger.dev/sdk"),
    **_rows("queues", "broker", "amqplib", "kafkajs", "@aws-sdk/client-sqs"),
    **_rows("retries", "retry-library", "axios-retry", "p-retry", "async-retry", "retry", "exponential-backoff",
            "fetch-retry", "@lifeomic/attempt"),
    **_rows("circuit_breakers", "circuit-breaker", "opossum", "cockatiel", "brakes", "mollitia"),
    **_rows("monitoring", "error-tracking", "@sentry/", "@bugsnag/", "rollbar", "@honeybadger-io/",
            "@highlight-run/", "logrocket", "airbrake-js", "@airbrake/"),
    **_rows("monitoring", "apm", "dd-trace", "newrelic", "elastic-apm-node", "@datadog/browser-rum"),
    **_rows("monitoring", "tracing", "@opentelemetry/", "@vercel/otel"),
    **_rows("monitoring", "metrics", "prom-client", "express-prom-bundle", "prometheus-api-metrics", "hot-shots",
            "node-statsd", "@opentelemetry/sdk-metrics"),
    **_rows("monitoring", "web-vitals", "web-vitals", "@vercel/speed-insights"),
    **_rows("monitoring", "logging", "pino", "pino-http", "winston", "bunyan"),
    **_rows("load_tests", "k6", "k6", "k6/"),
    **_rows("load_tests", "autocannon", "autocannon"),
    **_rows("load_tests", "gatling", "@gatling.io/core"),
    **_rows("read_scaling", "replica-routing", "@prisma/extension-read-replicas"),
}

# Python: (import name, distribution name) -> Lib. Import names match a module or its parents.
_PY = [
    ("redis", "redis", "caches", "redis"), ("aioredis", "aioredis", "caches", "redis"),
    ("pymemcache", "pymemcache", "caches", "memcached"), ("pylibmc", "pylibmc", "caches", "memcached"),
    ("aiomcache", "aiomcache", "caches", "memcached"), ("cachetools", "cachetools", "caches", "in-process"),
    ("aiocache", "aiocache", "caches", "cache-library"), ("fastapi_cache", "fastapi-cache2", "caches", "cache-library"),
    ("flask_caching", "flask-caching", "caches", "cache-library"), ("diskcache", "diskcache", "caches", "in-process"),
    ("dogpile.cache", "dogpile.cache", "caches", "cache-library"),
    ("slowapi", "slowapi", "rate_limits", "slowapi"), ("flask_limiter", "flask-limiter", "rate_limits", "flask-limiter"),
    ("fastapi_limiter", "fastapi-limiter", "rate_limits", "fastapi-limiter"),
    ("django_ratelimit", "django-ratelimit", "rate_limits", "django-ratelimit"),
    ("flask_session", "flask-session", "sessions", "flask-session"),
    ("socketio", "python-socketio", "realtime", "python-socketio"),
    ("channels", "channels", "realtime", "django-channels"), ("channels_redis", "channels-redis", "realtime", "adapter"),
    ("broadcaster", "broadcaster", "realtime", "adapter"),
    ("celery", "celery", "queues", "job-queue"), ("rq", "rq", "queues", "job-queue"), ("arq", "arq", "queues", "job-queue"),
    ("dramatiq", "dramatiq", "queues", "job-queue"), ("huey", "huey", "queues", "job-queue"),
    ("taskiq", "taskiq", "queues", "job-queue"), ("aio_pika", "aio-pika", "queues", "broker"),
    ("pika", "pika", "queues", "broker"), ("kombu", "kombu", "queues", "broker"),
    ("tenacity", "tenacity", "retries", "retry-library"), ("backoff", "backoff", "retries", "retry-library"),
    ("stamina", "stamina", "retries", "retry-library"), ("retrying", "retrying", "retries", "retry-library"),
    ("urllib3.util.retry", "urllib3", "retries", "retry-library"),
    ("pybreaker", "pybreaker", "circuit_breakers", "circuit-breaker"),
    ("circuitbreaker", "circuitbreaker", "circuit_breakers", "circuit-breaker"),
    ("aiobreaker", "aiobreaker", "circuit_breakers", "circuit-breaker"),
    ("sentry_sdk", "sentry-sdk", "monitoring", "error-tracking"), ("rollbar", "rollbar", "monitoring", "error-tracking"),
    ("bugsnag", "bugsnag", "monitoring", "error-tracking"), ("honeybadger", "honeybadger", "monitoring", "error-tracking"),
    ("ddtrace", "ddtrace", "monitoring", "apm"), ("newrelic", "newrelic", "monitoring", "apm"),
    ("elasticapm", "elastic-apm", "monitoring", "apm"),
    ("opentelemetry", "opentelemetry-api", "monitoring", "tracing"),
    ("prometheus_client", "prometheus-client", "monitoring", "metrics"),
    ("prometheus_fastapi_instrumentator", "prometheus-fastapi-instrumentator", "monitoring", "metrics"),
    ("starlette_exporter", "starlette-exporter", "monitoring", "metrics"),
    ("django_prometheus", "django-prometheus", "monitoring", "metrics"),
    ("statsd", "statsd", "monitoring", "metrics"), ("datadog", "datadog", "monitoring", "metrics"),
    ("structlog", "structlog", "monitoring", "logging"), ("pythonjsonlogger", "python-json-logger", "monitoring", "logging"),
    ("loguru", "loguru", "monitoring", "logging"),
    ("locust", "locust", "load_tests", "locust"),
]
PY_LIBS: dict[str, Lib] = {mod: Lib(cat, kind) for mod, _, cat, kind in _PY}
PY_DISTS: dict[str, tuple[str, Lib]] = {dist: (mod, Lib(cat, kind)) for mod, dist, cat, kind in _PY
                                         if not dist.startswith("urllib3")}
PY_DIST_PREFIXES = {"opentelemetry-": ("opentelemetry", Lib("monitoring", "tracing"))}


@lru_cache(maxsize=4096)
def js_lib(module: str) -> Lib | None:
    """The Lib of an npm specifier (subpath imports such as `@sentry/node` or `k6/http` included)."""
    if module in JS_LIBS:
        return JS_LIBS[module]
    return next((lib for name, lib in JS_LIBS.items() if name.endswith("/") and module.startswith(name)), None)


def py_lib(module: str) -> tuple[str, Lib] | None:
    """(matched import name, Lib) for a dotted Python module, matching it or its closest parent."""
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        if name in PY_LIBS:
            return name, PY_LIBS[name]
    return None


# Third-party APIs: SDK packages and API hosts. The seeds count their rate limits among the bottlenecks.
THIRD_PARTY_SDKS = {  # package or import name -> service
    "openai": "openai", "@anthropic-ai/sdk": "anthropic", "anthropic": "anthropic", "stripe": "stripe",
    "twilio": "twilio", "@sendgrid/mail": "sendgrid", "sendgrid": "sendgrid", "resend": "resend",
    "@googlemaps/google-maps-services-js": "google-maps", "googlemaps": "google-maps", "@slack/web-api": "slack",
    "slack_sdk": "slack", "mailgun.js": "mailgun", "postmark": "postmark", "@octokit/rest": "github",
    "cohere-ai": "cohere", "cohere": "cohere", "replicate": "replicate", "algoliasearch": "algolia",
    "@pinecone-database/pinecone": "pinecone", "pinecone": "pinecone", "@google/generative-ai": "google-gemini",
    "google.generativeai": "google-gemini", "@mistralai/mistralai": "mistral", "groq-sdk": "groq", "groq": "groq",
}
THIRD_PARTY_HOSTS = {  # host suffix -> service
    "api.openai.com": "openai", "api.anthropic.com": "anthropic", "api.stripe.com": "stripe",
    "maps.googleapis.com": "google-maps", "generativelanguage.googleapis.com": "google-gemini",
    "api.twilio.com": "twilio", "api.sendgrid.com": "sendgrid", "api.resend.com": "resend",
    "api.mailgun.net": "mailgun", "api.postmarkapp.com": "postmark", "hooks.slack.com": "slack",
    "slack.com": "slack", "api.github.com": "github", "api.cohere.ai": "cohere", "api.cohere.com": "cohere",
    "api.replicate.com": "replicate", "api-inference.huggingface.co": "huggingface", "api.mapbox.com": "mapbox",
    "api.mistral.ai": "mistral", "api.groq.com": "groq", "api.deepseek.com": "deepseek",
    "openrouter.ai": "openrouter", "api.perplexity.ai": "perplexity", "api.elevenlabs.io": "elevenlabs",
}
SDK_DEFAULTS = {  # service -> (timeout seconds, retries, source) as documented for the official SDKs
    "openai": (600, 2, "https://github.com/openai/openai-node#timeouts"),
    "anthropic": (600, 2, "https://github.com/anthropics/anthropic-sdk-typescript#timeouts"),
    "stripe": (80, None, "https://github.com/stripe/stripe-node#configuration"),
}
SDK_TIMEOUT_KEYS = {"timeout", "request_timeout", "timeout_ms", "requestTimeout", "httpTimeout"}
SDK_RETRY_KEYS = {"maxRetries", "max_retries", "maxNetworkRetries", "max_network_retries", "retries"}

# HTTP clients: (timeout seconds when none is given, retries by default, source)
HTTP_CLIENT_DEFAULTS = {
    "fetch": (None, 0, "WHATWG fetch has no timeout; pass an AbortSignal"),
    "axios": (None, 0, "https://axios-http.com/docs/req_config (timeout: 0, none)"),
    "node-fetch": (None, 0, "https://github.com/node-fetch/node-fetch#options"),
    "got": (None, 2, "https://github.com/sindresorhus/got/blob/main/documentation/6-timeout.md"),
    "ky": (10, 2, "https://github.com/sindresorhus/ky#timeout"),
    "requests": (None, 0, "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts"),
    "httpx": (5, 0, "https://www.python-httpx.org/advanced/timeouts/"),
    "aiohttp": (300, 0, "https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts"),
    "urllib": (None, 0, "urllib.request.urlopen waits for the socket default, none unless set"),
}

# Names and paths.
HEALTH_PATH = re.compile(r"^/?(?:api/)?(?:v\d+/)?(?:_?health(?:z|check|-check|/[\w-]+)?|readyz?|readiness|livez?|"
                         r"liveness|ping|status)/?$", re.I)
READ_NAME = re.compile(r"(?:^|_)(?:read(?:er|only|_only)?|replica|ro)(?:_|$)|^(?:read|replica|reader)[A-Z]|[a-z]Replica|"
                       r"[a-z]Read(?:er|Only)?(?:Pool|Db|DB|Client|Engine|Connection)")
REPLICA_WORDS = ("replica", "readonly", "read_only", "reader", "_ro_", "db_read", "database_read", "pg_read",
                 "postgres_read", "read_db", "read_database", "read_pg", "read_postgres")
RATE_WORDS = ("ratelimit", "rate_limit", "rate-limit", "rate limit", "throttl")
REPLICA_ENV = re.compile(r"\b[A-Za-z0-9_]*(?:REPLICA|READ_?ONLY|READER|_RO_|(?:DB|DATABASE|PG|POSTGRES)_READ|"
                         r"READ_(?:DB|DATABASE|PG|POSTGRES))[A-Za-z0-9_]*_?(?:URL|URI|DSN|HOST)\b", re.I)
BACKOFF = re.compile(r"\b2\s*\*\*\s*\(?\s*[\w.]*(?:attempt|retr|tries|try)\w*|Math\.pow\(\s*2\s*,\s*[\w.]*"
                     r"(?:attempt|retr|tries|try)|\b(?:with|exponential)?_?retry_?(?:with)?_?backoff\s*\(|"
                     r"\bwith_?retry\s*\(", re.I)
TRACING = re.compile(r"traces_?sample_?rate|tracesSampler|traces_sampler|enable_tracing|browserTracingIntegration|"
                     r"BrowserTracing\b", re.I)
RATE_LIMIT_NAME = re.compile(r"rate.?limit|throttl", re.I)
SESSION_NAME = re.compile(r"^_?sessions?(?:Store|_store|Map|_map|ById|_by_id)?$", re.I)
CACHE_CONTROL_HEADERS = {"cache-control", "cdn-cache-control", "surrogate-control", "etag", "expires", "last-modified"}
_MAX_AGE = re.compile(r"\b(?:s-)?max-age\s*=\s*(\d+)|\bstale-while-revalidate\s*=\s*(\d+)", re.I)


def caching_header(name: str, value) -> bool | None:
    """Whether a response header lets a browser or CDN keep the response (None: value not literal)."""
    if name.lower() in {"etag", "last-modified"}:
        return True
    if not isinstance(value, str):
        return None
    v = value.lower()
    if v.startswith("expr:"):  # computed in code: only an explicit no-store is known
        return False if "no-store" in v else None
    if name.lower() == "expires":
        return v not in {"0", "-1"}
    if "no-store" in v:
        return False
    return "immutable" in v or any(int(a or b or 0) > 0 for a, b in _MAX_AGE.findall(v))


def third_party_host(url: str) -> str | None:
    """The service a URL's host belongs to, if it is a known third-party API."""
    m = re.match(r"^\s*(?:https?:)?//([^/:?#\s]+)", url or "")
    host = m[1].lower() if m else ""
    return next((svc for suffix, svc in THIRD_PARTY_HOSTS.items() if host == suffix or host.endswith("." + suffix)), None)


def mentions(lowered: str, words: tuple[str, ...]) -> bool:
    """A cheap prefilter: does the lower-cased text contain any of `words` (before a costlier regex)?"""
    return any(w in lowered for w in words)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
