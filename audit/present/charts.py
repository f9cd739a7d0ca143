"""The report's charts: seaborn on matplotlib ``Figure`` objects (no pyplot state), sized in
inches for an A4 page, each labelled (``fig.get_label()``) with the data it plots so the
image's alternative text can say it."""

from __future__ import annotations

import base64
import io
from typing import Mapping

import pandas as pd

from audit.present.capacity import connection_budget_frame
from audit.present.database import index_coverage_frame
from audit.present.format import GRADE_COLORS, default_grade_bands, fmt_known, fmt_pct, grade_for, is_missing
from audit.present.frontend import bytes_by_kind_frame, packages_frame, packages_info
from audit.present.live import connection_bars_frame
from audit.present.load import areas_of, get

CHART_WIDTH_IN = 7.0  # A4 (210 mm) minus the report's 14 mm margins each side is 7.2 in
CHART_DPI = 200  # sharp in print; the report shows the PNG at its size in inches (96 CSS px per inch)
INK, MUTED, RULE = "#111827", "#4b5563", "#d1d5db"
SERVED, NOT_SERVED = "#15803d", "#c2410c"
INITIAL, LAZY = "#1d4ed8", "#93c5fd"
NEED, LIMIT_OK, LIMIT_SHORT, LIMIT_OTHER = "#374151", "#15803d", "#b91c1c", "#9ca3af"


def _new_figure(height: float, width: float = CHART_WIDTH_IN):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=CHART_DPI, layout="constrained")


def _style_axes(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9.5)


def _empty(fig, ax, text: str, label: str):
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color=MUTED)
    fig.set_label(label)
    return fig


def area_chart(doc: Mapping):
    """Horizontal bars: each area's score (0-100), coloured by grade band, with the overall as a dashed line."""
    import seaborn as sns

    bands = get(doc, "scorecard", "grade_bands") or list(default_grade_bands())
    areas = areas_of(doc)
    fig = _new_figure(max(1.8, 0.42 * len(areas) + 1.1) if areas else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if not areas:
        return _empty(fig, ax, "No area could be scored", "Area scores: no area could be scored")

    labels = [str(a.get("title") or a.get("area")) for a in areas]
    scores = [None if is_missing(a.get("score")) else float(a["score"]) for a in areas]
    frame = pd.DataFrame({"label": labels, "score": [0.0 if s is None else s for s in scores]})
    palette = {lab: GRADE_COLORS.get(grade_for(s, bands), GRADE_COLORS["n/a"]) for lab, s in zip(labels, scores)}
    sns.barplot(data=frame, x="score", y="label", hue="label", palette=palette, legend=False, ax=ax, orient="h", width=0.6, saturation=1)

    # grade band thresholds as faint guides, letters along the top
    mins = sorted({float(b.get("min", 0)) for b in bands if float(b.get("min", 0)) > 0})
    for m in mins:
        ax.axvline(m, color=RULE, lw=0.8, zorder=0)
    for band in bands:
        lo = float(band.get("min", 0))
        hi = min([m for m in mins if m > lo], default=100.0)
        ax.text((lo + hi) / 2, 1.01, str(band.get("grade")), transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=9, color="#6b7280")

    for i, s in enumerate(scores):
        if s is None:
            ax.text(1.0, i, "n/a (no check decided)", va="center", ha="left", fontsize=9.5, color=MUTED, zorder=3)
        elif s >= 14:  # inside the bar's end
            ax.text(s - 1.2, i, fmt_pct(s), va="center", ha="right", fontsize=9.5, color="white", fontweight="bold", zorder=3)
        else:
            ax.text(s + 1.0, i, fmt_pct(s), va="center", ha="left", fontsize=9.5, color=INK, zorder=3)

    overall = get(doc, "scorecard", "overall")
    xlabel = "Area score (%)"
    if not is_missing(overall):
        ax.axvline(float(overall), color=INK, ls="--", lw=1.3, zorder=0.8)  # behind the bars
        xlabel += f"   ·   dashed line: overall readiness {fmt_pct(overall)}"
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel, fontsize=9.5)
    ax.set_ylabel("")
    fig.set_label(
        "Area scores: "
        + "; ".join(f"{lab} {'n/a' if s is None else fmt_pct(s)}" for lab, s in zip(labels, scores))
        + ("" if is_missing(overall) else f"; overall {fmt_pct(overall)}")
    )
    return fig


