"""The person and org unit choosers: search as you type, ten at a time, at force scale."""

import json

import pytest

from people.factories import OrgUnitFactory, UserFactory
from tests.helpers import sign_in_with_mfa

PEOPLE = "/admin/people/choose/"
UNITS = "/admin/org-units/choose/"


def modal(response) -> str:
    assert response.status_code == 200
    return json.loads(response.content)["html"]


def test_hr_searches_people_by_name_or_warrant_number(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    UserFactory(first_name="Sam", last_name="Tayler", warrant_number="MP555001")
    page = modal(client.get(PEOPLE, {"q": "sam tay"}))
    assert "Sam Taylor" in page and "Sam Tayler" in page and "MP555001" in page
    assert "Central West Response Team A" in page  # Sam Taylor's unit is shown beside him
    by_number = client.get(f"{PEOPLE}results/", {"q": "MP555001"}).content.decode()
    assert "Sam Tayler" in by_number and "Sam Taylor" not in by_number


def test_leavers_are_not_offered(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    UserFactory(first_name="Gone", last_name="Away", is_active=False)
    assert "Gone Away" not in client.get(f"{PEOPLE}results/", {"q": "Away"}).content.decode()


def test_choosing_a_person_returns_their_name_and_warrant_number(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    officer = demo["officer"]
    data = json.loads(client.get(f"{PEOPLE}chosen/{officer.pk}/").content)
    assert data["step"] == "chosen"
    assert data["result"]["title"] == f"{officer.get_full_name()} ({officer.warrant_number})"


@pytest.mark.parametrize("username", ["officer", "trainer", "manager", "reporting"])
def test_only_hr_and_administrators_open_the_person_chooser(client, demo, username):
    sign_in_with_mfa(client, demo[username])
    for url in (PEOPLE, f"{PEOPLE}results/?q=shah", f"{PEOPLE}chosen/{demo['reattest'].pk}/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "MP100002" not in response.content.decode()


def test_signed_out_is_sent_to_sign_in(client, demo):
    response = client.get(PEOPLE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_administrator_opens_the_person_chooser(client, demo):
    sign_in_with_mfa(client, demo["admin"])
    assert "Sam Taylor" in modal(client.get(PEOPLE, {"q": "Taylor"}))


def test_no_chooser_offers_to_create(client, demo):
    sign_in_with_mfa(client, demo["admin"])
    assert client.get(f"{PEOPLE}create/").status_code == 404
    assert client.get(f"{UNITS}create/").status_code == 404


def test_units_are_searched_by_name_or_code_and_show_the_units_above(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    page = modal(client.get(UNITS, {"q": "cw-response"}))
    assert "Central West Response Team A" in page and "cw-response-a" in page
    assert "Metropolitan Police Service / Frontline Policing" in page


def test_closed_units_are_not_offered(client, demo):
    import datetime

    sign_in_with_mfa(client, demo["hr"])
    OrgUnitFactory(name="Old Mounted Branch", code="old-mounted", closed_on=datetime.date(2020, 1, 1))
    assert "Old Mounted Branch" not in client.get(f"{UNITS}results/", {"q": "mounted"}).content.decode()
    assert client.get(f"{UNITS}chosen-multiple/", {"id": ["x"]}).status_code == 200  # a bad id is ignored


def test_several_units_are_chosen_at_once(client, demo):
    from people.models import OrgUnit

    sign_in_with_mfa(client, demo["hr"])
    units = OrgUnit.objects.filter(code__in=["cw-response-a", "cw-bcu"])
    data = json.loads(client.get(f"{UNITS}chosen-multiple/", {"id": [unit.pk for unit in units]}).content)
    assert sorted(item["title"].split(" (")[0] for item in data["result"]) == sorted(unit.name for unit in units)


@pytest.mark.parametrize("url", [PEOPLE, UNITS])
def test_a_page_of_results_costs_the_same_however_many_match(client, demo, url, django_assert_max_num_queries):
    sign_in_with_mfa(client, demo["hr"])
    parent = OrgUnitFactory(name="Search team", code="search-team")
    for n in range(3):
        OrgUnitFactory(parent=parent, name=f"Search team {n}", code=f"search-{n}")
        UserFactory(last_name=f"Searchperson{n}")
    with django_assert_max_num_queries(12) as few:
        client.get(f"{url}results/", {"q": "search"})
    for n in range(3, 30):
        OrgUnitFactory(parent=parent, name=f"Search team {n}", code=f"search-{n}")
        UserFactory(last_name=f"Searchperson{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"{url}results/", {"q": "search"})
