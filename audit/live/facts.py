"""Live facts: one read-only visit to a database, PgHero style (one module per concern)."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import conninfo

from audit.live import connections, indexes, maintenance, plans, queries, replication, settings, tables
from audit.live.connect import LiveError, Session, connect, first_line, mask_dsn
from audit.live.indexes import Scope
from audit.live.sql import MARK, PLATFORM_SCHEMAS


@dataclass
class LiveFacts:
    """What a live database says about itself. `error` is set (one line) when it could not be read."""

    dsn: str                                   # masked: the password is `***`
    error: str = ""
    analyze: bool = False
    session: dict = field(default_factory=dict)  # how the visit was bounded (read-only layers, timeouts)
    server: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    role_settings: list = field(default_factory=list)
    memory: dict | None = None
    connections: dict = field(default_factory=dict)
    activity: list = field(default_factory=list)
    cache: dict = field(default_factory=dict)
    indexes: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    statements: dict = field(default_factory=dict)
    maintenance: dict = field(default_factory=dict)
    replication: dict = field(default_factory=dict)
    plans: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # {probe, error}: probes that failed (permissions...)
    excluded_schemas: tuple = PLATFORM_SCHEMAS

    @property
    def ok(self) -> bool:
        return not self.error

    def setting(self, name: str):
        """A setting's normalised value (bytes, ms, number or text), or None."""
        return (self.settings.get(name) or {}).get("normalised")

    def failed(self, *probes: str) -> str:
        """The error of the first named probe that failed, or ''."""
        return next((p["error"] for p in self.problems if p["probe"] in probes), "")

    def to_dict(self) -> dict:
        if self.error:
            return {"dsn": self.dsn, "error": self.error}
        return {
            "dsn": self.dsn, "error": None, "analyze": self.analyze, "session": self.session, "server": self.server,
            "settings": dict(sorted(self.settings.items())), "role_settings": self.role_settings,
            "memory": self.memory, "connections": self.connections, "activity": self.activity, "cache": self.cache,
            "indexes": self.indexes, "tables": self.tables, "statements": self.statements,
            "maintenance": self.maintenance, "replication": self.replication,
            "plans": [p.to_dict() for p in self.plans], "problems": self.problems,
            "excluded_schemas": sorted(self.excluded_schemas),
        }


def _host(dsn: str) -> str | None:
    try:
        return conninfo.conninfo_to_dict(dsn).get("host")
    except Exception:  # noqa: BLE001 - connect() has already reported a malformed DSN
        return None


def live_facts(dsn: str, *, analyze: bool = False, timeout_ms: int = 5000, queries=None) -> LiveFacts:
    """Read `dsn` read-only. Never raises for an unreachable or refused database: `error` says why.

    `queries` (audit.facts.queries.Query) are EXPLAINed as generic plans when their tables exist;
    `analyze=True` adds ANALYZE to the SELECTs among them (they run, read-only, under the timeout).
    """
    facts = LiveFacts(mask_dsn(dsn), analyze=analyze)
    try:
        with connect(dsn, timeout_ms=timeout_ms, session_timeouts=False) as s:  # the server's own timeouts
            facts.settings = _try(s, "settings", settings.settings, {})
            facts.role_settings = _try(s, "role_settings", settings.role_settings, [])
            facts.problems += s.problems
        with connect(dsn, timeout_ms=timeout_ms) as s:
            facts.session = {
                "read_only": ("default_transaction_read_only=on at connect, " if s.startup_options else "")
                + "every transaction BEGIN READ ONLY, reads only",
                "statement_timeout_ms": timeout_ms, "lock_timeout_ms": min(timeout_ms, 1000),
                "timeouts": "at connect" if s.startup_options else "SET LOCAL in each transaction"}
            _collect(s, facts, queries)
            facts.problems += s.problems
    except LiveError as exc:
        return LiveFacts(facts.dsn, error=str(exc), analyze=analyze)
    facts.memory = settings.machine_memory(_host(dsn))
    return facts


def _try(s: Session, name: str, fn, default, *args):
    """fn(s, *args), or `default` with the failure recorded in s.problems."""
    try:
        return fn(s, *args)
    except psycopg.OperationalError as exc:  # the connection itself is gone: stop here
        raise LiveError(f"lost the connection to {mask_dsn(s.dsn)}: {first_line(exc, s.dsn)}") from None
    except psycopg.Error as exc:
        s.problems.append({"probe": name, "error": first_line(exc, s.dsn)})
        return default


def _collect(s: Session, facts: LiveFacts, found_queries) -> None:
    scope = Scope()
    facts.server = _try(s, "server", settings.server, {})
    version = facts.server.get("version_num", 0)
    facts.connections = _try(s, "connections", connections.connections, {})
    facts.activity = _try(s, "activity", connections.activity, [])
    facts.cache = _try(s, "cache", tables.cache, {}, scope)
    facts.indexes = {
        "unused": _try(s, "unused_indexes", indexes.unused, [], scope),
        "invalid": _try(s, "invalid_indexes", indexes.invalid, [], scope),
        "duplicate": _try(s, "duplicate_indexes", indexes.duplicates, [], scope),
        "unindexed_fks": _try(s, "unindexed_fks", indexes.unindexed_fks, [], scope),
        "foreign_keys": _try(s, "foreign_keys", indexes.foreign_key_count, None, scope),
    }
    facts.tables = {"seq_scans": _try(s, "seq_scans", tables.seq_scans, [], scope),
                    "dead_tuples": _try(s, "dead_tuples", tables.dead_tuples, [], scope)}
    facts.statements = _try(s, "statements", queries.top_statements, {}, version)
    facts.maintenance = {"wraparound": _try(s, "wraparound", maintenance.wraparound, []),
                         "sequences": _try(s, "sequences", maintenance.sequences, [], scope)}
    facts.replication = _try(s, "replication", replication.replication, {}, bool(facts.server.get("is_replica")))
    if found_queries:
        present = {r["t"] for r in _try(s, "tables", lambda db: db.rows(TABLES), [])}
        facts.plans = _plans(s, found_queries, present, facts.analyze)


TABLES = (MARK + " SELECT n.nspname || '.' || c.relname AS t FROM pg_class c "
          "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')")


def _plans(s: Session, found_queries, present: set[str], analyze: bool) -> list:
    try:
        return plans.explain_queries(s, found_queries, present, analyze=analyze)
    except psycopg.OperationalError as exc:
        raise LiveError(f"lost the connection to {mask_dsn(s.dsn)}: {first_line(exc, s.dsn)}") from None
