"""What every command shares: failing in one line, running a campaign's flow, reading a campaign's form."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import make_url

from deployments.temporary_api import TEMPORARY_API
from tasks.settings import get_settings

Form = TypeVar("Form", bound=BaseModel)


def fail(message: str) -> NoReturn:
    typer.secho(f"错误 / error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def safe_url() -> str:
    """The database's URL without its password."""
    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def form(params: type[Form], provinces: str = "", **fields: Any) -> Form:
    """A campaign's form filled from the command line (`provinces` as `52,53`); a bad value ends the command
    in one line, as the Prefect UI refuses it."""
    from tasks.reference.provinces import parse_provinces

    try:
        chosen = [f"{p.code} {p.name}" for p in parse_provinces(provinces)] if provinces else []
        return params(provinces=chosen, **fields) if "provinces" in params.model_fields else params(**fields)
    except (ValueError, ValidationError) as exc:
        fail(str(exc))


def run_campaign(run, params):
    """Run a campaign flow; a stopped stage or a refused publication ends the command with its message (the
    run's record, log and notification hold the details), not with a traceback. The schema is brought up to
    date first, as the ingest does: a new database gets its tables instead of an SQL error; a dry run, which
    writes nothing, only says when the schema is behind."""
    from tasks.partitions.runner import settle, start_workers_early
    from tasks.quality.gx import gx_context
    from tasks.release.publish import AlreadyPublished
    from tasks.runs.check import StageFailed
    from tasks.storage import db

    if not params.dry_run:
        db.upgrade()
    elif db.current_revision() != db.head_revision():
        fail("the database's tables are not at the newest revision and a dry run writes nothing: run "
             "`campaigns db upgrade` first")
    try:
        # The flow's workers are forked last, once everything they use is imported and frozen. `run` is a flow,
        # or (the release) a call of one, whose workers are then spawned as Prefect does.
        runner = getattr(run, "task_runner", None)
        with TEMPORARY_API.in_use(meanwhile=lambda: (gx_context(), settle(),
                                                     start_workers_early(runner, get_settings()))):
            return run(params)
    except (StageFailed, AlreadyPublished) as exc:
        typer.secho(f"stopped: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from None
