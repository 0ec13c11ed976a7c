"""On PostgreSQL the database itself keeps a completion recorded by HR as it was written: an
UPDATE, DELETE or TRUNCATE is refused whoever connects, not only through the application."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import RecordedCompletion
from learning.services import record_completion
from people.factories import UserFactory

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def recorded(transactional_db, demo, settings, tmp_path):
    # Committed rows, as in production: PostgreSQL will not even try to TRUNCATE a table with
    # work pending in the same transaction, which would hide whether the trigger fired.
    settings.MEDIA_ROOT = tmp_path / "media"
    enrolment = EnrolmentFactory(module=ModulePageFactory())
    return record_completion(
        enrolment.user,
        enrolment.module,
        completed_on=datetime.date(2026, 1, 5),
        kind="classroom",
        description="Classroom session",
        evidence=SimpleUploadedFile("attendance.pdf", b"%PDF-1.4\n"),
        by=UserFactory(),
    )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE learning_recordedcompletion SET description = 'Changed'",
        "UPDATE learning_recordedcompletion SET evidence_sha256 = ''",
        "DELETE FROM learning_recordedcompletion",
        "TRUNCATE learning_recordedcompletion CASCADE",
    ],
)
def test_postgresql_refuses_to_change_or_delete_a_recorded_completion(recorded, sql):
    before = list(RecordedCompletion.objects.values_list("pk", "description", "evidence_sha256"))
    with pytest.raises(DatabaseError, match="pgtrigger: Cannot"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert list(RecordedCompletion.objects.values_list("pk", "description", "evidence_sha256")) == before
