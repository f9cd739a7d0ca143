"""JS/TS parsing with tree-sitter, and a small static evaluator for literal config values."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath

import tree_sitter as ts
import tree_sitter_javascript as tsjs
import tree_sitter_typescript as tsts

from audit.facts import trees

PARSE_FUNCS = {"parseInt", "Number", "parseFloat"}


@lru_cache(maxsize=None)
def language(suffix: str) -> ts.Language:
    if suffix == ".tsx":
        return ts.Language(tsts.language_tsx())
    if suffix in {".ts", ".mts", ".cts"}:
        return ts.Language(tsts.language_typescript())
    return ts.Language(tsjs.language())


@lru_cache(maxsize=None)
def query(suffix: str, source: str) -> ts.Query:
    return ts.Query(language(suffix), source)


def parse(path: str, text: str) -> tuple[ts.Tree, str]:
    """Parse a JS/TS file (once per scan, see `trees`); returns the tree and the suffix that picked its grammar."""
    suffix = PurePosixPath(path).suffix.lower()
    return trees.cached("js", path, text, lambda: (ts.Parser(language(suffix)).parse(text.encode("utf-8")), suffix))


def matches(tree: ts.Tree, suffix: str, source: str) -> list[dict[str, list[ts.Node]]]:
    cursor = ts.QueryCursor(query(suffix, source))
    return [caps for _, caps in cursor.matches(tree.root_node)]


def text(node: ts.Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def line(node: ts.Node) -> int:
    return node.start_point[0] + 1


def string_value(node: ts.Node) -> str | None:
    if node.type == "string":
        return "".join(text(c) for c in node.named_children if c.type == "string_fragment")
    if node.type == "template_string" and not any(c.type == "template_substitution" for c in node.named_children):
        return text(node)[1:-1]
    return None


def env_name(node: ts.Node) -> str | None:
    """`process.env.NAME`, `process.env["NAME"]` or `import.meta.env.NAME` -> NAME."""
    t = text(node)
    if node.type == "member_expression" and t.startswith(("process.env.", "import.meta.env.")):
        return text(node.child_by_field_name("property"))
    if node.type == "call_expression" and t.startswith("Deno.env.get("):
        args = node.child_by_field_name("arguments")
        return string_value(args.named_children[0]) if args is not None and args.named_children else None
    if node.type == "subscript_expression" and text(node.child_by_field_name("object")) == "process.env":
        idx = node.child_by_field_name("index")
        return string_value(idx) if idx is not None else None
    return None


def value(node: ts.Node | None):
    """A literal's value; `env:NAME` (with `|| default` as a tuple) for environment reads; else `expr:...`."""
    if node is None:
        return None
    kind = node.type
    if kind == "number":
        raw = text(node).replace("_", "")
        try:
            return int(raw, 0) if raw.isdigit() or raw.startswith("0x") else float(raw)
        except ValueError:
            return f"expr:{raw}"
    if kind in {"true", "false"}:
        return kind == "true"
    if kind in {"null", "undefined"}:
        return None
    if kind in {"string", "template_string"} and string_value(node) is not None:
        s = string_value(node)
        return int(s) if s.isdigit() else s
    if kind in {"parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression"}:
        return value(node.named_children[0])
    name = env_name(node)
    if name:
        return f"env:{name}"
    if kind == "binary_expression" and text(node.child_by_field_name("operator")) in {"||", "??"}:
        left, right = value(node.child_by_field_name("left")), value(node.child_by_field_name("right"))
        if isinstance(left, str) and left.startswith("env:"):
            return {"env": left[4:], "default": right}
        if isinstance(left, dict) and "env" in left:
            return left
    if kind == "call_expression" and text(node.child_by_field_name("function")) in PARSE_FUNCS:
        args = node.child_by_field_name("arguments")
        if args is not None and args.named_children:
            return value(args.named_children[0])
    return f"expr:{' '.join(text(node).split())[:80]}"


def object_pairs(node: ts.Node) -> dict[str, ts.Node]:
    """Key -> value node of an object literal (shorthand and spreads are left out)."""
    out = {}
    for child in node.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            k = string_value(key) if key.type == "string" else text(key)
            out[k] = child.child_by_field_name("value")
    return out


_DECLARATIONS = "(variable_declarator name: (identifier) @name value: (_) @value)"
_last: list = [None, None]  # the last tree indexed and its declarations: files are read one at a time


@lru_cache(maxsize=None)
def _declaration_query(lang: ts.Language) -> ts.Query:
    return ts.Query(lang, _DECLARATIONS)


def _declarations(tree: ts.Tree) -> dict[str, list[tuple[int, ts.Node]]]:
    if _last[0] is not tree:
        cursor = ts.QueryCursor(_declaration_query(tree.language))
        found: dict[str, list[tuple[int, ts.Node]]] = {}
        for _, caps in cursor.matches(tree.root_node):
            found.setdefault(text(caps["name"][0]), []).append((caps["name"][0].start_byte, caps["value"][0]))
        _last[:] = [tree, found]
    return _last[1]


def resolve_identifier(tree: ts.Tree, name: str, before: int) -> ts.Node | None:
    """The initial value of the last `const/let/var name = ...` declared before byte `before`, if any."""
    earlier = [node for start, node in _declarations(tree).get(name, []) if start < before]
    return earlier[-1] if earlier else None


def imports_module(tree_text: str, module: str) -> bool:
    """Whether the file imports or requires `module` (a cheap textual test on the source)."""
    return any(f"{q}{module}{q}" in tree_text for q in ("'", '"')) and (
        "import" in tree_text or "require(" in tree_text
    )
