"""Reference files a coordinator loads (`campaigns reference load KIND FILE`): the monitoring thresholds per
province and year, and the official lists of the 832 脱贫县 and the 160 重点帮扶县. Each is read like a county
file (CSV in any usual encoding, or XLSX; a header row under titles), goes through its checkpoint as a whole
(refused on any critical failure, so nothing is half-loaded) and leaves a run record and an audit event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, delete, insert, update

from tasks.ingest.load import file_sha256
from tasks.ingest.read import FileRejected, read_file
from tasks.model import County, MonitoringThreshold
from tasks.model.contract import normalise_header
from tasks.notify import Notifier
from tasks.reference.counties import successors
from tasks.reference.provinces import PROVINCES
from tasks.runs.audit import record_event
from tasks.runs.check import Check, StageFailed
from tasks.runs.checkpoint import checkpoint
from tasks.runs.file_run import end_file_run, file_run
from tasks.storage.reads import read_table

HEADER_SCAN_ROWS = 30
COUNTY_HEADERS = ("县代码", "行政区划代码", "县级行政区划代码", "区划代码", "县(市、区)代码", "county_code")


@dataclass(frozen=True)
class ReferenceKind:
    label: str
    suite: str
    columns: dict[str, tuple[str, ...]]  # column -> the headers that name it


KINDS = {
    "thresholds": ReferenceKind("防止返贫监测范围", "reference_thresholds", {
        "province_code": ("省代码", "省份代码", "省级行政区划代码", "省份", "省", "province_code"),
        "year": ("年度", "年份", "year"),
        "threshold": ("监测范围", "防止返贫监测范围", "监测标准", "监测范围(元/人/年)", "threshold"),
    }),
    "counties": ReferenceKind("脱贫县名单", "reference_counties", {"county_code": COUNTY_HEADERS}),
    "key-counties": ReferenceKind("国家乡村振兴重点帮扶县名单", "reference_key_counties",
                                  {"county_code": COUNTY_HEADERS}),
}


@dataclass
class ReferenceReport:
    kind: str
    file: str
    status: str  # loaded / rejected
    rows: int = 0
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)
    run_id: str | None = None

    def summary_line(self) -> str:
        if self.status == "rejected":
            return f"REJECTED {self.file}: {self.problem}"
        return (f"{self.file}: {KINDS[self.kind].label}, {self.rows} rows loaded"
                + "".join(f"\n  warning: {w}" for w in self.warnings))


def load_reference(engine: Engine, kind: str, path: Path, *, output_dir: Path, actor: str = "cli",
                   notifier: Notifier | None = None, today: date | None = None) -> ReferenceReport:
    """Check and load one reference file; a refused file changes nothing and says why (file, row, column)."""
    if kind not in KINDS:
        raise ValueError(f"unknown reference kind {kind!r}: use one of {', '.join(KINDS)}")
    spec = KINDS[kind]
    with file_run(engine, "reference", file_sha256(path), mode=kind, label=f"参考数据 {spec.label} {path.name}",
                  parameters={"kind": kind, "file": path.name}, launched_by=actor, notifier=notifier,
                  output_dir=output_dir, today=today or date.today()) as ctx:
        report = ReferenceReport(kind, path.name, "loaded", run_id=ctx.run_id)
        try:
            frame = _read(path, spec)
            checked = _facts(engine, kind, frame)
            outcome = checkpoint(ctx, Check(f"reference {kind}", spec.suite, key=next(iter(spec.columns)),
                                            source=path.name), checked)
            report.warnings = [o.reason for o in outcome.result.warnings]
            report.rows = _write(engine, kind, checked, path.name)
        except (FileRejected, StageFailed) as exc:
            report.status, report.problem = "rejected", str(exc)
        record_event(engine, f"reference.{report.status}", actor, subject=path.name, run_id=ctx.run_id,
                     detail=report.problem, parameters={"kind": kind, "rows": report.rows,
                                                        "warnings": report.warnings})
        end_file_run(ctx, "completed" if report.status == "loaded" else "rejected", report.problem)
    return report


def _read(path: Path, spec: ReferenceKind) -> pd.DataFrame:
    sheet = read_file(path)
    wanted = {normalise_header(h): column for column, headers in spec.columns.items() for h in headers}
    for index, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        found = {i: wanted[normalise_header(c)] for i, c in enumerate(cells) if normalise_header(c) in wanted}
        if set(found.values()) == set(spec.columns):
            body = sheet.rows[index + 1:]
            return pd.DataFrame({column: [(r[i] if i < len(r) else "").strip() or None for r in body]
                                 for i, column in found.items()})
    names = "、".join(headers[0] for headers in spec.columns.values())
    raise FileRejected(path.name, f"no header row with the columns {names} among the first {HEADER_SCAN_ROWS} rows")


def _facts(engine: Engine, kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    if kind == "thresholds":
        by_name = {p.name: p.code for p in PROVINCES} | {p.short_name: p.code for p in PROVINCES}
        province = frame["province_code"].map(lambda v: v if v is None else by_name.get(v, v.split()[0]))
        amount = frame["threshold"].str.replace(r"^[¥￥]|元.*$|[,\s]", "", regex=True)
        return pd.DataFrame({"province_code": province, "year": pd.to_numeric(frame["year"], errors="coerce"),
                             "threshold": pd.to_numeric(amount, errors="coerce")})
    codes = frame["county_code"].map(lambda c: successors().get(c, c) if c else c)
    counties = read_table(engine, "counties").set_index("code")
    return pd.DataFrame({"county_code": codes, "province_code": codes.str[:2],
                         "is_former_poor": codes.map(counties["is_former_poor"]).fillna(False).astype(bool)})


def _write(engine: Engine, kind: str, rows: pd.DataFrame, source: str) -> int:
    with engine.begin() as conn:
        if kind == "thresholds":
            for r in rows.itertuples(index=False):
                conn.execute(delete(MonitoringThreshold).where(MonitoringThreshold.province_code == r.province_code,
                                                               MonitoringThreshold.year == int(r.year)))
            conn.execute(insert(MonitoringThreshold), [
                {"province_code": r.province_code, "year": int(r.year), "threshold": float(r.threshold),
                 "source": source[:200]} for r in rows.itertuples(index=False)])
        else:  # the official list replaces the flag of every county
            flag = County.is_former_poor if kind == "counties" else County.is_key_assistance
            listed = rows["county_code"].tolist()
            conn.execute(update(County).values({flag: False}))
            for start in range(0, len(listed), 1_000):
                conn.execute(update(County).where(County.code.in_(listed[start:start + 1_000])).values({flag: True}))
    return len(rows)
