"""Measurements of a built front end (a Vite `dist/` folder): every asset's raw, gzip and brotli size,
the initial load versus lazily loaded chunks, bytes per npm package from source maps, images by format,
and the initial load's download time on two reference networks. The build's code is never run.

Gzip is zlib at level 6 with a gzip wrapper (what Node's `zlib.gzip` does by default, and what Vite's
report prints); Node bundles Chromium's zlib, so the bytes can differ from Python's zlib by about 0.1%.
Brotli is quality 11, window 22 (Node's and the `brotli` library's default, used for precompressed files).
Formats already compressed (PNG, JPEG, WebP, AVIF, GIF, WOFF/WOFF2...) are sent as they are: their
gzip and brotli are `null` and sums count their raw bytes.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

import brotli

KINDS = {
    ".js": "js", ".mjs": "js", ".cjs": "js", ".css": "css",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".webp": "image", ".avif": "image",
    ".svg": "image", ".ico": "image", ".bmp": "image",
    ".woff": "font", ".woff2": "font", ".ttf": "font", ".otf": "font", ".eot": "font",
}
ALREADY_COMPRESSED = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".woff", ".woff2",
                      ".mp4", ".webm", ".mp3", ".ogg", ".zip", ".gz", ".br", ".zst"}
PRECOMPRESSED = (".gz", ".br", ".zst")
SUM_KINDS = ("js", "css", "image", "font", "other")
LARGEST = 10
NETWORKS = (  # the model: round_trips × rtt + transfer bytes × 8 / bits_per_second
    {"name": "slow-4g", "title": "Lighthouse Slow 4G (simulated)", "rtt_ms": 150, "bits_per_second": 1_638_400,
     "round_trips": 4, "source": "https://github.com/GoogleChrome/lighthouse/blob/main/docs/throttling.md"},
    {"name": "fast-3g", "title": "Chrome DevTools Fast 3G", "rtt_ms": 562.5, "bits_per_second": 1_440_000,
     "round_trips": 2, "source": "https://github.com/ChromeDevTools/devtools-frontend "
                                 "(SDK NetworkManager: 1.6 Mbps × 0.9, 150 ms × 3.75)"},
)
DOWNLOAD_MODEL = ("seconds = round_trips × RTT + transfer bytes × 8 / bandwidth, with transfer bytes the gzip "
                  "size of the initial load (raw for formats sent as they are). Slow 4G counts 4 round trips "
                  "(TCP, TLS 1.3, the HTML, then its scripts and styles in parallel over HTTP/2); DevTools' "
                  "Fast 3G applies its 562.5 ms per request, so 2 (the HTML, then the assets). Assumes the "
                  "entry's static imports are preloaded (Vite adds modulepreload links); TCP slow start, "
                  "DNS, server time, parsing and execution are left out.")

_HTML_TAG = re.compile(r"<(script|link)\b([^>]*)>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_LEADING_IMPORT = re.compile(
    r"""\s*(?:/\*.*?\*/\s*|//[^\n]*\n\s*)*import\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']\s*;?""", re.S)
_MAP_COMMENT = re.compile(rb"//[#@] sourceMappingURL=([^\s'\"]+)\s*$")
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


@dataclass
class Asset:
    """One served file of the build: its sizes and whether the first render needs it."""

    path: str
    kind: str
    raw: int
    gzip: int | None
    brotli: int | None
    initial: bool = False

    @property
    def transfer(self) -> int:
        return self.raw if self.gzip is None else self.gzip


@dataclass
class BundleFacts:
    """The measured build. `dist` is where it was read (relative to the repo, or as given)."""

    dist: str
    initial_from: str                      # "manifest", "index.html" or "none"
    assets: list[Asset] = field(default_factory=list)
    sourcemaps: list[dict] = field(default_factory=list)     # {path, raw, linked}
    precompressed: list[str] = field(default_factory=list)   # .gz/.br/.zst copies shipped next to the files
    packages: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def sums(self, initial: bool) -> dict:
        """raw/gzip/brotli by kind (and total) of the initial load or of everything else."""
        out = {k: {"raw": 0, "gzip": 0, "brotli": 0, "files": 0} for k in (*SUM_KINDS, "total")}
        for a in self.assets:
            if a.initial is initial:
                for row in (out[a.kind], out["total"]):
                    row["raw"] += a.raw
                    row["gzip"] += a.transfer
                    row["brotli"] += a.raw if a.brotli is None else a.brotli
                    row["files"] += 1
        return out

    def largest(self, n: int = LARGEST) -> list[Asset]:
        return sorted((a for a in self.assets if a.kind == "js"), key=lambda a: (-a.raw, a.path))[:n]

    def images(self) -> list[dict]:
        by: dict[str, dict] = {}
        for a in self.assets:
            if a.kind == "image":
                row = by.setdefault(PurePosixPath(a.path).suffix.lower().lstrip("."), {"count": 0, "raw": 0})
                row["count"] += 1
                row["raw"] += a.raw
        return [{"format": f, **v} for f, v in sorted(by.items())]

    def download(self) -> dict:
        transfer = self.sums(True)["total"]["gzip"]
        return {"model": DOWNLOAD_MODEL, "bytes": transfer, "networks": [
            {**net, "seconds": round(net["round_trips"] * net["rtt_ms"] / 1000 + transfer * 8 / net["bits_per_second"], 2)}
            for net in NETWORKS]}

    def to_dict(self) -> dict:
        return {
            "dist": self.dist,
            "initial_from": self.initial_from,
            "assets": [asdict(a) for a in self.assets],
            "initial": self.sums(True),
            "lazy": self.sums(False),
            "largest": [asdict(a) for a in self.largest()],
            "images": self.images(),
            "packages": self.packages,
            "download": self.download(),
            "sourcemaps": self.sourcemaps,
            "precompressed": self.precompressed,
            "problems": self.problems,
        }


def gzip_size(data: bytes) -> int:
    """Bytes after gzip at level 6, as Node's `zlib.gzip` writes them (10-byte header, no name or time)."""
    c = zlib.compressobj(6, zlib.DEFLATED, 31, 8, zlib.Z_DEFAULT_STRATEGY)
    return len(c.compress(data) + c.flush())


@lru_cache(maxsize=4096)
def _sizes(path: str, size: int, mtime_ns: int) -> tuple[int | None, int | None]:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in ALREADY_COMPRESSED:
        return None, None
    data = Path(path).read_bytes()
    return gzip_size(data), len(brotli.compress(data, quality=11, lgwin=22))


def measure_dist(dist: Path, label: str) -> BundleFacts:
    """Measure every file under `dist` (symbolic links are not followed)."""
    facts = BundleFacts(dist=label, initial_from="none")
    if not dist.is_dir():
        facts.problems.append(f"{label}: not a folder")
        return facts
    files = _walk(dist)
    manifest = _manifest(dist, files, facts)
    maps = {}
    for rel in files:
        suffix = PurePosixPath(rel).suffix.lower()
        full = dist / rel
        if suffix == ".map":
            maps[rel] = full.stat().st_size
        elif suffix in PRECOMPRESSED and rel[: -len(suffix)] in files:
            facts.precompressed.append(rel)
        elif rel != manifest:
            st = full.stat()
            gz, br = _sizes(str(full), st.st_size, st.st_mtime_ns)
            facts.assets.append(Asset(rel, KINDS.get(suffix, "other"), st.st_size, gz, br))
    _mark_initial(dist, facts, manifest)
    linked = _linked_maps(dist, facts)
    facts.sourcemaps = [{"path": p, "raw": n, "linked": p in linked} for p, n in sorted(maps.items())]
    facts.packages = package_bytes(dist, facts, set(maps))
    return facts


def _walk(dist: Path) -> set[str]:
    out = set()
    for dirpath, dirnames, filenames in os.walk(dist, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)))
        for name in filenames:
            full = Path(dirpath) / name
            if full.is_file() and not full.is_symlink():
                out.add(full.relative_to(dist).as_posix())
    return out


