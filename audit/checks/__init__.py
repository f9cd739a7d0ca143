"""Checks turn facts into findings. Each check is a function registered under its catalog id."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from audit.catalog import Catalog, CheckSpec
from audit.facts import Facts
from audit.model import Finding, Outcome

CheckFunc = Callable[[Facts, CheckSpec], Outcome]
REGISTRY: dict[str, CheckFunc] = {}


def check(check_id: str) -> Callable[[CheckFunc], CheckFunc]:
    """Register the decorated function as the code of catalog check `check_id`."""
    def register(func: CheckFunc) -> CheckFunc:
        REGISTRY[check_id] = func
        return func
    return register


def load_check_modules() -> None:
    """Import every module of this package: importing one registers its checks."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def run_checks(facts: Facts, catalog: Catalog) -> dict[str, Outcome]:
    """Run every catalogued check; findings get their area, severity, why and fix from the catalog."""
    load_check_modules()
    outcomes = {}
    for check_id, spec in sorted(catalog.checks.items()):
        outcome = REGISTRY[check_id](facts, spec)
        for f in outcome.findings:
            _complete(f, spec)
        outcome.findings.sort(key=Finding.sort_key)
        outcomes[check_id] = outcome
    return outcomes


def _complete(f: Finding, spec: CheckSpec) -> None:
    f.check, f.area, f.severity = spec.id, spec.area, spec.severity
    f.title = f.title or spec.title
    f.why, f.fix = spec.why, f.fix or spec.fix
