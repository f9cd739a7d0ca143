"""Scale-out checks on shared state: read replicas, in-process sessions, realtime fan-out on one node."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.infra import BACKEND, absent, at, backends, infra, listed, not_required
from audit.facts import Facts
from audit.facts.infra import Infra
from audit.model import Evidence, Finding, Outcome

REALTIME_SERVERS = {"socket.io", "ws", "python-socketio", "websocket", "django-channels"}


@check("scale.no-read-replica")
def no_read_replica(facts: Facts, spec: CheckSpec) -> Outcome:
    if skip := not_required(spec):
        return skip
    if not (facts.has_schema or facts.pools or facts.queries):
        return Outcome("not_applicable", note="no database schema, pool or query found")
    signals = infra(facts).of("read_scaling")
    replicas = [s for s in signals if s.kind != "materialized-view"]
    if replicas:
        return Outcome("pass", note=f"read scaling: {listed(replicas)}")
    views = [Evidence(s.path, s.line, f"{s.detail}: precomputes an aggregate, still on the primary") for s in signals]
    return absent(spec, "No read replica or read/write routing found", "read_scaling", views)


def django_cache_is_local(inf: Infra) -> bool:
    """Django's default cache (LocMemCache, one per process) unless CACHES names a shared backend."""
    backend = next((s for s in inf.of("caches") if s.library == "django" and "backend" in s.props), None)
    return backend is None or backend.kind in {"in-process", "dummy", "file"}


@check("scale.in-process-sessions")
def in_process_sessions(facts: Facts, spec: CheckSpec) -> Outcome:
    inf = infra(facts)
    if not backends(facts):
        return Outcome("not_applicable", note="no application server or function found")
    sessions = inf.of("sessions", *BACKEND)
    local = [s for s in sessions if s.props.get("store") in {"memory", "file"}
             or s.props.get("store") == "django-cache" and django_cache_is_local(inf)]
    if not local:
        return Outcome("pass", note=f"sessions: {listed(sessions)}" if sessions else "no server-side session store found")
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"Sessions live in one process's memory ({s.library or 'module-level map'})",
                subject={"library": s.library or s.kind, "path": s.path},
                evidence=[Evidence(s.path, s.line, f"{s.detail}: {s.props.get('store_detail')}")])
        for s in local])


@check("scale.realtime-single-node")
def realtime_single_node(facts: Facts, spec: CheckSpec) -> Outcome:
    signals = infra(facts).of("realtime")
    servers = [s for s in signals if s.kind in REALTIME_SERVERS and s.runtime in BACKEND]
    managed = [s for s in signals if s.kind == "supabase-realtime"]
    managed_note = (f"{len(managed)} Supabase Realtime subscription(s) ({listed(managed, 2)}): a managed, multi-node "
                    "service whose concurrent-connection quota depends on the plan") if managed else ""
    if not servers:
        return Outcome("not_applicable" if not managed else "pass", note=managed_note or "no realtime server found")
    shared = any(s.kind == "adapter" for s in signals)
    alone = [s for s in servers if not s.props.get("adapter") and not (s.kind == "socket.io" and shared)]
    if not alone:
        return Outcome("pass", note="; ".join(filter(None, [f"adapters: {listed(servers)}", managed_note])))
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"{s.kind} server broadcasts only to clients connected to the same process",
                subject={"library": s.kind, "path": s.path},
                evidence=[at(s), Evidence("", None, "no adapter or pub/sub found: searched @socket.io/*-adapter "
                                                    "imports, io.adapter(), adapter options, Redis publish/subscribe "
                                                    "next to ws servers, python-socketio client_manager, channel layers")])
        for s in alone])
