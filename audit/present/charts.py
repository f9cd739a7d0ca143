"""The report's charts: seaborn on matplotlib ``Figure`` objects (no pyplot state), sized in
inches for an A4 page, each labelled (``fig.get_label()``) with the data it plots so the
image's alternative text can say it."""

from __future__ import annotations

import base64
import io
from typing import Mapping

import pandas as pd

from audit.model import SEVERITIES
from audit.present.capacity import connection_budget_frame
from audit.present.database import index_coverage_frame
from audit.present.format import GRADE_COLORS, SEVERITY_COLORS, default_grade_bands, fmt_known, fmt_number, fmt_pct, grade_for, is_missing
from audit.present.frontend import bytes_by_kind_frame, packages_frame, packages_info
from audit.present.live import connection_bars_frame
from audit.present.load import areas_of, get
from audit.present.trend import baseline_areas_frame, profile_scores_frame, severity_counts_frame

CHART_WIDTH_IN = 7.0  # A4 (210 mm) minus the report's 14 mm margins each side is 7.2 in
CHART_DPI = 200  # sharp in print; the report shows the PNG at its size in inches (96 CSS px per inch)
INK, MUTED, RULE = "#111827", "#4b5563", "#d1d5db"
SERVED, NOT_SERVED = "#15803d", "#c2410c"
INITIAL, LAZY = "#1d4ed8", "#93c5fd"
NEED, LIMIT_OK, LIMIT_SHORT, LIMIT_OTHER = "#374151", "#15803d", "#b91c1c", "#9ca3af"
PROFILE_COLORS = {"500": "#60a5fa", "10k": "#2563eb", "1m": "#1e3a8a"}
PROFILE_MARKERS = {"500": "o", "10k": "s", "1m": "D"}
BETTER, WORSE, SAME = "#15803d", "#b91c1c", "#9ca3af"


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


def _score_rows(ax, labels: list[str]) -> None:
    """Rows of scores on a 0-100 axis: ``labels`` top to bottom, the first (overall readiness) in bold
    and ruled off from the areas."""
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.6)
    ax.get_yticklabels()[0].set_fontweight("bold")
    ax.axhline(0.5, color=RULE, lw=0.8)
    ax.set_xlim(-3, 103)  # markers at 0 and 100 drawn whole
    ax.set_xticks(range(0, 101, 20))
    ax.set_ylabel("")
    ax.grid(axis="x", color=RULE, lw=0.5)
    ax.set_axisbelow(True)


def _side_text(ax, row: int, text: str, color: str = INK, bold: bool = False) -> None:
    """A note right of the plot, on the row's line."""
    ax.text(1.02, row, text, transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=9,
            color=color, fontweight="bold" if bold else "normal", clip_on=False)