def _manifest(dist: Path, files: set[str], facts: BundleFacts) -> str | None:
    """The Vite manifest's path: .vite/manifest.json (Vite 5+) or manifest.json with chunk entries (Vite 4)."""
    for rel in (".vite/manifest.json", "manifest.json"):
        if rel in files:
            try:
                data = json.loads((dist / rel).read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                facts.problems.append(f"{rel}: not valid JSON ({exc})")
                continue
            if isinstance(data, dict) and any(isinstance(v, dict) and "file" in v for v in data.values()):
                return rel
    return None


def _mark_initial(dist: Path, facts: BundleFacts, manifest: str | None) -> None:
    by_path = {a.path: a for a in facts.assets}
    initial: set[str] = set()
    html = by_path.get("index.html")
    if html:
        initial.add(html.path)
        initial |= _html_refs((dist / html.path).read_text(encoding="utf-8", errors="replace"), by_path)
    if manifest:
        initial |= _manifest_closure(json.loads((dist / manifest).read_text(encoding="utf-8")))
        facts.initial_from = "manifest"
    elif html:
        facts.initial_from = "index.html"
    todo = [p for p in initial if p.endswith((".js", ".mjs"))]
    while todo:  # static imports at the top of each initial module (already listed when preloaded)
        path = todo.pop()
        if path not in by_path:
            continue
        for spec in _leading_imports((dist / path).read_text(encoding="utf-8", errors="replace")):
            target = _resolve(spec, path, by_path)
            if target and target not in initial:
                initial.add(target)
                todo.append(target)
    for a in facts.assets:
        a.initial = a.path in initial
    facts.assets.sort(key=lambda a: a.path)


def _manifest_closure(manifest: dict) -> set[str]:
    entries = ["index.html"] if manifest.get("index.html", {}).get("isEntry") else \
        sorted(k for k, v in manifest.items() if isinstance(v, dict) and v.get("isEntry"))
    seen, out, todo = set(), set(), list(entries)
    while todo:
        key = todo.pop()
        chunk = manifest.get(key)
        if key in seen or not isinstance(chunk, dict):
            continue
        seen.add(key)
        out.add(chunk["file"])
        out.update(chunk.get("css", []))
        todo.extend(chunk.get("imports", []))
    return out


def _html_refs(html: str, by_path: dict[str, Asset]) -> set[str]:
    """Files index.html loads up front: module and classic scripts (not nomodule), modulepreload, stylesheets."""
    out = set()
    for tag, attrs in _HTML_TAG.findall(html):
        a = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR.findall(attrs)}
        rel = a.get("rel", "").lower().split()
        if tag.lower() == "script" and a.get("src") and "nomodule" not in a:
            ref = a["src"]
        elif tag.lower() == "link" and a.get("href") and ({"stylesheet", "modulepreload"} & set(rel)
                                                         or ("preload" in rel and a.get("as") in {"script", "style", "font"})):
            ref = a["href"]
        else:
            continue
        target = _resolve(ref, "index.html", by_path)
        if target:
            out.add(target)
    return out


