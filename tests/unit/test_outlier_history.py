"""What a county's history teaches the outlier test (tasks.quality.outliers): a mistake flagged once does
not widen the usual range so that the same mistake passes next time, and a real change of level stops being
flagged once it is most of the history."""

from __future__ import annotations

import pandas as pd

from tasks.quality.outliers import OutlierRules, detect


def _judge(value: float, earlier: list[tuple[float, bool]], with_flags: bool = True) -> bool:
    current = pd.DataFrame([{"unit": "110115", "group": "11", "indicator": "income_per_capita", "value": value,
                             "relative_floor": 0.25, "absolute_floor": 500.0}])
    history = pd.DataFrame([{"unit": "110115", "indicator": "income_per_capita", "value": v, "flagged": f}
                            for v, f in earlier])
    if not with_flags:
        history = history.drop(columns="flagged")
    return bool(detect(current, history, OutlierRules()).loc[0, "outlier"])


CLEAN = [(26_517.0, False), (26_100.0, False), (27_020.0, False), (26_800.0, False), (25_900.0, False)]


def test_a_mistake_flagged_once_is_flagged_again():
    typed_per_month = 2_210.0
    assert _judge(typed_per_month, CLEAN)
    assert _judge(typed_per_month, [*CLEAN, (typed_per_month, True)])
    # Learnt from every value, the earlier mistake stretched the range down to itself: the repeat passed.
    assert not _judge(typed_per_month, [*CLEAN, (typed_per_month, False)], with_flags=False)


def test_a_real_change_of_level_stops_being_flagged_once_it_is_most_of_the_history():
    higher = [(40_000.0 + 100 * i, True) for i in range(3)]
    assert _judge(40_400.0, [*CLEAN, *higher[:1]])
    assert not _judge(40_400.0, [*CLEAN[:2], *higher])


def test_a_period_is_compared_with_the_same_day_of_earlier_years_only():
    """The database is asked for the same day of earlier years (a weekly screening keeps 17,000 values a
    week: reading them all to keep a few cost seconds a run); 29 February has only leap years."""
    from datetime import date

    from tasks.quality.county_indicators import same_day_before

    days = same_day_before(date(2023, 6, 30))
    assert date(2022, 6, 30) in days and date(2021, 6, 30) in days and max(days) < date(2023, 6, 30)
    assert all((d.month, d.day) == (6, 30) for d in days)
    assert {d.year for d in same_day_before(date(2024, 2, 29))} >= {2020, 2016} and \
        all(d.year % 4 == 0 for d in same_day_before(date(2024, 2, 29)))
