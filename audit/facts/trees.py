"""Each source file parsed once per scan: the syntax trees of one `collect_facts` call, shared by every
extractor. Outside `shared()` nothing is kept. Shared trees are read, never modified."""

from __future__ import annotations

import ast
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
    """A Python file's syntax tree; raises what `ast.parse` raises (SyntaxError, ValueError, RecursionError)."""
    return cached("python", path, text, lambda: ast.parse(text, filename=path))
