"""Before publishing a policy version the owner sees whom it asks to attest again, by when and
in which units; after, a summary with a link to the report of the cycle it opened. The next
version's label starts empty, and a statement naming another version is refused."""

import datetime
import html
import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from certificates.models import PolicyVersion
from certificates.models.policies import statement_names_another_version
from certificates.publishing import reattestation_for
from learning.factories import EnrolmentFactory
from learning.models import Enrolment, Exemption, ReattestationCycle
from learning.services import reattestation_audience
from people.factories import UserFactory
from people.models import OrgUnit
from tests.helpers import sign_in_with_mfa

EDIT = "/admin/snippets/certificates/policydocument/edit/{}/"


@pytest.fixture
def policy(demo):
    return demo["module"].policy_document


@pytest.fixture
def completed(demo):
    """Five people who completed the module on version 2.0: three in Frontline Policing (two
    of them two levels down), one in Professional Standards, one with no org unit; and three
    who are not asked: one who left, one exempt, one not finished."""
    module = demo["module"]
    units = {unit.code: unit for unit in OrgUnit.objects.all()}
    asked = []
    for code in ("cw-response-a", "cw-response-a", "frontline", "dps", None):
        person = UserFactory(org_unit=units.get(code))
        EnrolmentFactory(user=person, module=module, status="complete", completed_at=timezone.now())
        asked.append(person)
    left = UserFactory(org_unit=units["dps"], is_active=False)
    EnrolmentFactory(user=left, module=module, status="complete")
    exempt = UserFactory(org_unit=units["dps"])
    EnrolmentFactory(user=exempt, module=module, status="complete")
    Exemption.objects.create(user=exempt, module=module, reason="On secondment", created_by=demo["hr"])
    EnrolmentFactory(user=UserFactory(org_unit=units["dps"]), module=module, status="in_progress")
    return asked


def form(policy, **changes) -> dict:
    fields = {
        "title": policy.title,
        "reference": policy.reference,
        "owner": policy.owner,
        "owner_email": "",
        "next_review_date": "",
        "version_label": "",
        "effective_date": "",
        "reattest_within_days": policy.reattest_within_days,
        "body": policy.body,
        "statement": policy.statement,
        "material": "on",
    }
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not None}


def new_text(policy, label="3.0") -> dict:
    return {
        "version_label": label,
        "body": policy.body + "\n\n11. Report the loss of a personal device at once.",
        "statement": policy.statement.replace("version 2.0", f"version {label}"),
    }


def save_draft(client, policy, **changes):
    return client.post(EDIT.format(policy.pk), form(policy, **changes))


def publish(client, policy, **changes):
    return client.post(EDIT.format(policy.pk), {**form(policy, **changes), "action-publish": "action-publish"})


def panel(page: str) -> str:
    return " ".join(re.search(r"data-attest-reattestation>(.*?)</div>", page, re.S)[1].split())


def message_texts(response) -> list[str]:
    return [html.unescape(str(message)) for message in get_messages(response.wsgi_request)]


def test_before_publishing_a_material_version_the_owner_sees_who_is_asked_by_when_and_where(
    client, demo, policy, completed
):
    sign_in_with_mfa(client, demo["policyowner"])
    save_draft(client, policy, reattest_within_days=14, **new_text(policy))
    shown = panel(client.get(EDIT.format(policy.pk)).content.decode())
    due = timezone.localdate() + datetime.timedelta(days=14)
    assert f"5 people will be asked to attest again, by {due:%-d %B %Y}" in shown
    assert '<th scope="row">Frontline Policing</th><td>3</td>' in shown
    assert '<th scope="row">Directorate of Professional Standards</th><td>1</td>' in shown
    assert '<th scope="row">No org unit</th><td>1</td>' in shown
    assert "Version 3.0 is a material change" in shown


def test_the_count_before_publishing_is_the_count_the_cycle_asks(client, demo, policy, completed):
    """One rule: the preview is the cycle's own audience, so the two cannot disagree."""
    sign_in_with_mfa(client, demo["policyowner"])
    save_draft(client, policy, **new_text(policy))
    policy.refresh_from_db()
    drafted = policy.get_latest_revision_as_object()
    preview = reattestation_for(
        PolicyVersion(document=policy, version_label="3.0", material=True, effective_date=timezone.localdate())
    )
    assert preview.people == 5 == reattestation_audience(PolicyVersion(document=drafted, material=True)).count()

    publish(client, policy, **new_text(policy))
    cycle = ReattestationCycle.objects.get(policy_version__version_label="3.0")
    assert cycle.enrolled == preview.people
    assert set(Enrolment.objects.filter(cycle=2, due_date=cycle.due_date).values_list("user_id", flat=True)) >= {
        person.pk for person in completed
    }


