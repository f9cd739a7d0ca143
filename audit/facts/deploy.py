"""Deployment facts: server connection limits, poolers, and how many processes run the app.

Read from config files only (env examples, docker-compose, Dockerfile, Procfile, Kubernetes YAML,
postgresql.conf, pgbouncer.ini, Supabase config.toml, vercel.json, gunicorn config, PM2 and Node
cluster code). Nothing is imported or executed, and possible secrets are masked before storing.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from audit.discover import SourceFile
from audit.facts import js, trees

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ENV_FILES = {".env.example", ".env.sample", ".env.template", ".env.defaults"}
SQL_KINDS = {"migration_sql", "schema_sql", "sql"}
COMPOSE = re.compile(r"^(docker-)?compose([.-][\w.-]+)?\.ya?ml$")
GUNICORN_CONFS = {"gunicorn.conf.py", "gunicorn_conf.py"}
WORKLOADS = {"Deployment", "StatefulSet", "ReplicaSet"}
LOOPS = {"for_statement", "for_in_statement", "while_statement", "do_statement"}
PGBOUNCER_DEFAULTS = {"default_pool_size": 20, "max_client_conn": 100, "pool_mode": "session"}
SUPABASE_POOLER_DEFAULTS = {"enabled": False, "pool_mode": "transaction", "default_pool_size": 20,
                            "max_client_connections": 100}
POOLER_SETTINGS = {"default_pool_size", "max_client_conn", "pool_mode", "min_pool_size",
                   "reserve_pool_size", "max_db_connections"}
LIMITS = ("max_connections", "superuser_reserved_connections")

SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|KEY|TOKEN", re.I)
URL_PASSWORD = re.compile(r"([a-z][\w+.-]*://[^:/@\s]*:)\S*@", re.I)
KV_PASSWORD = re.compile(r"(password=)\S+", re.I)
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)")
ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=\s*(.*?)\s*$")
CONF_LIMIT = re.compile(r"^[ \t]*(max_connections|superuser_reserved_connections)\b[ \t]*=?[ \t]*'?(\d+)", re.M)
ALTER_SYSTEM = re.compile(
    r"\bALTER\s+SYSTEM\s+SET\s+(max_connections|superuser_reserved_connections)\s*(?:=|\bTO\b)\s*'?(\d+)", re.I)
FLAG_LIMIT = re.compile(r"\b((?:max|superuser[_-]reserved)[_-]connections)\s*=\s*['\"]?([^\s'\",]+)", re.I)
PG_URL = re.compile(r"postgres(?:ql)?(?:\+\w+)?://[^\s'\"`<>]+", re.I)
SERVERS = (  # (kind, how a command names it, the flag that sets the process count: value in group 1)
    ("gunicorn", re.compile(r"\bgunicorn\b"), re.compile(r"(?:^|\s)(?:--workers(?:=|\s+)|-w\s*)(\S+)")),
    ("uvicorn", re.compile(r"\buvicorn\b"), re.compile(r"(?:^|\s)--workers(?:=|\s+)(\S+)")),
    ("pm2", re.compile(r"\bpm2(?:-runtime)?\b"), re.compile(r"(?:^|\s)(?:-i|--instances)(?:=|\s+)(\S+)")),
)
SINGLE_PROCESS = re.compile(
    r"(?:^|[\s/])(?:node|nodemon|ts-node|tsx|bun)\s+[\w./-]|\b(?:npm|yarn|pnpm)\s+(?:run\s+)?start\b|\bnext\s+start\b")
PM2_INSTANCES = re.compile(r"""['"]?\binstances['"]?\s*:\s*([^,\n}]+)""")
_FORK = "(call_expression function: (member_expression object: (_) @obj property: (property_identifier) @prop)) @call"


