"""How the workbooks of rows set aside are shared among workers (flows.set_aside.dealt_out)."""

from flows.set_aside import dealt_out


def test_provinces_are_dealt_out_in_shares_of_about_equal_rows():
    counts = {"11": 100, "52": 4_000, "53": 3_000, "44": 2_500, "65": 1_200}
    shares = dealt_out(counts, 2)
    assert sorted(code for share in shares for code in share) == sorted(counts)  # each province once
    rows = sorted(sum(counts[c] for c in share) for share in shares)
    assert rows == [5_300, 5_500]  # the largest first, each to the share with fewest rows so far


def test_no_more_shares_than_provinces_and_none_empty():
    assert dealt_out({"52": 10}, 4) == [["52"]]
    assert dealt_out({"52": 10, "53": 10}, 1) == [["52", "53"]]
