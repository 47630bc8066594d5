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


def test_columns_are_as_wide_as_their_values_and_long_text_wraps(tmp_path):
    import openpyxl

    from tasks.outputs.spreadsheets import MAX_WIDTH, write_sheets

    reason = "证件号码不符合国家标准（GB 11643）：校验位错误，请按身份证或户口簿重新填写证件号码" * 2
    path = write_sheets(tmp_path / "w.xlsx", {"农户": (["户编号", "证件号码", "问题", "户数"], [
        ["520102000000012345", "520102********001X", reason, 1_234_567]])}, {"户数": "#,##0"})
    sheet = openpyxl.load_workbook(path)["农户"]
    from openpyxl.utils import get_column_letter

    # Adjacent columns of one width are one <col min max> element: openpyxl keys it by its first letter.
    widths = {get_column_letter(i): d.width for d in sheet.column_dimensions.values()
              for i in range(d.min, d.max + 1)}
    assert widths["A"] >= 18 and widths["B"] >= 18  # an ID or household number is read whole
    assert widths["C"] <= MAX_WIDTH + 1 and sheet["C2"].alignment.wrap_text  # a reason wraps
    assert not sheet["A2"].alignment.wrap_text and sheet["D2"].number_format == "#,##0"
