"""A read-only session on a live database, and DSN masking.

Read-only by construction, three layers deep:
1. the connection starts with `default_transaction_read_only = on` (startup `options`), together
   with `statement_timeout` and `lock_timeout`;
2. psycopg's `read_only` makes every transaction begin with `BEGIN READ ONLY`;
3. before anything else the session checks `SHOW transaction_read_only` and refuses to go on
   when the server did not honour it (a pooler that drops startup options, say).
Every probe runs in its own transaction, rolled back afterwards, so a failed probe (a view the
role may not read) is recorded and the next one still runs. The probes only read catalog and
statistics views; nothing here runs EXPLAIN ANALYZE.

The password never leaves this module: `mask_dsn` shows the DSN with `***` in its place, and
`scrub` removes the password (and the raw DSN) from any error text before it is stored.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import psycopg
from psycopg import conninfo
from psycopg.rows import dict_row

APPLICATION_NAME = "scaleaudit"
_URL = re.compile(r"^(?P<scheme>postgres(?:ql)?)://(?P<auth>[^@/?#]*@)?(?P<rest>.*)$", re.I | re.S)
_KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.I)
_ALLOWED = re.compile(r"\s*(SELECT|WITH|SHOW|TABLE|VALUES|EXPLAIN|PREPARE|DEALLOCATE|SET\s+LOCAL)\b", re.I)


def _strip_mark(sql: str) -> str:
    text = sql.lstrip()
    while text.startswith("/*"):
        end = text.find("*/")
        text = text[end + 2:].lstrip() if end >= 0 else ""
    return text


class LiveError(Exception):
    """A live-database problem described in one line with no credentials in it."""


def _passwords(dsn: str) -> list[str]:
    """Every spelling of the password the DSN carries (raw, URL-decoded, URL-encoded)."""
    found = []
    m = _URL.match(dsn.strip())
    if m and m.group("auth") and ":" in m.group("auth"):
        raw = m.group("auth")[:-1].split(":", 1)[1]
        found += [raw, unquote(raw)]
    for kv in _KV_PASSWORD.finditer(dsn):
        value = kv.group(2)
        found += [value, value.strip("'")]
    with contextlib.suppress(Exception):
        pw = conninfo.conninfo_to_dict(dsn).get("password")
        if pw:
            found += [pw, quote(pw, safe="")]
    return sorted({p for p in found if p}, key=len, reverse=True)


def mask_dsn(dsn: str) -> str:
    """The DSN with its password replaced by `***` (URL or key=value form)."""
    text = dsn.strip()
    m = _URL.match(text)
    if m:
        auth = m.group("auth") or ""
        if ":" in auth:
            auth = auth.split(":", 1)[0] + ":***@"
        rest = re.sub(r"([?&]password=)[^&#]*", r"\1***", m.group("rest"), flags=re.I)
        return f"{m.group('scheme')}://{auth}{rest}"
    return _KV_PASSWORD.sub(lambda k: k.group(1) + "***", text)


def scrub(text: str, dsn: str) -> str:
    """`text` without the DSN's password in any spelling, and with the DSN itself masked."""
    out = text.replace(dsn, mask_dsn(dsn)) if dsn else text
    for pw in _passwords(dsn):
        out = out.replace(pw, "***")
    return out


