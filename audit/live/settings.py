"""Server version and the settings that matter for capacity, with their units normalised."""

from __future__ import annotations

import re
from pathlib import Path

from audit.live.sql import MARK

SETTINGS = ("max_connections", "superuser_reserved_connections", "shared_buffers", "effective_cache_size",
            "work_mem", "maintenance_work_mem", "statement_timeout", "idle_in_transaction_session_timeout",
            "lock_timeout", "random_page_cost", "max_wal_size", "autovacuum", "track_counts",
            "shared_preload_libraries", "log_min_duration_statement", "autovacuum_freeze_max_age")
TIMEOUTS = ("statement_timeout", "idle_in_transaction_session_timeout", "lock_timeout")
_UNITS = {"B": 1, "kB": 1024, "8kB": 8192, "16kB": 16384, "32kB": 32768, "MB": 1024 ** 2, "GB": 1024 ** 3,
          "TB": 1024 ** 4, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}

SERVER = MARK + """
SELECT current_setting('server_version') AS version, current_setting('server_version_num')::int AS version_num,
       current_database() AS database, pg_database_size(current_database()) AS database_size_bytes,
       pg_is_in_recovery() AS is_replica, current_user AS role,
       current_setting('is_superuser') = 'on' AS superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS reads_all_stats,
       extract(epoch FROM now() - pg_postmaster_start_time())::bigint AS uptime_s
"""

# reset_val: the session's value before any SET (so a SET LOCAL timeout of ours does not show).
SETTINGS_SQL = MARK + """
SELECT name, reset_val AS value, unit, CASE WHEN source = 'session' THEN NULL ELSE source END AS source
FROM pg_settings WHERE name = ANY(%s) ORDER BY name
"""

ROLE_SETTINGS = MARK + """
SELECT coalesce(r.rolname, '(all roles)') AS role, coalesce(d.datname, '(all databases)') AS database,
       split_part(cfg, '=', 1) AS name, split_part(cfg, '=', 2) AS value
FROM pg_db_role_setting s
LEFT JOIN pg_roles r ON r.oid = s.setrole
LEFT JOIN pg_database d ON d.oid = s.setdatabase
CROSS JOIN LATERAL unnest(s.setconfig) AS cfg
WHERE split_part(cfg, '=', 1) = ANY(%s)
  AND (s.setdatabase = 0 OR d.datname = current_database())
ORDER BY 1, 2, 3
"""


def normalise(value: str | None, unit: str | None) -> int | float | str | None:
    """A pg_settings value in bytes (memory) or milliseconds (time); other values as they are."""
    if value is None:
        return None
    if unit in _UNITS and re.fullmatch(r"-?\d+(\.\d+)?", value):
        number = float(value) * _UNITS[unit]
        return int(number) if number.is_integer() else number
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


def unit_kind(unit: str | None) -> str:
    if unit in ("B", "kB", "8kB", "16kB", "32kB", "MB", "GB", "TB"):
        return "bytes"
    if unit in ("ms", "s", "min", "h", "d"):
        return "ms"
    return ""


def settings(db) -> dict:
    """{name: {value, unit, normalised, kind, source}} for SETTINGS (read through a session whose
    timeouts are SET LOCAL, so statement_timeout shows the server's value, not ours)."""
    out = {}
    for r in db.rows(SETTINGS_SQL, (list(SETTINGS),)):
        out[r["name"]] = {"value": r["value"], "unit": r["unit"], "normalised": normalise(r["value"], r["unit"]),
                          "kind": unit_kind(r["unit"]), "source": r["source"]}
    return out


def role_settings(db) -> list[dict]:
    """ALTER ROLE/DATABASE ... SET of the timeouts (Supabase sets statement_timeout per role)."""
    return [dict(r) for r in db.rows(ROLE_SETTINGS, (list(TIMEOUTS),))]


def server(db) -> dict:
    return dict(db.rows(SERVER)[0])


def machine_memory(host: str | None) -> dict | None:
    """The server machine's memory when the server is this machine (a local host or socket)."""
    local = not host or host.startswith("/") or host in ("localhost", "127.0.0.1", "::1")
    meminfo = Path("/proc/meminfo")
    if not local or not meminfo.is_file():
        return None
    m = re.search(r"^MemTotal:\s+(\d+)\s+kB", meminfo.read_text(), re.M)
    return {"bytes": int(m.group(1)) * 1024, "source": "/proc/meminfo (the server runs on this machine)"} if m else None
