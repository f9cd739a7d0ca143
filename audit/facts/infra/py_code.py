"""Infrastructure signals in Python files, read with `ast` (never imported): libraries in use, apps,
routes, caches, rate limiters and their stores, sessions, websockets, outbound HTTP calls, and the
Django settings that decide caches, sessions, throttling, channel layers and database routing."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property

from audit.discover import SourceFile
from audit.facts import trees
from audit.facts.infra.known import (BACKOFF, CACHE_CONTROL_HEADERS, HEALTH_PATH, HTTP_CLIENT_DEFAULTS,
                                     RATE_LIMIT_NAME, READ_NAME, SDK_DEFAULTS, SDK_RETRY_KEYS, SDK_TIMEOUT_KEYS,
                                     SESSION_NAME, THIRD_PARTY_SDKS, TRACING, caching_header, line_of, py_lib,
                                     third_party_host)
from audit.facts.infra.signal import Signal, clean

GENERIC = {"caches", "queues", "retries", "circuit_breakers", "monitoring", "load_tests"}
APPS = {"fastapi.FastAPI": "fastapi", "flask.Flask": "flask", "starlette.applications.Starlette": "starlette",
        "aiohttp.web.Application": "aiohttp", "sanic.Sanic": "sanic", "litestar.Litestar": "litestar",
        "quart.Quart": "quart"}
MEMOIZE = {"functools.lru_cache", "functools.cache", "cachetools.cached", "cachetools.func.ttl_cache",
           "cachetools.func.lru_cache", "async_lru.alru_cache"}
HTTP = {"requests": "requests", "httpx": "httpx", "aiohttp": "aiohttp", "urllib.request.urlopen": "urllib"}
CLIENTS = {"requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
STATE = {"dict", "defaultdict", "collections.defaultdict", "OrderedDict", "collections.OrderedDict", "deque",
         "collections.deque", "Counter", "collections.Counter", "cachetools.TTLCache", "TTLCache"}
ROUTE_DECORATORS = {"get", "route", "api_route", "head"}
DJANGO_BACKENDS = (("redis", "redis"), ("memcache", "memcached"), ("locmem", "in-process"), ("dummy", "dummy"),
                   ("db", "database"), ("filebased", "file"))


@dataclass
class PyFile:
    f: SourceFile
    tree: ast.Module
    runtime: str
    nodes: list[ast.AST] = field(default_factory=list)  # every node of the tree, in `ast.walk` order
    bindings: dict[str, str] = field(default_factory=dict)
    out: list[Signal] = field(default_factory=list)

    def add(self, category, kind, library, line, detail, **props) -> None:
        self.out.append(Signal(category, kind, library, self.f.path, line, detail, self.runtime, props))

    def dotted(self, node: ast.AST) -> str | None:
        """`aioredis.from_url` -> `redis.asyncio.from_url` through the file's imports; None if not imported."""
        if isinstance(node, ast.Name):
            return self.bindings.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            return self.dotted(node.func)
        return None

    def src(self, node: ast.AST, limit: int = 120) -> str:
        return clean(ast.get_source_segment(self.f.text or "", node) or ast.unparse(node), limit)

    @cached_property
    def uses(self) -> list[tuple[ast.AST, str]]:
        """(node, dotted name) for every call, decorator and base class that resolves through an import."""
        out = []
        for node in self.nodes:
            if isinstance(node, ast.Call):
                name = self.dotted(node.func)
                if name:
                    out.append((node, name))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out += [(d, self.dotted(d)) for d in node.decorator_list
                        if not isinstance(d, ast.Call) and self.dotted(d)]
            if isinstance(node, ast.ClassDef):
                out += [(base, self.dotted(base)) for base in node.bases if self.dotted(base)]
        return out


def load(f: SourceFile, runtime: str) -> PyFile:
    tree = trees.python(f.path, f.text or "")
    ctx = PyFile(f, tree, runtime, list(ast.walk(tree)))
    ctx.bindings.update(trees.import_bindings(ctx.nodes))
    return ctx


