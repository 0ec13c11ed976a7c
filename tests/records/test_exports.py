"""Every export HR and the Reporting group download is formula-safe and audited: a name that a
spreadsheet would run (``=HYPERLINK(...)``) comes out as text, in CSV and in XLSX, and each
download leaves an export event in the audit log."""

import csv
import io
import zipfile

import pytest

from access.models import AuditEvent
from certificates.models import Certificate
from certificates.services import Context
from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.services import attest_to_module, begin_module
from people.factories import OrgUnitFactory, UserFactory
from people.models import OrgUnit
from scenarios.services import answer_remaining
from tests.helpers import FORMULA_NAME, assert_formula_safe, csv_cells, sign_in_with_mfa, xlsx_cells

CELLS = {"csv": csv_cells, "xlsx": xlsx_cells}


@pytest.fixture
def hr(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    return client


def download(client, url: str, export_format: str, **filters) -> list[list]:
    response = client.get(url, {**filters, "export": export_format})
    assert response.status_code == 200
    rows = CELLS[export_format](response)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, details__format=export_format).exists()
    return rows


def certificate_for(person, module) -> Certificate:
    """``person`` passes ``module`` and attests, through the services (no pages)."""
    EnrolmentFactory(user=person, module=module)
    answer_remaining(begin_module(person, module), lambda step: sorted(step.correct_ids))
    version = module.policy_document.current_version()
    outcome = attest_to_module(
        person, module, person.get_full_name(), Context(user_agent="test"), shown_body_sha256=version.body_sha256
    )
    return outcome.certificate


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_unit_report_export_is_formula_safe(hr, demo, export_format):
    OrgUnitFactory(name=FORMULA_NAME, parent=OrgUnit.objects.get(code="met"))
    assert_formula_safe(download(hr, "/admin/reports/completion/by-unit/", export_format))


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_module_report_export_is_formula_safe(hr, demo, export_format):
    EnrolmentFactory(module=ModulePageFactory(title=FORMULA_NAME))
    assert_formula_safe(download(hr, "/admin/reports/completion/by-module/", export_format))


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_rank_report_export_is_formula_safe(hr, demo, export_format):
    EnrolmentFactory(user=UserFactory(rank=FORMULA_NAME), module=demo["module"])
    assert_formula_safe(download(hr, "/admin/reports/completion/by-rank/", export_format))


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_people_report_export_is_formula_safe(hr, demo, export_format):
    EnrolmentFactory(user=UserFactory(first_name=FORMULA_NAME, last_name="+Smith"), module=demo["module"])
    rows = download(hr, "/admin/reports/completion/people/", export_format)
    assert_formula_safe(rows)
    assert "'+Smith" in [cell for row in rows for cell in row]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_certificates_export_is_formula_safe(hr, demo, export_format):
    certificate = certificate_for(
        UserFactory(first_name=FORMULA_NAME, org_unit=demo["officer"].org_unit), demo["module"]
    )
    assert certificate.holder_name.startswith(FORMULA_NAME)
    rows = download(hr, "/admin/certificates/", export_format)
    assert rows[0][:2] == ["Serial", "Holder"]
    assert_formula_safe(rows)


def test_the_certificate_zips_manifest_is_formula_safe(hr, demo):
    certificate_for(UserFactory(first_name=FORMULA_NAME, org_unit=demo["officer"].org_unit), demo["module"])
    response = hr.get("/admin/certificates/zip/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = archive.read("manifest.csv").decode()
    assert_formula_safe(list(csv.reader(io.StringIO(manifest))))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, verb="certificates ZIP").exists()
