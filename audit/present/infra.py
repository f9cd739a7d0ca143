"""The infrastructure facts (``facts.infra``: caches, CDN, read scaling, rate limiting, sessions,
realtime, queues, load balancers, outbound calls, resilience, monitoring, load tests) as data.

The matrix says, per area, whether the audit found it *present*, *absent* (with what was
searched), *not applicable* or *unknown*, from the checks' statuses in ``scorecard.areas`` and
the signals themselves; every cell carries its evidence.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from audit.present.format import fmt_value, location, shorten
from audit.present.load import checks_of, dicts, findings_of, get

#: the matrix rows: category of ``facts.infra`` -> what the report calls it
CATEGORIES: dict[str, str] = {
    "caches": "Server cache",
    "http_cache": "HTTP caching headers",
    "cdn": "CDN / edge",
    "read_scaling": "Read scaling",
    "rate_limits": "Rate limiting",
    "sessions": "Session store",
    "realtime": "Realtime fan-out",
    "queues": "Background queues",
    "load_balancers": "Load balancer",
    "outbound_calls": "Outbound HTTP calls",
    "retries": "Retries",
    "circuit_breakers": "Circuit breakers",
    "shutdown": "Graceful shutdown",
    "health": "Health checks",
    "monitoring": "Monitoring",
    "load_tests": "Load tests",
}
#: the checks that judge each category (the catalog's infrastructure checks); a finding whose
#: subject says ``{"searched": category}`` adds its check too
CATEGORY_CHECKS: dict[str, tuple[str, ...]] = {
    "caches": ("cache.no-server-cache",),
    "http_cache": ("cache.no-http-cache-headers",),
    "cdn": ("cache.no-cdn",),
    "read_scaling": ("scale.no-read-replica",),
    "rate_limits": ("rate.none", "rate.in-memory-store"),
    "sessions": ("scale.in-process-sessions",),
    "realtime": ("scale.realtime-single-node",),
    "queues": (),
    "load_balancers": (),
    "outbound_calls": ("resilience.no-timeouts", "deps.third-party-no-timeout"),
    "retries": ("resilience.no-retries",),
    "circuit_breakers": (),
    "shutdown": (),
    "health": ("resilience.no-health-check",),
    "monitoring": ("obs.no-error-tracking", "obs.no-metrics"),
    "load_tests": ("test.no-load-tests",),
}
#: categories that only mean something for a server or function of the repository's own: with
#: no check to judge them and no such app found, they are not applicable
SERVER_ONLY = {"queues", "load_balancers", "circuit_breakers", "shutdown"}
BACKEND = ("server", "edge")
STATES: tuple[str, ...] = ("present", "absent", "not applicable", "unknown")
#: the scorecard areas whose findings the infrastructure deep dive lists in full
INFRA_AREAS: tuple[str, ...] = ("caching", "read_scaling", "rate_limiting", "resilience", "observability", "load_testing")
_SEARCHED_SUFFIX = " (test and tooling files not counted)"


def infra_of(doc: Mapping) -> dict:
    """``facts.infra``, or {} when the document has none."""
    inf = get(doc, "facts", "infra")
    return inf if isinstance(inf, Mapping) else {}


def counted(signal: Mapping) -> bool:
    """Whether the checks count a signal: used by the code, not a configuration-only hint."""
    return signal.get("used", True) is not False and not signal.get("configured_only")


def signal_line(s: Mapping, chars: int = 110) -> str:
    """``path:line — library: detail (runtime; store: memory)`` for one signal."""
    loc = location(s.get("path"), s.get("line"))
    what = s.get("library") or s.get("kind") or ""
    extras = []
    if s.get("runtime") and s.get("runtime") not in ("server", "config"):
        extras.append(str(s["runtime"]))
    for key in ("store", "adapter", "key"):
        if s.get(key) and s.get(key) != "unknown":
            extras.append(f"{key}: {fmt_value(s[key])}")
    if not counted(s):
        why = "configuration only" if s.get("configured_only") else "imported, never called"
        if why not in str(s.get("detail") or ""):
            extras.append(why)
    detail = shorten(s.get("detail"), chars)
    text = f"{what}: {detail}" if what and detail else (what or detail)
    text += f" ({'; '.join(extras)})" if extras else ""
    return f"{loc} — {text}" if loc else text


def _evidence_text(e: Mapping, chars: int = 160) -> str:
    loc, detail = location(e.get("path"), e.get("line")), shorten(e.get("detail"), chars)
    return f"{loc} — {detail}" if loc and detail else (loc or detail)


def _searched_sentence(text: Any) -> str:
    s = str(text or "").strip()
    if s.lower().startswith("searched:"):
        s = s[len("searched:"):].strip()
    if s.endswith(_SEARCHED_SUFFIX):
        s = s[: -len(_SEARCHED_SUFFIX)]
    return s


def has_backend(doc: Mapping) -> bool | None:
    """Whether the repository runs a server or function of its own (None when the document has no apps list)."""
    apps = infra_of(doc).get("apps")
    if not isinstance(apps, list):
        return None
    return any(a.get("runtime") in BACKEND for a in dicts(apps))


def infra_matrix(doc: Mapping, per_cell: int | None = 4) -> list[dict]:
    """One row per category: ``{"category", "area", "state", "evidence", "searched", "checks",
    "signals", "more"}``.

    ``state`` is one of ``STATES``: *present* when the code uses something of the category (and
    no related check found it missing in every respect); *absent* when a check reported it
    missing, or nothing was found and the document says what was searched (``searched`` is that
    sentence); *not applicable* when every related check is (e.g. no server of its own); *unknown*
    otherwise (a check undecided, or nothing found with no record of what was searched).
    ``evidence`` holds ``path:line — detail`` lines (at most ``per_cell`` signal lines, all with
    None; ``more`` counts the rest); ``checks`` is ``[(check, status, note)]``.
    """
    inf = infra_of(doc)
    if not inf:
        return []
    statuses = {c.get("check"): (c.get("status") or "", c.get("note") or "") for _, c in checks_of(doc)}
    searched_all = inf.get("searched") if isinstance(inf.get("searched"), Mapping) else {}
    backend = has_backend(doc)
    rows = []
    for cat, label in CATEGORIES.items():
        signals = dicts(inf.get(cat))
        used = [s for s in signals if counted(s)]
        absences = [f for f in findings_of(doc) if get(f, "subject", "searched") == cat]
        check_ids = list(dict.fromkeys([*CATEGORY_CHECKS.get(cat, ()), *(f.get("check", "") for f in absences)]))
        checks = [(c, *statuses[c]) for c in check_ids if c in statuses]
        absent_checks = {f.get("check") for f in absences}
        searched = _searched_sentence(searched_all.get(cat)) or next(
            (_searched_sentence(e.get("detail")) for f in absences for e in dicts(f.get("evidence"))
             if str(e.get("detail") or "").lower().startswith("searched:")),
            "",
        )
        kept_by_other = any(s in ("pass", "fail") and c not in absent_checks for c, s, _ in checks)
        evidence: list[str] = []
        more = 0

        def signal_lines(items: list[dict]) -> None:
            nonlocal more
            shown = items if per_cell is None else items[:per_cell]
            evidence.extend(signal_line(s) for s in shown)
            more += len(items) - len(shown)

        def absence_lines() -> None:
            seen: set[str] = set()
            for f in absences:
                evidence.append(f"Not found: {f.get('title', '')} ({f.get('check', '')})")
                for e in dicts(f.get("evidence")):
                    if str(e.get("detail") or "").lower().startswith("searched:"):
                        continue
                    line = _evidence_text(e)
                    if line and line not in seen:
                        seen.add(line)
                        evidence.append(line)

        if used and (not absences or kept_by_other):
            state = "present"
            signal_lines(used)
            absence_lines()
            searched = searched if absences else ""
        elif absences:
            state = "absent"
            absence_lines()
        elif checks and all(s == "not_applicable" for _, s, _ in checks):
            state = "not applicable"
            evidence.extend(f"{c}: {n}" if n else f"{c}: not applicable" for c, _, n in checks)
            searched = ""
        elif any(s == "undecided" for _, s, _ in checks):
            state = "unknown"
            evidence.extend(f"{c}: {n or 'undecided'}" for c, s, n in checks if s == "undecided")
            searched = ""
        elif not checks and cat in SERVER_ONLY and backend is False and not used:
            state = "not applicable"
            evidence.append("no application server or function of the repository's own was found")
            searched = ""
        elif searched and not used:
            state = "absent"
        else:
            state = "unknown"
            evidence.append("nothing found; the document does not say what was searched for this area")
            searched = ""
        if state != "present" and signals:  # found but not counted: context for the verdict
            signal_lines([s for s in signals if s not in used] if state == "absent" else signals)
        rows.append(
            {
                "category": cat,
                "area": label,
                "state": state,
                "evidence": evidence,
                "searched": searched if state in ("absent", "present") else "",
                "checks": checks,
                "signals": len(used),
                "more": more,
            }
        )
    return rows


#: the matrix's state columns, by state
STATE_COLUMNS: dict[str, str] = {"present": "Present", "absent": "Absent", "not applicable": "N/A", "unknown": "Unknown"}


def infra_matrix_frame(doc: Mapping, per_cell: int | None = 4) -> pd.DataFrame:
    """The matrix as a table: Area, one column per state (``●`` in the one that holds; N/A is
    not applicable), Evidence (lines; an absence ends with ``Searched: ...``) and Checks
    (``status check`` per line)."""
    cols = ["Area", *STATE_COLUMNS.values(), "Evidence", "Checks"]
    rows = []
    for r in infra_matrix(doc, per_cell):
        lines = list(r["evidence"])
        if r["more"]:
            lines.append(f"+{r['more']} more")
        if r["searched"]:
            lines.append(f"Searched: {r['searched']}.")
        rows.append(
            {
                "Area": r["area"],
                **{col: "●" if r["state"] == state else "" for state, col in STATE_COLUMNS.items()},
                "Evidence": "\n".join(lines),
                "Checks": "\n".join(f"{status} {check}" for check, status, _ in r["checks"]),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def infra_counts(doc: Mapping) -> dict[str, int]:
    """How many areas are in each state, in ``STATES`` order."""
    counts = {s: 0 for s in STATES}
    for r in infra_matrix(doc):
        counts[r["state"]] += 1
    return counts


# --------------------------------------------------------------------------- outbound calls


def timeout_text(call: Mapping) -> str:
    """``yes (5000)``, ``library default 30 s`` or ``no (<why>)`` for an outbound call."""
    timeout = call.get("timeout")
    if timeout not in (None, "", False):
        return f"yes ({fmt_value(timeout)})" if timeout is not True else "yes"
    default = call.get("timeout_default_s")
    if default is not None:
        return f"library default {fmt_value(default)} s"
    why = call.get("defaults_source")
    return f"no ({why})" if why else "no"


def outbound_calls_frame(doc: Mapping, third_party: bool = True) -> pd.DataFrame:
    """Outbound HTTP calls: the third-party ones (a known ``service``) by default, all with
    ``third_party=False``; where, what they call and whether they have a timeout."""
    cols = ["Service", "Location", "Call", "Runtime", "Timeout"]
    rows = []
    for c in dicts(infra_of(doc).get("outbound_calls")):
        if third_party and not c.get("service"):
            continue
        target = c.get("target") or c.get("detail") or ""
        rows.append(
            {
                "Service": c.get("service") or "(own or other)",
                "Location": location(c.get("path"), c.get("line")),
                "Call": f"{c.get('library') or c.get('kind') or ''}: {shorten(target, 90)}".strip(": "),
                "Runtime": c.get("runtime") or "",
                "Timeout": timeout_text(c),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def signals_frame(doc: Mapping) -> pd.DataFrame:
    """Every signal of every matrix category (used or not), in category order: for the deep dive."""
    cols = ["Area", "Location", "What", "Runtime", "Counted", "Detail"]
    inf = infra_of(doc)
    rows = []
    for cat, label in {**CATEGORIES, "client_caches": "Client caches", "apps": "Apps and functions"}.items():
        for s in dicts(inf.get(cat)):
            rows.append(
                {
                    "Area": label,
                    "Location": location(s.get("path"), s.get("line")),
                    "What": " · ".join(str(x) for x in dict.fromkeys((s.get("library"), s.get("kind"))) if x),
                    "Runtime": s.get("runtime") or "",
                    "Counted": "yes" if counted(s) else ("configuration only" if s.get("configured_only") else "no (never called)"),
                    "Detail": shorten(s.get("detail"), 200),
                }
            )
    return pd.DataFrame(rows, columns=cols)


def apps_signals(doc: Mapping) -> list[str]:
    """``express at backend/src/server.ts:15 (server)`` for each app or function found."""
    return [
        f"{a.get('library') or a.get('kind')} at {location(a.get('path'), a.get('line'))} ({a.get('runtime') or '?'})"
        for a in dicts(infra_of(doc).get("apps"))
    ]


def packages_frame_infra(doc: Mapping) -> pd.DataFrame:
    """Packages declared for an infrastructure category in a manifest, whether or not code calls them."""
    cols = ["Package", "For", "Location", "Dev only"]
    rows = [
        {
            "Package": p.get("library") or "",
            "For": CATEGORIES.get(p.get("kind"), str(p.get("kind") or "").replace("_", " ")),
            "Location": location(p.get("path"), p.get("line")),
            "Dev only": "yes" if p.get("dev") else "no",
        }
        for p in dicts(infra_of(doc).get("packages"))
    ]
    return pd.DataFrame(rows, columns=cols)
