"""A year of synthetic roster history: how the generated roster came to be what it is, batch by batch.

The generated tables are the roster at the end of the year. Going back from them: a household identified
during the year was first recorded without its identification, which arrived as an event some days after
it happened (a few weeks after, for a late county); an elimination likewise; a few identifications came
with the wrong monitoring type and were corrected a fortnight later; some persons' months of work changed
during the year; measures were recorded when they started and again when they ended; a lead was recorded
when accepted and again when verified. Each version carries the day it was recorded (`recorded_on`); the
seeder numbers the days as batches (tasks.synthetic.seed)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tasks.model import KEYS

RECORDED_ON = "recorded_on"
LATE_SHARE = 0.05  # versions recorded 30–75 days after their event: late county submissions
CORRECTED_SHARE = 0.05  # identifications of the year recorded with the wrong monitoring type, then corrected
JOB_CHANGE_SHARE = 0.04  # persons at work whose months of work changed during the year


@dataclass
class History:
    """Current rows with their version columns and `recorded_on`; the versions they replaced, each with
    `superseded_on` (the day of the version after it)."""

    current: pd.DataFrame
    replaced: pd.DataFrame


def roster_history(rng: np.random.Generator, year: int, tables: dict[str, pd.DataFrame]) -> dict[str, History]:
    start = pd.Timestamp(f"{year}-01-01")
    end = pd.Timestamp(f"{year}-12-31")
    return {
        "households": _versioned("households", tables["households"], _household_versions(rng, tables["households"],
                                                                                           start, end), start),
        "persons": _versioned("persons", tables["persons"], _person_versions(rng, tables["persons"], start, end),
                              start),
        "measures": _versioned("measures", tables["measures"], _measure_versions(rng, tables["measures"], start,
                                                                                 end), start),
        "leads": _versioned("leads", tables["leads"], _lead_versions(rng, tables["leads"], start, end), start),
    }


def _lag(rng: np.random.Generator, n: int) -> pd.TimedeltaIndex:
    days = np.where(rng.random(n) < LATE_SHARE, rng.integers(30, 76, n), rng.integers(0, 15, n))
    return pd.to_timedelta(days, unit="D")


def _version(rows: pd.DataFrame, recorded, change: str, episode=None, **columns) -> pd.DataFrame:
    out = rows.assign(**columns)
    out[RECORDED_ON] = pd.to_datetime(np.asarray(recorded)).normalize()
    out["change"] = change
    out["episode_on"] = (pd.to_datetime(np.asarray(episode)).normalize() if episode is not None
                         else pd.Series(pd.NaT, index=rows.index, dtype="datetime64[s]"))
    return out


def _in_year(values: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    day = pd.to_datetime(values, errors="coerce")
    return ((day >= start) & (day <= end + pd.Timedelta(days=1))).to_numpy(dtype=bool)


def _household_versions(rng, h: pd.DataFrame, start, end) -> list[pd.DataFrame]:
    identified = _in_year(h["identified_on"], start, end)
    eliminated = _in_year(h["eliminated_on"], start, end)
    before_identification = {"monitoring_type": None, "identified_on": pd.NaT, "risk_status": None,
                             "elimination_way": None, "eliminated_on": pd.NaT,
                             **{f"risk_code_{i}": None for i in range(1, 6)}}
    at_risk = {"risk_status": "at_risk", "elimination_way": None, "eliminated_on": pd.NaT}
    changed = identified | eliminated
    first = h[changed].copy()
    for column, value in before_identification.items():
        first.loc[identified[changed], column] = value
    for column, value in at_risk.items():
        first.loc[(~identified & eliminated)[changed], column] = value
    versions = [_version(first, np.full(len(first), start), "new")]
    ident = h[identified]
    when = pd.to_datetime(ident["identified_on"])
    recorded = when + _lag(rng, len(ident))
    wrong = rng.random(len(ident)) < CORRECTED_SHARE
    wrong &= ~eliminated[identified]  # a correction, then no later event: the chain stays in order
    identification = _version(ident, recorded, "event", when,
                              **{c: ident[c].where(~eliminated[identified], v) for c, v in at_risk.items()})
    identification.loc[wrong, "monitoring_type"] = np.where(ident.loc[wrong, "monitoring_type"] == "sudden",
                                                            "marginal", "sudden")
    versions.append(identification)
    corrected = ident[wrong]
    versions.append(_version(corrected, recorded[wrong] + pd.to_timedelta(rng.integers(7, 21, len(corrected)),
                                                                          unit="D"),
                             "correction", when[wrong]))
    elim = h[eliminated]
    when = pd.to_datetime(elim["eliminated_on"])
    versions.append(_version(elim, when + _lag(rng, len(elim)), "event", when))
    return versions


def _person_versions(rng, p: pd.DataFrame, start, end) -> list[pd.DataFrame]:
    months = pd.to_numeric(p["months_employed"], errors="coerce")
    changed = ((months >= 1) & (months <= 12)).to_numpy(dtype=bool) & (rng.random(len(p)) < JOB_CHANGE_SHARE)
    rows = p[changed]
    before = (months[changed] - rng.integers(1, 7, len(rows))).clip(lower=0).astype("Int64")
    when = start + pd.to_timedelta(rng.integers(14, 350, len(rows)), unit="D")
    recorded = when + _lag(rng, len(rows))
    # News without a date of its own: of the day it was recorded, as the ingest dates it (tasks.model.history).
    return [_version(rows, np.full(len(rows), start), "new", months_employed=before),
            _version(rows, recorded, "event", recorded)]


def _measure_versions(rng, m: pd.DataFrame, start, end) -> list[pd.DataFrame]:
    began = _in_year(m["start_on"], start, end)
    ended = _in_year(m["end_on"], start, end)
    first_day = pd.to_datetime(m["start_on"]).where(began, start)
    first_recorded = (first_day + _lag(rng, len(m))).where(began, start)
    rows = m[began | ended]
    recorded = first_recorded[began | ended]
    versions = [_version(rows, recorded, "new",
                         end_on=rows["end_on"].where(~ended[began | ended], pd.NaT))]
    closing = m[ended]
    when = pd.to_datetime(closing["end_on"])
    versions.append(_version(closing, when + _lag(rng, len(closing)), "event", when))
    return versions


def _lead_versions(rng, leads: pd.DataFrame, start, end) -> list[pd.DataFrame]:
    accepted = _in_year(leads["accepted_at"], start, end)
    rows = leads[accepted]
    first = pd.to_datetime(rows["accepted_at"]) + _lag(rng, len(rows))
    verified = _in_year(rows["verified_at"], start, end)
    versions = [_version(rows, first, "new",
                         verified_at=rows["verified_at"].where(~verified, pd.NaT),
                         status=rows["status"].where(~verified, "pending"),
                         outcome=rows["outcome"].where(~verified, None))]
    done = rows[verified]
    when = pd.to_datetime(done["verified_at"]).dt.normalize()
    versions.append(_version(done, when + _lag(rng, len(done)), "event", when))
    return versions


def _versioned(name: str, final: pd.DataFrame, versions: list[pd.DataFrame], start: pd.Timestamp) -> History:
    """Each row's versions in the order recorded (a day apart at least: one batch a day), the last current."""
    key = KEYS[name]
    versions = [v.assign(_order=i) for i, v in enumerate(versions) if not v.empty]
    chain = pd.concat(versions, ignore_index=True) if versions else final.iloc[:0].assign(
        **{RECORDED_ON: pd.NaT, "change": None, "episode_on": pd.NaT, "_order": 0})
    # In the order the versions happened; each recorded a day after the one before at least (a batch a day),
    # a late first version pushing the later ones after it.
    chain = chain.sort_values([key, "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    step = pd.to_timedelta(chain.groupby(key, sort=False).cumcount().to_numpy(), unit="D")
    chain[RECORDED_ON] = (chain[RECORDED_ON] - step).groupby(chain[key], sort=False).cummax() + step
    last = ~chain[key].duplicated(keep="last").to_numpy()
    replaced = chain[~last].copy()
    replaced["superseded_on"] = chain[RECORDED_ON].shift(-1)[~last].to_numpy()
    latest = chain[last].set_index(key)
    current = final.copy()
    keys = current[key]
    has_history = keys.isin(latest.index).to_numpy()
    current[RECORDED_ON] = start
    current["change"] = "new"
    current["episode_on"] = pd.NaT
    for column in (RECORDED_ON, "change", "episode_on"):
        current.loc[has_history, column] = latest.loc[keys[has_history], column].to_numpy()
    return History(current, replaced.reset_index(drop=True))
