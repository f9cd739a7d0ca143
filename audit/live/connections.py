"""Connections in use (by state, application and role) and the sessions that hold on too long."""

from __future__ import annotations

from audit.live.sql import MARK, redact

BY_STATE = MARK + """
SELECT coalesce(state, 'unknown') AS state, coalesce(nullif(application_name, ''), '(none)') AS application,
       coalesce(usename::text, '(unknown)') AS role, count(*)::int AS count
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
GROUP BY 1, 2, 3
ORDER BY count DESC, 1, 2, 3
"""

# Sessions running a statement, or inside a transaction, for at least a second (not ours).
ACTIVITY = MARK + """
SELECT pid, coalesce(state, 'unknown') AS state, coalesce(nullif(application_name, ''), '(none)') AS application,
       coalesce(usename::text, '(unknown)') AS role,
       extract(epoch FROM now() - query_start)::numeric(12, 1)::float AS query_s,
       extract(epoch FROM now() - xact_start)::numeric(12, 1)::float AS xact_s,
       extract(epoch FROM now() - state_change)::numeric(12, 1)::float AS state_s,
       wait_event_type, query
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'
  AND now() - coalesce(xact_start, query_start) > interval '1 second'
ORDER BY coalesce(xact_start, query_start), pid
LIMIT 50
"""


def connections(db) -> dict:
    """{total, by_state: {state: n}, by_application: [{application, role, state, count}]}."""
    rows = db.rows(BY_STATE)
    by_state: dict[str, int] = {}
    for r in rows:
        by_state[r["state"]] = by_state.get(r["state"], 0) + r["count"]
    return {"total": sum(by_state.values()), "by_state": dict(sorted(by_state.items())),
            "by_application": [dict(r) for r in rows]}


def activity(db) -> list[dict]:
    """Long-running statements and open transactions; query text with string literals redacted."""
    out = []
    for r in db.rows(ACTIVITY):
        row = dict(r)
        row["query"] = redact(r["query"])
        out.append(row)
    return out