def _resolve(ref: str, from_path: str, by_path: dict[str, Asset]) -> str | None:
    """A URL as written in the build to a file of the dist (any `base` prefix is matched by suffix)."""
    if re.match(r"^[a-z][\w+.-]*:|^//", ref, re.I):
        return None
    ref = ref.split("?")[0].split("#")[0]
    if ref.startswith("/"):
        parts = ref.lstrip("/").split("/")
        for i in range(len(parts)):
            if "/".join(parts[i:]) in by_path:
                return "/".join(parts[i:])
        return None
    resolved = os.path.normpath(str(PurePosixPath(from_path).parent / ref)).replace(os.sep, "/")
    return resolved if resolved in by_path else None


def _leading_imports(code: str) -> list[str]:
    out, pos = [], 0
    while m := _LEADING_IMPORT.match(code, pos):
        out.append(m.group(1))
        pos = m.end()
    return out


def _linked_maps(dist: Path, facts: BundleFacts) -> set[str]:
    """Source maps a `//# sourceMappingURL=` comment at the end of a JS or CSS file points at."""
    out = set()
    for a in facts.assets:
        if a.kind in {"js", "css"}:
            with open(dist / a.path, "rb") as f:
                f.seek(max(0, a.raw - 512))
                m = _MAP_COMMENT.search(f.read())
            if m and not m.group(1).startswith(b"data:"):
                target = os.path.normpath(str(PurePosixPath(a.path).parent / m.group(1).decode("utf-8", "replace")))
                out.add(target.replace(os.sep, "/"))
    return out


