"""Load-testing check: is there any load-test script in the repository?"""

from __future__ import annotations

from audit.catalog import CheckSpec
from audit.checks import check
from audit.checks.infra import absent, has_code, infra, listed, unused
from audit.facts import Facts
from audit.model import Outcome


@check("test.no-load-tests")
def no_load_tests(facts: Facts, spec: CheckSpec) -> Outcome:
    if not has_code(facts):
        return Outcome("not_applicable", note="no application code found")
    tests = infra(facts).of("load_tests")
    if tests:
        return Outcome("pass", note=f"load tests: {listed(tests)}")
    return absent(spec, "No load-test scripts found", "load_tests", unused(facts, "load_tests"))
