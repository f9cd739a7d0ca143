"""Reading the document (docs/contract.md): from a file or a fresh scan, and safe accessors.

The accessors never raise on a partial document (an old schema, an empty repository, a bare
``{}``): a missing key reads as empty.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping


def load_document(
    project_path: str | os.PathLike[str] = ".",
    profile: str = "10k",
    concurrent_users: int | None = None,
    audit_json: str | os.PathLike[str] | None = None,
    output_dir: str | os.PathLike[str] | None = None,
) -> dict:
    """The document the notebook renders.

    With ``audit_json`` the document is read from that file (the CLI writes
    ``readiness.json`` first and passes it, so report and JSON agree). Otherwise the
    project is scanned with ``audit.api.scan``; when ``output_dir`` is given the scanned
    document is also written there as ``readiness.json``.
    """
    if audit_json:
        with open(audit_json, encoding="utf-8") as fh:
            return json.load(fh)

    from audit import api  # imported late: rendering a document must not need the scanner

    doc = api.scan(str(project_path), profile=profile, concurrent_users=concurrent_users)
    if output_dir:
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "readiness.json").write_text(api.document_json(doc), encoding="utf-8")
    return doc


def get(mapping: Any, *keys: str, default: Any = None) -> Any:
    """``get(doc, "facts", "schema", "tables")``: the nested value, or ``default`` when any step is missing."""
    cur = mapping
    for key in keys:
        if not isinstance(cur, Mapping):
            return default
        cur = cur.get(key)
        if cur is None:
            return default
    return cur


def dicts(value: Any) -> list[dict]:
    """The mappings in a list (anything else in it, or a non-list, is ignored)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, (list, tuple)) else []


def findings_of(doc: Mapping) -> list[dict]:
    return dicts(get(doc, "findings"))


def areas_of(doc: Mapping) -> list[dict]:
    return dicts(get(doc, "scorecard", "areas"))


def checks_of(doc: Mapping) -> list[tuple[dict, dict]]:
    """``(area, check)`` pairs in scorecard order."""
    return [(a, c) for a in areas_of(doc) for c in dicts(a.get("checks"))]


def check_titles(doc: Mapping) -> dict[str, str]:
    """The catalog title of every check in the scorecard, by check id."""
    return {c.get("check", ""): c.get("title") or "" for _, c in checks_of(doc)}


def finding_count(value: Any) -> int:
    """A check's ``findings``: a count (the contract) or a list of findings (older documents)."""
    if isinstance(value, (list, tuple)):
        return len(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    return 0
