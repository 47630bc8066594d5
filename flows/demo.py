"""The demo: migrate, seed a small synthetic dataset, run the campaigns that exist, report where results are."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows.assessment import annual_assessment
from flows.fund_ledger import fund_ledger
from flows.pairings import assistance_pairings
from flows.release import press_release
from flows.relocation import relocation_follow_up
from flows.screening import concentrated_screening
from tasks.assessment.params import AssessmentParams
from tasks.assessment.report import AssessmentSummary
from tasks.funds.params import FundLedgerParams
from tasks.funds.report import FundLedgerSummary
from tasks.notify.hooks import failure_hook
from tasks.outputs.overview import HEADERS_ZH, roster_overview, to_markdown_table
from tasks.pairings.params import PairingsParams
from tasks.pairings.report import PairingsSummary
from tasks.release.approval import approved_automatically
from tasks.release.params import ReleaseParams
from tasks.release.publish import ReleaseOutcome
from tasks.relocation.params import RelocationParams
from tasks.relocation.report import RelocationSummary
from tasks.screening.params import ScreeningMode, ScreeningParams
from tasks.screening.report import ScreeningSummary
from tasks.settings import get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.synthetic.seed import seed_database


class DemoSummary(TypedDict):
    """What the demo returns: where its outputs are, and each campaign's own summary."""
    output_dir: str
    seed: dict[str, Any]
    overview: str
    screening: ScreeningSummary
    screening_reports: str
    assessment: AssessmentSummary
    assessment_reports: str
    release: ReleaseOutcome
    relocation: RelocationSummary
    fund_ledger: FundLedgerSummary
    pairings: PairingsSummary


@task(name="migrate database")
def migrate_database() -> str | None:
    """Bring the schema to the newest revision."""
    db.upgrade()
    return db.current_revision()


@task(name="seed synthetic data")
def seed_synthetic_data(households: int, year: int, seed: int, defect_rate: float) -> dict:
    """Write the demo dataset (replacing any earlier demo data)."""
    settings = get_settings()
    report = seed_database(build_engine(settings), households, year=year, seed=seed,
                           defect_rate=defect_rate, output_dir=settings.output_dir,
                           batch_rows=settings.db_batch_rows)
    return report.as_dict()


@task(name="report roster overview")
def report_roster_overview(year: int) -> str:
    """Per-province counts as a CSV with Chinese headers (opens in Excel) and a Prefect artifact."""
    settings = get_settings()
    frame = roster_overview(build_engine(settings))
    folder = settings.output_dir / "roster" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "roster_overview.csv"
    frame.rename(columns=HEADERS_ZH).to_csv(path, index=False, encoding="utf-8-sig")
    create_markdown_artifact(key="roster-overview", markdown="# 监测对象底数\n\n"
                             + to_markdown_table(frame, HEADERS_ZH), description="Roster overview")
    return str(path)


@flow(name="demo", flow_run_name="demo {households} households", on_failure=[failure_hook("demo")],
      on_crashed=[failure_hook("demo")])
def demo_flow(households: int = 2000, year: int = 2023, seed: int = 42, defect_rate: float = 0.02) -> DemoSummary:
    """Everything a new machine needs to show the system working, on the embedded defaults."""
    logger = get_run_logger()
    settings = get_settings()
    revision = migrate_database()
    seeded = seed_synthetic_data(households, year, seed, defect_rate)
    overview = report_roster_overview(year)
    screening = concentrated_screening(ScreeningParams(year=year, as_of=date(year, 6, 30),
                                                       mode=ScreeningMode.close_out))
    folder = settings.output_dir / "screening" / str(year) / f"close_out-{year}-06-30"
    assessment = annual_assessment(AssessmentParams(year=year))
    assessment_folder = settings.output_dir / "assessment" / str(year)
    # The half-year release, approved automatically (a real one waits for a person in the Prefect UI).
    with approved_automatically("demo"):
        release = press_release(ReleaseParams(period=f"{year}Q2"))
    relocation = relocation_follow_up(RelocationParams(period=f"{year}Q2"))
    ledger = fund_ledger(FundLedgerParams(period=f"{year}Q2"))
    pairings = assistance_pairings(PairingsParams(period=f"{year}Q2"))
    logger.info("schema %s; seeded %s; roster overview %s; screening reports in %s; assessment in %s; "
                "release %s %s; relocation in %s; fund ledger in %s; pairings in %s", revision, seeded["rows"],
                overview, folder, assessment_folder, release["status"], release.get("path", ""),
                relocation["folder"], ledger["folder"], pairings["folder"])
    return DemoSummary(output_dir=str(settings.output_dir.resolve()), seed=seeded, overview=overview,
                       screening=screening, screening_reports=str(folder.resolve()), assessment=assessment,
                       assessment_reports=str(assessment_folder.resolve()), release=release,
                       relocation=relocation, fund_ledger=ledger,
                       pairings=pairings)
