"""The roster's history, as dbt snapshots keep it (type 2): every version a write replaced, with the batch that
recorded it and the batch that replaced it. The roster tables hold the current versions; a read "as of" a
period and a watermark picks, per row, the version that stood then (tasks.storage.versions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Integer, PrimaryKeyConstraint, String, Table, text
from sqlalchemy.orm import Mapped

from tasks.model.base import Base, col
from tasks.model.roster import Household, Lead, Measure, Person


class RosterBatch(Base):
    __tablename__ = "roster_batches"
    __table_args__ = {"comment": "名单登记批次 (每次报送入库或生成一批)"}

    # Batches are numbered in the order they were recorded: a run's watermark is the last it saw.
    batch_id: Mapped[int] = col("登记批次", Integer, primary_key=True, autoincrement=True)
    recorded_at: Mapped[datetime] = col("登记时间", DateTime)
    source: Mapped[str] = col("来源", String(300))  # the file ingested, or the generator
    campaign_run_id: Mapped[str | None] = col("运行编号", String(36))


# Which version a roster row is (tasks.model.roster.Versioned): the database's business, never a county's.
VERSION_COLUMNS = ("batch_id", "change", "episode_on")
# What the row rules made of a version (tasks.quality.row_checks): recorded beside it, never compared.
CHECK_COLUMNS = ("checked_with", "check_reasons")
# Where a version came from: its file is its batch's (ingested_files by the batch's run), its line this.
ORIGIN_COLUMNS = ("source_row",)
DATABASE_COLUMNS = (*VERSION_COLUMNS, *CHECK_COLUMNS, *ORIGIN_COLUMNS)


def submitted_columns(table: Table) -> list[str]:
    """The columns of `table` a county submits: all but the database's own (DATABASE_COLUMNS)."""
    return [c.name for c in table.c if c.name not in DATABASE_COLUMNS]

# Each roster table by its key: the history's primary key is (key, batch).
VERSIONED = {"households": Household, "persons": Person, "measures": Measure, "leads": Lead}
KEYS = {"households": "household_no", "persons": "person_no", "measures": "measure_no", "leads": "lead_no"}
LABELS = {"households": "农户", "persons": "家庭成员", "measures": "帮扶措施", "leads": "问题线索"}  # as people say


def _history_of(name: str) -> Table:
    current = VERSIONED[name].__table__
    columns = [Column(c.name, c.type, comment=c.comment, info=dict(c.info),
                      nullable=not (c.primary_key or c.name == "batch_id")) for c in current.columns]
    return Table(
        f"{name}_history", Base.metadata, *columns,
        Column("superseded_by", Integer, nullable=False, comment="被替代批次", info={"zh": "被替代批次"}),
        PrimaryKeyConstraint(KEYS[name], "batch_id", name=f"pk_{name}_history"),
        Index(f"ix_{name}_history_province", "province_code"),
        comment=f"{current.comment}: 历史版本", info={"versions_of": name},
    )


HISTORY = {name: _history_of(name) for name in VERSIONED}
# The relocation follow-up's read (tasks.relocation.inputs.EverRelocated) of the versions of the households
# ever at a site and of their members.
Index("ix_households_history_relocated", HISTORY["households"].c.household_no,
      sqlite_where=text("in_relocation_area IS 1"), postgresql_where=text("in_relocation_area IS true"))
Index("ix_persons_history_household", HISTORY["persons"].c.household_no)


@dataclass(frozen=True)
class Event:
    """A dated fact of a row: newly set, it is an event of its day, and the columns that go with it change
    with it (an identification sets the monitoring type)."""

    on: str
    with_: tuple[str, ...] = ()


RISKS = tuple(f"risk_code_{i}" for i in range(1, 6))
# What changes as news on the day it is recorded, having no date of its own (a job, an income, a flag).
# Any other change to a row (a date moved, a category or an identity changed) corrects the version before.
EVENTS: dict[str, tuple[Event, ...]] = {
    "households": (Event("identified_on", ("monitoring_type", "risk_status", *RISKS)),
                   Event("eliminated_on", ("risk_status", "elimination_way"))),
    "persons": (),
    "measures": (Event("end_on"),),
    "leads": (Event("accepted_at", ("status",)), Event("verified_at", ("status", "outcome"))),
}
NEWS: dict[str, tuple[str, ...]] = {
    "households": ("phone", "household_size", *RISKS, "income_year", "wage_income", "business_income",
                   "property_income", "transfer_income", "business_expenses", "net_income",
                   "per_capita_net_income", "prev_wage_income", "prev_business_income", "prev_property_income",
                   "prev_transfer_income", "prev_business_expenses", "prev_net_income",
                   "prev_per_capita_net_income", "compliant_oop_expenditure", "housing_secure",
                   "education_secure", "medical_secure", "drinking_water_secure", "in_relocation_area",
                   "relocation_site_code"),
    "persons": ("schooling", "in_school", "health", "labour_skill", "work_location", "months_employed",
                "public_welfare_job", "dibao", "tekun", "relocated"),
    "measures": (),
    "leads": (),
}
