"""Infrastructure signals in JS/TS files, read with tree-sitter (never run): which libraries are
used (a call, not just an import), app entry points, health routes, shutdown hooks, cache headers,
CDN settings, read pools and retry loops. Rate limits, sessions, realtime and outbound calls are in
`js_traffic`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath

import tree_sitter as ts

from audit.discover import SourceFile
from audit.facts import js
from audit.facts.infra.known import (BACKOFF, CACHE_CONTROL_HEADERS, HEALTH_PATH, READ_NAME, TRACING, caching_header,
                                     js_lib, line_of, mentions)
from audit.facts.infra.runtime import Runtimes
from audit.facts.infra.signal import Signal, clean

_IMPORTS_AND_CALLS = """[(import_statement source: (string) @src) @imp
                         (call_expression function: (_) @fn arguments: (arguments) @args) @call
                         (new_expression constructor: (_) @fn arguments: (arguments) @args) @call]"""
_STRINGS = "(string) @s"
_DECORATORS = "(decorator (call_expression function: (identifier) @d arguments: (arguments) @args)) @dec"
_DECLARATIONS = "(variable_declarator name: (identifier) @name value: (_) @value) @decl"
UNWRAP = {"member_expression", "call_expression", "subscript_expression", "parenthesized_expression",
          "non_null_expression", "await_expression", "as_expression"}
CDN_SPECIFIER = re.compile(r"^(?:npm:|jsr:|https?://(?:esm\.sh|cdn\.skypack\.dev|esm\.run|unpkg\.com|"
                           r"cdn\.jsdelivr\.net/npm)/)")
GENERIC = {"caches", "client_caches", "queues", "retries", "circuit_breakers", "monitoring", "load_tests",
           "read_scaling"}
APPS = {"express": "express", "fastify": "fastify", "koa": "koa", "hono": "hono", "@nestjs/core": "nestjs",
        "@hapi/hapi": "hapi", "restify": "restify", "elysia": "elysia", "polka": "polka"}
NOT_APPS = {"Router", "json", "urlencoded", "static", "raw", "text"}
ROUTE_METHODS = {"get", "all", "use", "head", "route"}
SHUTDOWN_MODULES = {"http-terminator", "stoppable", "lightship", "@godaddy/terminus", "@nestjs/terminus"}
READ_FACTORIES = re.compile(r"^(?:new\s+)?(Pool|createPool|postgres|drizzle|PrismaClient|knex|Knex|Sequelize|"
                            r"createClient|DataSource)\b")
ROUTE_WORDS = ("health", "ready", "live", "ping", "status", "sigterm", "sigint", "shutdownhooks", "terminus",
               "terminator", "stoppable", "lightship")
HEADER_WORDS = ("cache-control", "etag", "expires", "last-modified", "surrogate-control", "static(")
POOL_WORDS = ("pool", "postgres", "drizzle", "prisma", "knex", "sequelize", "createclient", "datasource")
RETRY_WORDS = ("retry", "backoff", "attempt", "tries")
EDGE_ENTRY = re.compile(r"(^|/)supabase/functions/([^/_][^/]*)/index\.[jt]s$|(^|/)netlify/(?:edge-)?functions/")


@dataclass
class Call:
    node: ts.Node
    fn: ts.Node
    args: list
    name: str           # the callee as written, whitespace collapsed
    module: str | None  # the module its root identifier was imported from


@dataclass
class JsFile:
    """One parsed file and what it imports; detectors append their signals to `out`."""

    f: SourceFile
    tree: ts.Tree
    suffix: str
    runtime: str = ""
    imports: dict[str, int] = field(default_factory=dict)   # module -> line
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> module
    side_effects: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    extends: dict[str, ts.Node] = field(default_factory=dict)  # module -> first `class ... extends <import>`
    out: list[Signal] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.f.text or ""

    @cached_property
    def low(self) -> str:
        return self.text.lower()

    def add(self, category: str, kind: str, library: str, node_or_line, detail: str, **props) -> Signal:
        line = node_or_line if isinstance(node_or_line, int) or node_or_line is None else js.line(node_or_line)
        s = Signal(category, kind, library, self.f.path, line, detail, self.runtime, props)
        self.out.append(s)
        return s

    def calls_of(self, module: str) -> list[Call]:
        return [c for c in self.calls if c.module == module]

    def resolve(self, node: ts.Node | None) -> ts.Node | None:
        """An identifier's initial value when declared earlier in the file, else the node itself."""
        if node is not None and node.type == "identifier":
            return js.resolve_identifier(self.tree, js.text(node), node.start_byte) or node
        return node

    def options(self, node: ts.Node | None) -> dict[str, ts.Node]:
        node = self.resolve(node)
        return js.object_pairs(node) if node is not None and node.type == "object" else {}


