"""On PostgreSQL, two workers sending the same owed grade at once send it once: the row is
claimed under a row lock before the platform is called."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from lti_tool.models import LtiDeployment

from lti.models import GradeReturn, Launch
from lti.services import send_grade_return
from people.factories import UserFactory

from .platform import SCORE_SCOPE, Platform

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_send_one_grade_once():
    platform = Platform().start()
    try:
        registration = platform.register()
        from django.test import Client

        platform.tool_jwks = Client().get("/lti/jwks/").json()
        launch = Launch.objects.create(
            registration=registration,
            deployment=LtiDeployment.objects.get(registration=registration),
            user=UserFactory(),
            module_id=1,
            resource_link_id="resource-link-1",
            sub="platform-user-42",
            lineitem_url=platform.url + "/lineitems/1",
            scopes=[SCORE_SCOPE],
        )
        owed = GradeReturn.objects.create(
            launch=launch,
            kind="score",
            source_id=1,
            score_given=80,
            activity_progress="Submitted",
            grading_progress="FullyGraded",
        )
        start = threading.Barrier(2)
        outcomes = []

        def worker():
            start.wait()
            try:
                outcomes.append(send_grade_return(owed.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes)[1] == "sent" and sorted(outcomes)[0] in ("not-due", "not-pending")
        assert len(platform.scores) == 1
        owed.refresh_from_db()
        assert owed.tries == 1 and owed.status == "sent"
    finally:
        platform.stop()
