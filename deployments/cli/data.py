"""The data's commands: the schema, the synthetic dataset, reference data, county files and approvers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from deployments.cli.app import app, approvers_app, db_app, reference_app
from deployments.cli.common import fail, safe_url
from tasks.settings import get_settings


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Create or migrate the tables (and the shipped reference data) up to REVISION."""
    from tasks.storage import db

    db.upgrade(revision=revision)
    typer.echo(f"database at revision {db.current_revision()} ({safe_url()})")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision; 'base' drops all.")]) -> None:
    """Migrate the schema down to REVISION."""
    from tasks.storage import db

    db.downgrade(revision=revision)
    typer.echo(f"database at revision {db.current_revision()} ({safe_url()})")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one this code knows."""
    from tasks.storage import db

    typer.echo(f"current: {db.current_revision()}  head: {db.head_revision()}  ({safe_url()})")


@app.command()
def seed(
    households: Annotated[int, typer.Option(help="Households to generate, spread over the provinces.")] = 2000,
    provinces: Annotated[str, typer.Option(help="Province codes, e.g. 52,53; empty for all 31.")] = "",
    year: Annotated[int, typer.Option(help="The year the data describe.")] = 2023,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 42,
    defect_rate: Annotated[float, typer.Option(help="Share of roster rows given a realistic defect.")] = 0.0,
) -> None:
    """Generate a deterministic synthetic dataset and write it, replacing the same provinces' data."""
    from tasks.reference.provinces import parse_provinces
    from tasks.storage import db
    from tasks.storage.engine import build_engine
    from tasks.synthetic.seed import seed_database

    settings = get_settings()
    try:
        chosen = parse_provinces(provinces)
        engine = build_engine(settings)
        db.upgrade(engine)  # a new database gets its tables, as the ingest and the campaigns do
        report = seed_database(engine, households, chosen, year, seed, defect_rate,
                               output_dir=settings.output_dir, batch_rows=settings.db_batch_rows)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(json.dumps(report.rows, ensure_ascii=False))
    defects = sum(sum(kinds.values()) for kinds in report.defects.values())
    typer.echo(f"seeded {households} households in {len(chosen)} province(s) in {report.seconds} s; "
               f"{defects} defects injected; report in {settings.output_dir / 'seed'}")


@reference_app.command("load")
def reference_load(
    kind: Annotated[str, typer.Argument(help="thresholds, counties (the 832 脱贫县) or key-counties (the 160).")],
    file: Annotated[Path, typer.Argument(help="CSV or XLSX with a header row.", exists=True, dir_okay=False)],
) -> None:
    """Load the monitoring thresholds per province and year, or the official county lists, through their check;
    a refused file changes nothing."""
    from tasks.ingest.reference_files import KINDS, load_reference
    from tasks.storage import db
    from tasks.storage.engine import build_engine

    if kind not in KINDS:
        fail(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    db.upgrade()
    report = load_reference(build_engine(), kind, file, output_dir=get_settings().output_dir / "reference")
    typer.echo(report.summary_line())
    if report.status != "loaded":
        raise typer.Exit(code=1)


@approvers_app.command("add")
def approvers_add(
    name: Annotated[str, typer.Argument(help="审核人姓名 / the approver's name, as typed in the form.")],
    unit: Annotated[str, typer.Option(help="单位 / unit, e.g. 新闻办.")],
) -> None:
    """Add an approver, or give one a new approval code (asked twice, not echoed; only its hash is kept)."""
    from tasks.release.approvers import ApproversFileError, add_approver

    # Asked twice here rather than by click's confirmation, whose prompt and mismatch error are English.
    code = typer.prompt("审核码（输入时不显示）/ approval code", hide_input=True)
    if typer.prompt("再次输入审核码 / the approval code again", hide_input=True) != code:
        fail("两次输入的审核码不一致，未保存 / the two codes differ; nothing was saved")
    path = get_settings().approvers_path()
    try:
        add_approver(path, name, unit, code)
    except (ValueError, ApproversFileError) as exc:
        fail(str(exc))
    typer.echo(f"{name}（{unit}）可审核发布 / may approve releases: {path}")


@approvers_app.command("list")
def approvers_list() -> None:
    """Who may approve a release (names and units; codes are never shown: only their hashes are kept)."""
    from tasks.release.approvers import ApproversFileError, load_approvers

    path = get_settings().approvers_path()
    try:
        approvers = load_approvers(path)
    except ApproversFileError as exc:
        fail(str(exc))
    if not approvers:
        typer.echo(f"名单为空：发布无法审核 / nobody may approve yet ({path}): "
                   "campaigns approvers add 姓名 --unit 单位")
    for approver in approvers.values():
        typer.echo(f"{approver.name}\t{approver.unit}")


def write_out(data: bytes, output: Path | None, binary: bool) -> None:
    """A template or the contract, to `output` or to standard output (never a binary file to a terminal)."""
    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    elif binary and sys.stdout.isatty():
        fail("an XLSX file is binary: redirect it (> leads.xlsx) or use --output")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
