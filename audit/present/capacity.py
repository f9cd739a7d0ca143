"""Pools, the capacity estimate (``scorecard.capacity``, computed by ``audit.capacity``) and the
deployment facts it reads (``facts.deploy``), as data.

A model value the document leaves as ``null`` prints as "unknown", with the source that says why.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from audit.present.format import fmt_known, fmt_number, fmt_settings, fmt_value, humanize, is_missing, location
from audit.present.load import dicts, get

#: the model inputs in the order a reader follows the arithmetic, with their names in the report
INPUT_LABELS: dict[str, str] = {
    "concurrent_users": "Concurrent users (target)",
    "active_share": "Share of users active at once",
    "requests_per_active_user_per_minute": "Requests per active user per minute",
    "connection_hold_ms_per_request": "Connection held per request (ms)",
    "peak_factor": "Peak over average load",
    "per_process_connections": "Connections per process (largest pool)",
    "processes": "Processes running the pool",
    "server_max_connections": "Server max_connections",
    "reserved_connections": "Reserved for superusers",
}
#: ``capacity.bottleneck`` names one of these limits (see audit.capacity._limits)
POOLS_LIMIT = "application pools"
SERVER_LIMIT = "server max_connections"


def pools_frame(doc: Mapping) -> pd.DataFrame:
    """One row per pool: where it is, its connection ceiling, the options as written and the defaults filled in."""
    rows = []
    for p in dicts(get(doc, "facts", "pools")):
        effective = p.get("effective") or {}
        rows.append(
            {
                "Library": p.get("library", ""),
                "Location": location(p.get("path"), p.get("line")),
                "Max connections": effective.get("max_connections"),
                "Settings as written": fmt_settings(p.get("settings") or {}) or "(none)",
                "Defaults applied": fmt_settings(effective, effective.get("defaults_used") or []) or "(none)",
            }
        )
    return pd.DataFrame(rows, columns=["Library", "Location", "Max connections", "Settings as written", "Defaults applied"])


# --------------------------------------------------------------------------- the capacity estimate


def capacity_of(doc: Mapping) -> dict:
    """``scorecard.capacity``, or {} when the document has none."""
    cap = get(doc, "scorecard", "capacity")
    return cap if isinstance(cap, Mapping) else {}


def input_kind(value: Any, source: Any) -> str:
    """``fact`` (read from a file), ``default`` (a documented default), ``assumption`` or ``unknown``."""
    if is_missing(value):
        return "unknown"
    text = str(source or "").lower()
    if "assum" in text:
        return "assumption"
    if "default" in text:
        return "default"
    return "fact"


def capacity_inputs_frame(doc: Mapping) -> pd.DataFrame:
    """Every input of the model: value, kind (fact, default, assumption, target, unknown) and source."""
    cols = ["Input", "Value", "Kind", "Source"]
    inputs = capacity_of(doc).get("inputs")
    if not isinstance(inputs, Mapping):
        return pd.DataFrame(columns=cols)
    profile = get(doc, "profile", "name") or "?"
    rows = []
    if "concurrent_users" in inputs:
        rows.append((INPUT_LABELS["concurrent_users"], fmt_known(inputs["concurrent_users"]), "target", f"profile {profile}"))
    for name, value in (inputs.get("assumptions") or {}).items():
        rows.append((INPUT_LABELS.get(name, humanize(name).capitalize()), fmt_known(value), "assumption", f"profile {profile}"))
    for name, item in inputs.items():
        if name in ("concurrent_users", "assumptions") or not isinstance(item, Mapping):
            continue
        value, source = item.get("value"), item.get("source") or ""
        rows.append((INPUT_LABELS.get(name, humanize(name).capitalize()), fmt_known(value), input_kind(value, source), source))
    order = list(INPUT_LABELS.values())
    rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
    return pd.DataFrame(rows, columns=cols)


def capacity_table_frame(doc: Mapping) -> pd.DataFrame:
    """The seeds' Current → Required → Scale factor table, each number with where it came from."""
    rows = [
        {
            "Metric": r.get("metric", ""),
            "Current": fmt_known(r.get("current")),
            "Required": fmt_known(r.get("required")),
            "Scale factor": r.get("scale_factor"),
            "Current from": r.get("current_source") or "",
            "Required from": r.get("required_source") or "",
        }
        for r in dicts(capacity_of(doc).get("table"))
    ]
    return pd.DataFrame(rows, columns=["Metric", "Current", "Required", "Scale factor", "Current from", "Required from"])


