"""The `campaigns` command and its groups; each group's commands are declared in their own module."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from deployments.temporary_api import TEMPORARY_API, api_configured
from tasks.settings import apply_prefect_environment, get_settings

app = typer.Typer(help="防止返贫监测帮扶 campaigns: screening, assessment and press releases as Prefect flows.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
outbox_app = typer.Typer(help="The notification outbox.", no_args_is_help=True)
reference_app = typer.Typer(help="Reference data: thresholds, the 脱贫县 and 重点帮扶县 lists.", no_args_is_help=True)
approvers_app = typer.Typer(help="发布审核人名单 / who may approve a press release.", no_args_is_help=True)
run_app = typer.Typer(help="Run a campaign now, in this process.", no_args_is_help=True)
for name, group in {"db": db_app, "outbox": outbox_app, "reference": reference_app, "approvers": approvers_app,
                    "run": run_app}.items():
    app.add_typer(group, name=name)

# Commands that run flows, and so start a temporary Prefect API when no server is configured (the board starts
# one itself, only when a run is still open: to ask whether it waits for approval or crashed).
FLOW_COMMANDS = {"demo", "run"}


@app.callback()
def _prepare(ctx: typer.Context) -> None:
    # Before any command imports Prefect, which reads its settings once.
    apply_prefect_environment(get_settings())
    if ctx.invoked_subcommand in FLOW_COMMANDS:
        if _prefect_database_is_new():
            typer.secho("首次运行：Prefect 正在建立本地数据库（10 秒至 1 分钟）/ first run: Prefect prepares its "
                        "local database (10 s to a minute)", err=True)
        TEMPORARY_API.start()


def _prefect_database_is_new() -> bool:
    """No Prefect server is configured and the temporary one's database does not exist yet."""
    if api_configured():
        return False
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    return not (home / "prefect.db").exists()
