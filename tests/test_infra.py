"""Infrastructure facts and checks: caches, CDN, replicas, rate limits, sessions, realtime, outbound
calls, health, monitoring and load tests, with near-misses that must not count, and the four examples."""

from pathlib import Path

import pytest

from audit.api import scan
from audit.discover import SourceFile
from audit.facts.infra.runtime import Runtimes

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPRESS = "import express from 'express';\nconst app = express();\n"
FASTAPI = "from fastapi import FastAPI\napp = FastAPI()\n"
SERVER_PKG = ('backend/package.json', '{"dependencies": {"express": "^4"}}')
SPA_PKG = ("package.json", '{"dependencies": {"react": "^18", "vite": "^5"}}')


def audit(tmp_path, files: dict, profile: str = "10k") -> tuple[dict, dict]:
    """(document, {check: scorecard row}) for a repository made of `files`."""
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    doc = scan(str(tmp_path), profile)
    return doc, {c["check"]: c for a in doc["scorecard"]["areas"] for c in a["checks"]}


def status(tmp_path, files: dict, check: str, profile: str = "10k") -> str:
    return audit(tmp_path, files, profile)[1][check]["status"]


def signals(doc: dict, category: str, *keys: str) -> list[tuple]:
    return [tuple(s.get(k) for k in keys) for s in doc["facts"]["infra"][category]]


def findings(doc: dict, check: str) -> list[dict]:
    return [f for f in doc["findings"] if f["check"] == check]


# -- caching ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("files, expected", [
    ({"src/cache.ts": EXPRESS + "import Redis from 'ioredis';\nexport const redis = new Redis(process.env.REDIS_URL);\n",
      **dict([SERVER_PKG])}, "pass"),
    ({"src/cache.js": EXPRESS + "const NodeCache = require('node-cache');\nconst c = new NodeCache({ stdTTL: 60 });\n"},
     "pass"),
    ({"app/main.py": FASTAPI + "import redis.asyncio as aioredis\nr = aioredis.from_url('redis://cache')\n"}, "pass"),
    ({"app/main.py": FASTAPI + "from functools import lru_cache\n@lru_cache(maxsize=512)\ndef user(uid):\n    ...\n"},
     "pass"),
    ({"app/settings.py": "CACHES = {'default': {'BACKEND': 'django.core.cache.backends.redis.RedisCache'}}\n",
      "app/main.py": FASTAPI}, "pass"),
    # near misses: a zero-argument lru_cache (a settings singleton), Redis only in devDependencies or only in
    # tests, an import never called, a Redis URL in .env.example
    ({"app/main.py": FASTAPI + "from functools import lru_cache\n@lru_cache\ndef get_settings():\n    ...\n"}, "fail"),
    ({"src/server.ts": EXPRESS, "package.json": '{"dependencies": {"express": "4"}, "devDependencies": {"ioredis": "5"}}',
      "tests/cache.test.ts": "import Redis from 'ioredis';\nconst r = new Redis();\n",
      ".env.example": "REDIS_URL=redis://localhost:6379\n"}, "fail"),
    ({"src/server.ts": EXPRESS + "import Redis from 'ioredis';\nlet r: Redis;\n"}, "fail"),
])
def test_server_cache(tmp_path, files, expected):
    assert status(tmp_path, files, "cache.no-server-cache") == expected


def test_absent_cache_says_what_was_searched_and_what_is_only_declared(tmp_path):
    doc, rows = audit(tmp_path, {
        "src/server.ts": EXPRESS + "import Redis from 'ioredis';\nlet r: Redis;\n",
        "package.json": '{\n  "dependencies": {"express": "4"},\n  "devDependencies": {\n    "redis": "4"\n  }\n}',
        ".env.example": "REDIS_URL=redis://localhost:6379\n",
        "app/config.py": "from functools import lru_cache\n@lru_cache\ndef get_settings():\n    return 1\n"})
    [f] = findings(doc, "cache.no-server-cache")
    details = [(e["path"], e["line"], e["detail"]) for e in f["evidence"]]
    assert (".env.example", 1, "REDIS_URL in .env.example (configuration only)") in details
    assert ("package.json", 4, "redis is declared (devDependencies in package.json) but application code never "
                               "calls it") in details
    assert ("src/server.ts", 3, "'ioredis' imported but never called") in details
    assert ("app/config.py", 3, "@lru_cache on get_settings(): memoizes a value computed once, not request data") in details
    assert details[-1][:2] == ("", None) and details[-1][2].startswith("searched: Redis/Valkey clients")


