"""The front-end facts (``facts.frontend``: the Vite apps, their config, the built bundle and its
download time) as data. Sizes are in kB of 1000 bytes, as Vite's build report prints them."""

from __future__ import annotations

import re
from typing import Any, Mapping

import pandas as pd

from audit.present.format import fmt_number, fmt_value, is_missing, location, plural
from audit.present.load import checks_of, dicts, findings_of, get

#: the check that holds the initial JavaScript to its budget, and the one about compression
BUDGET_CHECK = "fe.initial-js-budget"
#: the kinds of asset the bundle facts sum, in the order the report lists them
KINDS: tuple[str, ...] = ("js", "css", "font", "image", "other")
KIND_LABELS: dict[str, str] = {"js": "JavaScript", "css": "CSS", "font": "Fonts", "image": "Images", "other": "Other (HTML, ...)"}
#: the Vite settings a reader looks at first, in this order; any other setting follows by name
NOTABLE_SETTINGS: tuple[str, ...] = (
    "build.chunkSizeWarningLimit",
    "build.sourcemap",
    "build.minify",
    "build.cssMinify",
    "build.target",
    "build.outDir",
    "build.cssCodeSplit",
    "build.manifest",
)
_BUDGET_NOTE = re.compile(r"budget ([\d,]+(?:\.\d+)?) kB gzip")


def kb(n: Any) -> float | None:
    """Bytes as kB (1000 bytes), one decimal; None when unknown."""
    return None if is_missing(n) or isinstance(n, bool) or not isinstance(n, (int, float)) else round(n / 1000, 1)


def fmt_kb(n: Any) -> str:
    """119241 -> "119.2 kB", 170000 -> "170 kB"; None -> "unknown"."""
    value = kb(n)
    return "unknown" if value is None else f"{fmt_number(value)} kB"


def frontend_of(doc: Mapping) -> dict:
    """``facts.frontend``, or {} when the document has none."""
    fe = get(doc, "facts", "frontend")
    return fe if isinstance(fe, Mapping) else {}


def bundle_of(doc: Mapping) -> dict:
    """``facts.frontend.bundle``, or {} when no built dist/ was measured."""
    b = frontend_of(doc).get("bundle")
    return b if isinstance(b, Mapping) else {}


def app_name(app: Mapping) -> str:
    """An app by its folder ("." for the repository's root)."""
    return str(app.get("root") or ".")


def vite_version(vite: Any) -> str:
    """``5.4.21 (package.json: ^5.0.8), Rollup``: the installed version, what the manifest declares, the bundler."""
    if not isinstance(vite, Mapping) or not (vite.get("installed") or vite.get("declared")):
        return "unknown"
    text = str(vite.get("installed") or vite.get("declared"))
    if vite.get("installed") and vite.get("declared"):
        text += f" ({vite.get('declared_in') or 'declared'}: {vite['declared']})"
    elif vite.get("declared"):
        text += f" (declared in {vite.get('declared_in') or 'package.json'}; no lock file pins it)"
    if vite.get("bundler"):
        text += f", {str(vite['bundler']).capitalize()}"
    return text


# --------------------------------------------------------------------------- apps and config


def apps_frame(doc: Mapping) -> pd.DataFrame:
    """One row per Vite app: its folder, kind, Vite version, frameworks and config file."""
    rows = [
        {
            "App": app_name(a),
            "Kind": a.get("kind") or "",
            "Vite": vite_version(a.get("vite")),
            "Frameworks": ", ".join(a.get("frameworks") or []) or "none found",
            "Config": get(a, "config", "path") or "(no vite.config)",
        }
        for a in dicts(frontend_of(doc).get("apps"))
    ]
    return pd.DataFrame(rows, columns=["App", "Kind", "Vite", "Frameworks", "Config"])


def _manual_chunks_value(m: Mapping) -> str:
    form = m.get("form") or "unknown"
    chunks = list(m.get("chunks") or [])
    text = f"{form} form"
    if chunks:
        text += ": " + ", ".join(str(c) for c in chunks)
    if form == "object":
        text += " (Vite 8's Rolldown rejects it: use a function)"
    return text


def _plugin_value(p: Mapping) -> str:
    name = str(p.get("name") or p.get("package") or "?")
    text = name + (f" ({p['package']})" if p.get("package") and p.get("package") != name else "")
    return text + (", conditional" if p.get("conditional") else "")


