"""`campaigns seed`: generate synthetic data and write it, one province per transaction, replacing what the
same provinces had, so seeding twice with the same arguments leaves identical tables."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, select

from tasks.model import HISTORY, KEYS, County, RosterBatch, metadata
from tasks.quality.derive import arrival_facts
from tasks.quality.gx import validate_frame
from tasks.quality.row_checks import ROW_RULES, recorded_reasons, rule_version
from tasks.reference.counties import successors
from tasks.reference.provinces import PROVINCE_BY_CODE, PROVINCES, Province
from tasks.storage.bulk import insert_frame
from tasks.storage.versions import open_batch
from tasks.synthetic import GeneratedProvince, allocate_households, generate_province
from tasks.synthetic.counties import build_counties
from tasks.synthetic.generator import TABLES
from tasks.synthetic.history import RECORDED_ON
from tasks.synthetic.set_aside import list_failing_rows

PROVINCE_COLUMN = {"counties": "province_code"}  # every seeded table has a province_code column


@dataclass
class SeedReport:
    households: int
    provinces: list[str]
    year: int
    seed: int
    defect_rate: float
    rows: dict[str, int] = field(default_factory=dict)
    defects: dict[str, dict[str, int]] = field(default_factory=dict)
    set_aside: int = 0  # rows failing their own rules, listed per county in seed/隔离行
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def seed_database(engine: Engine, households: int, provinces: tuple[Province, ...] = PROVINCES,
                  year: int = 2023, seed: int = 42, defect_rate: float = 0.0,
                  output_dir: Path | None = None, batch_rows: int = 50_000) -> SeedReport:
    if households < 1:
        raise ValueError("--households must be at least 1")
    if not 0.0 <= defect_rate < 0.5:
        raise ValueError("--defect-rate must be between 0 and 0.5")
    started = time.perf_counter()
    report = SeedReport(households, [p.code for p in provinces], year, seed, defect_rate)
    defect_logs = []
    batches = _day_batches(engine, year)
    parameters = {"known_county_codes": _known_counties(engine, provinces), "today": pd.Timestamp.now()}
    allocated = allocate_households(households, provinces)
    waiting: dict[str, dict[str, pd.DataFrame]] = {}  # provinces generated, to be checked together and written
    for code, n in allocated.items():
        generated = generate_province(PROVINCE_BY_CODE[code], n, year, seed, defect_rate)
        waiting[code] = _with_batches(generated, batches)
        for name, count in generated.counts().items():
            report.rows[name] = report.rows.get(name, 0) + count
        defect_logs.append(generated.defects.assign(province_code=code))
        del generated
        # Checked a few provinces at a time: a suite's run costs about 0.2 s whatever its rows, and memory
        # stays bounded by CHECKED_TOGETHER households (or the largest province).
        if sum(allocated[c] for c in waiting) >= CHECKED_TOGETHER or code == list(allocated)[-1]:
            _record_checks(list(waiting.values()), parameters)
            for held, tables in waiting.items():
                _replace_province(engine, held, tables, batch_rows)
            waiting.clear()
    defects = pd.concat(defect_logs, ignore_index=True)
    report.defects = {t: g.groupby("kind").size().astype(int).to_dict() for t, g in defects.groupby("table")}
    if output_dir is not None and defect_rate > 0:  # listed for their counties once, as an ingest lists a file's
        report.set_aside = list_failing_rows(engine, list(allocated), year, output_dir / "seed")
    report.seconds = round(time.perf_counter() - started, 2)
    if output_dir is not None:
        _write_report(output_dir / "seed", report, defects)
    return report


CHECKED_TOGETHER = 250_000  # households whose rows are checked in one run of each suite
HISTORY_DAYS = 547  # the year and half the next: the last late versions of the year's events


def _day_batches(engine: Engine, year: int) -> pd.Series:
    """One batch per day of the generated history (day -> batch), numbered in day order; a second seed of
    the same year uses the same batches, so its tables are the same."""
    source = f"生成数据 {year}"
    days = pd.date_range(f"{year}-01-01", periods=HISTORY_DAYS, freq="D")
    with engine.begin() as conn:
        known = dict(conn.execute(select(RosterBatch.recorded_at, RosterBatch.batch_id)
                                  .where(RosterBatch.source == source)).all())
        if len(known) < len(days):
            for day in days:
                if day.to_pydatetime() not in known:
                    known[day.to_pydatetime()] = open_batch(conn, source, day.to_pydatetime())
    return pd.Series({pd.Timestamp(day): batch for day, batch in known.items()}).sort_index()


def _with_batches(generated: GeneratedProvince, batches: pd.Series) -> dict[str, pd.DataFrame]:
    """The generated tables, the roster's as versions: each recorded day as its batch."""
    tables = dict(generated.tables)
    last = batches.index[-1]

    def batch_of(days: pd.Series) -> np.ndarray:
        return batches.reindex(pd.to_datetime(days).clip(upper=last)).to_numpy(dtype="int64")

    for name, history in generated.history.items():
        tables[name] = history.current.assign(batch_id=batch_of(history.current[RECORDED_ON])).drop(
            columns=RECORDED_ON)
        replaced = history.replaced
        tables[HISTORY[name].name] = replaced.assign(
            batch_id=batch_of(replaced[RECORDED_ON]), superseded_by=batch_of(replaced["superseded_on"])).drop(
            columns=[RECORDED_ON, "superseded_on"])
    return tables


