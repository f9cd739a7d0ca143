"""The capacity estimate: Little's law over the profile's assumptions and the pool/process facts.

connections busy at peak  L = λ × W × peak_factor
  λ (requests/s) = concurrent_users × active_share × requests_per_active_user_per_minute / 60
  W (s)          = connection_hold_ms_per_request / 1000
users supported  = connections the deployment can open / (L per user)
Every number in the output names where it came from: a fact (path:line) or an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SENSITIVE = ("active_share", "requests_per_active_user_per_minute", "connection_hold_ms_per_request", "peak_factor")


@dataclass
class Input:
    """One input of the model: its value and where it came from."""

    value: float | None
    source: str

    def to_dict(self) -> dict:
        return {"value": self.value, "source": self.source}


@dataclass
class CapacityInputs:
    concurrent_users: int
    assumptions: dict
    per_process: Input
    processes: Input
    server_max: Input
    reserved: Input = field(default_factory=lambda: Input(3, "PostgreSQL default superuser_reserved_connections"))
    pools_unsized: bool = False  # the code opens pools whose size the audit cannot read: their limit is unknown


def per_user_connections(a: dict) -> float:
    """Connections one concurrent user keeps busy at peak (λ per user × W × peak factor)."""
    rate = a["active_share"] * a["requests_per_active_user_per_minute"] / 60.0
    return rate * a["connection_hold_ms_per_request"] / 1000.0 * a.get("peak_factor", 1.0)


def estimate(inp: CapacityInputs) -> dict:
    """The estimate, the seeds' Current → Required table, and a sensitivity table."""
    a = inp.assumptions
    needed = inp.concurrent_users * per_user_connections(a)
    limits = _limits(inp)
    usable = min(limits.values()) if limits else None
    bottleneck = min(limits, key=limits.get) if limits else None
    supported = users_supported(inp)
    at_most = users_supported(inp, bound=True)
    rows = [
        _row("concurrent users", supported, inp.concurrent_users, "model: usable connections / connections per user",
             "profile"),
        _row("connections usable at once", usable, _ceil(needed), bottleneck or "unknown",
             "Little's law: users × active share × requests/min ÷ 60 × hold time × peak factor"),
        _row("connections per process (pool)", inp.per_process.value,
             None if not inp.processes.value else _ceil(needed / inp.processes.value), inp.per_process.source,
             "needed ÷ processes"),
        _row("server max_connections", inp.server_max.value, _ceil(needed + (inp.reserved.value or 0)),
             inp.server_max.source, "needed + reserved"),
    ]
    return {
        "model": "Little's law: L = λ × W (× peak factor)",
        "inputs": {
            "concurrent_users": inp.concurrent_users,
            "assumptions": dict(sorted(a.items())),
            "per_process_connections": inp.per_process.to_dict(),
            "processes": inp.processes.to_dict(),
            "server_max_connections": inp.server_max.to_dict(),
            "reserved_connections": inp.reserved.to_dict(),
        },
        "requests_per_second": round(inp.concurrent_users * a["active_share"] * a["requests_per_active_user_per_minute"] / 60, 1),
        "connections_needed": _ceil(needed),
        "connections_usable": usable,
        "bottleneck": bottleneck,
        "users_supported": supported,
        "users_supported_at_most": at_most,
        "table": rows,
        "sensitivity": sensitivity(inp),
    }


def sensitivity(inp: CapacityInputs) -> list[dict]:
    """How the answer moves when each assumption doubles."""
    out = []
    for name in SENSITIVE:
        if name not in inp.assumptions:
            continue
        doubled = CapacityInputs(inp.concurrent_users, {**inp.assumptions, name: inp.assumptions[name] * 2},
                                 inp.per_process, inp.processes, inp.server_max, inp.reserved, inp.pools_unsized)
        out.append({"assumption": name, "value": inp.assumptions[name], "doubled": inp.assumptions[name] * 2,
                    "connections_needed": _ceil(inp.concurrent_users * per_user_connections(doubled.assumptions)),
                    "users_supported": users_supported(doubled), "users_supported_before": users_supported(inp)})
    return out