def vite_config_frame(doc: Mapping) -> pd.DataFrame:
    """The notable settings of each app's vite.config: manualChunks (its form), the build
    settings (chunkSizeWarningLimit, sourcemap, minify first), the plugins, what could not be read."""
    rows = []
    for a in dicts(frontend_of(doc).get("apps")):
        config = a.get("config")
        if not isinstance(config, Mapping):
            continue
        app = app_name(a)
        for m in dicts(config.get("manual_chunks")):
            rows.append((app, "manualChunks", _manual_chunks_value(m), location(m.get("path"), m.get("line"))))
        settings = config.get("settings") if isinstance(config.get("settings"), Mapping) else {}
        order = {k: i for i, k in enumerate(NOTABLE_SETTINGS)}
        for key in sorted(settings, key=lambda k: (order.get(k, len(order)), k)):
            item = settings[key]
            value, where = (item.get("value"), location(item.get("path"), item.get("line"))) if isinstance(item, Mapping) else (item, "")
            rows.append((app, key.removeprefix("build."), fmt_value(value), where))
        for p in dicts(config.get("plugins")):
            rows.append((app, f"plugin: {p.get('kind') or 'other'}", _plugin_value(p), location(p.get("path"), p.get("line"))))
        for u in config.get("unresolved") or []:
            rows.append((app, "not read", str(u), ""))
    return pd.DataFrame(rows, columns=["App", "Setting", "Value", "Location"])


# --------------------------------------------------------------------------- budget


def budget_verdict(doc: Mapping) -> dict:
    """The initial JavaScript against the ``fe.initial-js-budget`` check:
    ``{"initial_js_gzip", "files", "initial_from", "budget", "status", "note", "check_found"}``.

    The budget (bytes, gzip) is the check's finding subject when it failed, else the
    "budget N kB gzip" its note states; None when the document says neither.
    """
    js = get(bundle_of(doc), "initial", "js", default={})
    row = next((c for _, c in checks_of(doc) if c.get("check") == BUDGET_CHECK), None)
    budget = None
    for f in findings_of(doc):
        if f.get("check") == BUDGET_CHECK and isinstance(get(f, "subject", "budget"), (int, float)):
            budget = float(f["subject"]["budget"])
            break
    note = str((row or {}).get("note") or "")
    if budget is None and (m := _BUDGET_NOTE.search(note)):
        budget = float(m.group(1).replace(",", "")) * 1000
    gzip = js.get("gzip") if isinstance(js, Mapping) else None
    return {
        "initial_js_gzip": gzip,
        "files": js.get("files") if isinstance(js, Mapping) else None,
        "initial_from": bundle_of(doc).get("initial_from") or "",
        "budget": budget,
        "status": (row or {}).get("status") or "",
        "note": note,
        "check_found": row is not None,
    }


# --------------------------------------------------------------------------- bundle


def assets_frame(doc: Mapping, limit: int | None = 15) -> pd.DataFrame:
    """The built files, largest (raw) first: kind, raw / gzip / brotli kB, loaded initially or lazily.
    At most ``limit`` rows (all with None)."""
    cols = ["Asset", "Kind", "Raw (kB)", "Gzip (kB)", "Brotli (kB)", "Initial"]
    assets = sorted(dicts(bundle_of(doc).get("assets")), key=lambda a: (-(a.get("raw") or 0), str(a.get("path"))))
    rows = [
        {
            "Asset": a.get("path", ""),
            "Kind": a.get("kind") or "",
            "Raw (kB)": kb(a.get("raw")),
            "Gzip (kB)": kb(a.get("gzip")),
            "Brotli (kB)": kb(a.get("brotli")),
            "Initial": "yes" if a.get("initial") else "no",
        }
        for a in (assets if limit is None else assets[:limit])
    ]
    return pd.DataFrame(rows, columns=cols)


def bundle_totals(doc: Mapping) -> dict:
    """``{"assets", "initial": {raw, gzip, brotli, files}, "lazy": {...}}`` (the totals; zeros when absent)."""
    b = bundle_of(doc)
    zero = {"raw": 0, "gzip": 0, "brotli": 0, "files": 0}

    def total(load: str) -> dict:
        t = get(b, load, "total")
        return {k: int(t.get(k) or 0) for k in zero} if isinstance(t, Mapping) else dict(zero)

    return {"assets": len(dicts(b.get("assets"))), "initial": total("initial"), "lazy": total("lazy")}


def bytes_by_kind_frame(doc: Mapping) -> pd.DataFrame:
    """Gzip bytes per kind of asset, loaded initially and lazily (long form, for the chart);
    kinds with no file in either are left out."""
    b = bundle_of(doc)
    rows = []
    for kind in KINDS:
        sums = {load: get(b, load, kind, default={}) for load in ("initial", "lazy")}
        if not any(int((s or {}).get("files") or 0) for s in sums.values() if isinstance(s, Mapping)):
            continue
        for load, s in sums.items():
            s = s if isinstance(s, Mapping) else {}
            rows.append({"Kind": KIND_LABELS[kind], "Load": load, "Files": int(s.get("files") or 0), "Gzip (kB)": kb(s.get("gzip") or 0)})
    return pd.DataFrame(rows, columns=["Kind", "Load", "Files", "Gzip (kB)"])


