"""JS/TS signals about traffic: rate limiters and their stores, sessions, realtime servers and
outbound HTTP calls (timeouts, retries, third-party services)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import tree_sitter as ts

from audit.facts import js
from audit.facts.infra.js_code import Call, JsFile, _module_of
from audit.facts.infra.known import (HTTP_CLIENT_DEFAULTS, JS_LIBS, RATE_LIMIT_NAME, RATE_WORDS, SDK_DEFAULTS,
                                     SDK_RETRY_KEYS, mentions,
                                     SDK_TIMEOUT_KEYS, SESSION_NAME, THIRD_PARTY_SDKS, js_lib, third_party_host)
from audit.facts.infra.signal import clean

STORE_MODULES = {"rate-limit-redis": "redis", "rate-limit-memcached": "memcached", "connect-redis": "redis",
                 "@acpr/rate-limit-postgresql": "postgres", "connect-pg-simple": "postgres",
                 "connect-mongo": "mongodb", "session-file-store": "file"}
STORE_WORDS = (("Redis", "redis"), ("Memcache", "memcached"), ("Postgres", "postgres"), ("Mongo", "mongodb"),
               ("Prisma", "database"), ("Dynamo", "dynamodb"), ("MySQL", "mysql"), ("Cluster", "memory"),
               ("Memory", "memory"), ("File", "file"))
IP_KEY = re.compile(r"req(?:uest)?\.ip\b|x-forwarded-for|remoteAddress|client\.host|get_remote_address|REMOTE_ADDR|"
                    r"cf-connecting-ip|x-real-ip", re.I)
USER_KEY = re.compile(r"user_?id|userId|req\.user|current_user|\.sub\b|auth\.uid|authorId|email", re.I)
LIMITER_MODULES = {m for m, lib in JS_LIBS.items() if lib.category == "rate_limits" and lib.kind != "store"}
REDIS_LIBS = {"ioredis", "redis", "@redis/client", "@upstash/redis", "@vercel/kv"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request"}
DATA_METHODS = {"post", "put", "patch"}
FETCH_MODULES = {"node-fetch", "cross-fetch", "isomorphic-fetch", "undici"}
_TOP_DECLS = """(program [(lexical_declaration (variable_declarator name: (identifier) @name value: (_) @value))
                          (variable_declaration (variable_declarator name: (identifier) @name value: (_) @value))
                          (export_statement declaration: (lexical_declaration
                               (variable_declarator name: (identifier) @name value: (_) @value)))] @decl)"""
_EXPORTED = """(export_statement declaration: [(function_declaration name: (identifier) @n)
                                               (lexical_declaration (variable_declarator name: (identifier) @n))
                                               (class_declaration name: (_) @n)])"""
_CALL_DECLS = "(variable_declarator name: (identifier) @n value: (call_expression) @v)"
_FUNCTIONS = "[(function_declaration name: (identifier) @n) (class_declaration name: (_) @n)]"


def _registered(ctx: JsFile) -> list[tuple[str, Call, ts.Node | None]]:
    """(module, call, options) for plugins passed to `x.register(plugin, options)` (Fastify)."""
    out = []
    for c in ctx.calls:
        if c.name.endswith(".register") and c.args and c.args[0].type == "identifier":
            module = ctx.bindings.get(js.text(c.args[0]))
            if module:
                out.append((module, c, c.args[1] if len(c.args) > 1 else None))
    return out


def _store(ctx: JsFile, node: ts.Node | None, default: str) -> tuple[str, str]:
    """(store kind, as written) of a `store:` option; the library's default when there is none."""
    if node is None:
        return "memory", default
    node = ctx.resolve(node)
    ctor = node.child_by_field_name("constructor") or node.child_by_field_name("function")
    module = _module_of(ctx, ctor) if ctor is not None else None
    words = js.text(ctor if ctor is not None else node)
    kind = STORE_MODULES.get(module or "") or next((k for w, k in STORE_WORDS if w.lower() in words.lower()), "other")
    return kind, clean(js.text(node), 80)