def test_spa_without_server_has_no_server_cache_check_but_lists_client_caches(tmp_path):
    main = ("import { QueryClient } from '@tanstack/react-query'\n"
            "import { persistQueryClient } from '@tanstack/react-query-persist-client'\n"
            "const qc = new QueryClient()\npersistQueryClient({ queryClient: qc, persister: p })\n")
    doc, rows = audit(tmp_path, {"src/main.tsx": main, **dict([SPA_PKG])})
    assert rows["cache.no-server-cache"]["status"] == "not_applicable"
    assert "client-side caches: @tanstack/react-query at src/main.tsx:3" in rows["cache.no-server-cache"]["note"]
    assert signals(doc, "client_caches", "kind", "line") == [("react-query", 3), ("persistence", 4)]


@pytest.mark.parametrize("files, expected", [
    ({"netlify.toml": '[[headers]]\n  for = "/assets/*"\n  [headers.values]\n    Cache-Control = "public, max-age=31536000, immutable"\n'},
     [("netlify-headers", 2, True)]),
    ({"public/_headers": "/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n"}, [("headers-file", 2, True)]),
    ({"vercel.json": '{"headers": [{"source": "/(.*)", "headers": [{"key": "Cache-Control", "value": "no-store"}]}]}'},
     [("vercel-headers", 1, False)]),
    ({"deploy/nginx.conf": "server {\n  location /assets/ {\n    expires 1y;\n  }\n}\n"}, [("nginx-expires", 3, True)]),
    ({"src/server.js": EXPRESS + "app.use(express.static('public', { maxAge: '1y', immutable: true }));\n"},
     [("static-max-age", 3, True)]),
    ({"src/server.js": EXPRESS + "app.get('/x', (req, res) => { res.set('Cache-Control', 'public, max-age=60'); });\n"},
     [("header", 3, True)]),
    ({"app/main.py": FASTAPI + "@app.get('/x')\ndef x(response):\n    response.headers['Cache-Control'] = 'no-store'\n"},
     [("header", 5, False)]),
    # reading a request's Cache-Control header sets nothing
    ({"src/server.js": EXPRESS + "app.use((req, res, next) => { const cc = req.headers['cache-control']; next(); });\n"}, []),
])
def test_http_cache_signals(tmp_path, files, expected):
    doc, _ = audit(tmp_path, files)
    assert signals(doc, "http_cache", "kind", "line", "enables") == expected


def test_http_cache_check_passes_only_when_something_allows_caching(tmp_path):
    store = {"src/server.js": EXPRESS + "app.use((req, res, next) => { res.setHeader('Cache-Control', 'no-store'); next(); });\n"}
    doc, rows = audit(tmp_path, store)
    assert rows["cache.no-http-cache-headers"]["status"] == "fail"
    assert findings(doc, "cache.no-http-cache-headers")[0]["evidence"][0]["detail"].endswith(
        "(does not let responses be cached)")
    assert status(tmp_path, {"netlify.toml": '[[headers]]\n  for = "/*"\n  [headers.values]\n    ETag = "x"\n'},
                  "cache.no-http-cache-headers") == "pass"


@pytest.mark.parametrize("files, expected", [
    ({"netlify.toml": "[build]\n", "src/main.tsx": "export {}\n"}, "pass"),
    ({"next.config.js": "module.exports = { assetPrefix: 'https://cdn.example.com' }\n", "pages/index.tsx": "export {}\n"},
     "pass"),
    ({".env.example": "NEXT_PUBLIC_CDN_URL=https://cdn.example.com\n", "src/main.tsx": "export {}\n"}, "pass"),
    ({"src/server.ts": EXPRESS}, "fail"),
    ({"README.md": "no code"}, "not_applicable"),
])
def test_cdn(tmp_path, files, expected):
    assert status(tmp_path, files, "cache.no-cdn") == expected


# -- read scaling -----------------------------------------------------------------------------------
DB = {"db/migrations/001.sql": "create table t (id int primary key);\n"}