def index_coverage_chart(doc: Mapping, limit: int = 20):
    """Per table that queries filter or sort on: queries served by an index (green) and not (orange),
    stacked; at most ``limit`` tables, those with the most unserved queries first
    (the rule is in ``audit.present.database.index_coverage_frame``)."""
    import seaborn as sns
    from matplotlib.patches import Patch

    frame = index_coverage_frame(doc)
    shown = frame.head(limit)
    fig = _new_figure(max(1.5, 0.26 * len(shown) + 1.0) if len(shown) else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if shown.empty:
        return _empty(fig, ax, "No query filters or sorts on a table", "Index coverage: no query filters or sorts on a table")

    # stacked bars, seaborn style: the total in the "not served" colour, the served part drawn over it
    sns.barplot(data=shown, x="Queries", y="Table", color=NOT_SERVED, ax=ax, orient="h", width=0.62, saturation=1)
    sns.barplot(data=shown, x="Served", y="Table", color=SERVED, ax=ax, orient="h", width=0.62, saturation=1)
    top = int(shown["Queries"].max())
    for i, (served, total) in enumerate(zip(shown["Served"], shown["Queries"])):
        ax.text(total + top * 0.012, i, f"{served} of {total} served", va="center", ha="left", fontsize=8.5, color=INK)
    ax.set_xlim(0, top * 1.3)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("Queries that filter or sort on the table", fontsize=9.5)
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=8.5)
    ax.legend(
        handles=[Patch(color=SERVED, label="served by an index"), Patch(color=NOT_SERVED, label="no index leads with the column")],
        loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8.5, frameon=False, borderaxespad=0.2,
    )
    more = len(frame) - len(shown)
    fig.set_label(
        "Index coverage of the queries' filters: "
        + "; ".join(f"{t} {s} of {n} served" for t, s, n in zip(shown["Table"], shown["Served"], shown["Queries"]))
        + (f"; {more} more tables not shown" if more else "")
    )
    return fig


