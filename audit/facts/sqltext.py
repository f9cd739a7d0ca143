"""Split SQL text into statements with their line numbers (strings, comments, $$ bodies respected)."""

from __future__ import annotations

import re

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def split_statements(sql: str) -> list[tuple[int, str]]:
    """Return (line, text) for each non-empty statement; line is where its first token starts."""
    out: list[tuple[int, str]] = []
    i, n, start = 0, len(sql), 0
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif c == "/" and sql.startswith("/*", i):
            i = _skip_block_comment(sql, i)
        elif c in "'\"":
            i = _skip_quoted(sql, i, c)
        elif c == "$" and (m := _DOLLAR.match(sql, i)) and not (i and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            end = sql.find(m.group(0), m.end())
            i = n if end < 0 else end + len(m.group(0))
        elif c == ";":
            _emit(sql, start, i, out)
            start = i + 1
            i += 1
        else:
            i += 1
    _emit(sql, start, n, out)
    return out


def _skip_block_comment(sql: str, i: int) -> int:
    depth, i = 1, i + 2
    while i < len(sql) and depth:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _skip_quoted(sql: str, i: int, quote: str) -> int:
    escapes = quote == "'" and i > 0 and sql[i - 1] in "eE" and (i < 2 or not sql[i - 2].isalnum())
    i += 1
    while i < len(sql):
        if escapes and sql[i] == "\\":
            i += 2
        elif sql[i] == quote and sql.startswith(quote * 2, i):
            i += 2
        elif sql[i] == quote:
            return i + 1
        else:
            i += 1
    return i


def strip_comments(sql: str) -> str:
    """The statement without leading comments and surrounding whitespace."""
    text = sql.strip()
    while text.startswith(("--", "/*")):
        if text.startswith("--"):
            j = text.find("\n")
            text = "" if j < 0 else text[j + 1:].strip()
        else:
            text = text[_skip_block_comment(text, 0):].strip()
    return text


def _emit(sql: str, start: int, end: int, out: list[tuple[int, str]]) -> None:
    chunk = sql[start:end]
    body = strip_comments(chunk)
    if not body:
        return
    offset = start + chunk.find(body[:20]) if body[:20] in chunk else start
    out.append((sql.count("\n", 0, offset) + 1, body))
