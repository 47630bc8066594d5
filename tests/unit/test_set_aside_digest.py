"""A set-aside workbook's digest says what the county must fix, not the order a run stored its rows in: a
run's partitions end in any order, and a workbook rewritten for that alone is re-reported to its county."""

import numpy as np
import pandas as pd

from tasks.outputs.set_aside_books import IDENTITY, content_digests

ROWS = pd.DataFrame([
    {"key": "5201020001", "来源文件": "名册·农户", "文件行号": None, "检查阶段": "读取名册",
     "suite": "households_roster", "reasons": ["head.one_per_household"]},
    {"key": "5201020002", "来源文件": "名册·农户", "文件行号": None, "检查阶段": "读取名册",
     "suite": "households_roster", "reasons": ["head.one_per_household"]},
    {"key": "520102000301", "来源文件": "名册·家庭成员", "文件行号": None, "检查阶段": "读取名册",
     "suite": "persons_roster", "reasons": ["id_number.unique"]},
], columns=list(IDENTITY))


def book(rows: pd.DataFrame) -> list[tuple]:
    return [("520102", "520102南明区.xlsx", np.arange(len(rows)), [["52", "贵州省", "520102"]], None)]


def test_the_same_rows_stored_in_another_order_give_the_same_digest():
    shuffled = ROWS.iloc[[2, 0, 1]].reset_index(drop=True)
    assert content_digests(shuffled, book(shuffled)) == content_digests(ROWS, book(ROWS))


def test_another_reason_gives_another_digest():
    changed = ROWS.copy()
    changed.at[2, "reasons"] = ["id_number.checksum"]
    assert content_digests(changed, book(changed)) != content_digests(ROWS, book(ROWS))
