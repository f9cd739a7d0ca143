"""Facts: plain data extracted from the files. Extractors never judge."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.catalog import Catalog
from audit.discover import Discovery, is_script
from audit.facts import js, trees
from audit.facts.deploy import Deployment, deployment_facts
from audit.facts.orm import read_declarations
from audit.facts.infra import InfraReader
from audit.facts.frontend import FrontendReader
from audit.facts.pools import PoolConfig, effective_settings, prisma_pool, python_constants, python_pools
from audit.facts.pools_js import js_pools
from audit.facts.queries import Query, js_sql_queries, python_queries, sql_file_queries
from audit.facts.schema import SchemaModel, build_schema
from audit.facts.supabase_js import supabase_queries

JS_QUERY_HINT = re.compile(r"\.from\(|\.rpc\(|\.query\(|sql`|\.raw\(|\.unsafe\(|\.execute\(")


@dataclass
class Facts:
    schema: SchemaModel
    pools: list[PoolConfig] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)
    deploy: Deployment = field(default_factory=Deployment)
    capacity: dict = field(default_factory=dict)  # derived by audit.capacity; reported in the scorecard
    frontend: Any = None  # audit.facts.frontend: Vite config, React signals, built bundle
    infra: Any = None     # audit.facts.infra: caching, replicas, rate limiting, resilience, monitoring
    live: Any = None      # audit.live: a live database's settings and statistics, when a DSN is given
    shadow: Any = None    # audit.live.shadow: the migrations applied to a throwaway PostgreSQL, when asked

    @property
    def has_schema(self) -> bool:
        return bool(self.schema.migrations)

    def to_dict(self) -> dict:
        return {
            "deploy": self.deploy.to_dict(),
            **{k: getattr(self, k).to_dict() for k in ("frontend", "infra", "live", "shadow") if getattr(self, k) is not None},
            "schema": self.schema.to_dict(),
            "pools": [p.to_dict() for p in self.pools],
            "queries": {
                "items": [q.to_dict() for q in self.queries],
                "by_source": dict(sorted(Counter(q.source for q in self.queries).items())),
                "unparsed": sum(1 for q in self.queries if q.error),
            },
        }


def collect_facts(found: Discovery, catalog: Catalog, dist_dir: Path | None = None) -> Facts:
    """Run every extractor over the discovered files, each file parsed once; unreadable ones are added to
    `skipped`."""
    with trees.shared():
        return _collect(found, catalog, dist_dir)


def _collect(found: Discovery, catalog: Catalog, dist_dir: Path | None) -> Facts:
    migrations = found.of_kind("migration_sql") or found.of_kind("schema_sql")
    declared = read_declarations(found)  # ORM models and migration DSLs: the schema when no SQL migrations
    facts = Facts(schema=declared.schema(build_schema(migrations) if migrations else None))
    facts.queries.extend(declared.queries(facts.schema))
    for f in (f for f in found.of_kind("sql") if not f.name.lower().startswith("seed")):
        facts.queries.extend(sql_file_queries(f.path, f.text or ""))
    constants = _python_constants(found)
    for f in (f for f in found.of_kind("python") if not is_script(f.path)):
        try:
            facts.pools.extend(python_pools(f.path, f.text or "", catalog.defaults, constants))
            facts.queries.extend(python_queries(f.path, f.text or ""))
        except (SyntaxError, ValueError) as exc:
            found.skip(f.path, f"Python could not be parsed (line {getattr(exc, 'lineno', '?')}): not analysed")
    facts.deploy = deployment_facts(found.files)
    for problem in facts.deploy.problems:
        found.skip(problem["path"], f"config could not be parsed: {problem['reason']}")
    frontend, infra = FrontendReader(found), InfraReader(found)
    for f in found.of_kind("js"):  # every reader of the file in turn, then its tree goes
        text = f.text or ""
        script = is_script(f.path)
        facts.pools.extend([] if script else js_pools(f.path, text, catalog.defaults))
        if JS_QUERY_HINT.search(text) and not script:
            tree, suffix = js.parse(f.path, text)
            facts.queries.extend(js_sql_queries(f.path, tree, suffix) + supabase_queries(f.path, tree, suffix))
        frontend.js_file(f)
        infra.js_file(f)
        trees.release("js", f.path, text)
    for f in found.files:
        if f.path.endswith(".prisma") and f.size < 1_000_000:
            pool = prisma_pool(f.path, (found.root / f.path).read_text(encoding="utf-8", errors="replace"),
                               facts.deploy.env, catalog.defaults)
            facts.pools.extend([pool] if pool else [])
    for pool in facts.pools:
        resolve_env(pool, facts.deploy.env, catalog.defaults)
    facts.frontend = frontend.facts(dist_dir)
    facts.infra = infra.facts()
    facts.pools.sort(key=lambda p: (p.path, p.line))
    facts.queries.sort(key=lambda q: (q.path, q.line, q.sql))
    found.skipped.sort(key=lambda s: (s.path, s.reason))
    return facts


def _python_constants(found: Discovery) -> dict[str, dict]:
    """Numeric constants and settings defaults of each Python module, by path (imports resolve them)."""
    out: dict[str, dict] = {}
    for f in found.of_kind("python"):
        try:
            consts = python_constants(f.text or "", f.path)
        except (SyntaxError, ValueError):
            continue  # listed as unparsable when the file itself is read
        if consts:
            out[f.path] = consts
    return out


def resolve_env(pool: PoolConfig, env: dict, defaults: dict) -> None:
    """Fill settings read from the environment with values from .env.example/compose, when present."""
    resolved, notes = dict(pool.settings), {}
    for key, value in pool.settings.items():
        name = value.get("env") if isinstance(value, dict) else value[4:] if str(value).startswith("env:") else None
        found = env.get(name) if name else None
        number = found.get("value") if found else None
        if isinstance(number, str) and number.isdigit():
            resolved[key] = int(number)
            notes[key] = f"{name}={number} ({found['path']}:{found['line']})"
    if notes:
        pool.effective = {**effective_settings(pool.library, resolved, defaults), "env_resolved": notes}
