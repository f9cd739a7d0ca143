"""A throwaway PostgreSQL server for the test session.

``running()`` yields a DSN. It uses ``SCALEAUDIT_TEST_DSN`` when set; otherwise it initdb's a
cluster in a fresh /tmp directory and starts it on 127.0.0.1 at a free high port, as the
``postgres`` user when we are root (initdb/pg_ctl refuse to run as root, and the repo may live
under /root, which that user cannot read). Missing server binaries skip the tests, or fail them
when ``SCALEAUDIT_REQUIRE_PG=1`` (CI).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

INSTALL_HINT = "install a PostgreSQL server (Debian: `bash scripts/system-deps.sh`, or apt-get install postgresql)"


def _unavailable(msg: str) -> None:
    if os.environ.get("SCALEAUDIT_REQUIRE_PG") == "1":
        pytest.fail(f"PostgreSQL required (SCALEAUDIT_REQUIRE_PG=1) but {msg}", pytrace=False)
    pytest.skip(f"no PostgreSQL for tests: {msg}; {INSTALL_HINT} or set SCALEAUDIT_TEST_DSN")


def find_bindir() -> Path | None:
    """Directory holding initdb and pg_ctl: pg_config's, else the highest Debian major, else PATH."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))
    debian = glob.glob("/usr/lib/postgresql/*/bin")
    debian.sort(key=lambda p: [int(x) for x in re.findall(r"\d+", p)], reverse=True)
    candidates += map(Path, debian)
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    for d in candidates:
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], as_user: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(as_user + cmd, cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


@contextlib.contextmanager
def running() -> Iterator[str]:
    dsn = os.environ.get("SCALEAUDIT_TEST_DSN")
    if dsn:
        yield dsn
        return

    bindir = find_bindir()
    if bindir is None:
        _unavailable("no initdb/pg_ctl found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH)")

    as_user: list[str] = []
    root = os.geteuid() == 0
    if root:
        if not shutil.which("runuser"):
            _unavailable("running as root and `runuser` is missing")
        try:
            import pwd
            pw = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no `postgres` user to run the server as")
        as_user = ["runuser", "-u", "postgres", "--"]

    tmp = Path(tempfile.mkdtemp(prefix="scaleaudit-pg-", dir="/tmp" if root else None))
    data, log = tmp / "data", tmp / "server.log"
    started = False
    try:
        if root:
            os.chown(tmp, pw.pw_uid, pw.pw_gid)
        r = _run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale=C"], as_user, tmp)
        if r.returncode != 0:
            pytest.fail(f"initdb failed ({bindir}):\n{r.stdout}\n{r.stderr}", pytrace=False)

        for attempt in range(3):  # a port picked as free can be taken before the server binds it
            port = _free_port()
            opts = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={tmp}"
                    " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            r = _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts,
                      "-w", "-t", "60", "start"], as_user, tmp)
            if r.returncode == 0:
                started = True
                break
        if not started:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            pytest.fail(f"pg_ctl start failed ({bindir}):\n{r.stdout}\n{r.stderr}\n{tail}", pytrace=False)

        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], as_user, tmp)
        shutil.rmtree(tmp, ignore_errors=True)
