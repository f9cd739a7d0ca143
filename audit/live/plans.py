"""Ask the planner whether an index could serve each discovered query, without running it.

PostgreSQL 16 has `EXPLAIN (GENERIC_PLAN)`; this works from 13 on: the query is PREPAREd with its
parameters' types inferred from context (a parameter no context types, as in `$1 IS NULL`, is
retried declared as text), then `EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE name(NULL, ...)` runs under
`plan_cache_mode = force_generic_plan`, so the NULLs are never folded into the plan: the plan is the
one for unknown values. Literal substitution would not do: `col = NULL` is folded to an empty
result before any index is considered. With `enable_seqscan = off` a sequential scan still in the
plan means no index can serve the query; an index scan with an index condition means one can.
An index scan *without* a condition is the planner reading a whole index to avoid the disabled
sequential scan: it only counts when it delivers the ORDER BY of a LIMIT query (no Sort above it).

Nothing is executed unless `analyze=True` (EXPLAIN ANALYZE, SELECTs only, still inside the caller's
read-only transaction on a live database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from audit.facts.sqlquery import normalize_placeholders

EXPLAINED_KINDS = {"select", "update", "delete"}
INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}
_PARAM = re.compile(r"(?<![\w$])\$\d+\b")
_IS_PARAM = re.compile(r"\b(IS(?:\s+NOT)?)\s+\$\d+\b", re.I)
_UNTYPED = re.compile(r"could not determine data type of parameter \$(\d+)")


@dataclass
class Plan:
    """What the planner did with one query: per table, how it is read and whether an index serves it."""

    path: str
    line: int
    sql: str
    tables: dict[str, dict] = field(default_factory=dict)  # table -> {verdict, index_usable, accesses}
    nodes: list[str] = field(default_factory=list)
    total_cost: float | None = None
    error: str = ""

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "sql": self.sql[:300], "tables": dict(sorted(self.tables.items())),
                "nodes": self.nodes, "total_cost": self.total_cost, "error": self.error}


def renumber(sql: str) -> tuple[str, int]:
    """Placeholders as $1..$n, one per occurrence (a builder may reuse `$1` for values of different types)."""
    counter = iter(range(1, 100_000))
    text = _PARAM.sub(lambda m: f"${next(counter)}", normalize_placeholders(sql))
    return text, len(_PARAM.findall(text))


def _walk(node: dict, out: list[dict], parent_table: str | None = None) -> None:
    rel = node.get("Relation Name")
    table = f"{node.get('Schema', 'public')}.{rel}" if rel else parent_table
    kind = node.get("Node Type", "")
    if kind in INDEX_NODES or kind == "Seq Scan" or (rel and kind != "Bitmap Heap Scan"):
        out.append({"table": table, "node": kind, "index": node.get("Index Name"),
                    "cond": node.get("Index Cond") or node.get("Order By")})
    for child in node.get("Plans", []):
        _walk(child, out, table if kind in ("Bitmap Heap Scan", "BitmapAnd", "BitmapOr") else None)


def _node_types(node: dict, out: list[str]) -> None:
    if node.get("Node Type") not in out:
        out.append(node["Node Type"])
    for child in node.get("Plans", []):
        _node_types(child, out)


def _leading(access: dict, leads: dict[str, str]) -> bool:
    """Whether the index condition constrains the index's leading column (else the whole index is read)."""
    lead = leads.get(access["index"] or "")
    if lead is None:  # index unknown to us: trust the condition
        return True
    names = set(re.findall(r"[A-Za-z_][\w$]*", lead.replace('"', ""))) - {"lower", "upper", "coalesce", "text"}
    cond = (access["cond"] or "").replace('"', "")
    return any(re.search(rf"(?<![\w$]){re.escape(n)}(?![\w$])", cond) for n in names) if names else True


RANK = ("seq", "full-index", "non-leading", "other", "index-order", "index")  # worst first
USABLE = ("index", "index-order")


def _access_verdict(a: dict, leads: dict[str, str], in_order: bool) -> str:
    if a["node"] == "Seq Scan":
        return "seq"
    if a["node"] not in INDEX_NODES:
        return "other"
    if a["cond"] and _leading(a, leads):
        return "index"
    if in_order and a["node"] != "Bitmap Index Scan":
        return "index-order"
    return "non-leading" if a["cond"] else "full-index"