def _applied(ctx: JsFile, node: ts.Node) -> dict:
    """Where a middleware value is put to use: passed inline, or its variable passed to a call or exported."""
    parent = node.parent
    if parent is not None and parent.type == "arguments":
        return {"applied_at": {"path": ctx.f.path, "line": js.line(parent)}}
    if parent is None or parent.type != "variable_declarator":
        return {"exported": "default"} if parent is not None and parent.type == "export_statement" else {}
    name = js.text(parent.child_by_field_name("name"))
    for c in ctx.calls:
        if any(js.text(a) == name for a in _arguments(c)):
            return {"applied_at": {"path": ctx.f.path, "line": js.line(c.node)}}
    if re.search(rf"\bexport\s+(?:const|let|var)\s+{name}\b|\bexport\s+default\s+{name}\b|"
                 rf"\bexport\s*\{{[^}}]*\b{name}\b|module\.exports\b[^;]*\b{name}\b", ctx.text):
        return {"exported": name}
    return {}


def _assigned_name(node: ts.Node) -> str | None:
    """The variable, class field or property a value is assigned to."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type in {"variable_declarator", "public_field_definition", "field_definition"}:
        name = parent.child_by_field_name("name") or parent.child_by_field_name("property")
        return js.text(name) if name is not None else None
    if parent.type == "assignment_expression":
        return js.text(parent.child_by_field_name("left")).split(".")[-1]
    return None


def _arguments(c: Call):
    """A call's arguments, with the items of array arguments (`router.get(path, [auth, limiter], h)`)."""
    for a in c.args:
        yield a
        if a.type == "array":
            yield from a.named_children


def _key(text: str) -> str:
    return "user" if USER_KEY.search(text) else "ip" if IP_KEY.search(text) else "unknown"


def rate_limits(ctx: JsFile) -> None:
    limits = [(c.module, c, c.args[0] if c.args else None) for c in ctx.calls if c.module in LIMITER_MODULES]
    for module, call, opts in limits + [r for r in _registered(ctx) if r[0] in {"@fastify/rate-limit",
                                                                                  "fastify-rate-limit"}]:
        o = ctx.options(opts)
        if module in {"express-rate-limit", "express-slow-down"} and call.fn.type == "identifier":
            store, how = _store(ctx, o.get("store"), "no store option: MemoryStore, the default")
            key = _key(js.text(o["keyGenerator"])) if "keyGenerator" in o else "ip"
            props = {**_applied(ctx, call.node), "key": key}
        elif module == "rate-limiter-flexible" and call.node.type == "new_expression":
            store, how = _store(ctx, call.node, "")
            name = _assigned_name(call.node)
            if name and re.search(rf"insuranceLimiter\s*:\s*[\w.]*\b{re.escape(name)}\b", ctx.text):
                how, props = f"{how}: insuranceLimiter, used only while the main store is down", {}
            else:
                props = {"key": _key(ctx.text), **({"applied_at": {"path": ctx.f.path, "line": js.line(call.node)}}
                                                   if ".consume(" in ctx.text else _applied(ctx, call.node))}
        elif module in {"@fastify/rate-limit", "fastify-rate-limit"} and call.name.endswith(".register"):
            store, how = ("redis", "redis option") if "redis" in o else \
                ("memory", "no redis option: in-memory, the default")
            props = {"key": "ip", "applied_at": {"path": ctx.f.path, "line": js.line(call.node)}}
        elif module == "@nestjs/throttler" and call.name.endswith(("forRoot", "forRootAsync")):
            store, how = _store(ctx, o.get("storage"), "no storage option: in-memory, the default")
            props = {"key": "ip", **({"applied_at": {"path": ctx.f.path, "line": js.line(call.node)}}
                                     if "ThrottlerGuard" in ctx.text else {})}
        elif module == "koa-ratelimit" and call.fn.type == "identifier":
            driver = js.value(o.get("driver"))
            store, how = (str(driver), f"driver: {driver}") if driver else ("memory", "no driver")
            props = {**_applied(ctx, call.node), "key": _key(js.text(o.get("id"))) if "id" in o else "ip"}
        elif module == "@upstash/ratelimit" and call.node.type == "new_expression":
            store, how, props = "redis", "Upstash Redis", {"key": _key(ctx.text), **(
                {"applied_at": {"path": ctx.f.path, "line": js.line(call.node)}} if ".limit(" in ctx.text else {})}
        else:
            continue
        ctx.add("rate_limits", module, module, call.node, clean(js.text(call.node).split("\n")[0]),
                store=store, store_detail=how, **props)
    if not any(s.category == "rate_limits" for s in ctx.out) and mentions(ctx.low, RATE_WORDS):
        _custom_limiter(ctx)


