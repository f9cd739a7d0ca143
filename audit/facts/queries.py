"""The queries the application runs: SQL files, SQL strings in Python and JS/TS, supabase-js chains."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from audit.facts import js, trees
from audit.facts.sqlquery import Shape, analyze
from audit.facts.sqltext import split_statements

SQL_SHAPES = {"select": r"\bfrom\b|\bselect\s+\d", "with": r"\bselect\b|\binsert\b|\bupdate\b|\bdelete\b",
              "insert": r"\binto\b", "update": r"\bset\b", "delete": r"\bfrom\b"}
_LEAD = re.compile(r"^\s*\(?\s*(select|insert|update|delete|with)\b", re.I)
_FRAGMENT = re.compile(r'(?<=[\w)"])\s+\$\d+(?=\s)')


def looks_like_sql(text: str) -> bool:
    """Starts with a DML keyword and has the clause that keyword needs (not a log message)."""
    m = _LEAD.match(text)
    return bool(m) and re.search(SQL_SHAPES[m.group(1).lower()], text, re.I) is not None
PY_SQL_CALLS = {"execute", "executemany", "exec_driver_sql", "fetch", "fetchrow", "fetchval", "fetch_all",
                "fetch_one", "fetch_val", "text", "query", "raw"}
JS_LOOP_STATEMENTS = {"for_statement", "for_in_statement", "while_statement", "do_statement"}
JS_LOOP_CALLBACKS = {"map", "forEach", "flatMap", "reduce", "filter", "some", "every"}
JS_FUNCTIONS = {"arrow_function", "function_expression", "function_declaration", "method_definition",
                "generator_function_declaration"}


@dataclass
class Query:
    """One query with where it is; `shape` is None when its SQL could not be read (see `error`)."""

    source: str
    path: str
    line: int
    sql: str
    shape: Shape | None = None
    in_loop: bool = False
    error: str = ""

    def to_dict(self) -> dict:
        return {"source": self.source, "path": self.path, "line": self.line, "sql": self.sql,
                "shape": self.shape.to_dict() if self.shape else None, "in_loop": self.in_loop, "error": self.error}


def make_query(source: str, path: str, line: int, sql: str, in_loop: bool = False) -> Query:
    text = " ".join(sql.split())
    q = Query(source, path, line, text[:600], in_loop=in_loop)
    for attempt in (sql, _FRAGMENT.sub(" ", sql)):  # then without `${fragment}`s in clause position
        try:
            q.shape, q.error = analyze(attempt), ""
            break
        except ValueError as exc:
            q.error = q.error or str(exc)
    return q


def sql_file_queries(path: str, text: str) -> list[Query]:
    """Statements of a .sql file outside the migrations that read or write data."""
    return [make_query("sql-file", path, line, sql) for line, sql in split_statements(text)
            if looks_like_sql(sql)]


# -- Python ------------------------------------------------------------------------------------
class _PyVisitor(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.queries: list[Query] = []
        self.loop_depth = 0
        self.strings: list[dict[str, str]] = [{}]

    def _scope(self, node) -> None:
        saved, self.loop_depth = self.loop_depth, 0
        self.strings.append({})
        self.generic_visit(node)
        self.strings.pop()
        self.loop_depth = saved

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scope

    def _loop(self, node) -> None:
        self.loop_depth += 1
        self.generic_visit(node)
        self.loop_depth -= 1

    visit_For = visit_AsyncFor = visit_While = visit_ListComp = visit_SetComp = visit_DictComp = _loop
    visit_GeneratorExp = _loop

    def visit_Assign(self, node: ast.Assign) -> None:
        value = _py_string(node.value, {})
        if value is not None:
            for t in node.targets:
                if isinstance(t, ast.Name):
                    self.strings[-1][t.id] = value
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name in PY_SQL_CALLS and node.args:
            known = {k: v for scope in self.strings for k, v in scope.items()}
            sql = _py_string(node.args[0], known)
            if sql is not None and looks_like_sql(sql):
                self.queries.append(make_query("python", self.path, node.lineno, sql, self.loop_depth > 0))
        self.generic_visit(node)


def _py_string(node: ast.expr, known: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        n = iter(range(1, 1000))
        return "".join(v.value if isinstance(v, ast.Constant) else f"${next(n)}" for v in node.values)
    if isinstance(node, ast.Name):
        return known.get(node.id)
    return None  # text("...") inside execute(...) is read where text() itself is called


def python_queries(path: str, source: str) -> list[Query]:
    """SQL literals passed to execute()/text()/fetch*()/query(); raises SyntaxError for the caller."""
    if not re.search(r"(?i)\b(select|insert|update|delete)\b", source):
        return []
    v = _PyVisitor(path)
    v.visit(trees.python(path, source))
    return v.queries


# -- JS / TS -----------------------------------------------------------------------------------
_JS_SQL = """
(call_expression function: (member_expression property: (property_identifier) @method)
                 arguments: (arguments . [(string) (template_string) (identifier)] @sql)) @call
(call_expression function: [(identifier) @tag (member_expression property: (property_identifier) @tag)]
                 arguments: (template_string) @sql) @call
"""


def template_sql(node) -> str:
    """A string or template literal as SQL, `${...}` substitutions turned into $n placeholders."""
    if node.type == "string":
        return js.string_value(node) or ""
    out, n, raw = [], 0, node.text.decode("utf-8", "replace")
    start = node.start_byte
    pos = 1
    for child in node.named_children:
        if child.type == "template_substitution":
            out.append(raw[pos: child.start_byte - start])
            n += 1
            out.append(f"${n}")
            pos = child.end_byte - start
    out.append(raw[pos:-1])
    return "".join(out)


def in_js_loop(node) -> bool:
    """Inside a loop statement or a .map/.forEach callback, within the enclosing function."""
    cur = node.parent
    while cur is not None:
        if cur.type in JS_LOOP_STATEMENTS:
            return True
        if cur.type in JS_FUNCTIONS:
            args = cur.parent
            call = args.parent if args is not None and args.type == "arguments" else None
            fn = call.child_by_field_name("function") if call is not None else None
            prop = fn.child_by_field_name("property") if fn is not None and fn.type == "member_expression" else None
            if prop is None or js.text(prop) not in JS_LOOP_CALLBACKS:
                return False
            return True
        cur = cur.parent
    return False


def js_sql_queries(path: str, tree, suffix: str) -> list[Query]:
    out = []
    for caps in js.matches(tree, suffix, _JS_SQL):
        if "tag" in caps and js.text(caps["tag"][0]) != "sql":
            continue
        node = caps["sql"][0]
        if node.type == "identifier":
            node = js.resolve_identifier(tree, js.text(node), node.start_byte)
            if node is None or node.type not in {"string", "template_string"}:
                continue
        sql = template_sql(node)
        if looks_like_sql(sql):
            call = caps["call"][0]
            out.append(make_query("js", path, js.line(call), sql, in_js_loop(call)))
    return out