@pytest.mark.parametrize("files, expected", [
    ({".env.example": "DATABASE_URL=postgres://u:p@h/db\nDATABASE_READ_URL=postgres://u:p@replica/db\n"}, "pass"),
    ({"src/db.ts": "import { Pool } from 'pg';\nexport const readPool = new Pool({ host: 'replica' });\n"}, "pass"),
    ({"src/db.ts": "new Sequelize({ replication: { read: [{ host: 'r' }], write: { host: 'w' } } })\n"}, "pass"),
    ({"app/settings.py": "DATABASES = {'default': {}, 'replica': {}}\n"}, "pass"),
    ({"db/migrations/002.sql": "create materialized view s as select count(*) from t;\n"}, "fail"),
    ({"src/db.ts": "import { Pool } from 'pg';\nexport const pool = new Pool({ max: 5 });\n"}, "fail"),
])
def test_read_replica(tmp_path, files, expected):
    assert status(tmp_path, {**DB, **files}, "scale.no-read-replica") == expected


def test_read_replica_not_required_at_500_and_value_never_stored(tmp_path):
    doc, rows = audit(tmp_path, {**DB, ".env.example": "DB_REPLICA_URL=postgres://u:secret@r/db\n"}, "500")
    assert rows["scale.no-read-replica"]["status"] == "not_applicable"
    assert signals(doc, "read_scaling", "kind", "path", "line", "detail") == [
        ("replica-url", ".env.example", 1, "DB_REPLICA_URL (name only)")]
    assert "secret" not in str(doc["facts"]["infra"])


# -- rate limiting ----------------------------------------------------------------------------------
ERL = "import rateLimit from 'express-rate-limit';\n"


@pytest.mark.parametrize("files, none, memory", [
    ({"src/server.ts": EXPRESS + ERL + "app.use(rateLimit({ windowMs: 60000, max: 100 }));\n"}, "pass", "fail"),
    ({"src/server.ts": EXPRESS + ERL + "import { RedisStore } from 'rate-limit-redis';\n"
                       "const limiter = rateLimit({ store: new RedisStore({ sendCommand }) });\napp.use(limiter);\n"},
     "pass", "pass"),
    ({"src/server.ts": EXPRESS + "import { RateLimiterMemory } from 'rate-limiter-flexible';\n"
                       "const rl = new RateLimiterMemory({ points: 5 });\n"
                       "app.use((req, res, next) => rl.consume(req.ip).then(() => next()));\n"}, "pass", "fail"),
    ({"app/main.py": FASTAPI + "from slowapi import Limiter\nfrom slowapi.util import get_remote_address\n"
                               "limiter = Limiter(key_func=get_remote_address)\n@app.get('/x')\n"
                               "@limiter.limit('5/minute')\ndef x(request):\n    ...\n"}, "pass", "fail"),
    ({"app/main.py": FASTAPI + "from slowapi import Limiter\nlimiter = Limiter(key_func=k, storage_uri='redis://r:6379')\n"
                               "@limiter.limit('5/minute')\ndef x(request):\n    ...\n"}, "pass", "pass"),
    # asgi-ratelimit (module `ratelimit`) wraps the app; its backend is the store (seen in polar's server)
    ({"app/main.py": FASTAPI + "from ratelimit import RateLimitMiddleware, Rule\n"
                               "from ratelimit.backends.redis import RedisBackend\n"
                               "app = RateLimitMiddleware(app, auth, RedisBackend(redis), {r'^/': [Rule(minute=60)]})\n"},
     "pass", "pass"),
    ({"app/main.py": FASTAPI + "from ratelimit import RateLimitMiddleware\n"
                               "from ratelimit.backends.simple import MemoryBackend\n"
                               "app.add_middleware(RateLimitMiddleware, auth, MemoryBackend(), config={})\n"},
     "pass", "fail"),
    ({"app/settings.py": "REST_FRAMEWORK = {'DEFAULT_THROTTLE_CLASSES': ['rest_framework.throttling.UserRateThrottle']}\n",
      "app/main.py": FASTAPI}, "pass", "fail"),
    ({"deploy/nginx.conf": "http {\n limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;\n server {\n"
                           "  location / { limit_req zone=api; }\n }\n}\n", "src/server.ts": EXPRESS}, "pass", "not_applicable"),
    ({"src/middleware/rateLimit.ts": "import Redis from 'ioredis';\nconst redis = new Redis();\n"
                                     "export async function rateLimit(req, res, next) {\n"
                                     "  if ((await redis.incr(`rl:${req.ip}`)) > 100) return res.sendStatus(429);\n"
                                     "  next();\n}\n",
      "src/server.ts": EXPRESS + "import { rateLimit } from './middleware/rateLimit';\napp.use(rateLimit);\n"},
     "pass", "pass"),
    ({"app/middleware/throttle.py": "class ThrottleMiddleware:\n    def __init__(self, app):\n"
                                    "        self.hits = {}\n    async def __call__(self, scope, receive, send):\n"
                                    "        ...\n",
      "app/main.py": FASTAPI + "from app.middleware.throttle import ThrottleMiddleware\n"
                               "app.add_middleware(ThrottleMiddleware)\n"}, "pass", "fail"),
    # near misses: a limiter created but never applied; a limiter in browser code
    ({"src/server.ts": EXPRESS + ERL + "const limiter = rateLimit({ max: 100 });\n"}, "fail", "not_applicable"),
    ({"src/server.ts": EXPRESS, **dict([SPA_PKG]),
      "web/src/lib/rateLimit.ts": "const hits = new Map<string, number>()\n"
                                  "export function checkRateLimit(k: string) { hits.set(k, 1) }\n",
      "web/package.json": SPA_PKG[1],
      "web/src/api.ts": "import { checkRateLimit } from './lib/rateLimit'\nexport const f = () => checkRateLimit('a')\n"},
     "fail", "not_applicable"),
])
def test_rate_limits(tmp_path, files, none, memory):
    _, rows = audit(tmp_path, files)
    assert (rows["rate.none"]["status"], rows["rate.in-memory-store"]["status"]) == (none, memory)