def _custom_limiter(ctx: JsFile) -> None:
    """A hand-written limiter in a file or function named for rate limiting: Redis commands, or else
    a module-level Map/Set/object holding the counts."""
    names = [js.text(c["n"][0]) for c in js.matches(ctx.tree, ctx.suffix, _FUNCTIONS)]
    if not (RATE_LIMIT_NAME.search(PurePosixPath(ctx.f.path).stem) or any(RATE_LIMIT_NAME.search(n) for n in names)):
        return
    redis = next((c.node for c in ctx.calls if c.module in REDIS_LIBS or c.name.endswith((".incr", ".zadd"))), None)
    state = redis or next((c["decl"][0] for c in js.matches(ctx.tree, ctx.suffix, _TOP_DECLS) if _is_state(c["value"][0])),
                          None)
    if state is None:
        return
    limiters = {n for n in names if RATE_LIMIT_NAME.search(n)}
    exported = [js.text(c["n"][0]) for c in js.matches(ctx.tree, ctx.suffix, _EXPORTED)]
    used = next((c for c in ctx.calls if any(js.text(a) in limiters for a in c.args) or
                 c.node.type == "call_expression" and c.name in limiters and _enclosing(c.node) != c.name), None)
    ctx.add("rate_limits", "custom", "", state, clean(js.text(state).split("\n")[0]),
            store="redis" if redis else "memory",
            store_detail="Redis commands" if redis else f"module-level {clean(js.text(state).split('=', 1)[-1], 40)}",
            key=_key(ctx.text), exports=sorted(n for n in exported if RATE_LIMIT_NAME.search(n)) or exported,
            **({"applied_at": {"path": ctx.f.path, "line": js.line(used.node)}} if used else {}))


def _is_state(value: ts.Node) -> bool:
    """`new Map()`, `new Set()` or `{}`: somewhere to keep counts in memory."""
    ctor = value.child_by_field_name("constructor") if value.type == "new_expression" else None
    return value.type == "object" and not value.named_children or ctor is not None and js.text(ctor) in {"Map", "Set"}


def sessions(ctx: JsFile) -> None:
    found = [(c.module, c, c.args[0] if c.args else None) for c in ctx.calls
             if c.module in {"express-session", "cookie-session", "iron-session", "koa-session"}
             and c.fn.type == "identifier"]
    found += [r for r in _registered(ctx) if r[0] == "@fastify/session"]
    for module, call, opts in found:
        if module in {"cookie-session", "iron-session", "koa-session"}:
            store, how = "cookie", "session data in a signed cookie"
        else:
            store, how = _store(ctx, ctx.options(opts).get("store"), "no store option: MemoryStore, the default")
        ctx.add("sessions", module, module, call.node, clean(js.text(call.node).split("\n")[0]), store=store,
                store_detail=how, **_applied(ctx, call.node))
    for caps in js.matches(ctx.tree, ctx.suffix, _TOP_DECLS) if "session" in ctx.low else ():
        value = caps["value"][0]
        ctor = value.child_by_field_name("constructor") if value.type == "new_expression" else None
        if SESSION_NAME.match(js.text(caps["name"][0])) and ctor is not None and js.text(ctor) == "Map":
            ctx.add("sessions", "custom", "", caps["decl"][0], clean(js.text(caps["decl"][0])), store="memory",
                    store_detail="module-level Map")


