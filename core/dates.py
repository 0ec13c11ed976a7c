"""Calendar arithmetic and the way dates are written on documents, shared by every app."""

from __future__ import annotations

import calendar
import datetime
from typing import TypeVar

from django.utils import dateformat, timezone

Day = TypeVar("Day", bound=datetime.date)


def add_months(day: Day, months: int) -> Day:
    """The same day ``months`` later (earlier if negative), or the month's last day if it is
    shorter: 31 January plus one month is 28 February, or the 29th in a leap year. A datetime
    keeps its time of day and time zone."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def long_date(value: datetime.date | datetime.datetime) -> str:
    """A date as written on a certificate: "1 March 2026". A datetime is written as its date
    in the local time zone, the day a reader in the force would name."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return dateformat.format(value, "j F Y")
