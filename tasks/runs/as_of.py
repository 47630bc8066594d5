"""The roster as it stood at the end of a period's as-of day: what a periodic campaign must see, whatever day
it runs on. A fact dated after that day is outside the period, not a defect: a lead reported by then but
verified since was pending then; a household identified since was not monitored then; one whose risk was
eliminated since was still at risk. ("In the future", a defect, means after the run's own clock: the checks.)

Which version of each row stood then (a person's months of work, a corrected record) is the read's business:
tasks.storage.versions. Here, the dates; and how a revision's records are told to people."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.model.history import LABELS
from tasks.reference.provinces import PROVINCE_BY_CODE


def period_end(as_of: date | pd.Timestamp) -> pd.Timestamp:
    """The first instant after the as-of day: facts before it belong to the period."""
    return pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)


def limit_end(event_at: pd.Series, days: int) -> pd.Series:
    """When a time limit of `days` days from each event runs out: the day of the event is not counted, the
    limit starts the next day and ends at 24:00 of its last day (民法典 第201条, followed by administrative
    practice). Reported on 1 June, 15 days end at 24:00 on 16 June, the instant returned (17 June 00:00)."""
    return pd.to_datetime(event_at).dt.normalize() + pd.Timedelta(days=days + 1)


def leads_as_of(leads: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Leads reported before `end`, with acceptance and verification made since undone: not yet accepted, or
    accepted and pending, without an outcome."""
    out = leads[leads["reported_at"] < end].copy()
    accepted_since = out["accepted_at"] >= end
    verified_since = out["verified_at"] >= end
    out.loc[accepted_since, "accepted_at"] = pd.NaT
    out.loc[verified_since, "verified_at"] = pd.NaT
    out.loc[verified_since, "status"] = "pending"
    out.loc[verified_since, "outcome"] = None
    return out


def households_as_of(households: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Households as monitored before `end`: identified since, not monitored yet; eliminated since, still at
    risk."""
    identified_since = (pd.to_datetime(households["identified_on"]) >= end).to_numpy(dtype=bool)
    eliminated_since = (pd.to_datetime(households["eliminated_on"]) >= end).to_numpy(dtype=bool)
    if not (identified_since.any() or eliminated_since.any()):
        return households
    out = households.copy()
    for column in ("monitoring_type", "risk_status", "elimination_way"):
        out.loc[identified_since, column] = None
    out.loc[identified_since, "identified_on"] = pd.NaT
    out.loc[eliminated_since & ~identified_since, "risk_status"] = "at_risk"
    out.loc[eliminated_since, "elimination_way"] = None
    out.loc[eliminated_since, "eliminated_on"] = pd.NaT
    return out


def describe_changes(changes: pd.DataFrame) -> list[str]:
    """One line per province: what was recorded late and corrected, per roster table (counts, no names)."""
    lines = []
    for code, rows in changes.groupby("province_code", sort=True):
        parts = [f"{LABELS[t]} {kind} {n}" for (t, kind), n in rows.groupby(["table", "kind"]).size().items()]
        lines.append(f"{code} {PROVINCE_BY_CODE[code].name if code in PROVINCE_BY_CODE else ''}: {', '.join(parts)}")
    return lines