def test_limiter_exported_and_applied_in_another_file(tmp_path):
    doc, rows = audit(tmp_path, {
        "src/middleware/limit.ts": ERL + "export const apiLimiter = rateLimit({ max: 10 });\n",
        "src/server.ts": EXPRESS + "import { apiLimiter } from './middleware/limit';\napp.use('/api', apiLimiter);\n"})
    [limiter] = doc["facts"]["infra"]["rate_limits"]
    assert limiter["applied_at"] == {"path": "src/server.ts", "line": 4} and limiter["store"] == "memory"
    assert rows["rate.none"]["status"] == "pass"


def test_unapplied_limiter_is_named_in_the_absence(tmp_path):
    doc, _ = audit(tmp_path, {"src/server.ts": EXPRESS + ERL + "const limiter = rateLimit({ max: 100 });\n"})
    [f] = findings(doc, "rate.none")
    assert (f["evidence"][0]["line"], f["evidence"][0]["detail"]) == (
        4, "rateLimit({ max: 100 }): created but never applied to a route")


def test_spa_rate_limit_not_applicable_with_supabase_note(tmp_path):
    _, rows = audit(tmp_path, {"src/main.tsx": "export {}\n", **dict([SPA_PKG]),
                               "supabase/config.toml": "[auth]\nenabled = true\n[auth.rate_limit]\nemail_sent = 2\n"})
    assert rows["rate.none"]["status"] == "not_applicable"
    assert "Supabase Auth rate limits at supabase at supabase/config.toml:3" in rows["rate.none"]["note"]


# -- sessions and realtime --------------------------------------------------------------------------
SESSION = "import session from 'express-session';\n"


@pytest.mark.parametrize("files, expected", [
    ({"src/server.ts": EXPRESS + SESSION + "app.use(session({ secret: 's', resave: false }));\n"}, "fail"),
    ({"src/server.ts": EXPRESS + SESSION + "import RedisStore from 'connect-redis';\n"
                       "app.use(session({ store: new RedisStore({ client }), secret: 's' }));\n"}, "pass"),
    ({"src/server.ts": EXPRESS + "import cookieSession from 'cookie-session';\napp.use(cookieSession({ keys }));\n"},
     "pass"),
    ({"src/server.ts": EXPRESS + "const sessions = new Map();\n"}, "fail"),
    ({"app/settings.py": "SESSION_ENGINE = 'django.contrib.sessions.backends.cache'\n", "app/main.py": FASTAPI}, "fail"),
])
def test_in_process_sessions(tmp_path, files, expected):
    assert status(tmp_path, files, "scale.in-process-sessions") == expected


