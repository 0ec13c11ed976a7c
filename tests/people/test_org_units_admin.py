"""The org unit tree in the admin: HR adds, renames, moves and closes units, audited; a unit with
people or open units below it is not closed; closed units leave the choosers and the import."""

import datetime

import pytest

from access.models import AuditEvent
from people import imports as people_import
from people.factories import OrgUnitFactory, UserFactory
from people.models import OrgUnit, User
from tests.helpers import sign_in_with_mfa
from tests.people.test_people_import import csv, person

TREE = "/admin/org-units/"


def unit(code) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


@pytest.fixture
def hr(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    return client


def test_the_tree_is_indented_with_people_counts(hr, demo):
    page = hr.get(TREE).content.decode()
    names = ["Metropolitan Police Service", "Frontline Policing", "Central West BCU", "Central West Response Team A"]
    positions = [page.index(name) for name in names]
    assert positions == sorted(positions)  # each below the unit it is part of
    assert "Level 4: </span>Central West Response Team A" in page
    row = page[page.index("Central West Response Team A") :].split("</tr>")[0]
    assert "<td>3</td>" in row  # Alex, Sam and Priya


def test_the_tree_costs_the_same_however_many_units(hr, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(30) as few:
        hr.get(TREE)
    queries = len(few.captured_queries)
    top = unit("met")
    for n in range(30):
        UserFactory(org_unit=OrgUnitFactory(parent=top, code=f"extra-{n}"))
    with django_assert_max_num_queries(queries):
        hr.get(TREE)


def test_hr_adds_a_unit_below_another_and_the_import_knows_it(hr, demo):
    response = hr.post(f"{TREE}add/", {"name": "Response Team B", "code": "CW-Response-B", "parent": unit("cw-bcu").pk})
    assert response.status_code == 302
    added = unit("cw-response-b")
    assert added.get_parent() == unit("cw-bcu")
    assert people_import.check(csv(person("MP700001", unit="met/frontline/cw-bcu/cw-response-b"))).ok
    event = AuditEvent.objects.get(verb="org unit added")
    assert event.actor == demo["hr"] and event.details["parent"] == "Central West BCU (cw-bcu)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Dup", "code": "dps"}, "The code dps is already used by Directorate of Professional Standards"),
        ({"name": "Bad", "code": "no spaces/please"}, "Enter a valid"),
        ({"name": "   ", "code": "blank-name"}, "This field is required"),
        ({"name": "Lost", "code": "lost", "parent": "999999"}, "Choose an open org unit."),
    ],
)
def test_a_unit_that_cannot_be_added_is_explained_and_nothing_changes(hr, demo, data, message):
    units = OrgUnit.objects.count()
    response = hr.post(f"{TREE}add/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert OrgUnit.objects.count() == units
    assert not AuditEvent.objects.filter(verb="org unit added").exists()


def test_hr_renames_a_unit_audited(hr, demo):
    target = unit("dps")
    hr.post(f"{TREE}{target.pk}/rename/", {"name": "Professional Standards", "code": "dps"})
    assert unit("dps").name == "Professional Standards"
    event = AuditEvent.objects.get(verb="org unit renamed")
    assert event.details["changes"] == {
        "name": {"from": "Directorate of Professional Standards", "to": "Professional Standards"}
    }


def test_moving_a_unit_takes_its_people_and_units_below(hr, demo):
    bcu = unit("cw-bcu")
    response = hr.post(f"{TREE}{bcu.pk}/move/", {"parent": unit("people").pk})
    assert response.status_code == 302
    assert unit("cw-bcu").get_parent() == unit("people")
    assert unit("cw-response-a").get_parent() == unit("cw-bcu")
    assert set(User.objects.within(unit("people")).values_list("username", flat=True)) >= {"officer", "manager"}
    assert not User.objects.within(unit("frontline")).filter(username="officer").exists()
    event = AuditEvent.objects.get(verb="org unit moved")
    assert (event.details["from"], event.details["to"]) == (
        "Frontline Policing (frontline)",
        "People and Training (people)",
    )


def test_a_unit_cannot_move_below_itself(hr, demo):
    bcu = unit("cw-bcu")
    page = hr.post(f"{TREE}{bcu.pk}/move/", {"parent": unit("cw-response-a").pk}).content.decode()
    assert "cannot move below itself or a unit below it" in page
    assert unit("cw-bcu").get_parent() == unit("frontline")


def test_a_unit_with_people_or_open_units_below_is_not_closed(hr, demo):
    team = unit("cw-response-a")
    page = hr.post(f"{TREE}{team.pk}/close/", {"closed_on": "2027-03-31"}).content.decode()
    assert "cannot be closed: 3 active people are still in it" in page
    bcu = unit("cw-bcu")
    page = hr.post(f"{TREE}{bcu.pk}/close/", {"closed_on": "2027-03-31"}).content.decode()
    assert "1 unit below it is still open" in page
    assert not OrgUnit.objects.exclude(closed_on=None).exists()
    assert not AuditEvent.objects.filter(verb="org unit closed").exists()


def test_a_closed_unit_leaves_the_choosers_and_the_import_but_keeps_its_leavers(hr, demo):
    empty = OrgUnitFactory(parent=unit("frontline"), name="Mounted Branch", code="mounted")
    leaver = UserFactory(org_unit=empty, is_active=False)
    response = hr.post(f"{TREE}{empty.pk}/close/", {"closed_on": "2027-03-31"})
    assert response.status_code == 302
    empty.refresh_from_db()
    assert empty.closed_on == datetime.date(2027, 3, 31)
    assert User.objects.get(pk=leaver.pk).org_unit == empty
    assert "Mounted Branch" not in hr.get("/admin/org-units/choose/results/", {"q": "mounted"}).content.decode()
    report = people_import.check(csv(person("MP700001", unit="met/frontline/mounted")))
    assert report.rows[0].errors[0] == "org unit met/frontline/mounted is closed: give the person an open unit"
    assert "Mounted Branch closed" in hr.get(TREE).content.decode()  # the message, once
    assert "Mounted Branch" not in hr.get(TREE).content.decode()
    assert "Mounted Branch" in hr.get(TREE, {"closed": "shown"}).content.decode()
    assert AuditEvent.objects.get(verb="org unit closed").details == {"closed_on": "2027-03-31"}


def test_a_bad_date_is_explained(hr, demo):
    empty = OrgUnitFactory(parent=unit("frontline"), code="empty")
    page = hr.post(f"{TREE}{empty.pk}/close/", {"closed_on": "31st of never"}).content.decode()
    assert "Enter a real date." in page
    assert OrgUnit.objects.get(pk=empty.pk).closed_on is None


@pytest.mark.parametrize("username", ["officer", "trainer", "manager", "reporting", "policyowner"])
def test_only_hr_and_administrators_change_units(
    client,
    demo,
    username,
):
    sign_in_with_mfa(client, demo[username])
    target = unit("dps")
    for url in (
        TREE,
        f"{TREE}add/",
        f"{TREE}{target.pk}/rename/",
        f"{TREE}{target.pk}/move/",
        f"{TREE}{target.pk}/close/",
    ):
        assert client.get(url).status_code in (302, 403), url
    client.post(f"{TREE}{target.pk}/rename/", {"name": "Taken over", "code": "dps"})
    client.post(f"{TREE}add/", {"name": "New", "code": "new-unit"})
    assert unit("dps").name == "Directorate of Professional Standards"
    assert not OrgUnit.objects.filter(code="new-unit").exists()


def test_signed_out_people_are_sent_to_sign_in(client, demo):
    response = client.get(TREE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_administrator_adds_a_unit(client, demo):
    sign_in_with_mfa(client, demo["admin"])
    client.post(f"{TREE}add/", {"name": "Cyber Crime Unit", "code": "cyber", "parent": unit("met").pk})
    assert unit("cyber").get_parent() == unit("met")


def test_a_unit_not_there_is_a_404(hr, demo):
    for action in ("rename", "move", "close"):
        assert hr.get(f"{TREE}999999/{action}/").status_code == 404
