"""What the probes share: the marker comment and the platform schemas they leave out."""

from __future__ import annotations

import re

# Every probe starts with this comment: pg_stat_statements keeps it, so our own probes are left
# out of the top statements, and a DBA reading pg_stat_activity sees who is asking.
MARK = "/* scaleaudit read-only probe */"

# Schemas the platform owns (Supabase, extensions): findings there are not the application's to fix.
PLATFORM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "auth", "storage", "realtime", "_realtime",
                    "extensions", "graphql", "graphql_public", "vault", "pgsodium", "pgsodium_masks",
                    "supabase_functions", "supabase_migrations", "net", "cron", "pgbouncer", "_analytics",
                    "pgtle", "repack", "topology", "tiger", "tiger_data")

_STRING = re.compile(r"'(?:[^']|'')*'")


def redact(query: str | None, limit: int = 300) -> str | None:
    """A query text with string literals replaced by '…' (they may hold personal data), cut to `limit`."""
    if query is None:
        return None
    text = " ".join(_STRING.sub("'…'", query).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
