"""Checks on a live database's facts (facts.live) and on the shadow database (facts.shadow)."""

from __future__ import annotations

import functools

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.fixes import create_index, drop_index
from audit.facts import Facts
from audit.model import Evidence, Finding, Outcome

DSN_NOTE = "no DSN given: live database checks need `--dsn`"


def live_check(check_id: str, *probes: str):
    """Register `func(live, facts, spec)` as a check that runs only when the live database and the
    probes it reads could be read: not applicable without a DSN, undecided when a probe failed."""
    def register(func):
        @check(check_id)
        @functools.wraps(func)
        def run(facts: Facts, spec: CheckSpec) -> Outcome:
            live = getattr(facts, "live", None)
            if live is None:
                return Outcome("not_applicable", note=DSN_NOTE)
            if live.error:
                return Outcome("undecided", note=live.error)
            failed = live.failed(*probes) if probes else ""
            if failed:
                return Outcome("undecided", note=f"could not read the statistics: {failed}")
            return func(live, facts, spec)
        return run
    return register


def _size(n: float | int | None) -> str:
    if n is None:
        return "unknown"
    for unit, div in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("kB", 1024)):
        if abs(n) >= div:
            return f"{n / div:.1f} {unit}".replace(".0 ", " ")
    return f"{int(n)} B"


def _duration(seconds: float | int | None) -> str:
    if seconds is None:
        return "unknown"
    for unit, div in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= div:
            return f"{seconds / div:.1f} {unit}".replace(".0 ", " ")
    return f"{seconds:.0f} s"


def _ev(live, detail: str) -> Evidence:
    """Evidence from the live database: no file, the masked DSN and the measured value."""
    return Evidence("", None, f"{live.dsn}: {detail}")


@live_check("live.connection-headroom", "connections", "settings")
def connection_headroom(live, facts: Facts, spec: CheckSpec) -> Outcome:
    max_conn, reserved = live.setting("max_connections"), live.setting("superuser_reserved_connections") or 0
    if not isinstance(max_conn, int):
        return Outcome("undecided", note="max_connections could not be read")
    available = max_conn - reserved
    used = live.connections.get("total", 0)
    findings = []
    ratio = float(spec.thresholds.get("usage_ratio", 0.7))
    if available and used / available >= ratio:
        apps = ", ".join(f"{a['application']} ({a['state']}): {a['count']}" for a in live.connections["by_application"][:5])
        findings.append(Finding(
            check=spec.id, title=f"{used} of {available} usable connections in use ({100 * used / available:.0f}%)",
            subject={"metric": "connections_in_use"},
            evidence=[_ev(live, f"{used} client connections (max_connections {max_conn} − {reserved} reserved); "
                                f"by application: {apps or 'n/a'}")]))
    inputs = (facts.capacity or {}).get("inputs", {})
    per, procs = (inputs.get("per_process_connections") or {}), (inputs.get("processes") or {})
    if isinstance(per.get("value"), (int, float)) and isinstance(procs.get("value"), (int, float)):
        pools = int(per["value"] * procs["value"])
        if pools > available:
            findings.append(Finding(
                check=spec.id, title=f"The application's pools can open {pools} connections; the server accepts {available}",
                subject={"metric": "pools_vs_max_connections"},
                evidence=[Evidence("", None, f"{per['value']} per process ({per.get('source', '')}) × {procs['value']} "
                                             f"processes ({procs.get('source', '')})"),
                          _ev(live, f"max_connections {max_conn} − {reserved} reserved = {available}")]))
    if findings:
        return Outcome.from_findings(findings)
    return Outcome("pass", note=f"{used} of {available} connections in use")


def _role_timeout(live, name: str) -> list[dict]:
    return [r for r in live.role_settings if r["name"] == name and r["value"] not in ("0", "")]


