"""Formula injection: text cells that Excel would run are neutralised in every CSV and XLSX we write."""

import pandas as pd

from tasks.outputs.spreadsheets import safe_cell, safe_frame


def test_formula_starts_are_neutralised_and_other_cells_untouched():
    frame = pd.DataFrame({"text": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "贵州省", None],
                          "number": [-1, 2, 3, 4, 5, 6, 7, 8]})
    safe = safe_frame(frame)
    assert safe["text"].tolist()[:6] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx"]
    assert safe["text"].tolist()[6] == "贵州省" and pd.isna(safe["text"].iloc[7])
    assert safe["number"].tolist() == frame["number"].tolist()
    assert safe_cell("=1+1") == "'=1+1" and safe_cell(3) == 3
    assert list(safe_frame(pd.DataFrame({"=cmd": [1]})).columns) == ["'=cmd"]