@pytest.mark.parametrize("files, expected", [
    ({"src/server.ts": EXPRESS + "import { Server } from 'socket.io';\nconst io = new Server(httpServer);\n"}, "fail"),
    ({"src/server.ts": EXPRESS + "import { Server } from 'socket.io';\nimport { createAdapter } from '@socket.io/redis-adapter';\n"
                       "const io = new Server(httpServer);\nio.adapter(createAdapter(pub, sub));\n"}, "pass"),
    ({"src/ws.ts": EXPRESS + "import { WebSocketServer } from 'ws';\nconst wss = new WebSocketServer({ port: 8080 });\n"},
     "fail"),
    ({"app/main.py": FASTAPI + "@app.websocket('/ws')\nasync def ws(websocket):\n    ...\n"}, "fail"),
    ({"src/hooks/live.ts": "import { supabase } from '../lib/supabase'\n"
                           "supabase.channel('room').on('broadcast', {}, f).subscribe()\n", **dict([SPA_PKG])}, "pass"),
    ({"src/server.ts": EXPRESS}, "not_applicable"),
])
def test_realtime_single_node(tmp_path, files, expected):
    assert status(tmp_path, files, "scale.realtime-single-node") == expected


# -- outbound calls, timeouts, retries --------------------------------------------------------------
@pytest.mark.parametrize("code, timeout", [
    ("await fetch('https://internal/api')", None),
    ("await fetch('https://internal/api', { signal: AbortSignal.timeout(5000) })", "signal: AbortSignal.timeout(5000)"),
    ("const c = new AbortController();\nsetTimeout(() => c.abort(), 5000);\nawait fetch(url, { signal: c.signal })",
     "signal: c.signal"),
    ("import axios from 'axios';\nawait axios.get('https://internal/api')", None),
    ("import axios from 'axios';\nawait axios.post('https://internal/api', body, { timeout: 3000 })", "timeout: 3000"),
    ("import axios from 'axios';\nconst api = axios.create({ timeout: 2000 });\nawait api.get('/x')",
     "client timeout: 2000"),
])
def test_js_outbound_timeouts(tmp_path, code, timeout):
    doc, _ = audit(tmp_path, {"src/server.ts": EXPRESS + f"export async function f(url) {{\n{code}\n}}\n"})
    [call] = doc["facts"]["infra"]["outbound_calls"]
    assert call["timeout"] == timeout


def test_axios_defaults_timeout_covers_every_axios_call(tmp_path):
    doc, rows = audit(tmp_path, {"src/http.ts": "import axios from 'axios';\naxios.defaults.timeout = 5000;\n",
                                 "src/server.ts": EXPRESS + "import axios from 'axios';\naxios.get('https://svc/x');\n"})
    assert rows["resilience.no-timeouts"]["status"] == "pass"
    assert doc["facts"]["infra"]["outbound_calls"][0]["timeout"] == "axios.defaults.timeout at src/http.ts:2"


@pytest.mark.parametrize("code, expected", [
    ("import requests\nrequests.get('https://svc/x')\n", "fail"),
    ("import requests\nrequests.get('https://svc/x', timeout=5)\n", "pass"),
    ("import httpx\nhttpx.get('https://svc/x')\n", "pass"),  # httpx times out after 5 s by default
    ("import httpx\nwith httpx.Client(timeout=None) as c:\n    c.get('https://svc/x')\n", "fail"),
    ("import requests\ns = requests.Session()\ns.post('https://svc/x', json={})\n", "fail"),
])
def test_python_outbound_timeouts(tmp_path, code, expected):
    assert status(tmp_path, {"app/main.py": FASTAPI + code}, "resilience.no-timeouts") == expected


def test_browser_calls_to_own_api_are_not_judged(tmp_path):
    doc, rows = audit(tmp_path, {"src/api.ts": "export const f = () => fetch('/api/items')\n", **dict([SPA_PKG])})
    assert doc["facts"]["infra"]["outbound_calls"] == []
    assert rows["resilience.no-timeouts"]["status"] == "not_applicable"


@pytest.mark.parametrize("files, expected", [
    ({"src/ai.ts": EXPRESS + "import OpenAI from 'openai';\nconst openai = new OpenAI();\n"}, "fail"),  # 10 min default
    ({"src/ai.ts": EXPRESS + "import OpenAI from 'openai';\nconst openai = new OpenAI({ timeout: 20000, maxRetries: 3 });\n"},
     "pass"),
    ({"app/pay.py": FASTAPI + "import stripe\nstripe.Customer.create(email=e)\n"}, "fail"),  # 80 s default
    ({"src/maps.ts": EXPRESS + "fetch(`https://maps.googleapis.com/maps/api/geocode/json?key=${KEY}`, "
                               "{ signal: AbortSignal.timeout(3000) })\n"}, "pass"),
])
def test_third_party_timeouts(tmp_path, files, expected):
    assert status(tmp_path, files, "deps.third-party-no-timeout") == expected