def test_after_publishing_the_message_says_how_many_and_links_to_the_cycle_report(client, demo, policy, completed):
    sign_in_with_mfa(client, demo["policyowner"])
    response = publish(client, policy, reattest_within_days=21, **new_text(policy))
    assert response.status_code == 302
    due = timezone.localdate() + datetime.timedelta(days=21)
    page = client.get(response["Location"]).content.decode()
    assert (
        f"Version 3.0 of “{policy.title}” published; 5 people will be asked to attest again by {due:%-d %B %Y}." in page
    )
    link = re.search(r'href="(/admin/reports/completion/by-unit/\?[^"]+)"[^>]*>\s*See who is asked', page)
    assert link, page[:3000]
    url = link[1].replace("&amp;", "&")
    assert f"module={demo['module'].pk}" in url and f"due_from={due.isoformat()}" in url

    # The report it links to opens for HR, and the same filters list exactly the cycle's five people.
    client.logout()
    sign_in_with_mfa(client, demo["hr"])
    assert client.get(url).status_code == 200
    people = client.get(url.replace("/by-unit/", "/people/")).content.decode()
    for person in completed:
        assert person.get_full_name() in people
    assert demo["officer"].get_full_name() not in people


def test_a_minor_version_asks_nobody_and_says_so(client, demo, policy, completed):
    sign_in_with_mfa(client, demo["policyowner"])
    save_draft(client, policy, material=None, **new_text(policy, "2.1"))
    assert "Version 2.1 is a minor change: nobody is asked to attest again" in panel(
        client.get(EDIT.format(policy.pk)).content.decode()
    )
    enrolments = Enrolment.objects.count()
    response = publish(client, policy, material=None, **new_text(policy, "2.1"))
    (text,) = message_texts(response)
    assert text.startswith(
        f"Version 2.1 of “{policy.title}” published: a minor change, so nobody is asked to attest again."
    )
    assert "See who is asked" not in text
    assert Enrolment.objects.count() == enrolments


def test_a_version_taking_effect_later_says_when_and_opens_no_cycle_yet(client, demo, policy, completed):
    sign_in_with_mfa(client, demo["policyowner"])
    later = timezone.localdate() + datetime.timedelta(days=10)
    changes = {**new_text(policy), "effective_date": later.isoformat(), "reattest_within_days": 28}
    save_draft(client, policy, **changes)
    shown = panel(client.get(EDIT.format(policy.pk)).content.decode())
    due = later + datetime.timedelta(days=28)
    assert f"5 people will be asked to attest again, by {due:%-d %B %Y}" in shown
    assert f"takes effect on {later:%-d %B %Y}" in shown
    response = publish(client, policy, **changes)
    (text,) = message_texts(response)
    assert f"taking effect on {later:%-d %B %Y}. On that day 5 people (as things stand today)" in text
    assert f"by {due:%-d %B %Y}" in text
    assert not ReattestationCycle.objects.filter(policy_version__version_label="3.0").exists()


def test_unchanged_text_says_no_version_is_stored_and_whom_new_material_text_would_ask(client, demo, policy, completed):
    sign_in_with_mfa(client, demo["policyowner"])
    shown = panel(client.get(EDIT.format(policy.pk)).content.decode())
    assert "no new version is stored and nobody is asked to attest again" in shown
    due = timezone.localdate() + datetime.timedelta(days=policy.reattest_within_days)
    assert f"as a material change would ask 5 people to attest again, by {due:%-d %B %Y}" in shown
    assert '<th scope="row">Frontline Policing</th><td>3</td>' in shown
    response = publish(client, policy)  # an empty label: the text is unchanged, so it stays 2.0
    assert response.status_code == 302
    assert "no new version was stored" in message_texts(response)[0]
    policy.refresh_from_db()
    assert policy.version_label == "2.0"
    assert list(policy.versions.values_list("version_label", flat=True)) == ["1.0", "2.0"]