def first_line(exc: BaseException, dsn: str = "") -> str:
    """An exception as one meaningful line, credentials removed."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    line = lines[0] if lines else type(exc).__name__
    return scrub(line, dsn)[:300]


@dataclass
class Session:
    """A read-only connection; `rows()` runs one probe in its own read-only transaction."""

    conn: psycopg.Connection
    dsn: str
    timeout_ms: int
    local_timeouts: bool = False
    startup_options: bool = True   # False: a pooler refused them; read-only rests on BEGIN READ ONLY
    problems: list[dict] = field(default_factory=list)

    def rows(self, sql: str, params: tuple | dict | None = None) -> list[dict]:
        """The rows of one statement as dicts; raises psycopg errors (the transaction is rolled back)."""
        return self.script([(sql, params)])

    def script(self, statements: list) -> list[dict]:
        """Several statements (SQL or (SQL, params)) in one read-only transaction; the last one's rows.

        Only reads leave this method: anything but SELECT/WITH/SHOW/TABLE/VALUES, EXPLAIN (of a
        query: PREPARE/EXECUTE for generic plans), DEALLOCATE and SET LOCAL raises LiveError
        before it is sent. The server would refuse a write anyway (layers 1 and 2 above).
        """
        for stmt in statements:
            sql = stmt[0] if isinstance(stmt, tuple) else stmt
            if not _ALLOWED.match(_strip_mark(sql)):
                raise LiveError(f"refused to send a statement that is not a read: {' '.join(sql.split()[:4])}")
        try:
            with self.conn.cursor(row_factory=dict_row) as cur:
                if self.local_timeouts:
                    cur.execute(f"SET LOCAL statement_timeout = {int(self.timeout_ms)}")
                    cur.execute(f"SET LOCAL lock_timeout = {int(min(self.timeout_ms, 1000))}")
                for stmt in statements:
                    sql, params = stmt if isinstance(stmt, tuple) else (stmt, None)
                    cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        finally:
            self.conn.rollback()

    def deallocate(self, name: str) -> None:
        """Drop a prepared statement of ours if it exists (prepared statements outlive a rollback)."""
        try:
            self.rows(f"DEALLOCATE {name}")
        except psycopg.errors.InvalidSqlStatementName:
            pass

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _options(dsn: str, extra: dict[str, str]) -> str:
    """The DSN's own `options` followed by ours (ours win: libpq applies them in order)."""
    with contextlib.suppress(Exception):
        existing = conninfo.conninfo_to_dict(dsn).get("options") or ""
        return " ".join([existing, *(f"-c {k}={v}" for k, v in extra.items())]).strip()
    return " ".join(f"-c {k}={v}" for k, v in extra.items())


def _open(dsn: str, timeout_ms: int, options: str | None) -> psycopg.Connection:
    kwargs = {"options": options} if options is not None else {}
    return psycopg.connect(dsn, autocommit=False, connect_timeout=max(2, -(-timeout_ms // 1000)),
                           application_name=APPLICATION_NAME, **kwargs)


def connect(dsn: str, *, timeout_ms: int = 5000, session_timeouts: bool = True) -> Session:
    """Open a read-only Session; raises LiveError with one credential-free line on any failure.

    `session_timeouts=False` leaves statement_timeout/lock_timeout at the server's values (so that
    pg_settings.reset_val shows them) and bounds each probe with SET LOCAL instead; read-only either way.
    A pooler that rejects startup `options` (some transaction-mode poolers do) gets a second try
    without them: every transaction is still BEGIN READ ONLY with SET LOCAL timeouts, and the
    session records `startup_options = False`.
    """
    settings = {"default_transaction_read_only": "on"}
    if session_timeouts:
        settings.update(statement_timeout=str(timeout_ms), lock_timeout=str(min(timeout_ms, 1000)))
    startup = True
    try:
        try:
            conn = _open(dsn, timeout_ms, _options(dsn, settings))
        except psycopg.OperationalError as exc:
            if "startup parameter" not in str(exc) and "options" not in str(exc):
                raise
            conn, startup = _open(dsn, timeout_ms, None), False
    except Exception as exc:  # noqa: BLE001 - psycopg errors, and a malformed DSN's ProgrammingError/ValueError
        raise LiveError(f"cannot connect to {mask_dsn(dsn)}: {first_line(exc, dsn)}") from None
    conn.read_only = True
    conn.prepare_threshold = None  # no automatic server-side prepares: the explain probes manage their own
    session = Session(conn, dsn, timeout_ms, local_timeouts=not (session_timeouts and startup),
                      startup_options=startup)
    try:
        ro = session.rows("SELECT current_setting('transaction_read_only') AS tx, "
                          "current_setting('default_transaction_read_only') AS dflt")[0]
    except psycopg.Error as exc:
        session.close()
        raise LiveError(f"connected to {mask_dsn(dsn)} but could not check read-only mode: "
                        f"{first_line(exc, dsn)}") from None
    if ro["tx"] != "on" or (startup and ro["dflt"] != "on"):
        session.close()
        raise LiveError(f"{mask_dsn(dsn)}: the server did not make the session read-only; refusing to go on")
    return session
