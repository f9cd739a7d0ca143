"""The per-area deep dives (notebooks/database.ipynb, capacity.ipynb, frontend.ipynb,
infrastructure.ipynb, live_postgres.ipynb): their header, their findings in full, and the long lists the
main report leaves out. Each deep dive renders the same document as the main report, which links
to it as ``<name>.html`` in the same folder."""

from __future__ import annotations

from typing import Iterable, Mapping

from audit.present.capacity import env_frame
from audit.present.database import all_queries_frame, foreign_keys_frame, indexes_frame, policies_frame
from audit.present.format import code, esc, fmt_number, plural
from audit.present.frames import summary
from audit.present.html import html_table
from audit.present.infra import INFRA_AREAS
from audit.present.live import LIVE_AREA
from audit.present.load import areas_of, findings_of
from audit.present.sections import findings_html, queries_html

#: the deep dives: notebook (and HTML) name -> title, and the scorecard areas whose findings each lists in full
DEEP_DIVES: dict[str, str] = {
    "database": "Database",
    "capacity": "Pools & capacity",
    "frontend": "Front end",
    "infrastructure": "Infrastructure",
    "live_postgres": "Live and shadow database",
}
DEEP_DIVE_AREAS: dict[str, tuple[str, ...]] = {
    "database": ("database",),
    "capacity": ("pooling", "scaling"),
    "frontend": ("frontend",),
    "infrastructure": INFRA_AREAS,
    "live_postgres": (LIVE_AREA,),
}
MAIN_REPORT = "readiness.html"


def deep_dive_header_html(doc: Mapping, name: str) -> str:
    """The deep dive's title (``Database: booking-api``), what it is part of, with a link back to the main report."""
    s = summary(doc)
    title = DEEP_DIVES.get(name, name.capitalize())
    profile = f"profile {s['profile']}" if s["profile"] else "no profile"
    if s["concurrent_users"]:
        profile += f" ({fmt_number(s['concurrent_users'])} concurrent users)"
    tool = " · ".join(x for x in (f"scaleaudit {esc(s['tool_version'])}" if s["tool_version"] else "", esc(s["generated_at"])) if x)
    return (
        '<div class="sa-summary sa-deep">'
        f'<h1 class="sa-title">{esc(title)}: {esc(s["target"])}</h1>'
        f'<p class="sa-meta">Deep dive of the readiness report (<a href="{MAIN_REPORT}">{MAIN_REPORT}</a>), the same document '
        f"in full detail · target {code(s['target_path'] or s['target'])} · {esc(profile)}</p>"
        + (f'<p class="sa-meta sa-small">{tool}</p>' if tool else "")
        + "</div>"
    )


def area_findings_html(doc: Mapping, areas: str | Iterable[str]) -> str:
    """Every finding of the given scorecard areas (none capped), grouped like the main report's findings."""
    wanted = {areas} if isinstance(areas, str) else set(areas)
    findings = [f for f in findings_of(doc) if f.get("area") in wanted]
    titles = [a.get("title") or a.get("area") for a in areas_of(doc) if a.get("area") in wanted]
    if not findings:
        where = ", ".join(str(t) for t in titles) or ", ".join(sorted(wanted))
        return f'<p class="sa-allclear">No findings in {esc(where)}.</p>'
    note = (
        f'<p class="sa-note">All {plural(len(findings), "finding")} of {esc(", ".join(str(t) for t in titles) or ", ".join(sorted(wanted)))}, '
        "each with every line of its evidence.</p>"
    )
    return note + findings_html({**doc, "findings": findings}, per_check=None, full_evidence=True)


def schema_detail_html(doc: Mapping) -> str:
    """Every index, foreign key and row-level-security policy of the schema model."""
    parts = []
    for title, frame, widths, none in (
        ("Indexes", indexes_frame(doc), {"Index": "20%", "Table": "15%", "Key columns": "14%", "Method": "7%", "Kind": "16%", "Defined at": "28%"},
         "No index in the migrations."),
        ("Foreign keys", foreign_keys_frame(doc), {"Table": "20%", "Key columns": "16%", "References": "22%", "Indexed": "14%", "Defined at": "28%"},
         "No foreign key in the migrations."),
        ("Row-level-security policies", policies_frame(doc),
         {"Table": "15%", "Policy": "19%", "Command": "9%", "Roles": "10%", "Using / with check": "26%", "Defined at": "21%"},
         "No row-level-security policy in the migrations."),
    ):
        parts.append(f"<h3>{esc(title)} ({len(frame)})</h3>")
        parts.append(html_table(frame, widths=widths, empty=none))
    return "".join(parts)


def queries_detail_html(doc: Mapping) -> str:
    """The queries section with the index coverage of every table, then every query found in the code."""
    frame = all_queries_frame(doc)
    return (
        queries_html(doc, coverage_tables=None)
        + f"<h3>Every query found in the code ({len(frame)})</h3>"
        + html_table(
            frame,
            css_class="sa-allqueries",
            empty="No query was found in the code.",
            widths={"Location": "22%", "Source": "10%", "Tables": "16%", "Query": "38%", "Notes": "14%"},
        )
    )


def env_html(doc: Mapping) -> str:
    """The settings read from env files and compose (secrets masked)."""
    return html_table(
        env_frame(doc),
        empty="No .env.example-style file or compose environment was read.",
        widths={"Name": "28%", "Value": "32%", "Service": "12%", "Location": "28%"},
    )


def deep_dive_findings_html(doc: Mapping, name: str) -> str:
    """Every finding of the deep dive ``name``'s areas (``DEEP_DIVE_AREAS``), none capped."""
    return area_findings_html(doc, DEEP_DIVE_AREAS.get(name, (name,)))
