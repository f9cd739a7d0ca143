"""Front-end facts, read statically: each Vite app's config (parsed with tree-sitter, never executed)
and the Vite version its lock file pins, React signals in its sources, what serves the files
compressed, the images it ships, and the built bundle (measured by audit.facts.bundle)."""

from __future__ import annotations

import json
import operator
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import tree_sitter as ts

from audit.discover import Discovery, SourceFile, discover
from audit.facts import js
from audit.facts.bundle import BundleFacts, measure_dist

CONFIG_NAMES = {f"vite.config.{ext}" for ext in ("ts", "js", "mts", "mjs", "cts", "cjs")}
BUILD_SETTINGS = ("target", "minify", "sourcemap", "cssCodeSplit", "manifest", "chunkSizeWarningLimit",
                  "assetsInlineLimit", "outDir", "lib")
OUTPUT_OPTIONS = ("rollupOptions", "rolldownOptions")
FRAMEWORKS = ("react", "preact", "vue", "svelte", "solid-js")
PLUGIN_KINDS = {
    "compression": ("vite-plugin-compression", "vite-plugin-compression2", "rollup-plugin-gzip",
                    "rollup-plugin-brotli", "vite-plugin-brotli", "unplugin-compression"),
    "pwa": ("vite-plugin-pwa",),
    "visualizer": ("rollup-plugin-visualizer", "vite-bundle-visualizer", "vite-bundle-analyzer"),
    "legacy": ("@vitejs/plugin-legacy",),
    "image": ("vite-plugin-imagemin", "vite-imagetools", "vite-plugin-image-optimizer", "unplugin-imagemin",
              "@vheemstra/vite-plugin-imagemin", "vite-plugin-image-presets"),
    "react": ("@vitejs/plugin-react", "@vitejs/plugin-react-swc"),
}
COMPRESSING_HOSTS = {  # file -> host that serves text assets compressed without configuration
    "netlify.toml": "Netlify", "vercel.json": "Vercel", "firebase.json": "Firebase Hosting",
    "staticwebapp.config.json": "Azure Static Web Apps", "amplify.yml": "AWS Amplify",
}
SERVER_MIDDLEWARE = {"compression": "Express/Connect", "@fastify/compress": "Fastify", "koa-compress": "Koa",
                     "@hono/compress": "Hono"}
NGINX_COMPRESSION = re.compile(r"^\s*(gzip|gzip_static|brotli|brotli_static)\s+on\s*;", re.M)
DEPLOY_FILE = re.compile(r"^(dockerfile(?!.*\.dockerignore$).*|.*\.dockerfile|(docker-)?compose.*\.ya?ml|.*\.conf|caddyfile|procfile"
                         r"|fly\.toml|render\.yaml|app\.yaml|_headers|_redirects)$")
CADDY_ENCODE = re.compile(r"^\s*encode\s+(.*)$", re.M)
RASTER = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"}
TEST_FILE = re.compile(r"(^|/)(__tests__|__mocks__|tests?|e2e|cypress|playwright)/|\.(test|spec|stories|cy)\.[cm]?[jt]sx?$")
FUNCTIONS = {"arrow_function", "function_expression", "function", "method_definition", "function_declaration"}
WRAPPERS = {"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
            "await_expression", "type_assertion"}
QUERY_HOOKS = {"useQuery", "useSuspenseQuery", "useInfiniteQuery", "useQueries"}
QUERY_DEFAULTS = ("staleTime", "gcTime", "cacheTime", "retry", "refetchOnWindowFocus", "refetchOnMount")
SWR_DEFAULTS = ("dedupingInterval", "revalidateOnFocus", "revalidateOnMount", "refreshInterval", "errorRetryCount")
ERROR_BOUNDARY_MODULES = {"react-error-boundary", "@sentry/react"}
ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}
MAX_HOPS = 25
BUILT_APPS = ("spa", "other")  # the kinds that ship a front end
BUILD_PREFIX = "scaleaudit-dist-"

_CALLS = "(call_expression function: (_) @fn arguments: (arguments) @args) @call"
_NEWS = "(new_expression constructor: (_) @ctor arguments: (arguments) @args) @new"
_METHODS = "(method_definition name: (property_identifier) @name) @method"
_IMPORTS = "(import_statement source: (string) @src) @imp"
_KEYS = "(pair key: (property_identifier) @key) @pair"
_JSX = "[(jsx_self_closing_element name: (_) @name) (jsx_opening_element name: (_) @name)] @el"


@dataclass
class ViteConfig:
    """What a vite.config.* sets, each value with the file and line that set it."""

    path: str
    keys: list = field(default_factory=list)          # the config's top-level keys
    settings: dict = field(default_factory=dict)      # "build.minify" -> {value, path, line}
    plugins: list = field(default_factory=list)       # {name, package, kind, conditional, path, line}
    manual_chunks: list = field(default_factory=list)  # {option, form, chunks, path, line}
    proxy: list = field(default_factory=list)         # {route, path, line}
    unresolved: list = field(default_factory=list)    # what the static reading could not follow


