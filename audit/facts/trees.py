"""Each source file parsed once per scan: the syntax trees of one `collect_facts` call, shared by every
extractor. Outside `shared()` nothing is kept. Shared trees are read, never modified."""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")
PARSES: Counter[str] = Counter()  # parses actually run, by language ("js", "python"): tests count them
_cache: ContextVar[dict | None] = ContextVar("trees", default=None)


@contextmanager
def shared() -> Iterator[None]:
    """Within the block a file parsed again (same language, path and text) gets the tree parsed first."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def cached(language: str, path: str, text: str, parse: Callable[[], T]) -> T:
    """`parse()`'s result, run once per (language, path, text) within `shared()`; errors are not kept."""
    cache = _cache.get()
    key = (language, path, text)
    if cache is not None and key in cache:
        return cache[key]
    PARSES[language] += 1
    tree = parse()
    if cache is not None:
        cache[key] = tree
    return tree


def release(language: str, path: str, text: str) -> None:
    """Let go of a tree whose last reader is done with it, so that the cache holds only trees still wanted."""
    cache = _cache.get()
    if cache is not None:
        cache.pop((language, path, text), None)


def python(path: str, text: str) -> ast.Module:
    """A Python file's syntax tree; raises what `ast.parse` raises (SyntaxError, ValueError, RecursionError).

    Syntax newer than the running Python (3.12's type parameters and `type` aliases, 3.14's unparenthesized
    `except A, B:`) is read through `without_newer_syntax` when the plain parse fails."""
    def parse() -> ast.Module:
        try:
            return ast.parse(text, filename=path)
        except SyntaxError as first:
            older = without_newer_syntax(text)
            if older == text:
                raise
            try:
                return ast.parse(older, filename=path)
            except SyntaxError:
                raise first from None
    return cached("python", path, text, parse)


def import_bindings(nodes) -> dict[str, str]:
    """Local name -> what it was imported as, over a Python tree's nodes (`sa` -> `sqlalchemy`,
    `_engine` -> `sqlalchemy.create_engine`, `x` -> `..pkg.x` for a relative import)."""
    out: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            for a in node.names:
                out[a.asname or a.name] = f"{base}.{a.name}" if base and not base.endswith(".") else base + a.name
    return out


_EXCEPT_TUPLE = re.compile(r"^([ \t]*except\*?[ \t]+)([^()\n:#]+,[^()\n:#]+?)([ \t]*:)", re.M)
_TYPE_PARAMS = re.compile(r"^[ \t]*(?:(?:async[ \t]+)?def|class|type)[ \t]+\w+[ \t]*(?=\[)", re.M)
_TYPE_ALIAS = re.compile(r"^([ \t]*)type[ \t]+(?=\w+[ \t]*=)", re.M)


def without_newer_syntax(text: str) -> str:
    """The same lines with PEP 695 type parameters removed, `type X = ...` read as `X = ...` and PEP 758's
    `except A, B:` parenthesized; every line keeps its number (the line breaks of a multi-line type
    parameter list move to the end of its header), and nothing the extractors read is lost."""
    for m in reversed(list(_TYPE_PARAMS.finditer(text))):
        end = _bracket_end(text, m.end())
        eol = text.find("\n", end)
        eol = len(text) if eol < 0 else eol
        text = text[:m.end()] + text[end:eol] + "\n" * text.count("\n", m.end(), end) + text[eol:]
    text = _TYPE_ALIAS.sub(r"\1", text)
    return _EXCEPT_TUPLE.sub(lambda m: m[0] if " as " in m[2] else f"{m[1]}({m[2]}){m[3]}", text)


def _bracket_end(text: str, i: int) -> int:
    """The index after the `]` closing the `[` at `i` (brackets in comments do not count)."""
    depth, comment = 0, False
    while i < len(text):
        comment = (comment or text[i] == "#") and text[i] != "\n"
        if not comment:
            depth += {"[": 1, "]": -1}.get(text[i], 0)
        i += 1
        if depth == 0:
            break
    return i
