"""Waivers: the audited repo's own decisions to accept a finding, with a reason and an expiry."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from audit.model import Finding, Outcome

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class Waiver:
    """Waives `check` (for findings under `path`, or matching `subject`, when given) until `expires`."""

    check: str
    reason: str
    path: str = ""
    subject: dict = field(default_factory=dict)
    expires: str = ""

    def active(self, today: str) -> bool:
        return not self.expires or self.expires >= today

    def covers(self, finding: Finding) -> bool:
        if finding.check != self.check:
            return False
        if self.path and not any(e.path.startswith(self.path) for e in finding.evidence):
            return False
        return all(finding.subject.get(k) == v for k, v in self.subject.items())

    def to_dict(self) -> dict:
        return {"check": self.check, "reason": self.reason, "path": self.path,
                "subject": dict(sorted(self.subject.items())), "expires": self.expires}


def load_waivers(root: Path) -> tuple[list[Waiver], list[str]]:
    """Waivers from scaleaudit.toml or [tool.scaleaudit] in pyproject.toml; also the problems met."""
    problems: list[str] = []
    entries: list[dict] = []
    for name, section in (("scaleaudit.toml", ()), ("pyproject.toml", ("tool", "scaleaudit"))):
        f = root / name
        if not f.is_file() or f.is_symlink():
            continue
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: {exc}")
            continue
        for key in section:
            data = data.get(key, {})
        entries.extend(data.get("waive", []))
    waivers = []
    for e in entries:
        if not isinstance(e, dict) or not e.get("check") or not e.get("reason"):
            problems.append(f"waiver ignored, it needs a check and a reason: {e!r}")
            continue
        waivers.append(Waiver(str(e["check"]), str(e["reason"]), str(e.get("path", "")),
                              dict(e.get("subject", {})), str(e.get("expires", ""))))
    return waivers, problems


def apply_waivers(outcomes: dict[str, Outcome], waivers: list[Waiver], today: str
                  ) -> tuple[dict[str, Outcome], list[dict]]:
    """Outcomes with waived findings removed (a check left with none becomes `waived`), and the list."""
    result, listed = {}, []
    for check_id, out in outcomes.items():
        mine = [w for w in waivers if w.check == check_id]
        if not mine:
            result[check_id] = out
            continue
        active = [w for w in mine if w.active(today)]
        whole = [w for w in active if not w.path and not w.subject]
        kept = [] if whole else [f for f in out.findings if not any(w.covers(f) for w in active)]
        for w in mine:
            n = len(out.findings) if w in whole else sum(1 for f in out.findings if w.covers(f))
            listed.append({**w.to_dict(), "findings": n, "expired": not w.active(today)})
        if whole or (out.status == "fail" and not kept):
            result[check_id] = replace(out, status="waived", findings=[])
        else:
            result[check_id] = replace(out, findings=kept)
    listed.sort(key=lambda w: (w["check"], w["path"], repr(w["subject"])))
    return result, listed
