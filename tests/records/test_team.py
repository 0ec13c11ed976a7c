"""A line manager's "My team": their units' people and where they stand, and nobody else's."""

import pytest

from learning.factories import EnrolmentFactory
from learning.models import Enrolment
from people.factories import UserFactory
from people.models import OrgUnit
from tests.helpers import certified, sign_in_with_mfa


@pytest.fixture
def outsider(demo):
    person = UserFactory(first_name="Olive", last_name="Outsider", org_unit=OrgUnit.objects.get(code="dps"))
    EnrolmentFactory(user=person, module=demo["module"])
    return person


def test_a_line_manager_sees_their_units_people_and_their_status(client, demo, outsider):
    certified(client, demo["officer"], demo["module"])
    sign_in_with_mfa(client, demo["manager"])
    page = client.get("/team/").content.decode()
    assert "Sam Taylor" in page and "Priya Shah" in page
    assert "Olive Outsider" not in page
    assert f'href="/people/{demo["officer"].pk}/transcript/"' in page
    assert "Complete" in page
    counts = page.split("Assigned</dt>")[1]
    assert '<dd class="govuk-summary-list__value">2</dd>' in counts.split("</div>")[0]


def test_the_line_manager_is_not_listed_among_their_own_people(client, demo):
    assert Enrolment.objects.filter(user=demo["manager"]).exists()  # Alex has training of his own
    Enrolment.objects.filter(user=demo["manager"]).update(due_date="2020-01-01")
    sign_in_with_mfa(client, demo["manager"])
    page = client.get("/team/").content.decode()
    assert f'href="/people/{demo["manager"].pk}/transcript/"' not in page
    assert f'name="person" value="{demo["manager"].pk}"' not in page
    overdue = page.split("Overdue</dt>")[1].split("</div>")[0]
    assert '<dd class="govuk-summary-list__value">0</dd>' in overdue  # nor counted


def test_the_status_filter_narrows_the_list(client, demo):
    certified(client, demo["officer"], demo["module"])
    sign_in_with_mfa(client, demo["manager"])

    def row(username):  # the person's row links to their transcript
        return f'href="/people/{demo[username].pk}/transcript/"'

    page = client.get("/team/?status=complete").content.decode()
    assert row("officer") in page and row("reattest") not in page
    Enrolment.objects.filter(user=demo["reattest"]).update(due_date="2020-01-01")
    overdue = client.get("/team/?status=overdue").content.decode()
    assert row("reattest") in overdue and row("officer") not in overdue
    nonsense = client.get("/team/?status=<script>", follow=True)
    assert nonsense.status_code == 200 and "not one of the choices" in nonsense.content.decode()


@pytest.mark.parametrize("username", ["officer", "reattest", "trainer", "hr"])
def test_people_who_manage_nobody_have_no_team_page(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    assert client.get("/team/").status_code == 403
    assert "My team" not in client.get("/").content.decode()


def test_the_team_page_needs_a_sign_in(client, demo):
    response = client.get("/team/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_team_page_makes_the_same_queries_for_a_big_team_as_for_a_small_one(
    client, demo, django_assert_max_num_queries
):
    sign_in_with_mfa(client, demo["manager"])
    Enrolment.objects.filter(user=demo["officer"]).update(due_date="2020-01-01")
    client.get("/team/")  # what the first page of a session reads once
    with django_assert_max_num_queries(40) as few:
        assert client.get("/team/").status_code == 200
    for _ in range(25):
        EnrolmentFactory(user=UserFactory(org_unit=demo["officer"].org_unit), module=demo["module"])
    with django_assert_max_num_queries(len(few)):
        page = client.get("/team/").content.decode()
    assert page.count("Send a reminder<span") == 2 + 25  # a button on each open row
