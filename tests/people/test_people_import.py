"""People from the HR system's CSV: a dry run row by row, then all rows or none."""

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command

from people import imports as people_import
from people.models import User
from tests.helpers import sign_in_with_mfa

HEADER = "warrant_number,first_name,last_name,email,rank,role,org_unit_path,line_manager_number,active\n"
TEAM = "met/frontline/cw-bcu/cw-response-a"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


def person(
    number,
    first="Kim",
    last="Lee",
    *,
    email="",
    rank="Police Constable",
    role="Response",
    unit=TEAM,
    manager="MP200001",
    active="yes",
):
    email = email or f"{number.lower()}@attest.example"
    return f"{number},{first},{last},{email},{rank},{role},{unit},{manager},{active}"


def snapshot():
    return sorted(
        User.objects.values_list(
            "warrant_number",
            "first_name",
            "last_name",
            "email",
            "rank",
            "role",
            "org_unit_id",
            "line_manager_id",
            "is_active",
        ),
        key=str,
    )


def test_a_dry_run_reports_each_row_and_changes_nothing(demo):
    before = snapshot()
    data = csv(
        person("MP700001"),
        person("MP100001", "Sam", "Taylor", email="officer@attest.example", role="Response driver"),
        person("MP100002", "Priya", "Shah", email="reattest@attest.example", active="no"),
        person(
            "MP200001", "Alex", "Morgan", email="manager@attest.example", rank="Police Sergeant", manager="", role=""
        ),
    )
    report = people_import.check(data)
    assert report.ok
    assert [(row.line, row.warrant_number, row.action) for row in report.rows] == [
        (2, "MP700001", "created"),
        (3, "MP100001", "updated"),
        (4, "MP100002", "deactivated"),
        (5, "MP200001", "unchanged"),
    ]
    assert report.rows[1].changes == ["role: blank → Response driver"]
    assert snapshot() == before


def test_applying_creates_updates_and_deactivates(client, demo):
    client.force_login(demo["reattest"])
    assert Session.objects.count() == 1
    data = csv(
        person("MP700002", manager="MP700001"),
        person("mp700001", "Jo", "Khan", manager="MP200001"),
        person("MP100002", "Priya", "Shah", email="reattest@attest.example", active="no"),
    )
    report = people_import.apply(data)
    assert report.ok, report.problems()
    new = User.objects.get(warrant_number="MP700002")
    assert new.line_manager.warrant_number == "MP700001"
    assert new.line_manager.line_manager == demo["manager"]
    assert new.org_unit.code == "cw-response-a" and new.username == "mp700002" and not new.has_usable_password()
    assert new.joined_on is not None
    leaver = User.objects.get(warrant_number="MP100002")
    assert not leaver.is_active
    assert leaver.attestations.exists()  # kept, never deleted
    assert Session.objects.count() == 0  # signed out everywhere
    assert people_import.check(data).counts()["unchanged"] == 3  # applying again changes nothing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("café".encode("latin-1"), "not UTF-8"),
        (b"", "The file is empty"),
        (csv(person("MP1"), header=HEADER.replace(",active", "")), "missing column active"),
        (csv(person("MP1"), header=HEADER.replace("\n", ",notes\n")), "unexpected column notes"),
    ],
)
def test_a_file_that_cannot_be_read_is_explained(demo, data, message):
    before = snapshot()
    report = people_import.apply(data)
    assert not report.ok and message in report.file_error
    assert snapshot() == before


@pytest.mark.parametrize(
    ("rows", "line", "message"),
    [
        ([person("MP700001"), person("MP700001", "Other")], 3, "MP700001 is also on line 3"),
        ([person("MP700001", unit="met/nowhere")], 2, "org unit met/nowhere is not known"),
        ([person("MP700001", unit="cw-response-a")], 2, "did you mean met/frontline/cw-bcu/cw-response-a"),
        ([person("MP700001", manager="MP999999")], 2, "line manager MP999999 is not in the file or in Attest"),
        (
            [person("MP700001", manager="MP700002"), person("MP700002", manager="MP700001")],
            2,
            "line managers form a loop: MP700001 → MP700002 → MP700001",
        ),
        ([person("MP700001", manager="MP700001")], 2, "cannot be their own line manager"),
        ([person("MP700001", email="not-an-email")], 2, "is not an email address"),
        ([person("MP700001", email="officer@attest.example")], 2, "belongs to MP100001"),
        ([person("MP700001", active="maybe")], 2, "use yes or no"),
        ([person("MP700001", first="")], 2, "first name is missing"),
        ([person("MP 1")], 2, "not letters, digits and hyphens"),
        ([person("MP700001") + ",extra"], 2, "every row needs 9"),
    ],
)
def test_a_bad_row_is_reported_on_its_line_and_nothing_is_applied(demo, rows, line, message):
    before = snapshot()
    report = people_import.apply(csv(person("MP700099"), *rows))
    assert not report.ok
    (problem,) = [row for row in report.problems() if row.line == line + 1]  # + 1: the good row first
    assert any(message in error for error in problem.errors), problem.errors
    assert snapshot() == before  # the good row before it was not applied either


