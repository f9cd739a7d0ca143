"""Front end: Vite config forms read statically, React signals, dist measurements and the fe.* checks."""

import base64
import json
import random
import re
import zlib
from pathlib import Path

import pytest

from audit.api import scan
from audit.discover import discover
from audit.facts.bundle import gzip_size, measure_dist
from audit.facts.frontend import BuildError, build_frontend, frontend_facts

ROOT = Path(__file__).resolve().parent.parent
TRUSTSTREAM = ROOT / "examples" / "truststream"
VITE_REPORT = ROOT / "tests" / "fixtures" / "truststream-vite-build.txt"
HTML = "<!doctype html><html><body><div id=root></div><script type=module src=/src/main.tsx></script></body></html>"


def write(root: Path, files: dict) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content) if isinstance(content, bytes) else p.write_text(content)
    return root


def app(tmp_path, config, vite="^7.0.0", name="vite.config.ts", **more):
    pkg = json.dumps({"dependencies": {"react": "^19.0.0"}, "devDependencies": {"vite": vite}})
    write(tmp_path, {"package.json": pkg, "index.html": HTML, name: config, **more})
    return frontend_facts(discover(tmp_path))


def config(tmp_path, text, **kw):
    fe = app(tmp_path, text, **kw)
    return fe.apps[0].config


def values(cfg):
    return {k: (v["value"], v["line"]) for k, v in cfg.settings.items()}


# --- config forms ---------------------------------------------------------------------------------

def test_object_manual_chunks_and_build_settings(tmp_path):
    cfg = config(tmp_path, """import { defineConfig } from 'vite'
export default defineConfig({
  build: {
    target: ['es2020', 'safari14'],
    sourcemap: 'hidden',
    minify: false,
    chunkSizeWarningLimit: 1500,
    rollupOptions: { output: { manualChunks: { vendor: ['react', 'react-dom'], ui: ['@headlessui/react'] } } },
  },
})
""")
    assert values(cfg) == {"build.target": (["es2020", "safari14"], 4), "build.sourcemap": ("hidden", 5),
                           "build.minify": (False, 6), "build.chunkSizeWarningLimit": (1500, 7)}
    assert cfg.manual_chunks == [{"option": "build.rollupOptions.output.manualChunks", "form": "object",
                                  "chunks": ["ui", "vendor"], "path": "vite.config.ts", "line": 8}]


@pytest.mark.parametrize("chunks", [
    "manualChunks: (id) => (id.includes('node_modules') ? 'vendor' : undefined)",
    "manualChunks(id) { if (id.includes('node_modules')) return 'vendor' }",
    "manualChunks: function (id) { return 'x' }",
    "manualChunks: split",
])
def test_function_manual_chunks(tmp_path, chunks):
    cfg = config(tmp_path, f"""const split = (id) => 'vendor'
export default {{ build: {{ rollupOptions: {{ output: {{ {chunks} }} }} }} }}
""")
    assert [(m["form"], m["line"]) for m in cfg.manual_chunks] == [("function", 2)]


def test_rolldown_options_and_output_arrays(tmp_path):
    cfg = config(tmp_path, """export default {
  build: { rolldownOptions: { output: [{ manualChunks: { react: ['react'] } }, { format: 'es' }] } },
}
""", vite="^8.0.0")
    assert [(m["option"], m["form"]) for m in cfg.manual_chunks] == [
        ("build.rolldownOptions.output.manualChunks", "object")]


@pytest.mark.parametrize("text", [
    "export default defineConfig(() => ({ build: { sourcemap: true, manifest: true } }))",
    "export default defineConfig(({ mode }) => {\n  const env = loadEnv(mode, process.cwd(), '')\n"
    "  return { build: { sourcemap: true, manifest: true } }\n})",
    "export default defineConfig(async ({ command }) => {\n  if (command === 'serve') {\n    return { server: {} }\n  }\n"
    "  return { build: { sourcemap: true, manifest: true } }\n})",
    "const config = { build: { sourcemap: true, manifest: true } }\nexport default config",
    "module.exports = { build: { sourcemap: true, manifest: true } }",
])
def test_define_config_with_a_function_and_other_export_forms(tmp_path, text):
    name = "vite.config.cjs" if text.startswith("module") else "vite.config.ts"
    cfg = config(tmp_path, text, name=name)
    assert {k: v["value"] for k, v in cfg.settings.items()} == {"build.sourcemap": True, "build.manifest": True}


