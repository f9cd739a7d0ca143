"""Replication: the replicas attached to a primary and their lag, a replica's own delay, and slots."""

from __future__ import annotations

from audit.live.sql import MARK

REPLICAS = MARK + """
SELECT coalesce(nullif(application_name, ''), '(none)') AS application, state, sync_state,
       extract(epoch FROM replay_lag)::numeric(12, 1)::float AS replay_lag_s,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes
FROM pg_stat_replication ORDER BY 1
"""

REPLICA_DELAY = MARK + """
SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric(12, 1)::float AS replay_delay_s
"""

SLOTS = MARK + """
SELECT slot_name AS slot, slot_type AS type, active,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint END AS retained_bytes
FROM pg_replication_slots ORDER BY 1
"""


def replication(db, is_replica: bool) -> dict:
    """{role: primary|replica, replicas: [...], replay_delay_s (on a replica), slots: [...]}."""
    out: dict = {"role": "replica" if is_replica else "primary", "replicas": [], "replay_delay_s": None}
    if is_replica:
        out["replay_delay_s"] = db.rows(REPLICA_DELAY)[0]["replay_delay_s"]
    else:
        out["replicas"] = [dict(r) for r in db.rows(REPLICAS)]
    out["slots"] = [dict(r) for r in db.rows(SLOTS)]
    return out