def test_a_management_cycle_through_people_already_in_attest_is_caught(demo):
    # The sergeant would report to the constable who reports to the sergeant.
    data = csv(
        person("MP200001", "Alex", "Morgan", email="manager@attest.example", rank="Police Sergeant", manager="MP100001")
    )
    (row,) = people_import.check(data).rows
    assert row.errors == ["line managers form a loop: MP200001 → MP100001 → MP200001"]


def test_the_command_dry_runs_and_applies(demo, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(csv(person("MP700001")))
    call_command("import_people", str(path), "--dry-run")
    assert "Would import 1 rows: 1 created." in capsys.readouterr().out
    assert not User.objects.filter(warrant_number="MP700001").exists()
    call_command("import_people", str(path))
    assert User.objects.filter(warrant_number="MP700001").exists()
    path.write_bytes(csv(person("MP700002", unit="met/nowhere")))
    with pytest.raises(CommandError, match="Nothing was imported: 1 rows have errors"):
        call_command("import_people", str(path))
    assert "line 2 (MP700002): org unit met/nowhere is not known" in capsys.readouterr().err


def upload(client, data: bytes, name="people.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/admin/people/import/", {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_hr_uploads_reads_the_report_and_applies_once(client, demo):
    from people.models import PeopleImport

    sign_in_with_mfa(client, demo["hr"])
    assert client.get("/admin/people/import/").status_code == 200
    response = upload(
        client,
        csv(person("MP700001"), person("MP100002", "Priya", "Shah", email="reattest@attest.example", active="no")),
    )
    record = PeopleImport.objects.get()
    assert response.url == f"/admin/people/import/{record.pk}/"
    page = client.get(response.url).content.decode()
    assert "Apply: import every row" in page and "Deactivated" in page and "MP700001" in page
    assert not User.objects.filter(warrant_number="MP700001").exists()

    client.post(f"/admin/people/import/{record.pk}/apply/")
    assert User.objects.get(warrant_number="MP700001").is_active
    record.refresh_from_db()
    assert record.applied_at and record.applied_summary["counts"]["created"] == 1
    again = client.post(f"/admin/people/import/{record.pk}/apply/", follow=True).content.decode()
    assert "was already applied" in again
    assert User.objects.filter(warrant_number="MP700001").count() == 1


def test_the_report_lists_each_bad_row_and_offers_no_apply(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    response = upload(client, csv(person("MP700001"), person("MP700002", unit="met/nowhere")))
    page = client.get(response.url).content.decode()
    assert "1 row cannot be imported, so nothing will be" in page
    assert "org unit met/nowhere is not known" in page
    assert "Apply: import every row" not in page
    forced = client.post(response.url + "apply/", follow=True).content.decode()
    assert "Nothing was imported" in forced
    assert not User.objects.filter(warrant_number="MP700001").exists()


def test_an_unreadable_file_is_explained(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    response = upload(client, "café".encode("latin-1"))
    assert "not UTF-8" in client.get(response.url).content.decode()


@pytest.mark.parametrize("username", ["officer", "manager", "trainer", "policyowner"])
def test_only_hr_imports_people(client, demo, username):
    from people.models import PeopleImport

    sign_in_with_mfa(client, demo[username])
    assert client.get("/admin/people/import/").status_code in (302, 403)
    upload(client, csv(person("MP700001")))
    assert not PeopleImport.objects.exists()
    assert not User.objects.filter(warrant_number="MP700001").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (csv(person("MP700001", first="x" * 200_000)), "cannot be read as CSV"),
        (HEADER.encode(), "has a header row but no people"),
    ],
)
def test_a_file_that_breaks_the_csv_reader_is_explained(demo, data, message):
    assert message in people_import.check(data).file_error


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (person("MP700001", email=("a" * 250) + "@x.example"), "email is longer than 254 characters"),
        (person("MP700001", first="Kim\x00"), "contains a NUL character"),
    ],
)
def test_values_the_database_would_refuse_are_reported(demo, row, message):
    (problem,) = people_import.check(csv(row)).problems()
    assert any(message in error for error in problem.errors), problem.errors


def test_a_line_manager_who_is_a_leaver_not_in_attest_is_reported(demo):
    report = people_import.check(csv(person("MP700001", manager="MP700002"), person("MP700002", active="no")))
    (problem,) = report.problems()
    assert problem.errors == ["line manager MP700002 is a leaver who is not in Attest"]
