"""Every file Attest hands out for a spreadsheet or a log tool is written here: one rule for a
cell, and one writer per format (CSV, XLSX, JSON lines).

**The cell rule.** A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some, a tab or carriage return) as a formula, and a formula can fetch a web address with the
sheet's contents in it. Much of what we export is typed by someone else: a holder's name, a
rank from the HR file, the name typed at a failed sign-in, a browser's user agent. So any text
starting like that gets a leading apostrophe, in CSV and in XLSX alike (an XLSX saved again as
CSV would otherwise bring the formula back). Numbers stay numbers; dates are ISO 8601, in local
time (``2025-03-01``, ``2025-03-01 14:05``); nothing is a blank cell.

**Auditing.** Every download is recorded in the audit log, but the audit log belongs to
``access``, which depends on ``core``, never the reverse. So an export *announces* itself
through the ``exported`` signal and ``access.receivers`` writes the event. ``announce`` refuses
to export at all if nothing is listening: an unrecorded download is worse than none.

JSON lines are data for a machine, not a spreadsheet: values are written as they are.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.dispatch import Signal
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What Excel refuses in a sheet's name, and how long a name may be.
SHEET_TITLE_REFUSED = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_LENGTH = 31
CHUNK_ROWS = 1000  # rows written between the pieces of a streamed response

#: Sent once for each download, before it is written: ``request``, ``what`` (the export's name,
#: e.g. "training-by-person") and ``format`` ("csv", "xlsx", "jsonl", "zip"...).
exported = Signal()


def announce(request, what: str, export_format: str) -> None:
    """Tell the receivers (the audit log) that ``request``'s person is downloading ``what``.

    Raises ``ImproperlyConfigured`` if no receiver is connected, so no export goes unrecorded.
    """
    if not exported.send(sender=None, request=request, what=what, format=export_format):
        raise ImproperlyConfigured("Nothing records exports: is the access app installed?")


# The cell rule ---------------------------------------------------------------------------------


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet should show it, never run it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def csv_cell(value: Any) -> str | int | float | decimal.Decimal:
    """A value as a CSV cell: blank for nothing, numbers as they are, ISO dates, and never a
    formula."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, decimal.Decimal)):
        return value
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_text(_text(value))


def xlsx_cell(value: Any) -> Any:
    """A value as an XLSX cell: the CSV rule, except that dates stay dates (in local time, as
    the workbook cannot hold a time zone) and nothing stays empty."""
    if value is None or isinstance(value, (bool, int, float, decimal.Decimal, datetime.date)):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.make_naive(value)
        return value
    return safe_text(_text(value))


# The writers -----------------------------------------------------------------------------------


class CSVWriter:
    """``csv.writer``, with every cell put through ``csv_cell``."""

    def __init__(self, file):
        self._writer = csv.writer(file)

    def writerow(self, values: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(value) for value in values])


def stream_csv(headings: Sequence[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text of ``headings`` and ``rows``, a thousand rows at a time, so however many
    rows there are, only a thousand are held at once."""
    buffer = io.StringIO()
    writer = CSVWriter(buffer)
    writer.writerow(headings)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def sheet_title(title: str) -> str:
    """``title`` as a workbook's sheet may be named: without the characters Excel refuses
    (``[]:*?/\\``), at most 31 characters, never blank ("Export" if nothing is left)."""
    cleaned = " ".join(SHEET_TITLE_REFUSED.sub(" ", title).split())[:SHEET_TITLE_LENGTH].strip()
    # A name may not start or end with an apostrophe either.
    return cleaned.strip("'").strip() or "Export"


def write_xlsx(headings: Sequence[str], rows: Iterable[Iterable[Any]], output, *, title: str = "Export") -> None:
    """A one-sheet workbook of ``headings`` and ``rows``, its sheet named ``title`` (made a
    name Excel accepts), written to ``output`` row by row (openpyxl's write-only mode): memory
    stays flat whatever the number of rows."""
    from openpyxl import Workbook  # only for a download: keep it out of every process's start

    workbook = Workbook(write_only=True, iso_dates=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.append([xlsx_cell(heading) for heading in headings])
    for row in rows:
        # No text starts with "=" once it has passed the rule, so openpyxl writes no formula.
        sheet.append([xlsx_cell(value) for value in row])
    workbook.save(output)


def _json_default(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not written to JSON lines")


def stream_json_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line (dates and times in ISO 8601), a thousand lines at a time."""
    lines = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True, default=_json_default))
        if len(lines) == CHUNK_ROWS:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


# The responses ---------------------------------------------------------------------------------


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(headings: Sequence[str], rows: Iterable[Iterable[Any]], filename: str) -> StreamingHttpResponse:
    """``rows`` as a CSV download named ``filename`` (with its extension), streamed."""
    return _attachment(StreamingHttpResponse(stream_csv(headings, rows), content_type="text/csv"), filename)


def xlsx_response(
    headings: Sequence[str], rows: Iterable[Iterable[Any]], filename: str, *, title: str = "Export"
) -> FileResponse:
    """``rows`` as an XLSX download, its sheet named ``title``: the workbook is written to a
    temporary file, then streamed from it, so memory stays flat."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    write_xlsx(headings, rows, output, title=title)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=filename,
    )


def json_lines_response(rows: Iterable[dict[str, Any]], filename: str) -> StreamingHttpResponse:
    """``rows`` as a JSON-lines download, streamed."""
    return _attachment(StreamingHttpResponse(stream_json_lines(rows), content_type="application/x-ndjson"), filename)
