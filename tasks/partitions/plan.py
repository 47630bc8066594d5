"""Province partitions: how a campaign splits the country so that memory stays bounded by the largest
partition (where they run: tasks.partitions.runner).

Small provinces are screened together: each Great Expectations validation has a fixed cost of about half a
second whatever the rows, so 31 small validations cost far more than one large one. A province larger than
the budget is a partition of its own; the screening cuts one larger than CAMPAIGNS_PART_HOUSEHOLDS into parts
(tasks.partitions.province_cut), which is what bounds memory at national scale."""

from __future__ import annotations

import re

from sqlalchemy import Engine, func, select

from tasks.model import Household
from tasks.reference.provinces import PROVINCES

MIN_SPLIT = 200_000  # households: below this one process does the whole run


def province_sizes(engine: Engine, codes: list[str]) -> dict[str, int]:
    """Households per province, in the order of `codes` (0 for a province with none)."""
    query = (select(Household.province_code, func.count()).where(Household.province_code.in_(codes))
             .group_by(Household.province_code))
    with engine.connect() as conn:
        found = dict(conn.execute(query).all())
    return {code: int(found.get(code, 0)) for code in codes}


def plan_partitions(sizes: dict[str, int], budget: int, workers: int = 1) -> list[list[str]]:
    """Consecutive provinces grouped while their households fit in `budget`, and into about `workers`
    partitions of similar size when the country is large enough to keep every worker busy; one partition
    per province that alone exceeds the budget. Depends only on the sizes and the settings, so a rerun
    splits the same way."""
    if budget < 1:
        raise ValueError("the partition budget must be at least one household")
    total = sum(sizes.values())
    # Below MIN_SPLIT a second worker process costs more to start than it saves.
    share = -(-total // workers) if workers > 1 and total >= MIN_SPLIT else None
    partitions: list[list[str]] = []
    current: list[str] = []
    held = counted = 0
    boundary = share or 0  # where the next worker's share starts, in households counted in province order
    for code, households in sizes.items():
        # A province goes to the side of the share boundary where most of it lies: the nearest cut, so that
        # the workers' partitions come out about equal and none waits on a much larger one.
        past_share = share is not None and counted + households / 2 > boundary
        if current and (held + households > budget or past_share):
            partitions.append(current)
            current, held = [], 0
        while share is not None and counted + households / 2 > boundary:
            boundary += share
        current.append(code)
        held += households
        counted += households
    if current:
        partitions.append(current)
    return partitions


def partition_label(codes: list[str]) -> str:
    """How results and messages name a partition: its province, or its first and last and how many."""
    return codes[0] if len(codes) == 1 else f"{codes[0]}..{codes[-1]} ({len(codes)})"


def label_provinces(label: str) -> set[str]:
    """The provinces a scope label may cover: a province or a part of one, or those from first to last in code
    order (a partition holds consecutive provinces); none for a label of another kind."""
    if re.fullmatch(r"\d{2}( \d+/\d+)?", label):
        return {label[:2]}
    found = re.fullmatch(r"(\d{2})\.\.(\d{2}) \(\d+\)", label)
    return {p.code for p in PROVINCES if found[1] <= p.code <= found[2]} if found else set()