def read_plan(plan: dict, tables: list[str], ordered_limit: bool,
              leads: dict[str, str] | None = None) -> tuple[dict, list[str]]:
    """Per table: verdict and index_usable, with each access and its own verdict. A table read several
    times (a UNION, a subquery) gets the worst of its reads. Verdicts, best first: `index` (an index
    condition on the index's leading column), `index-order` (an index read in ORDER BY order for a
    LIMIT, no Sort above), `other` (e.g. a function scan), `non-leading` (a condition only on a later
    index column: the whole index is read), `full-index` (a whole index read only to avoid the
    disabled sequential scan), `seq` (a sequential scan despite enable_seqscan = off); `absent` when
    the plan does not read the table."""
    leads = leads or {}
    accesses: list[dict] = []
    _walk(plan, accesses)
    nodes: list[str] = []
    _node_types(plan, nodes)
    sorted_above = any(n in nodes for n in ("Sort", "Incremental Sort"))
    out = {}
    for t in tables:
        mine = [a for a in accesses if a["table"] == t]
        verdicts = [_access_verdict(a, leads, ordered_limit and not sorted_above) for a in mine]
        verdict = min(verdicts, key=RANK.index) if verdicts else "absent"
        out[t] = {"verdict": verdict, "index_usable": verdict in USABLE,
                  "accesses": [{**{k: v for k, v in a.items() if k != "table"}, "verdict": v}
                               for a, v in zip(mine, verdicts)]}
    return out, nodes


LEADS = """/* scaleaudit read-only probe */
SELECT ic.relname AS index, pg_get_indexdef(i.indexrelid, 1, true) AS lead
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
"""


def plannable(sql: str) -> str:
    """The query as the planner question needs it: an UPDATE/DELETE becomes the SELECT of its WHERE
    (which rows it finds is the question; the SET list is not), and `IS $n` becomes `IS NULL`."""
    text = _IS_PARAM.sub(r"\1 NULL", normalize_placeholders(sql))
    try:
        stmt = sqlglot.parse_one(text, read="postgres")
    except (SqlglotError, RecursionError, ValueError):
        return text
    if isinstance(stmt, (exp.Update, exp.Delete)) and stmt.args.get("where") is not None \
            and not stmt.args.get("from") and not stmt.args.get("using") and not stmt.args.get("with"):
        target = stmt.this
        select = exp.select("1").from_(target.copy()).where(stmt.args["where"].this.copy())
        return select.sql(dialect="postgres")
    return text


def explain(db, name: str, sql: str, *, seqscan: bool = False, analyze: bool = False) -> dict:
    """The JSON plan of `sql` as a generic plan; raises psycopg.Error when it cannot be prepared."""
    text, n = renumber(plannable(sql))
    types = ["unknown"] * n
    for _ in range(n + 1):
        decl = f"({', '.join(types)})" if n else ""
        args = f"({', '.join(['NULL'] * n)})" if n else ""
        opts = "FORMAT JSON, VERBOSE" + (", ANALYZE" if analyze else "")
        try:
            rows = db.script([f"PREPARE {name}{decl} AS {text}",
                              "SET LOCAL plan_cache_mode = force_generic_plan",
                              f"SET LOCAL enable_seqscan = {'on' if seqscan else 'off'}",
                              f"EXPLAIN ({opts}) EXECUTE {name}{args}"])
            return _first(rows)["Plan"]
        except psycopg.errors.IndeterminateDatatype as exc:
            m = _UNTYPED.search(str(exc))
            if not m or types[int(m.group(1)) - 1] == "text":
                raise
            types[int(m.group(1)) - 1] = "text"
        finally:
            db.deallocate(name)
    raise RuntimeError("unreachable")


def _first(rows: list[dict]) -> dict:
    value = next(iter(rows[0].values()))
    return value[0] if isinstance(value, list) else value


def explain_queries(db, queries, present: set[str], *, analyze: bool = False) -> list[Plan]:
    """A Plan for each query with a shape whose tables all exist in the database (`present`)."""
    plans = []
    leads: dict[str, str] | None = None
    for n, q in enumerate(queries):
        shape = getattr(q, "shape", None)
        if shape is None or shape.kind not in EXPLAINED_KINDS or not shape.tables:
            continue
        if not set(shape.tables) <= present:
            continue
        plan = Plan(q.path, q.line, q.sql)
        try:
            if leads is None:
                leads = {r["index"]: r["lead"] for r in db.rows(LEADS)}
            root = explain(db, f"scaleaudit_q{n}", q.sql, analyze=analyze and shape.kind == "select")
            ordered = bool(shape.limit and shape.order_by)
            plan.tables, plan.nodes = read_plan(root, list(shape.tables), ordered, leads)
            plan.total_cost = root.get("Total Cost")
        except psycopg.Error as exc:
            lines = [ln for ln in str(exc).splitlines() if ln.strip()]
            plan.error = (lines[0] if lines else type(exc).__name__)[:200]
        plans.append(plan)
    return plans
