"""The Infrastructure section as HTML: the area × present / absent / not applicable / unknown
matrix with its evidence, and the third-party APIs the code calls with whether each has a timeout.
``full=True`` (the infrastructure deep dive) shows every signal, every outbound call and the
packages declared."""

from __future__ import annotations

from typing import Any, Mapping

from audit.present.format import esc, plural
from audit.present.html import html_table
from audit.present.infra import (
    STATE_COLUMNS,
    apps_signals,
    infra_counts,
    infra_matrix_frame,
    infra_of,
    outbound_calls_frame,
    packages_frame_infra,
    signals_frame,
)

#: signal lines per matrix cell in the main report (the deep dive shows all)
SIGNALS_PER_CELL = 4
MARK = "●"


def _note(html: str) -> str:
    return f'<p class="sa-note">{html}</p>'


def _empty(text: str) -> str:
    return f'<p class="sa-empty">{esc(text)}</p>'


def _mark_cell(state: str):
    css = state.replace(" ", "-")

    def cell(value: Any) -> str:
        return f'<span class="sa-mark sa-mark-{css}" title="{esc(state)}">{MARK}</span>' if value == MARK else ""

    return cell


def _evidence_cell(value: Any) -> str:
    """Evidence lines: ``path:line — detail`` (the location in monospace), "Not found: ..." and "Searched: ..." set apart."""
    out = []
    for line in str(value or "").split("\n"):
        if not line:
            continue
        if line.startswith("Checks:"):
            out.append(_checks_line(line[len("Checks:"):].strip()))
        elif line.startswith("Searched: "):
            out.append(f'<div class="sa-searched"><strong>Searched:</strong> {esc(line[len("Searched: "):])}</div>')
        elif line.startswith("Not found: "):
            out.append(f'<div class="sa-notfound">{esc(line)}</div>')
        elif " — " in line:
            loc, _, detail = line.partition(" — ")
            out.append(f'<div class="sa-evline"><span class="sa-evloc">{esc(loc)}</span> {esc(detail)}</div>')
        else:
            out.append(f'<div class="sa-evline">{esc(line)}</div>')
    return "".join(out) or "–"


def _checks_line(text: str) -> str:
    """``Checks: fail cache.no-cdn; pass rate.none`` -> each check id with its status in colour."""
    items = []
    for item in text.split("; "):
        status, _, check = item.partition(" ")
        if check:
            items.append(f'<code>{esc(check)}</code> <span class="sa-st sa-st-{esc(status.replace("_", "-"))}">{esc(status.replace("_", " "))}</span>')
    return f'<div class="sa-mchecks">Checks: {", ".join(items)}</div>' if items else '<div class="sa-mchecks">No check judges this area.</div>'


def _timeout_cell(value: Any) -> str:
    text = str(value or "")
    head, _, rest = text.partition(" (")
    css = "sa-yes" if head.startswith("yes") else "sa-no" if head == "no" else "sa-default"
    return f'<span class="{css}">{esc(head)}</span>' + (f' <span class="sa-muted">({esc(rest)}</span>' if rest else "")


MATRIX_WIDTHS = {"Area": "15%", "Present": "8%", "Absent": "8%", "N/A": "7%", "Unknown": "8.5%", "Evidence": "53.5%"}


def infra_matrix_html(doc: Mapping, per_cell: int | None = SIGNALS_PER_CELL) -> str:
    """The matrix: a mark in the state that holds, and the evidence with the checks that judged it under it."""
    frame = infra_matrix_frame(doc, per_cell)
    if not frame.empty:
        checks = ["Checks: " + "; ".join(c.split("\n")) if c else "Checks:" for c in frame["Checks"]]
        evidence = [f"{e}\n{c}" if e else c for e, c in zip(frame["Evidence"], checks)]
        frame = frame.assign(Evidence=evidence).drop(columns=["Checks"])
    formats = {col: _mark_cell(state) for state, col in STATE_COLUMNS.items()}
    formats["Evidence"] = _evidence_cell
    return html_table(frame, formats=formats, css_class="sa-matrix", widths=MATRIX_WIDTHS, empty="No infrastructure facts.")


def infrastructure_html(doc: Mapping, full: bool = False) -> str:
    """The matrix (states counted above it, the apps found as context), then the third-party
    outbound calls and their timeouts. ``full``: every signal per cell, every outbound call, all
    signals and the packages declared."""
    if not infra_of(doc):
        return _empty("The document has no infrastructure facts (facts.infra).")
    counts = infra_counts(doc)
    parts = [
        _note(
            " · ".join(f"<strong>{n}</strong> {esc(state)}" for state, n in counts.items())
            + ". <em>Present</em>: the code uses it (its location given); <em>absent</em>: a check found it missing, or "
            "nothing was found, with what was searched; <em>not applicable</em> (N/A): every related check says it does not apply "
            "(e.g. no server of the repository's own); <em>unknown</em>: a check could not decide, or nothing records "
            "what was searched. Test and tooling files do not count."
        )
    ]
    apps = apps_signals(doc)
    if apps:
        parts.append(_note("Apps and functions found: " + esc("; ".join(apps)) + "."))
    else:
        parts.append(_note("No application server or function of the repository's own was found."))
    parts.append(infra_matrix_html(doc, None if full else SIGNALS_PER_CELL))

    calls = outbound_calls_frame(doc, third_party=True)
    parts.append(f"<h3>Third-party APIs called ({len(calls)})</h3>")
    if calls.empty:
        parts.append(_empty("No call to a known third-party API (OpenAI, Stripe, Google Maps, ...) was found."))
    else:
        without = sum(1 for t in calls["Timeout"] if str(t).startswith("no"))
        parts.append(
            _note(
                f"{plural(len(calls), 'call')}, {plural(without, 'call')} without a timeout: a slow provider then holds the "
                "request, and its connection, as long as it takes."
            )
        )
        parts.append(
            html_table(
                calls,
                css_class="sa-outbound",
                formats={"Timeout": _timeout_cell},
                widths={"Service": "11%", "Location": "25%", "Call": "32%", "Runtime": "9%", "Timeout": "23%"},
            )
        )
    if full:
        every = outbound_calls_frame(doc, third_party=False)
        own = every[every["Service"] == "(own or other)"]
        parts.append(f"<h3>Other outbound HTTP calls ({len(own)})</h3>")
        parts.append(
            html_table(
                own.drop(columns=["Service"]),
                css_class="sa-outbound",
                formats={"Timeout": _timeout_cell},
                empty="No other outbound HTTP call was found.",
                widths={"Location": "28%", "Call": "38%", "Runtime": "10%", "Timeout": "24%"},
            )
        )
        signals = signals_frame(doc)
        parts.append(f"<h3>Every signal ({len(signals)})</h3>")
        parts.append(
            html_table(
                signals,
                css_class="sa-signals",
                empty="No infrastructure signal was found.",
                widths={"Area": "13%", "Location": "22%", "What": "15%", "Runtime": "8%", "Counted": "10%", "Detail": "32%"},
            )
        )
        packages = packages_frame_infra(doc)
        parts.append(f"<h3>Packages declared ({len(packages)})</h3>")
        parts.append(
            html_table(
                packages,
                empty="No infrastructure package is declared in a manifest.",
                widths={"Package": "30%", "For": "22%", "Location": "36%", "Dev only": "12%"},
            )
        )
    return "".join(parts)