def test_spread_configs_in_the_file_and_from_an_imported_one(tmp_path):
    shared = "export const shared = { build: { sourcemap: true, chunkSizeWarningLimit: LIMIT } }\nconst LIMIT = 1\n"
    cfg = config(tmp_path, """import base from './vite.base'
import { shared } from './config/shared.config'
const LIMIT = 2000
const local = { minify: 'terser' }
export default defineConfig({
  ...base,
  build: { ...shared.build, ...local, chunkSizeWarningLimit: LIMIT },
})
""", **{"vite.base.ts": "export default { server: { proxy: { '/api': 'http://localhost:8000' } } }\n",
        "config/shared.config.ts": shared})
    assert values(cfg) == {"build.sourcemap": (True, 1), "build.minify": ("terser", 4),
                           "build.chunkSizeWarningLimit": (2000, 7)}
    assert cfg.settings["build.sourcemap"]["path"] == "config/shared.config.ts"
    assert cfg.proxy == [{"route": "/api", "path": "vite.base.ts", "line": 1}]
    assert cfg.unresolved == []


def test_merge_config_is_deep_and_concatenates_plugins(tmp_path):
    cfg = config(tmp_path, """import { mergeConfig } from 'vite'
import react from '@vitejs/plugin-react'
import { visualizer } from 'rollup-plugin-visualizer'
const base = { plugins: [react()], build: { sourcemap: true, minify: 'esbuild' } }
export default mergeConfig(base, { plugins: [visualizer()], build: { minify: false } })
""")
    assert {k: v["value"] for k, v in cfg.settings.items()} == {"build.sourcemap": True, "build.minify": False}
    assert [(p["name"], p["kind"]) for p in cfg.plugins] == [("react", "react"), ("visualizer", "visualizer")]


def test_plugins_conditional_spread_and_filtered(tmp_path):
    cfg = config(tmp_path, """import react from '@vitejs/plugin-react-swc'
import { VitePWA } from 'vite-plugin-pwa'
import legacy from '@vitejs/plugin-legacy'
import compression from 'vite-plugin-compression2'
import { ViteImageOptimizer } from 'vite-plugin-image-optimizer'
import local from './plugins/local'
const extra = [compression({ algorithm: 'brotliCompress' })]
export default defineConfig(({ mode }) => ({
  plugins: [
    react(),
    mode === 'production' && VitePWA({ registerType: 'autoUpdate' }),
    process.env.LEGACY ? legacy() : null,
    ...extra,
    ViteImageOptimizer(),
    local(),
  ].filter(Boolean),
}))
""")
    assert [(p["name"], p["package"], p["kind"], p["conditional"], p["line"]) for p in cfg.plugins] == [
        ("react", "@vitejs/plugin-react-swc", "react", False, 10),
        ("VitePWA", "vite-plugin-pwa", "pwa", True, 11),
        ("legacy", "@vitejs/plugin-legacy", "legacy", True, 12),
        ("compression", "vite-plugin-compression2", "compression", False, 7),
        ("ViteImageOptimizer", "vite-plugin-image-optimizer", "image", False, 14),
        ("local", "./plugins/local", None, False, 15),
    ]


def test_unreadable_config_is_reported_not_guessed(tmp_path):
    cfg = config(tmp_path, "import { getConfig } from '@acme/vite'\nexport default getConfig({ app: 'web' })\n")
    assert cfg.settings == {} and cfg.manual_chunks == []
    assert cfg.unresolved == ["vite.config.ts: the default export is not a config object scaleaudit can read"]


def test_self_references_terminate(tmp_path):
    cfg = config(tmp_path, "let c = { build: { minify: false } }\nconst d = { ...d, ...c }\nconst p = [...p, p]\n"
                           "export default { ...d, plugins: p }\n")
    assert cfg.settings["build.minify"]["value"] is False and cfg.plugins == []


# --- Vite version ---------------------------------------------------------------------------------