def specifier(raw: str) -> str:
    """`https://esm.sh/openai@4?target=deno` or `npm:openai@4` -> `openai`; scoped names kept."""
    s = CDN_SPECIFIER.sub("", raw.split("?")[0])
    if s.startswith(("http:", "https:", ".", "/")):
        return s
    m = re.match(r"^(@[^/@]+/[^/@]+|[^/@]+)(?:@[^/]*)?(/.*)?$", s)
    return m[1] + (m[2] or "") if m else s


def load(f: SourceFile, runtimes: Runtimes) -> JsFile:
    tree, suffix = js.parse(f.path, f.text or "")
    ctx = JsFile(f, tree, suffix)
    found = []
    for caps in js.matches(tree, suffix, _IMPORTS_AND_CALLS):
        if "imp" in caps:
            _import(ctx, caps["imp"][0], specifier(js.string_value(caps["src"][0]) or ""))
        else:
            found.append((caps["call"][0], caps["fn"][0], caps["args"][0]))
    for call, fn, args in found:
        if fn.type == "identifier" and js.text(fn) == "require" or fn.type == "import":
            _require(ctx, call, args)
    ctx.calls = [Call(call, fn, args.named_children, " ".join(js.text(fn).split()), _module_of(ctx, fn))
                 for call, fn, args in found]
    for caps in js.matches(tree, suffix, "(class_heritage) @h") if "extends" in ctx.text else ():
        m = re.search(r"extends\s+([\w$]+)", js.text(caps["h"][0]))
        module = ctx.bindings.get(m[1]) if m else None
        if module:
            ctx.extends.setdefault(module, caps["h"][0])
    ctx.runtime = runtimes.of(f.path, set(ctx.imports))
    return ctx


def _import(ctx: JsFile, imp: ts.Node, module: str) -> None:
    ctx.imports.setdefault(module, js.line(imp))
    clause = next((c for c in imp.named_children if c.type == "import_clause"), None)
    if clause is None:
        ctx.side_effects.add(module)
        return
    for part in clause.named_children:
        if part.type == "identifier":
            ctx.bindings[js.text(part)] = module
        elif part.type == "namespace_import":
            ctx.bindings.update({js.text(i): module for i in part.named_children if i.type == "identifier"})
        elif part.type == "named_imports":
            for spec in (s for s in part.named_children if s.type == "import_specifier"):
                local = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                ctx.bindings[js.text(local)] = module


def _require(ctx: JsFile, call: ts.Node, args: ts.Node) -> None:
    """`const x = require('m')`, `const {a} = require('m')`, `require('m').y`, `import('m')`."""
    first = args.named_children[0] if args.named_children else None
    raw = js.string_value(first) if first is not None and first.type == "string" else None
    if raw is None:
        return
    module = specifier(raw)
    ctx.imports.setdefault(module, js.line(call))
    parent = call.parent
    while parent is not None and parent.type in {"member_expression", "await_expression"}:
        parent = parent.parent
    if parent is None or parent.type != "variable_declarator":
        ctx.side_effects.add(module)
        return
    name = parent.child_by_field_name("name")
    if name.type == "identifier":
        ctx.bindings[js.text(name)] = module
    elif name.type == "object_pattern":
        for p in name.named_children:
            target = p.child_by_field_name("value") if p.type == "pair_pattern" else p
            if target is not None and target.type in {"identifier", "shorthand_property_identifier_pattern"}:
                ctx.bindings[js.text(target)] = module


def _module_of(ctx: JsFile, fn: ts.Node) -> str | None:
    node = fn
    while node is not None and node.type in UNWRAP:
        if node.type == "call_expression":
            inner = node.child_by_field_name("function")
            if inner is not None and js.text(inner) == "require":
                args = node.child_by_field_name("arguments")
                first = args.named_children[0] if args is not None and args.named_children else None
                return specifier(js.string_value(first) or "") if first is not None and first.type == "string" else None
            node = inner
        else:
            node = node.child_by_field_name("object") or (node.named_children[0] if node.named_children else None)
    return ctx.bindings.get(js.text(node)) if node is not None and node.type == "identifier" else None


