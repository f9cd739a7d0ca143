"""Connection pools configured in JS/TS: node-postgres, postgres.js, knex, Sequelize and TypeORM."""

from __future__ import annotations

from audit.facts import js
from audit.facts.pools import PoolConfig, effective_settings

_NEW = """(new_expression constructor: [(identifier) @ctor (member_expression property: (property_identifier) @ctor)]
                          arguments: (arguments) @args) @call"""
_CALL = """(call_expression function: [(identifier) @ctor (member_expression property: (property_identifier) @ctor)]
                           arguments: (arguments) @args) @call"""
_OBJECT = "(object) @obj"
KNEX_CLIENTS = {"pg", "postgres", "postgresql", "pg-native"}
TYPEORM_CREATORS = {"DataSource", "createConnection", "forRoot", "forRootAsync", "createConnections"}
HIDDEN_KEYS = {"connectionString", "connection", "url", "password", "uri"}


def flatten(obj, prefix: str = "") -> dict:
    """An object literal's settings with nested objects as dotted keys (`pool.max`)."""
    out = {}
    for key, node in js.object_pairs(obj).items():
        name = f"{prefix}{key}"
        if node is not None and node.type == "object":
            out.update(flatten(node, name + "."))
        else:
            out[name] = js.value(node)
    return out


def _hide(settings: dict) -> dict:
    """Never keep a literal connection string or password: it may carry a secret."""
    def safe(k, v):
        if k.split(".")[-1] not in HIDDEN_KEYS or isinstance(v, dict):
            return v
        return v if isinstance(v, str) and v.startswith(("env:", "expr:")) else "literal (hidden)"
    return {k: safe(k, v) for k, v in settings.items()}


def _config(tree, node):
    """The object literal passed (directly or through a const declared earlier), or None."""
    if node is not None and node.type == "identifier":
        node = js.resolve_identifier(tree, js.text(node), node.start_byte)
    return node if node is not None and node.type == "object" else None


def _pool(library, path, node, settings, defaults) -> PoolConfig:
    settings = _hide(settings)
    return PoolConfig(library, path, js.line(node), settings, effective_settings(library, settings, defaults))


def _calls(tree, suffix, query, names):
    for caps in js.matches(tree, suffix, query):
        if js.text(caps["ctor"][0]) in names:
            yield caps["call"][0], caps["args"][0].named_children


def js_pools(path: str, source: str, defaults: dict) -> list[PoolConfig]:
    """Every pool configuration in one JS/TS file, with the library's defaults applied."""
    libs = {m for m in ("pg", "postgres", "knex", "sequelize", "typeorm", "@nestjs/typeorm")
            if js.imports_module(source, m)} | ({"knex"} if "knexfile" in path else set())
    if not libs:
        return []
    tree, suffix = js.parse(path, source)
    pools = []
    if "pg" in libs:
        for call, args in _calls(tree, suffix, _NEW, {"Pool"}):
            cfg = _config(tree, args[0] if args else None)
            settings = flatten(cfg) if cfg is not None else ({"config": f"expr:{js.text(args[0])[:80]}"} if args else {})
            pools.append(_pool("node-postgres", path, call, settings, defaults))
    if "postgres" in libs:
        for call, args in _calls(tree, suffix, _CALL, {"postgres"}):
            cfg = _config(tree, next((a for a in args if a.type in {"object", "identifier"} and a is args[-1]), None))
            pools.append(_pool("postgres.js", path, call, flatten(cfg) if cfg is not None else {}, defaults))
    if "sequelize" in libs:
        for call, args in _calls(tree, suffix, _NEW, {"Sequelize"}):
            cfg = _config(tree, args[-1] if args else None)
            pools.append(_pool("sequelize", path, call, flatten(cfg) if cfg is not None else {}, defaults))
    for caps in js.matches(tree, suffix, _OBJECT):
        obj = caps["obj"][0]
        pairs = js.object_pairs(obj)
        kind = {k: js.value(v) for k, v in pairs.items() if k in {"client", "type"}}
        if "knex" in libs and kind.get("client") in KNEX_CLIENTS:
            pools.append(_pool("knex", path, obj, flatten(obj), defaults))
        elif libs & {"typeorm", "@nestjs/typeorm"} and kind.get("type") in {"postgres", "cockroachdb"}:
            pools.append(_pool("typeorm", path, obj, flatten(obj), defaults))
    return pools
