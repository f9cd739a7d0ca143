"""One walk over the audited repository: which files to read, of what kind, and what was skipped."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

from audit.model import Skipped
from audit.stack import detect_stack

SIZE_CAP = 2 * 1024 * 1024
SKIP_DIRS = {
    "node_modules": "dependency folder",
    "bower_components": "dependency folder",
    "vendor": "vendored code",
    "third_party": "vendored code",
    ".venv": "virtual environment",
    "venv": "virtual environment",
    "site-packages": "virtual environment",
    "__pycache__": "generated files",
    ".next": "generated files",
    ".nuxt": "generated files",
    ".svelte-kit": "generated files",
    ".turbo": "generated files",
    ".cache": "generated files",
    "coverage": "generated files",
    ".mypy_cache": "generated files",
    ".pytest_cache": "generated files",
}
UNLISTED_DIRS = {".git", ".hg", ".svn"}
BUILD_DIRS = {"dist"}
TEST_DIRS = {"tests", "test", "__tests__", "spec", "specs", "e2e", "cypress", "__mocks__", "examples", "example"}
SCRIPT_DIRS = {"scripts", "script"}  # backfills, one-off fixes, admin tasks: run by hand, not per request
TEST_NAMES = re.compile(r"(^test_.*\.py$|_test\.py$|^conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$)")
MIGRATION_DIRS = {"migrations", "migration", "migrate"}
SCHEMA_FILES = {"schema.sql", "structure.sql"}
JS_SUFFIXES = {".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".mts", ".cts"}
MANIFESTS = {
    "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "pyproject.toml",
    "pipfile", "pipfile.lock", "poetry.lock", "setup.cfg", "setup.py", "uv.lock",
}
CONFIG_SUFFIXES = {".toml", ".yaml", ".yml", ".json", ".ini", ".conf", ".cfg", ".properties"}
CONFIG_NAMES = {"dockerfile", "procfile", "_headers", "_redirects", ".env.example", ".env.sample",
                ".env.template", ".env.defaults"}
GENERATED_SUFFIXES = (".min.js", ".min.css", ".map", ".bundle.js")
READ_KINDS = {"migration_sql", "schema_sql", "sql", "python", "js", "config", "manifest"}
# test and example code is not part of the production load: classified, counted, not read


@dataclass
class SourceFile:
    """A file of the audited repo; `text` is loaded for the kinds the extractors read."""

    path: str
    kind: str
    size: int
    text: str | None = None

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


@dataclass
class Discovery:
    """Everything one walk learned: the files by kind, the skipped ones, the stack."""

    root: Path
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    stack: dict = field(default_factory=dict)

    def of_kind(self, *kinds: str) -> list[SourceFile]:
        return [f for f in self.files if f.kind in kinds]

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append(Skipped(path, reason))


def classify(rel: str) -> str:
    """The kind of a file from its path alone."""
    p = PurePosixPath(rel)
    name = p.name.lower()
    parts = {part.lower() for part in p.parts[:-1]}
    if parts & BUILD_DIRS:
        return "build_output"
    if parts & TEST_DIRS or TEST_NAMES.search(name):
        return "test"
    if name.endswith(".sql"):
        if parts & MIGRATION_DIRS:
            return "migration_sql"
        return "schema_sql" if name in SCHEMA_FILES else "sql"
    if name.endswith(".py"):
        return "python"
    if p.suffix.lower() in JS_SUFFIXES and not name.endswith(GENERATED_SUFFIXES):
        return "js"
    if name in MANIFESTS or (name.startswith("requirements") and name.endswith(".txt")):
        return "manifest"
    if name in CONFIG_NAMES or p.suffix.lower() in CONFIG_SUFFIXES or name.startswith("dockerfile"):
        return "config"
    return "other"


def _secret_env(name: str) -> bool:
    return name == ".env" or (name.startswith(".env.") and name not in CONFIG_NAMES)


class _Ignores:
    """The .gitignore files met on the way down, each applying below its own folder."""

    def __init__(self) -> None:
        self.specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []

    def load(self, root: Path, rel_dir: str) -> None:
        f = root / rel_dir / ".gitignore"
        if f.is_file() and not f.is_symlink():
            lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
            self.specs.append((rel_dir, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        for base, spec in self.specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1:] if base else rel
            if spec.match_file(sub + "/" if is_dir else sub):
                return True
        return False


def _read(root: Path, sf: SourceFile, found: Discovery) -> bool:
    data = (root / sf.path).read_bytes()
    if b"\0" in data[:8192]:
        found.skip(sf.path, "binary content")
        return False
    try:
        sf.text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        found.skip(sf.path, f"not UTF-8 text (byte {exc.start})")
        return False
    return True


def discover(root: str | os.PathLike, size_cap: int = SIZE_CAP) -> Discovery:
    """Walk `root` once (no symlinks followed) and classify, read or skip every file."""
    root = Path(root)
    found = Discovery(root=root)
    if not root.is_dir():
        found.skip(str(root), "not a directory")
        return found
    ignores = _Ignores()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        ignores.load(root, rel_dir)
        keep = []
        for d in sorted(dirnames):
            rel = f"{rel_dir}/{d}" if rel_dir else d
            if d in UNLISTED_DIRS:
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                found.skip(rel + "/", "symbolic link (not followed)")
            elif d in SKIP_DIRS or d.endswith(".egg-info"):
                found.skip(rel + "/", SKIP_DIRS.get(d, "generated files"))
            elif ignores.ignored(rel, is_dir=True):
                found.skip(rel + "/", "ignored by .gitignore")
            else:
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            _visit(root, rel, name, ignores, found, size_cap)
    found.files.sort(key=lambda f: f.path)
    _list_test_code(found)
    _list_scripts(found)
    found.stack = detect_stack(found)
    found.skipped.sort(key=lambda s: (s.path, s.reason))
    return found


def is_script(path: str) -> bool:
    """Code in a scripts/ folder: its queries and pools are not production load (its load tests count)."""
    return bool(SCRIPT_DIRS & {p.lower() for p in PurePosixPath(path).parts[:-1]})


def _list_scripts(found: Discovery) -> None:
    """One `skipped` entry per scripts/ folder holding code."""
    groups: dict[str, int] = {}
    for f in found.of_kind("python", "js"):
        parts = PurePosixPath(f.path).parts
        cut = next((i for i, p in enumerate(parts[:-1]) if p.lower() in SCRIPT_DIRS), None)
        if cut is not None:
            key = "/".join(parts[: cut + 1]) + "/"
            groups[key] = groups.get(key, 0) + 1
    for key, n in groups.items():
        found.skip(key, f"scripts ({n} code file{'s' if n > 1 else ''}): their queries and pools are not counted as "
                        "production load (read for load tests only)")


def _list_test_code(found: Discovery) -> None:
    """One `skipped` entry per folder of test or example code (or per test file elsewhere)."""
    groups: dict[str, int] = {}
    for f in found.of_kind("test"):
        parts = PurePosixPath(f.path).parts
        cut = next((i for i, p in enumerate(parts[:-1]) if p.lower() in TEST_DIRS), None)
        key = "/".join(parts[: cut + 1]) + "/" if cut is not None else f.path
        groups[key] = groups.get(key, 0) + 1
    for key, n in groups.items():
        found.skip(key, f"test or example code ({n} file{'s' if n > 1 else ''}): not part of the production load")


def _visit(root: Path, rel: str, name: str, ignores: _Ignores, found: Discovery, cap: int) -> None:
    full = root / rel
    if full.is_symlink():
        found.skip(rel, "symbolic link (not followed)")
        return
    if not full.is_file():
        found.skip(rel, "not a regular file")
        return
    if name == ".gitignore":
        return
    if ignores.ignored(rel, is_dir=False):
        found.skip(rel, "ignored by .gitignore")
        return
    if _secret_env(name.lower()):
        found.skip(rel, "may hold secrets: only .env.example/.env.sample are read")
        return
    lowered = name.lower()
    if lowered.endswith(GENERATED_SUFFIXES) and classify(rel) != "build_output":
        found.skip(rel, "generated file")
        return
    size = full.stat().st_size
    sf = SourceFile(rel, classify(rel), size)
    if sf.kind in READ_KINDS:
        if size > cap:
            found.skip(rel, f"larger than the {cap // (1024 * 1024)} MB size cap ({size} bytes)")
            return
        try:
            if not _read(root, sf, found):
                return
        except OSError as exc:
            found.skip(rel, f"unreadable: {exc.strerror or exc}")
            return
    found.files.append(sf)
