"""XLSX writers compared on the volume of the province workbooks at 1,000,000 households (about 100,000 list
rows of 12 columns: text, money, dates), each written as the project writes them: the header frozen and
filtered, text never read as a formula. Writers not installed are skipped (the project ships xlsxwriter):

    .venv/bin/pip install pyexcelerate==0.13.0 rustpy-xlsxwriter==0.8.0   # in a scratch environment
    .venv/bin/python bench/writers.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import random
import tempfile
import time
from pathlib import Path

HEADERS = ["省代码", "省份", "户编号", "县代码", "县名称", "是否脱贫户", "家庭人均纯收入", "上年家庭人均纯收入",
           "合规自付支出", "监测范围", "候选类型", "识别时间"]


def rows_of(n: int) -> list[list]:
    rng = random.Random(1)
    return [["52", "贵州省", f"5201{i:012d}", "520102", "南明区", "是", rng.random() * 20000, rng.random() * 20000,
             rng.random() * 5000, 7000.0, "脱贫不稳定户", datetime.date(2023, 1 + i % 12, 1 + i % 28)]
            for i in range(n)]


def with_xlsxwriter(path: Path, rows: list[list]) -> None:
    """The project's writer (tasks.outputs.spreadsheets.write_sheets), its options for a long list."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False,
                                         "default_date_format": "yyyy-mm-dd"}) as book:
        sheet = book.add_worksheet("新识别监测对象候选")
        sheet.write_row(0, 0, HEADERS)
        for at, row in enumerate(rows, 1):
            sheet.write_row(at, 0, row)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(rows), len(HEADERS) - 1)


def with_pyexcelerate(path: Path, rows: list[list]) -> None:
    from pyexcelerate import Workbook

    book = Workbook()
    book.new_sheet("新识别监测对象候选", data=[HEADERS, *rows])
    book.save(str(path))


def with_rustpy_xlsxwriter(path: Path, rows: list[list]) -> None:
    import rustpy_xlsxwriter

    records = [dict(zip(HEADERS, row, strict=True)) for row in rows]
    rustpy_xlsxwriter.write_worksheet(records, str(path), sheet_name="新识别监测对象候选", freeze_row=1,
                                      autofilter=True)


WRITERS = {"xlsxwriter": with_xlsxwriter, "pyexcelerate": with_pyexcelerate,
           "rustpy_xlsxwriter": with_rustpy_xlsxwriter}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    rows = rows_of(parser.parse_args().rows)
    with tempfile.TemporaryDirectory() as folder:
        for name, write in WRITERS.items():
            if importlib.util.find_spec(name) is None:
                print(f"{name:<18} not installed")
                continue
            started = time.perf_counter()
            write(Path(folder) / f"{name}.xlsx", rows)
            print(f"{name:<18} {time.perf_counter() - started:6.2f} s  {len(rows):,} rows")


if __name__ == "__main__":
    main()
