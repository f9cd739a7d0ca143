"""Query-builder chains in Python functions: where they start, how they grow, where they run.

`stmt = select(User).where(...)`, then `if limit: stmt = stmt.limit(limit)`, then
`session.execute(stmt)` is one query whose LIMIT is conditional. The tracker follows such chains
through assignments in one function, marks steps taken under an `if` as conditional, and reports
each point where a chain runs (a terminal method, being passed to a call, returned, iterated),
with whether that happens inside a loop.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


RUNNERS = {"execute", "scalars", "scalar", "stream", "stream_scalars", "exec"}


@dataclass
class Step:
    method: str          # method name, or "[]" for a subscript (slice)
    node: ast.AST        # the Call (or Subscript)
    conditional: str = ""  # the condition it was added under (`if limit is not None`), "" when always

    @property
    def args(self) -> list[ast.AST]:
        return list(self.node.args) if isinstance(self.node, ast.Call) else []

    @property
    def kwargs(self) -> dict[str, ast.AST]:
        return {k.arg: k.value for k in self.node.keywords if k.arg} if isinstance(self.node, ast.Call) else {}


@dataclass
class Chain:
    root: object                       # what the reader's `root` returned
    line: int
    steps: list[Step] = field(default_factory=list)
    in_loop: bool = False

    def extended(self, steps: list[Step], conditional: str, in_loop: bool) -> "Chain":
        more = [Step(s.method, s.node, s.conditional or conditional) for s in steps]
        return Chain(self.root, self.line, self.steps + more, self.in_loop or in_loop)


@dataclass
class Run:
    chain: Chain
    line: int
    in_loop: bool
    terminal: str = ""   # the method that ran it ("all", "count", ...) or "" (executed, returned, iterated)
    context: tuple[str, str] = ("", "")  # (enclosing class, enclosing function)


class ChainTracker(ast.NodeVisitor):
    """Walks one module; `root(call)` says whether a call starts a chain (returns anything truthy)."""

    def __init__(self, root, terminals: set[str], on_loop=None) -> None:
        self.root = root
        self.terminals = terminals
        self.on_loop = on_loop  # called as on_loop(target, chain, body, tracker) for loops over a chain
        self.result_method = ""
        self.context: list[tuple[str, str]] = [("", "")]
        self.runs: list[Run] = []
        self.vars: list[dict[str, Chain]] = [{}]
        self.loop = 0
        self.cond = 0
        self.conds: list[str] = []
        self.local_strings: list[dict[str, ast.AST]] = [{}]

    # -- scopes -----------------------------------------------------------------------
    def _function(self, node) -> None:
        saved = (self.loop, self.cond)
        self.loop, self.cond = 0, 0
        self.vars.append({})
        self.local_strings.append({})
        self.context.append((self.context[-1][0], node.name))
        for stmt in node.body:
            self.visit(stmt)
        self.context.pop()
        self.vars.pop()
        self.local_strings.pop()
        self.loop, self.cond = saved

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Class attributes holding a chain (a view's `queryset = ...`) run as the class's list query."""
        self.vars.append({})
        self.context.append((node.name, ""))
        for stmt in node.body:
            self.visit(stmt)
        for name, chain in self.vars[-1].items():
            self.runs.append(Run(chain, chain.line, chain.in_loop, f"class:{name}", (node.name, "")))
        self.context.pop()
        self.vars.pop()

    def visit_Lambda(self, node) -> None:
        self.visit(node.body)

    def _loop_stmt(self, node) -> None:
        self.scan(node.iter)
        if self.on_loop is not None:
            iter_node = node.iter.value if isinstance(node.iter, ast.Await) else node.iter
            chain = self.chain_of(iter_node) if isinstance(iter_node, (ast.Call, ast.Subscript, ast.Name, ast.Attribute)) else None
            if chain is not None:
                self.on_loop(node.target, chain, node.body, self)
        self.loop += 1
        self.cond += 1
        for stmt in node.body + node.orelse:
            self.visit(stmt)
        self.loop -= 1
        self.cond -= 1

    visit_For = visit_AsyncFor = _loop_stmt

    def visit_While(self, node) -> None:
        self.scan(node.test)
        self.loop += 1
        self.cond += 1
        for stmt in node.body + node.orelse:
            self.visit(stmt)
        self.loop -= 1
        self.cond -= 1

    def visit_If(self, node) -> None:
        self.scan(node.test)
        self.cond += 1
        self.conds.append(f"if {_text(node.test)}")
        for stmt in node.body:
            self.visit(stmt)
        self.conds[-1] = f"unless {_text(node.test)}"
        for stmt in node.orelse:
            self.visit(stmt)
        self.conds.pop()
        self.cond -= 1

    def _comprehension(self, node) -> None:
        for gen in node.generators:
            self.scan(gen.iter)
            if self.on_loop is not None:
                chain = self.chain_of(gen.iter) if isinstance(gen.iter, (ast.Call, ast.Subscript, ast.Name, ast.Attribute)) else None
                if chain is not None:
                    body = [getattr(node, k) for k in ("elt", "key", "value") if getattr(node, k, None) is not None]
                    self.on_loop(gen.target, chain, body, self)
        self.loop += 1
        for part in ("elt", "key", "value"):
            if getattr(node, part, None) is not None:
                self.scan(getattr(node, part))
        for gen in node.generators:
            for cond in gen.ifs:
                self.scan(cond)
        self.loop -= 1

    # -- statements -------------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self._assign(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assign([node.target], node.value)

    def _assign(self, targets, value) -> None:
        value_inner = value.value if isinstance(value, ast.Await) else value
        chain = self.chain_of(value_inner)
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if chain is not None and not self._terminal(chain) and names:
            for n in names:
                self.vars[-1][n] = chain
            self._scan_args(value_inner)
            return
        for n in names:
            self.vars[-1].pop(n, None)
            if isinstance(value_inner, (ast.Constant, ast.JoinedStr, ast.BinOp)):
                self.local_strings[-1][n] = value_inner
        self.scan(value)

    def visit_Expr(self, node: ast.Expr) -> None:
        self.scan(node.value)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.scan(node.value)

    def generic_visit(self, node) -> None:
        if isinstance(node, ast.stmt):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self.visit(child)
                elif isinstance(child, ast.expr):
                    self.scan(child)
                elif isinstance(child, (ast.excepthandler, ast.withitem, ast.match_case)):
                    self.generic_visit(child)
        else:
            super().generic_visit(node)

    def visit_withitem(self, node) -> None:
        self.scan(node.context_expr)

    # -- expressions ------------------------------------------------------------------------
    def strings(self) -> dict[str, ast.AST]:
        out: dict[str, ast.AST] = {}
        for scope in self.local_strings:
            out.update(scope)
        return out

    def lookup(self, name: str) -> Chain | None:
        for scope in reversed(self.vars):
            if name in scope:
                return scope[name]
        return None

    def flatten(self, node: ast.AST) -> tuple[ast.AST, list[Step]]:
        """`a.b(x).c(y)[:n]` -> (base `a.b(x)` or the innermost node, [steps])."""
        steps: list[Step] = []
        while True:
            if isinstance(node, ast.Subscript):
                steps.append(Step("[]", node))
                node = node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not self.root(node):
                steps.append(Step(node.func.attr, node))
                node = node.func.value
            else:
                break
        steps.reverse()
        return node, steps

    def chain_of(self, node: ast.AST) -> Chain | None:
        base, steps = self.flatten(node)
        if (r := self.root(base)):
            return Chain(r, base.lineno, [], self.loop > 0).extended(steps, "", False)
        if isinstance(base, ast.Name) and (known := self.lookup(base.id)) is not None:
            cond = (self.conds[-1] if self.conds else "inside a loop") if self.cond > 0 else ""
            return known.extended(steps, cond, self.loop > 0)
        return None

    def _terminal(self, chain: Chain) -> str:
        """The method that runs the chain, if the chain ends with one (or its root runs by itself)."""
        if not chain.steps:
            return "root" if getattr(chain.root, "terminal", False) else ""
        last = chain.steps[-1].method
        return last if last in self.terminals else ""

    def scan(self, node: ast.AST) -> None:
        """Find chains in an expression: run the outermost ones that are terminal, passed or iterated."""
        if node is None:
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self._comprehension(node)
            return
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Await):
            self.scan(node.value)
            return
        chain = self.chain_of(node) if isinstance(node, (ast.Call, ast.Subscript, ast.Name, ast.Attribute)) else None
        if chain is not None:  # a chain used other than by extending it: it runs here
            self.runs.append(Run(chain, getattr(node, "lineno", chain.line), chain.in_loop or self.loop > 0,
                                 self._terminal(chain) or self.result_method, self.context[-1]))
            self._scan_args(node)
            return
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                # `(await session.execute(stmt)).scalar_one_or_none()`: how the caller reads the result
                saved, self.result_method = self.result_method, node.func.attr
                self.scan(node.func.value)
                self.result_method = saved
            saved = self.result_method
            method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            # session.execute(stmt) passes on how its result is read; session.scalar(stmt) reads one value
            self.result_method = (saved or method) if method in RUNNERS else ""
            for a in list(node.args) + [k.value for k in node.keywords]:
                self.scan(a)
            self.result_method = saved
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.scan(child)

    def _scan_args(self, node: ast.AST) -> None:
        """Chains nested in the arguments of a chain's own steps (subqueries, loader options) are left to the reader."""
        base, _ = self.flatten(node)
        if isinstance(base, ast.Call) and not self.root(base):
            self.scan(base)


def _text(node: ast.AST) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def track(tree: ast.Module, root, terminals: set[str], on_loop=None) -> list[Run]:
    """Every run of a chain in the module; `root(node)` says whether an expression starts a chain."""
    t = ChainTracker(root, terminals, on_loop)
    for stmt in tree.body:
        t.visit(stmt)
    return t.runs