@dataclass
class Deployment:
    """Where the app runs and with how many processes, and what limits the database side."""

    env: dict[str, dict] = field(default_factory=dict)
    server_limits: list[dict] = field(default_factory=list)
    poolers: list[dict] = field(default_factory=list)
    pooler_urls: list[dict] = field(default_factory=list)
    processes: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        def order(e):
            return e["path"], e["line"] or 0, str(e.get("kind", "")), str(e.get("setting", "")), str(e.get("detail"))
        lists = ("server_limits", "poolers", "pooler_urls", "processes")
        return {"env": {k: _sorted(self.env[k]) for k in sorted(self.env)},
                **{name: [_sorted(e) for e in sorted(getattr(self, name), key=order)] for name in lists},
                "problems": sorted(self.problems, key=lambda p: (p["path"], p["reason"]))}

    def problem(self, path: str, reason: str) -> None:
        self.problems.append({"path": path, "reason": reason})

    def limit(self, setting: str, raw, source: str, path: str, line: int | None) -> None:
        value, env = _number(raw, self.env)
        self.server_limits.append({"setting": setting.lower().replace("-", "_"), "value": value,
                                   "env": env, "source": source, "path": path, "line": line})

    def process(self, kind, count, setting, path, line, detail, env=None) -> None:
        self.processes.append({"kind": kind, "count": count, "setting": setting, "env": env,
                               "path": path, "line": line, "detail": detail})

    def pooler(self, kind: str, settings: dict, defaults: dict, path: str, line: int | None) -> None:
        used = sorted(k for k in defaults if k not in settings)
        self.poolers.append({"kind": kind, "settings": {**{k: defaults[k] for k in used}, **settings},
                             "defaults_used": used, "path": path, "line": line})


def deployment_facts(files: list[SourceFile]) -> Deployment:
    """Every deployment fact in `files`; what cannot be parsed goes to `problems`, never raised."""
    dep = Deployment()
    files = sorted((f for f in files if f.text is not None), key=lambda f: f.path)
    docs = {f.path: _yaml_docs(f, dep) for f in files
            if f.kind == "config" and f.name.lower().endswith((".yml", ".yaml"))}
    for f in files:  # environment first: the other facts resolve ${NAME} through it
        if f.name.lower() in ENV_FILES:
            for n, raw in enumerate(f.text.split("\n"), 1):
                if m := ENV_LINE.match(raw):
                    _set_env(dep, m[1], _unquote(m[2]), f.path, n)
    for path in (p for p in docs if _is_compose(p)):
        for doc in docs[path]:
            for service, svc in _services(doc):
                for name, value, line in _service_env(svc):
                    _set_env(dep, name, value, path, line, service)
    if entry := dep.env.get("WEB_CONCURRENCY"):
        dep.process("web-concurrency", _number(entry["value"], {})[0], f"WEB_CONCURRENCY={entry['value']}",
                    entry["path"], entry["line"], "environment variable read by gunicorn and uvicorn")
    for f in files:
        _file_facts(f, docs, dep)
    _serverless(files, dep)
    return dep


def _file_facts(f: SourceFile, docs: dict, dep: Deployment) -> None:
    name, text = f.name.lower(), f.text
    if f.kind == "config":
        _pooler_urls(f, dep)
    if f.path in docs:
        _yaml_facts(f.path, docs[f.path], dep)
    elif f.kind in SQL_KINDS:
        for m in ALTER_SYSTEM.finditer(text):
            if "--" not in text[text.rfind("\n", 0, m.start()) + 1:m.start()]:
                dep.limit(m[1], m[2], "alter system", f.path, _at(text, m.start()))
    elif name.startswith("dockerfile"):
        _dockerfile(f, dep)
    elif name == "procfile":
        for n, raw in enumerate(text.split("\n"), 1):
            if m := re.match(r"^\s*([\w-]+)\s*:\s*(.+)$", raw):
                _command(dep, f.path, n, m[2], f"Procfile {m[1]}")
    elif name.startswith("postgresql") and name.endswith(".conf"):
        for m in CONF_LIMIT.finditer(text):
            dep.limit(m[1], m[2], "postgresql.conf", f.path, _at(text, m.start()))
    elif name == "pgbouncer.ini" or (name.endswith(".ini") and "[pgbouncer]" in text.lower()):
        _pgbouncer(f, dep)
    elif name == "config.toml" and PurePosixPath(f.path).parent.name == "supabase":
        _supabase_config(f, dep)
    elif name == "vercel.json":
        _vercel_json(f, dep)
    elif name in GUNICORN_CONFS:
        _gunicorn_conf(f, dep)
    elif name.startswith("ecosystem") and f.kind in {"js", "config"}:
        for m in PM2_INSTANCES.finditer(text):
            count, detail = _pm2_count(m[1].strip().strip("'\""))
            dep.process("pm2", count, f"instances: {m[1].strip()}", f.path, _at(text, m.start()), detail)
    elif f.kind == "js" and "fork(" in text and "cluster" in text:
        _node_cluster(f, dep)


