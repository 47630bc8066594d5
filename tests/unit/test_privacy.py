from datetime import date

import pandas as pd
import pytest

from tasks.privacy import (
    birth_date_of,
    check_character,
    id_number_problem,
    id_number_problems,
    mask_id_number,
    mask_id_numbers,
    mask_id_numbers_in_text,
    mask_name,
    mask_phone,
    normalise_id_number,
    sex_of,
)


@pytest.mark.parametrize("published", ["11010519491231002X", "440524188001010014"])
def test_published_examples_pass(published):
    assert id_number_problem(published) is None
    assert check_character(published[:17]) == published[-1]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("110105194912310021", "checksum"),
        ("11010519491331002X", "birth_date"),  # month 13
        ("11010519490229002X", "birth_date"),  # 1949 was not a leap year
        ("110105209912310021", "birth_date"),  # in the future
        ("990105194912310021", "area_code"),  # no province 99
        ("110000194912310021", "area_code"),  # province only, no county
        ("1101051949123100", "format"),
        ("11010519491231002Y", "format"),
        ("", "missing"),
        (None, "missing"),
    ],
)
def test_problems_are_named(value, problem):
    assert id_number_problem(value, today=date(2026, 1, 1)) == problem


@pytest.mark.parametrize(
    "messy",
    ["11010519491231002x", " 110105 19491231002X ", "１１０１０５１９４９１２３１００２Ｘ", "110105\u300019491231002X"],
)
def test_normalisation_makes_messy_input_valid(messy):
    assert normalise_id_number(messy) == "11010519491231002X"
    assert id_number_problem(messy) is None


def test_vectorised_matches_scalar():
    values = pd.Series(["11010519491231002X", "110105194912310021", None, "abc", "11010519491231002x"])
    expected = [id_number_problem(v) for v in values]
    assert id_number_problems(values).tolist() == expected


def test_sex_and_birth_date_are_read_from_the_number():
    assert sex_of("11010519491231002X") == "2"  # 17th digit 2: even, female
    assert sex_of("440524188001010014") == "1"
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)


def test_masks():
    assert mask_id_number("11010519491231002x") == "110105********002X"
    assert mask_id_numbers(pd.Series(["11010519491231002X", None])).tolist()[0] == "110105********002X"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("138 1234 5678") == "138****5678"


def test_ids_in_free_text_are_masked_but_other_numbers_kept():
    text = "户主 11010519491231002X 与 440524188001010014，户编号 52012100000001"
    masked = mask_id_numbers_in_text(text)
    assert "11010519491231002X" not in masked and "440524188001010014" not in masked
    assert "110105********002X" in masked and "52012100000001" in masked