def test_sdk_client_secrets_and_query_strings_are_masked(tmp_path):
    doc, _ = audit(tmp_path, {"src/pay.ts": EXPRESS + "import Stripe from 'stripe';\n"
                                                      "const s = new Stripe('sk_live_abcdefghijklmnop1234');\n"
                                                      "fetch('https://maps.googleapis.com/x?key=AIzaSyXXXXXXXXXXXX')\n"})
    text = str(doc["facts"]["infra"])
    assert "sk_live_abcdefghijklmnop1234" not in text and "AIzaSyXXXX" not in text


@pytest.mark.parametrize("extra, expected", [
    ("", "fail"),
    ("import pRetry from 'p-retry';\nawait pRetry(() => g(), { retries: 3 });\n", "pass"),
    ("for (let attempt = 0; attempt < 3; attempt++) { await sleep(100 * 2 ** attempt) }\n", "pass"),
])
def test_retries(tmp_path, extra, expected):
    code = EXPRESS + f"export async function f() {{\nawait fetch('https://svc/x');\n{extra}}}\n"
    assert status(tmp_path, {"src/server.ts": code}, "resilience.no-retries") == expected


@pytest.mark.parametrize("files, expected", [
    ({"src/server.ts": EXPRESS + "app.get('/healthz', (req, res) => res.send('ok'));\n"}, "pass"),
    ({"app/main.py": FASTAPI + "@app.get('/api/health')\ndef health():\n    return {}\n"}, "pass"),
    ({"src/server.ts": EXPRESS, "Dockerfile": "FROM node:20\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n"},
     "pass"),
    ({"src/server.ts": EXPRESS, "docker-compose.yml": "services:\n  db:\n    image: postgres:15\n    healthcheck:\n"
                                                      "      test: pg_isready\n"}, "fail"),  # the database's, not the app's
    ({"src/server.ts": EXPRESS + "app.get('/healthy-recipes', h);\n"}, "fail"),
    ({"src/main.tsx": "export {}\n", **dict([SPA_PKG])}, "not_applicable"),
])
def test_health_check(tmp_path, files, expected):
    assert status(tmp_path, files, "resilience.no-health-check") == expected


# -- observability and load tests -------------------------------------------------------------------
@pytest.mark.parametrize("files, errors, metrics", [
    ({"src/server.ts": EXPRESS + "import * as Sentry from '@sentry/node';\nSentry.init({ dsn });\n"}, "pass", "fail"),
    ({"src/server.ts": EXPRESS + "import client from 'prom-client';\nclient.collectDefaultMetrics();\n"}, "fail", "pass"),
    ({"app/main.py": FASTAPI + "import sentry_sdk\nsentry_sdk.init(dsn=DSN)\n"
                               "from prometheus_fastapi_instrumentator import Instrumentator\n"
                               "Instrumentator().instrument(app)\n"}, "pass", "pass"),
    ({"src/server.ts": "require('dd-trace').init();\n" + EXPRESS}, "pass", "pass"),
    # near misses: Sentry declared but never initialised; a DSN in .env.example only
    ({"src/server.ts": EXPRESS, "package.json": '{"dependencies": {"express": "4", "@sentry/node": "7"}}',
      ".env.example": "SENTRY_DSN=\n"}, "fail", "fail"),
])
def test_observability(tmp_path, files, errors, metrics):
    _, rows = audit(tmp_path, files)
    assert (rows["obs.no-error-tracking"]["status"], rows["obs.no-metrics"]["status"]) == (errors, metrics)


@pytest.mark.parametrize("files, expected", [
    ({"src/index.tsx": "import { onLCP } from 'web-vitals'\nonLCP(send)\n"}, "pass"),
    ({"src/index.js": "import reportWebVitals from './reportWebVitals'\nreportWebVitals()\n",
      "src/reportWebVitals.js": "const r = (cb) => { import('web-vitals').then(({ getCLS }) => getCLS(cb)) }\n"
                                "export default r\n"}, "fail"),  # Create React App's stub reports nothing
])
def test_web_vitals_count_as_front_end_metrics(tmp_path, files, expected):
    assert status(tmp_path, {**files, **dict([SPA_PKG])}, "obs.no-metrics") == expected