@live_check("live.settings", "settings")
def settings_sanity(live, facts: Facts, spec: CheckSpec) -> Outcome:
    if not live.settings:
        return Outcome("undecided", note="no settings could be read")
    th, mem = spec.thresholds, (live.memory or {}).get("bytes")
    findings = []

    def add(name: str, title: str, detail: str) -> None:
        src = (live.settings.get(name) or {}).get("source")
        findings.append(Finding(check=spec.id, title=title, subject={"setting": name},
                                evidence=[_ev(live, detail + (f" (source: {src})" if src else ""))]))

    for name in ("statement_timeout", "idle_in_transaction_session_timeout"):
        value = live.setting(name)
        if value == 0 and not _role_timeout(live, name):
            add(name, f"{name} is 0 (no limit) for the server and no role or database sets one",
                f"{name} = 0; ALTER ROLE/DATABASE settings checked: none set it")
    shared, cache = live.setting("shared_buffers"), live.setting("effective_cache_size")
    work, max_conn = live.setting("work_mem"), live.setting("max_connections")
    if isinstance(shared, int):
        if mem:
            share = shared / mem
            if share < float(th.get("shared_buffers_min_ratio", 0.15)) or share > float(th.get("shared_buffers_max_ratio", 0.4)):
                add("shared_buffers", f"shared_buffers is {_size(shared)}, {100 * share:.0f}% of the machine's {_size(mem)}",
                    f"shared_buffers = {_size(shared)}; memory {_size(mem)} ({live.memory['source']})")
        elif shared <= int(th.get("default_shared_buffers_bytes", 128 * 1024 ** 2)):
            add("shared_buffers", f"shared_buffers is {_size(shared)}: PostgreSQL's default",
                f"shared_buffers = {_size(shared)}; the machine's memory is unknown")
    if isinstance(cache, int) and mem and cache < float(th.get("effective_cache_min_ratio", 0.5)) * mem:
        add("effective_cache_size", f"effective_cache_size is {_size(cache)} on a machine of {_size(mem)}",
            f"effective_cache_size = {_size(cache)}: the planner assumes less cache than there is and avoids indexes")
    if isinstance(work, int) and isinstance(max_conn, int) and mem and work * max_conn > float(th.get("work_mem_budget_ratio", 0.5)) * mem:
        add("work_mem", f"work_mem × max_connections = {_size(work * max_conn)}, over half the machine's {_size(mem)}",
            f"work_mem = {_size(work)} × max_connections = {max_conn}: sorts at peak can exhaust memory")
    return Outcome.from_findings(findings)


@live_check("live.cache-hit-ratio", "cache")
def cache_hit_ratio(live, facts: Facts, spec: CheckSpec) -> Outcome:
    c = live.cache
    target, min_blocks = float(spec.thresholds.get("min_ratio", 0.99)), int(spec.thresholds.get("min_blocks", 10000))
    decided, findings = False, []
    for kind in ("table", "index"):
        ratio, blocks = c.get(f"{kind}_hit_ratio"), c.get(f"{kind}_blocks", 0)
        if ratio is None or blocks < min_blocks:
            continue
        decided = True
        if ratio < target:
            findings.append(Finding(
                check=spec.id, title=f"{kind.capitalize()} cache hit ratio {100 * ratio:.1f}% (target {100 * target:g}%)",
                subject={"metric": f"{kind}_hit_ratio"},
                evidence=[_ev(live, f"{kind} blocks found in shared_buffers: {100 * ratio:.2f}% of {blocks:,} reads "
                                    f"since the statistics were reset")]))
    if not decided:
        return Outcome("undecided", note=f"fewer than {min_blocks:,} block reads since the statistics were reset")
    return Outcome.from_findings(findings)


def _stats_window(live) -> tuple[float | None, str]:
    reset = (live.cache or {}).get("stats_reset_s_ago")
    if reset is not None:
        return reset, f"since the statistics were reset {_duration(reset)} ago"
    up = (live.server or {}).get("uptime_s")
    return up, f"since the statistics began (never reset; server up {_duration(up)})"


@live_check("live.unused-index", "unused_indexes")
def unused_index(live, facts: Facts, spec: CheckSpec) -> Outcome:
    age, window = _stats_window(live)
    short = age is not None and age < float(spec.thresholds.get("min_stats_days", 7)) * 86400
    caveat = f" (statistics cover only {_duration(age)})" if short else ""
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Index {i['index']} on {i['table']} has not been used{caveat}",
                subject={"table": i["table"], "index": i["index"]},
                evidence=[_ev(live, f"{i['index']}: 0 scans {window}; {_size(i['size_bytes'])}; {i['definition']}")],
                fix=f"{drop_index(i['table'], i['index'])}  -- after checking replicas and a full business cycle")
        for i in live.indexes.get("unused", [])])


@live_check("live.invalid-index", "invalid_indexes")
def invalid_index(live, facts: Facts, spec: CheckSpec) -> Outcome:
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Index {i['index']} on {i['table']} is invalid",
                subject={"table": i["table"], "index": i["index"]},
                evidence=[_ev(live, f"pg_index.indisvalid = false: {i['definition']}")],
                fix=f"{drop_index(i['table'], i['index'])} then create it again")
        for i in live.indexes.get("invalid", [])])