@pytest.mark.parametrize("files, expected", [
    ({"package.json": json.dumps({"devDependencies": {"vite": "^5.0.8"}})}, ("^5.0.8", None, 5, "rollup")),
    ({"package.json": json.dumps({"devDependencies": {"vite": "^7.0.0"}}),
      "package-lock.json": json.dumps({"packages": {"node_modules/vite": {"version": "8.0.1"}}})},
     ("^7.0.0", "8.0.1", 8, "rolldown")),
    ({"package.json": json.dumps({"devDependencies": {"vite": "catalog:"}}),
      "pnpm-lock.yaml": "importers:\n  .:\n    devDependencies:\n      vite:\n        specifier: catalog:\n"
                        "        version: 7.1.3(@types/node@22.0.0)\n"}, ("catalog:", "7.1.3", 7, "rollup")),
    ({"package.json": json.dumps({"devDependencies": {"vite": "^6"}}),
      "yarn.lock": '"vite@^6":\n  version "6.3.5"\n'}, ("^6", "6.3.5", 6, "rollup")),
    ({"package.json": json.dumps({"devDependencies": {"vite": "npm:rolldown-vite@7.1.12"}})},
     ("npm:rolldown-vite@7.1.12", None, 7, "rolldown")),
    ({"package.json": json.dumps({"devDependencies": {"vite": "workspace:*"}})}, ("workspace:*", None, None, None)),
])
def test_vite_version_from_package_json_and_lock_files(tmp_path, files, expected):
    write(tmp_path, {"index.html": HTML, **files})
    v = frontend_facts(discover(tmp_path)).apps[0].vite
    assert (v["declared"], v["installed"], v["major"], v["bundler"]) == expected


def test_workspace_app_reads_the_root_lock_file(tmp_path):
    write(tmp_path, {
        "package.json": json.dumps({"workspaces": ["apps/*"]}),
        "package-lock.json": json.dumps({"packages": {"apps/web/node_modules/vite": {"version": "8.0.0"},
                                                      "node_modules/vite": {"version": "7.0.0"}}}),
        "apps/web/package.json": json.dumps({"devDependencies": {"vite": "^8.0.0"}}),
        "apps/web/vite.config.ts": "export default {}\n", "apps/web/index.html": HTML,
    })
    [web] = frontend_facts(discover(tmp_path)).apps
    assert (web.root, web.kind, web.vite["installed"], web.vite["installed_in"]) == ("apps/web", "spa", "8.0.0",
                                                                                     "package-lock.json")


# --- React signals --------------------------------------------------------------------------------

def signals(tmp_path, source, name="src/App.tsx"):
    return app(tmp_path, "export default {}\n", **{name: source}).source


def test_route_splitting_error_boundaries_queries_and_images(tmp_path):
    src = signals(tmp_path, """import React, { Component, lazy } from 'react'
import { ErrorBoundary } from 'react-error-boundary'
import { QueryClient, useQuery } from '@tanstack/react-query'
const Home = lazy(() => import('./pages/Home'))
const Admin = React.lazy(() => import('./pages/Admin'))
const chart = () => import('chart.js')
const qc = new QueryClient({ defaultOptions: { queries: { staleTime: 1000 * 60, retry: false } } })
class Boundary extends Component { static getDerivedStateFromError() { return {} } componentDidCatch() {} render() { return null } }
const routes = [{ path: '/', element: <Home />, errorElement: <Oops /> }]
export function App(props) {
  const q = useQuery({ queryKey: ['a'], queryFn: f, staleTime: 5000 })
  const r = useQuery({ queryKey: ['b'], queryFn: f })
  return <ErrorBoundary fallback={<p />}>
    <img src="/a.png" />
    <img src="/b.png" loading="lazy" width={10} height={10} />
    <img {...props} />
  </ErrorBoundary>
}
""")
    assert [(d["target"], d["lazy"], d["line"]) for d in src["dynamic_imports"]] == [
        ("./pages/Home", True, 4), ("./pages/Admin", True, 5), ("chart.js", False, 6)]
    assert [(b["kind"], b["line"]) for b in src["error_boundaries"]] == [
        ("react-error-boundary", 2), ("class Boundary", 8), ("router route", 9), ("<ErrorBoundary>", 13)]
    assert src["query_clients"] == [{"library": "react-query", "defaults": {"staleTime": 60000, "retry": False},
                                     "path": "src/App.tsx", "line": 7}]
    assert [(h["stale_time"], h["line"]) for h in src["query_hooks"]] == [(5000, 11), (None, 12)]
    assert [(i["loading"], i["width"], i["height"], i["spread"], i["line"]) for i in src["images"]] == [
        (None, False, False, False, 14), ("lazy", True, True, False, 15), (None, False, False, True, 16)]


