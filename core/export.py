"""Spreadsheet cells that are safe to open: what every CSV export writes."""

from __future__ import annotations

import datetime

from django.utils import timezone


def csv_cell(value):
    """A value as a CSV cell: blank for nothing, ISO dates, and never a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
