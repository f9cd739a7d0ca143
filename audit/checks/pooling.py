"""Connection-pool checks on the pool facts."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.facts import Facts
from audit.facts.pools import LIMIT_SETTINGS, describe
from audit.model import Evidence, Finding, Outcome

SIZE_SETTINGS = {**LIMIT_SETTINGS, "sqlalchemy": ("pool_size",), "psycopg_pool": ("max_size", "min_size")}
FIXED_POOLS = ("NullPool", "StaticPool")


@check("pool.default-size")
def default_size(facts: Facts, spec: CheckSpec) -> Outcome:
    if not facts.pools:
        return Outcome("not_applicable", note="no connection pool configuration found in code")
    findings = []
    for p in facts.pools:
        keys = SIZE_SETTINGS.get(p.library, ("pool.max_size", "pool.min_size"))
        if p.library == "django" and not p.settings.get("pool"):
            continue  # no pool: one connection per worker thread, sized by the workers
        if any(k in p.settings for k in keys) or str(p.settings.get("poolclass", "")).endswith(FIXED_POOLS):
            continue
        limit = p.effective.get("max_connections")
        used = ", ".join(f"{k}={p.effective[k]}" for k in p.effective.get("defaults_used", []) if k in p.effective)
        findings.append(Finding(
            check=spec.id,
            title=f"{p.library} pool sets no size: at most {limit} connections per process by default",
            subject={"library": p.library, "max_connections": limit},
            evidence=[Evidence(p.path, p.line, f"settings as written: {describe(p.settings)}; defaults applied: {used}")],
        ))
    return Outcome.from_findings(findings)


@check("pool.no-acquire-timeout")
def no_acquire_timeout(facts: Facts, spec: CheckSpec) -> Outcome:
    pools = [p for p in facts.pools if p.library == "node-postgres"]
    if not pools:
        return Outcome("not_applicable", note="no node-postgres pool found")
    findings, undecided = [], 0
    for p in pools:
        timeout = p.effective.get("connectionTimeoutMillis")
        if timeout is None:
            undecided += 1
        elif timeout == 0:
            how = "default" if "connectionTimeoutMillis" in p.effective.get("defaults_used", []) else "set to 0"
            findings.append(Finding(
                check=spec.id,
                title="node-postgres pool waits forever for a free connection",
                subject={"library": p.library},
                evidence=[Evidence(p.path, p.line, f"connectionTimeoutMillis = 0 ({how}); settings: {describe(p.settings)}")],
            ))
    if undecided == len(pools):
        return Outcome("undecided", note="connectionTimeoutMillis is set from an expression scaleaudit cannot resolve")
    return Outcome.from_findings(findings)


TIMEOUT_SETTINGS = {
    "node-postgres": ("statement_timeout", "query_timeout"),
    "postgres.js": ("connection.statement_timeout",),
    "knex": ("connection.statement_timeout", "acquireConnectionTimeout"),
    "sequelize": ("dialectOptions.statement_timeout",),
    "typeorm": ("extra.statement_timeout", "maxQueryExecutionTime"),
    "asyncpg": ("command_timeout",),
    "sqlalchemy": ("connect_args",),
    "psycopg_pool": ("kwargs",),
}


@check("pool.no-statement-timeout")
def no_statement_timeout(facts: Facts, spec: CheckSpec) -> Outcome:
    if not facts.pools:
        return Outcome("not_applicable", note="no connection pool configuration found in code")
    if facts.schema.role_settings.get("statement_timeout"):
        where = facts.schema.role_settings["statement_timeout"]
        return Outcome("pass", note=f"statement_timeout set in the database at {where}")
    findings = []
    for p in facts.pools:
        keys = TIMEOUT_SETTINGS.get(p.library, ())
        if any(k in p.settings and "timeout" in f"{k}={p.settings[k]}" for k in keys):
            continue
        findings.append(Finding(
            check=spec.id, title=f"{p.library} pool sets no statement timeout: a slow query holds its connection",
            subject={"library": p.library},
            evidence=[Evidence(p.path, p.line, f"settings as written: {describe(p.settings)}; no "
                                               f"{' / '.join(keys) or 'statement timeout'} and no "
                                               "ALTER ROLE/DATABASE ... SET statement_timeout in the migrations")]))
    return Outcome.from_findings(findings)


@check("pool.no-pre-ping")
def no_pre_ping(facts: Facts, spec: CheckSpec) -> Outcome:
    pools = [p for p in facts.pools if p.library == "sqlalchemy"]
    if not pools:
        return Outcome("not_applicable", note="no SQLAlchemy engine found (the libraries that need it)")
    return Outcome.from_findings([
        Finding(check=spec.id, title="SQLAlchemy pool neither pre-pings nor recycles its connections",
                subject={"library": p.library},
                evidence=[Evidence(p.path, p.line, f"settings as written: {describe(p.settings)}")])
        for p in pools
        if not p.settings.get("pool_pre_ping") and "pool_recycle" not in p.settings
        and not str(p.settings.get("poolclass", "")).endswith(FIXED_POOLS)
    ])


@check("pool.too-small-for-target")
def too_small_for_target(facts: Facts, spec: CheckSpec) -> Outcome:
    cap = facts.capacity
    if not facts.pools and not facts.deploy.server_limits:
        return Outcome("not_applicable", note="no pool or server connection limit found to size")
    target = cap["inputs"]["concurrent_users"] if cap else None
    supported = cap.get("users_supported") if cap else None
    at_most = cap.get("users_supported_at_most") if cap else None
    if supported is None and (at_most is None or at_most >= target):
        return Outcome("undecided", note="the capacity model lacks a connection limit" if at_most is None else
                       f"{cap['inputs']['per_process_connections']['source']}; the known limits would allow "
                       f"at most {at_most:,} users")
    if supported is not None and supported >= target:
        return Outcome("pass")
    supported = at_most if supported is None else supported
    inp = cap["inputs"]
    where = inp["per_process_connections"]["source"] if cap["bottleneck"] == "application pools" \
        else inp["server_max_connections"]["source"]
    path, _, line = where.rpartition(" at ")[2].rpartition(":")
    return Outcome.from_findings([Finding(
        check=spec.id,
        title=f"Connections usable at once ({cap['connections_usable']}) support about {supported:,} "
              f"concurrent users, not {target:,}",
        subject={"bottleneck": cap["bottleneck"], "users_supported": supported},
        evidence=[Evidence(path if line.isdigit() else "", int(line) if line.isdigit() else None,
                           f"{cap['bottleneck']}: {where}; the model needs {cap['connections_needed']} connections "
                           f"at peak ({cap['requests_per_second']} requests/s, Little's law)")],
    )])


@check("pool.exceeds-server")
def exceeds_server(facts: Facts, spec: CheckSpec) -> Outcome:
    cap = facts.capacity or {}
    inp = cap.get("inputs", {})
    server = inp.get("server_max_connections", {})
    per, procs = inp.get("per_process_connections", {}), inp.get("processes", {})
    if not facts.pools or not facts.deploy.server_limits:
        return Outcome("not_applicable", note="needs both a pool in code and a server max_connections in config")
    if per.get("value") is None or procs.get("value") is None:
        return Outcome("undecided", note="pool size or process count unknown")
    total = per["value"] * procs["value"]
    budget = server["value"] - inp["reserved_connections"]["value"]
    if total <= budget:
        return Outcome("pass")
    return Outcome.from_findings([Finding(
        check=spec.id, title=f"Processes × pool size ({total}) exceeds the server's {budget} usable connections",
        subject={"connections": total, "server_budget": budget},
        evidence=[Evidence("", None, f"pool: {per['source']}; processes: {procs['source']}; "
                                     f"server: {server['source']}")])])


@check("pool.serverless-direct")
def serverless_direct(facts: Facts, spec: CheckSpec) -> Outcome:
    functions = [p for p in facts.deploy.processes if p["kind"] == "serverless"]
    if not functions:
        return Outcome("not_applicable", note="no serverless functions found")
    dirs = {p["path"].rsplit("/", 1)[0] + "/" for p in functions}
    direct = [p for p in facts.pools if any(p.path.startswith(d) for d in dirs)]
    if facts.deploy.pooler_urls:
        direct = []
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Serverless function opens its own {p.library} pool without a pooler",
                subject={"library": p.library, "path": p.path},
                evidence=[Evidence(p.path, p.line, "each concurrent invocation may open up to "
                                                   f"{p.effective.get('max_connections')} connections; "
                                                   "no pooler URL (port 6543, pgbouncer=true) found")])
        for p in direct
    ])