# -- values ---------------------------------------------------------------------------------------
def mask(name: str, value: str | None) -> str | None:
    """Hide what may be a secret: URL and `password=` passwords, or all of a secret-named value."""
    if not value:
        return value
    masked = KV_PASSWORD.sub(r"\1***", URL_PASSWORD.sub(r"\1***@", value))
    return "***" if SECRET_NAME.search(name) and masked == value else masked


def _interpolate(text: str, env: dict) -> tuple[str | None, list[str]]:
    """Compose-style `${NAME:-default}` / `$NAME` filled from env facts; None if a NAME stays unknown."""
    names, unknown = [], False

    def fill(m: re.Match) -> str:
        nonlocal unknown
        name = m[1] or m[3]
        names.append(name)
        if env.get(name, {}).get("value") is not None:
            return str(env[name]["value"])
        if m[2] is not None:
            return m[2]
        unknown = True
        return m[0]
    out = INTERPOLATION.sub(fill, text)
    return (None if unknown else out), names


def _number(raw, env: dict) -> tuple[int | None, str | None]:
    """An integer written literally or through `${NAME:-default}`, and that NAME."""
    if raw is None or isinstance(raw, bool):
        return None, None
    if isinstance(raw, int):
        return raw, None
    value, names = _interpolate(str(raw), env)
    value = (value or "").strip().strip("'\"")
    return (int(value) if value.isdigit() else None), (names[0] if names else None)


def _set_env(dep: Deployment, name: str, written, path: str, line: int, service: str | None = None) -> None:
    if isinstance(written, bool):
        written = str(written).lower()
    written = None if written is None else str(written)
    value = None if written is None else _interpolate(written, dep.env)[0]
    dep.env[name] = {"value": mask(name, value), "written": mask(name, written), "service": service,
                     "path": path, "line": line}


def _unquote(v: str) -> str:
    """A dotenv value without its quotes, or without its ` # comment` when unquoted."""
    if v and v[0] in "'\"" and (end := v.find(v[0], 1)) > 0:
        return v[1:end]
    return v.split(" #", 1)[0].strip()


def _at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _sorted(v):
    return {k: _sorted(v[k]) for k in sorted(v)} if isinstance(v, dict) else v


# -- YAML: compose and Kubernetes ------------------------------------------------------------------
class _Map(dict):
    """A YAML mapping that knows the line of each key."""

    lines: dict


