"""Text for the report: numbers, percentages, locations, settings, and escaped HTML fragments.

Anything that comes from the audited repository (titles, paths, details, settings) is
untrusted text: every function here that returns HTML escapes what it prints.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

import pandas as pd

from audit.model import SEVERITIES

GRADE_COLORS: dict[str, str] = {
    "A": "#15803d",
    "B": "#4d7c0f",
    "C": "#a16207",
    "D": "#c2410c",
    "F": "#b91c1c",
    "n/a": "#6b7280",
}
#: severities in charts: the badges' hues (scaleaudit.css, ``.sa-sev-*``), medium and info lighter so
#: that neighbours in a stacked bar stand apart
SEVERITY_COLORS: dict[str, str] = {
    "critical": "#991b1b",
    "high": "#c2410c",
    "medium": "#f59e0b",
    "low": "#1d4ed8",
    "info": "#9ca3af",
}
UNKNOWN = "unknown"


def is_missing(value: Any) -> bool:
    """None, NaN and pandas' NA are missing; anything else (0, "", False) is a value."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_number(value: Any) -> str:
    """3 -> "3", 2.5 -> "2.5", 1.333333 -> "1.33", 10000 -> "10,000", None -> "–"."""
    if is_missing(value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def fmt_known(value: Any) -> str:
    """Like ``fmt_number``, but a missing value reads "unknown" (model inputs and outputs)."""
    return UNKNOWN if is_missing(value) else fmt_number(value)


def fmt_pct(value: Any) -> str:
    """39.14 -> "39.1%", 100 -> "100%", None/NaN -> "n/a"."""
    if is_missing(value):
        return "n/a"
    value = float(value)
    return f"{value:.0f}%" if value.is_integer() else f"{value:.1f}%"


def fmt_factor(value: Any) -> str:
    """3.75 -> "3.8×", None -> "unknown"."""
    if is_missing(value):
        return UNKNOWN
    return f"{fmt_number(round(float(value), 1))}×"


def location(path: Any, line: Any = None) -> str:
    """``path:line`` (``path`` alone when the line is unknown, "" when there is no path)."""
    if not path:
        return ""
    return f"{path}:{line}" if line not in (None, "") else str(path)


def fmt_value(value: Any) -> str:
    """Settings values as a person would write them (no Python reprs)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k} = {fmt_value(v)}" for k, v in value.items())
    if isinstance(value, float):
        return fmt_number(value)
    return str(value)


def fmt_settings(settings: Any, keys: Iterable[str] | None = None) -> str:
    """``{"max": 20, "ssl": true}`` -> ``"max = 20\\nssl = true"`` (sorted; only ``keys`` when given)."""
    if not isinstance(settings, Mapping):
        return ""
    names = sorted(settings) if keys is None else sorted(k for k in keys)
    return "\n".join(f"{k} = {fmt_value(settings[k])}" if k in settings else str(k) for k in names)


def fmt_subject(subject: Any) -> str:
    """``{"table": "public.t", "columns": ["a"]}`` -> ``table public.t, columns a``."""
    if not isinstance(subject, Mapping):
        return "" if subject is None else str(subject)
    return ", ".join(f"{k} {fmt_value(v)}" for k, v in subject.items())


def humanize(name: Any) -> str:
    """``requests_per_active_user_per_minute`` -> ``requests per active user per minute``."""
    return str(name).replace("_", " ")


def plural(n: int, word: str, many: str | None = None) -> str:
    """``plural(1, "finding")`` -> "1 finding"; ``plural(3, "query", "queries")`` -> "3 queries"."""
    return f"{fmt_number(n)} {word if n == 1 else (many or word + 's')}"


def shorten(text: Any, limit: int) -> str:
    """One line of at most ``limit`` characters, cut at a word with "…" when longer."""
    one = " ".join(str(text or "").split())
    if len(one) <= limit:
        return one
    cut = one[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut).rstrip(" ,;") + "…"


@lru_cache(maxsize=1)
def default_grade_bands() -> tuple[dict[str, Any], ...]:
    """The catalog's grade bands (checks/profiles.toml), for documents that do not carry their own."""
    from audit.catalog import load_catalog, load_profile

    return tuple({"grade": g, "min": low} for g, low in load_catalog(load_profile()).grades)


def grade_for(score: Any, bands: Iterable[Mapping[str, Any]] | None = None) -> str:
    """The letter for ``score`` under ``bands`` (the catalog's when none are given)."""
    if is_missing(score):
        return "n/a"
    for band in sorted(bands or default_grade_bands(), key=lambda b: -float(b.get("min", 0))):
        if float(score) >= float(band.get("min", 0)):
            return str(band.get("grade", "?"))
    return "F"


def severity_rank(severity: Any) -> int:
    """0 for critical ... 4 for info; unknown severities sort last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


# --------------------------------------------------------------------------- HTML fragments


def esc(value: Any) -> str:
    """Escaped text. Paths and ids need nothing more: lines break after "/" and "-", CSS
    ``overflow-wrap`` breaks the rest (no <wbr>: WeasyPrint mis-breaks it inside <code>)."""
    return html.escape("" if value is None else str(value), quote=True)


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def prose(value: Any) -> str:
    """Escaped text with Markdown code spans (`like this`) shown as <code> (the catalog's why/fix use them)."""
    return _CODE_SPAN.sub(lambda m: f"<code>{m.group(1)}</code>", esc(value))


def code(value: Any) -> str:
    """``<code>value</code>``, escaped; "" for an empty value."""
    return f"<code>{esc(value)}</code>" if value not in (None, "") else ""


def badge(value: Any, kind: str = "sev") -> str:
    """A coloured label: ``badge("high")``, ``badge("not_applicable", "status")``, ``badge("fact", "kind")``."""
    v = esc(value)
    css = esc(str(value).replace("_", "-"))
    return f'<span class="sa-badge sa-{kind}-{css}">{v.replace("_", " ")}</span>' if v else ""


def multiline(text: Any) -> str:
    """Escaped text with its newlines as <br>."""
    lines = str(text).split("\n") if text not in (None, "") else []
    return "<br>".join(esc(line) for line in lines)