def test_the_next_version_starts_with_an_empty_label_and_date_and_asks_for_a_new_statement(client, demo, policy):
    sign_in_with_mfa(client, demo["policyowner"])
    page = client.get(EDIT.format(policy.pk)).content.decode()
    label = re.search(r'<input[^>]*name="version_label"[^>]*>', page)[0]
    assert 'value="' not in label or 'value=""' in label
    effective = re.search(r'<input[^>]*name="effective_date"[^>]*>', page)[0]
    assert 'value="' not in effective or 'value=""' in effective
    assert "This is version 2.0&#x27;s: rewrite it for the new version." in page


def test_a_statement_naming_another_version_is_refused_and_nothing_is_stored(client, demo, policy, completed):
    sign_in_with_mfa(client, demo["policyowner"])
    versions = list(PolicyVersion.objects.values_list("pk", flat=True))
    enrolments = Enrolment.objects.count()
    stale = {**new_text(policy), "statement": policy.statement}  # still says "version 2.0"
    response = publish(client, policy, **stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The statement names version 2.0, but you are publishing version 3.0. Rewrite the statement" in page
    assert list(PolicyVersion.objects.values_list("pk", flat=True)) == versions
    assert Enrolment.objects.count() == enrolments


def test_a_new_version_in_the_past_is_refused_and_changes_nothing(client, demo, policy, completed):
    sign_in_with_mfa(client, demo["policyowner"])
    enrolments = Enrolment.objects.count()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = publish(client, policy, effective_date=yesterday.isoformat(), **new_text(policy))
    assert response.status_code == 200
    assert "A new version cannot take effect in the past" in response.content.decode()
    assert not PolicyVersion.objects.filter(version_label="3.0").exists()
    assert Enrolment.objects.count() == enrolments


@pytest.mark.parametrize(
    ("statement", "label", "named"),
    [
        ("I have read version 2.0 of the policy.", "3.0", ["2.0"]),
        ("I have read version 3 of the policy.", "3.0", []),
        ("I have read v3.0, which replaces version 2.0.", "3.0", []),
        ("I have read the policy.", "3.0", []),
        ("I have read Version 2.1 and V2.1.", "3.0", ["2.1"]),
    ],
)
def test_which_statements_name_another_version(statement, label, named):
    assert statement_names_another_version(statement, label) == named


@pytest.mark.parametrize("role", ["trainer", "hr", "officer"])
def test_only_policy_owners_see_the_consequences(client, demo, policy, role):
    sign_in_with_mfa(client, demo[role]) if role != "officer" else client.force_login(demo[role])
    response = client.get(EDIT.format(policy.pk))
    assert response.status_code in (302, 403)
    assert b"data-attest-reattestation" not in response.content


def test_the_preview_makes_the_same_queries_for_one_person_as_for_many(demo, policy, django_assert_num_queries):
    module = demo["module"]
    version = PolicyVersion(document=policy, version_label="3.0", material=True, effective_date=timezone.localdate())
    unit = OrgUnit.objects.get(code="dps")
    EnrolmentFactory(user=UserFactory(org_unit=unit), module=module, status="complete")
    with django_assert_num_queries(5):
        assert reattestation_for(version).people == 1
    for _ in range(20):
        EnrolmentFactory(user=UserFactory(org_unit=unit), module=module, status="complete")
    with django_assert_num_queries(5):
        assert reattestation_for(version).people == 21


def test_publishing_a_new_policy_says_it_is_the_first_version(client, demo):
    sign_in_with_mfa(client, demo["policyowner"])
    assert (
        "stores the text as the policy"
        in client.get("/admin/snippets/certificates/policydocument/add/").content.decode()
    )
    response = client.post(
        "/admin/snippets/certificates/policydocument/add/",
        {
            "title": "Body-worn video",
            "reference": "POL-BWV",
            "version_label": "1.0",
            "reattest_within_days": 28,
            "body": "1. Switch the camera on before you arrive.",
            "statement": "I have read version 1.0 of the body-worn video policy.",
            "material": "on",
            "action-publish": "action-publish",
        },
    )
    assert response.status_code == 302
    (text,) = message_texts(response)
    assert text.startswith("Version 1.0 of “Body-worn video” published: the policy's first version, so nobody")
