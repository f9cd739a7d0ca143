"""HTML building blocks: plain tables from DataFrames and charts as figures with captions.

No JavaScript: the report prints with WeasyPrint. Cells are escaped unless a column has a
formatter that returns HTML (badges, code), and those escape what they print.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import pandas as pd

from audit.present.charts import figure_data_uri, figure_width_px
from audit.present.format import badge, esc, fmt_factor, fmt_number, fmt_pct, is_missing, multiline


def _check_lines(value: Any) -> str:
    """"high db.x\\nlow db.y" -> one badge and check id per line."""
    out = []
    for line in str(value or "").split("\n"):
        sev, _, check = line.partition(" ")
        if check:
            out.append(f'<div class="sa-checkline">{badge(sev)} <code>{esc(check)}</code></div>')
        elif sev:
            out.append(f"<div><code>{esc(sev)}</code></div>")
    return "".join(out)


FORMATS: dict[str, Callable[[Any], str]] = {
    "Score": lambda v: esc(fmt_pct(v)),
    "Severity": lambda v: badge(v, "sev"),
    "Status": lambda v: badge(v, "status"),
    "Kind": lambda v: badge(v, "kind") if v in ("fact", "default", "assumption", "unknown", "target") else esc(v),
    "Check": lambda v: f"<code>{esc(v)}</code>" if v else "",
    "Checks": _check_lines,
    "Scale factor": lambda v: esc(fmt_factor(v)),
}
CODE_COLUMNS = {
    "Path", "Location", "Defined at", "Evidence", "Settings as written", "Defaults applied", "Table", "Query", "Setting",
    "Asset", "Config", "Definition", "Definitions", "Statement", "Index", "Index names", "Constraint", "Suggested index",
    "Sequence",
}
NUMERIC_COLUMNS = {
    "Available", "Lost", "Score", "Weight", "Findings", "Points available", "Points lost", "Max connections",
    "Columns", "Indexes", "Foreign keys", "Queries", "Not parsed", "With findings", "Served", "Not served",
    "Current", "Required", "Scale factor", "Connections needed", "Change", "Count",
    "Gain (points)", "Raw (kB)", "Gzip (kB)", "Brotli (kB)", "kB", "Initial (kB)", "Lazy (kB)",
    "Bandwidth (Mbit/s)", "Latency (ms)", "Round trips", "Time (s)",
    "Scans", "Seq scans", "Rows per scan", "Index scans", "Live rows", "Dead rows", "Calls", "Total (ms)", "Mean (ms)",
    "Cost", "Cost before", "Cost after", "Last value", "Limit", "Transaction ID age", "Blocks",
    "Concurrent users", "Readiness", "Coverage",
}


def html_table(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    empty: str = "Nothing to show.",
    css_class: str = "",
    widths: Mapping[str, str] | None = None,
) -> str:
    """A plain, escaped HTML table (no JavaScript, prints with WeasyPrint).

    ``formats`` maps a column to a function returning *HTML* for a cell; other cells are
    escaped text (numbers trimmed, newlines kept, paths allowed to wrap). ``widths`` sets
    column widths (CSS lengths).
    """
    if frame is None or frame.empty:
        return f'<p class="sa-empty">{esc(empty)}</p>'
    fmts = {**FORMATS, **(formats or {})}
    cols = list(frame.columns)

    def cell(col: str, value: Any) -> str:
        if col in fmts:
            return fmts[col](value)
        if col in NUMERIC_COLUMNS:
            return esc(fmt_number(value))
        if is_missing(value):
            return "–"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return esc(fmt_number(value))
        return multiline(value)

    def td_class(col: str) -> str:
        # a column with its own formatter styles its cells itself (no monospace for the whole cell)
        code_cell = col in CODE_COLUMNS and not (formats and col in formats)
        classes = [c for c, on in (("sa-num", col in NUMERIC_COLUMNS), ("sa-code", code_cell)) if on]
        return f' class="{" ".join(classes)}"' if classes else ""

    parts = [f'<table class="sa-table {esc(css_class)}">']
    if widths:
        parts.append("<colgroup>")
        parts.extend(f'<col style="width:{esc(widths.get(c, "auto"))}">' for c in cols)
        parts.append("</colgroup>")
    parts.append("<thead><tr>")
    parts.extend(f"<th{td_class(c)}>{esc(c)}</th>" for c in cols)
    parts.append("</tr></thead><tbody>")
    for row in frame.itertuples(index=False, name=None):
        parts.append("<tr>")
        parts.extend(f"<td{td_class(c)}>{cell(c, v)}</td>" for c, v in zip(cols, row))
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def figure_html(fig, caption: str = "", css_class: str = "") -> str:
    """The chart as an inline PNG at its size in inches, with the figure's label as alternative
    text and ``caption`` (HTML: escape what you put in) under it."""
    alt = fig.get_label() or "chart"
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (
        f'<figure class="sa-figure {esc(css_class)}"><img src="{figure_data_uri(fig)}" '
        f'width="{figure_width_px(fig)}" alt="{esc(alt)}">{cap}</figure>'
    )
