"""Live PostgreSQL: read-only facts from a given database, and the shadow database built from the
audited repo's migrations. See audit.live.facts (live_facts) and audit.live.shadow (shadow_facts)."""

from audit.live.connect import LiveError, connect, mask_dsn
from audit.live.facts import LiveFacts, live_facts

__all__ = ["LiveError", "LiveFacts", "connect", "live_facts", "mask_dsn", "shadow_facts", "ShadowFacts", "compare"]


def __getattr__(name):  # the shadow module is imported on first use
    if name in ("shadow_facts", "ShadowFacts", "compare"):
        from audit.live import shadow
        return getattr(shadow, name)
    raise AttributeError(name)
