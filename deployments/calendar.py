"""The campaign calendar: the upcoming runs of every deployment, from its schedules, in Asia/Shanghai time,
with the period each run will cover (derived from its scheduled time, as the flows do)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from deployments.definitions import SPECS, TIMEZONE, DeploymentSpec, ScheduleSpec


@dataclass(frozen=True)
class Upcoming:
    at: datetime
    deployment: str
    schedule: str
    period: str


def period_of(spec: DeploymentSpec, schedule: ScheduleSpec, at: datetime) -> str:
    """What a run scheduled at `at` covers, by the flows' own defaults."""
    if spec.campaign == "screening":
        from datetime import date

        from tasks.screening.params import ScreeningParams

        as_of = min(at.date(), date(at.year, 6, 30))  # ScreeningParams caps as_of at the window's end
        params = ScreeningParams.model_validate({**schedule.parameters.get("params", {}), "year": at.year,
                                                 "as_of": as_of})
        return f"{at.year} {params.mode.label} 截至 {as_of.isoformat()}"
    if spec.campaign == "assessment":
        return f"{at.year - 1}"
    if spec.campaign == "lead-watch":
        return f"截至 {(at.date() - timedelta(days=1)).isoformat()} 的一周"  # LeadWatchParams: the day before
    if spec.campaign == "release":
        from tasks.release.period import default_period

        period = default_period(at)
        return f"{period.label} {period.release_type}"
    if spec.campaign in ("relocation", "fund-ledger", "pairings"):
        from tasks.release.period import default_period

        period = default_period(at)  # their forms (QuarterlyForm): the quarter before the scheduled time
        return f"{period.label} 截至 {period.end.isoformat()}"
    return "—"


def upcoming(days: int = 120, start: datetime | None = None) -> list[Upcoming]:
    from zoneinfo import ZoneInfo

    from prefect.server.schemas.schedules import CronSchedule

    tz = ZoneInfo(TIMEZONE)
    start = (start or datetime.now(tz)).astimezone(tz)
    end = start + timedelta(days=days)
    found = []
    for spec in SPECS:
        for schedule in spec.schedules:
            cron = CronSchedule(cron=schedule.cron, timezone=TIMEZONE, day_or=schedule.day_or)
            for at in asyncio.run(cron.get_dates(start=start, end=end)):
                local = at.astimezone(tz)
                found.append(Upcoming(local, spec.name, schedule.slug, period_of(spec, schedule, local)))
    return sorted(found, key=lambda u: (u.at, u.deployment))