# -- detectors --------------------------------------------------------------------------------------
def libraries(ctx: JsFile) -> None:
    """The first use of each known library of the generic categories (a call, or a side-effect import)."""
    for module, line in sorted(ctx.imports.items()):
        lib = js_lib(module)
        if lib is None or lib.category not in GENERIC or _cra_vitals(ctx, module):
            continue
        used = [c for c in ctx.calls_of(module) if lib.category != "client_caches" or lib.kind == "swr"
                or c.node.type == "new_expression" or c.name.startswith(("create", "persist"))]
        if lib.category == "client_caches" and not used:
            continue
        if used:
            ctx.add(lib.category, lib.kind, module, used[0].node, clean(js.text(used[0].node)), used=True)
            traced = next((c for c in used if TRACING.search(js.text(c.node))), None)
            if lib.kind == "error-tracking" and traced is not None:
                ctx.add("monitoring", "tracing", module, traced.node, "performance tracing enabled", used=True)
        elif module in ctx.extends:
            ctx.add(lib.category, lib.kind, module, ctx.extends[module], clean(js.text(ctx.extends[module].parent)
                                                                                .split("{")[0]), used=True)
        elif lib.category == "load_tests":
            ctx.add(lib.category, lib.kind, module, line, f"imports '{module}': a load-test script", used=True)
        elif module in ctx.side_effects:
            ctx.add(lib.category, lib.kind, module, line, f"import '{module}' (runs on import)", used=True)
        else:
            ctx.add(lib.category, lib.kind, module, line, f"'{module}' imported but never called", used=False)
    for c in (c for c in ctx.calls if c.name == "reportWebVitals"):
        cb = js.text(c.args[0]) if c.args else ""
        ctx.add("monitoring", "web-vitals", "web-vitals", c.node, clean(js.text(c.node)),
                used=bool(cb) and not cb.startswith("console."))


def _cra_vitals(ctx: JsFile, module: str) -> bool:
    """Create React App's reportWebVitals.js: it reports only what its caller passes (judged at the call)."""
    return module == "web-vitals" and PurePosixPath(ctx.f.path).stem == "reportWebVitals"


def apps(ctx: JsFile) -> None:
    """Where a server app is created (`express()`, `new Koa()`, `NestFactory.create`) or an edge function served."""
    for c in ctx.calls:
        if c.module in APPS and (c.fn.type == "identifier" and c.name not in NOT_APPS
                                 or c.name.endswith(("NestFactory.create", ".server"))):
            ctx.add("apps", APPS[c.module], c.module, c.node, clean(js.text(c.node)))
            return
    m = EDGE_ENTRY.search(ctx.f.path)
    if m and ctx.runtime == "edge":
        serve = next((c for c in ctx.calls if c.name in {"serve", "Deno.serve"}), None)
        kind = "supabase-edge-function" if m[2] else "netlify-function"
        ctx.add("apps", kind, "", serve.node if serve else 1, f"{kind.replace('-', ' ')} {m[2] or ctx.f.name}")


def routes(ctx: JsFile) -> None:
    """Health/readiness routes, and the hooks that let the process shut down gracefully."""
    if not mentions(ctx.low, ROUTE_WORDS):
        return
    for c in ctx.calls:
        prop = c.fn.child_by_field_name("property") if c.fn.type == "member_expression" else None
        path = js.string_value(c.args[0]) if c.args and c.args[0].type == "string" else None
        if prop is not None and js.text(prop) in ROUTE_METHODS and path and HEALTH_PATH.match(path):
            ctx.add("health", "route", "", c.node, clean(js.text(c.node).split("\n")[0]), route=path)
        elif c.name in {"process.on", "process.once"} and path in {"SIGTERM", "SIGINT"}:
            ctx.add("shutdown", "signal-handler", "", c.node, f"process handler for {path}")
        elif c.name.endswith("enableShutdownHooks") or c.module in SHUTDOWN_MODULES:
            ctx.add("shutdown", "library", c.module or "@nestjs/core", c.node, clean(js.text(c.node)))
            if c.name.endswith("createTerminus") or c.module == "@nestjs/terminus":
                ctx.add("health", "library", c.module or "", c.node, "health checks through terminus")
    nest = "@Get(" in ctx.text or "@Controller(" in ctx.text
    for caps in js.matches(ctx.tree, ctx.suffix, _DECORATORS) if nest else ():
        args = caps["args"][0].named_children
        path = js.string_value(args[0]) if args and args[0].type == "string" else None
        if js.text(caps["d"][0]) in {"Get", "Controller"} and path and HEALTH_PATH.match(path):
            ctx.add("health", "route", "@nestjs/common", caps["dec"][0], clean(js.text(caps["dec"][0])), route=path)
    if re.search(r"(^|/)(pages/api/(health|healthz|ready|ping)\.[jt]s|app/api/(health|healthz|ready|ping)/route\.[jt]s)$",
                 ctx.f.path):
        ctx.add("health", "route", "next", 1, "Next.js API route", route=PurePosixPath(ctx.f.path).parent.name)


