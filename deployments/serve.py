"""`campaigns serve`: a local Prefect server (SQLite under PREFECT_HOME, analytics off, bound to 127.0.0.1)
and every deployment served from this process. Ctrl-C stops both."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path


def start_server(host: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_UI_API_URL": f"http://{host}:{port}/api"}
    env.pop("PREFECT_API_URL", None)  # the server is the API; it must not look for another one
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("ab")
    return subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port",
                             str(port)], env=env, stdout=handle, stderr=subprocess.STDOUT)


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server did not answer at {url} within {seconds:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def serve_reports(host: str, port: int, folder: Path, api: str | None = None, auth: str | None = None):
    """The output folder over HTTP (reports, workbooks, Data Docs), in a thread of this process: links in
    messages and the UI open in a browser instead of naming a path on this machine. Bound to the UI's host:
    the household lists in it are masked, but still for staff only. With the Prefect `api`, also the
    approval page of a paused release (deployments.approval_page)."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from deployments.approval_page import handler_class

    folder.mkdir(parents=True, exist_ok=True)
    handler = handler_class(api, auth) if api else SimpleHTTPRequestHandler
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True, name="reports").start()
    return server


def latest_threshold_year() -> int | None:
    """The latest year whose monitoring thresholds the database holds (None: none, or no database yet)."""
    from sqlalchemy import func, select

    from tasks.model import MonitoringThreshold
    from tasks.storage.engine import build_engine

    try:
        with build_engine().connect() as conn:
            return conn.execute(select(func.max(MonitoringThreshold.year))).scalar()
    except Exception:  # the forms keep the schedule's year
        return None


def serve_all(host: str = "127.0.0.1", port: int = 4200, log: Path | None = None) -> None:
    """Start the server and the reports' server (the UI's port + 1), register and serve every deployment
    until interrupted. The server's log goes to `log`, by default beside Prefect's own database in
    PREFECT_HOME (where `prefect server start` keeps its state), not into the folder the command runs in."""
    from prefect.settings import PREFECT_HOME

    log = log or Path(PREFECT_HOME.value()).expanduser() / "server.log"
    from prefect import serve
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from deployments.definitions import runner_deployments
    from deployments.housekeeping import watch
    from tasks.settings import REPORTS_URL_FILE, get_settings

    api = f"http://{host}:{port}/api"
    reports = serve_reports(host, port + 1, get_settings().output_dir, api, PREFECT_API_AUTH_STRING.value())
    # The served flows run in child processes: they read the reports' address from the environment; a
    # command run by hand meanwhile reads it from the folder (tasks.settings.get_settings).
    os.environ.setdefault("CAMPAIGNS_REPORTS_URL", f"http://{host}:{port + 1}/")
    marker = get_settings().output_dir / REPORTS_URL_FILE
    marker.write_text(os.environ["CAMPAIGNS_REPORTS_URL"], encoding="utf-8")
    get_settings.cache_clear()
    server = start_server(host, port, log)
    stopping = threading.Event()
    try:
        # Its first start on a new PREFECT_HOME migrates Prefect's database: as long as the commands wait.
        wait_healthy(api, server, get_settings().prefect_startup_timeout_seconds)
        print(f"Prefect UI: http://{host}:{port}  (API {api}; server log {log}); reports: "
              f"{os.environ['CAMPAIGNS_REPORTS_URL']}; Ctrl-C stops", flush=True)
        threading.Thread(target=watch, args=(get_settings(), stopping, api), daemon=True,
                         name="housekeeping").start()
        with temporary_settings(updates={PREFECT_API_URL: api}):
            serve(*runner_deployments(latest_threshold_year()), print_starting_message=True)
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        stop(server)
        reports.shutdown()
        marker.unlink(missing_ok=True)
