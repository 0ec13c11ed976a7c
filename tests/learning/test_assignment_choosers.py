"""The assignment and exemption forms choose people and org units with choosers that search,
not a drop-down of every person or a checkbox per unit: they load as fast at 50,000 people."""

import pytest

from learning.models import Assignment, Exemption
from people.factories import OrgUnitFactory, UserFactory
from people.models import OrgUnit
from tests.helpers import sign_in_with_mfa
from tests.learning.test_assignments import ADD, assignment_form, enrolled, unit

EXEMPT = "/admin/exemptions/new/"


@pytest.fixture
def module(demo):
    from learning.models import Enrolment

    Enrolment.objects.all().delete()
    return demo["module"]


def test_the_exemption_form_has_a_person_chooser_not_a_list_of_everyone(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    page = client.get(EXEMPT).content.decode()
    assert "Choose a person" in page and "/admin/people/choose/" in page
    assert "Priya Shah" not in page and '<select name="user"' not in page


def test_a_leaver_cannot_be_exempted(client, module, demo):
    sign_in_with_mfa(client, demo["hr"])
    leaver = UserFactory(is_active=False)
    response = client.post(EXEMPT, {"user": leaver.pk, "module": module.pk, "reason": "Left the force"})
    assert response.status_code == 200
    assert "Choose an active person." in response.content.decode()
    assert not Exemption.objects.exists()


def test_the_chosen_person_is_shown_with_their_warrant_number_when_the_form_comes_back(client, module, demo):
    sign_in_with_mfa(client, demo["hr"])
    page = client.post(EXEMPT, {"user": demo["officer"].pk, "module": module.pk, "reason": " "}).content.decode()
    assert "Sam Taylor (MP100001)" in page


def test_the_assignment_form_lists_no_unit_until_one_is_chosen(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    page = client.get(ADD).content.decode()
    assert "Add org units by code" in page and "/admin/org-units/choose/" in page
    assert "Directorate of Professional Standards" not in page


def test_hr_assigns_org_units_by_their_codes(client, module, demo, django_capture_on_commit_callbacks):
    sign_in_with_mfa(client, demo["hr"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, assignment_form(module, org_units_codes="cw-response-a, dps"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment = Assignment.objects.get(module=module, org_units__code="dps")
    assert set(assignment.org_units.values_list("code", flat=True)) == {"cw-response-a", "dps"}
    assert {"officer", "reattest", "manager", "policyowner"} <= enrolled(module)


def test_an_unknown_or_closed_code_is_refused_and_nothing_is_saved(client, module, demo):
    import datetime

    OrgUnitFactory(name="Old unit", code="old-unit", closed_on=datetime.date(2020, 1, 1))
    assignments = Assignment.objects.count()
    sign_in_with_mfa(client, demo["hr"])
    for codes in ("no-such-unit", "old-unit"):
        response = client.post(ADD, assignment_form(module, org_units_codes=codes))
        assert response.status_code == 200
        assert f"No open org unit has the code {codes}" in response.content.decode()
    assert Assignment.objects.count() == assignments


def test_the_chosen_units_come_back_ticked_and_clearing_one_takes_it_off(client, module, demo):
    sign_in_with_mfa(client, demo["hr"])
    assignment = Assignment.objects.create(module=module, due_date=assignment_form(module)["due_date"])
    assignment.org_units.set([unit("cw-response-a"), unit("dps")])
    edit = f"/admin/assignments/edit/{assignment.pk}/"
    page = client.get(edit).content.decode()
    assert f'value="{unit("dps").pk}" checked' in page and "Central West Response Team A (cw-response-a" in page
    response = client.post(edit, assignment_form(module, org_units=[unit("dps").pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(assignment.org_units.values_list("code", flat=True)) == ["dps"]


def test_the_forms_cost_the_same_however_many_people_and_units(client, demo, django_assert_max_num_queries):
    sign_in_with_mfa(client, demo["hr"])
    client.get(ADD), client.get(EXEMPT)  # warm what the admin keeps
    with django_assert_max_num_queries(40) as before_add:
        client.get(ADD)
    with django_assert_max_num_queries(40) as before_exempt:
        client.get(EXEMPT)
    top = OrgUnit.objects.get(code="met")
    for n in range(40):
        UserFactory(org_unit=OrgUnitFactory(parent=top, code=f"more-{n}"))
    with django_assert_max_num_queries(len(before_add.captured_queries)):
        client.get(ADD)
    with django_assert_max_num_queries(len(before_exempt.captured_queries)):
        client.get(EXEMPT)
