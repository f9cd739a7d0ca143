"""Connection-pool configurations found in code, with each library's documented defaults applied."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from audit.facts import trees


SQLALCHEMY_FUNCS = {"create_engine", "create_async_engine"}
ASYNCPG_FUNCS = {"create_pool"}
PSYCOPG_POOLS = {"ConnectionPool", "AsyncConnectionPool"}
ENV_FUNCS = {"getenv", "get"}


@dataclass
class PoolConfig:
    """One pool as written (`settings`) and as it behaves (`effective`)."""

    library: str
    path: str
    line: int
    settings: dict
    effective: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"library": self.library, "path": self.path, "line": self.line,
                "settings": dict(sorted(self.settings.items())), "effective": dict(sorted(self.effective.items()))}


def _fallback(v):
    """The number a setting takes when its environment variable is unset, or None."""
    if isinstance(v, dict) and "env" in v:
        return v.get("default")
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _apply(settings: dict, defaults: dict, keys: tuple[str, ...]) -> tuple[dict, list[str]]:
    out, used = {}, []
    for k in keys:
        if k in settings:
            out[k] = _fallback(settings[k])
        elif k in defaults:
            out[k] = defaults[k]
            used.append(k)
    return out, used


LIMIT_SETTINGS = {
    "asyncpg": ("max_size",), "node-postgres": ("max",), "postgres.js": ("max",), "knex": ("pool.max",),
    "sequelize": ("pool.max",), "typeorm": ("poolSize", "extra.max"), "psycopg_pool": ("max_size",),
    "prisma": ("connection_limit",),
}


def effective_settings(library: str, settings: dict, defaults: dict) -> dict:
    """Resolve what one process can open through this pool, naming the defaults used."""
    d = {k: v for k, v in defaults.get(library, {}).items() if k != "source"}
    pool_class = str(settings.get("poolclass", ""))
    if pool_class.endswith("NullPool"):
        return {"max_connections": None, "pool": "NullPool: one connection per checkout, no limit",
                "defaults_used": []}
    if pool_class.endswith("StaticPool"):
        return {"max_connections": 1, "pool": "StaticPool", "defaults_used": []}
    eff, used = _apply(settings, d, tuple(d))
    if library == "sqlalchemy":
        size, overflow = eff.get("pool_size"), eff.get("max_overflow")
        total = None if size is None or overflow is None else size + max(overflow, 0)
    elif library == "psycopg_pool" and "max_size" not in settings:
        eff["max_size"] = total = eff.get("min_size")
        used.append("max_size")
    else:
        keys = LIMIT_SETTINGS.get(library, ())
        given = next((k for k in keys if k in settings), None)
        total = _fallback(settings[given]) if given else next((eff[k] for k in keys if k in eff), None)
        if given:
            used = [u for u in used if u not in keys]
    return {**eff, "max_connections": total, "defaults_used": sorted(used)}


# -- Python -----------------------------------------------------------------------------------
def _py_value(node: ast.expr, constants: dict | None = None):
    """A literal, an environment read `{"env", "default"}`, a known constant, or `expr:...`."""
    constants = constants or {}
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.Attribute) and f".{node.attr}" in constants:
        return constants[f".{node.attr}"]
    if isinstance(node, ast.Constant):
        return int(node.value) if isinstance(node.value, str) and node.value.isdigit() else node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        parts = (_py_value(node.left, constants), _py_value(node.right, constants))
        left, right = (_fallback(v) for v in parts)
        if left is not None and right is not None:
            value = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}[type(node.op)]
            envs = [v["env"] for v in parts if isinstance(v, dict)]
            return {"env": ", ".join(envs), "default": value} if envs else value
    if isinstance(node, ast.Call):
        name = _call_name(node)
        if name in {"int", "float"} and node.args:
            return _py_value(node.args[0], constants)
        if name in ENV_FUNCS and node.args and isinstance(node.args[0], ast.Constant):
            env = str(node.args[0].value)
            default = _py_value(node.args[1], constants) if len(node.args) > 1 else None
            return {"env": env, "default": default}
    return f"expr:{ast.unparse(node)[:80]}"


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


POOL_FUNCS = {"sqlalchemy": SQLALCHEMY_FUNCS, "asyncpg": ASYNCPG_FUNCS, "psycopg_pool": PSYCOPG_POOLS}


def _python_library(func: ast.expr, bindings: dict[str, str]) -> str | None:
    """The pool library a call belongs to, when its name resolves through an import of that library
    (a project's own `create_async_engine` wrapper is not SQLAlchemy's)."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.insert(0, func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in bindings:
        return None
    dotted = ".".join([bindings[func.id], *parts])
    library, name = dotted.split(".")[0], dotted.rsplit(".", 1)[-1]
    return library if name in POOL_FUNCS.get(library, ()) else None


def python_constants(source: str, path: str = "<unknown>") -> dict:
    """Module-level `NAME = 10` / `NAME = int(os.getenv("X", 10))`, and pydantic settings fields
    (`db_pool_size: int = 10` in a BaseSettings class, read from env DB_POOL_SIZE) as `.db_pool_size`."""
    out: dict = {}
    tree = trees.python(path, source)
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else \
            node.target if isinstance(node, ast.AnnAssign) and node.value is not None else None
        if isinstance(target, ast.Name):
            value = _py_value(node.value, out)
            if not (isinstance(value, str) and value.startswith("expr:")):
                out[target.id] = value
        elif isinstance(node, ast.ClassDef) and any("Settings" in ast.unparse(b) for b in node.bases):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value is not None:
                    default = _py_value(item.value)
                    if isinstance(default, (int, float)) and not isinstance(default, bool):
                        out[f".{item.target.id}"] = {"env": item.target.id.upper(), "default": default}
    return out