def sensitivity_frame(doc: Mapping) -> pd.DataFrame:
    """How the estimate moves when each assumption doubles: connections needed, users supported."""
    rows = []
    for s in dicts(capacity_of(doc).get("sensitivity")):
        before, after = s.get("users_supported_before"), s.get("users_supported")
        change = (
            f"{100.0 * (after - before) / before:+.0f}%"
            if isinstance(before, (int, float)) and isinstance(after, (int, float)) and before
            else "unknown"
        )
        rows.append(
            {
                "Assumption": INPUT_LABELS.get(s.get("assumption", ""), humanize(s.get("assumption", "")).capitalize()),
                "Value": fmt_known(s.get("value")),
                "Doubled": fmt_known(s.get("doubled")),
                "Connections needed": fmt_known(s.get("connections_needed")),
                "Users supported": f"{fmt_known(before)} → {fmt_known(after)}",
                "Change": change,
            }
        )
    return pd.DataFrame(rows, columns=["Assumption", "Value", "Doubled", "Connections needed", "Users supported", "Change"])


def _input(cap: Mapping, name: str) -> tuple[Any, str]:
    item = get(cap, "inputs", name)
    if isinstance(item, Mapping):
        return item.get("value"), item.get("source") or ""
    return None, "not in the document"


def capacity_summary(doc: Mapping) -> dict:
    """The estimate's headline, with the reasons for anything unknown.

    ``{"present", "model", "users", "rps", "needed", "usable", "bottleneck", "supported",
    "supported_pct", "unknown"}``; ``unknown`` lists ``(input label, source)`` for each input
    without a value.
    """
    cap = capacity_of(doc)
    users = get(cap, "inputs", "concurrent_users", default=get(doc, "profile", "concurrent_users"))
    supported = cap.get("users_supported")
    unknown = []
    for name in ("per_process_connections", "processes", "server_max_connections"):
        value, source = _input(cap, name)
        if is_missing(value):
            unknown.append((INPUT_LABELS[name], source))
    return {
        "present": bool(cap),
        "model": cap.get("model") or "",
        "users": users,
        "rps": cap.get("requests_per_second"),
        "needed": cap.get("connections_needed"),
        "usable": cap.get("connections_usable"),
        "bottleneck": cap.get("bottleneck"),
        "supported": supported,
        "supported_pct": (
            100.0 * supported / users
            if isinstance(supported, (int, float)) and isinstance(users, (int, float)) and users
            else None
        ),
        "unknown": unknown,
    }


def needed_arithmetic(doc: Mapping) -> str:
    """The model's arithmetic with the document's numbers, e.g.
    ``10,000 users × 0.3 active × 10 requests/min ÷ 60 × 0.05 s held × 3 peak = 75 connections``;
    "" when an input is missing."""
    cap = capacity_of(doc)
    a = get(cap, "inputs", "assumptions", default={})
    users = get(cap, "inputs", "concurrent_users")
    names = ("active_share", "requests_per_active_user_per_minute", "connection_hold_ms_per_request")
    if is_missing(users) or any(is_missing(a.get(n)) for n in names) or is_missing(cap.get("connections_needed")):
        return ""
    peak = a.get("peak_factor", 1)
    return (
        f"{fmt_number(users)} users × {fmt_number(a['active_share'])} active × "
        f"{fmt_number(a['requests_per_active_user_per_minute'])} requests/min ÷ 60 × "
        f"{fmt_number(a['connection_hold_ms_per_request'] / 1000)} s held × {fmt_number(peak)} peak "
        f"= {fmt_number(cap['connections_needed'])} connections busy at peak (rounded up)"
    )


