"""The input stage every campaign starts with: read the roster (households, persons, measures, leads) as of
the period and check what only a read can answer (one head per household, a person's household present,
a 证件号码 held twice), while each row's own rules were answered where it arrived and are taken as recorded
(tasks.quality.row_checks): only a version recorded with other rules is checked again, once. Rows failing a
critical rule are set aside; the validated suites stop the run. And, for the campaigns that read them, the
programme tables, each through its own suite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from tasks.model import KEYS, metadata
from tasks.model.funds import funds_by_use
from tasks.model.history import CHECK_COLUMNS, ORIGIN_COLUMNS, submitted_columns
from tasks.partitions.partition import Partition, in_other_parts
from tasks.quality.derive import (
    AT_READ_COLUMNS,
    arrival_facts,
    household_facts,
    lead_facts,
    measure_facts,
    person_facts,
)
from tasks.quality.gx import AT_READ
from tasks.quality.row_checks import ROW_RULES, reasons_of, recorded_reasons, rule_version
from tasks.runs.check import Check, StageOutcome, Submitted
from tasks.runs.checkpoint import checkpoint, forget_stage
from tasks.runs.context import CampaignContext
from tasks.storage.history_write import record_checks
from tasks.storage.reads import read_table, read_tables, read_versions
from tasks.storage.versions import files_of_batches

NO_ROWS = np.empty(0, dtype=np.intp)
DATA_QUALITY = "data-quality"  # channels.toml: where the inputs' quality messages go
# What a read answers, with the rows recorded as failing their own rules set aside too: rows failing a
# critical rule are quarantined. Said once: the same findings are not announced again (`Check.say_once`).
RAW_CHECKS = {table: Check(f"validate {table}", f"{table}_raw", key=key, source=table, scopes=AT_READ,
                           audience=DATA_QUALITY, say_once=True) for table, key in KEYS.items()}
# The row rules again, for the versions recorded with other rules (or none: loaded before rows were checked).
RECHECKS = {table: replace(check, stage=f"recheck {table}", scopes=ROW_RULES, sets_aside=False, say_once=False)
            for table, check in RAW_CHECKS.items()}
# What stops a run rather than quarantining rows, checked on the rows kept; the leads have nothing of the kind.
STOP_CHECKS = {table: Check(f"validated {table}", f"{table}_validated", key=KEYS[table], source=table,
                            announce="problems", audience=DATA_QUALITY)
               for table in ("households", "persons", "measures")}
# Read with each row: the version it is and what its rules made of it.
RECORD = ("batch_id", *ORIGIN_COLUMNS, *CHECK_COLUMNS)


@dataclass
class ValidatedInputs:
    households: pd.DataFrame
    persons: pd.DataFrame
    measures: pd.DataFrame
    leads: pd.DataFrame
    thresholds: pd.DataFrame
    outcomes: dict[str, StageOutcome]
    provinces_read: dict[str, np.ndarray] = field(default_factory=dict)  # table -> each row read: its province
    # Each households row read, kept or set aside: its province and county (the county's share set aside).
    households_read: pd.DataFrame | None = None

    def reconciliation(self, province: str | None = None) -> dict[str, dict[str, int]]:
        """Per table: rows read, loaded, quarantined (of one province, or all); loaded + quarantined = read."""
        if province is None:
            return {t: {"read": o.rows_in, "loaded": o.loaded, "quarantined": o.quarantined}
                    for t, o in self.outcomes.items()}
        figures = {}
        for table, (read, quarantined) in self._counts_by_province.items():
            r, q = int(read.get(province, 0)), int(quarantined.get(province, 0))
            figures[table] = {"read": r, "loaded": r - q, "quarantined": q}
        return figures

    @cached_property
    def _counts_by_province(self) -> dict[str, tuple[pd.Series, pd.Series]]:
        counts = {}
        for table, outcome in self.outcomes.items():
            of_rows = pd.Series(self.provinces_read[table])
            counts[table] = (of_rows.value_counts(), of_rows.iloc[sorted(outcome.reasons)].value_counts())
        return counts

    @property
    def checked(self) -> dict[str, pd.DataFrame]:
        """The checked roster: the rows kept of each table."""
        return {"households": self.households, "persons": self.persons, "measures": self.measures,
                "leads": self.leads}


def validate_inputs(ctx: CampaignContext, provinces: list[str] | None = None,
                    as_of: pd.Timestamp | None = None, province_label: str | None = None,
                    announce: str = "always", scope: str | None = None,
                    part: Partition | None = None, reads: dict[str, list[str]] | None = None) -> ValidatedInputs:
    """Read and check the roster of `provinces` (all when None), or of one `part` of a province; `announce`
    as in `checkpoint`; `scope` names the partition when the provinces are checked together. `reads`: the
    columns the campaign reads of each table (else all); the rows the read sets aside are fetched whole."""
    engine = ctx.engine
    as_of = as_of if as_of is not None else pd.Timestamp(ctx.as_of)
    with ctx.timed("read roster", scope=scope) as timing:
        raw, records = read_with_records(ctx, [*KEYS, "monitoring_thresholds"], provinces, as_of, part, reads)
        thresholds = raw.pop("monitoring_thresholds")
        timing["rows"] = sum(len(f) for f in raw.values())
        repeated = in_other_parts(engine, part, raw["persons"]["id_number"]) if part else None
    row_rules = reads is None  # a read of some columns: the row rules were answered where the rows arrived
    today = ctx.clock.date()
    with ctx.timed("derive facts", rows=timing["rows"], scope=scope):
        facts = {
            "households": household_facts(raw["households"], raw["persons"], raw["measures"], thresholds, as_of,
                                          row_rules=row_rules),
            "persons": person_facts(raw["persons"], raw["households"], today, in_other_part=repeated,
                                    row_rules=row_rules),
            "measures": measure_facts(raw["measures"], row_rules=row_rules),
            "leads": lead_facts(raw["leads"], today, row_rules=row_rules),
        }
    columns = {t: list(f.columns) for t, f in raw.items()}
    del raw  # the facts frames carry every column read: memory is the partition's, once
    outcomes: dict[str, StageOutcome] = {}
    kept: dict[str, pd.DataFrame] = {}
    provinces_read: dict[str, np.ndarray] = {}
    counties = household_counties(facts["households"])
    for table in KEYS:
        frame = facts.pop(table)
        provinces_read[table] = frame["province_code"].to_numpy(dtype=object)
        if table == "households":
            households_read = frame[["province_code", "county_code"]].copy()
        record = records.pop(table)
        whole = None if row_rules else WholeRows(ctx.engine, table, frame[KEYS[table]], record, today, thresholds)
        outcome = check_read(ctx, table, frame, record, columns=columns[table], province=province_label,
                             scope=scope, announce=announce, household_counties=counties, whole=whole)
        del frame
        if table in STOP_CHECKS:
            checkpoint(ctx, STOP_CHECKS[table], outcome.frame, province=province_label, scope=scope)
        outcomes[table] = outcome
        kept[table] = outcome.frame
    return ValidatedInputs(kept["households"], kept["persons"], kept["measures"], kept["leads"], thresholds,
                           outcomes, provinces_read, households_read)


def read_with_records(ctx: CampaignContext, names: list[str], provinces: list[str] | None, as_of: pd.Timestamp,
                      part: Partition | None = None, reads: dict[str, list[str]] | None = None,
                      ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """The tables as the run sees them as of `as_of` (of the roster tables, every column, or those `reads`
    names and the read's own facts need: AT_READ_COLUMNS); and, apart, for each roster table among them, the
    record of each row read: the version it is and what its rules made of it (RECORD)."""
    roster = [n for n in names if n in KEYS]
    wanted = {t: _submitted_columns(t) if reads is None else
              list(dict.fromkeys([*AT_READ_COLUMNS[t], *reads.get(t, [])])) for t in roster}
    frames = read_tables(ctx.engine, names, provinces, part=part, view=ctx.roster_view(as_of),
                         columns={t: [*wanted[t], *RECORD] for t in roster})
    records = {t: frames[t][list(RECORD)] for t in roster}
    return {t: f.drop(columns=list(RECORD)) if t in records else f for t, f in frames.items()}, records


def check_read(ctx: CampaignContext, table: str, frame: pd.DataFrame, record: pd.DataFrame, *,
               columns: list[str] | None = None, stage: str | None = None, province: str | None = None,
               scope: str | None = None, announce: str = "problems",
               household_counties: pd.Series | None = None, whole: WholeRows | None = None) -> StageOutcome:
    """`frame` (the facts of roster `table` as read, `record` aligned with it) through what a read answers,
    with the rows failing their own rules set aside too (as recorded, or as rechecked now). `whole`: the read
    was of some columns; the rows it sets aside, or checks again, are fetched whole."""
    check = replace(RAW_CHECKS[table], announce=announce, stage=stage or RAW_CHECKS[table].stage)
    submitted = Submitted(columns=columns, row_numbers=record["source_row"].reset_index(drop=True),
                          files=_files_of(ctx, record["batch_id"]), household_counties=household_counties,
                          cells_of=whole.cells if whole is not None else None)
    recorded, rechecked = _recheck(ctx, table, frame, record, submitted, province, scope, announce, whole)
    return checkpoint(ctx, check, frame, province=province, scope=scope,
                      submitted=replace(submitted, earlier_reasons=rechecked, found_before=recorded))


@dataclass
class WholeRows:
    """Of a read of some columns of roster `table`: the few rows it needs whole (those it sets aside, those
    it checks again), fetched by their version (`versions`: key; `record`: batch), every submitted column."""

    engine: Engine
    table: str
    versions: pd.Series
    record: pd.DataFrame
    today: date
    thresholds: pd.DataFrame

    def cells(self, positions: Sequence[int]) -> pd.DataFrame:
        chosen = pd.DataFrame({KEYS[self.table]: self.versions.iloc[list(positions)].to_numpy(dtype=object),
                               "batch_id": self.record["batch_id"].iloc[list(positions)].to_numpy()})
        return read_versions(self.engine, self.table, chosen, _submitted_columns(self.table))

    def row_facts(self, positions: Sequence[int]) -> pd.DataFrame:
        """The rows with the derived columns their row rules check (a recheck's)."""
        return arrival_facts(self.table, self.cells(positions), self.today, self.thresholds)


def household_counties(households: pd.DataFrame) -> pd.Series:
    """household_no -> county, of the households read (the first of a number read twice)."""
    unique = households.drop_duplicates("household_no")
    return pd.Series(unique["county_code"].to_numpy(dtype=object), index=unique["household_no"].to_numpy(dtype=object))


def _files_of(ctx: CampaignContext, batches: pd.Series) -> pd.Series:
    """Per row, the county file its version was ingested from (None for a row of no file)."""
    ids = batches.dropna().astype("int64")
    files = files_of_batches(ctx.engine, ids.unique().tolist())
    return pd.Series(batches.map(files).to_numpy(dtype=object))


def _submitted_columns(table: str) -> list[str]:
    return submitted_columns(metadata.tables[table])


def _recheck(ctx: CampaignContext, table: str, frame: pd.DataFrame, record: pd.DataFrame, submitted: Submitted,
             province: str | None, scope: str | None, announce: str,
             whole: WholeRows | None = None) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Row position -> why it failed its own rules, for the rows that did: as recorded (listed for the county
    where it was found), and, apart, for the versions recorded with other rules than today's, as found now
    by the row rules (and recorded, outside a dry run: a rerun checks them no more; listed by this run). The
    recheck's findings are the run's own stage (`recheck <table>`)."""
    check = RECHECKS[table]
    version = rule_version(check.suite, ctx.reference_parameters())
    stale = (record["checked_with"].astype(object) != version).to_numpy(dtype=bool)
    with ctx.timed(f"rows taken as checked · {table}", rows=int((~stale).sum()), scope=scope):
        failed = reasons_of(record["check_reasons"].where(~stale))
    if not stale.any():
        forget_stage(ctx, check, scope if scope is not None else province)
        return failed, {}
    positions = np.flatnonzero(stale)
    rows = frame.iloc[positions] if whole is None else whole.row_facts(positions)
    outcome = checkpoint(ctx, replace(check, announce=announce), rows, province=province, scope=scope,
                         submitted=submitted.at(positions))
    found = recorded_reasons(outcome.reasons, len(rows))
    if not ctx.dry_run:
        with ctx.timed(f"record rechecks · {table}", rows=len(rows), scope=scope), ctx.engine.begin() as conn:
            record_checks(conn, table, record.iloc[positions].assign(
                **{KEYS[table]: rows[KEYS[table]].to_numpy(), "check_reasons": found}), version)
    ctx.rows_rechecked += len(rows)
    return failed, {int(positions[p]): reasons for p, reasons in outcome.reasons.items()}


PROGRAMME_CHECKS = {table: Check(f"validate {table}", suite, key=key, source=table, announce="problems",
                                 audience=DATA_QUALITY)
                    for table, suite, key in (("linkage_funds", "assessment_funds", "county_code"),
                                              ("employment", "assessment_employment", "province_code"),
                                              ("relocation_sites", "assessment_relocation", "site_code"),
                                              ("microcredit_loans", "assessment_credit", "loan_no"),
                                              ("training_enrolments", "assessment_training", "enrolment_no"),
                                              ("rural_incomes", "programme_incomes", "province_code"))}
# Rows per household or person: they grow with the roster, so they are read and checked with its partition.
ROSTER_PROGRAMME = ("microcredit_loans", "training_enrolments")
# Rows per county, site or province report: small whatever the roster, read once for the country.
NATIONAL_PROGRAMME = ("linkage_funds", "employment", "relocation_sites", "rural_incomes")


def roster_inputs(ctx: CampaignContext, provinces: list[str], as_of: pd.Timestamp,
                  scope: str | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The roster of `provinces` (monitoring) and its per-household programme tables (credit, training),
    each through its suite, rows that failed a critical check left out; and the province and county of
    every households row read (`ValidatedInputs.households_read`)."""
    roster = validate_inputs(ctx, provinces, as_of=as_of, announce="problems", scope=scope)
    tables = {"households": roster.households, "persons": roster.persons, "measures": roster.measures,
              "leads": roster.leads, "monitoring_thresholds": roster.thresholds}
    tables.update(_checked_programme(ctx, ROSTER_PROGRAMME, provinces, scope))
    return tables, roster.households_read


def national_inputs(ctx: CampaignContext, provinces: list[str]) -> dict[str, pd.DataFrame]:
    """The programme tables reported per county, site or province (funds, employment, relocation, rural
    incomes), each through its suite, and the counties; the funds as the ledger itemises them where it does
    (tasks.model.funds.funds_by_use)."""
    tables = _checked_programme(ctx, NATIONAL_PROGRAMME, provinces, None)
    tables["counties"] = read_table(ctx.engine, "counties", provinces)
    # Each ledger row was checked where it arrived (its county's file); the allotments it itemises give way.
    tables["linkage_funds"] = funds_by_use(tables["linkage_funds"], read_table(ctx.engine, "fund_projects", provinces))
    return tables


def _checked_programme(ctx: CampaignContext, names: tuple[str, ...], provinces: list[str],
                       scope: str | None) -> dict[str, pd.DataFrame]:
    tables = {}
    for table, frame in read_tables(ctx.engine, names, provinces).items():
        outcome = checkpoint(ctx, PROGRAMME_CHECKS[table], frame, scope=scope)
        tables[table] = outcome.frame
    return tables
