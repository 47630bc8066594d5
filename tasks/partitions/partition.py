"""Partitions as the campaigns run them, and the parts of a province too large for one.

A partition is either a group of whole provinces, or one part of a single province: the households whose
户编号 lies in a range, with their persons and measures (which carry the 户编号) and the leads about them.
Ranges of 户编号 follow the counties, since a 户编号 starts with its county's code. Everything the screening
derives for a household comes from its own rows, so each part is screened as a province would be; what
reaches across parts is handled here: a lead goes to the part of the person it names (else of the household
it names), and a 证件号码 repeated in another part of the province is a duplicate as it would be in one."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Table, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from tasks.model import Household, Person, metadata
from tasks.reference.provinces import PROVINCES


def partition_label(codes: list[str]) -> str:
    """How results and messages name a partition: its province, or its first and last and how many."""
    return codes[0] if len(codes) == 1 else f"{codes[0]}..{codes[-1]} ({len(codes)})"


# Tables whose rows belong to a household by their own 户编号 column.
BY_HOUSEHOLD = ("households", "persons", "measures")


@dataclass(frozen=True)
class Partition:
    codes: list[str]
    lower: str | None = None  # the part's first 户编号; None: from the start, with the rows that have none
    upper: str | None = None  # the next part's first 户编号; None: to the end
    part: int = 1
    parts: int = 1

    @property
    def label(self) -> str:
        """How results, checks and messages name it: `52`, `11..15 (5)`, or `53 2/3` for a province's part."""
        whole = partition_label(self.codes)
        return whole if self.parts == 1 else f"{whole} {self.part}/{self.parts}"

    @staticmethod
    def covered_by(label: str) -> set[str]:
        """The provinces a partition's `label` may cover, read back from the label (a rerun's earlier cut is
        known only by the labels it stored): a province or a part of one, or those from first to last in code
        order (a partition holds consecutive provinces); none for a label of another kind."""
        if re.fullmatch(r"\d{2}( \d+/\d+)?", label):
            return {label[:2]}
        found = re.fullmatch(r"(\d{2})\.\.(\d{2}) \(\d+\)", label)
        return {p.code for p in PROVINCES if found[1] <= p.code <= found[2]} if found else set()

    @property
    def is_part(self) -> bool:
        return self.parts > 1

    @property
    def part_name(self) -> str:
        """The label's part as stored findings and workbook file names carry it (`2of3`: no slash or space);
        empty for whole provinces."""
        return f"{self.part}of{self.parts}" if self.is_part else ""

    def rows_of(self, table: Table) -> ColumnElement[bool] | None:
        """The condition that keeps `table`'s rows of this part (None: the whole provinces)."""
        if not self.is_part:
            return None
        name = table.info.get("versions_of", table.name)  # a roster table's history is cut as the table
        if name in BY_HOUSEHOLD:
            return self._holds(table.c.household_no)
        if name == "leads":
            return self._holds(lead_home(table))
        return None

    def _holds(self, key) -> ColumnElement[bool]:
        bounds = [key >= self.lower] if self.lower is not None else []
        bounds += [key < self.upper] if self.upper is not None else []
        inside = and_(*bounds)
        return inside if self.lower is not None else or_(key.is_(None), inside)


def lead_home(leads: Table):
    """The 户编号 a lead is screened with: the household of the person its 证件号码 names in its province
    (the smallest, should a number be registered twice), else the household it names itself. The screening
    matches leads in the same order, so the lead and what it matches meet in one part."""
    persons = metadata.tables["persons"]
    named = (select(func.min(persons.c.household_no))
             .where(persons.c.id_number == leads.c.id_number, persons.c.province_code == leads.c.province_code)
             .scalar_subquery())
    return func.coalesce(named, leads.c.household_no)


def split_province(engine: Engine, code: str, households: int, budget: int) -> list[Partition]:
    """`code` as one partition, or in parts of about `budget` households each, cut at 户编号 so that a
    rerun on the same roster cuts the same way."""
    parts = -(-households // budget)
    if parts <= 1:
        return [Partition([code])]
    ranked = (select(Household.household_no, func.ntile(parts).over(order_by=Household.household_no).label("part"))
              .where(Household.province_code == code).subquery())
    query = select(func.min(ranked.c.household_no)).group_by(ranked.c.part).order_by(ranked.c.part)
    with engine.connect() as conn:
        firsts = [row[0] for row in conn.execute(query)]
    lowers = [None, *firsts[1:]]
    uppers = [*firsts[1:], None]
    return [Partition([code], lower, upper, i, len(firsts))
            for i, (lower, upper) in enumerate(zip(lowers, uppers, strict=True), start=1)]


def in_other_parts(engine: Engine, part: Partition, id_numbers: pd.Series) -> np.ndarray:
    """For each 证件号码 of a part's persons, whether the province has it more often than the part does:
    a duplicate that a uniqueness check within the part cannot see. All False for whole provinces."""
    if not part.is_part or id_numbers.empty:
        return np.zeros(len(id_numbers), dtype=bool)
    query = (select(Person.id_number, func.count()).where(Person.province_code == part.codes[0],
                                                          Person.id_number.is_not(None))
             .group_by(Person.id_number).having(func.count() > 1))
    with engine.connect() as conn:
        repeated = pd.Series(dict(conn.execute(query).all()), dtype="float64")
    if repeated.empty:
        return np.zeros(len(id_numbers), dtype=bool)
    here = id_numbers.map(id_numbers.value_counts())
    return (id_numbers.map(repeated).fillna(0) > here.fillna(0)).to_numpy(dtype=bool)