@dataclass
class FrontendApp:
    """One Vite app: a folder with a vite.config.* (or an index.html and a vite dependency)."""

    root: str
    kind: str  # "spa" (an index.html), "library" (build.lib), "test" (only a vitest config) or "other"
    package: str | None
    frameworks: list[str]
    vite: dict
    config: ViteConfig | None


@dataclass
class FrontendFacts:
    apps: list[FrontendApp] = field(default_factory=list)
    source: dict = field(default_factory=dict)
    serving: list = field(default_factory=list)        # {how, path, line, detail}
    deploy_files: list = field(default_factory=list)   # files near an app that say how it runs (no compression seen)
    source_images: list = field(default_factory=list)  # {path, format, bytes}
    bundle: BundleFacts | None = None
    bundle_note: str = ""

    @property
    def present(self) -> bool:
        return any(a.kind in BUILT_APPS for a in self.apps) or self.bundle is not None

    def to_dict(self) -> dict:
        return {
            "apps": [asdict(a) for a in self.apps],
            "source": self.source,
            "serving": self.serving,
            "deploy_files": self.deploy_files,
            "source_images": self.source_images,
            "bundle": self.bundle.to_dict() if self.bundle else None,
            "bundle_note": self.bundle_note,
        }


def frontend_facts(found: Discovery, dist_dir: Path | None = None) -> FrontendFacts:
    """Front-end facts of the discovered repo; the bundle from `dist_dir`, else from a dist/ in the repo."""
    reader = FrontendReader(found)
    for f in found.of_kind("js"):
        reader.js_file(f)
    return reader.facts(dist_dir)


class FrontendReader:
    """Reads the apps and their configs first, then the apps' sources one JS/TS file at a time (`js_file`,
    so that a caller can read each file with its other extractors in turn), then the rest (`facts`)."""

    def __init__(self, found: Discovery) -> None:
        self.found = found
        files = {f.path: f for f in found.files}
        self.reader = _Reader(files)
        self.out = FrontendFacts(apps=_apps(files, self.reader))
        self.roots = [a.root for a in self.out.apps if a.kind in BUILT_APPS]
        self.reader.source_dirs = _source_dirs(self.roots, files)
        self.out.source = {"files_scanned": 0, "dynamic_imports": [], "error_boundaries": [], "query_clients": [],
                           "query_hooks": [], "images": []}

    def js_file(self, f: SourceFile) -> None:
        """React signals of one file, when it is in an app's sources (files come in path order)."""
        if _in_sources(f.path, self.reader.source_dirs):
            self.out.source["files_scanned"] += 1
            react_signals(f, self.reader, self.out.source)

    def facts(self, dist_dir: Path | None = None) -> FrontendFacts:
        """The facts, with the bundle from `dist_dir`, else from a dist/ in the repo."""
        found, facts = self.found, self.out
        for key in ("dynamic_imports", "error_boundaries", "query_clients", "query_hooks", "images"):
            facts.source[key].sort(key=lambda r: (r["path"], r["line"], str(r)))
        facts.serving = _serving(found, facts.apps)
        facts.deploy_files = _deploy_files(found, facts.apps)
        shipped = [_join(r, d) for r in self.roots for d in ("public", "src")]
        facts.source_images = [{"path": f.path, "format": PurePosixPath(f.path).suffix.lower().lstrip("."),
                                "bytes": f.size} for f in found.files
                               if PurePosixPath(f.path).suffix.lower() in RASTER and any(_under(f.path, d) for d in shipped)]
        if dist_dir is not None:
            facts.bundle = measure_dist(Path(dist_dir), _dist_label(Path(dist_dir), found.root))
        else:
            dist = _repo_dist(found, facts.apps)
            if dist is not None:
                facts.bundle = measure_dist(found.root / dist, dist)
            elif facts.present:
                facts.bundle_note = "no built dist/: run with --build or --dist" + _ignored_dist_hint(found)
        return facts


class BuildError(RuntimeError):
    """The opt-in front-end build did not produce a dist folder."""


def build_frontend(root: Path, timeout: int = 900) -> Path:
    """The opt-in `--build`, which RUNS THE AUDITED PROJECT'S CODE: copies the repo (without
    node_modules and .git) to a temporary folder, installs (see _install) and runs `npm run build` for
    its first Vite app, each step limited to `timeout` seconds, and moves the
    output to a new `scaleaudit-dist-*` temporary folder, at the path it has in the repo. Returns that
    dist folder; delete `build_folder(dist)` when done."""
    root = Path(root)
    files = {f.path: f for f in discover(root).files}
    apps = sorted(_apps(files, _Reader(files)), key=lambda a: a.kind != "spa")
    if not apps or apps[0].package is None:
        raise BuildError(f"no Vite app with a package.json found under {root}")
    app = apps[0]
    out_dir = (app.config.settings.get("build.outDir", {}).get("value") if app.config else None) or "dist"
    if not isinstance(out_dir, str) or out_dir.startswith("expr:"):
        raise BuildError(f"build.outDir is not a literal ({out_dir}): cannot tell where the build goes")
    skip = {"node_modules", ".git"}
    with tempfile.TemporaryDirectory(prefix="scaleaudit-build-") as work:
        copy = Path(work) / "repo"
        shutil.copytree(root, copy, symlinks=True, ignore=lambda d, names: [n for n in names if n in skip])
        cwd = copy / _dir(app.package)
        env = {**os.environ, "CI": "1", "npm_config_audit": "false", "npm_config_fund": "false",
               "npm_config_update_notifier": "false"}
        _install(cwd, env, timeout)
        _check(_run(["npm", "run", "build"], cwd, env, timeout), "npm run build")
        built = copy / app.root / out_dir
        if not (built / "index.html").is_file() and not any(built.rglob("*.js")):
            raise BuildError(f"npm run build finished but {_join(app.root, out_dir)} holds no build output")
        target = Path(tempfile.mkdtemp(prefix=BUILD_PREFIX)) / _join(app.root, out_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), target)
    return target


