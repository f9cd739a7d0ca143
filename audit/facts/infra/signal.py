"""One infrastructure signal: something found at a path and line, with what it is and how it is set up."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.facts.deploy import mask

QUERY_STRING = re.compile(r"\?[^\s'\"`]*")
SECRETISH = re.compile(r"\b(?:sk|pk|rk)[-_][\w-]{12,}|\b(?:whsec_|xox[abp]-|ghp_|AIza)[\w-]{8,}|[A-Za-z0-9_\-]{32,}")


@dataclass
class Signal:
    """`category` groups signals (caches, rate_limits...); `kind` says what it is within it;
    `runtime` where the code runs (server, edge, browser, config); `props` the settings read."""

    category: str
    kind: str
    library: str
    path: str
    line: int | None
    detail: str
    runtime: str
    props: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "library": self.library, "path": self.path, "line": self.line,
                "detail": self.detail, "runtime": self.runtime, **dict(sorted(self.props.items()))}

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def clean(text: str, limit: int = 120) -> str:
    """One line of code as evidence: whitespace collapsed, query strings and passwords hidden, cut."""
    one = " ".join(str(text).split())
    one = SECRETISH.sub("***", mask("", QUERY_STRING.sub("?…", one)) or "")
    return one if len(one) <= limit else one[:limit - 1] + "…"