def _kw(call: ast.Call, *names: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg in names), None)


def _const(node: ast.AST | None):
    return node.value if isinstance(node, ast.Constant) else None


def libraries(ctx: PyFile) -> None:
    seen: dict[str, tuple] = {}
    for node, name in ctx.uses:
        hit = py_lib(name)
        if hit and hit[1].category in GENERIC and hit[0] not in seen:
            seen[hit[0]] = (node, hit[1])
    for module, (node, lib) in sorted(seen.items()):
        ctx.add(lib.category, lib.kind, module, node.lineno, ctx.src(node), used=True)
        if lib.kind == "error-tracking" and TRACING.search(ast.unparse(node)):
            ctx.add("monitoring", "tracing", module, node.lineno, "performance tracing enabled", used=True)
    for module in sorted({m for m in ctx.bindings.values() if py_lib(m)}):
        name, lib = py_lib(module)
        if lib.category == "load_tests" and name not in seen:
            seen[name] = None
            ctx.add(lib.category, lib.kind, name, 1, f"imports '{name}': a load-test script", used=True)
        elif lib.category in GENERIC and name not in seen:
            line = next((n.lineno for n in ctx.nodes if isinstance(n, (ast.Import, ast.ImportFrom))
                         and module in {a.name for a in n.names} | {f"{getattr(n, 'module', '')}.{a.name}"
                                                                     for a in n.names}), 1)
            seen[name] = None
            ctx.add(lib.category, lib.kind, name, line, f"'{name}' imported but never called", used=False)


