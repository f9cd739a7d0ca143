"""supabase-js query-builder chains turned into the SQL they ask PostgREST to run."""

from __future__ import annotations

from audit.facts import js
from audit.facts.queries import Query, in_js_loop, make_query

_FROM = """(call_expression
  function: [(member_expression property: (property_identifier) @prop)
             (await_expression (member_expression property: (property_identifier) @prop))]
  arguments: (arguments . (_) @table .)) @from"""
_RPC = """(call_expression
  function: (member_expression property: (property_identifier) @prop)
  arguments: (arguments . (string) @fn)) @rpc"""
OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "like": "LIKE",
       "ilike": "ILIKE", "is": "IS", "in": "IN", "contains": "@>", "containedBy": "<@", "textSearch": "@@"}
WRITES = {"insert": "INSERT", "upsert": "INSERT", "update": "UPDATE", "delete": "DELETE"}


def chain_calls(from_call) -> list[tuple[str, list]]:
    """The (method, argument nodes) of the calls chained after `.from('t')`, in order."""
    calls, node = [], from_call
    while (member := node.parent) is not None and member.type == "member_expression" \
            and member.child_by_field_name("object") == node:
        call = member.parent
        if call is None or call.type != "call_expression":
            break
        args = call.child_by_field_name("arguments")
        calls.append((js.text(member.child_by_field_name("property")), list(args.named_children) if args else []))
        node = call
    return calls


def _pattern(node) -> str:
    """A LIKE pattern as SQL: the literal when written out (so a leading % shows), else a placeholder."""
    if node.type in {"string", "template_string"}:
        raw = js.string_value(node)
        if raw is None:  # template with substitutions: keep the literal parts around placeholders
            raw = js.text(node)[1:-1]
            while "${" in raw:
                a = raw.index("${")
                b = raw.index("}", a)
                raw = raw[:a] + "x" + raw[b + 1:]
        return "'" + raw.replace("'", "''") + "'"
    return "$1"


def _columns(select_arg: str) -> tuple[str, bool]:
    """Top-level columns of a PostgREST select string (embedded resources dropped); and whether * is used."""
    depth, cur, cols = 0, "", []
    for ch in select_arg + ",":
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            cols.append(cur.strip())
            cur = ""
        else:
            cur += ch
    plain = [c.split(":")[-1].split("::")[0].strip() for c in cols if c and "(" not in c]
    star = "*" in plain or not plain
    return ("*" if star else ", ".join(p for p in plain if p.replace("_", "").isalnum()) or "*"), star


def synthesize(table: str, calls: list[tuple[str, list]]) -> str | None:
    """The SQL a chain amounts to, or None if it neither reads nor writes (e.g. Array.from)."""
    kind, cols, where, order, limit, offset, count = None, "*", [], [], None, None, False
    for method, args in calls:
        if method == "select":
            kind = kind or "SELECT"
            if args and args[0].type == "string":
                cols, _ = _columns(js.string_value(args[0]) or "*")
            count = any("count" in js.text(a) for a in args[1:])
        elif method in WRITES:
            kind = WRITES[method]
        elif method in OPS and args and args[0].type == "string":
            col = js.string_value(args[0]) or ""
            if "." in col or not col:
                continue
            op = OPS[method]
            value = _pattern(args[1]) if method in {"like", "ilike"} and len(args) > 1 else "$1"
            where.append(f"{col} {op} ({value})" if op == "IN" else f"{col} {op} {value}")
        elif method == "match" and args and args[0].type == "object":
            where.extend(f"{k} = $1" for k in js.object_pairs(args[0]))
        elif method == "order" and args and args[0].type == "string":
            desc = len(args) > 1 and "ascending: false" in " ".join(js.text(args[1]).split())
            order.append(f"{js.string_value(args[0])}{' DESC' if desc else ''}")
        elif method == "limit":
            limit = js.text(args[0]) if args and args[0].type == "number" else "$1"
        elif method in {"single", "maybeSingle"}:
            limit = "1"
        elif method == "range" and args:
            offset = js.text(args[0]) if args[0].type == "number" else "$1"
            limit = limit or "$2"
    if kind is None:
        return None
    cond = f" WHERE {' AND '.join(where)}" if where else ""
    if kind == "SELECT":
        what = "COUNT(*)" if count else cols
        tail = (f" ORDER BY {', '.join(order)}" if order else "") + (f" LIMIT {limit}" if limit else "")
        tail += f" OFFSET {offset}" if offset and offset != "0" else ""
        return f"SELECT {what} FROM {table}{cond}{tail}"
    if kind == "INSERT":
        return f"INSERT INTO {table} DEFAULT VALUES"
    if kind == "UPDATE":
        return f"UPDATE {table} SET updated = $1{cond}"
    return f"DELETE FROM {table}{cond}"


def _table_name(tree, node) -> str:
    """The table named by `.from(...)`: a string, `"t" as any`, or a const declared earlier."""
    while node.type in {"as_expression", "satisfies_expression", "non_null_expression", "parenthesized_expression"}:
        node = node.named_children[0]
    if node.type == "identifier":
        node = js.resolve_identifier(tree, js.text(node), node.start_byte)
    return (js.string_value(node) or "") if node is not None and node.type in {"string", "template_string"} else ""


def supabase_queries(path: str, tree, suffix: str) -> list[Query]:
    out = []
    for caps in js.matches(tree, suffix, _FROM):
        if js.text(caps["prop"][0]) != "from":
            continue
        table = _table_name(tree, caps["table"][0])
        calls = chain_calls(caps["from"][0])
        sql = synthesize(table, calls) if table.replace("_", "").replace(".", "").isalnum() else None
        if sql is not None:
            call = caps["from"][0]
            out.append(make_query("supabase-js", path, js.line(caps["prop"][0]), sql, in_js_loop(call)))
    for caps in js.matches(tree, suffix, _RPC):
        if js.text(caps["prop"][0]) == "rpc":
            call = caps["rpc"][0]
            out.append(Query("supabase-rpc", path, js.line(call), f"rpc {js.string_value(caps['fn'][0])}()",
                             in_loop=in_js_loop(call)))
    return out