@live_check("live.duplicate-index", "duplicate_indexes")
def duplicate_index(live, facts: Facts, spec: CheckSpec) -> Outcome:
    findings = []
    for d in live.indexes.get("duplicate", []):
        keep, *drop = d["indexes"]
        for name in drop:
            findings.append(Finding(
                check=spec.id, title=f"Index {name} on {d['table']} is identical to {keep}",
                subject={"table": d["table"], "index": name, "covered_by": keep},
                evidence=[_ev(live, "; ".join(d["definitions"]))], fix=drop_index(d["table"], name)))
    return Outcome.from_findings(findings)


@live_check("live.unindexed-fk", "unindexed_fks")
def unindexed_fk(live, facts: Facts, spec: CheckSpec) -> Outcome:
    return Outcome.from_findings([
        Finding(check=spec.id,
                title=f"{f['table']}({', '.join(f['columns'])}) references {f['references']} but no index starts with it",
                subject={"table": f["table"], "columns": f["columns"], "references": f["references"]},
                evidence=[_ev(live, f"constraint {f['name']}; table size {_size(f['table_bytes'])}")],
                fix=create_index(f["table"], f["columns"]))
        for f in live.indexes.get("unindexed_fks", [])])


@live_check("live.seq-scan-heavy", "seq_scans")
def seq_scan_heavy(live, facts: Facts, spec: CheckSpec) -> Outcome:
    th = spec.thresholds
    min_rows, min_scans, share = int(th.get("min_rows", 10000)), int(th.get("min_seq_scans", 50)), float(th.get("min_seq_share", 0.5))
    findings = []
    for t in live.tables.get("seq_scans", []):
        scans = t["seq_scan"] + t["idx_scan"]
        if t["n_live_tup"] >= min_rows and t["seq_scan"] >= min_scans and scans and t["seq_scan"] / scans >= share:
            findings.append(Finding(
                check=spec.id, title=f"{t['table']} ({t['n_live_tup']:,} rows) is read by sequential scans "
                                     f"{t['seq_scan']:,} times vs {t['idx_scan']:,} index scans",
                subject={"table": t["table"]},
                evidence=[_ev(live, f"seq_scan {t['seq_scan']:,}, seq_tup_read {t['seq_tup_read']:,} "
                                    f"(~{t['rows_per_seq_scan']:,} rows per scan), idx_scan {t['idx_scan']:,}, "
                                    f"size {_size(t['size_bytes'])}")]))
    return Outcome.from_findings(findings)


@live_check("live.pg-stat-statements", "statements")
def pg_stat_statements(live, facts: Facts, spec: CheckSpec) -> Outcome:
    s = live.statements
    if s.get("available"):
        return Outcome("pass", note=f"pg_stat_statements {s.get('version', '')}: {s.get('statements', 0)} statements tracked")
    return Outcome.from_findings([Finding(check=spec.id, title="pg_stat_statements is not available",
                                          subject={"extension": "pg_stat_statements"},
                                          evidence=[_ev(live, s.get("reason") or "not available")])])


@live_check("live.slow-statements", "statements")
def slow_statements(live, facts: Facts, spec: CheckSpec) -> Outcome:
    s = live.statements
    if not s.get("available"):
        return Outcome("undecided", note=s.get("reason") or "pg_stat_statements not available")
    slow, calls = float(spec.thresholds.get("slow_mean_ms", 100)), int(spec.thresholds.get("min_calls", 2))
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Statement averages {q['mean_ms']:.0f} ms over {q['calls']:,} calls "
                                     f"({q['share_pct'] or 0:.0f}% of all statement time)",
                subject={"queryid": q["queryid"]},
                evidence=[_ev(live, f"total {q['total_ms']:,.0f} ms, mean {q['mean_ms']} ms, rows {q['rows']:,}: "
                                    f"{q['query']}")])
        for q in s.get("top", []) if q["mean_ms"] >= slow and q["calls"] >= calls])


@live_check("live.long-transactions", "activity")
def long_transactions(live, facts: Facts, spec: CheckSpec) -> Outcome:
    th = spec.thresholds
    idle, query, xact = (float(th.get("idle_in_transaction_s", 60)), float(th.get("long_query_s", 300)),
                         float(th.get("long_transaction_s", 600)))
    findings = []
    for a in live.activity:
        who = f"pid {a['pid']} ({a['application']}, role {a['role']})"
        if a["state"].startswith("idle in transaction") and (a["state_s"] or 0) >= idle:
            title, what = f"Session idle in transaction for {_duration(a['state_s'])}", "idle_in_transaction"
        elif a["state"] == "active" and (a["query_s"] or 0) >= query:
            title, what = f"Statement running for {_duration(a['query_s'])}", "long_query"
        elif (a["xact_s"] or 0) >= xact:
            title, what = f"Transaction open for {_duration(a['xact_s'])}", "long_transaction"
        else:
            continue
        findings.append(Finding(check=spec.id, title=title, subject={"pid": a["pid"], "kind": what},
                                evidence=[_ev(live, f"{who}, state {a['state']}, transaction age "
                                                    f"{_duration(a['xact_s'])}: {a['query'] or '(query hidden)'}")]))
    return Outcome.from_findings(findings)