def test_tests_and_stories_are_not_app_sources(tmp_path):
    fe = app(tmp_path, "export default {}\n", **{
        "src/App.test.tsx": "const X = lazy(() => import('./X'))\n",
        "src/__tests__/a.tsx": "const X = lazy(() => import('./X'))\n",
        "e2e/spec.ts": "const X = lazy(() => import('./X'))\n"})
    assert fe.source["dynamic_imports"] == []


def test_swr_config_defaults(tmp_path):
    src = signals(tmp_path, "export const A = () => <SWRConfig value={{ dedupingInterval: 2000, "
                            "revalidateOnFocus: false }}><B /></SWRConfig>\n")
    assert src["query_clients"] == [{"library": "swr", "path": "src/App.tsx", "line": 1,
                                     "defaults": {"dedupingInterval": 2000, "revalidateOnFocus": False}}]


# --- dist measurements ----------------------------------------------------------------------------

JS_ENTRY = 'import{a as r}from"./vendor-AAAAAAAA.js";import"./shared-BBBBBBBB.js";' \
           'const p=()=>import("./lazy-CCCCCCCC.js");console.log(r,p);\n'
DIST = {
    "assets/index-DDDDDDDD.js": JS_ENTRY,
    "assets/vendor-AAAAAAAA.js": "export const a=1;" * 50 + "\n",
    "assets/shared-BBBBBBBB.js": "export const s=2;\n",
    "assets/lazy-CCCCCCCC.js": 'import"./shared-BBBBBBBB.js";export default 3;\n',
    "assets/index-EEEEEEEE.css": "body{margin:0}" * 20,
    "assets/lazy-FFFFFFFF.css": ".x{color:red}",
    "assets/hero-GGGGGGGG.png": b"\x89PNG\r\n\x1a\n" + bytes(150_000),
    "assets/photo-HHHHHHHH.jpg": b"\xff\xd8\xff" + bytes(120_000),
    "assets/photo-IIIIIIII.webp": b"RIFF" + bytes(40_000),
    "assets/font-JJJJJJJJ.woff2": b"wOF2" + bytes(1000),
    "assets/index-DDDDDDDD.js.gz": b"\x1f\x8b",
}
MANIFEST = {
    "index.html": {"file": "assets/index-DDDDDDDD.js", "isEntry": True, "src": "index.html",
                   "imports": ["_vendor.js", "_shared.js"], "dynamicImports": ["src/Lazy.tsx"],
                   "css": ["assets/index-EEEEEEEE.css"]},
    "_vendor.js": {"file": "assets/vendor-AAAAAAAA.js"},
    "_shared.js": {"file": "assets/shared-BBBBBBBB.js"},
    "src/Lazy.tsx": {"file": "assets/lazy-CCCCCCCC.js", "isDynamicEntry": True, "imports": ["_shared.js"],
                     "css": ["assets/lazy-FFFFFFFF.css"]},
}
INDEX_PRELOADED = """<!doctype html><html><head>
<script type="module" crossorigin src="/app/assets/index-DDDDDDDD.js"></script>
<link rel="modulepreload" crossorigin href="/app/assets/vendor-AAAAAAAA.js">
<link rel="stylesheet" crossorigin href="/app/assets/index-EEEEEEEE.css">
<script nomodule src="/app/assets/lazy-CCCCCCCC.js"></script>
<script src="https://cdn.example.com/analytics.js"></script>
</head><body></body></html>"""
INITIAL = {"index.html", "assets/index-DDDDDDDD.js", "assets/vendor-AAAAAAAA.js", "assets/shared-BBBBBBBB.js",
           "assets/index-EEEEEEEE.css"}


