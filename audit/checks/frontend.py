"""Front-end delivery checks on the Vite config, the React sources and the measured bundle."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from audit.catalog import CheckSpec
from audit.checks import check
from audit.facts import Facts
from audit.facts.bundle import Asset, BundleFacts
from audit.facts.frontend import FrontendApp, FrontendFacts
from audit.model import Evidence, Finding, Outcome

NOT_APPLICABLE = "no Vite front end found (no vite.config.*, nor an index.html next to a vite dependency)"
NO_DIST = "no built dist/: run with --build or --dist"
VITE_WARNING_KB = 500  # Vite's default build.chunkSizeWarningLimit
LEGACY_FORMATS = {".png", ".jpg", ".jpeg"}
MODERN_FORMATS = {".webp", ".avif"}
HASH = re.compile(r"[-.][A-Za-z0-9_-]{8}$")  # Vite's content hash in asset names
SHOWN = 5  # evidence rows listed per finding before "and N more"


def _frontend(facts: Facts) -> FrontendFacts | None:
    fe = facts.frontend
    return fe if fe is not None and fe.present else None


def _apps(fe: FrontendFacts, *kinds: str) -> list[FrontendApp]:
    return [a for a in fe.apps if a.kind in kinds]


def _no_bundle(fe: FrontendFacts) -> Outcome:
    return Outcome("undecided", note=fe.bundle_note or NO_DIST)


def _kb(n: int | float) -> str:
    return f"{n / 1000:,.1f} kB"


def _sizes(a: Asset) -> str:
    gz = f"gzip {a.gzip:,} B, brotli {a.brotli:,} B" if a.gzip is not None else "sent as is"
    return f"{a.raw:,} B raw, {gz}{', initial load' if a.initial else ''}"


def _asset_evidence(bundle: BundleFacts, assets: list[Asset], what: str = "") -> list[Evidence]:
    rows = [Evidence(f"{bundle.dist}/{a.path}", None, f"{what}{_sizes(a)}") for a in assets[:SHOWN]]
    if len(assets) > SHOWN:
        rows.append(Evidence(bundle.dist, None, f"and {len(assets) - SHOWN} more"))
    return rows


def _literal(value) -> str:
    """A config value as it is written in JavaScript."""
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def _setting(app: FrontendApp, key: str) -> dict | None:
    return app.config.settings.get(key) if app.config else None


@check("fe.initial-js-budget")
def initial_js_budget(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None:
        return Outcome("not_applicable", note=NOT_APPLICABLE)
    if fe.bundle is None:
        return _no_bundle(fe)
    b = fe.bundle
    if b.initial_from == "none":
        return Outcome("undecided", note=f"{b.dist} has neither .vite/manifest.json nor index.html: initial load unknown")
    budget = spec.thresholds["initial_js_gzip_kb"] * 1000
    js = b.sums(True)["js"]
    times = ", ".join(f"{n['title']} {n['seconds']} s" for n in b.download()["networks"])
    summary = (f"initial JavaScript ({js['files']} files, from {b.initial_from}): {js['raw']:,} B raw, "
               f"{js['gzip']:,} B gzip, {js['brotli']:,} B brotli; whole initial load: {times}")
    if js["gzip"] <= budget:
        return Outcome("pass", note=f"{summary}; budget {_kb(budget)} gzip")
    initial = sorted((a for a in b.assets if a.initial and a.kind == "js"), key=lambda a: (-a.raw, a.path))
    return Outcome.from_findings([Finding(
        check=spec.id,
        title=f"Initial JavaScript is {_kb(js['gzip'])} gzip, over the {_kb(budget)} budget",
        subject={"initial_js_gzip": js["gzip"], "budget": budget},
        evidence=[Evidence(b.dist, None, summary), *_asset_evidence(b, initial)])])


@check("fe.large-chunk")
def large_chunk(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None:
        return Outcome("not_applicable", note=NOT_APPLICABLE)
    if fe.bundle is None:
        return _no_bundle(fe)
    limit = spec.thresholds["chunk_raw_kb"] * 1000
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"JavaScript chunk {PurePosixPath(a.path).name} is {_kb(a.raw)} minified",
                subject={"asset": a.path, "raw": a.raw},
                evidence=_asset_evidence(fe.bundle, [a], f"over {_kb(limit)}: "))
        for a in fe.bundle.assets if a.kind == "js" and a.raw > limit])


@check("fe.warning-limit-raised")
def warning_limit_raised(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None:
        return Outcome("not_applicable", note=NOT_APPLICABLE)
    findings, unknown = [], []
    for app in fe.apps:
        s = _setting(app, "build.chunkSizeWarningLimit")
        if s is None:
            continue
        if not isinstance(s["value"], (int, float)) or isinstance(s["value"], bool):
            unknown.append(f"{s['path']}:{s['line']}")
        elif s["value"] > VITE_WARNING_KB:
            findings.append(Finding(
                check=spec.id, title=f"chunkSizeWarningLimit raised to {s['value']} kB (Vite's default is {VITE_WARNING_KB})",
                subject={"app": app.root or ".", "chunkSizeWarningLimit": s["value"]},
                evidence=[Evidence(s["path"], s["line"], f"build.chunkSizeWarningLimit: {s['value']}")]))
    if unknown and not findings:
        return Outcome("undecided", note=f"chunkSizeWarningLimit set from an expression at {', '.join(unknown)}")
    return Outcome.from_findings(findings)


@check("fe.manualchunks-object-on-vite8")
def manualchunks_object_on_vite8(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None:
        return Outcome("not_applicable", note=NOT_APPLICABLE)
    objects = [(app, m) for app in fe.apps if app.config for m in app.config.manual_chunks if m["form"] == "object"]
    if not objects:
        return Outcome("pass", note="no manualChunks object in any Vite config")
    findings, notes, unknown = [], [], []
    for app, m in objects:
        v = app.vite
        where = f"{m['path']}:{m['line']}"
        if (v["major"] or 0) >= 8:
            found = f"vite {v['installed'] or v['declared']} ({v['installed_in'] or v['declared_in']})"
            findings.append(Finding(
                check=spec.id, title="manualChunks is an object, which Vite 8 (Rolldown) rejects: `vite build` fails",
                subject={"app": app.root or ".", "vite": v["installed"] or v["declared"]},
                evidence=[Evidence(m["path"], m["line"], f"{m['option']} = {{{', '.join(m['chunks'])}}}"),
                          Evidence(v["installed_in"] or v["declared_in"] or "", None, found)]))
        elif v["major"] is None:
            unknown.append(f"{where}: object form, Vite version unknown (no vite in package.json or lock file)")
        else:
            notes.append(f"{where}: object form works on Vite {v['major']} (Rollup) but breaks on upgrading to Vite 8")
    if unknown and not findings and not notes:
        return Outcome("undecided", note="; ".join(unknown))
    out = Outcome.from_findings(findings)
    out.note = "; ".join(notes + unknown)
    return out


@check("fe.no-route-splitting")
def no_route_splitting(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None or not _apps(fe, "spa"):
        return Outcome("not_applicable", note=NOT_APPLICABLE if fe is None else "no single-page app (index.html)")
    src = fe.source
    split = [d for d in src["dynamic_imports"] if d["lazy"] or _local(d["target"])]
    lazy_js = [a for a in fe.bundle.assets if a.kind == "js" and not a.initial] if fe.bundle else []
    if split:
        first = split[0]
        return Outcome("pass", note=f"{len(split)} lazy/dynamic imports of app modules, first at {first['path']}:{first['line']}")
    if lazy_js:
        return Outcome("pass", note=f"{len(lazy_js)} JavaScript chunks in {fe.bundle.dist} load lazily")
    spa = _apps(fe, "spa")[0]
    evidence = [Evidence(spa.package or "", None, f"searched {src['files_scanned']} source files of the app for "
                                                  "React.lazy() and import() of its own modules: none")]
    if fe.bundle:
        js = fe.bundle.sums(True)["js"]
        evidence.append(Evidence(fe.bundle.dist, None, f"all JavaScript loads up front: {js['files']} files, "
                                                       f"{js['gzip']:,} B gzip"))
    return Outcome.from_findings([Finding(check=spec.id, title="Every route ships in the initial bundle: no code splitting",
                                          subject={"dynamic_imports": 0}, evidence=evidence)])


def _local(target: str) -> bool:
    """An import() of the app's own module (relative, aliased, or a template string), not of a package."""
    return target.startswith((".", "/", "@/", "~/", "src/", "`"))