def packages_info(doc: Mapping) -> dict:
    """``{"present", "from_sourcemaps", "note"}`` of ``bundle.packages``."""
    p = bundle_of(doc).get("packages")
    if not isinstance(p, Mapping):
        return {"present": False, "from_sourcemaps": False, "note": ""}
    return {"present": True, "from_sourcemaps": bool(p.get("from_sourcemaps")), "note": str(p.get("note") or "")}


def packages_frame(doc: Mapping, limit: int | None = 10) -> pd.DataFrame:
    """Bytes per npm package (minified, uncompressed, from the source maps), largest first; the
    part in the initial load and the part loaded lazily. At most ``limit`` rows."""
    cols = ["Package", "kB", "Initial (kB)", "Lazy (kB)"]
    items = sorted(
        dicts(get(bundle_of(doc), "packages", "items")), key=lambda i: (-(i.get("bytes") or 0), str(i.get("package")))
    )
    rows = []
    for i in items if limit is None else items[:limit]:
        total, initial = int(i.get("bytes") or 0), int(i.get("initial_bytes") or 0)
        rows.append({"Package": i.get("package", ""), "kB": kb(total), "Initial (kB)": kb(initial), "Lazy (kB)": kb(max(total - initial, 0))})
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- download time


def download_frame(doc: Mapping) -> pd.DataFrame:
    """Download time of the initial load per network profile (``bundle.download.networks``)."""
    rows = [
        {
            "Network": n.get("title") or n.get("name") or "",
            "Bandwidth (Mbit/s)": None if is_missing(n.get("bits_per_second")) else round(n["bits_per_second"] / 1e6, 2),
            "Latency (ms)": n.get("rtt_ms"),
            "Round trips": n.get("round_trips"),
            "Time (s)": n.get("seconds"),
            "Source": n.get("source") or "",
        }
        for n in dicts(get(bundle_of(doc), "download", "networks"))
    ]
    return pd.DataFrame(rows, columns=["Network", "Bandwidth (Mbit/s)", "Latency (ms)", "Round trips", "Time (s)", "Source"])


def download_info(doc: Mapping) -> dict:
    """``{"model", "bytes"}`` of ``bundle.download``."""
    d = get(bundle_of(doc), "download", default={})
    d = d if isinstance(d, Mapping) else {}
    return {"model": str(d.get("model") or ""), "bytes": d.get("bytes")}


# --------------------------------------------------------------------------- serving and source


def serving_frame(doc: Mapping) -> pd.DataFrame:
    """What serves the front end compressed: a host, nginx, Caddy, middleware, a Vite plugin."""
    rows = [
        {"How": s.get("how") or "", "Location": location(s.get("path"), s.get("line")), "Detail": s.get("detail") or ""}
        for s in dicts(frontend_of(doc).get("serving"))
    ]
    return pd.DataFrame(rows, columns=["How", "Location", "Detail"])


def source_signals(doc: Mapping) -> list[str]:
    """What the React source shows, as short phrases: lazy imports, error boundaries, query
    clients and hooks without staleTime, <img> elements; [] when nothing was scanned."""
    src = frontend_of(doc).get("source")
    if not isinstance(src, Mapping) or not src:
        return []
    out = []
    if src.get("files_scanned") is not None:
        out.append(f"{plural(int(src['files_scanned']), 'source file')} read")
    lazy = dicts(src.get("dynamic_imports"))
    first = next((location(d.get("path"), d.get("line")) for d in lazy), "")
    out.append(f"{plural(len(lazy), 'lazy import')}" + (f" (first at {first})" if first else ""))
    out.append(plural(len(dicts(src.get("error_boundaries"))), "error boundary", "error boundaries"))
    clients = dicts(src.get("query_clients"))
    if clients:
        out.append(plural(len(clients), "query client"))
    hooks = dicts(src.get("query_hooks"))
    if hooks:
        stale = sum(1 for h in hooks if is_missing(h.get("stale_time")))
        out.append(f"{plural(len(hooks), 'query hook')} ({fmt_number(stale)} without staleTime)")
    images = dicts(src.get("images"))
    if images:
        out.append(plural(len(images), "<img> element"))
    return out


def frontend_summary(doc: Mapping) -> dict:
    """``{"present", "apps", "bundle", "bundle_note", "dist", "initial_from"}``: ``present`` is False
    when the document has no front-end facts or no app; ``bundle`` when a built dist/ was measured."""
    fe = frontend_of(doc)
    apps = dicts(fe.get("apps"))
    b = bundle_of(doc)
    return {
        "present": bool(apps) or bool(b),
        "apps": len(apps),
        "bundle": bool(b),
        "bundle_note": str(fe.get("bundle_note") or ""),
        "dist": str(b.get("dist") or ""),
        "initial_from": str(b.get("initial_from") or ""),
    }