@pytest.mark.parametrize("with_manifest", [True, False], ids=["manifest", "index.html"])
def test_initial_load_from_manifest_or_index_html(tmp_path, with_manifest):
    files = {**DIST, "index.html": INDEX_PRELOADED}
    if with_manifest:
        files[".vite/manifest.json"] = json.dumps(MANIFEST)
    b = measure_dist(write(tmp_path / "dist", files), "dist")
    assert b.initial_from == ("manifest" if with_manifest else "index.html")
    assert {a.path for a in b.assets if a.initial} == INITIAL  # shared-* found through the entry's import
    assert ".vite/manifest.json" not in {a.path for a in b.assets}
    assert b.precompressed == ["assets/index-DDDDDDDD.js.gz"]
    kinds = {a.path: a.kind for a in b.assets}
    assert kinds["assets/hero-GGGGGGGG.png"] == "image" and kinds["assets/font-JJJJJJJJ.woff2"] == "font"
    initial = b.sums(True)
    js = [a for a in b.assets if a.initial and a.kind == "js"]
    assert initial["js"] == {"raw": sum(a.raw for a in js), "gzip": sum(a.gzip for a in js),
                             "brotli": sum(a.brotli for a in js), "files": 3}
    png = next(a for a in b.assets if a.path.endswith(".png"))
    assert (png.gzip, png.brotli, png.transfer) == (None, None, png.raw)
    assert b.images() == [{"format": "jpg", "count": 1, "raw": 120_003}, {"format": "png", "count": 1, "raw": 150_008},
                          {"format": "webp", "count": 1, "raw": 40_004}]
    d = b.to_dict()
    assert set(d["assets"][0]) == {"path", "kind", "raw", "gzip", "brotli", "initial"}
    assert d["packages"]["from_sourcemaps"] is False and "no source maps" in d["packages"]["note"]
    slow4g = d["download"]["networks"][0]
    assert slow4g["seconds"] == round(4 * 0.150 + initial["total"]["gzip"] * 8 / 1_638_400, 2)


def test_without_manifest_static_imports_are_followed_when_not_preloaded(tmp_path):
    html = '<script type="module" src="./assets/index-DDDDDDDD.js"></script>'
    b = measure_dist(write(tmp_path / "dist", {**DIST, "index.html": html}), "dist")
    assert {a.path for a in b.assets if a.initial} == INITIAL - {"assets/index-EEEEEEEE.css"}


def test_bytes_per_package_from_source_maps(tmp_path):
    smap = {"version": 3, "sources": ["../../node_modules/.pnpm/react@18/node_modules/react/index.js",
                                      "../../node_modules/@supabase/auth-js/dist/main.js", "../../src/App.tsx"],
            "names": [], "mappings": "AAAA,GCAA,GCAA;AAAA"}
    code = "abcdefgé\nxyz\n//# sourceMappingURL=index-DDDDDDDD.js.map"
    b = measure_dist(write(tmp_path / "dist", {"index.html": '<script type="module" src="/assets/index-DDDDDDDD.js">',
                                               "assets/index-DDDDDDDD.js": code,
                                               "assets/index-DDDDDDDD.js.map": json.dumps(smap)}), "dist")
    items = {i["package"]: (i["bytes"], i["initial_bytes"]) for i in b.packages["items"]}
    assert items == {"react": (3, 3), "@supabase/auth-js": (3, 3), "(app code)": (3 + 3, 6),
                     "(unmapped)": (2 + len("//# sourceMappingURL=index-DDDDDDDD.js.map"),) * 2}
    assert sum(n for n, _ in items.values()) == len(code.encode())
    assert b.sourcemaps == [{"path": "assets/index-DDDDDDDD.js.map", "raw": len(json.dumps(smap)), "linked": True}]


def test_gzip_matches_node_defaults():
    data = b"const x = 1;\n" * 1000
    assert gzip_size(data) == len(zlib.compress(data, 6)) - 6 + 18  # zlib wrapper (2+4) -> gzip (10+8)


# --- the committed Vite build and Vite's own report ------------------------------------------------

REPORT_LINE = re.compile(r"^dist/(\S+)\s+([\d,.]+) kB │ gzip:\s+([\d,.]+) kB")