def code(ctx: PyFile) -> None:
    """Apps, memoized functions, rate limiters, websockets, routes, shutdown hooks, read pools, headers."""
    for node, name in ctx.uses:
        call = node if isinstance(node, ast.Call) else None
        if name in APPS and call is not None:
            ctx.add("apps", APPS[name], name.split(".")[0], node.lineno, ctx.src(node))
        elif name in MEMOIZE:
            _memoize(ctx, node, name)
        elif call is not None and name.endswith(".Limiter") and name.split(".")[0] in {"slowapi", "flask_limiter"}:
            _limiter(ctx, call, name)
        elif call is not None and name.startswith("django_ratelimit") and name.endswith("ratelimit"):
            key = _const(_kw(call, "key")) or "ip"
            ctx.add("rate_limits", "django-ratelimit", "django_ratelimit", node.lineno, ctx.src(node), store="django-cache",
                    store_detail="Django's cache (see CACHES)", key="ip" if "ip" in str(key) else "user",
                    applied_at={"path": ctx.f.path, "line": node.lineno})
        elif call is not None and name == "ratelimit.RateLimitMiddleware":
            _asgi_ratelimit(ctx, call, call.args[2] if len(call.args) > 2 else _kw(call, "backend"))
        elif call is not None and name == "fastapi_limiter.FastAPILimiter.init":
            ctx.add("rate_limits", "fastapi-limiter", "fastapi_limiter", node.lineno, ctx.src(node), store="redis",
                    store_detail="Redis, required by fastapi-limiter", key="ip", exported="RateLimiter")
        elif call is not None and name.split(".")[0] == "socketio" and name.endswith("Server"):
            manager = _kw(call, "client_manager")
            ctx.add("realtime", "python-socketio", "socketio", node.lineno, ctx.src(node),
                    adapter=ctx.src(manager, 60) if manager is not None else None)
        elif call is not None and name in {"django.urls.path", "django.urls.re_path"} and call.args \
                and HEALTH_PATH.match(str(_const(call.args[0]))):
            ctx.add("health", "route", "django", node.lineno, ctx.src(node), route=_const(call.args[0]))
        elif call is not None and name in {"signal.signal"} and "SIGTERM" in ctx.src(node):
            ctx.add("shutdown", "signal-handler", "signal", node.lineno, ctx.src(node))
    for node in ctx.nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _routes(ctx, node)
        elif isinstance(node, ast.ClassDef) and RATE_LIMIT_NAME.search(node.name):
            _custom_limiter(ctx, node, node.name, [n for n in ast.walk(node)])
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            _assignment(ctx, node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args \
                and node.func.attr in {"add_api_route", "add_route"} and HEALTH_PATH.match(str(_const(node.args[0]))):
            ctx.add("health", "route", "", node.lineno, ctx.src(node), route=_const(node.args[0]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args \
                and node.func.attr == "add_middleware" and ctx.dotted(node.args[0]) == "ratelimit.RateLimitMiddleware":
            _asgi_ratelimit(ctx, node, node.args[2] if len(node.args) > 2 else _kw(node, "backend"))
        _headers(ctx, node)
    if RATE_LIMIT_NAME.search(ctx.f.path.rsplit("/", 1)[-1]) and not any(s.category == "rate_limits" for s in ctx.out):
        for fn in (n for n in ctx.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            _custom_limiter(ctx, fn, fn.name, ctx.nodes)
            break
    m = BACKOFF.search(ctx.f.text or "")
    if m:
        line = line_of(ctx.f.text, m.start())
        ctx.add("retries", "custom-backoff", "", line, clean((ctx.f.text or "").split("\n")[line - 1]))


def _memoize(ctx: PyFile, node: ast.AST, name: str) -> None:
    fn = next((f for f in ctx.nodes if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
               and node in f.decorator_list), None)
    if fn is None:
        return
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs if a.arg not in {"self", "cls"}]
    ctx.add("caches", "memoize", name.split(".")[0], fn.lineno,
            f"@{name.split('.')[-1]} on {fn.name}({', '.join(params)})", function=fn.name, params=len(params))


def _limiter(ctx: PyFile, call: ast.Call, name: str) -> None:
    uri = _kw(call, "storage_uri")
    value = _const(uri)
    if uri is None:
        store, how = "memory", "no storage_uri: memory://, the default"
    elif isinstance(value, str):
        store = next((k for p, k in (("redis", "redis"), ("memcached", "memcached"), ("mongodb", "mongodb"),
                                     ("memory", "memory")) if value.startswith(p)), "other")
        how = f"storage_uri {value.split(':')[0]}://"
    else:
        store, how = "unknown", f"storage_uri from {ctx.src(uri, 60)}"
    key = ctx.src(_kw(call, "key_func") or (call.args[0] if call.args else ast.Constant("")), 60)
    target = _target_name(ctx, call)
    applied = {"applied_at": {"path": ctx.f.path, "line": call.lineno}} if _kw(call, "default_limits") else \
        {"exported": f"{target}.limit"} if target else {}
    ctx.add("rate_limits", name.split(".")[0].replace("_", "-"), name.split(".")[0], call.lineno, ctx.src(call),
            store=store, store_detail=how, key="user" if "user" in key else "ip" if "remote" in key or "ip" in key
            else "unknown", **applied)


def _asgi_ratelimit(ctx: PyFile, call: ast.Call, backend: ast.expr | None) -> None:
    """asgi-ratelimit's RateLimitMiddleware wraps the whole app; its backend is the store."""
    name = ctx.dotted(backend.func) if isinstance(backend, ast.Call) else None
    store = "unknown" if not name else "redis" if "redis" in name.lower() else \
        "memory" if name.rsplit(".", 1)[-1] in {"SimpleBackend", "MemoryBackend"} else "other"
    ctx.add("rate_limits", "asgi-ratelimit", "ratelimit", call.lineno, ctx.src(call), store=store,
            store_detail=f"backend {ctx.src(backend, 60)}" if backend is not None else "no backend given",
            key="unknown", applied_at={"path": ctx.f.path, "line": call.lineno})


def _target_name(ctx: PyFile, call: ast.Call) -> str | None:
    """The name a call's result is assigned to (`limiter = Limiter(...)` -> `limiter`)."""
    for node in ctx.nodes:
        if isinstance(node, ast.Assign) and node.value is call and isinstance(node.targets[0], ast.Name):
            return node.targets[0].id
    return None


def _custom_limiter(ctx: PyFile, owner: ast.AST, name: str, body: list[ast.AST]) -> None:
    """A hand-written limiter: in-memory state (dict, defaultdict, deque...) or Redis calls inside it."""
    redis = any(isinstance(n, ast.Attribute) and n.attr in {"incr", "zadd", "expire", "evalsha"} for n in body)
    state = next((n for n in body if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None and
                  (isinstance(n.value, ast.Dict) and not n.value.keys or isinstance(n.value, ast.Call)
                   and ast.unparse(n.value.func) in STATE)), None)
    text = ast.unparse(owner)
    if not redis and state is None or not re.search(r"\brequest\b|\bscope\b|call_next|\bip\b|client", text):
        return
    key = "user" if re.search(r"user_?id|current_user|\.sub\b", text) else \
        "ip" if re.search(r"client\.host|x-forwarded-for|remote_addr|get_remote_address", text, re.I) else "unknown"
    ctx.add("rate_limits", "custom", "", owner.lineno, f"{type(owner).__name__.replace('Def', '').lower()} {name}",
            store="redis" if redis else "memory",
            store_detail="Redis commands" if redis else f"in-memory state: {ctx.src(state, 90)}",
            store_line=None if redis else state.lineno, key=key, exported=name)


def _routes(ctx: PyFile, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    for d in (d for d in fn.decorator_list if isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)):
        path = _const(d.args[0]) if d.args else _const(_kw(d, "path"))
        attr = d.func.attr
        if attr in ROUTE_DECORATORS and isinstance(path, str) and HEALTH_PATH.match(path):
            ctx.add("health", "route", "", d.lineno, f"{ctx.src(d, 80)} -> {fn.name}", route=path)
        elif attr == "websocket":
            pubsub = any(m.split(".")[0] in {"redis", "broadcaster", "aioredis"} for m in ctx.bindings.values())
            ctx.add("realtime", "websocket", "", d.lineno, f"{ctx.src(d, 80)} -> {fn.name}",
                    adapter="pub/sub in the file" if pubsub else None)
        elif attr == "on_event" and path == "shutdown":
            ctx.add("shutdown", "shutdown-event", "", d.lineno, f"{ctx.src(d, 80)} -> {fn.name}")


def _assignment(ctx: PyFile, node: ast.Assign | ast.AnnAssign) -> None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    name = ast.unparse(targets[0])
    value = node.value
    if value is None:
        return
    if name in {"CACHES", "SESSION_ENGINE", "CHANNEL_LAYERS", "DATABASES", "DATABASE_ROUTERS", "REST_FRAMEWORK",
                "MIDDLEWARE"}:
        _django(ctx, name, value, node.lineno)
    elif isinstance(value, ast.Call):
        called = ctx.dotted(value.func) or ""
        if READ_NAME.search(name.split(".")[-1]) and re.search(r"create_(async_)?engine|create_pool|ConnectionPool$", called):
            ctx.add("read_scaling", "read-pool", called.split(".")[0], node.lineno, ctx.src(node))
        elif called.endswith("sessionmaker") and _kw(value, "binds") is not None:
            ctx.add("read_scaling", "replica-routing", "sqlalchemy", node.lineno, "sessionmaker(binds=...)")
    elif isinstance(value, (ast.Dict, ast.Call)) and SESSION_NAME.match(name) and ctx.runtime == "server" \
            and node in ctx.tree.body:
        ctx.add("sessions", "custom", "", node.lineno, ctx.src(node), store="memory", store_detail="module-level dict")


def _django(ctx: PyFile, name: str, value: ast.expr, line: int) -> None:
    text = ast.unparse(value)
    if name == "CACHES":
        for backend in re.findall(r"['\"]BACKEND['\"]:\s*['\"]([\w.]+)['\"]", text)[:1]:
            kind = next((k for w, k in DJANGO_BACKENDS if w in backend.lower()), "other")
            ctx.add("caches", kind, "django", line, f"CACHES default backend {backend}", backend=backend)
    elif name == "SESSION_ENGINE":
        engine = str(_const(value))
        store = "cookie" if "signed_cookies" in engine else "django-cache" if engine.endswith(".cache") else "database"
        ctx.add("sessions", "django", "django", line, f"SESSION_ENGINE = {engine}", store=store, store_detail=engine)
    elif name == "CHANNEL_LAYERS":
        redis = "Redis" in text or "redis" in text
        ctx.add("realtime", "django-channels", "channels", line, clean(text, 100),
                adapter="channel layer " + ("redis" if redis else "in-memory") if redis else None)
    elif name == "DATABASES" and isinstance(value, ast.Dict) and len(value.keys) > 1:
        ctx.add("read_scaling", "second-database", "django", line,
                "DATABASES aliases: " + ", ".join(str(_const(k)) for k in value.keys))
    elif name == "DATABASE_ROUTERS" and text not in {"[]", "()"}:
        ctx.add("read_scaling", "replica-routing", "django", line, f"DATABASE_ROUTERS = {clean(text, 80)}")
    elif name == "REST_FRAMEWORK" and "DEFAULT_THROTTLE_CLASSES" in text:
        ctx.add("rate_limits", "drf-throttling", "rest_framework", line, "REST_FRAMEWORK DEFAULT_THROTTLE_CLASSES",
                store="django-cache", store_detail="Django's cache (see CACHES)",
                key="user" if "User" in text else "ip", applied_at={"path": ctx.f.path, "line": line})
    elif name == "MIDDLEWARE" and "django.middleware.cache" in text:
        ctx.add("http_cache", "django-cache-middleware", "django", line, "cache middleware in MIDDLEWARE", enables=True)


def _headers(ctx: PyFile, node: ast.AST) -> None:
    """`{"Cache-Control": v}`, `response.headers["Cache-Control"] = v`, `@cache_control(...)`, `@cache_page(n)`."""
    pairs = []
    if isinstance(node, ast.Dict):
        pairs = [(k, v) for k, v in zip(node.keys, node.values) if isinstance(_const(k), str)]
    elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
        pairs = [(node.targets[0].slice, node.value)]
    elif isinstance(node, ast.Call) and len(node.args) > 1 and isinstance(_const(node.args[0]), str) \
            and getattr(node.func, "attr", "") not in {"get", "pop", "getheader"}:
        pairs = [(node.args[0], node.args[1])]
    for k, v in pairs:
        header = str(_const(k)).lower()
        if header in CACHE_CONTROL_HEADERS:
            literal = _const(v)
            shown = literal if literal is not None else ctx.src(v, 60)
            ctx.add("http_cache", "header", "", k.lineno, clean(f"{header}: {shown}"), header=header, value=literal,
                    enables=caching_header(header, literal))
    if isinstance(node, ast.Call) and (ctx.dotted(node.func) or "").split(".")[-1] in {"cache_control", "cache_page"}:
        name = ctx.dotted(node.func).split(".")[-1]
        age = _const(node.args[0]) if name == "cache_page" and node.args else _const(_kw(node, "max_age", "s_maxage"))
        ctx.add("http_cache", name, "django", node.lineno, ctx.src(node),
                enables=bool(age) or _kw(node, "public") is not None)
        if name == "cache_page":
            ctx.add("caches", "response-cache", "django", node.lineno, ctx.src(node), ttl=age)


# -- outbound calls ---------------------------------------------------------------------------------
def outbound(ctx: PyFile) -> None:
    clients = _clients(ctx)
    for node in ctx.nodes:
        if not isinstance(node, ast.Call):
            continue
        name = ctx.dotted(node.func) or ""
        owner = ast.unparse(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        method = name.split(".")[-1] if name else getattr(node.func, "attr", "")
        if name.split(".")[0] in {"requests", "httpx"} and method in HTTP_METHODS and name not in CLIENTS:
            client, timeout, disabled = name.split(".")[0], None, False
        elif name == "urllib.request.urlopen":
            client, timeout, disabled = "urllib", None, False
        elif owner in clients and method in HTTP_METHODS:
            client, timeout, disabled = clients[owner]
        else:
            continue
        url = node.args[1] if method == "request" and len(node.args) > 1 else \
            node.args[0] if node.args else _kw(node, "url")
        target = _target(ctx, url)
        service = third_party_host(target)
        explicit = _kw(node, "timeout")
        if explicit is not None:
            disabled = isinstance(explicit, ast.Constant) and explicit.value is None
            timeout = None if disabled else f"timeout={ctx.src(explicit, 50)}"
        default = HTTP_CLIENT_DEFAULTS[client]
        ctx.add("outbound_calls", client, client, node.lineno, ctx.src(node), target=target, service=service,
                timeout=timeout, timeout_default_s=None if disabled else default[0],
                retries_default=default[1], defaults_source=default[2])
    _sdk_clients(ctx)


def _clients(ctx: PyFile) -> dict[str, tuple[str, str | None, bool]]:
    """Names bound to a requests/httpx/aiohttp client (assignment or `with ... as x`): its timeout,
    and whether `timeout=None` turned the library's default off."""
    out = {}
    for node in ctx.nodes:
        pairs = [(node.targets[0], node.value)] if isinstance(node, ast.Assign) else \
            [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars is not None] \
            if isinstance(node, (ast.With, ast.AsyncWith)) else []
        for target, value in pairs:
            name = ctx.dotted(value.func) if isinstance(value, ast.Call) else None
            if name in CLIENTS:
                t = _kw(value, "timeout")
                disabled = isinstance(t, ast.Constant) and t.value is None
                timeout = None if t is None or disabled else f"client timeout={ctx.src(t, 50)}"
                out[ast.unparse(target)] = (name.split(".")[0], timeout, disabled)
    return out


def _target(ctx: PyFile, node: ast.AST | None) -> str:
    if node is None:
        return ""
    if isinstance(node, ast.JoinedStr):
        return clean("".join(str(v.value) if isinstance(v, ast.Constant) else "{…}" for v in node.values), 100)
    if isinstance(node, ast.Name):
        found = next((a.value for a in ctx.tree.body if isinstance(a, ast.Assign) and
                      any(isinstance(t, ast.Name) and t.id == node.id for t in a.targets)), None)
        if isinstance(found, (ast.Constant, ast.JoinedStr)):
            return _target(ctx, found)
    value = _const(node)
    return clean(value if isinstance(value, str) else ctx.src(node, 100), 100)


def _sdk_clients(ctx: PyFile) -> None:
    seen = set()
    for node, name in ctx.uses:
        module = next((m for m in THIRD_PARTY_SDKS if name == m or name.startswith(m + ".")), None)
        if module is None or module in seen or not isinstance(node, ast.Call):
            continue
        seen.add(module)
        service = THIRD_PARTY_SDKS[module]
        timeout = next((f"{k.arg}={ctx.src(k.value, 40)}" for k in node.keywords if k.arg in SDK_TIMEOUT_KEYS), None)
        retries = next((_const(k.value) for k in node.keywords if k.arg in SDK_RETRY_KEYS), None)
        default_timeout, default_retries, source = SDK_DEFAULTS.get(service, (None, None, ""))
        ctx.add("outbound_calls", "sdk", module, node.lineno, ctx.src(node), target=service, service=service,
                timeout=timeout, retries=retries, timeout_default_s=default_timeout,
                retries_default=default_retries, defaults_source=source)