class _Seq(list):
    """A YAML sequence that knows the line of each item."""

    lines: list


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when built with it
    """SafeLoader whose mappings and sequences carry line numbers."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    m = _Map(loader.construct_mapping(node, deep=True))
    m.lines = {loader.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value}
    return m


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    s = _Seq(loader.construct_sequence(node, deep=True))
    s.lines = [n.start_mark.line + 1 for n in node.value]
    return s


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _yaml_docs(f: SourceFile, dep: Deployment) -> list:
    try:
        return [d for d in yaml.load_all(f.text, Loader=_Loader) if d is not None]
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        why = "a template, not rendered" if "{{" in f.text else getattr(exc, "problem", None) or type(exc).__name__
        dep.problem(f.path, f"YAML could not be parsed{where}: {why}")
        return []


def _is_compose(path: str) -> bool:
    return bool(COMPOSE.match(PurePosixPath(path).name.lower()))


def _services(doc) -> list[tuple[str, _Map]]:
    services = doc.get("services") if isinstance(doc, dict) else None
    return [(str(k), v) for k, v in services.items() if isinstance(v, dict)] if isinstance(services, dict) else []


def _service_env(svc: _Map) -> list[tuple[str, object, int]]:
    """(name, value, line) of a compose service's `environment:`, map or `- NAME=value` list."""
    env = svc.get("environment")
    if isinstance(env, dict):
        return [(str(k), v, env.lines[k]) for k, v in env.items()]
    if isinstance(env, list):
        pairs = [(str(item).partition("="), line) for item, line in zip(env, env.lines)]
        return [(k.strip(), v if eq else None, line) for (k, eq, v), line in pairs]
    return []


