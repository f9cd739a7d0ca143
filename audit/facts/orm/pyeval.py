"""A small static evaluator for Python: literals, module constants, f-strings, imported constants.

Nothing is imported or run. What cannot be known without running the code raises `Unresolved`
with the reason, which the readers list in the report.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import PurePosixPath


class Unresolved(Exception):
    """A value only known at run time; str(exc) says why."""


def call_name(node: ast.AST) -> str:
    """`sa.Column(...)` -> "Column", `Column(...)` -> "Column"; "" for anything else."""
    f = node.func if isinstance(node, ast.Call) else node
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def dotted(node: ast.AST) -> str:
    """`a.b.c` as text, "" when it is not a plain attribute chain."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def short(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of odd trees
        text = type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


def module_name(path: str) -> str:
    p = PurePosixPath(path)
    parts = list(p.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass
class Env:
    """Names with known values: module constants, constants imported from other project modules."""

    values: dict = field(default_factory=dict)
    unknown: dict = field(default_factory=dict)  # name -> why it is not known (e.g. read from the environment)

    def child(self) -> "Env":
        return Env(dict(self.values), dict(self.unknown))


def evaluate(node: ast.AST | None, env: Env | None = None):
    """The value of a constant expression; raises Unresolved (with the reason) otherwise."""
    env = env or Env()
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [evaluate(e, env) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {evaluate(k, env): evaluate(v, env) for k, v in zip(node.keys, node.values) if k is not None}
    if isinstance(node, ast.Name):
        if node.id in env.values:
            return env.values[node.id]
        raise Unresolved(env.unknown.get(node.id) or f"`{node.id}` is not a constant known statically")
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value))
            elif isinstance(part, ast.FormattedValue):
                try:
                    out.append(str(evaluate(part.value, env)))
                except Unresolved as exc:
                    raise Unresolved(f"f-string part {{{short(part.value)}}}: {exc}") from None
        return "".join(out)
    if isinstance(node, ast.BinOp):
        left, right = evaluate(node.left, env), evaluate(node.right, env)
        if isinstance(node.op, ast.Add) and type(left) is type(right):
            return left + right
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            return left % (tuple(right) if isinstance(right, list) else right)
        raise Unresolved(f"`{short(node)}` is not a constant expression")
    if isinstance(node, ast.Call):
        name = call_name(node)
        if isinstance(node.func, ast.Attribute) and name == "format":
            base = evaluate(node.func.value, env)
            return base.format(*[evaluate(a, env) for a in node.args],
                               **{k.arg: evaluate(k.value, env) for k in node.keywords if k.arg})
        if isinstance(node.func, ast.Attribute) and name in {"lower", "upper", "strip"} and not node.args:
            return getattr(evaluate(node.func.value, env), name)()
        if name in {"getenv", "get"} and "environ" in short(node.func) or name == "getenv":
            raise Unresolved(f"`{short(node)}` is read from the environment at run time")
        raise Unresolved(f"`{short(node)}` is computed at run time")
    if isinstance(node, ast.Subscript) and dotted(node.value).endswith("environ"):
        raise Unresolved(f"`{short(node)}` is read from the environment at run time")
    if isinstance(node, ast.Attribute):
        key = dotted(node)
        if key and key in env.values:
            return env.values[key]
        raise Unresolved(env.unknown.get(key) or f"`{short(node)}` is not a constant known statically")
    raise Unresolved(f"`{short(node)}` is not a constant expression")


def try_eval(node, env: Env | None = None, default=None):
    try:
        return evaluate(node, env)
    except Unresolved:
        return default


def kwargs(call: ast.Call) -> dict[str, ast.AST]:
    return {k.arg: k.value for k in call.keywords if k.arg}


def bind(call: ast.Call, params: list[str]) -> dict[str, ast.AST]:
    """Positional and keyword arguments of `call` by parameter name (a `*rest` param takes the rest)."""
    out: dict[str, ast.AST] = {}
    star = next((i for i, p in enumerate(params) if p.startswith("*")), len(params))
    pos = params[:star]  # parameters after *rest are keyword-only
    rest = params[star][1:] if star < len(params) else None
    args = list(call.args)
    for i, a in enumerate(args):
        if isinstance(a, ast.Starred):
            break
        if i < len(pos):
            out[pos[i]] = a
        elif rest:
            out.setdefault(rest, ast.List(elts=[], ctx=ast.Load())).elts.append(a)
    out.update(kwargs(call))
    return out


class Project:
    """Module-level constants of every Python file, so `from app.config import PREFIX` resolves."""

    def __init__(self, trees: dict[str, ast.Module]) -> None:
        self.trees = trees
        self.modules = {module_name(p): p for p in trees}
        self._consts: dict[str, Env] = {}
        self._by_suffix: dict[str, list[str]] = {}  # `b.c` -> the paths of modules `b.c`, `a.b.c`, ...
        for name, path in self.modules.items():
            parts = name.split(".")
            for i in range(len(parts)):
                self._by_suffix.setdefault(".".join(parts[i:]), []).append(path)

    def module_path(self, dotted_name: str, importer: str) -> str | None:
        if dotted_name in self.modules:
            return self.modules[dotted_name]
        hits = list(self._by_suffix.get(dotted_name, []))
        if len(hits) > 1:  # prefer the one nearest the importing file
            hits.sort(key=lambda p: -len(_common(p, importer)))
        return hits[0] if hits else None

    def env(self, path: str, depth: int = 0) -> Env:
        """Constants visible at module level of `path` (imports resolved one level deep per hop)."""
        if path in self._consts:
            return self._consts[path]
        env = Env()
        self._consts[path] = env  # guards import cycles
        tree = self.trees.get(path)
        if tree is None:
            return env
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and depth < 4:
                mod = ("." * stmt.level) + (stmt.module or "")
                target = self._resolve_relative(path, mod) if stmt.level else self.module_path(mod, path)
                if target and target != path:
                    other = self.env(target, depth + 1)
                    for alias in stmt.names:
                        if alias.name in other.values:
                            env.values[alias.asname or alias.name] = other.values[alias.name]
                        elif alias.name in other.unknown:
                            env.unknown[alias.asname or alias.name] = other.unknown[alias.name]
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if stmt.value is None:
                    continue
                for t in targets:
                    if isinstance(t, ast.Name):
                        try:
                            value = evaluate(stmt.value, env)
                        except Unresolved as exc:
                            env.values.pop(t.id, None)
                            env.unknown[t.id] = f"`{t.id}` ({PurePosixPath(path).name}:{stmt.lineno}): {exc}"
                            continue
                        if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
                            env.values[t.id] = value
        return env

    def _resolve_relative(self, path: str, mod: str) -> str | None:
        level = len(mod) - len(mod.lstrip("."))
        base = module_name(path).split(".")
        base = base[: len(base) - level] if not path.endswith("__init__.py") else base[: len(base) - level + 1]
        name = ".".join(base + ([mod.lstrip(".")] if mod.lstrip(".") else []))
        return self.modules.get(name)


def _common(a: str, b: str) -> str:
    out = []
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        out.append(x)
    return "/".join(out)
