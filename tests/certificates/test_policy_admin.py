"""The Policies list in the admin shows each policy's version in force, since when, and its next
review; policies are never unpublished (it would change nothing officers see)."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from certificates.factories import PolicyDocumentFactory, PolicyVersionFactory
from certificates.wagtail_hooks import UNPUBLISH_REFUSED
from tests.helpers import sign_in_with_mfa

LIST = "/admin/snippets/certificates/policydocument/"
EDIT = LIST + "edit/{}/"
UNPUBLISH = LIST + "unpublish/{}/"


@pytest.fixture
def policy(demo):
    return demo["module"].policy_document


def rows(page: str) -> dict[str, list[str]]:
    """The list's rows as {title: [cell texts]}."""
    listing = page[page.index('<table class="listing"') :]
    listing = listing[: listing.index("</table>")]
    table = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", listing, re.S):
        title = re.search(r'id="snippet_\d+_title">(.*?)<', row)
        if title:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            table[title[1]] = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]
    return table


def test_the_list_shows_the_version_in_force_its_date_and_the_next_review(client, demo, policy):
    in_force = policy.current_version()
    policy.next_review_date = timezone.localdate() + datetime.timedelta(days=40)
    policy.save(update_fields=["next_review_date"])
    overdue = PolicyDocumentFactory(title="Overdue policy", next_review_date=datetime.date(2020, 1, 1))
    PolicyVersionFactory(document=overdue, version_label="1.0", effective_date=datetime.date(2019, 6, 1))
    PolicyVersionFactory(
        document=overdue, version_label="2.0", effective_date=timezone.localdate() + datetime.timedelta(days=9)
    )
    PolicyDocumentFactory(title="New policy")
    sign_in_with_mfa(client, demo["policyowner"])
    page = client.get(LIST).content.decode()
    for heading in ("Version in force", "In force from", "Next review"):
        assert heading in page
    table = rows(page)
    assert table[policy.title][-3:] == [
        in_force.version_label,
        f"{in_force.effective_date:%-d %B %Y}",
        f"{policy.next_review_date:%-d %B %Y}",
    ]
    # Version 2.0 is published but not yet in force: 1.0 still is.
    assert table["Overdue policy"][-3:] == ["1.0", "1 June 2019", "1 January 2020 (overdue)"]
    assert table["New policy"][-3:] == ["None yet", "", "Not set"]


def test_the_list_makes_the_same_queries_for_one_policy_as_for_many(client, demo, django_assert_max_num_queries):
    sign_in_with_mfa(client, demo["policyowner"])
    client.get(LIST)  # the first request of a session reads what later ones keep
    with django_assert_max_num_queries(40) as few:
        client.get(LIST)
    for n in range(12):
        document = PolicyDocumentFactory(next_review_date=datetime.date(2027, 1, 1 + n))
        PolicyVersionFactory(document=document, version_label="1.0")
        PolicyVersionFactory(document=document, version_label="2.0")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(rows(response.content.decode())) == 13


@pytest.mark.parametrize(("role", "allowed"), [("policyowner", True), ("trainer", True), ("hr", False)])
def test_who_may_open_the_list(client, demo, role, allowed):
    sign_in_with_mfa(client, demo[role])
    response = client.get(LIST)
    assert (response.status_code == 200) is allowed
    if not allowed:
        assert b"Version in force" not in response.content


def test_an_officer_cannot_open_the_list(client, demo):
    client.force_login(demo["officer"])
    assert client.get(LIST).status_code == 403


def test_unpublish_is_not_offered(client, demo, policy):
    assert policy.live  # so Wagtail would offer it
    sign_in_with_mfa(client, demo["policyowner"])
    page = client.get(EDIT.format(policy.pk)).content.decode()
    assert "action-publish" in page
    assert "Unpublish" not in page and UNPUBLISH.format(policy.pk) not in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_unpublish_address_is_refused_with_a_reason_and_changes_nothing(client, demo, policy, method):
    policy.save_revision(user=demo["policyowner"]).publish(user=demo["policyowner"])
    policy.refresh_from_db()
    assert policy.live
    sign_in_with_mfa(client, demo["policyowner"])
    response = getattr(client, method)(UNPUBLISH.format(policy.pk))
    assert response.status_code == 302 and response["Location"] == EDIT.format(policy.pk)
    assert [str(message) for message in get_messages(response.wsgi_request)] == [UNPUBLISH_REFUSED]
    policy.refresh_from_db()
    assert policy.live
    assert not policy.versions.exclude(version_label__in=["1.0", "2.0"]).exists()


@pytest.mark.parametrize("role", ["trainer", "hr"])
def test_the_unpublish_address_is_refused_to_those_who_cannot_publish(client, demo, policy, role):
    sign_in_with_mfa(client, demo[role])
    response = client.post(UNPUBLISH.format(policy.pk))
    assert response.status_code in (302, 403)
    assert UNPUBLISH_REFUSED not in [str(message) for message in get_messages(response.wsgi_request)]
    policy.refresh_from_db()
    assert policy.live
