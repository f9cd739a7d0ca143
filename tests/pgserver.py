"""A throwaway PostgreSQL server for the test session: a thin wrapper over audit.live.server.

``running()`` yields a DSN. It uses ``SCALEAUDIT_TEST_DSN`` when set; otherwise audit.live.server
starts a cluster in a fresh /tmp directory on 127.0.0.1 at a free high port (as the ``postgres``
user when we are root), with pg_stat_statements preloaded when the installation ships it. Missing
server binaries skip the tests, or fail them when ``SCALEAUDIT_REQUIRE_PG=1`` (CI).
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import pytest

from audit.live import server as pg

INSTALL_HINT = pg.INSTALL_HINT
find_bindir = pg.find_bindir


def _unavailable(msg: str) -> None:
    if os.environ.get("SCALEAUDIT_REQUIRE_PG") == "1":
        pytest.fail(f"PostgreSQL required (SCALEAUDIT_REQUIRE_PG=1) but {msg}", pytrace=False)
    pytest.skip(f"no PostgreSQL for tests: {msg}; or set SCALEAUDIT_TEST_DSN")


@contextlib.contextmanager
def running() -> Iterator[str]:
    dsn = os.environ.get("SCALEAUDIT_TEST_DSN")
    if dsn:
        yield dsn
        return
    try:
        server = pg.start_local()
    except pg.ServerFailed as exc:
        pytest.fail(str(exc), pytrace=False)
    except pg.ServerUnavailable as exc:
        _unavailable(str(exc))
    with server:
        yield server.dsn
