"""The temporary Prefect API of a command run with no server configured: started by the command itself, at
its first line, and given to everything the command runs.

Prefect would start it when the first flow asks for a client, after the command's imports and schema check,
and only for that process: each worker process of a partitioned campaign then started a server of its own
(three at once were seen in a 1,000,000-household screening), each taking seconds of a busy machine. Started
here, its start-up overlaps the command's own imports, and its address is in the environment and Prefect's
global settings: the flow, Prefect's background threads (which do not see settings entered in a context),
worker processes and Dask workers all use it. A server set in a Prefect profile is used as before.

The server is the one Prefect starts (`prefect.server.api.server.SubprocessASGIServer`: uvicorn serving
`create_app`, UI off), launched without importing Prefect's server modules here: they take seconds to
import, and the command never uses them itself."""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Set, the command talks to that server (or database) and starts none.
CONFIGURED = ("PREFECT_API_URL", "PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_DATABASE_CONNECTION_URL")
PORT_IN_USE = 3  # uvicorn's exit status when the port is taken
# What a server living for one command does for nobody: automations (triggers and their actions: none can be
# made on it) and the event feed kept for its UI (off, and gone with it). Each costs its start-up (0.6 s of the
# server's 4.9 s here) and work on every event of the run. Unless the environment says otherwise.
UNUSED_SERVICES_OFF = {"PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
                       "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false"}
STOP_SECONDS = 5


def api_configured() -> bool:
    return any(os.environ.get(name) for name in CONFIGURED)


class TemporaryApi:
    """One temporary server for the command: `start` launches it and puts its address in the environment,
    `in_use` waits until it answers; it stops when the command exits."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._port = 0

    @property
    def started(self) -> bool:
        return self._process is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api"

    def start(self) -> None:
        """Unless a server is set in any of Prefect's places (the environment, the active profile, `.env`,
        `prefect.toml`). Only in a process that has not imported Prefect yet: a command run inside another
        program, such as a test, is left to Prefect's own ways."""
        if self._process is not None or api_configured() or "prefect" in sys.modules:
            return
        from prefect.context import refresh_global_settings_context
        from prefect.settings import get_current_settings

        if get_current_settings().api.url:
            return
        self._port = _free_port()
        # Its UI is off and dies with the command: no message may link to it. Prefect read its settings on
        # import: refreshed, every thread sees the address.
        os.environ.update({"PREFECT_API_URL": self.url, "PREFECT_UI_URL": ""})
        refresh_global_settings_context()
        prefect = Path(importlib.util.find_spec("prefect").origin).parent  # found, not imported
        self._process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self._port),
             "--log-level", "error", "--lifespan", "on"],
            env={**UNUSED_SERVICES_OFF, **os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                 "PREFECT__SERVER_FINAL": "1"})
        atexit.register(self.stop)

    @contextmanager
    def in_use(self, meanwhile: Callable[[], object] | None = None) -> Iterator[None]:
        """The flows run inside find the server up (or the configured one); `meanwhile` is work the command
        does while it starts."""
        if meanwhile is not None:
            meanwhile()
        if self._process is not None:
            self._wait_until_up()
        yield

    def _wait_until_up(self) -> None:
        import httpx

        limit = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 180)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            status = self._process.poll()
            if status is not None:
                taken = " (another process took its port: run the command again)" if status == PORT_IN_USE else ""
                raise RuntimeError(f"the temporary Prefect server stopped at start-up with status {status}{taken}; "
                                   "its messages are above")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the temporary Prefect server did not answer within {limit:.0f} s: raise "
                           "CAMPAIGNS_PREFECT_STARTUP_TIMEOUT_SECONDS, or set PREFECT_API_URL to a running server")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


TEMPORARY_API = TemporaryApi()