def profile_chart(doc: Mapping):
    """Per area, its score at each built-in profile (``scorecard.profiles``): one marker per profile,
    joined from 500 to 1m, the document's own profile outlined. Overall readiness first, then the
    areas in the order of how much they move; on the right, the scores from 500 to 1m."""
    import seaborn as sns
    from matplotlib.lines import Line2D

    frame = profile_scores_frame(doc)
    names = [c for c in frame.columns if c not in ("Area", "Moves")]
    fig = _new_figure(max(1.8, 0.4 * len(frame) + 1.0) if len(frame) else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if frame.empty:
        return _empty(fig, ax, "No scores at other profiles in the document", "Scores against profile: none in the document")

    offsets = {n: (i - (len(names) - 1) / 2) * 0.25 for i, n in enumerate(names)}  # 500 above, 1m below
    long = frame.reset_index(names="Row").melt(id_vars=["Row", "Area"], value_vars=names, var_name="Profile", value_name="Score").dropna()
    long["y"] = long["Row"] + long["Profile"].map(offsets)
    for _, group in long.groupby("Row"):
        ax.plot(group["Score"], group["y"], color=RULE, lw=1.4, zorder=1)
    sns.scatterplot(
        data=long, x="Score", y="y", hue="Profile", style="Profile", hue_order=names, style_order=names,
        palette=PROFILE_COLORS, markers=PROFILE_MARKERS, s=34, edgecolor="white", linewidth=0.5, ax=ax, zorder=3, legend=False,
    )
    current = get(doc, "profile", "name")
    mine = long[long["Profile"] == current]
    ax.scatter(mine["Score"], mine["y"], s=50, marker=PROFILE_MARKERS.get(current, "o"), color=PROFILE_COLORS.get(current, INK),
               edgecolors=INK, linewidths=1.2, zorder=4)
    _score_rows(ax, list(frame["Area"]))

    for row, (*scores, moves) in enumerate(frame[[*names, "Moves"]].itertuples(index=False, name=None)):
        text = " → ".join("n/a" if pd.isna(s) else fmt_number(round(s, 1)) for s in scores)
        _side_text(ax, row, text if moves else "same at every scale", INK if moves else MUTED, bold=row == 0)

    handles = [
        Line2D([], [], marker=PROFILE_MARKERS.get(n, "o"), color=PROFILE_COLORS.get(n, INK), linestyle="none", markersize=6,
               markeredgecolor=INK if n == current else "white", label=f"{n} users" + (" (this report)" if n == current else ""))
        for n in names
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(handles), fontsize=8.5, frameon=False,
              borderaxespad=0.2, handletextpad=0.3, columnspacing=1.2)
    ax.set_xlabel("Score (%)", fontsize=9.5)
    fig.set_label(
        "Scores against profile ("
        + ", ".join(names)
        + "): "
        + "; ".join(f"{a} " + ", ".join(fmt_pct(s) for s in scores) for a, *scores in frame[["Area", *names]].itertuples(index=False, name=None))
    )
    return fig


def _change(before, after) -> tuple[str, str]:
    """One row's change as text and its colour: "+5.0" (better), "−3.2" (worse), "no change", "new", "not scored now"."""
    if pd.isna(before) or pd.isna(after):
        return ("new" if pd.isna(before) else "not scored now"), SAME
    delta = round(after - before, 1)
    if delta:
        return (f"+{delta:.1f}", BETTER) if delta > 0 else (f"−{-delta:.1f}", WORSE)
    return "no change", SAME


def baseline_chart(doc: Mapping):
    """Since the baseline (``scorecard.baseline``): per area, the score before (hollow) joined to the
    score now (filled), green when better, red when worse, grey when unchanged; overall first, and
    the change on the right."""
    import seaborn as sns
    from matplotlib.lines import Line2D

    frame = baseline_areas_frame(doc)
    fig = _new_figure(max(1.8, 0.3 * len(frame) + 1.0) if len(frame) else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if frame.empty:
        return _empty(fig, ax, "No baseline in the document", "Since the last audit: no baseline in the document")

    changes = [_change(b, a) for b, a in zip(frame["Before"], frame["After"])]
    points = frame.assign(Row=range(len(frame)), Color=[c for _, c in changes])
    for row, before, after, color in points[["Row", "Before", "After", "Color"]].itertuples(index=False, name=None):
        ax.plot([before, after], [row, row], color=color, lw=2.6, solid_capstyle="butt", zorder=2)
    sns.scatterplot(data=points.dropna(subset=["Before"]), x="Before", y="Row", s=36, color="white", edgecolor=MUTED, linewidth=1.2,
                    ax=ax, zorder=3)
    now = points.dropna(subset=["After"])
    sns.scatterplot(data=now, x="After", y="Row", hue="Color", palette={c: c for c in now["Color"]}, s=40, edgecolor="white",
                    linewidth=0.5, ax=ax, zorder=4, legend=False)
    _score_rows(ax, list(frame["Area"]))
    for row, (text, color) in enumerate(changes):
        _side_text(ax, row, text, MUTED if color == SAME else color, bold=row == 0)
    seen = set(points["Color"])
    handles = [Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor=MUTED, linestyle="none", markersize=6, label="before")]
    handles += [
        Line2D([], [], marker="o", color=color, lw=2.6, markersize=6, label=label)
        for color, label in ((BETTER, "now, better"), (WORSE, "now, worse"), (SAME, "now, unchanged"))
        if color in seen
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(handles), fontsize=8.5, frameon=False,
              borderaxespad=0.2, handletextpad=0.4)
    ax.set_xlabel("Score (%)", fontsize=9.5)
    fig.set_label(
        "Since the last audit: "
        + "; ".join(f"{a} {fmt_pct(b)} → {fmt_pct(n)} ({t})" for a, b, n, (t, _) in zip(frame["Area"], frame["Before"], frame["After"], changes))
    )
    return fig


def severity_chart(doc: Mapping):
    """Findings per area, stacked by severity (the badges' hues), most severe at the left; the total
    at each bar's end."""
    import seaborn as sns
    from matplotlib.patches import Patch

    frame = severity_counts_frame(doc)
    areas = list(dict.fromkeys(frame["Area"]))
    fig = _new_figure(max(1.4, 0.27 * len(areas) + 1.0) if areas else 0.6)
    ax = fig.add_subplot()
    _style_axes(ax)
    if frame.empty:
        return _empty(fig, ax, "No findings", "Findings per area: none")

    shown = [s for s in SEVERITIES if s in set(frame["Severity"])]
    sns.histplot(  # seaborn stacks the last hue first: reversed, the most severe is at the left
        data=frame, y="Area", weights="Findings", hue="Severity", hue_order=shown[::-1], palette=SEVERITY_COLORS,
        multiple="stack", discrete=True, shrink=0.62, alpha=1, edgecolor="white", linewidth=0.6, ax=ax, legend=False,
    )
    totals = frame.groupby("Area", sort=False)["Findings"].sum()
    top = float(totals.max())
    for row, area in enumerate(areas):
        ax.text(totals[area] + top * 0.012, row, fmt_number(int(totals[area])), va="center", ha="left", fontsize=9, color=INK)
    ax.set_xlim(0, top * 1.08)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("")
    ax.set_xlabel("Findings", fontsize=9.5)
    ax.legend(
        handles=[Patch(color=SEVERITY_COLORS[s], label=s) for s in shown],
        loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(shown), fontsize=8.5, frameon=False, borderaxespad=0.2,
    )
    fig.set_label(
        "Findings per area: "
        + "; ".join(
            f"{a} {int(totals[a])} (" + ", ".join(f"{n} {s}" for s, n in zip(g["Severity"], g["Findings"])) + ")"
            for a, g in frame.groupby("Area", sort=False)
        )
    )
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