@live_check("live.wraparound", "wraparound")
def wraparound(live, facts: Facts, spec: CheckSpec) -> Outcome:
    warn = float(spec.thresholds.get("warn_pct", 50))
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Database {w['database']} has used {w['pct_of_limit']:.0f}% of its transaction IDs",
                subject={"database": w["database"]},
                evidence=[_ev(live, f"age(datfrozenxid) = {w['xid_age']:,} of ~2.1 billion")])
        for w in live.maintenance.get("wraparound", []) if w["pct_of_limit"] >= warn])


@live_check("live.sequence-limit", "sequences")
def sequence_limit(live, facts: Facts, spec: CheckSpec) -> Outcome:
    warn = float(spec.thresholds.get("warn_pct", 75))
    findings = []
    for s in live.maintenance.get("sequences", []):
        if s["pct_of_limit"] < warn:
            continue
        col = f" feeding {s['table']}.{s['column']} ({s['column_type']})" if s["table"] else ""
        findings.append(Finding(
            check=spec.id, title=f"Sequence {s['sequence']} has used {s['pct_of_limit']:.0f}% of its range",
            subject={"sequence": s["sequence"]},
            evidence=[_ev(live, f"last_value {s['last_value']:,} of {s['limit']:,} ({s['sequence_type']}{col})")]))
    return Outcome.from_findings(findings)


@live_check("live.dead-tuples", "dead_tuples")
def dead_tuples(live, facts: Facts, spec: CheckSpec) -> Outcome:
    ratio, rows = float(spec.thresholds.get("min_dead_ratio", 0.2)), int(spec.thresholds.get("min_dead_rows", 10000))
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"{t['table']} is {100 * t['dead_ratio']:.0f}% dead rows",
                subject={"table": t["table"]},
                evidence=[_ev(live, f"n_dead_tup {t['n_dead_tup']:,}, n_live_tup {t['n_live_tup']:,}, size "
                                    f"{_size(t['size_bytes'])}, last vacuum "
                                    f"{_duration(t['vacuumed_s_ago']) + ' ago' if t['vacuumed_s_ago'] is not None else 'never'}"
                                    + ("; autovacuum disabled on this table" if t["autovacuum_off"] else ""))])
        for t in live.tables.get("dead_tuples", []) if t["dead_ratio"] >= ratio and t["n_dead_tup"] >= rows])


@live_check("live.replication", "replication")
def replication(live, facts: Facts, spec: CheckSpec) -> Outcome:
    r, th = live.replication, spec.thresholds
    lag_s, lag_b, slot_b = float(th.get("max_lag_s", 30)), int(th.get("max_lag_bytes", 100 * 1024 ** 2)), \
        int(th.get("max_slot_retained_bytes", 1024 ** 3))
    findings = []
    if r.get("role") == "replica":
        delay = r.get("replay_delay_s")
        if delay is not None and delay > lag_s:
            findings.append(Finding(check=spec.id, title=f"This replica replays {_duration(delay)} behind its primary",
                                    subject={"replication": "replay_delay"},
                                    evidence=[_ev(live, f"now() - pg_last_xact_replay_timestamp() = {delay} s")]))
    elif not r.get("replicas"):
        findings.append(Finding(check=spec.id, title="No replica is attached to this primary",
                                subject={"replication": "none"},
                                evidence=[_ev(live, "pg_stat_replication is empty (managed services may run replicas "
                                                    "this role cannot see)")]))
    for rep in r.get("replicas", []):
        if (rep["replay_lag_s"] or 0) > lag_s or (rep["lag_bytes"] or 0) > lag_b:
            findings.append(Finding(check=spec.id, title=f"Replica {rep['application']} lags {_duration(rep['replay_lag_s'])}",
                                    subject={"replication": rep["application"]},
                                    evidence=[_ev(live, f"replay_lag {rep['replay_lag_s']} s, {_size(rep['lag_bytes'])} "
                                                        f"of WAL behind, state {rep['state']}")]))
    for s in r.get("slots", []):
        if not s["active"] and (s["retained_bytes"] or 0) > slot_b:
            findings.append(Finding(check=spec.id, title=f"Inactive replication slot {s['slot']} retains "
                                                         f"{_size(s['retained_bytes'])} of WAL",
                                    subject={"slot": s["slot"]},
                                    evidence=[_ev(live, f"{s['type']} slot, inactive")]))
    if findings:
        return Outcome.from_findings(findings)
    return Outcome("pass", note=f"{len(r.get('replicas', []))} replica(s) attached" if r.get("role") == "primary"
                   else "replica within the lag threshold")


