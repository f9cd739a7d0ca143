"""SARIF 2.1.0: the findings as a code-scanning log (one rule per check, results with file:line)."""

from __future__ import annotations

from audit.catalog import load_catalog, load_profile

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning reads a 0-10 "security-severity"-like rank; scaleaudit's severities map onto it
RANKS = {"critical": 95.0, "high": 80.0, "medium": 50.0, "low": 20.0, "info": 5.0}


def _rule(spec) -> dict:
    return {
        "id": spec.id,
        "name": spec.id.replace(".", "/"),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.why},
        "help": {"text": f"{spec.why}\n\nFix: {spec.fix}", "markdown": f"{spec.why}\n\n**Fix:** {spec.fix}"},
        "helpUri": spec.references[0] if spec.references else "https://www.postgresql.org/docs/current/",
        "defaultConfiguration": {"level": LEVELS[spec.severity]},
        "properties": {"area": spec.area, "weight": spec.weight, "tags": ["scalability", spec.area]},
    }


def _result(f: dict, rule_index: dict[str, int]) -> dict:
    locations = [
        {"physicalLocation": {"artifactLocation": {"uri": e["path"], "uriBaseId": "SRCROOT"},
                              **({"region": {"startLine": e["line"]}} if e.get("line") else {})},
         "message": {"text": e["detail"][:500]}}
        for e in f["evidence"] if e.get("path")
    ]
    detail = "; ".join(e["detail"] for e in f["evidence"] if not e.get("path"))
    return {
        "ruleId": f["check"],
        "ruleIndex": rule_index[f["check"]],
        "level": LEVELS[f["severity"]],
        "message": {"text": f["title"] + (f" ({detail})" if detail else "") + f". Fix: {f['fix']}"},
        "locations": locations[:1],
        "relatedLocations": [{**loc, "id": i} for i, loc in enumerate(locations[1:], start=1)],
        "rank": RANKS[f["severity"]],
        "properties": {"severity": f["severity"], "area": f["area"], "subject": f["subject"]},
    }


def to_sarif(doc: dict) -> dict:
    """The document's findings as a SARIF 2.1.0 log; rules come from the catalog for the same profile."""
    prof = doc["profile"]
    catalog = load_catalog(load_profile(prof["name"], None) if prof["name"] != "custom"
                           else load_profile(concurrent_users=prof["concurrent_users"]))
    specs = sorted(catalog.checks.values(), key=lambda s: s.id)
    rule_index = {s.id: i for i, s in enumerate(specs)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "scaleaudit", "version": doc["tool"]["version"],
                                "informationUri": "https://pypi.org/project/scaleaudit/",
                                "rules": [_rule(s) for s in specs]}},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": f"the audited folder {doc['target']['path']}"}}},
            "results": [_result(f, rule_index) for f in doc["findings"]],
            "properties": {"profile": prof["name"], "concurrent_users": prof["concurrent_users"],
                           "readiness": doc["scorecard"]["overall"], "coverage": doc["scorecard"]["coverage"]},
        }],
    }