def connection_budget_frame(doc: Mapping) -> pd.DataFrame:
    """The bars of the connection budget: needed at peak, usable through the pools
    (per process × processes), the server's max_connections; which limit is the bottleneck."""
    cols = ["Bar", "Connections", "Detail", "Role", "Bottleneck"]
    cap = capacity_of(doc)
    if not cap:
        return pd.DataFrame(columns=cols)
    per, per_src = _input(cap, "per_process_connections")
    procs, procs_src = _input(cap, "processes")
    server, server_src = _input(cap, "server_max_connections")
    reserved, _ = _input(cap, "reserved_connections")
    needed = cap.get("connections_needed")
    users = get(cap, "inputs", "concurrent_users")
    pools = per * procs if not is_missing(per) and not is_missing(procs) else None
    if pools is None:
        pools_detail = "unknown: " + "; ".join(src for v, src in ((per, per_src), (procs, procs_src)) if is_missing(v))
    else:
        pools_detail = f"{fmt_number(per)} per process × {fmt_number(procs)} process{'es' if procs != 1 else ''}"
    if is_missing(server):
        server_detail = f"unknown: {server_src}"
    else:
        server_detail = server_src + (f"; {fmt_number(reserved)} reserved for superusers" if reserved else "")
    bottleneck = cap.get("bottleneck")
    rows = [
        ("Needed at peak", needed, f"Little's law at {fmt_known(users)} concurrent users", "need", False),
        ("Usable through the pools", pools, pools_detail, "limit", bottleneck == POOLS_LIMIT),
        ("Server max_connections", server, server_detail, "limit", bottleneck == SERVER_LIMIT),
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- deployment facts


def deploy_of(doc: Mapping) -> dict:
    dep = get(doc, "facts", "deploy")
    return dep if isinstance(dep, Mapping) else {}


def processes_frame(doc: Mapping) -> pd.DataFrame:
    """How many processes run the app: workers, replicas, serverless functions (``count`` unknown when not fixed)."""
    rows = [
        {
            "Kind": p.get("kind", ""),
            "Count": fmt_known(p.get("count")),
            "Setting": p.get("setting") or "",
            "Location": location(p.get("path"), p.get("line")),
            "Detail": p.get("detail") or "",
        }
        for p in dicts(deploy_of(doc).get("processes"))
    ]
    return pd.DataFrame(rows, columns=["Kind", "Count", "Setting", "Location", "Detail"])


def server_limits_frame(doc: Mapping) -> pd.DataFrame:
    """The database server's connection limits found in config (a value read from the environment shows as ``env:NAME``)."""
    rows = []
    for s in dicts(deploy_of(doc).get("server_limits")):
        value = s.get("value")
        shown = fmt_number(value) if not is_missing(value) else (f"env:{s['env']}" if s.get("env") else "unknown")
        rows.append(
            {
                "Setting": s.get("setting", ""),
                "Value": shown,
                "Source": s.get("source") or "",
                "Location": location(s.get("path"), s.get("line")),
            }
        )
    return pd.DataFrame(rows, columns=["Setting", "Value", "Source", "Location"])


def poolers_frame(doc: Mapping) -> pd.DataFrame:
    """PgBouncer / Supavisor / Supabase pooler configurations, with their defaults filled in."""
    rows = []
    for p in dicts(deploy_of(doc).get("poolers")):
        settings = p.get("settings") or {}
        defaults = list(p.get("defaults_used") or [])
        written = {k: v for k, v in settings.items() if k not in defaults}
        rows.append(
            {
                "Kind": p.get("kind", ""),
                "Location": location(p.get("path"), p.get("line")),
                "Settings as written": fmt_settings(written) or "(none)",
                "Defaults applied": fmt_settings(settings, defaults) or "(none)",
            }
        )
    return pd.DataFrame(rows, columns=["Kind", "Location", "Settings as written", "Defaults applied"])


def pooler_urls_frame(doc: Mapping) -> pd.DataFrame:
    """Connection strings that go through a pooler (the URLs themselves are never copied)."""
    rows = [
        {"Location": location(u.get("path"), u.get("line")), "Through a pooler because": fmt_value(u.get("via") or "")}
        for u in dicts(deploy_of(doc).get("pooler_urls"))
    ]
    return pd.DataFrame(rows, columns=["Location", "Through a pooler because"])


def env_frame(doc: Mapping) -> pd.DataFrame:
    """Settings read from ``.env.example``-style files and compose (secrets are masked in the document)."""
    env = deploy_of(doc).get("env")
    rows = [
        {
            "Name": name,
            "Value": fmt_value(item.get("value")) if isinstance(item, Mapping) else fmt_value(item),
            "Service": (item.get("service") or "") if isinstance(item, Mapping) else "",
            "Location": location(item.get("path"), item.get("line")) if isinstance(item, Mapping) else "",
        }
        for name, item in sorted(env.items())
    ] if isinstance(env, Mapping) else []
    return pd.DataFrame(rows, columns=["Name", "Value", "Service", "Location"])
