"""`campaigns ingest`: county files loaded through the same code as the inbox sweep's flow, or the templates
and the data contract they are written against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from deployments.cli.app import app
from deployments.cli.common import fail
from deployments.cli.data import write_out
from tasks.settings import get_settings


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="CSV or XLSX files to load.")] = None,
    kind: Annotated[str | None, typer.Option(help="households, persons, measures or leads (default: from "
                                                  "the header).")] = None,
    inbox: Annotated[bool, typer.Option("--inbox", help="Sweep the inbox folder (CAMPAIGNS_INBOX_DIR) "
                                                        "instead, moving files out.")] = False,
    template: Annotated[str | None, typer.Option(help="Write the XLSX template of this kind instead.")] = None,
    contract: Annotated[bool, typer.Option("--contract", help="Print the data contract (Markdown).")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File for --template / --contract "
                                                                      "(default: standard output).")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="原列名=标准列名: read a county's own column "
                                                               "name as the contract's (repeatable).")] = None,
    save: Annotated[bool, typer.Option("--save", help="Keep the --map pairs for later files of --scope.")] = False,
    scope: Annotated[str, typer.Option(help="Where saved pairs apply: a province or county code; empty for "
                                            "everyone.")] = "",
    county: Annotated[str | None, typer.Option(help="The county the files come from (its saved column names "
                                                    "apply, and its channel hears of problems).")] = None,
) -> None:
    """Load county submissions: every row is loaded or quarantined with its reasons; a file that cannot be
    read as a whole is refused with a message naming the file, row and column. Exit status 1 if any file was
    refused."""
    from tasks.model.contract import KINDS

    if template is not None or contract:
        return _template_or_contract(template, output)
    if kind is not None and kind not in KINDS:
        fail(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    renames = _renames(map_ or [], save)
    if not inbox and not paths and not save:
        fail("name the files to ingest, or use --inbox")
    reports, waiting = _ingest(None if inbox else paths or [], kind, county, renames, scope.strip() if save else None)
    _say(reports, waiting, saved=save)


def _ingest(paths: list[Path] | None, kind: str | None, county: str | None, renames: dict[str, str],
            save_for: str | None):
    """`paths` (None: the inbox, swept as its flow sweeps it), after keeping the --map pairs for `save_for`."""
    from datetime import datetime

    from tasks.ingest.inbox import ingest_paths, sweep

    settings, (engine, notifier) = get_settings(), _database()
    today = datetime.now(settings.tz).date()
    if save_for is not None:
        _save(engine, renames, save_for)
    if paths is None:
        result = sweep(engine, settings, notifier, today=today, launched_by="cli")
        return result.reports, result.waiting
    return ingest_paths(engine, settings, notifier, paths, today=today, launched_by="cli", kind=kind,
                        county_hint=county, renames=renames), []


def _template_or_contract(template: str | None, output: Path | None) -> None:
    from tasks.ingest.template import contract_markdown, template_xlsx
    from tasks.model.contract import KINDS

    if template is not None and template not in KINDS:
        fail(f"unknown kind {template!r}: use one of {', '.join(KINDS)}")
    write_out(template_xlsx(template) if template else contract_markdown().encode("utf-8"), output,
              binary=template is not None)


def _renames(pairs: list[str], save: bool) -> dict[str, str]:
    from tasks.ingest.mapping import BadMapping, parse_maps

    try:
        renames = parse_maps(pairs)
    except BadMapping as exc:
        fail(str(exc))
    if save and not renames:
        fail("--save keeps --map pairs: give at least one --map 原列名=标准列名")
    return renames


def _database():
    """The project's database, brought up to date, and its notifier."""
    from tasks.notify import build_notifier
    from tasks.storage import db
    from tasks.storage.engine import build_engine

    engine = build_engine(get_settings())
    db.upgrade(engine)
    return engine, build_notifier(get_settings(), engine)


def _save(engine, renames: dict[str, str], scope: str) -> None:
    import getpass

    from tasks.ingest.mapping import save_maps

    save_maps(engine, renames, scope, actor=f"cli:{getpass.getuser()}")
    typer.echo(f"saved {len(renames)} column name(s) for {scope or 'everyone'}")


def _say(reports, waiting: list[str], *, saved: bool) -> None:
    if waiting:
        typer.echo(f"left for the next sweep (still being copied?): {', '.join(waiting)}")
    for report in reports:
        typer.secho(report.summary_line(), fg=typer.colors.RED if report.status == "rejected" else None,
                    err=report.status == "rejected")
    if not reports and not saved:
        typer.echo("nothing to ingest")
    if any(r.status == "rejected" for r in reports):
        raise typer.Exit(code=1)