def _known_counties(engine: Engine, provinces: tuple[Province, ...]) -> list[str]:
    """The county codes the suites will know once the provinces are seeded (tasks.runs.context)."""
    seeded = {p.code for p in provinces}
    with engine.connect() as conn:
        others = [code for code, province in conn.execute(select(County.code, County.province_code))
                  if province not in seeded]
    return [*others, *build_counties(provinces)["code"], *successors()]


def _record_checks(provinces: list[dict[str, pd.DataFrame]], parameters: dict) -> None:
    """Each generated roster version checked with its row rules, the outcome recorded with it, as an ingest
    records it (tasks.quality.row_checks): the generated roster stands for rows that arrived, defects and
    all, and a campaign takes them as recorded. The provinces' current and older versions of a table are
    checked in one run of its suite."""
    thresholds = pd.concat([tables["monitoring_thresholds"] for tables in provinces], ignore_index=True)
    for name in KEYS:
        suite = f"{name}_raw"
        held = [(tables, kept) for tables in provinces for kept in (name, HISTORY[name].name)]
        frames = [tables[kept] for tables, kept in held]
        whole = pd.concat(frames, ignore_index=True)
        facts = arrival_facts(name, whole, parameters["today"].date(), thresholds)
        found = validate_frame(facts, suite, KEYS[name], parameters, scopes=ROW_RULES).quarantine_reasons()
        reasons, version, start = recorded_reasons(found, len(whole)), rule_version(suite, parameters), 0
        for (tables, kept), frame in zip(held, frames, strict=True):
            tables[kept] = frame.assign(checked_with=version, check_reasons=reasons[start:start + len(frame)])
            start += len(frame)


def _replace_province(engine: Engine, code: str, tables: dict[str, pd.DataFrame], batch_rows: int) -> None:
    names = [*TABLES, *(HISTORY[n].name for n in HISTORY)]
    with engine.begin() as conn:
        for name in reversed(names):
            table = metadata.tables[name]
            conn.execute(delete(table).where(table.c[PROVINCE_COLUMN.get(name, "province_code")] == code))
        for name in names:
            if name in tables:
                insert_frame(conn, metadata.tables[name], tables[name], batch_rows)


def _write_report(folder: Path, report: SeedReport, defects: pd.DataFrame) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2),
                                         encoding="utf-8")
    # Keys only (户编号, 成员编号 …): the defect log carries no personal data.
    defects.to_csv(folder / "defects.csv", index=False, encoding="utf-8-sig")
