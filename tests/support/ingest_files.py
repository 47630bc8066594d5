"""Writers of county submission files for the ingest tests: real CSV and XLSX files on disk."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from tasks.privacy import check_character

LEAD_HEADER_ZH = ["线索编号", "线索来源渠道", "县代码", "证件号码", "姓名", "联系电话", "风险类型", "反映时间",
                  "受理时间", "核实时间", "线索状态", "核实结果"]
LEAD_HEADER_EN = ["lead_no", "channel", "county_code", "id_number", "name", "phone", "risk_code", "reported_at",
                  "accepted_at", "verified_at", "status", "outcome"]


def valid_id(area: str, birth: str = "19800101", seq: int = 1, check: str | None = None) -> str:
    """A GB 11643 number; with `check`, the first sequence number from `seq` on whose check character it is."""
    while True:
        first17 = f"{area}{birth}{seq % 1000:03d}"
        char = check_character(first17)
        if check is None or char == check:
            return first17 + char
        seq += 1


def lead_rows(county: str, n: int, start: int = 1) -> list[list[str]]:
    """`n` valid pending leads of `county`, in the order of LEAD_HEADER_*."""
    return [[f"L{county}{i:06d}", "个人申报", county, valid_id(county, seq=i), f"测试{i}", "13800138000", "因病",
             "2023-04-05 09:30", "2023-04-06", "", "待核实", ""] for i in range(start, start + n)]


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]], title_rows: Sequence[str] = ()) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for title in title_rows:
        writer.writerow([title])
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], encoding: str = "utf-8",
              title_rows: Sequence[str] = ()) -> Path:
    path.write_bytes(csv_bytes(header, rows, title_rows).encode(encoding))
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], title_rows: Sequence[str] = (),
               sheet: str = "Sheet1") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for title in title_rows:
        ws.append([title])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    book.save(path)
    return path
