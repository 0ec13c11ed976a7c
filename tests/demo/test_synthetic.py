"""generate_force makes a consistent synthetic force (the scale benchmarks run on it)."""

from collections import Counter

from django.core.management import call_command

from learning.models import Enrolment
from people.models import OrgUnit, User


def test_generate_force_makes_people_units_modules_and_enrolments(db, capsys):
    call_command("generate_force", "--people", "120", "--units", "15", "--modules", "3")
    assert "Made 120 people in 15 org units, 3 modules and 360 enrolments" in capsys.readouterr().out
    people = User.objects.filter(username__startswith="syn-p")
    assert people.count() == 120 and OrgUnit.objects.filter(code__startswith="syn-").count() == 15
    assert people.filter(line_manager__isnull=False).count() == 120 - 4  # one manager per team
    managed = people.exclude(line_manager=None).select_related("line_manager")
    assert all(person.org_unit_id == person.line_manager.org_unit_id for person in managed)
    statuses = Counter(Enrolment.objects.values_list("status", flat=True))
    assert set(statuses) <= {"complete", "passed", "in_progress", "not_started", "exempt"}
    assert statuses["complete"] > statuses["not_started"] > 0