def _mappings(node, where: str = ""):
    """Every mapping in a YAML document, with its dotted key path."""
    if isinstance(node, dict):
        yield where, node
        for k, v in node.items():
            yield from _mappings(v, f"{where}.{k}" if where else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _mappings(v, f"{where}[{i}]")


def _yaml_facts(path: str, docs: list, dep: Deployment) -> None:
    compose = _is_compose(path)
    for doc in docs:
        if compose:
            _compose_services(path, doc, dep)
        elif isinstance(doc, dict):
            _kubernetes(path, doc, dep)
        for where, m in _mappings(doc):
            tokens = _command_tokens(m)
            if not tokens:
                continue
            for token, line in tokens:
                for f in FLAG_LIMIT.finditer(token):
                    dep.limit(f[1], f[2], "compose command" if compose else "container args", path, line)
            _command(dep, path, min(line for _, line in tokens), " ".join(t for t, _ in tokens), where)


def _command_tokens(m: _Map) -> list[tuple[str, int]]:
    """(text, line) of `entrypoint`, `command` and `args` in order, strings or lists."""
    tokens = []
    for key in ("entrypoint", "command", "args"):
        v = m.get(key)
        if isinstance(v, str):
            tokens.append((v, m.lines[key]))
        elif isinstance(v, list):
            tokens += [(str(x), line) for x, line in zip(v, v.lines) if isinstance(x, (str, int))]
    return tokens


def _compose_services(path: str, doc, dep: Deployment) -> None:
    for name, svc in _services(doc):
        deploy = svc.get("deploy")
        if isinstance(deploy, dict) and "replicas" in deploy:
            count, env = _number(deploy["replicas"], dep.env)
            dep.process("compose-replicas", count, f"deploy.replicas: {deploy['replicas']}", path,
                        deploy.lines["replicas"], f"service {name}", env)
        if "scale" in svc:
            count, env = _number(svc["scale"], dep.env)
            dep.process("compose-replicas", count, f"scale: {svc['scale']}", path, svc.lines["scale"],
                        f"service {name}", env)
        image = str(svc.get("image", "")).lower()
        for kind in (k for k in ("pgbouncer", "supavisor") if k in image):
            _compose_pooler(path, kind, svc, dep)


def _compose_pooler(path: str, kind: str, svc: _Map, dep: Deployment) -> None:
    """A pgbouncer or supavisor container, configured by `POOL_MODE`, `PGBOUNCER_*` or `POOLER_*`."""
    settings = {}
    for key, value, _ in _service_env(svc):
        k = re.sub(r"^(PGBOUNCER_|POOLER_)", "", key).lower()
        if k in POOLER_SETTINGS and value is not None:
            resolved = _interpolate(str(value), dep.env)[0]
            settings[k] = int(resolved) if resolved and resolved.isdigit() else resolved
    dep.pooler(kind, settings, PGBOUNCER_DEFAULTS if kind == "pgbouncer" else {}, path, svc.lines["image"])


def _kubernetes(path: str, doc: _Map, dep: Deployment) -> None:
    kind, spec = doc.get("kind"), doc.get("spec")
    if not isinstance(spec, dict) or "kind" not in doc:
        return
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    label = f"{kind} {meta.get('name')}"
    if kind in WORKLOADS:
        count, env = _number(spec.get("replicas", 1), dep.env)
        setting = f"spec.replicas: {spec['replicas']}" if "replicas" in spec else "spec.replicas unset (default 1)"
        line = spec.lines.get("replicas", doc.lines["kind"])
        dep.process(f"k8s-{kind.lower()}", count, setting, path, line, label, env)
    elif kind == "HorizontalPodAutoscaler":
        target = spec.get("scaleTargetRef") if isinstance(spec.get("scaleTargetRef"), dict) else {}
        for key, default in (("minReplicas", 1), ("maxReplicas", None)):
            count, env = _number(spec.get(key, default), dep.env)
            setting = f"{key}: {spec[key]}" if key in spec else f"{key} unset (default {default})"
            dep.process("k8s-hpa", count, setting, path, spec.lines.get(key, doc.lines["kind"]),
                        f"{label} scales {target.get('kind')} {target.get('name')}", env)


# -- commands -------------------------------------------------------------------------------------
def _command(dep: Deployment, path: str, line: int, cmd: str, where: str) -> None:
    """Record the server a command line starts (gunicorn, uvicorn, pm2, node...) and its process count."""
    detail = f"{where}: {mask('', ' '.join(cmd.split()))}"[:200]
    for kind, named, flag in SERVERS:
        if not named.search(cmd):
            continue
        if m := flag.search(cmd):
            count, env = (_pm2_count(m[1])[0], None) if kind == "pm2" else _number(m[1], dep.env)
            dep.process(kind, count, m[0].strip(), path, line, detail, env)
        elif kind == "gunicorn" and re.search(r"(?:^|\s)(?:-c|--config)\b", cmd):
            dep.process(kind, None, "workers from the config file", path, line, detail)
        elif kind == "gunicorn":
            dep.process(kind, 1, "no --workers (default 1 unless WEB_CONCURRENCY)", path, line, detail)
        elif kind == "uvicorn":
            dep.process("single-process", 1, "uvicorn without --workers", path, line, detail)
        elif "ecosystem" not in cmd:  # an ecosystem file sets instances itself
            dep.process("single-process", 1, "pm2 without -i (fork mode)", path, line, detail)
        return
    if SINGLE_PROCESS.search(cmd):
        dep.process("single-process", 1, "one process", path, line, detail)


def _pm2_count(raw: str) -> tuple[int | None, str]:
    """PM2 `instances`: N, or 0 / 'max' (one per CPU), or -N (CPUs minus N)."""
    if raw == "max" or raw == "0":
        return None, "one per CPU"
    if raw.lstrip("-").isdigit():
        return (int(raw), f"{raw} processes") if int(raw) > 0 else (None, f"one per CPU minus {raw[1:]}")
    return None, "set by an expression"


def _dockerfile(f: SourceFile, dep: Deployment) -> None:
    """The final stage's ENTRYPOINT + CMD, shell or exec (JSON) form."""
    found: dict[str, tuple[int, str]] = {}
    start, buf = 1, ""
    for n, raw in enumerate(f.text.split("\n"), 1):
        if raw.lstrip().startswith("#"):
            continue
        start, buf = (start if buf else n), buf + raw.rstrip()
        if buf.endswith("\\"):
            buf = buf[:-1] + " "
            continue
        word, arg = (buf.split(None, 1) + ["", ""])[:2]
        buf = ""
        if word.upper() == "FROM":
            found.clear()
        elif word.upper() in {"CMD", "ENTRYPOINT"}:
            found[word.upper()] = (start, _exec_form(arg.strip()))
    if found:
        parts = [found[k] for k in ("ENTRYPOINT", "CMD") if k in found]
        _command(dep, f.path, found.get("CMD", parts[0])[0], " ".join(p[1] for p in parts), "Dockerfile")


def _exec_form(arg: str) -> str:
    """`["gunicorn", "-w", "4"]` -> `gunicorn -w 4`; shell form (or bad JSON) as written."""
    if arg.startswith("["):
        try:
            return " ".join(str(a) for a in json.loads(arg))
        except (ValueError, RecursionError):
            pass
    return arg


def _gunicorn_conf(f: SourceFile, dep: Deployment) -> None:
    """`workers = ...` at the top level of a gunicorn config, read with ast (never imported)."""
    try:
        tree = trees.python(f.path, f.text)
    except (SyntaxError, ValueError, RecursionError) as exc:
        dep.problem(f.path, f"Python could not be parsed (line {getattr(exc, 'lineno', '?')})")
        return
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "workers" for t in node.targets):
            count, env = _py_count(node.value, dep.env)
            expr = ast.unparse(node.value)
            detail = "one per CPU" if "cpu_count" in expr else "from the environment" if env else "gunicorn config"
            dep.process("gunicorn", count, f"workers = {expr}"[:160], f.path, node.lineno, detail, env)


