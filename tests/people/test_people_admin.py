"""People in the admin: HR looks a person up, reads their whole training record and changes
their org unit, line manager or active flag; each change audited, leavers signed out."""

import pytest
from django.contrib.sessions.models import Session

from access.models import AuditEvent
from people.factories import OrgUnitFactory, UserFactory
from people.models import OrgUnit, User
from tests.helpers import certified, sign_in_with_mfa

PEOPLE = "/admin/people/"


def edit_url(person) -> str:
    return f"/admin/people/{person.pk}/edit/"


def form(person, **changes):
    data = {
        "org_unit": person.org_unit_id or "",
        "line_manager": person.line_manager_id or "",
        "is_active": "on" if person.is_active else "",
    }
    data.update(changes)
    return data


def test_hr_searches_people_by_name_or_warrant_number(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    page = client.get(PEOPLE, {"q": "sam taylor"}).content.decode()
    assert "MP100001" in page and "Central West Response Team A" in page and "Police Constable" in page
    assert "Priya" not in page
    by_number = client.get(f"{PEOPLE}results/", {"q": "MP100002"}).content.decode()
    assert "Priya Shah" in by_number and "Sam Taylor" not in by_number


def test_the_listing_filters_by_unit_and_below_and_by_active(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    leaver = UserFactory(last_name="Leaver", org_unit=OrgUnit.objects.get(code="cw-response-a"), is_active=False)
    bcu = OrgUnit.objects.get(code="cw-bcu")
    page = client.get(f"{PEOPLE}results/", {"org_unit": bcu.pk}).content.decode()
    assert "Sam Taylor" in page and "Pat Lee" not in page and leaver.get_full_name() in page
    active = client.get(f"{PEOPLE}results/", {"org_unit": bcu.pk, "is_active": "true"}).content.decode()
    assert "Sam Taylor" in active and leaver.get_full_name() not in active
    leavers = client.get(f"{PEOPLE}results/", {"is_active": "false"}).content.decode()
    assert leaver.get_full_name() in leavers and "Sam Taylor" not in leavers


def test_a_bad_filter_is_a_page_not_an_error(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    assert client.get(PEOPLE, {"org_unit": "nonsense", "is_active": "maybe"}).status_code == 200


def test_the_listing_costs_the_same_however_many_people(client, demo, django_assert_max_num_queries):
    sign_in_with_mfa(client, demo["hr"])
    client.get(PEOPLE)
    unit = OrgUnit.objects.get(code="people")
    UserFactory.create_batch(3, org_unit=unit)
    with django_assert_max_num_queries(40) as few:
        client.get(PEOPLE)
    UserFactory.create_batch(40, org_unit=unit)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(PEOPLE)


def test_a_persons_page_shows_their_whole_record_and_links(client, demo):
    officer = demo["officer"]
    certificate = certified(client, officer, demo["module"])
    sign_in_with_mfa(client, demo["hr"])
    page = client.get(f"/admin/people/{officer.pk}/").content.decode()
    for heading in ("Enrolments", "Attempts", "Attestations", "Certificates"):
        assert f"<h2>{heading}</h2>" in page
    assert demo["module"].title in page and "Complete" in page
    assert f"/people/{officer.pk}/transcript/" in page
    assert f"/certificates/{certificate.display_serial}/" in page
    assert "Alex Morgan" in page  # the line manager


def test_a_persons_page_costs_the_same_however_long_their_record(client, demo, django_assert_max_num_queries):
    officer = demo["officer"]
    sign_in_with_mfa(client, demo["hr"])
    with django_assert_max_num_queries(40) as before:
        client.get(f"/admin/people/{officer.pk}/")
    queries = len(before.captured_queries)  # now: the log of queries is a ring that later ones push along
    certified(client, officer, demo["module"])
    sign_in_with_mfa(client, demo["hr"])
    with django_assert_max_num_queries(queries + 3):  # the certificate's policy states
        client.get(f"/admin/people/{officer.pk}/")


def test_hr_moves_a_person_and_changes_their_line_manager_audited(client, demo):
    officer, hr = demo["officer"], demo["hr"]
    unit = OrgUnit.objects.get(code="dps")
    sign_in_with_mfa(client, hr)
    response = client.post(edit_url(officer), form(officer, org_unit=unit.pk, line_manager=demo["policyowner"].pk))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert (officer.org_unit, officer.line_manager) == (unit, demo["policyowner"])
    event = AuditEvent.objects.get(verb="person changed", object_id=str(officer.pk))
    assert event.actor == hr
    assert event.details["changes"]["org unit"] == {
        "from": "Central West Response Team A (cw-response-a)",
        "to": "Directorate of Professional Standards (dps)",
    }
    assert event.details["changes"]["line manager"]["from"] == "Alex Morgan (MP200001)"
    assert "active" not in event.details["changes"]


def test_deactivating_someone_ends_their_sessions(client, demo):
    from django.test import Client

    officer = demo["officer"]
    their_browser = Client()
    their_browser.force_login(officer)

    sign_in_with_mfa(client, demo["hr"])
    client.post(edit_url(officer), form(officer, is_active=""))
    officer.refresh_from_db()
    assert not officer.is_active
    assert not Session.objects.filter(session_key=their_browser.session.session_key).exists()
    event = AuditEvent.objects.get(verb="person changed", object_id=str(officer.pk))
    assert event.details["changes"]["active"] == {"from": "yes", "to": "no"}


def test_saving_with_no_change_records_nothing(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    officer = demo["officer"]
    response = client.post(edit_url(officer), form(officer), follow=True)
    assert "Nothing changed" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="person changed").exists()


@pytest.mark.parametrize("who", ["themself", "their report"])
def test_a_line_manager_who_would_make_a_loop_is_refused(client, demo, who):
    manager, officer = demo["manager"], demo["officer"]  # Alex manages Sam
    sign_in_with_mfa(client, demo["hr"])
    chosen = manager if who == "themself" else officer
    response = client.post(edit_url(manager), form(manager, line_manager=chosen.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert ("cannot be their own line manager" in page) if who == "themself" else ("loop of line managers" in page)
    manager.refresh_from_db()
    assert manager.line_manager_id is None
    assert not AuditEvent.objects.filter(verb="person changed").exists()


def test_a_loop_several_people_long_is_refused(client, demo):
    top, middle, bottom = UserFactory(), UserFactory(), UserFactory()
    User.objects.filter(pk=middle.pk).update(line_manager=top)
    User.objects.filter(pk=bottom.pk).update(line_manager=middle)
    sign_in_with_mfa(client, demo["hr"])
    top.refresh_from_db()
    page = client.post(edit_url(top), form(top, line_manager=bottom.pk)).content.decode()
    assert "loop of line managers" in page
    assert User.objects.get(pk=top.pk).line_manager_id is None


def test_a_closed_unit_or_a_leaver_manager_cannot_be_chosen(client, demo):
    import datetime

    closed = OrgUnitFactory(code="closed-unit", closed_on=datetime.date(2020, 1, 1))
    leaver = UserFactory(is_active=False)
    officer = demo["officer"]
    sign_in_with_mfa(client, demo["hr"])
    page = client.post(edit_url(officer), form(officer, org_unit=closed.pk, line_manager=leaver.pk)).content.decode()
    assert "Choose an open org unit." in page and "Choose an active person as line manager." in page
    officer.refresh_from_db()
    assert officer.org_unit.code == "cw-response-a"


@pytest.mark.parametrize("username", ["officer", "trainer", "manager", "reporting", "policyowner"])
def test_only_hr_and_administrators_see_or_change_people(client, demo, username):
    officer = demo["reattest"]
    sign_in_with_mfa(client, demo[username])
    for url in (PEOPLE, f"{PEOPLE}results/", f"/admin/people/{officer.pk}/", edit_url(officer)):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "MP100002" not in response.content.decode()
    client.post(edit_url(officer), form(officer, is_active=""))
    assert User.objects.get(pk=officer.pk).is_active


def test_signed_out_people_are_sent_to_sign_in(client, demo):
    for url in (PEOPLE, f"/admin/people/{demo['officer'].pk}/", edit_url(demo["officer"])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_administrator_changes_people_too(client, demo):
    sign_in_with_mfa(client, demo["admin"])
    officer = demo["officer"]
    assert client.get(edit_url(officer)).status_code == 200
    client.post(edit_url(officer), form(officer, line_manager=""))
    assert User.objects.get(pk=officer.pk).line_manager_id is None


def test_someone_not_there_is_a_404(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    assert client.get("/admin/people/999999/").status_code == 404
    assert client.post("/admin/people/999999/edit/", {}).status_code == 404


def test_hr_finds_people_and_org_units_in_the_menu_and_others_do_not(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    menu = client.get("/admin/").content.decode()
    assert '"/admin/people/"' in menu and '"/admin/org-units/"' in menu
    sign_in_with_mfa(client, demo["reporting"])
    menu = client.get("/admin/").content.decode()
    assert '"/admin/people/"' not in menu and '"/admin/org-units/"' not in menu


def test_the_listing_offers_no_download(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    response = client.get(PEOPLE, {"export": "csv"})
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
