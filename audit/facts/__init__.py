"""Facts: plain data extracted from the files. Extractors never judge."""

from __future__ import annotations

from dataclasses import dataclass, field

from audit.catalog import Catalog
from audit.discover import Discovery
from audit.facts.pools import PoolConfig, js_pools, python_pools
from audit.facts.schema import SchemaModel, build_schema


@dataclass
class Facts:
    schema: SchemaModel
    pools: list[PoolConfig] = field(default_factory=list)

    @property
    def has_schema(self) -> bool:
        return bool(self.schema.migrations)

    def to_dict(self) -> dict:
        return {"schema": self.schema.to_dict(), "pools": [p.to_dict() for p in self.pools]}


def collect_facts(found: Discovery, catalog: Catalog) -> Facts:
    """Run every extractor over the discovered files; unreadable ones are added to `skipped`."""
    migrations = found.of_kind("migration_sql") or found.of_kind("schema_sql")
    facts = Facts(schema=build_schema(migrations))
    for f in found.of_kind("python"):
        try:
            facts.pools.extend(python_pools(f.path, f.text or "", catalog.defaults))
        except (SyntaxError, ValueError) as exc:
            found.skip(f.path, f"Python could not be parsed (line {getattr(exc, 'lineno', '?')}): not analysed")
    for f in found.of_kind("js"):
        facts.pools.extend(js_pools(f.path, f.text or "", catalog.defaults))
    facts.pools.sort(key=lambda p: (p.path, p.line))
    found.skipped.sort(key=lambda s: (s.path, s.reason))
    return facts