def imported_constants(path: str, tree: ast.Module, modules: dict[str, dict]) -> dict:
    """The constants a module imports (`from app.config import POOL_SIZE`, `from .env import X`)."""
    out: dict = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or node.level):
            if node.level:
                base = "/".join(path.split("/")[:-node.level])
                suffix = "/".join(p for p in (base, (node.module or "").replace(".", "/")) if p) + ".py"
            else:
                suffix = node.module.replace(".", "/") + ".py"
            source = next((c for p, c in modules.items() if p == suffix or p.endswith("/" + suffix)), {})
            out.update({a.asname or a.name: source[a.name] for a in node.names if a.name in source})
            out.update({k: v for k, v in source.items() if k.startswith(".")})  # fields of an imported settings object
    return out


def django_pools(path: str, tree: ast.Module, defaults: dict, scope: dict) -> list[PoolConfig]:
    """Django's `DATABASES` (PostgreSQL engines, or dj_database_url): without OPTIONS["pool"] each
    worker thread holds one connection (CONN_MAX_AGE keeps it); with it, a psycopg pool per process."""
    pools = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DATABASES"
                                                     for t in node.targets) and isinstance(node.value, ast.Dict)):
            continue
        for alias, conf in zip(node.value.keys, node.value.values):
            text = ast.unparse(conf)
            if "postgres" not in text and "dj_database_url" not in text:
                continue
            settings: dict = {"alias": _py_value(alias, scope) if alias else "?"}
            if isinstance(conf, ast.Dict):
                for k, v in zip(conf.keys, conf.values):
                    key = _py_value(k, scope) if k is not None else None
                    if key in {"CONN_MAX_AGE", "CONN_HEALTH_CHECKS"}:
                        settings[key] = _py_value(v, scope)
                    elif key == "OPTIONS" and isinstance(v, ast.Dict):
                        for ok, ov in zip(v.keys, v.values):
                            if ok is not None and _py_value(ok, scope) == "pool":
                                settings["pool"] = _py_value(ov, scope) if not isinstance(ov, ast.Dict) else {
                                    _py_value(a, scope): _py_value(b, scope) for a, b in zip(ov.keys, ov.values)}
            elif isinstance(conf, ast.Call):
                settings.update({kw.arg.upper(): _py_value(kw.value, scope) for kw in conf.keywords if kw.arg})
            pools.append(PoolConfig("django", path, conf.lineno, settings, _django_effective(settings, defaults)))
    return pools


def _django_effective(settings: dict, defaults: dict) -> dict:
    pool = settings.get("pool")
    if pool:
        sized = pool if isinstance(pool, dict) else {}
        eff = effective_settings("psycopg_pool", sized, defaults)
        return {**eff, "pool": "psycopg pool (Django 5.1+ OPTIONS['pool'])"}
    return {"max_connections": 1, "pool": "no pool: one connection per worker thread", "defaults_used": []}


def prisma_pool(path: str, text: str, env: dict, defaults: dict) -> PoolConfig | None:
    """The PostgreSQL datasource of a schema.prisma; its pool is set by URL parameters."""
    m = re.search(r"datasource\s+\w+\s*\{([^}]*)\}", text)
    if not m or "postgres" not in m.group(1):
        return None
    line = text.count("\n", 0, m.start()) + 1
    url = re.search(r'url\s*=\s*(env\(\s*"(\w+)"\s*\)|"([^"]*)")', m.group(1))
    settings: dict = {}
    value = ""
    if url and url.group(2):
        settings["url"] = f"env:{url.group(2)}"
        value = str((env.get(url.group(2)) or {}).get("value") or "")
    elif url:
        settings["url"], value = "literal (hidden)", url.group(3)
    for key in ("connection_limit", "pool_timeout", "pgbouncer"):
        q = re.search(rf"[?&]{key}=(\w+)", value)
        if q:
            settings[key] = int(q.group(1)) if q.group(1).isdigit() else q.group(1)
    return PoolConfig("prisma", path, line, settings, effective_settings("prisma", settings, defaults))


def python_pools(path: str, source: str, defaults: dict, constants: dict | None = None) -> list[PoolConfig]:
    """Pools created in one Python file; `constants` maps module paths to their constants (imports resolve).
    Raises SyntaxError for the caller to record."""
    if not any(k in source for k in ("sqlalchemy", "asyncpg", "psycopg_pool", "DATABASES")):
        return []
    tree = trees.python(path, source)
    scope = {**imported_constants(path, tree, constants or {}), **python_constants(source, path)}  # own names win
    pools = django_pools(path, tree, defaults, scope)
    nodes = list(ast.walk(tree))
    bindings = trees.import_bindings(nodes)
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        library = _python_library(node.func, bindings)
        if library is None:
            continue
        settings = {kw.arg: _py_value(kw.value, scope) for kw in node.keywords if kw.arg}
        if library == "sqlalchemy" and "poolclass" in settings:
            settings["poolclass"] = str(settings["poolclass"]).removeprefix("expr:")
        pools.append(PoolConfig(library, path, node.lineno, settings,
                                effective_settings(library, settings, defaults)))
    return pools


def describe(settings: dict) -> str:
    """Settings as a reviewer reads them: `max=20, max_overflow=env POOL_OVERFLOW (default 10)`."""
    def one(v) -> str:
        if isinstance(v, dict) and "env" in v:
            return f"env {v['env']} (default {v.get('default')})"
        if isinstance(v, str) and v.startswith("env:"):
            return f"env {v[4:]} (no default)"
        return str(v).removeprefix("expr:")
    return ", ".join(f"{k}={one(v)}" for k, v in sorted(settings.items())) or "none"
