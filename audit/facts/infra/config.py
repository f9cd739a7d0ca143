"""Infrastructure signals in config files, manifests and SQL: hosting/CDN and cache headers (netlify.toml,
_headers, vercel.json, nginx), health checks (Dockerfile, compose, Kubernetes, fly/render), load
balancers, load-test scripts, replica URLs (names only, never values), declared packages,
materialized views, and Supabase's own auth rate limits."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from audit.discover import SourceFile
from audit.facts.infra.known import (PY_DIST_PREFIXES, PY_DISTS, REPLICA_ENV, REPLICA_WORDS, THIRD_PARTY_SDKS,
                                     caching_header, js_lib, line_of, mentions)
from audit.facts.infra.signal import Signal, clean

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HOSTS = {"netlify.toml": "netlify", "vercel.json": "vercel", "wrangler.toml": "cloudflare",
         "firebase.json": "firebase-hosting", "amplify.yml": "aws-amplify",
         "staticwebapp.config.json": "azure-static-web-apps", "_headers": "netlify-or-cloudflare-pages"}
CDN_CONFIG = re.compile(r"AWS::CloudFront::Distribution|aws_cloudfront_distribution|\bfastly\b|akamai|"
                        r"\bcloudfront\.net\b", re.I)
CDN_NAME = re.compile(r"\b(?:[A-Z0-9]+_)+CDN(?:_[A-Z0-9]+)*\b|\bCDN(?:_[A-Z0-9]+)+\b|\bASSET_PREFIX\b")
NAMED = ((REPLICA_ENV, REPLICA_WORDS, "read_scaling", "replica-url", "name only"),
         (CDN_NAME, ("cdn", "asset_prefix"), "cdn", "setting", "a CDN can be configured here; name only"))
ENV_NAMES = {  # name pattern in env examples -> (category, what it configures)
    r"(?:REDIS|UPSTASH_REDIS|KV_REST_API|MEMCACHE[D]?|VALKEY)\w*": "caches",
    r"(?:\w*SENTRY_DSN|DD_API_KEY|NEW_RELIC_LICENSE_KEY|OTEL_EXPORTER_OTLP_\w+|BUGSNAG_API_KEY|ROLLBAR_\w*TOKEN)":
        "monitoring",
}
DATASTORE = re.compile(r"postgres|redis|mysql|mariadb|mongo|memcache|rabbitmq|kafka|elastic|valkey|minio|"
                       r"zookeeper|\bdb\b|database|supabase", re.I)
CACHE_IMAGES = re.compile(r"^\s*image:\s*['\"]?(?:[\w./-]*/)?(redis|valkey|keydb|memcached|dragonfly)\b", re.I | re.M)
PROXY_IMAGES = re.compile(r"^\s*image:\s*['\"]?(?:[\w./-]*/)?(nginx|traefik|haproxy|envoy|caddy)\b", re.I | re.M)
K8S_BALANCERS = re.compile(r"^kind:\s*(Ingress|Gateway|HTTPRoute)\b|^\s*type:\s*LoadBalancer\b|"
                           r"AWS::ElasticLoadBalancingV2::LoadBalancer|aws_lb\b|aws_alb\b", re.M)
PROBES = re.compile(r"^\s*(livenessProbe|readinessProbe|startupProbe|healthCheckPath|health_check_path|"
                    r"\[\[(?:services\.http_checks|http_service\.checks)\]\])\s*[:=]?", re.M)
LOAD_COMMAND = re.compile(r"\b(k6\s+run|grafana/k6|artillery\s+(?:run|quick)|autocannon\b|locust\s+-|locust\s+--|"
                          r"pgbench\b|vegeta\s+attack|\bwrk\s+-|\bhey\s+-n|\bab\s+-n|jmeter\s+-n|gatling)", re.I)
LOAD_WORDS = ("k6", "artillery", "autocannon", "locust", "pgbench", "vegeta", "wrk", "hey", "ab -n", "jmeter", "gatling")
BALANCER_WORDS = ("ingress", "gateway", "httproute", "loadbalancer", "aws_lb", "aws_alb")
LOAD_PATH = re.compile(r"(^|/)(k6|locust|artillery|gatling|jmeter|load|load[-_]?tests?|loadtest(?:s|ing)?|perf|"
                       r"performance|stress)(/|[-_.][^/]*$)", re.I)
LOAD_FILES = ((re.compile(r"\.jmx$"), "jmeter"), (re.compile(r"Simulation\.(scala|java|kt)$"), "gatling"))
MATVIEW = re.compile(r"\bcreate\s+materialized\s+view\s+(?:if\s+not\s+exists\s+)?([\w.\"]+)", re.I)
NGINX = (  # (pattern, category, kind)
    (re.compile(r"(?:^|[{;])[ \t]*expires\s+([^;]+);", re.M), "http_cache", "nginx-expires"),
    (re.compile(r"(?:^|[{;])[ \t]*add_header\s+(Cache-Control|ETag)\s+['\"]?([^;'\"]+)", re.M | re.I), "http_cache",
     "nginx-header"),
    (re.compile(r"(?:^|[{;])[ \t]*proxy_cache\s+(?!off\b)(\w+)\s*;", re.M), "caches", "nginx-proxy-cache"),
    (re.compile(r"(?:^|[{;])[ \t]*limit_req\s+zone=(\w+)", re.M), "rate_limits", "nginx"),
    (re.compile(r"(?:^|[{;])[ \t]*upstream\s+([\w.-]+)\s*\{", re.M), "load_balancers", "nginx-upstream"),
)


def config_signals(f: SourceFile, problem, next_runtime: str = "server") -> list[Signal]:
    """Signals of one config/manifest/SQL file; `problem(path, reason)` records what cannot be parsed;
    `next_runtime` is where a Next.js app declared by this package.json runs."""
    out: list[Signal] = []

    def add(category, kind, library, line, detail, runtime="config", **props):
        out.append(Signal(category, kind, library, f.path, line, detail, runtime, props))

    text, name, path = f.text or "", f.name.lower(), f.path
    if name in HOSTS and (name != "firebase.json" or '"hosting"' in text):
        add("cdn", "hosting", HOSTS[name], 1, f"{name}: served by {HOSTS[name]}'s CDN")
    if name == "netlify.toml":
        _netlify(f, add, problem)
    elif name == "_headers":
        _headers_file(text, add)
    elif name == "vercel.json":
        _vercel(f, add)
    elif name.endswith(".conf") and re.search(r"\b(server|location|http)\s*\{", text):
        _nginx(text, add, path)
    elif name.startswith("dockerfile"):
        for m in re.finditer(r"^\s*HEALTHCHECK\s+(?!NONE)(.*)$", text, re.M | re.I):
            add("health", "docker-healthcheck", "docker", line_of(text, m.start()), clean(m[0]))
    elif name == "config.toml" and PurePosixPath(path).parent.name == "supabase":
        for m in re.finditer(r"^\s*\[auth\.rate_limit\]", text, re.M):
            add("rate_limits", "supabase-auth", "supabase", line_of(text, m.start()), "Supabase Auth rate limits",
                store="platform", store_detail="enforced by Supabase Auth", key="ip",
                applied_at={"path": path, "line": line_of(text, m.start())})
    elif name == "package.json":
        _package_json(f, add, next_runtime)
    elif name.startswith("requirements") or name == "pyproject.toml":
        _python_manifest(f, add)
    if name.endswith((".yml", ".yaml")):
        _yaml(f, add, text.lower())
    low = text.lower()
    if (f.kind in {"config", "manifest"} and name != "package.json" or f.kind == "other") and mentions(low, LOAD_WORDS):
        for m in LOAD_COMMAND.finditer(text):
            add("load_tests", m[1].split()[0].lower().split("/")[-1], "", line_of(text, m.start()),
                clean(text.split("\n")[line_of(text, m.start()) - 1]))
            break
    if f.kind == "test" and LOAD_PATH.search(path):
        add("load_tests", "by-path", "", None, f"{path}: test file in a load-testing folder (test code is not read)")
    for pattern, tool in LOAD_FILES:
        if pattern.search(path):
            add("load_tests", tool, tool, 1, f"{tool} script")
    if f.kind in {"migration_sql", "schema_sql", "sql"}:
        for m in MATVIEW.finditer(text) if "materialized" in low else ():
            add("read_scaling", "materialized-view", "postgresql", line_of(text, m.start()), clean(m[0]))
        if "\\set" in text and re.search(r"^\\set\s+\w+", text, re.M):
            add("load_tests", "pgbench", "pgbench", 1, "pgbench script (\\set meta-commands)")
    if name.startswith(".env") or f.kind == "config":
        out += named_settings(path, text, "config")
    if name.startswith(".env"):
        _env_names(f, add)
    return out


def _netlify(f: SourceFile, add, problem) -> None:
    try:
        data = tomllib.loads(f.text or "")
    except tomllib.TOMLDecodeError as exc:
        problem(f.path, f"TOML could not be parsed: {exc}")
        return
    lines = f.text.split("\n")
    for entry in data.get("headers", []) if isinstance(data.get("headers"), list) else []:
        pattern = entry.get("for", "") if isinstance(entry, dict) else ""
        at = re.compile(rf"\s*for\s*=\s*['\"]{re.escape(pattern)}['\"]")
        line = next((i for i, t in enumerate(lines, 1) if at.match(t)), None)
        for header, value in (entry.get("values") or {}).items():
            _header(add, "netlify-headers", "netlify", line, header, value, pattern)


def _header(add, kind, library, line, header, value, pattern) -> None:
    if header.lower() in {"cache-control", "cdn-cache-control", "netlify-cdn-cache-control", "etag", "expires"}:
        h = header.lower().replace("netlify-", "")
        add("http_cache", kind, library, line, clean(f"{pattern}: {header}: {value}"), header=h, value=value,
            pattern=pattern, enables=caching_header(h, value))


def _headers_file(text: str, add) -> None:
    pattern = ""
    for n, raw in enumerate(text.split("\n"), 1):
        if raw.strip() and not raw[0].isspace() and not raw.lstrip().startswith("#"):
            pattern = raw.strip()
        elif ":" in raw and pattern:
            header, value = (p.strip() for p in raw.split(":", 1))
            _header(add, "headers-file", "_headers", n, header, value, pattern)


def _vercel(f: SourceFile, add) -> None:
    try:
        data = json.loads(f.text or "")
    except (ValueError, RecursionError):
        return  # reported by the deployment facts
    for rule in data.get("headers", []) if isinstance(data, dict) and isinstance(data.get("headers"), list) else []:
        for h in rule.get("headers", []) if isinstance(rule, dict) else []:
            if isinstance(h, dict) and "key" in h:
                at = f.text.find(json.dumps(str(h.get("value", ""))))
                _header(add, "vercel-headers", "vercel", line_of(f.text, at) if at >= 0 else None, str(h["key"]),
                        h.get("value"), rule.get("source", ""))


def _nginx(text: str, add, path: str) -> None:
    for pattern, category, kind in NGINX:
        for m in pattern.finditer(text):
            line, directive = line_of(text, m.start(1)), m[0].lstrip("{; \t")
            if kind == "nginx-expires":
                add(category, kind, "nginx", line, clean(directive), value=m[1].strip(),
                    enables=m[1].strip().lower() not in {"off", "epoch", "-1", "0"})
            elif kind == "nginx-header":
                add(category, kind, "nginx", line, clean(directive), header=m[1].lower(), value=m[2],
                    enables=caching_header(m[1], m[2]))
            elif kind == "nginx":
                zone = re.search(rf"limit_req_zone\s+(\S+)\s+zone={m[1]}\b", text)
                add(category, kind, "nginx", line, clean(directive), store="proxy",
                    store_detail="nginx shared-memory zone (per nginx instance)",
                    key="ip" if zone and "remote_addr" in zone[1] else "unknown", applied_at={"path": path, "line": line})
            elif kind == "nginx-upstream":
                block = text[m.end():text.find("}", m.end())]
                add(category, kind, "nginx", line, f"upstream {m[1]}",
                    servers=len(re.findall(r"^\s*server\s+", block, re.M)))
            else:
                add(category, kind, "nginx", line, clean(directive))


def _yaml(f: SourceFile, add, low: str) -> None:
    """Line-based reading of YAML: compose services, Kubernetes objects, CI steps, Artillery scripts."""
    text = f.text or ""
    for m in CACHE_IMAGES.finditer(text) if "image:" in low else ():
        add("caches", "service", m[1].lower(), line_of(text, m.start()), clean(m[0]), configured_only=True)
    for m in PROXY_IMAGES.finditer(text) if "image:" in low else ():
        add("load_balancers", "proxy-service", m[1].lower(), line_of(text, m.start()), clean(m[0]))
    for m in K8S_BALANCERS.finditer(text) if mentions(low, BALANCER_WORDS) else ():
        add("load_balancers", "kubernetes" if "kind" in m[0] or "type" in m[0] else "cloud", "",
            line_of(text, m.start()), clean(m[0]))
    for m in PROBES.finditer(text) if mentions(low, ("probe", "health")) else ():
        add("health", "probe", "", line_of(text, m.start()), clean(m[0]))
    service, image = "", ""
    for n, raw in enumerate(text.split("\n") if "healthcheck:" in low else (), 1):
        if s := re.match(r"^  ([\w.-]+):\s*$", raw):
            service, image = s[1], ""
        elif i := re.match(r"^\s+image:\s*(\S+)", raw):
            image = i[1]
        elif re.match(r"^\s+healthcheck:", raw) and service and not DATASTORE.search(f"{service} {image}"):
            add("health", "compose-healthcheck", "docker-compose", n, f"service {service}: healthcheck", service=service)
    if re.search(r"^config:\s*$", text, re.M) and (m := re.search(r"^scenarios:", text, re.M)):
        add("load_tests", "artillery", "artillery", line_of(text, m.start()), "Artillery script (config + scenarios)")
    m = CDN_CONFIG.search(text) if mentions(low, ("cloudfront", "fastly", "akamai")) else None
    if m:
        add("cdn", "config", "", line_of(text, m.start()), clean(text.split("\n")[line_of(text, m.start()) - 1]))


def named_settings(path: str, text: str, runtime: str) -> list[Signal]:
    """Replica URLs and CDN settings found by their variable names, in code or config (values never kept)."""
    out, seen, low = [], set(), text.lower()
    for pattern, words, category, kind, what in NAMED:
        for m in pattern.finditer(text) if mentions(low, words) else ():
            if m[0] not in seen:
                seen.add(m[0])
                out.append(Signal(category, kind, "", path, line_of(text, m.start()), f"{m[0]} ({what})", runtime,
                                  {"name": m[0]}))
    return out


def _env_names(f: SourceFile, add) -> None:
    text = f.text or ""
    for pattern, category in ENV_NAMES.items():
        for m in re.finditer(rf"^\s*(?:export\s+)?({pattern})\s*=", text, re.M):
            add(category, "env", "", line_of(text, m.start()), f"{m[1]} in {f.name} (configuration only)",
                configured_only=True)


def _package_json(f: SourceFile, add, next_runtime: str) -> None:
    try:
        data = json.loads(f.text or "")
    except (ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    text = f.text
    for section in ("dependencies", "devDependencies"):
        for dep in data.get(section, {}) if isinstance(data.get(section), dict) else {}:
            lib = js_lib(dep)
            category = lib.category if lib else "outbound_calls" if dep in THIRD_PARTY_SDKS else None
            at = text.find(f'"{dep}"')
            if category:
                add("packages", category, dep, line_of(text, at), f"{section} in package.json",
                    dev=section != "dependencies")
            if dep == "next" and section == "dependencies":
                add("apps", "nextjs", "next", line_of(text, at), "Next.js app (next start, or functions on Vercel)",
                    runtime=next_runtime)
    for script, cmd in (data.get("scripts") or {}).items() if isinstance(data.get("scripts"), dict) else ():
        if isinstance(cmd, str) and (m := LOAD_COMMAND.search(cmd)):
            add("load_tests", m[1].split()[0].lower().split("/")[-1], "", line_of(text, text.find(f'"{script}"')),
                clean(f"npm script {script}: {cmd}"))


def _python_manifest(f: SourceFile, add) -> None:
    text = f.text or ""
    dev = bool(re.search(r"dev|test", f.name, re.I))
    for m in re.finditer(r"^\s*['\"]?([A-Za-z0-9][\w.-]*)", text, re.M):
        dist = m[1].lower().replace("_", "-")
        module, lib = PY_DISTS.get(dist) or next((v for p, v in PY_DIST_PREFIXES.items() if dist.startswith(p)),
                                                 (dist, None))
        category = lib.category if lib else "outbound_calls" if dist in THIRD_PARTY_SDKS else None
        if category:
            add("packages", category, dist, line_of(text, m.start()), f"declared in {f.name}", dev=dev, module=module)