# -- shadow database --------------------------------------------------------------------------
def _shadow(facts: Facts):
    shadow = getattr(facts, "shadow", None)
    if shadow is None:
        return None, Outcome("not_applicable", note="no shadow database was run")
    if shadow.error:
        return None, Outcome("undecided", note=shadow.error)
    return shadow, None


@check("db.shadow-migration-failed")
def shadow_migration_failed(facts: Facts, spec: CheckSpec) -> Outcome:
    shadow, na = _shadow(facts)
    if na:
        return na
    by_file: dict[str, list[dict]] = {}
    env = [f for f in shadow.failures if f.get("environment")]
    for f in shadow.failures:
        if not f.get("environment"):
            by_file.setdefault(f["path"], []).append(f)
    env_note = ""
    if env:
        roots = sorted({f"{f['statement'][:60]} ({f['path']}:{f['line']})" for f in env if not f.get("follows")})
        env_note = (f"{len(env)} statement(s) not counted: the shadow database lacks what they need, an extension "
                    f"or superuser rights ({'; '.join(roots[:5])}{'; ...' if len(roots) > 5 else ''})")
    findings = []
    for path, fails in sorted(by_file.items()):
        shown = [Evidence(path, f["error_line"], f"{f['error']}{' (' + f['cause'] + ')' if f['cause'] else ''}: "
                                                 f"{f['statement']}") for f in fails[:20]]
        if len(fails) > 20:
            shown.append(Evidence(path, None, f"and {len(fails) - 20} more failed statements"))
        first = sum(1 for f in fails if not f.get("follows"))
        findings.append(Finding(check=spec.id, title=f"{len(fails)} statement(s) of {path} fail on a fresh PostgreSQL "
                                                     f"({first} at the root, the others follow from earlier failures)"
                                if first != len(fails) else
                                f"{len(fails)} statement(s) of {path} fail on a fresh PostgreSQL",
                                subject={"path": path}, evidence=shown))
    if findings:
        return Outcome("fail", findings, note=env_note)
    s = shadow.statements
    return Outcome("pass", note="; ".join(filter(None, [
        f"{s['applied']} of {s['total']} statements applied ({s['skipped']} transaction-control skipped)", env_note])))


def static_filter_findings(facts: Facts) -> list[Finding]:
    """The static db.unindexed-filter findings, for the planner to confirm or refute."""
    from audit.catalog import CheckSpec as Spec
    from audit.checks.queries import unindexed_filter
    spec = Spec("db.unindexed-filter", "database", "", "medium", 0.0, "", "")
    return unindexed_filter(facts, spec).findings


@check("db.shadow-disagrees")
def shadow_disagrees(facts: Facts, spec: CheckSpec) -> Outcome:
    shadow, na = _shadow(facts)
    if na:
        return na
    from audit.live.shadow import compare, confirm_filters
    if shadow.comparison is None:
        shadow.comparison = compare(facts.schema, shadow)
    if shadow.planner is None:
        shadow.planner = confirm_filters(shadow, static_filter_findings(facts))
    findings = [Finding(check=spec.id, title=f"Static model vs catalog ({d['kind'].replace('_', ' ')}): {d['detail']}",
                        subject={"kind": d["kind"], **d["subject"]},
                        evidence=[Evidence(d["path"], d["line"], f"shadow database: {d['detail']}")])
                for d in shadow.comparison]
    for p in shadow.planner:
        if p["outcome"] != "refuted":
            continue
        used = [q for q in p["queries"] if q.get("index_usable")]
        findings.append(Finding(
            check=spec.id, title=f"The planner can serve the query on {p['table']} ({', '.join(p['columns'])}) "
                                 f"with an index; the static check says none leads with it",
            subject={"kind": "planner", "table": p["table"], "columns": p["columns"]},
            evidence=[Evidence(q["path"], q["line"], f"with enable_seqscan = off the plan uses {q['index']} "
                                                     f"({q['cond'] or 'in index order'})") for q in used]))
    if findings:
        return Outcome.from_findings(findings)
    confirmed = sum(1 for p in shadow.planner if p["outcome"] == "confirmed")
    return Outcome("pass", note=f"catalog agrees with the static model; planner confirmed {confirmed} of "
                                f"{len(shadow.planner)} unindexed-filter findings")
