"""The accessibility statement (issue 15): public, linked from every page's footer, and it
says how to ask for another format and where to complain."""

from email.utils import parseaddr

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from core.views import STATEMENT_PREPARED
from people.factories import UserFactory

STATEMENT = "/accessibility/"


def test_the_statement_is_at_its_address():
    assert reverse("core:accessibility") == STATEMENT


def test_anyone_signed_out_can_read_the_statement(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(STATEMENT)
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.h1.get_text(strip=True) == "Accessibility statement for Attest"
    assert page.title.get_text().startswith("Accessibility statement \N{EN DASH} Attest")


def test_the_statement_cannot_be_posted_to(client, db):
    assert client.post(STATEMENT).status_code == 405


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "signed in"])
def test_the_footer_links_to_the_statement(client, db, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    page = BeautifulSoup(client.get(reverse("certificates:verify_form")).content, "html.parser")
    links = page.select("footer a.govuk-footer__link")
    assert [link["href"] for link in links if link.get_text(strip=True) == "Accessibility"] == [STATEMENT]


def test_the_statement_says_how_to_ask_for_another_format(client, db, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@force.example"
    page = BeautifulSoup(client.get(STATEMENT).content, "html.parser")
    section = page.find(id="another-format")
    assert section.get_text(strip=True) == "What to do if you cannot use this service or one of its documents"
    asking = " ".join(section.find_next("p").get_text().split())
    assert "in a different format" in asking
    assert "large print" in asking
    assert page.select('a[href="mailto:access@force.example"]')


def test_the_statement_falls_back_to_a_contact_address_when_none_is_set(client, db, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    page = BeautifulSoup(client.get(STATEMENT).content, "html.parser")
    assert page.select(f'a[href="mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"]')


def test_the_statement_follows_the_public_sector_model(client, db, settings):
    settings.SESSION_IDLE_MINUTES = 25
    text = " ".join(BeautifulSoup(client.get(STATEMENT).content, "html.parser").get_text().split())
    assert "Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert "Equality and Human Rights Commission (EHRC)" in text
    assert "Equality Advisory and Support Service (EASS)" in text
    assert "axe-core" in text
    assert "signed out after 25 minutes without activity" in text  # the known limit, as configured
    assert f"This statement was prepared on {STATEMENT_PREPARED:%-d %B %Y}." in text