def _py_count(node: ast.expr, env: dict) -> tuple[int | None, str | None]:
    """A literal, `int(...)` or `os.getenv(NAME, default)` count (resolved from env facts), and NAME."""
    if isinstance(node, ast.Constant):
        return _number(node.value, {})
    if not isinstance(node, ast.Call) or not node.args:
        return None, None
    func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if func == "int":
        return _py_count(node.args[0], env)
    if func in {"getenv", "get"} and isinstance(node.args[0], ast.Constant):
        name = str(node.args[0].value)
        if env.get(name, {}).get("value") is not None:
            return _number(env[name]["value"], {})[0], name
        fallback = node.args[1] if len(node.args) > 1 else None
        return (_py_count(fallback, env)[0] if fallback is not None else None), name
    return None, None


def _node_cluster(f: SourceFile, dep: Deployment) -> None:
    """`cluster.fork()` calls; inside a loop in a file that counts CPUs, one worker per CPU."""
    tree, suffix = js.parse(f.path, f.text)
    per_cpu = re.search(r"cpus\(\)|availableParallelism\(", f.text) is not None
    for caps in js.matches(tree, suffix, _FORK):
        if js.text(caps["prop"][0]) != "fork" or "cluster" not in js.text(caps["obj"][0]).lower():
            continue
        call, loop = caps["call"][0], caps["call"][0].parent
        while loop is not None and not (loop.type in LOOPS or loop.type == "call_expression" and js.text(
                loop.child_by_field_name("function")).endswith((".forEach", ".map"))):
            loop = loop.parent
        if loop is None:
            dep.process("node-cluster", 1, "cluster.fork()", f.path, js.line(call), "one fork")
        else:
            detail = "one per CPU" if per_cpu else f"in a loop: {js.text(loop).split(chr(10))[0][:80]}"
            dep.process("node-cluster", None, "cluster.fork() in a loop", f.path, js.line(call), detail)


def _serverless(files: list[SourceFile], dep: Deployment) -> None:
    """Supabase Edge Functions, Netlify functions, and Vercel `api/` functions next to a vercel.json."""
    vercel_roots = {str(PurePosixPath(f.path).parent) for f in files if f.name == "vercel.json"}
    seen = set()
    for f in (f for f in files if f.kind in {"js", "python"}):
        parts = PurePosixPath(f.path).parts
        marker = None
        for i in range(len(parts) - 2):
            if parts[i:i + 2] == ("supabase", "functions") and len(parts) == i + 4 \
                    and parts[-1].startswith("index.") and not parts[i + 2].startswith("_"):
                marker = f"Supabase Edge Function {parts[i + 2]}"
            elif parts[i:i + 2] == ("netlify", "functions"):
                marker = f"Netlify function {PurePosixPath(parts[i + 2]).stem}"
        for root in vercel_roots:
            prefix = "" if root == "." else root + "/"
            if f.path.startswith(prefix + "api/") and not f.name.startswith("_"):
                marker = f"Vercel function {f.path[len(prefix):]}"
        if marker and marker not in seen:
            seen.add(marker)
            dep.process("serverless", None, "one instance per concurrent invocation", f.path, 1, marker)