def build_folder(dist: Path) -> Path | None:
    """The temporary folder build_frontend put `dist` in, if it did."""
    return next((p for p in Path(dist).parents if p.name.startswith(BUILD_PREFIX)), None)


def _dist_label(dist: Path, root: Path) -> str:
    """How evidence names a dist: its path in the repo (also for a --build output), else as given."""
    built = build_folder(dist)
    if built is not None:
        return dist.relative_to(built).as_posix()
    try:
        return dist.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(dist)


def _install(cwd: Path, env: dict, timeout: int) -> None:
    """`npm ci`, else `npm install`; each retried with --legacy-peer-deps on a peer conflict (ERESOLVE),
    as lock files written by npm 6 or with that flag need."""
    for cmd in (["npm", "ci"], ["npm", "install"]):
        result = _run(cmd, cwd, env, timeout)
        if result.returncode != 0 and "ERESOLVE" in result.stdout + result.stderr:
            result = _run([*cmd, "--legacy-peer-deps"], cwd, env, timeout)
        if result.returncode == 0:
            return
    _check(result, "npm install")


def _run(cmd: list[str], cwd: Path, env: dict, timeout: int) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise BuildError(f"{cmd[0]} is not installed: the front end cannot be built here") from exc
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"`{' '.join(cmd)}` did not finish within {timeout} s") from exc


