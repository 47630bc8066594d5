"""Links to what the campaigns wrote, for messages and the Prefect UI. A server path (/srv/…/隔离行) or a
file:// link opens nowhere but on the server; `campaigns serve` serves the output folder over HTTP and sets
CAMPAIGNS_REPORTS_URL, so links to reports, workbooks and Data Docs open in a browser."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from tasks.settings import Settings, get_settings


def report_link(path: Path | str, settings: Settings | None = None) -> str:
    """The address of `path` under the reports server when one is set and `path` is in the output folder;
    else its absolute path (a command run by hand, without a server)."""
    # Runs pass their own; an ingest's file report (tasks.ingest.load), made outside a run, reads them here.
    settings = settings or get_settings()
    resolved = Path(path).resolve()
    if settings.reports_url:
        try:
            inside = resolved.relative_to(settings.output_dir.resolve())
        except ValueError:
            return str(resolved)
        suffix = "/" if resolved.is_dir() else ""
        return settings.reports_url.rstrip("/") + "/" + quote(inside.as_posix()) + suffix
    return str(resolved)


APPROVAL_PATH = "approve/"  # the reports server's approval page of a paused run (deployments.approval_page)


def approval_link(flow_run_id: str | None, settings: Settings) -> str:
    """The approval page of a paused run where a browser opens it; "" without a reports server."""
    if not settings.reports_url or not flow_run_id:
        return ""
    return settings.reports_url.rstrip("/") + "/" + APPROVAL_PATH + str(flow_run_id)
