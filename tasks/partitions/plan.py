"""Province partitions: how a campaign splits the country so that memory stays bounded by the largest
partition (where they run: tasks.partitions.runner).

Small provinces are screened together: each Great Expectations validation has a fixed cost of about half a
second whatever the rows, so 31 small validations cost far more than one large one. A province larger than
the budget is a partition of its own; the screening cuts one larger than CAMPAIGNS_PART_HOUSEHOLDS into parts
(tasks.partitions.partition), which is what bounds memory at national scale."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from tasks.model import Household
from tasks.partitions.partition import Partition, split_province
from tasks.partitions.runner import worker_count
from tasks.settings import Settings
from tasks.storage.retries import with_retries

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


def plan(engine: Engine, provinces: list[str], settings: Settings, *, budget: int,
         part_budget: int | None = None) -> list[Partition]:
    """Partitions of `provinces` of at most `budget` households, about one per worker when the country is
    large; with `part_budget`, a province larger than that is cut into parts of about as many households."""
    sizes = with_retries(lambda: province_sizes(engine, provinces), "count households per province")
    # A province to be cut into parts is never grouped with others.
    grouped = plan_partitions(sizes, min(budget, part_budget) if part_budget else budget,
                              1 if settings.dask_address else worker_count(settings))
    partitions: list[Partition] = []
    for codes in grouped:
        if part_budget is not None and len(codes) == 1 and sizes[codes[0]] > part_budget:
            partitions += with_retries(lambda c=codes[0]: split_province(engine, c, sizes[c], part_budget),
                                       "cut a large province into parts")
        else:
            partitions.append(Partition(codes))
    return partitions