def realtime(ctx: JsFile) -> None:
    adapters = sorted(m for m in ctx.imports if (js_lib(m) or (None, None))[1] == "adapter")
    for m in adapters:
        ctx.add("realtime", "adapter", m, ctx.imports[m], f"realtime adapter '{m}'")
    io = next((c for c in ctx.calls if c.module == "socket.io"), None)
    if io is not None:
        opts = ctx.options(io.args[1] if len(io.args) > 1 else io.args[0] if io.args else None)
        adapter = adapters[0] if adapters else "adapter option" if "adapter" in opts else \
            ".adapter() call" if ".adapter(" in ctx.text else None
        ctx.add("realtime", "socket.io", "socket.io", io.node, clean(js.text(io.node)), adapter=adapter)
    ws = next((c for c in ctx.calls if c.module == "ws" and c.node.type == "new_expression"
               and c.name.split(".")[-1] in {"Server", "WebSocketServer"}), None)
    if ws is not None:
        pubsub = bool(set(ctx.imports) & REDIS_LIBS) and re.search(r"\.(publish|subscribe)\(", ctx.text)
        ctx.add("realtime", "ws", "ws", ws.node, clean(js.text(ws.node)),
                adapter=adapters[0] if adapters else "redis pub/sub" if pubsub else None)
    for c in ctx.calls:
        prop = c.fn.child_by_field_name("property") if c.fn.type == "member_expression" else None
        if prop is not None and js.text(prop) == "channel" and c.args and ".subscribe(" in js.text(_chain(c.node)):
            ctx.add("realtime", "supabase-realtime", "@supabase/supabase-js", prop,
                    f"channel {clean(js.text(c.args[0]), 60)} subscribed", adapter="managed (Supabase Realtime)")


def _chain(node: ts.Node) -> ts.Node:
    while node.parent is not None and node.parent.type in {"member_expression", "call_expression"}:
        node = node.parent
    return node


# -- outbound calls ---------------------------------------------------------------------------------
def outbound(ctx: JsFile) -> None:
    """HTTP calls from this file (server and edge code; browser code only to known third-party hosts)."""
    instances = _instances(ctx)
    for c in ctx.calls:
        client, url, opts = _http_call(ctx, c, instances)
        if client is None:
            continue
        target = _target(ctx, url)
        service = third_party_host(target)
        if ctx.runtime == "browser" and service is None:
            continue
        kind = client if client in HTTP_CLIENT_DEFAULTS else "fetch"
        default_timeout, default_retries, source = HTTP_CLIENT_DEFAULTS[kind]
        ctx.add("outbound_calls", kind, client, c.node,
                clean(js.text(c.node).split("\n")[0]), target=target, service=service,
                timeout=_timeout(ctx, c, opts, instances), timeout_default_s=default_timeout,
                retries_default=default_retries, defaults_source=source)
    _sdk_clients(ctx)


def _instances(ctx: JsFile) -> dict[str, tuple[str, str | None]]:
    """Variables holding an `axios.create(...)`, `got.extend(...)` or `ky.create(...)` client, and its timeout."""
    out = {}
    for caps in js.matches(ctx.tree, ctx.suffix, _CALL_DECLS):
        value = caps["v"][0]
        fn = value.child_by_field_name("function")
        module = _module_of(ctx, fn)
        if module in {"axios", "got", "ky"} and js.text(fn).split(".")[-1] in {"create", "extend"}:
            args = value.child_by_field_name("arguments").named_children
            o = ctx.options(args[0] if args else None)
            out[js.text(caps["n"][0])] = (module, clean(js.text(o["timeout"]), 60) if "timeout" in o else None)
    return out