def test_truststream_sizes_agree_with_vites_build_report():
    """Vite 5.4 prints kB = length/1000 (string length, bytes for this ASCII build) and Node's gzip level 6."""
    printed = {m[1]: (float(m[2].replace(",", "")), float(m[3].replace(",", "")))
               for m in map(REPORT_LINE.match, VITE_REPORT.read_text().splitlines()) if m}
    assert "vite v5.4.21" in VITE_REPORT.read_text()
    b = measure_dist(TRUSTSTREAM / "dist", "dist")
    ours = {a.path: a for a in b.assets}
    assert set(printed) - {".vite/manifest.json"} == {p for p, a in ours.items() if a.kind != "image"}
    for path, (raw_kb, gzip_kb) in printed.items():
        data = (TRUSTSTREAM / "dist" / path).read_bytes()
        raw, gz = (ours[path].raw, ours[path].gzip) if path in ours else (len(data), gzip_size(data))
        for measured, shown in ((raw, raw_kb), (gz, gzip_kb)):
            # the printed value is rounded to 0.01 kB: tiny files are compared to that precision
            assert abs(measured / 1000 - shown) <= max(0.02 * shown, 0.005), (path, measured, shown)


def test_truststream_scan_reports_the_seed_weaknesses():
    doc = scan(str(TRUSTSTREAM))
    status = {c["check"]: c["status"] for a in doc["scorecard"]["areas"] for c in a["checks"]
              if c["check"].startswith("fe.")}
    assert status == {
        "fe.initial-js-budget": "pass", "fe.large-chunk": "pass", "fe.legacy-image-formats": "pass",
        "fe.manualchunks-object-on-vite8": "pass", "fe.no-compression": "pass", "fe.no-error-boundary": "pass",
        "fe.no-lazy-images": "fail", "fe.no-minify": "pass", "fe.no-route-splitting": "pass",
        "fe.query-cache-defaults": "fail", "fe.sourcemaps-in-production": "fail", "fe.warning-limit-raised": "fail"}
    bundle = doc["facts"]["frontend"]["bundle"]
    assert bundle["initial_from"] == "manifest"
    assert bundle["initial"]["js"]["files"] == 4 and 100_000 < bundle["initial"]["js"]["gzip"] < 170_000
    assert {a["path"] for a in bundle["assets"] if a["initial"]} == {
        "index.html", "assets/index-BQPrDLyc.js", "assets/router-CUOzNXZ5.js", "assets/supabase-Cj_qT-nX.js",
        "assets/ui-B0HrS_w2.js", "assets/index-MZH9suvs.css"}
    assert bundle["packages"]["from_sourcemaps"] and bundle["packages"]["items"][0]["package"] == "react-dom"
    by_check = {f["check"]: f for f in doc["findings"]}
    assert by_check["fe.warning-limit-raised"]["evidence"][0] == {
        "path": "vite.config.ts", "line": 24, "detail": "build.chunkSizeWarningLimit: 1000"}
    maps = by_check["fe.sourcemaps-in-production"]["evidence"]
    assert maps[0]["path"] == "vite.config.ts" and maps[0]["line"] == 13
    assert maps[2] == {"path": "dist/assets/supabase-Cj_qT-nX.js.map", "line": None, "detail": "1,160,247 B"}
    assert by_check["fe.query-cache-defaults"]["evidence"][0]["path"] == "src/main.tsx"


# --- applicability and check outcomes on small repos ------------------------------------------------

def fe_status(tmp_path, files):
    doc = scan(str(write(tmp_path, files)))
    return {c["check"]: (c["status"], c["note"]) for a in doc["scorecard"]["areas"] for c in a["checks"]
            if c["check"].startswith("fe.")}, doc


def test_no_front_end_is_not_applicable(tmp_path):
    status, doc = fe_status(tmp_path, {"app.py": "print(1)\n"})
    assert {s for s, _ in status.values()} == {"not_applicable"}
    assert doc["facts"]["frontend"]["apps"] == []


