"""The finding model: what a check reports, and with what evidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class Evidence:
    """Where a finding comes from: a file and line, or a measured value (path may be empty)."""

    path: str
    line: int | None
    detail: str


@dataclass
class Finding:
    """One problem found by one check. Area, severity, why and fix come from the catalog."""

    check: str
    subject: dict
    evidence: list[Evidence]
    title: str = ""
    area: str = ""
    severity: str = ""
    why: str = ""
    fix: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def sort_key(self) -> tuple:
        first = self.evidence[0] if self.evidence else Evidence("", None, "")
        return (
            SEVERITIES.index(self.severity) if self.severity in SEVERITIES else len(SEVERITIES),
            self.check,
            repr(sorted(self.subject.items())),
            first.path,
            first.line or 0,
        )


@dataclass
class Outcome:
    """The result of running one check: not_applicable, undecided, pass or fail (with findings)."""

    status: str
    findings: list[Finding] = field(default_factory=list)
    note: str = ""

    @classmethod
    def from_findings(cls, findings: list[Finding]) -> "Outcome":
        return cls("fail" if findings else "pass", findings)


@dataclass(frozen=True)
class Skipped:
    """A file the audit did not read, and why."""

    path: str
    reason: str