def _limits(inp: CapacityInputs) -> dict[str, float]:
    """What caps the connections usable at once: the pools × processes, and the server budget."""
    out = {}
    if inp.per_process.value is not None and inp.processes.value is not None:
        out["application pools"] = inp.per_process.value * inp.processes.value
    if inp.server_max.value is not None:
        out["server max_connections"] = max(inp.server_max.value - (inp.reserved.value or 0), 0)
    return out


def users_supported(inp: CapacityInputs, bound: bool = False) -> int | None:
    """Users the known limits support; None when a pool's size is unknown, unless `bound` asks for the
    upper bound the known limits still set."""
    limits, per_user = _limits(inp), per_user_connections(inp.assumptions)
    if not limits or per_user == 0 or (inp.pools_unsized and not bound):
        return None
    return int(min(limits.values()) / per_user)


def _ceil(x: float) -> int:
    return int(-(-x // 1))


def _row(metric: str, current, required, current_source: str, required_source: str) -> dict:
    factor = None
    if isinstance(current, (int, float)) and isinstance(required, (int, float)) and current:
        factor = round(required / current, 1)
    return {"metric": metric, "current": current, "required": required, "scale_factor": factor,
            "current_source": current_source, "required_source": required_source}


WORKER_KINDS = ("gunicorn", "uvicorn", "pm2", "web-concurrency", "single-process", "node-cluster")
INSTANCE_KINDS = ("compose-replicas", "k8s-deployment", "k8s-statefulset", "k8s-replicaset")


def _where(fact: dict) -> str:
    return f"{fact['path']}:{fact['line']}"


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1]):
        if x != y:
            break
        n += 1
    return n


def inputs_from_facts(facts, profile) -> CapacityInputs:
    """Model inputs from the pool, process and server facts; the profile fills what the code does not say."""
    a = dict(profile.assumptions)
    sized = [p for p in facts.pools if isinstance(p.effective.get("max_connections"), (int, float))]
    pool = max(sized, key=lambda p: (p.effective["max_connections"], p.path)) if sized else None
    per_process = (Input(pool.effective["max_connections"], f"{pool.library} pool at {pool.path}:{pool.line}"
                         + (f" (largest of {len(sized)})" if len(sized) > 1 else ""))
                   if pool else Input(None, f"{len(facts.pools)} pool(s) sized by code the audit cannot evaluate "
                                            f"({facts.pools[0].library} at {facts.pools[0].path}:{facts.pools[0].line})")
                   if facts.pools else Input(None, "no sized connection pool found in code"))
    procs = facts.deploy.processes
    workers = [p for p in procs if p["kind"] in WORKER_KINDS]
    if pool and workers:
        workers.sort(key=lambda p: (-_shared_prefix(p["path"], pool.path), p["path"], p["line"]))
    worker = workers[0] if workers else None
    instances = [p for p in procs if p["kind"] in INSTANCE_KINDS and isinstance(p["count"], int)]
    instance = min(instances, key=lambda p: (p["count"], p["path"])) if instances else None
    count = (worker["count"] if worker else 1)
    source = f"{worker['kind']} at {_where(worker)}" if worker else "assumed 1: no process manager setting found"
    if count is None:
        count = a.get("cpus_per_instance", 2)
        source += f" (one per CPU: assumed {count} CPUs)"
    if instance:
        count *= instance["count"]
        source += f" × {instance['count']} instance(s) at {_where(instance)}"
        source += f" (smallest of {len(instances)} replica settings)" if len(instances) > 1 else ""
    limits = [s for s in facts.deploy.server_limits if s["setting"] == "max_connections" and s["value"]]
    server = (Input(min(s["value"] for s in limits), f"max_connections at {_where(min(limits, key=lambda s: s['value']))}")
              if limits else Input(a["server_max_connections"], "assumption: profile server_max_connections"))
    model_inputs = {k: v for k, v in a.items() if k not in {"server_max_connections", "cpus_per_instance"}}
    return CapacityInputs(profile.concurrent_users, model_inputs, per_process, Input(count, source), server,
                          pools_unsized=bool(facts.pools) and pool is None)