def test_front_end_without_dist_leaves_bundle_checks_undecided(tmp_path):
    pkg = json.dumps({"dependencies": {"react": "^19"}, "devDependencies": {"vite": "^8.0.0"}})
    status, _ = fe_status(tmp_path, {
        "package.json": pkg, "index.html": HTML, "vercel.json": "{}",
        "vite.config.ts": "export default { build: { minify: false, rollupOptions: { output: "
                          "{ manualChunks: { vendor: ['react'] } } } } }\n",
        "src/main.tsx": "const qc = new QueryClient({ defaultOptions: { queries: { staleTime: 0 } } })\n"})
    assert status["fe.initial-js-budget"] == ("undecided", "no built dist/: run with --build or --dist")
    assert status["fe.large-chunk"][0] == "undecided"
    assert status["fe.manualchunks-object-on-vite8"][0] == "fail"
    assert status["fe.no-minify"][0] == "fail"
    assert status["fe.no-route-splitting"][0] == "fail"
    assert status["fe.no-error-boundary"][0] == "fail"
    assert status["fe.query-cache-defaults"][0] == "fail"
    assert status["fe.no-compression"] == ("pass", "Vercel compresses text assets (gzip/brotli) by default (vercel.json)")


def test_compression_fails_only_where_the_repo_says_how_the_build_is_served(tmp_path):
    pkg = json.dumps({"devDependencies": {"vite": "^5.0.0"}})
    nginx = "server {\n  listen 80;\n  root /usr/share/nginx/html;\n}\n"
    served = {"package.json": pkg, "index.html": HTML, "Dockerfile": "FROM nginx:1.27\nCOPY dist /usr/share/nginx/html\n",
              "nginx.conf": nginx}
    status, _ = fe_status(tmp_path / "served", served)
    assert status["fe.no-compression"][0] == "fail"
    status, _ = fe_status(tmp_path / "compressed", {**served, "nginx.conf": nginx.replace("listen 80;", "listen 80;\n  gzip on;")})
    assert status["fe.no-compression"] == ("pass", "gzip on; (nginx.conf:3)")
    status, _ = fe_status(tmp_path / "bare", {"package.json": pkg, "index.html": HTML})
    assert status["fe.no-compression"][0] == "undecided"
    assert "the host decides" in status["fe.no-compression"][1]


def test_budget_large_chunk_legacy_images_and_public_maps_from_a_dist(tmp_path):
    big = "export const v=" + json.dumps("x" * 600_000) + ";\n//# sourceMappingURL=big-AAAAAAAA.js.map\n"
    noise = "export const n=" + json.dumps(base64.b64encode(random.Random(6).randbytes(250_000)).decode()) + ";\n"
    status, doc = fe_status(tmp_path, {
        "package.json": json.dumps({"devDependencies": {"vite": "^7.0.0"}}), "index.html": HTML,
        "dist/index.html": '<script type="module" src="/assets/big-AAAAAAAA.js"></script>'
                           '<link rel="modulepreload" href="/assets/noise-EEEEEEEE.js">',
        "dist/assets/big-AAAAAAAA.js": big, "dist/assets/noise-EEEEEEEE.js": noise,
        "dist/assets/big-AAAAAAAA.js.map": '{"version":3,"sources":[],"mappings":""}',
        "dist/assets/hero-BBBBBBBB.png": b"\x89PNG" + bytes(200_000),
        "dist/assets/photo-CCCCCCCC.jpg": b"\xff\xd8" + bytes(200_000),
        "dist/assets/photo-DDDDDDDD.webp": b"RIFF" + bytes(90_000)})
    assert {k: v[0] for k, v in status.items() if v[0] == "fail"} == {
        "fe.initial-js-budget": "fail", "fe.large-chunk": "fail", "fe.legacy-image-formats": "fail",
        "fe.no-route-splitting": "fail", "fe.sourcemaps-in-production": "fail"}
    assert status["fe.no-compression"][0] == "undecided", "nothing says how the build is served"
    findings = {}
    for f in doc["findings"]:
        findings.setdefault(f["check"], []).append(f)
    [budget] = findings["fe.initial-js-budget"]
    assert budget["subject"]["budget"] == 170_000 and budget["subject"]["initial_js_gzip"] > 170_000
    assert [e["path"] for e in budget["evidence"]] == ["dist", "dist/assets/big-AAAAAAAA.js",
                                                       "dist/assets/noise-EEEEEEEE.js"]
    assert [f["evidence"][0]["path"] for f in findings["fe.large-chunk"]] == ["dist/assets/big-AAAAAAAA.js"]
    # the JPEG has a WebP of the same name once the hash is left out
    assert [f["subject"]["image"] for f in findings["fe.legacy-image-formats"]] == ["dist/assets/hero-BBBBBBBB.png"]
    assert "1 linked" in findings["fe.sourcemaps-in-production"][0]["evidence"][0]["detail"]