@pytest.mark.parametrize("files, expected", [
    ({"tests/load/checkout.js": "import http from 'k6/http';\nexport default function () { http.get(URL) }\n"}, "pass"),
    ({"locustfile.py": "from locust import HttpUser, task\nclass U(HttpUser):\n    pass\n"}, "pass"),
    ({"package.json": '{"scripts": {"load": "artillery run load.yml"}}'}, "pass"),
    ({"bench/select.sql": "\\set aid random(1, 100000)\nselect * from t where id = :aid;\n"}, "pass"),
    ({".github/workflows/perf.yml": "jobs:\n  k6:\n    steps:\n      - run: k6 run tests/load.js\n"}, "pass"),
    ({"tests/api.test.ts": "import { test } from 'vitest'\ntest('x', () => fetch('/x'))\n"}, "fail"),
    ({"load-tests/browse.js": "import http from 'k6/http';\nhttp.get(URL);\n"}, "pass"),
])
def test_load_tests(tmp_path, files, expected):
    assert status(tmp_path, {"src/server.ts": EXPRESS, **files}, "test.no-load-tests") == expected


# -- the examples: what each seed review says is missing --------------------------------------------
def infra_findings(example: str, profile: str = "10k") -> dict[str, list[tuple]]:
    doc = scan(str(EXAMPLES / example), profile)
    areas = {"caching", "read_scaling", "rate_limiting", "resilience", "observability", "load_testing"}
    out: dict[str, list[tuple]] = {}
    for f in doc["findings"]:
        if f["area"] in areas:
            out.setdefault(f["check"], []).extend((e["path"], e["line"]) for e in f["evidence"])
    return out


SEARCHED = ("", None)


def test_booking_api_matches_seed_003():
    """003: no caching layer, no CDN, no read replicas, in-memory rate limiting, no monitoring."""
    assert infra_findings("booking-api") == {
        "cache.no-server-cache": [SEARCHED],
        "cache.no-http-cache-headers": [SEARCHED],
        "cache.no-cdn": [("backend/src/server.ts", 15), ("frontend/package.json", 11), SEARCHED],
        "scale.no-read-replica": [SEARCHED],
        "rate.in-memory-store": [("backend/src/server.ts", 24), ("backend/src/server.ts", 31)],
        "obs.no-error-tracking": [SEARCHED],
        "obs.no-metrics": [SEARCHED],
        "test.no-load-tests": [SEARCHED],
    }


def test_capsule_api_matches_seed_004():
    """004: in-memory (non-distributed) rate limiting, no caching, no replicas, no CDN or HTTP caching
    headers, no monitoring, no load tests; its lru_cache memoizes settings, not data."""
    found = infra_findings("capsule-api")
    assert found["rate.in-memory-store"] == [("backend/app/middleware/rate_limiting.py", 16),
                                             ("backend/app/middleware/rate_limiting.py", 24),
                                             ("backend/app/main.py", 26)]
    assert found["cache.no-server-cache"] == [("backend/app/core/config.py", 21), SEARCHED]
    assert set(found) == {"rate.in-memory-store", "cache.no-server-cache", "cache.no-http-cache-headers",
                          "cache.no-cdn", "scale.no-read-replica", "obs.no-error-tracking", "obs.no-metrics",
                          "test.no-load-tests"}


def test_truststream_matches_seed_000():
    """000/README: client-only rate limiting, an edge function calling OpenAI without a timeout, no replica
    routing (a materialized view is not one), no error tracking; Vercel's CDN and asset headers and the
    web vitals the browser reports are strengths."""
    found = infra_findings("truststream")
    fn = "supabase/functions/ai-analysis/index.ts"
    assert found["rate.none"] == [("src/lib/rateLimit.ts", 18), SEARCHED]
    assert found["deps.third-party-no-timeout"] == [(fn, 31)]
    assert found["resilience.no-retries"] == [(fn, 31)]
    assert found["scale.no-read-replica"] == [
        ("supabase/migrations/20250210110000_performance_metrics.sql", 12), SEARCHED]
    assert {"cache.no-server-cache", "obs.no-error-tracking", "test.no-load-tests"} < set(found)
    assert not {"cache.no-cdn", "cache.no-http-cache-headers", "obs.no-metrics"} & set(found)
    assert "resilience.no-timeouts" not in found and "scale.realtime-single-node" not in found


