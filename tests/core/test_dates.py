"""Calendar arithmetic and document dates (core.dates)."""

import calendar
import datetime
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dates import add_months, long_date

LONDON = zoneinfo.ZoneInfo("Europe/London")
days = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31))
months = st.integers(min_value=-1200, max_value=1200)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),  # a leap year
        (datetime.date(2026, 3, 31), 1, datetime.date(2026, 4, 30)),
        (datetime.date(2026, 5, 31), -3, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 2, 29), 12, datetime.date(2029, 2, 28)),
        (datetime.date(2026, 12, 15), 1, datetime.date(2027, 1, 15)),
        (datetime.date(2027, 1, 15), -1, datetime.date(2026, 12, 15)),
        (datetime.date(2026, 11, 29), 0, datetime.date(2026, 11, 29)),
    ],
)
def test_adding_months_keeps_the_day_or_falls_back_to_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


def test_a_moment_keeps_its_time_of_day_and_zone():
    moment = datetime.datetime(2026, 3, 31, 14, 3, 12, tzinfo=LONDON)
    assert add_months(moment, -1) == datetime.datetime(2026, 2, 28, 14, 3, 12, tzinfo=LONDON)


@given(days, months)
def test_the_result_is_a_real_day_exactly_that_many_months_on(day, months):
    result = add_months(day, months)
    assert (result.year - day.year) * 12 + result.month - day.month == months
    last_day = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last_day)


@given(days, months)
def test_a_day_that_every_month_has_comes_back_unchanged(day, months):
    day = day.replace(day=min(day.day, 28))
    assert add_months(add_months(day, months), -months) == day


def test_a_document_date_is_written_out_in_full():
    assert long_date(datetime.date(2026, 3, 1)) == "1 March 2026"
    assert long_date(datetime.date(2026, 11, 29)) == "29 November 2026"


def test_a_moment_is_written_as_the_local_day():
    # 23:30 UTC on 30 June is already 1 July in London (British Summer Time).
    assert long_date(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)) == "1 July 2026"
    assert long_date(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)) == "31 December 2026"