def test_given_dist_dir_overrides_the_repo(tmp_path):
    write(tmp_path / "repo", {"package.json": json.dumps({"devDependencies": {"vite": "^7"}}), "index.html": HTML})
    dist = write(tmp_path / "out", {"index.html": '<script type="module" src="/a.js"></script>', "a.js": "x"})
    fe = frontend_facts(discover(tmp_path / "repo"), dist_dir=dist)
    assert fe.bundle.dist == str(dist) and [a.initial for a in fe.bundle.assets] == [True, True]


def test_a_missing_dist_is_a_problem_not_a_crash(tmp_path):
    b = measure_dist(tmp_path / "nope", "nope")
    assert (b.assets, b.initial_from, b.problems) == ([], "none", ["nope: not a folder"])


def test_git_ignored_dist_is_mentioned(tmp_path):
    write(tmp_path, {".gitignore": "dist\n", "package.json": json.dumps({"devDependencies": {"vite": "^7"}}),
                     "index.html": HTML, "dist/index.html": "<p>"})
    fe = frontend_facts(discover(tmp_path))
    assert fe.bundle is None and "dist/ exists but is git-ignored" in fe.bundle_note


def test_build_refuses_a_repo_without_a_vite_app(tmp_path):
    with pytest.raises(BuildError, match="no Vite app"):
        build_frontend(write(tmp_path, {"app.py": "print(1)\n"}))


def test_query_defaults_through_an_alias_import_or_undecided(tmp_path):
    src = signals(tmp_path, "import { queryConfig } from '@/lib/query'\nimport { other } from '@acme/config'\n"
                            "const a = new QueryClient({ defaultOptions: queryConfig })\n"
                            "const b = new QueryClient({ defaultOptions: other })\n")
    write(tmp_path, {"src/lib/query.ts": "export const queryConfig = { queries: { staleTime: 30_000 } }\n"})
    src = frontend_facts(discover(tmp_path)).source
    assert [c["defaults"] for c in src["query_clients"]] == [{"staleTime": 30000}, None]
    status, _ = fe_status(tmp_path / "b", {"package.json": json.dumps({"devDependencies": {"vite": "^7"}}),
                                           "index.html": HTML, "src/main.ts": "new QueryClient(opts)\n"})
    assert status["fe.query-cache-defaults"][0] == "undecided"


def test_a_vitest_only_config_is_not_a_front_end(tmp_path):
    write(tmp_path, {"package.json": json.dumps({"devDependencies": {"vite": "^7", "vitest": "^3"}}),
                     "vite.config.ts": "export default defineConfig({ test: { environment: 'node' } })\n"})
    fe = frontend_facts(discover(tmp_path))
    assert [(a.kind, a.config.keys) for a in fe.apps] == [("test", ["test"])] and not fe.present


def test_index_html_under_the_configured_root(tmp_path):
    write(tmp_path, {"vite.config.ts": "export default { root: 'web', build: { outDir: '../dist' } }\n",
                     "web/index.html": HTML, "package.json": json.dumps({"devDependencies": {"vite": "^7"}})})
    assert [a.kind for a in frontend_facts(discover(tmp_path)).apps] == ["spa"]


def test_a_build_output_is_named_by_its_path_in_the_repo(tmp_path):
    write(tmp_path / "repo", {"package.json": json.dumps({"devDependencies": {"vite": "^7"}}), "index.html": HTML})
    dist = write(tmp_path / "scaleaudit-dist-x1y2" / "apps/web/dist", {"index.html": "<p>"})
    assert frontend_facts(discover(tmp_path / "repo"), dist_dir=dist).bundle.dist == "apps/web/dist"
    inside = write(tmp_path / "repo" / "out", {"index.html": "<p>"})
    assert frontend_facts(discover(tmp_path / "repo"), dist_dir=inside).bundle.dist == "out"
