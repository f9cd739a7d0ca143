"""Horizontal-scaling checks on the process and deployment facts."""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.facts import Facts
from audit.model import Evidence, Finding, Outcome

SERVER_KINDS = {"gunicorn", "uvicorn", "pm2", "single-process", "node-cluster", "web-concurrency"}
SEARCHED = ("Dockerfile CMD/ENTRYPOINT, Procfile, docker-compose (command, deploy.replicas, scale), "
            "gunicorn config, PM2 ecosystem, Kubernetes Deployments/HPAs, WEB_CONCURRENCY, cluster.fork")


def _servers(facts: Facts) -> list[dict]:
    return [p for p in facts.deploy.processes if p["kind"] in SERVER_KINDS]


@check("scale.single-process")
def single_process(facts: Facts, spec: CheckSpec) -> Outcome:
    servers = _servers(facts)
    if not servers and not facts.pools:
        return Outcome("not_applicable", note="no application server found (e.g. a static front end on a BaaS)")
    if not servers:
        return Outcome("undecided", note=f"an app with a pool, but no process setting found; searched {SEARCHED}")
    many = [p for p in facts.deploy.processes if (p["count"] or 2) > 1 and p["kind"] != "serverless"]
    if many:
        return Outcome("pass", note=f"{many[0]['kind']} at {many[0]['path']}:{many[0]['line']}")
    return Outcome.from_findings([
        Finding(check=spec.id, title=f"The server runs as one process ({p['setting']})",
                subject={"kind": p["kind"], "path": p["path"]},
                evidence=[Evidence(p["path"], p["line"], f"{p['detail']}; no workers or replicas > 1 found "
                                                         f"(searched {SEARCHED})")])
        for p in servers if p["count"] == 1
    ])


@check("scale.no-autoscaling")
def no_autoscaling(facts: Facts, spec: CheckSpec) -> Outcome:
    if not _servers(facts) and not facts.pools:
        return Outcome("not_applicable", note="no application server found")
    hpa = [p for p in facts.deploy.processes if p["kind"] == "k8s-hpa"]
    if hpa:
        return Outcome("pass", note=f"HorizontalPodAutoscaler at {hpa[0]['path']}:{hpa[0]['line']}")
    return Outcome.from_findings([Finding(
        check=spec.id, title="No autoscaling configuration found",
        subject={"searched": "autoscaling"},
        evidence=[Evidence("", None, "searched: Kubernetes HorizontalPodAutoscaler, and the process settings: "
                                     + SEARCHED)])])