def test_quizapp_matches_seed_002():
    """002: Netlify CDN with immutable asset headers and React Query caching are strengths; no monitoring
    and no load tests are gaps; there is no server of its own to rate-limit or cache on."""
    doc = scan(str(EXAMPLES / "quizapp"), "500")
    rows = {c["check"]: c for a in doc["scorecard"]["areas"] for c in a["checks"]}
    assert {k: rows[k]["status"] for k in ("cache.no-cdn", "cache.no-http-cache-headers", "cache.no-server-cache",
                                            "rate.none", "scale.no-read-replica")} == {
        "cache.no-cdn": "pass", "cache.no-http-cache-headers": "pass", "cache.no-server-cache": "not_applicable",
        "rate.none": "not_applicable", "scale.no-read-replica": "not_applicable"}
    assert set(infra_findings("quizapp", "500")) == {"obs.no-error-tracking", "obs.no-metrics", "test.no-load-tests"}
    assert signals(doc, "http_cache", "path", "line", "enables") == [("netlify.toml", 9, True), ("netlify.toml", 14, False)]
    assert signals(doc, "client_caches", "kind", "path", "line") == [("react-query", "src/main.tsx", 10),
                                                                     ("persistence", "src/main.tsx", 21),
                                                                     ("persistence", "src/main.tsx", 26)]


# -- lessons from real repositories -----------------------------------------------------------------
def test_memory_limiter_used_only_as_redis_insurance_is_not_the_store(tmp_path):
    code = EXPRESS + ("import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';\n"
                      "class RateLimiter {\n  static readonly insurance = new RateLimiterMemory({ points: 5 });\n"
                      "  static main = new RateLimiterRedis({ storeClient, insuranceLimiter: this.insurance });\n}\n"
                      "app.use((ctx, next) => RateLimiter.main.consume(ctx.ip).then(next));\n")
    _, rows = audit(tmp_path, {"server/utils/RateLimiter.ts": code})
    assert (rows["rate.none"]["status"], rows["rate.in-memory-store"]["status"]) == ("pass", "pass")


def test_subclassing_a_client_counts_as_using_it(tmp_path):
    code = EXPRESS + "import Redis from 'ioredis';\nexport default class RedisAdapter extends Redis {}\n"
    assert status(tmp_path, {"server/storage/redis.ts": code}, "cache.no-server-cache") == "pass"


def test_cdn_setting_named_in_env_and_sentry_tracing_as_metrics(tmp_path):
    sentry = "import * as Sentry from '@sentry/node';\nSentry.init({ dsn, tracesSampleRate: 0.1 });\n"
    _, rows = audit(tmp_path, {".env.sample": "# origin behind the CDN\nCDN_URL=\n", "server/main.ts": EXPRESS + sentry})
    assert rows["cache.no-cdn"]["status"] == "pass" and "CDN_URL at .env.sample:2" in rows["cache.no-cdn"]["note"]
    assert rows["obs.no-metrics"]["status"] == "pass"


def test_hocuspocus_redis_extension_shares_a_ws_server(tmp_path):
    code = EXPRESS + ("import { Redis } from '@hocuspocus/extension-redis';\nimport WebSocket from 'ws';\n"
                      "const wss = new WebSocket.Server({ noServer: true });\n")
    assert status(tmp_path, {"server/services/collaboration.ts": code}, "scale.realtime-single-node") == "pass"


@pytest.mark.parametrize("path, imports, runtime", [
    ("app/stores/AuthStore.ts", set(), "browser"),       # one package for both sides
    ("server/routes/api.ts", set(), "server"),
    ("shared/utils/fetch.ts", {"node:http"}, "server"),
    ("supabase/functions/x/index.ts", set(), "edge"),
    ("scripts/seed.ts", set(), "tooling"),
])
def test_runtime_of_files_in_a_mixed_package(path, imports, runtime):
    pkg = SourceFile("package.json", "manifest", 0, '{"dependencies": {"koa": "2", "react": "18"}}')
    assert Runtimes([pkg]).of(path, imports) == runtime