def _check(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise BuildError(f"`{what}` failed (exit {result.returncode}):\n{tail}")


# --- apps and their config ---------------------------------------------------------------------

def _apps(files: dict[str, SourceFile], reader: "_Reader") -> list[FrontendApp]:
    roots: dict[str, str | None] = {}
    for path in sorted(files):
        p = PurePosixPath(path)
        if p.name in CONFIG_NAMES and files[path].text is not None:
            if roots.get(_dir(path)) is None:
                roots[_dir(path)] = path
        elif p.name == "package.json" and "vite" in _deps(files[path]) and _join(_dir(path), "index.html") in files:
            roots.setdefault(_dir(path), None)
    apps = []
    for root, config_path in sorted(roots.items(), key=lambda kv: (kv[0].count("/") + bool(kv[0]), kv[0])):
        config = reader.vite_config(config_path) if config_path else None
        package = next((_join(d, "package.json") for d in _ancestors(root) if _join(d, "package.json") in files), None)
        deps = _deps(files[package]) if package else {}
        apps.append(FrontendApp(root, _kind(root, config, files), package, [f for f in FRAMEWORKS if f in deps],
                                vite_version(root, files), config))
    return apps


def _kind(root: str, config: ViteConfig | None, files: dict[str, SourceFile]) -> str:
    html_dir = (config.settings.get("root") if config else None) or {}
    if _join(root, "index.html") in files or (isinstance(html_dir.get("value"), str)
                                              and _join(_join(root, html_dir["value"].strip("./")), "index.html") in files):
        return "spa"
    if config and "build.lib" in config.settings:
        return "library"
    if config and "test" in config.keys and "build" not in config.keys:
        return "test"
    return "other"


def vite_version(root: str, files: dict[str, SourceFile]) -> dict:
    """The Vite version declared by the nearest package.json and pinned by the nearest lock file."""
    out = {"declared": None, "declared_in": None, "installed": None, "installed_in": None,
           "major": None, "bundler": None}
    for d in _ancestors(root):
        pkg = files.get(_join(d, "package.json"))
        if out["declared"] is None and pkg and "vite" in _deps(pkg):
            out["declared"], out["declared_in"] = str(_deps(pkg)["vite"]), pkg.path
        for name in ("package-lock.json", "pnpm-lock.yaml", "yarn.lock"):
            lock = files.get(_join(d, name))
            if out["installed"] is None and lock and lock.text:
                version = _locked_vite(name, lock.text, root[len(d):].lstrip("/"))
                if version:
                    out["installed"], out["installed_in"] = version, lock.path
    declared = out["declared"] or ""
    source = out["installed"] or re.sub(r"^npm:rolldown-vite@", "", declared)
    m = re.search(r"(\d+)", source) if not declared.startswith(("workspace:", "file:", "link:")) else None
    out["major"] = int(m.group(1)) if m else None
    rolldown = "rolldown-vite" in declared or (out["major"] or 0) >= 8
    out["bundler"] = None if out["major"] is None else "rolldown" if rolldown else "rollup"
    return out


def _locked_vite(name: str, text: str, app_dir: str) -> str | None:
    if name == "package-lock.json":
        try:
            packages = json.loads(text).get("packages", {})
        except ValueError:
            return None
        for key in (f"{app_dir}/node_modules/vite" if app_dir else None, "node_modules/vite"):
            if key and isinstance(packages.get(key), dict):
                return packages[key].get("version")
        return None
    if name == "pnpm-lock.yaml":
        m = re.search(r"^\s+vite:\s*\n\s+specifier:[^\n]*\n\s+version:\s*'?(\d+\.\d+\.\d+)", text, re.M)
        return m.group(1) if m else None
    m = re.search(r'^"?vite@[^\n]*:\s*\n\s+version:?\s+"?(\d+\.\d+\.\d+)', text, re.M)
    return m.group(1) if m else None


@dataclass(frozen=True)
class Ref:
    """An expression and the file it was read from."""

    node: ts.Node
    file: "_File"


class _File:
    """A parsed JS/TS file and the names it imports."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.tree, self.suffix = js.parse(path, text)
        self.imports: dict[str, tuple[str, str]] = {}  # local name -> (module, imported name or "default")
        for caps in js.matches(self.tree, self.suffix, _IMPORTS):
            module = js.string_value(caps["src"][0]) or ""
            clause = next((c for c in caps["imp"][0].named_children if c.type == "import_clause"), None)
            for c in clause.named_children if clause else ():
                if c.type == "identifier":
                    self.imports[js.text(c)] = (module, "default")
                elif c.type == "named_imports":
                    for spec in c.named_children:
                        names = [js.text(n) for n in spec.named_children if n.type == "identifier"]
                        if names:
                            self.imports[names[-1]] = (module, names[0])
                elif c.type == "namespace_import" and c.named_children:
                    self.imports[js.text(c.named_children[-1])] = (module, "*")

    def default_export(self) -> ts.Node | None:
        for node in self.tree.root_node.named_children:
            if node.type == "export_statement" and any(c.type == "default" for c in node.children):
                return node.named_children[-1] if node.named_children else None
            if node.type == "expression_statement" and node.named_children:
                expr = node.named_children[0]
                if expr.type == "assignment_expression" and js.text(expr.child_by_field_name("left")) == "module.exports":
                    return expr.child_by_field_name("right")
        return None


class _Reader:
    """Reads config objects statically, following identifiers, spreads, defineConfig/mergeConfig,
    config functions and relative imports of the repo's own files."""

    def __init__(self, files: dict[str, SourceFile]) -> None:
        self.files = files
        self.source_dirs: list[str] = []  # where the `@/` and `~/` aliases point (each app's src/)
        self.parsed: dict[str, _File] = {}
        self.unresolved: list[str] = []  # the config being read collects what could not be followed
        self.active: set = set()

    def file(self, path: str) -> _File | None:
        if path not in self.parsed:
            sf = self.files.get(path)
            if sf is None or sf.text is None:
                return None
            self.parsed[path] = _File(path, sf.text)
        return self.parsed[path]

    def vite_config(self, path: str) -> ViteConfig:
        cfg = ViteConfig(path)
        self.unresolved = cfg.unresolved
        f = self.file(path)
        export = f.default_export() if f else None
        top = self.object_of(Ref(export, f)) if export is not None else None
        if top is None:
            cfg.unresolved.append(f"{path}: the default export is not a config object scaleaudit can read")
            return cfg
        cfg.keys = sorted(top)
        if "root" in top:
            cfg.settings["root"] = self.located_value(top["root"])
        build = self.object_of(top.get("build")) or {}
        for key in BUILD_SETTINGS:
            if key in build:
                cfg.settings[f"build.{key}"] = self.located_value(build[key])
        for option in OUTPUT_OPTIONS:
            outputs = self.get(build, option, "output")
            for output in self.elements(outputs) if outputs is not None else ():
                chunks = (self.object_of(output) or {}).get("manualChunks")
                if chunks is not None:
                    cfg.manual_chunks.append({"option": f"build.{option}.output.manualChunks", **self.chunks_form(chunks)})
        proxy = self.object_of(self.get(top, "server", "proxy")) or {}
        cfg.proxy = [{"route": k, **self.where(v)} for k, v in proxy.items()]
        if "plugins" in top:
            cfg.plugins = self.plugins(top["plugins"])
        self.unresolved = []
        return cfg

    # values

    def unwrap(self, ref):
        """Follow wrappers, identifiers, imports and member accesses to the expression that gives the value."""
        for _ in range(MAX_HOPS):
            if not isinstance(ref, Ref):
                return ref
            n = ref.node
            if n.type in WRAPPERS and n.named_children:
                ref = Ref(n.named_children[0], ref.file)
            elif n.type in {"identifier", "shorthand_property_identifier"}:
                target = self.identifier(js.text(n), ref)
                if target is None:
                    return ref
                ref = target
            elif n.type == "member_expression" and n.child_by_field_name("property").type == "property_identifier":
                obj = self.object_of(Ref(n.child_by_field_name("object"), ref.file))
                prop = js.text(n.child_by_field_name("property"))
                if obj is None or prop not in obj:
                    return ref
                ref = obj[prop]
            else:
                return ref
        return ref

    def identifier(self, name: str, ref: Ref):
        node = js.resolve_identifier(ref.file.tree, name, ref.node.start_byte)
        if node is not None:
            return Ref(node, ref.file)
        module, imported = ref.file.imports.get(name, ("", ""))
        other = self.imported_file(ref.file.path, module)
        if other is None:
            return None
        if imported == "default":
            node = other.default_export()
        else:
            node = js.resolve_identifier(other.tree, imported, len(other.text.encode("utf-8")) + 1)
        return Ref(node, other) if node is not None else None

    def imported_file(self, importer: str, module: str) -> _File | None:
        """The repo file a relative or `@/`-aliased import names (TypeScript's `./x.js` may mean ./x.ts)."""
        if module.startswith("."):
            stems = [posixpath.normpath(posixpath.join(_dir(importer), module))]
        elif module.startswith(("@/", "~/")):
            stems = [_join(d, module[2:]) for d in self.source_dirs if _under(importer, d)]
        else:
            return None
        for stem in stems:
            bare = re.sub(r"\.[cm]?js$", "", stem)
            for candidate in (stem, *(bare + ext for ext in (".ts", ".mts", ".tsx", ".js", ".mjs", ".jsx")),
                              stem + "/index.ts", stem + "/index.js"):
                f = self.file(candidate)
                if f is not None:
                    return f
        return None

    def object_of(self, ref) -> dict | None:
        """The keys of an object expression (spreads applied in order); None when it is not one."""
        return self._guarded(self._object_of, ref, None)

    def _guarded(self, read, ref, empty):
        """Read an expression unless it is already being read (a self-reference such as `{...x}` in x)."""
        ref = self.unwrap(ref)
        key = (ref.file.path, ref.node.start_byte, ref.node.type) if isinstance(ref, Ref) else None
        if key in self.active:
            return empty
        self.active.add(key)
        try:
            return read(ref)
        finally:
            self.active.discard(key)

    def _object_of(self, ref) -> dict | None:
        if ref is None or isinstance(ref, list):
            return None
        if isinstance(ref, dict):
            return ref
        n, f = ref.node, ref.file
        if n.type == "object":
            out: dict = {}
            for child in n.named_children:
                if child.type == "pair":
                    key = child.child_by_field_name("key")
                    out[js.string_value(key) if key.type == "string" else js.text(key)] = \
                        Ref(child.child_by_field_name("value"), f)
                elif child.type == "shorthand_property_identifier":
                    out[js.text(child)] = Ref(child, f)
                elif child.type == "method_definition":
                    out[js.text(child.child_by_field_name("name"))] = Ref(child, f)
                elif child.type == "spread_element" and child.named_children:
                    inner = self.object_of(Ref(child.named_children[0], f))
                    if inner is None:
                        self.unresolved.append(f"{f.path}:{js.line(child)}: spread {js.text(child)[:60]} not resolved")
                    out.update(inner or {})
            return out
        if n.type == "call_expression":
            fn = js.text(n.child_by_field_name("function")).rsplit(".", 1)[-1]
            args = [a for a in n.child_by_field_name("arguments").named_children if a.type != "comment"]
            if fn == "defineConfig" and args:
                return self.object_of(Ref(args[0], f))
            if fn == "mergeConfig" and len(args) >= 2:
                left, right = self.object_of(Ref(args[0], f)), self.object_of(Ref(args[1], f))
                return self.merge(left or {}, right or {})
            return None
        if n.type in FUNCTIONS:
            body = n.child_by_field_name("body")
            if body is None:
                return None
            if body.type != "statement_block":
                return self.object_of(Ref(body, f))
            found = [o for r in _returns(body) if (o := self.object_of(Ref(r, f))) is not None]
            if len(found) > 1:
                self.unresolved.append(f"{f.path}:{js.line(n)}: {len(found)} returned configs, read the one that sets build (else the last)")
            return next((o for o in found if "build" in o), found[-1] if found else None)
        return None

    def merge(self, a: dict, b: dict) -> dict:
        """Vite's mergeConfig: objects merged deeply, arrays concatenated, anything else replaced."""
        out = dict(a)
        for key, value in b.items():
            if key in out:
                left, right = self.object_of(out[key]), self.object_of(value)
                if left is not None and right is not None:
                    out[key] = self.merge(left, right)
                    continue
                if self.is_array(out[key]) and self.is_array(value):
                    out[key] = self.elements(out[key]) + self.elements(value)
                    continue
            out[key] = value
        return out

    def is_array(self, ref) -> bool:
        ref = self.unwrap(ref)
        return isinstance(ref, list) or (isinstance(ref, Ref) and ref.node.type == "array")

    def elements(self, ref) -> list:
        """An array's elements (spreads resolved); a single value as a one-element list."""
        return self._guarded(self._elements, ref, [])

    def _elements(self, ref) -> list:
        if isinstance(ref, list):
            return ref
        if not isinstance(ref, Ref) or ref.node.type != "array":
            return [ref]
        out = []
        for el in ref.node.named_children:
            if el.type == "spread_element" and el.named_children:
                out.extend(self.elements(Ref(el.named_children[0], ref.file)))
            elif el.type != "comment":
                out.append(Ref(el, ref.file))
        return out

    def get(self, obj: dict | None, *keys: str):
        for key in keys:
            obj = self.object_of(obj) if obj is not None else None
            if obj is None or key not in obj:
                return None
            obj = obj[key]
        return obj

    def located_value(self, ref) -> dict:
        target = self.unwrap(ref)
        if isinstance(target, Ref) and target.node.type == "object":
            value = "object"
        elif isinstance(target, Ref) and target.node.type == "array":
            value = [js.value(e.node) for e in self.elements(target) if isinstance(e, Ref)]
        else:
            value = _arithmetic(target.node) if isinstance(target, Ref) else "expr:merged"
        return {"value": value, **self.where(ref)}

    @staticmethod
    def where(ref) -> dict:
        return {"path": ref.file.path, "line": js.line(ref.node)} if isinstance(ref, Ref) else {"path": None, "line": None}

    def chunks_form(self, ref) -> dict:
        target = self.unwrap(ref)
        node = target.node if isinstance(target, Ref) else None
        if isinstance(target, dict) or (node is not None and node.type == "object"):
            return {"form": "object", "chunks": sorted(self.object_of(target) or {}), **self.where(ref)}
        form = "function" if node is not None and node.type in FUNCTIONS else "expression"
        return {"form": form, "chunks": [], **self.where(ref)}

    def plugins(self, ref, conditional: bool = False, depth: int = 0) -> list[dict]:
        """The plugin calls in a plugins array, through spreads, `cond && p()`, ternaries and .filter()."""
        if depth > MAX_HOPS:
            return []
        out = []
        for el in self.elements(ref):
            el = self.unwrap(el)
            if isinstance(el, list):
                out += [p for e in el for p in self.plugins(e, conditional, depth + 1)]
                continue
            if not isinstance(el, Ref):
                continue
            n, f = el.node, el.file
            if n.type == "array":
                out += self.plugins(el, conditional, depth + 1)
            elif n.type == "binary_expression":
                out += self.plugins(Ref(n.child_by_field_name("right"), f), True, depth + 1)
            elif n.type == "ternary_expression":
                for branch in ("consequence", "alternative"):
                    out += self.plugins(Ref(n.child_by_field_name(branch), f), True, depth + 1)
            elif n.type in {"call_expression", "new_expression"}:
                fn = n.child_by_field_name("function") or n.child_by_field_name("constructor")
                if fn.type == "member_expression" and js.text(fn.child_by_field_name("property")) in {"filter", "flat"}:
                    out += self.plugins(Ref(fn.child_by_field_name("object"), f), conditional, depth + 1)
                    continue
                name = js.text(fn)
                package = f.imports.get(name.split(".")[0], ("", ""))[0] or None
                kind = next((k for k, pkgs in PLUGIN_KINDS.items() if package in pkgs), None)
                out.append({"name": name, "package": package, "kind": kind, "conditional": conditional,
                            "path": f.path, "line": js.line(n)})
            elif n.type not in {"null", "undefined", "false", "true"}:
                self.unresolved.append(f"{f.path}:{js.line(n)}: plugin {js.text(n)[:60]} not resolved")
        return out


def _arithmetic(node: ts.Node):
    """js.value, with arithmetic on number literals folded (`1000 * 60 * 5` -> 300000)."""
    if node.type == "binary_expression":
        left, right = _arithmetic(node.child_by_field_name("left")), _arithmetic(node.child_by_field_name("right"))
        op = ARITHMETIC.get(js.text(node.child_by_field_name("operator")))
        if op and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
            return op(left, right)
    if node.type == "parenthesized_expression" and node.named_children:
        return _arithmetic(node.named_children[0])
    return js.value(node)


def _returns(body: ts.Node) -> list[ts.Node]:
    """Values returned by a function body itself (not by functions nested in it)."""
    out, todo = [], list(reversed(body.named_children))
    while todo:
        node = todo.pop()
        if node.type == "return_statement" and node.named_children:
            out.append(node.named_children[0])
        elif node.type not in FUNCTIONS and node.type != "class_declaration":
            todo.extend(reversed(node.named_children))
    return out


# --- React signals -----------------------------------------------------------------------------

REACT_HINTS = ("import(", "lazy", "QueryClient", "useQuery", "useSuspenseQuery", "useInfiniteQuery", "useQueries",
               "<img", "componentDidCatch", "getDerivedStateFromError", "ErrorBoundary", "errorElement", "SWRConfig")


def react_signals(sf: SourceFile, reader: _Reader, out: dict) -> None:
    """Route splitting, error boundaries, query-cache defaults and <img> attributes of one source file."""
    text = sf.text or ""
    if not any(h in text for h in REACT_HINTS):
        return
    f = _File(sf.path, text)
    _calls(f, reader, out)
    classes = {caps["method"][0].parent.parent for caps in js.matches(f.tree, f.suffix, _METHODS)
               if js.text(caps["name"][0]) in {"componentDidCatch", "getDerivedStateFromError"}}
    for cls in sorted(classes, key=lambda c: c.start_byte):
        out["error_boundaries"].append({"kind": f"class {js.text(cls.child_by_field_name('name'))}",
                                        "path": f.path, "line": js.line(cls)})
    for caps in js.matches(f.tree, f.suffix, _IMPORTS):
        module = js.string_value(caps["src"][0])
        if module in ERROR_BOUNDARY_MODULES and "ErrorBoundary" in js.text(caps["imp"][0]):
            out["error_boundaries"].append({"kind": module, "path": f.path, "line": js.line(caps["imp"][0])})
    for caps in js.matches(f.tree, f.suffix, _KEYS):
        if js.text(caps["key"][0]) in {"errorElement", "ErrorBoundary"}:
            out["error_boundaries"].append({"kind": "router route", "path": f.path, "line": js.line(caps["pair"][0])})
    for caps in js.matches(f.tree, f.suffix, _NEWS):
        if js.text(caps["ctor"][0]).rsplit(".", 1)[-1] == "QueryClient":
            out["query_clients"].append(_query_client(caps["new"][0], caps["args"][0], f, reader))
    if f.suffix in {".tsx", ".jsx", ".js", ".mjs", ".cjs"}:
        _jsx(f, reader, out)


def _calls(f: _File, reader: _Reader, out: dict) -> None:
    for caps in js.matches(f.tree, f.suffix, _CALLS):
        fn, args = caps["fn"][0], [a for a in caps["args"][0].named_children if a.type != "comment"]
        name = js.text(fn).rsplit(".", 1)[-1]
        if fn.type == "import" and args:
            target = js.string_value(args[0])
            lazy = _inside_lazy(caps["call"][0])
            out["dynamic_imports"].append({"target": target if target is not None else js.text(args[0])[:80],
                                           "lazy": lazy, "path": f.path, "line": js.line(caps["call"][0])})
        elif name in QUERY_HOOKS:
            opts = reader.object_of(Ref(args[0], f)) if args else None
            stale = opts.get("staleTime") if opts else None
            out["query_hooks"].append({"hook": name, "stale_time": reader.located_value(stale)["value"]
                                       if stale is not None else None, "path": f.path, "line": js.line(caps["call"][0])})


def _inside_lazy(node: ts.Node) -> bool:
    """Whether a dynamic import() is the loader of React.lazy / lazy()."""
    for _ in range(6):
        node = node.parent
        if node is None:
            return False
        if node.type == "call_expression" and js.text(node.child_by_field_name("function")).rsplit(".", 1)[-1] == "lazy":
            return True
    return False


def _query_client(new: ts.Node, args: ts.Node, f: _File, reader: _Reader) -> dict:
    """A QueryClient's query defaults as written; None when it passes options scaleaudit cannot read."""
    first = next((a for a in args.named_children if a.type != "comment"), None)
    options = reader.object_of(Ref(first, f)) if first is not None else {}
    queries = reader.object_of(reader.get(options, "defaultOptions", "queries")) if options is not None else None
    readable = options is not None and ("defaultOptions" not in options or queries is not None)
    defaults = {k: reader.located_value(queries[k])["value"] for k in QUERY_DEFAULTS if queries and k in queries}
    return {"library": "react-query", "defaults": defaults if readable else None, "path": f.path, "line": js.line(new)}


def _jsx(f: _File, reader: _Reader, out: dict) -> None:
    for caps in js.matches(f.tree, f.suffix, _JSX):
        name, el = js.text(caps["name"][0]), caps["el"][0]
        attrs: dict[str, ts.Node | None] = {}
        for a in el.named_children:
            if a.type == "jsx_attribute" and a.named_children:
                value = a.named_children[1] if len(a.named_children) > 1 else None
                if value is not None and value.type == "jsx_expression" and value.named_children:
                    value = value.named_children[0]
                attrs[js.text(a.named_children[0])] = value
        if name == "img":
            loading = attrs.get("loading")
            out["images"].append({"loading": js.value(loading) if loading is not None else None,
                                  "width": "width" in attrs, "height": "height" in attrs,
                                  "spread": any(a.type == "jsx_expression" for a in el.named_children),
                                  "path": f.path, "line": js.line(el)})
        elif name == "SWRConfig" and attrs.get("value") is not None:
            opts = reader.object_of(Ref(attrs["value"], f)) or {}
            out["query_clients"].append({"library": "swr", "path": f.path, "line": js.line(el), "defaults": {
                k: reader.located_value(opts[k])["value"] for k in SWR_DEFAULTS if k in opts}})
        elif name.endswith("ErrorBoundary") and not name.startswith("with"):
            out["error_boundaries"].append({"kind": f"<{name}>", "path": f.path, "line": js.line(el)})


# --- serving, dist and paths ------------------------------------------------------------------

def _serving(found: Discovery, apps: list[FrontendApp]) -> list[dict]:
    """What would serve the front end's files gzip- or brotli-compressed: a host config in an app's
    folder or above it, an nginx/Caddy config or compression middleware anywhere, a Vite plugin."""
    out = []
    app_dirs = {d for a in apps for d in _ancestors(a.root)}
    for f in found.files:
        name = PurePosixPath(f.path).name.lower()
        if f.kind == "build_output":
            continue
        if (name in COMPRESSING_HOSTS or name == "_headers") and _dir(f.path) in app_dirs:
            host = COMPRESSING_HOSTS.get(name, "Netlify or Cloudflare Pages")
            out.append({"how": "host", "path": f.path, "line": None,
                        "detail": f"{host} compresses text assets (gzip/brotli) by default"})
        elif f.text and name.endswith(".conf") and (m := NGINX_COMPRESSION.search(f.text)):
            out.append({"how": "nginx", "path": f.path, "line": f.text.count("\n", 0, m.start(1)) + 1,
                        "detail": m.group(0).strip()})
        elif name == "caddyfile" and f.size < 1_000_000:
            text = (found.root / f.path).read_text(encoding="utf-8", errors="replace")
            m = CADDY_ENCODE.search(text)
            if m and re.search(r"\b(gzip|zstd|br)\b", m.group(1)):
                out.append({"how": "caddy", "path": f.path, "line": text.count("\n", 0, m.start()) + 1,
                            "detail": m.group(0).strip()})
        elif name == "package.json" and f.text:
            for dep in sorted(set(_deps(f)) & set(SERVER_MIDDLEWARE)):
                out.append({"how": "middleware", "path": f.path, "line": _line_of(f.text, f'"{dep}"'),
                            "detail": f"{SERVER_MIDDLEWARE[dep]} compression middleware ({dep}) is a dependency"})
    for app in apps:
        for p in app.config.plugins if app.config else ():
            if p["kind"] == "compression":
                out.append({"how": "plugin", "path": p["path"], "line": p["line"],
                            "detail": f"{p['package']} writes precompressed copies at build time"})
    return sorted(out, key=lambda r: (r["path"], r["line"] or 0, r["how"]))


def _deploy_files(found: Discovery, apps: list[FrontendApp]) -> list[str]:
    """Container, process and web-server files in an app's folder or above it: the repo says how the
    app is served, so finding no compression there is a finding, not an unknown."""
    app_dirs = {d for a in apps for d in _ancestors(a.root)}
    return sorted(f.path for f in found.files if _dir(f.path) in app_dirs and f.kind != "build_output"
                  and DEPLOY_FILE.match(PurePosixPath(f.path).name.lower()))


def _repo_dist(found: Discovery, apps: list[FrontendApp]) -> str | None:
    """The built dist/ folder in the repo: the first app's outDir when built, else one holding index.html."""
    folders = sorted({"/".join(parts[: parts.index("dist") + 1]) for f in found.of_kind("build_output")
                      if "dist" in (parts := f.path.split("/")[:-1])})
    for app in apps:
        out_dir = (app.config.settings.get("build.outDir", {}).get("value") if app.config else None) or "dist"
        wanted = _join(app.root, str(out_dir).strip("./"))
        if wanted in folders:
            return wanted
    paths = {f.path for f in found.files}
    return next((d for d in folders if f"{d}/index.html" in paths), None)


def _ignored_dist_hint(found: Discovery) -> str:
    ignored = [s.path for s in found.skipped if s.reason == "ignored by .gitignore" and
               PurePosixPath(s.path.rstrip("/")).name == "dist"]
    return f" ({ignored[0]} exists but is git-ignored and may be stale: pass --dist to measure it)" if ignored else ""


def _source_dirs(roots: list[str], files: dict[str, SourceFile]) -> list[str]:
    """Each app's src/ folder, or the app's folder when it has none."""
    return [_join(r, "src") if any(p.startswith(_join(r, "src") + "/") for p in files) else r for r in roots]


def _in_sources(path: str, dirs: list[str]) -> bool:
    if TEST_FILE.search(path) or PurePosixPath(path).name in CONFIG_NAMES:
        return False
    return any(_under(path, d) for d in dirs)


def _deps(pkg: SourceFile) -> dict:
    try:
        data = json.loads(pkg.text or "")
    except ValueError:
        return {}
    out: dict = {}
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        if isinstance(data.get(key), dict):
            out.update(data[key])
    return out


def _line_of(text: str, needle: str) -> int | None:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else None


def _dir(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _join(root: str, name: str) -> str:
    return f"{root}/{name}" if root else name


def _under(path: str, root: str) -> bool:
    return not root or path.startswith(root + "/")


def _ancestors(root: str) -> list[str]:
    parts = root.split("/") if root else []
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]