# -- poolers and server settings ------------------------------------------------------------------
def _pooler_urls(f: SourceFile, dep: Deployment) -> None:
    """Literal PostgreSQL URLs that go through a pooler (never stored themselves)."""
    for m in PG_URL.finditer(f.text):
        hostport = m[0].split("://", 1)[1].rsplit("@", 1)[-1].split("/")[0].split("?")[0]
        host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "")
        via = ("pooler host" if any(w in host.lower() for w in ("pgbouncer", "pooler", "supavisor"))
               else "pgbouncer=true" if re.search(r"[?&]pgbouncer=true\b", m[0], re.I)
               else "port 6543" if port == "6543" else None)
        if via:
            dep.pooler_urls.append({"path": f.path, "line": _at(f.text, m.start()), "via": via})


def _pgbouncer(f: SourceFile, dep: Deployment) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False, allow_no_value=True,
                                       comment_prefixes=(";", "#"), inline_comment_prefixes=(";", "#"))
    try:
        parser.read_string(f.text)
    except configparser.Error as exc:
        errors = getattr(exc, "errors", None)
        line = getattr(exc, "lineno", None) or (errors[0][0] if errors else "?")
        dep.problem(f.path, f"INI could not be parsed (line {line}): {type(exc).__name__}")
        return
    if not parser.has_section("pgbouncer"):
        return
    section = parser["pgbouncer"]
    settings = {k: int(v) if v and v.isdigit() else v for k, v in section.items() if k in POOLER_SETTINGS}
    dep.pooler("pgbouncer", settings, PGBOUNCER_DEFAULTS, f.path, _section_line(f.text, "pgbouncer"))


def _supabase_config(f: SourceFile, dep: Deployment) -> None:
    """`[db.pooler]` (with the CLI's defaults), `[db] major_version` and `[db.settings]` limits."""
    try:
        db = tomllib.loads(f.text).get("db")
    except tomllib.TOMLDecodeError as exc:
        dep.problem(f.path, f"TOML could not be parsed: {exc}")
        return
    db = db if isinstance(db, dict) else {}
    if isinstance(db.get("pooler"), dict):
        settings = {k: v for k, v in db["pooler"].items() if k in SUPABASE_POOLER_DEFAULTS}
        settings["major_version"] = db.get("major_version")
        dep.pooler("supabase-pooler", settings, SUPABASE_POOLER_DEFAULTS, f.path, _section_line(f.text, "db.pooler"))
    settings = db.get("settings") if isinstance(db.get("settings"), dict) else {}
    for name in (n for n in LIMITS if n in settings):
        dep.limit(name, settings[name], "supabase config", f.path, _section_line(f.text, "db.settings", name))


def _vercel_json(f: SourceFile, dep: Deployment) -> None:
    try:
        data = json.loads(f.text)
    except (ValueError, RecursionError) as exc:
        dep.problem(f.path, f"JSON could not be parsed (line {getattr(exc, 'lineno', '?')})")
        return
    functions = data.get("functions") if isinstance(data, dict) else None
    for pattern in functions if isinstance(functions, dict) else ():
        line = _at(f.text, max(f.text.find(json.dumps(pattern)), 0))
        dep.process("serverless", None, f"functions: {pattern}", f.path, line, "Vercel functions")


def _section_line(text: str, section: str, key: str | None = None) -> int | None:
    """Line of an INI/TOML `[section]` header, or of `key =` inside it."""
    head = re.search(rf"^\s*\[\s*{re.escape(section)}\s*\]", text, re.M | re.I)
    if head is None:
        return None
    found = re.compile(rf"^\s*{re.escape(key)}\s*=", re.M).search(text, head.end()) if key else None
    return _at(text, (found or head).end())
