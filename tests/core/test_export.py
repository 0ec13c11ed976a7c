"""The one formula-safe cell rule and the writers every export uses (``core/export.py``).

Each export has its own test that a formula-like name comes out safe, beside the rest of its
tests: the completion, people and certificate reports and the certificate ZIP's manifest in
``tests/records/test_exports.py``, the step analytics in ``tests/scenarios/test_analytics.py``,
the audit log in ``tests/access/test_access.py``."""

import datetime
import decimal
import io
import json
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from openpyxl import load_workbook

from access.receivers import export_downloaded
from core import export
from tests.helpers import FORMULA_NAME

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20 7230 1212", "'+44 20 7230 1212"),
        ("-2", "'-2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        (FORMULA_NAME, "'" + FORMULA_NAME),
        ("Sam Taylor", "Sam Taylor"),
        ("a=b", "a=b"),  # only the first character makes a formula
        (" =1+2", " =1+2"),
        ("", ""),
        (None, ""),
        (7, 7),
        (-7, -7),  # a number is a number, not a formula
        (decimal.Decimal("-1.5"), decimal.Decimal("-1.5")),
        (True, True),
        (datetime.date(2025, 3, 1), "2025-03-01"),
        (datetime.datetime(2025, 7, 1, 12, 5, tzinfo=datetime.UTC), "2025-07-01 13:05"),  # local time (BST)
        (["PC", "=1+2"], "PC, =1+2"),  # a list is joined, then checked as one text
        (["=1", "2"], "'=1, 2"),
    ],
)
def test_a_csv_cell_is_never_a_formula(value, cell, settings):
    settings.TIME_ZONE = "Europe/London"
    assert export.csv_cell(value) == cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("-2", "'-2"),
        ("\tx", "'\tx"),
        ("Sam Taylor", "Sam Taylor"),
        (None, None),
        (-7, -7),
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 1)),  # dates stay dates in a workbook
        (datetime.datetime(2025, 7, 1, 12, 5, tzinfo=datetime.UTC), datetime.datetime(2025, 7, 1, 13, 5)),
    ],
)
def test_an_xlsx_cell_follows_the_same_rule_and_keeps_dates(value, cell, settings):
    settings.TIME_ZONE = "Europe/London"
    assert export.xlsx_cell(value) == cell


def test_the_csv_streams_a_thousand_rows_at_a_time_and_escapes_every_cell():
    rows = [[f"=cell{n}", n] for n in range(2500)]
    pieces = list(export.stream_csv(["=Heading", "Number"], rows))
    assert len(pieces) == 3
    lines = "".join(pieces).splitlines()
    assert lines[0] == "'=Heading,Number"
    assert lines[1] == "'=cell0,0" and lines[-1] == "'=cell2499,2499"


def test_the_workbook_holds_text_and_dates_and_no_formula():
    output = io.BytesIO()
    export.write_xlsx(["Name", "Due"], [[FORMULA_NAME, datetime.date(2025, 3, 1)], ["+1", None]], output)
    sheet = load_workbook(io.BytesIO(output.getvalue())).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Name", "Due"],
        ["'" + FORMULA_NAME, datetime.date(2025, 3, 1)],
        ["'+1", None],
    ]


def test_json_lines_are_data_one_object_a_line():
    rows = [{"actor_label": "=1+2", "at": datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)}] * 1001
    text = "".join(export.stream_json_lines(rows))
    objects = [json.loads(line) for line in text.splitlines()]
    assert len(objects) == 1001
    assert objects[0] == {"actor_label": "=1+2", "at": "2025-03-01T09:00:00+00:00"}  # as it is: not a sheet


def test_an_export_nobody_records_is_refused(rf: RequestFactory):
    export.exported.disconnect(export_downloaded)
    try:
        with pytest.raises(ImproperlyConfigured):
            export.announce(rf.get("/"), "people", "csv")
    finally:
        export.exported.connect(export_downloaded)
