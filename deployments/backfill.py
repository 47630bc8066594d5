"""Backfills: flow runs of a campaign's deployment for past periods, each with an idempotency key derived
from the campaign and period (creating the same run twice gives the one run), skipping periods already
published (releases) or completed (assessment, screening close-out) unless forced."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from tasks.model import CampaignRun, Release
from tasks.release.period import Period

CAMPAIGNS = ("release", "assessment", "screening")  # those with periods to backfill


@dataclass
class BackfillReport:
    campaign: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)  # a run with the same key was already there
    skipped: list[str] = field(default_factory=list)  # already published or completed


def periods(campaign: str, start: str, end: str) -> list[str]:
    """The periods from `start` to `end` inclusive: quarters (2023Q1) for releases, years otherwise."""
    if campaign == "release":
        first, last = Period.parse(start), Period.parse(end)
        if last < first:
            raise ValueError(f"--to {end} is before --from {start}")
        out, current = [], last
        while current >= first:
            out.append(current.label)
            current = current.previous()
        return out[::-1]
    try:
        first_year, last_year = int(start), int(end)
    except ValueError:
        raise ValueError(f"{campaign} periods are years, such as 2023 (got {start!r} and {end!r})") from None
    if last_year < first_year:
        raise ValueError(f"--to {end} is before --from {start}")
    return [str(y) for y in range(first_year, last_year + 1)]


def done(engine: Engine, campaign: str, period: str) -> bool:
    with engine.connect() as conn:
        if campaign == "release":
            query = select(Release.id).where(Release.period == period, Release.status == "published")
        else:
            query = select(CampaignRun.id).where(CampaignRun.kind == campaign, CampaignRun.period == period,
                                                 CampaignRun.status == "completed")
            if campaign == "screening":
                query = query.where(CampaignRun.mode.like("close_out:%"))
        return conn.execute(query.limit(1)).first() is not None


def parameters(campaign: str, period: str) -> dict:
    if campaign == "release":  # each backfilled release waits for an approver, as a scheduled one does
        return {"params": {"period": period}}
    if campaign == "assessment":
        return {"params": {"year": int(period)}}
    from tasks.screening.params import ScreeningMode

    # The form's text, not the bare value: the server checks a run's parameters against the form.
    return {"params": {"year": int(period), "mode": ScreeningMode.close_out.option, "as_of": f"{period}-06-30"}}


def backfill(engine: Engine, campaign: str, start: str, end: str, *, force: bool = False) -> BackfillReport:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterIdempotencyKey

    from deployments.definitions import deployment_path

    if campaign not in CAMPAIGNS:
        raise ValueError(f"unknown campaign {campaign!r}: use one of {', '.join(CAMPAIGNS)}")
    report = BackfillReport(campaign)
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(deployment_path(campaign))
        for period in periods(campaign, start, end):
            if not force and done(engine, campaign, period):
                report.skipped.append(period)
                continue
            key = f"backfill:{campaign}:{period}" + (":forced" if force else "")
            there = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                idempotency_key=FlowRunFilterIdempotencyKey(any_=[key])), limit=1)
            if there:
                report.existing.append(period)
                continue
            client.create_flow_run_from_deployment(
                deployment.id, parameters=parameters(campaign, period), idempotency_key=key,
                name=f"backfill {campaign} {period}", tags=["backfill"])
            report.created.append(period)
    return report