def package_bytes(dist: Path, facts: BundleFacts, maps: set[str]) -> dict:
    """Minified bytes of each npm package in the JS, attributed segment by segment through the source maps."""
    scripts = [a for a in facts.assets if a.kind == "js"]
    mapped = [a for a in scripts if a.path + ".map" in maps]
    if not scripts:
        return {"from_sourcemaps": False, "note": "no JavaScript in the build", "items": []}
    if not mapped:
        return {"from_sourcemaps": False, "items": [],
                "note": "no source maps in the build: bytes per package cannot be measured (build with "
                        "build.sourcemap 'hidden' to get maps without linking them from the served files)"}
    total: dict[str, int] = {}
    initial: dict[str, int] = {}
    for a in mapped:
        try:
            smap = json.loads((dist / (a.path + ".map")).read_text(encoding="utf-8"))
            counts = _attribute((dist / a.path).read_text(encoding="utf-8", errors="replace"), smap)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            facts.problems.append(f"{a.path}.map: source map could not be read ({exc})")
            continue
        for name, n in counts.items():
            total[name] = total.get(name, 0) + n
            if a.initial:
                initial[name] = initial.get(name, 0) + n
    note = (f"{len(mapped)} of {len(scripts)} JavaScript files have source maps; bytes are minified and "
            "uncompressed, attributed to the package of each mapped segment")
    items = [{"package": k, "bytes": v, "initial_bytes": initial.get(k, 0)}
             for k, v in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {"from_sourcemaps": True, "note": note, "items": items}


def _attribute(code: str, smap: dict) -> dict[str, int]:
    owners = [_owner(s or "") for s in smap.get("sources", [])]
    mappings = smap["mappings"].split(";")
    out: dict[str, int] = {"(unmapped)": code.count("\n")}
    src = 0  # the source index is relative to the previous segment's, across lines
    for line_no, line in enumerate(code.split("\n")):
        spans, col = [(0, "(unmapped)")], 0
        for seg in mappings[line_no].split(",") if line_no < len(mappings) and mappings[line_no] else ():
            vals = _vlq(seg)
            col += vals[0]
            if len(vals) >= 4:
                src += vals[1]
            spans.append((col, owners[src] if len(vals) >= 4 and 0 <= src < len(owners) else "(unmapped)"))
        for (start, owner), (end, _) in zip(spans, spans[1:] + [(len(line), "")]):
            piece = line[start:end]
            out[owner] = out.get(owner, 0) + (len(piece) if piece.isascii() else len(piece.encode("utf-8")))
    return {k: v for k, v in out.items() if v > 0}


def _owner(source: str) -> str:
    """The npm package a source path belongs to, or what else it is."""
    if "node_modules/" in source:
        parts = source.rsplit("node_modules/", 1)[1].split("/")
        return "/".join(parts[:2]) if parts[0].startswith("@") and len(parts) > 1 else parts[0]
    if source.startswith(("\0", "vite/", "rolldown:")):
        return "(bundler runtime)"
    return "(app code)"


def _vlq(segment: str) -> list[int]:
    values, shift, value = [], 0, 0
    for ch in segment:
        digit = _B64[ch]
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
        else:
            values.append(-(value >> 1) if value & 1 else value >> 1)
            shift = value = 0
    return values