@check("fe.sourcemaps-in-production")
def sourcemaps_in_production(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None or not _apps(fe, "spa", "other"):
        return Outcome("not_applicable", note=NOT_APPLICABLE if fe is None else "only library builds")
    evidence, unknown = [], []
    for app in _apps(fe, "spa", "other"):
        s = _setting(app, "build.sourcemap")
        if s and (s["value"] is True or s["value"] == "inline"):
            evidence.append(Evidence(s["path"], s["line"], f"build.sourcemap: {_literal(s['value'])} writes the maps "
                                                            "into the deployable build and links them"))
        elif s and isinstance(s["value"], str) and s["value"].startswith("expr:"):
            unknown.append(f"{s['path']}:{s['line']}")
    b = fe.bundle
    if b and b.sourcemaps:
        total = sum(m["raw"] for m in b.sourcemaps)
        linked = sum(m["linked"] for m in b.sourcemaps)
        evidence.append(Evidence(b.dist, None, f"{len(b.sourcemaps)} source maps, {total:,} B, {linked} linked "
                                               "from the served files by a sourceMappingURL comment"))
        biggest = sorted(b.sourcemaps, key=lambda m: (-m["raw"], m["path"]))[:SHOWN]
        evidence += [Evidence(f"{b.dist}/{m['path']}", None, f"{m['raw']:,} B") for m in biggest]
    if not evidence:
        if unknown and b is None:
            return Outcome("undecided", note=f"build.sourcemap set from an expression at {', '.join(unknown)}")
        return Outcome("pass")
    return Outcome.from_findings([Finding(check=spec.id, title="Source maps ship with the production build",
                                          subject={"sourcemaps": len(b.sourcemaps) if b else None},
                                          evidence=evidence)])


@check("fe.no-minify")
def no_minify(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None or not _apps(fe, "spa", "other"):
        return Outcome("not_applicable", note=NOT_APPLICABLE if fe is None else "only library builds")
    findings, unknown = [], []
    for app in _apps(fe, "spa", "other"):
        s = _setting(app, "build.minify")
        if s and s["value"] in (False, "false"):
            findings.append(Finding(check=spec.id, title="The production build is not minified",
                                    subject={"app": app.root or "."},
                                    evidence=[Evidence(s["path"], s["line"], "build.minify: false")]))
        elif s and isinstance(s["value"], str) and s["value"].startswith("expr:"):
            unknown.append(f"{s['path']}:{s['line']}")
    if unknown and not findings:
        return Outcome("undecided", note=f"build.minify set from an expression at {', '.join(unknown)}")
    return Outcome.from_findings(findings)


@check("fe.legacy-image-formats")
def legacy_image_formats(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None:
        return Outcome("not_applicable", note=NOT_APPLICABLE)
    limit = spec.thresholds["image_kb"] * 1000
    if fe.bundle is not None:
        images = [(f"{fe.bundle.dist}/{a.path}", a.raw) for a in fe.bundle.assets if a.kind == "image"]
        where = fe.bundle.dist
    elif any(p["kind"] == "image" for a in fe.apps if a.config for p in a.config.plugins):
        return Outcome("undecided", note="an image optimizer plugin converts images at build time: " + NO_DIST)
    else:
        images = [(i["path"], i["bytes"]) for i in fe.source_images]
        where = "the app's public/ and src/ images (shipped as they are)"
    stems = {_stem(p) for p, _ in images if PurePosixPath(p).suffix.lower() in MODERN_FORMATS}
    large = sorted((n, p) for p, n in images
                   if PurePosixPath(p).suffix.lower() in LEGACY_FORMATS and n > limit and _stem(p) not in stems)
    out = Outcome.from_findings([
        Finding(check=spec.id, title=f"{PurePosixPath(p).name} is a {_kb(n)} {PurePosixPath(p).suffix[1:].upper()} "
                                     "with no WebP/AVIF version",
                subject={"image": p, "bytes": n},
                evidence=[Evidence(p, None, f"{n:,} B, over {_kb(limit)}; no .webp/.avif of the same name")])
        for n, p in sorted(large, key=lambda x: (-x[0], x[1]))])
    out.note = f"read {len(images)} images from {where}"
    return out


def _stem(path: str) -> str:
    p = PurePosixPath(path)
    return str(p.parent / HASH.sub("", p.stem))


@check("fe.no-lazy-images")
def no_lazy_images(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None:
        return Outcome("not_applicable", note=NOT_APPLICABLE)
    findings = []
    for img in fe.source["images"]:
        if img["spread"]:
            continue
        missing = ([] if img["loading"] == "lazy" else ['loading="lazy"']) + \
                  [a for a in ("width", "height") if not img[a]]
        if missing:
            findings.append(Finding(check=spec.id, title=f"<img> without {' and '.join(missing)}",
                                    subject={"path": img["path"], "line": img["line"]},
                                    evidence=[Evidence(img["path"], img["line"], f"missing: {', '.join(missing)}")]))
    out = Outcome.from_findings(findings)
    out.note = f"{len(fe.source['images'])} <img> elements in {fe.source['files_scanned']} source files"
    return out


@check("fe.no-error-boundary")
def no_error_boundary(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    react = [a for a in _apps(fe, "spa", "other") if {"react", "preact"} & set(a.frameworks)] if fe else []
    if not react:
        return Outcome("not_applicable", note="no React app found")
    found = fe.source["error_boundaries"]
    if found:
        return Outcome("pass", note=f"{found[0]['kind']} at {found[0]['path']}:{found[0]['line']}")
    return Outcome.from_findings([Finding(
        check=spec.id, title="No React error boundary: one render error blanks the whole page",
        subject={"apps": [a.root or "." for a in react]},
        evidence=[Evidence(react[0].package or "", None, f"searched {fe.source['files_scanned']} source files for a "
                           "class with componentDidCatch/getDerivedStateFromError, react-error-boundary, "
                           "@sentry/react's ErrorBoundary and router errorElement: none")])])


@check("fe.query-cache-defaults")
def query_cache_defaults(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    clients = [c for c in fe.source["query_clients"] if c["library"] == "react-query"] if fe else []
    if not clients:
        return Outcome("not_applicable", note="no React Query client (new QueryClient) found")
    hooks = fe.source["query_hooks"]
    bare = [h for h in hooks if h["stale_time"] in (None, 0)]
    findings, unknown = [], []
    for c in clients:
        if c["defaults"] is None:
            unknown.append(f"{c['path']}:{c['line']} (options not readable)")
            continue
        stale = c["defaults"].get("staleTime", 0)
        if isinstance(stale, str):
            unknown.append(f"{c['path']}:{c['line']}")
            continue
        if stale or (hooks and not bare):
            continue
        written = "staleTime: 0" if "staleTime" in c["defaults"] else "no defaultOptions.queries.staleTime"
        evidence = [Evidence(c["path"], c["line"], f"new QueryClient() with {written}: React Query's default 0 "
                                                   f"refetches on every mount and window focus")]
        evidence += [Evidence(h["path"], h["line"], f"{h['hook']}() sets no staleTime") for h in bare[:SHOWN]]
        if len(bare) > SHOWN:
            evidence.append(Evidence("", None, f"and {len(bare) - SHOWN} more of {len(hooks)} query hooks"))
        findings.append(Finding(check=spec.id, title="React Query data goes stale at once: every mount refetches",
                                subject={"path": c["path"], "hooks_without_stale_time": len(bare)},
                                evidence=evidence))
    if unknown and not findings:
        return Outcome("undecided", note=f"staleTime set from an expression at {', '.join(unknown)}")
    return Outcome.from_findings(findings)


@check("fe.no-compression")
def no_compression(facts: Facts, spec: CheckSpec) -> Outcome:
    fe = _frontend(facts)
    if fe is None:
        return Outcome("not_applicable", note=NOT_APPLICABLE)
    if fe.serving:
        s = fe.serving[0]
        return Outcome("pass", note=f"{s['detail']} ({s['path']}{':' + str(s['line']) if s['line'] else ''})")
    if fe.bundle and fe.bundle.precompressed:
        return Outcome("pass", note=f"{len(fe.bundle.precompressed)} precompressed .gz/.br copies in {fe.bundle.dist}")
    if not fe.deploy_files:
        return Outcome("undecided", note="the repo does not say how the built front end is served (no host config, "
                                         "Dockerfile, nginx or Caddy config in the app's folder or above it): the "
                                         "host decides; Netlify, Vercel, Cloudflare Pages and Firebase compress by "
                                         "default, a bare S3 bucket or origin server does not")
    evidence = [Evidence("", None, "searched: netlify.toml, vercel.json, firebase.json, staticwebapp.config.json, "
                                   "amplify.yml, _headers, nginx *.conf (gzip/brotli on), Caddyfile (encode), "
                                   "compression middleware dependencies, Vite compression plugins and "
                                   ".gz/.br files in the build: none found")]
    if fe.bundle:
        t = fe.bundle.sums(True)["total"]
        evidence.append(Evidence(fe.bundle.dist, None, f"the initial load is {t['raw']:,} B uncompressed, "
                                                       f"{t['gzip']:,} B with gzip, {t['brotli']:,} B with brotli"))
    return Outcome.from_findings([Finding(check=spec.id, title="Nothing in the repo serves the front end compressed",
                                          subject={"serving": None}, evidence=evidence)])