def _http_call(ctx: JsFile, c: Call, instances: dict) -> tuple[str | None, ts.Node | None, ts.Node | None]:
    """(client, url node, options node) when `c` is an HTTP request."""
    parts = c.name.split(".")
    method = parts[-1] if len(parts) > 1 else ""
    first = c.args[0] if c.args else None
    if c.name in {"fetch", "globalThis.fetch", "window.fetch"} and (c.module is None or c.module in FETCH_MODULES):
        return (c.module if c.module in FETCH_MODULES else "fetch"), first, c.args[1] if len(c.args) > 1 else None
    module = c.module if c.module in {"axios", "got", "ky"} else instances.get(parts[0], (None,))[0] \
        if len(parts) == 2 else None
    if module is None or (len(parts) > 1 and method not in HTTP_METHODS):
        return None, None, None
    if module == "axios" and (len(parts) == 1 or method == "request"):
        return "axios", ctx.options(first).get("url"), first
    return module, first, c.args[2 if module == "axios" and method in DATA_METHODS else 1] \
        if len(c.args) > (2 if module == "axios" and method in DATA_METHODS else 1) else None


def _target(ctx: JsFile, url: ts.Node | None) -> str:
    node = ctx.resolve(url)
    if node is None:
        return ""
    v = js.value(node)
    text = v if isinstance(v, str) and not v.startswith("expr:") else js.text(node).strip("`'\"")
    return clean(text, 100)


def _timeout(ctx: JsFile, c: Call, opts: ts.Node | None, instances: dict) -> str | None:
    o = ctx.options(opts)
    if "timeout" in o and js.value(o["timeout"]) not in {False, 0}:
        return clean(f"timeout: {js.text(o['timeout'])}", 60)
    instance = instances.get(c.name.split(".")[0])
    if instance and instance[1]:
        return f"client timeout: {instance[1]}"
    scope = _function_text(c.node)
    if "signal" in o and ("AbortSignal.timeout" in js.text(o["signal"]) or
                          "setTimeout" in scope and ".abort(" in scope):
        return clean(f"signal: {js.text(o['signal'])}", 60)
    if "AbortSignal.timeout" in scope or "Promise.race" in scope and "setTimeout" in scope:
        return "timer in the enclosing function"
    return None


def _enclosing(node: ts.Node) -> str:
    """The name of the function declaration around `node` ('' at the top level)."""
    while node.parent is not None and node.type != "function_declaration":
        node = node.parent
    return js.text(node.child_by_field_name("name")) if node.type == "function_declaration" else ""


def _function_text(node: ts.Node) -> str:
    while node.parent is not None and node.type not in {"function_declaration", "arrow_function", "function_expression",
                                                         "method_definition", "function"}:
        node = node.parent
    return js.text(node)


def _sdk_clients(ctx: JsFile) -> None:
    """Third-party SDK clients (OpenAI, Stripe, Twilio...) where they are created, with timeout/retry options."""
    for module in sorted(m for m in ctx.imports if m in THIRD_PARTY_SDKS):
        calls = ctx.calls_of(module)
        if not calls:
            continue
        c = calls[0]
        service = THIRD_PARTY_SDKS[module]
        opts = {}
        for a in reversed(c.args):
            opts = ctx.options(a)
            if opts:
                break
        timeout = next((clean(f"{k}: {js.text(v)}", 60) for k, v in opts.items() if k in SDK_TIMEOUT_KEYS), None)
        retries = next((js.value(v) for k, v in opts.items() if k in SDK_RETRY_KEYS), None)
        default_timeout, default_retries, source = SDK_DEFAULTS.get(service, (None, None, ""))
        ctx.add("outbound_calls", "sdk", module, c.node, clean(js.text(c.node).split("\n")[0]), target=service,
                service=service, timeout=timeout, retries=retries, timeout_default_s=default_timeout,
                retries_default=default_retries, defaults_source=source)
