"""A Markdown summary of the document, short enough for a pull-request comment."""

from __future__ import annotations

from audit.model import SEVERITIES


def _pct(x, digits: int = 0) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}%"


def to_markdown(doc: dict, limit: int = 15) -> str:
    sc, prof = doc["scorecard"], doc["profile"]
    lines = [f"## scaleaudit: {doc['target']['name']} at {prof['concurrent_users']:,} concurrent users", "",
             f"**Readiness {_pct(sc['overall'], 1)}** (grade {sc['grade']}) · evidence coverage {_pct(sc['coverage'])}"]
    base = sc.get("baseline")
    if base and base["overall"]["delta"] is not None:
        lines[-1] += (f" · {base['overall']['delta']:+.1f} points since the baseline "
                      f"({len(base['new'])} new, {len(base['fixed'])} fixed)")
    profiles = sc.get("profiles") or []
    if profiles:
        lines += ["", "At each scale: " + " · ".join(f"{p['profile']} users {_pct(p['overall'], 1)} ({p['grade']})" for p in profiles)]
    critical = [f for f in doc["findings"] if f["severity"] == "critical"]
    if critical:
        lines += ["", "**Critical:**"] + [f"- `{f['check']}` {f['title']}" for f in critical[:5]]
    lines += ["", "| Area | Score | Findings |", "|---|---:|---:|"]
    for a in sc["areas"]:
        n = sum(c["findings"] for c in a["checks"])
        lines.append(f"| {a['title']} | {_pct(a['score'])}{' (capped)' if a['capped'] else ''} | {n} |")
    cap = sc.get("capacity") or {}
    if cap.get("users_supported") is not None:
        lines += ["", f"Capacity model: about **{cap['users_supported']:,}** concurrent users with the connections "
                      f"found ({cap['connections_usable']} usable, {cap['connections_needed']} needed at peak; "
                      f"bottleneck: {cap['bottleneck']})."]
    counts = ", ".join(f"{sum(f['severity'] == s for f in doc['findings'])} {s}" for s in SEVERITIES
                       if any(f["severity"] == s for f in doc["findings"]))
    lines += ["", f"### Findings ({counts or 'none'})", ""]
    for f in doc["findings"][:limit]:
        ev = f["evidence"][0] if f["evidence"] else {}
        where = f"`{ev['path']}:{ev['line']}`" if ev.get("line") else (f"`{ev['path']}`" if ev.get("path") else "")
        lines.append(f"- **{f['severity']}** `{f['check']}` {f['title']} {where}".rstrip())
    if len(doc["findings"]) > limit:
        lines.append(f"- ... and {len(doc['findings']) - limit} more in the full report")
    return "\n".join(lines) + "\n"
