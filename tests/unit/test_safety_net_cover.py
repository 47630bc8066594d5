"""The safety net (兜底保障) covers a household with a member on 低保 or on 特困供养; a frame that does not carry
both is an error, not a household nobody covers (the screening's reads once left 特困 out: 19 coverage gaps
too many at 1,000,000 households)."""

from datetime import date

import pandas as pd
import pytest

from tasks.quality.derive import safety_net_cover
from tasks.screening.core import READS

HOUSEHOLDS = pd.DataFrame({"household_no": ["H1", "H2", "H3"]})
PERSONS = pd.DataFrame({"household_no": ["H1", "H2", "H3"], "dibao": [True, False, False],
                        "tekun": [False, True, False]})
NO_DAYS = pd.Series([], dtype="datetime64[s]")
MEASURES = pd.DataFrame({"household_no": pd.Series([], dtype=object), "category": pd.Series([], dtype=object),
                         "start_on": NO_DAYS, "end_on": NO_DAYS})


def test_a_member_on_dibao_or_tekun_covers_the_household():
    assert safety_net_cover(HOUSEHOLDS, PERSONS, MEASURES, date(2023, 6, 30)).tolist() == [True, True, False]


def test_a_frame_without_tekun_is_an_error_and_the_screening_reads_it():
    with pytest.raises(KeyError):
        safety_net_cover(HOUSEHOLDS, PERSONS.drop(columns="tekun"), MEASURES, date(2023, 6, 30))
    assert {"dibao", "tekun"} <= set(READS["persons"])
