"""The HR import's words: each change says from what to what, and the applied summary is a sentence."""

import pytest

from people import imports as people_import
from tests.helpers import sign_in_with_mfa
from tests.people.test_people_import import csv, person, upload


@pytest.mark.parametrize(
    ("counts", "words"),
    [
        ({"created": 6, "updated": 0, "deactivated": 0, "unchanged": 0}, "6 created"),
        ({"created": 6, "updated": 2, "deactivated": 0, "unchanged": 0}, "6 created and 2 updated"),
        ({"created": 0, "updated": 2, "deactivated": 0, "unchanged": 9}, "2 updated and 9 unchanged"),
        ({"created": 6, "updated": 2, "deactivated": 1, "unchanged": 0}, "6 created, 2 updated and 1 deactivated"),
        ({"created": 1200, "updated": 0, "deactivated": 0, "unchanged": 3}, "1,200 created and 3 unchanged"),
        ({"created": 0, "updated": 0, "deactivated": 0, "unchanged": 0}, "no rows"),
    ],
)
def test_the_counts_read_as_a_sentence(counts, words):
    assert people_import.sentence(counts) == words


def test_a_dry_run_says_what_each_value_changes_from_and_to(demo):
    report = people_import.check(
        csv(
            person(
                "MP100001",
                "Sam",
                "Taylor",
                email="officer@attest.example",
                rank="Police Sergeant",
                unit="met/frontline/cw-bcu",
                manager="",
            )
        )
    )
    assert report.ok, report.problems()
    changes = report.rows[0].changes
    assert "rank: Police Constable → Police Sergeant" in changes
    assert "org unit: met/frontline/cw-bcu/cw-response-a → met/frontline/cw-bcu" in changes
    assert "line manager: MP200001 → none" in changes


def test_an_unknown_unit_says_where_to_add_it(demo):
    report = people_import.check(csv(person("MP700001", unit="met/nowhere")))
    assert "add it under Org units in the Attest admin first" in report.rows[0].errors[0]


def test_the_applied_page_and_message_have_no_stray_punctuation(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    response = upload(client, csv(*(person(f"MP7000{n:02d}") for n in range(6))))
    applied = client.post(response.url.rstrip("/") + "/apply/", follow=True).content.decode()
    assert "Imported people.csv: 6 created." in applied
    assert ": 6 created." in applied and "created, ." not in applied
