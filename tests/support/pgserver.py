"""A throwaway PostgreSQL server for the test suite.

Usage (e.g. from a session-scoped fixture)::

    try:
        server = pgserver.start_server()
    except pgserver.PostgresBinariesNotFound as exc:
        pytest.skip(str(exc))
    try:
        yield server            # server.url -> campaigns_test
        url = server.create_database("x_1234")   # a fresh, empty database
    finally:
        server.stop()

If ``CAMPAIGNS_TEST_POSTGRES_URL`` is set, that server is used instead of starting
one (and it is never stopped); ``create_database`` then works against it through its
``postgres`` maintenance database with the same credentials.

The server is started with ``initdb``/``pg_ctl`` in a fresh temporary directory; as
root these run as the ``postgres`` user (the server refuses to run as root).  Only
missing binaries make the caller skip; any other failure raises
``PostgresStartError`` carrying the tail of the server log.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import URL, make_url

ENV_URL = "CAMPAIGNS_TEST_POSTGRES_URL"
DEFAULT_DBNAME = "campaigns_test"
SKIP_REASON = (
    "PostgreSQL binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); "
    "install postgresql to run the PostgreSQL tests"
)

_OS_USER = "postgres"
_DB_USER = "postgres"
_TIMEOUT = 120  # seconds, per initdb / pg_ctl invocation


class PostgresBinariesNotFound(RuntimeError):
    """initdb/pg_ctl are not installed; ``str(exc)`` is the pytest skip reason."""

    def __init__(self, reason: str = SKIP_REASON) -> None:
        super().__init__(reason)
        self.reason = reason


class PostgresStartError(RuntimeError):
    """The throwaway server could not be initialised or started."""


def find_pg_bindir() -> Path | None:
    """Directory holding ``initdb`` and ``pg_ctl``: highest /usr/lib/postgresql/*/bin, else PATH."""

    def version_key(path: str) -> tuple[int, ...]:
        version = Path(path).parent.name
        return tuple(int(p) for p in re.findall(r"\d+", version)) or (0,)

    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True):
        if all(os.access(os.path.join(bindir, exe), os.X_OK) for exe in ("initdb", "pg_ctl")):
            return Path(bindir)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb).parent
    return None


def free_port() -> int:
    """A currently unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _normalise_url(url: str | URL) -> URL:
    """Parse ``url`` and make it use the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


class PostgresServer:
    """A PostgreSQL server for tests: either started here or given by ``external_url``."""

    def __init__(
        self,
        *,
        external_url: str | None = None,
        bindir: str | Path | None = None,
        dbname: str = DEFAULT_DBNAME,
    ) -> None:
        self.external = external_url is not None
        self.dbname = dbname
        self.bindir: Path | None = Path(bindir) if bindir else None
        self.basedir: Path | None = None
        self.port: int | None = None
        self._url: URL | None = _normalise_url(external_url) if external_url is not None else None
        self._started = False

    # -- public API --------------------------------------------------------------------

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the main test database (``campaigns_test`` when started here)."""
        if self._url is None:
            raise RuntimeError("PostgreSQL test server is not started")
        return _render(self._url)

    @property
    def datadir(self) -> Path | None:
        return self.basedir / "data" if self.basedir else None

    @property
    def logfile(self) -> Path | None:
        return self.basedir / "log" if self.basedir else None

    def database_url(self, name: str) -> str:
        """SQLAlchemy URL of database ``name`` on this server (it need not exist)."""
        if self._url is None:
            raise RuntimeError("PostgreSQL test server is not started")
        return _render(self._url.set(database=name))

    def create_database(self, name: str, *, drop_existing: bool = True) -> str:
        """Create an empty database ``name`` (dropping an old one first) and return its URL."""
        from psycopg import sql

        with self._maintenance_connection() as conn:
            if drop_existing:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, disconnecting its sessions."""
        from psycopg import sql

        with self._maintenance_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def start(self) -> PostgresServer:
        """Start the server (no-op for an external one) and create the main test database."""
        if self._started:
            return self
        if self.external:
            self._started = True
            return self
        if self.bindir is None:
            self.bindir = find_pg_bindir()
        if self.bindir is None:
            raise PostgresBinariesNotFound()

        self._started = True  # from here on, stop() has something to clean up
        atexit.register(self.stop)
        try:
            self._make_basedir()
            self._initdb()
            for attempt in range(3):
                self.port = free_port()
                try:
                    self._pg_ctl_start()
                    break
                except PostgresStartError:
                    log = self._log_tail()
                    if attempt < 2 and "already in use" in log:
                        continue  # lost the race for the port; try another
                    raise
            self._url = URL.create(
                "postgresql+psycopg",
                username=_DB_USER,
                host="127.0.0.1",
                port=self.port,
                database=self.dbname,
            )
            self.create_database(self.dbname)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop a server started here and remove its directory; safe to call repeatedly."""
        if not self._started:
            return
        self._started = False
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        if self.external:
            return
        datadir = self.datadir
        if datadir is not None and (datadir / "postmaster.pid").exists() and self.bindir is not None:
            try:
                self._run([str(self.bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "-w", "stop"])
            except Exception:
                self._kill_postmaster()
        if self.basedir is not None:
            shutil.rmtree(self.basedir, ignore_errors=True)
            self.basedir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- internals -----------------------------------------------------------------------

    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _make_basedir(self) -> None:
        self.basedir = Path(tempfile.mkdtemp(prefix="campaigns-pg-"))
        datadir = self.basedir / "data"
        datadir.mkdir()
        os.chmod(self.basedir, 0o700)
        os.chmod(datadir, 0o700)
        if self._as_root():
            shutil.chown(self.basedir, user=_OS_USER, group=None)
            shutil.chown(datadir, user=_OS_USER, group=None)

    def _run(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        """Run ``cmd`` (as the postgres user when root); raise PostgresStartError on failure."""
        argv = ["su", _OS_USER, "-s", "/bin/bash", "-c", shlex.join(cmd)] if self._as_root() else cmd
        try:
            proc = subprocess.run(
                argv,
                cwd=self.basedir or None,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresStartError(f"{shlex.join(cmd)} failed: {exc}") from exc
        if proc.returncode != 0:
            raise PostgresStartError(
                f"{shlex.join(cmd)} exited with {proc.returncode}\n"
                f"--- stdout ---\n{proc.stdout.strip()}\n--- stderr ---\n{proc.stderr.strip()}"
            )
        return proc

    def _initdb(self) -> None:
        assert self.bindir is not None and self.datadir is not None
        base = [
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-A",
            "trust",
            "-U",
            _DB_USER,
            "-E",
            "UTF8",
        ]
        try:
            self._run([*base, "--locale=C.UTF-8"])
        except PostgresStartError as first:
            self._empty_datadir()
            try:
                self._run([*base, "--no-locale"])
            except PostgresStartError as second:
                raise PostgresStartError(
                    f"initdb failed with --locale=C.UTF-8:\n{first}\n\nand with --no-locale:\n{second}"
                ) from second

    def _empty_datadir(self) -> None:
        datadir = self.datadir
        assert datadir is not None
        for child in datadir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)

    def _pg_ctl_start(self) -> None:
        assert self.bindir is not None and self.basedir is not None and self.datadir is not None
        options = (
            f"-p {self.port} -k {shlex.quote(str(self.basedir))} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        cmd = [
            str(self.bindir / "pg_ctl"),
            "-D", str(self.datadir),
            "-o", options,
            "-l", str(self.logfile),
            "-t", "60",
            "-w", "start",
        ]  # fmt: skip
        try:
            self._run(cmd)
        except PostgresStartError as exc:
            self._kill_postmaster()  # pg_ctl may time out with a half-started server
            raise PostgresStartError(f"{exc}\n--- server log (tail) ---\n{self._log_tail()}") from exc

    def _log_tail(self, lines: int = 40) -> str:
        logfile = self.logfile
        try:
            text = logfile.read_text(errors="replace") if logfile else ""
        except OSError as exc:
            return f"(no server log: {exc})"
        return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"

    def _kill_postmaster(self) -> None:
        """Last resort: kill the postmaster named in postmaster.pid."""
        datadir = self.datadir
        if datadir is None:
            return
        try:
            pid = int((datadir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            except OSError:
                return
            for _ in range(50):
                time.sleep(0.1)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                except OSError:
                    break

    @contextlib.contextmanager
    def _maintenance_connection(self):
        """Autocommit psycopg connection to this server's ``postgres`` database."""
        import psycopg

        if self._url is None:
            if self.port is None:
                raise RuntimeError("PostgreSQL test server is not started")
            params = {"host": "127.0.0.1", "port": self.port, "user": _DB_USER}
        else:
            params = {
                "host": self._url.host,
                "port": self._url.port,
                "user": self._url.username,
                "password": self._url.password,
                **{k: v for k, v in self._url.query.items() if isinstance(v, str)},
            }
        params = {k: v for k, v in params.items() if v is not None}
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=30, **params) as conn:
            yield conn


def start_server(dbname: str = DEFAULT_DBNAME) -> PostgresServer:
    """Start (or, with $CAMPAIGNS_TEST_POSTGRES_URL, attach to) a test server.

    Raises PostgresBinariesNotFound (caller: ``pytest.skip(str(exc))``) when no server is
    configured and initdb/pg_ctl are missing, PostgresStartError when starting fails.
    """
    external = os.environ.get(ENV_URL, "").strip()
    if external:
        return PostgresServer(external_url=external, dbname=dbname).start()
    return PostgresServer(dbname=dbname).start()