def connection_budget_chart(doc: Mapping):
    """Connections needed at peak against the two limits (pools × processes, server max_connections);
    the bottleneck in red when it is short of the need, green when it covers it; unknown limits say so."""
    import seaborn as sns

    frame = connection_budget_frame(doc)
    fig = _new_figure(1.9 if not frame.empty else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if frame.empty:
        return _empty(fig, ax, "No capacity estimate in the document", "Connection budget: no capacity estimate")

    needed = frame.loc[0, "Connections"]
    values = [0.0 if is_missing(v) else float(v) for v in frame["Connections"]]
    colors = {}
    for bar, value, role, is_bottleneck in zip(frame["Bar"], frame["Connections"], frame["Role"], frame["Bottleneck"]):
        if role == "need":
            colors[bar] = NEED
        elif is_bottleneck:
            colors[bar] = LIMIT_SHORT if not is_missing(needed) and not is_missing(value) and value < needed else LIMIT_OK
        else:
            colors[bar] = LIMIT_OTHER
    plot = pd.DataFrame({"Bar": frame["Bar"], "Connections": values})
    sns.barplot(data=plot, x="Connections", y="Bar", hue="Bar", palette=colors, legend=False, ax=ax, orient="h", width=0.6, saturation=1)
    top = max(values + [1.0])
    for i, (value, is_bottleneck) in enumerate(zip(frame["Connections"], frame["Bottleneck"])):
        text = fmt_known(value) + ("  ← bottleneck" if is_bottleneck else "")
        weight = "bold" if is_bottleneck else "normal"
        ax.text((0 if is_missing(value) else float(value)) + top * 0.01, i, text, va="center", ha="left", fontsize=9.5, color=INK, fontweight=weight)
    if not is_missing(needed):
        ax.axvline(float(needed), color=INK, ls="--", lw=1.1, zorder=0.8)
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel("Connections open at once" + ("" if is_missing(needed) else "   ·   dashed line: needed at peak"), fontsize=9.5)
    ax.set_ylabel("")
    bottleneck = next((b for b, flag in zip(frame["Bar"], frame["Bottleneck"]) if flag), None)
    fig.set_label(
        "Connection budget: "
        + "; ".join(f"{b} {fmt_known(v)}" for b, v in zip(frame["Bar"], frame["Connections"]))
        + (f"; bottleneck: {bottleneck}" if bottleneck else "")
    )
    return fig


def live_connections_chart(doc: Mapping):
    """The live database's connections: in use now, what the pools found in the code can open
    (per process × processes, from the capacity estimate) and the server's max_connections.
    The pools' bar is red when they can open more than the server allows; unknown bars say so."""
    import seaborn as sns

    frame = connection_bars_frame(doc)
    fig = _new_figure(1.7 if not frame.empty else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if frame.empty:
        return _empty(fig, ax, "No live database was read", "Live connections: no live database was read")

    values = [0.0 if is_missing(v) else float(v) for v in frame["Connections"]]
    in_use, pools, server = frame["Connections"]
    over = not is_missing(pools) and not is_missing(server) and float(pools) > float(server)
    colors = {"In use now": NEED, "Pools × processes": LIMIT_SHORT if over else LIMIT_OTHER, "max_connections": LIMIT_OK}
    plot = pd.DataFrame({"Bar": frame["Bar"], "Connections": values})
    sns.barplot(data=plot, x="Connections", y="Bar", hue="Bar", palette=colors, legend=False, ax=ax, orient="h", width=0.6, saturation=1)
    top = max(values + [1.0])
    for i, (bar, value) in enumerate(zip(frame["Bar"], frame["Connections"])):
        text = fmt_known(value)
        if bar == "In use now" and not is_missing(value) and not is_missing(server) and float(server):
            text += f" ({fmt_pct(round(100 * float(value) / float(server), 1))} of max_connections)"
        if bar == "Pools × processes" and over:
            text += "  ← more than the server allows"
        ax.text((0 if is_missing(value) else float(value)) + top * 0.01, i, text, va="center", ha="left", fontsize=9.5, color=INK)
    ax.set_xlim(0, top * 1.45)
    ax.set_xlabel("Connections", fontsize=9.5)
    ax.set_ylabel("")
    fig.set_label("Live connections: " + "; ".join(f"{b} {fmt_known(v)}" for b, v in zip(frame["Bar"], frame["Connections"])))
    return fig


def bundle_kind_chart(doc: Mapping):
    """Gzip kB per kind of asset (JavaScript, CSS, ...), loaded initially (dark) and lazily (light), side by side."""
    import seaborn as sns

    frame = bytes_by_kind_frame(doc)
    kinds = list(dict.fromkeys(frame["Kind"]))
    fig = _new_figure(max(1.4, 0.42 * len(kinds) + 0.8) if kinds else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if frame.empty:
        return _empty(fig, ax, "No built front end was measured", "Bundle by kind: no built front end was measured")

    sns.barplot(
        data=frame, x="Gzip (kB)", y="Kind", hue="Load", hue_order=["initial", "lazy"], palette={"initial": INITIAL, "lazy": LAZY},
        ax=ax, orient="h", width=0.78, saturation=1,
    )
    top = float(frame["Gzip (kB)"].max() or 1.0)
    for container, load in zip(ax.containers, ("initial", "lazy")):
        rows = frame[frame["Load"] == load].set_index("Kind")
        for bar, kind in zip(container, kinds):
            value, files = rows.loc[kind, "Gzip (kB)"], int(rows.loc[kind, "Files"])
            if not files:
                continue
            text = f"{value:,.1f} kB in {files} file{'s' if files != 1 else ''}"
            ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, text, va="center", ha="left", fontsize=8.5, color=INK)
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel("kB gzip (1 kB = 1000 bytes)", fontsize=9.5)
    ax.set_ylabel("")
    ax.legend(
        handles=ax.get_legend_handles_labels()[0], labels=["initial load", "loaded lazily"],
        loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8.5, frameon=False, borderaxespad=0.2,
    )
    fig.set_label(
        "Bundle by kind, kB gzip: "
        + "; ".join(
            f"{k} initial {frame[(frame['Kind'] == k) & (frame['Load'] == 'initial')]['Gzip (kB)'].iloc[0]:,.1f}, "
            f"lazy {frame[(frame['Kind'] == k) & (frame['Load'] == 'lazy')]['Gzip (kB)'].iloc[0]:,.1f}"
            for k in kinds
        )
    )
    return fig


def package_chart(doc: Mapping, limit: int = 10):
    """Bytes per npm package (minified, uncompressed, from the source maps), largest first: the
    part in the initial load dark, the part loaded lazily light. Says so when there are no source maps."""
    import seaborn as sns
    from matplotlib.patches import Patch

    frame = packages_frame(doc, limit=limit)
    info = packages_info(doc)
    fig = _new_figure(max(1.5, 0.27 * len(frame) + 1.0) if len(frame) else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if frame.empty:
        text = "No source maps in the build: bytes per package unknown" if not info["from_sourcemaps"] else "No package found in the source maps"
        return _empty(fig, ax, text, f"Bytes per package: {text[0].lower() + text[1:]}")

    sns.barplot(data=frame, x="kB", y="Package", color=LAZY, ax=ax, orient="h", width=0.62, saturation=1)
    sns.barplot(data=frame, x="Initial (kB)", y="Package", color=INITIAL, ax=ax, orient="h", width=0.62, saturation=1)
    top = float(frame["kB"].max() or 1.0)
    for i, value in enumerate(frame["kB"]):
        ax.text(value + top * 0.01, i, f"{value:,.1f} kB", va="center", ha="left", fontsize=8.5, color=INK)
    ax.set_xlim(0, top * 1.18)
    ax.set_xlabel("kB minified, before compression (1 kB = 1000 bytes)", fontsize=9.5)
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=8.5)
    ax.legend(
        handles=[Patch(color=INITIAL, label="in the initial load"), Patch(color=LAZY, label="loaded lazily")],
        loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8.5, frameon=False, borderaxespad=0.2,
    )
    fig.set_label("Bytes per package, kB minified: " + "; ".join(f"{p} {v:,.1f}" for p, v in zip(frame["Package"], frame["kB"])))
    return fig


def figure_png(fig) -> bytes:
    """The figure as PNG bytes (no pyplot state involved, no timestamp in the file)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def figure_width_px(fig) -> int:
    """The figure's width in CSS pixels (96 per inch), so chart text matches the report's text."""
    return round(fig.get_figwidth() * 96)


def figure_data_uri(fig) -> str:
    return "data:image/png;base64," + base64.b64encode(figure_png(fig)).decode("ascii")


def figure_image(fig, alt: str | None = None):
    """An ``IPython.display.Image`` of the figure for ``display()`` in a notebook of one's own:
    shown at its size in inches, with alternative text (``alt`` or the figure's label). The
    report embeds its charts in its HTML sections instead (``audit.present.html.figure_html``)."""
    from IPython.display import Image

    return Image(data=figure_png(fig), format="png", width=figure_width_px(fig), metadata={"alt": alt or fig.get_label() or "chart"})