def http_cache(ctx: JsFile) -> None:
    """Response caching headers set in code, and static-file middleware with a max age (not in browser
    code, where such a header can only be a request's)."""
    if ctx.runtime == "browser" or not mentions(ctx.low, HEADER_WORDS):
        return
    for caps in js.matches(ctx.tree, ctx.suffix, _STRINGS):
        node = caps["s"][0]
        name = (js.string_value(node) or "").lower()
        if name not in CACHE_CONTROL_HEADERS:
            continue
        value = _header_value(node)
        if value is not None:
            v = js.value(value)
            ctx.add("http_cache", "header", "", node, clean(f"{name}: {v}"), header=name, value=v,
                    enables=caching_header(name, v))
    for c in ctx.calls:
        if re.search(r"(^|\.)(static|serveStatic)$", c.name) and len(c.args) > 1:
            opts = ctx.options(c.args[1])
            age = js.value(opts.get("maxAge") or opts.get("maxage"))
            immutable = js.value(opts.get("immutable")) is True
            ctx.add("http_cache", "static-max-age", c.module or "", c.node, clean(js.text(c.node)), max_age=age,
                    enables=immutable or bool(age) and age not in {0, "0"})


def _header_value(node: ts.Node) -> ts.Node | None:
    """The value set for a header name: `{'Cache-Control': v}`, `set('Cache-Control', v)`, `{key, value}`."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "pair" and parent.child_by_field_name("key") == node:
        return parent.child_by_field_name("value")
    if parent.type == "pair" and js.text(parent.child_by_field_name("key")) == "key" and parent.parent is not None:
        return js.object_pairs(parent.parent).get("value")
    if parent.type == "arguments" and node.next_named_sibling is not None:
        return node.next_named_sibling
    return None


def cdn_and_replicas(ctx: JsFile) -> None:
    """CDN settings in Next/Vite configs, read pools named so, and replication options."""
    config = ctx.f.name.split(".")[0] in {"next", "vite"} and ".config." in ctx.f.name
    pairs = config or "replication" in ctx.text
    for caps in js.matches(ctx.tree, ctx.suffix, "(pair key: (_) @key value: (_) @value) @pair") if pairs else ():
        key, value = js.text(caps["key"][0]).strip("'\""), caps["value"][0]
        v = js.value(value)
        if config and (key == "assetPrefix" or key == "base" and (str(v).startswith(("http", "//", "env:"))
                                                                  or "cdn" in js.text(value).lower())):
            ctx.add("cdn", "asset-prefix", ctx.f.name, caps["pair"][0], clean(js.text(caps["pair"][0])))
        elif config and key in {"loader", "loaderFile"} and v != "default":
            ctx.add("cdn", "image-loader", ctx.f.name, caps["pair"][0], clean(js.text(caps["pair"][0])))
        elif key == "replication" and value.type == "object" and {"read", "slaves", "replicas"} & set(
                js.object_pairs(value)):
            ctx.add("read_scaling", "replica-routing", "", caps["pair"][0], "read/write replication option")
    pools = mentions(ctx.low, ("read", "replica")) and mentions(ctx.low, POOL_WORDS)
    for caps in js.matches(ctx.tree, ctx.suffix, _DECLARATIONS) if pools else ():
        name, value = js.text(caps["name"][0]), caps["value"][0]
        factory = READ_FACTORIES.match(js.text(value))
        if READ_NAME.search(name) and factory:
            ctx.add("read_scaling", "read-pool", factory[1], caps["decl"][0], clean(js.text(caps["decl"][0])))
    for c in ctx.calls:
        if c.name.endswith("readReplicas"):
            ctx.add("read_scaling", "replica-routing", c.module or "", c.node, clean(js.text(c.node)))


def retry_loops(ctx: JsFile) -> None:
    """Hand-written retries with exponential backoff (`2 ** attempt`, `withRetry(...)`)."""
    m = BACKOFF.search(ctx.text) if mentions(ctx.low, RETRY_WORDS) else None
    if m:
        line = line_of(ctx.text, m.start())
        ctx.add("retries", "custom-backoff", "", line, clean(ctx.text.split("\n")[line - 1]))
