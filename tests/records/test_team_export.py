"""My team's CSV: the list on the page, for the line manager of those units alone, recorded in
the audit log."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from access.models import AuditEvent
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import Enrolment
from people.factories import UserFactory
from people.models import OrgUnit
from tests.helpers import certified, sign_in_with_mfa


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def outsider(demo):
    person = UserFactory(first_name="Olive", last_name="Outsider", org_unit=OrgUnit.objects.get(code="dps"))
    EnrolmentFactory(user=person, module=demo["module"])
    return person


def test_the_line_manager_downloads_their_team_as_on_the_page(client, demo, outsider):
    certified(client, demo["officer"], demo["module"])
    Enrolment.objects.filter(user=demo["reattest"]).update(due_date="2020-01-01")
    sign_in_with_mfa(client, demo["manager"])
    response = client.get("/team/?export=csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="my-team-{demo["manager"].org_unit.code}-{today:%Y-%m-%d}.csv"'
    )
    heading, *rows = rows_of(response)
    assert heading == ["Person", "Warrant or staff number", "Rank", "Org unit", "Module", "Due", "Status"]
    officer, priya = demo["officer"], demo["reattest"]
    sam = Enrolment.objects.get(user=officer)
    assert rows == [  # the overdue first, as on the page; nobody outside the units, not the manager
        [
            "Priya Shah",
            priya.warrant_number,
            priya.rank,
            str(priya.org_unit),
            demo["module"].title,
            "2020-01-01",
            "Overdue",
        ],
        [
            "Sam Taylor",
            officer.warrant_number,
            officer.rank,
            str(officer.org_unit),
            demo["module"].title,
            sam.due_date.isoformat(),
            "Complete",
        ],
    ]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor == demo["manager"] and event.verb == "My team CSV"
    assert event.details == {"filters": {"export": "csv"}, "rows": 2, "org_unit": demo["manager"].org_unit.code}


def test_the_download_keeps_the_status_filter_and_writes_human_labels(client, demo):
    sign_in_with_mfa(client, demo["manager"])
    started = ModulePageFactory(title='=HYPERLINK("http://evil.example")')
    EnrolmentFactory(user=demo["officer"], module=started, status=Enrolment.Status.IN_PROGRESS)
    response = client.get("/team/?status=in_progress&export=csv")
    assert response["Content-Disposition"].endswith(f'-in-progress-{timezone.localdate():%Y-%m-%d}.csv"')
    _, *rows = rows_of(response)
    assert [(row[0], row[4], row[6]) for row in rows] == [
        ("Sam Taylor", '\'=HYPERLINK("http://evil.example")', "In progress")  # never a formula
    ]


def test_the_download_makes_the_same_queries_for_a_big_team_as_for_a_small_one(
    client, demo, django_assert_max_num_queries
):
    sign_in_with_mfa(client, demo["manager"])
    with django_assert_max_num_queries(12) as few:
        rows_of(client.get("/team/?export=csv"))
    for _ in range(30):
        EnrolmentFactory(user=UserFactory(org_unit=demo["officer"].org_unit), module=demo["module"])
    with django_assert_max_num_queries(len(few)) as many:
        rows = rows_of(client.get("/team/?export=csv"))
    assert len(rows) == 1 + 2 + 30 and len(many) == len(few)


@pytest.mark.parametrize("who", ["officer", "trainer", "hr"])
def test_people_who_manage_nobody_cannot_download_a_team(client, demo, who):
    sign_in_with_mfa(client, demo[who])
    assert client.get("/team/?export=csv").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_another_units_line_manager_downloads_only_their_own_people(client, demo, outsider):
    other = UserFactory(org_unit=OrgUnit.objects.get(code="dps"))
    other.groups.add(Group.objects.get(name="Line managers"))
    sign_in_with_mfa(client, other)
    _, *rows = rows_of(client.get("/team/?export=csv"))
    assert [row[0] for row in rows] == ["Olive Outsider"]


def test_the_download_needs_a_sign_in(client, demo):
    response = client.get("/team/?export=csv")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_the_page_offers_the_download_of_what_it_shows(client, demo):
    sign_in_with_mfa(client, demo["manager"])
    page = client.get("/team/?status=overdue").content.decode()
    assert 'href="?status=overdue&amp;export=csv" download>Download this list (CSV)</a>' not in page  # none overdue
    Enrolment.objects.filter(user=demo["officer"]).update(due_date=datetime.date(2020, 1, 1))
    page = client.get("/team/?status=overdue").content.decode()
    assert 'href="?status=overdue&amp;export=csv" download>Download this list (CSV)</a>' in page
