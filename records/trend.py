"""Completion as it stood on a past day, and its weekly trend, rebuilt from the times the
records already keep.

Nothing stores yesterday's report, so "as at" works it out again from each enrolment's own
times (``started_at``, ``passed_at``, ``completed_at``, ``due_date``), its assignment's
``created_at``, the person's account (``date_joined``) and each exemption's ``created_at``.
As at the end of a day:

- **assigned**: each active person's latest cycle of each module that had opened by then. A
  first cycle opened once its assignment existed and the person had an account. A later cycle
  is known to have opened when it was started (a re-attestation cycle is started the moment it
  opens); one not yet started opened about ``RETAKE_WITHIN`` before its due date if it replaces
  a revoked certificate, or ``RECURRENCE_LEAD`` before it if it is a recurrence (the lead times
  ``learning.services`` opens them with);
- **complete**: completed by then; **exempt**: not complete, with an exemption made by then and
  in force that day (no end date, or ending that day or later);
- **in progress**: started or passed by then, neither complete nor exempt; **not started**: the rest;
- **overdue**: due before that day, neither complete nor exempt by then.

What it cannot rebuild (the page says so): people's org unit and rank are today's, people who
have left are not counted, a due date or an exemption's end date changed since counts as it is
now, and an exemption deleted since is forgotten.

Each day is one grouped query, so a report as at a day costs what today's does, and the
trend of N weeks N queries, whatever the number of people.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from learning.models import Enrolment, Exemption
from learning.services import RECURRENCE_LEAD, RETAKE_WITHIN
from people.models import OrgUnit

from .reports import COLUMNS, Row, rows_by_unit

STATUSES = ("complete", "in_progress", "not_started", "overdue", "exempt")
#: What the trend shows: each condition counted costs a pass over every enrolment, each week.
TREND_STATUSES = ("complete", "overdue", "exempt")
#: The trend's length unless HR asks for another, and the most it may ask for (two years).
DEFAULT_WEEKS = 12
MOST_WEEKS = 104


def end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` in local time: "by the end of the day" is before this."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def opened_by_q(day: datetime.date) -> Q:
    """The enrolments whose cycle had opened by the end of ``day`` (see the module docstring)."""
    end = end_of(day)
    first_cycle = Q(cycle=1, user__date_joined__lt=end) & (
        Q(assignment__isnull=True) | Q(assignment__created_at__lt=end)
    )
    not_started_later_cycle = Q(cycle__gt=1, started_at__isnull=True, completed_at__isnull=True)
    retake = not_started_later_cycle & Q(revoked_certificate__isnull=False, due_date__lte=day + RETAKE_WITHIN)
    recurrence = not_started_later_cycle & Q(revoked_certificate__isnull=True, due_date__lte=day + RECURRENCE_LEAD)
    return Q(started_at__lt=end) | Q(completed_at__lt=end) | first_cycle | retake | recurrence


def as_at_enrolments(day: datetime.date) -> QuerySet[Enrolment]:
    """Each active person's latest cycle of each module as it stood at the end of ``day``: the
    enrolments opened by then with no later cycle opened by then."""
    opened = opened_by_q(day)
    # Only a second or later cycle can be later than another (cycles count from 1): said
    # outright, so the database compares each enrolment with the few later cycles, not with
    # every enrolment in the force.
    later = Enrolment.objects.filter(
        opened, user=OuterRef("user"), module=OuterRef("module"), cycle__gt=OuterRef("cycle")
    ).filter(cycle__gt=1)
    return Enrolment.objects.filter(opened, user__is_active=True).exclude(Exists(later))


def status_as_at_q(status: str, day: datetime.date) -> Q:
    """The enrolments (of ``as_at_enrolments(day)``) in one of the reports' statuses as at the
    end of ``day``."""
    end = end_of(day)
    complete = Q(completed_at__lt=end)
    # The enrolments whose person had an exemption from the module made by then and still in
    # force that day (one ended since has given the enrolment back, so today's status cannot
    # say). Few people are exempt: the database works the set out once, then looks each row up.
    exempted = Enrolment.objects.filter(
        Exemption.in_force_q(on=day, prefix="user__exemptions__"),
        user__exemptions__module=F("module"),
        user__exemptions__created_at__lt=end,
    ).values("pk")
    exempt = ~complete & Q(pk__in=exempted)
    still_open = ~complete & ~exempt
    begun = Q(started_at__lt=end) | Q(passed_at__lt=end)
    return {
        "complete": complete,
        "in_progress": still_open & begun,
        "not_started": still_open & ~begun,
        "overdue": still_open & Q(due_date__lt=day),
        "exempt": exempt,
    }[status]


def counts_as_at(day: datetime.date, statuses=STATUSES) -> dict:
    """The aggregate for each report column (or each of ``statuses``) as at the end of ``day``."""
    return {"assigned": Count("pk"), **{s: Count("pk", filter=status_as_at_q(s, day)) for s in statuses}}


def rows_by_unit_as_at(enrolments: QuerySet[Enrolment], day: datetime.date, within: OrgUnit | None = None) -> list[Row]:
    """``rows_by_unit`` as at the end of ``day``: one row per org unit in tree order, each
    counting its own people and everyone below it (people in today's units). Three queries."""
    rows = rows_by_unit(Enrolment.objects.none(), within=within)  # the units, nothing counted
    by_pk = {row.key: row for row in rows}
    path_of = dict(OrgUnit.objects.filter(pk__in=by_pk).values_list("pk", "path"))
    pk_of = {unit_path: pk for pk, unit_path in path_of.items()}
    grouped = enrolments.order_by().values("user__org_unit_id").annotate(**counts_as_at(day))
    for numbers in grouped:
        unit_path = path_of.get(numbers["user__org_unit_id"])
        if unit_path is None:
            continue  # people with no unit, or outside ``within``
        for containing in OrgUnit.path_and_above(unit_path):
            if containing in pk_of:
                by_pk[pk_of[containing]].add(numbers)
    for row in rows:
        row.link = ""  # the people report lists today's statuses, not these
    return rows


def rows_by_as_at(enrolments: QuerySet[Enrolment], day: datetime.date, key: str, label: str) -> list[Row]:
    """``rows_by`` as at the end of ``day``: one row per value of ``key``, largest first."""
    grouped = enrolments.order_by().values(key, label).annotate(**counts_as_at(day)).order_by("-assigned", label)
    rows = []
    for numbers in grouped:
        row = Row(label=numbers[label] or "(none recorded)", key=numbers[key])
        row.add(numbers)
        rows.append(row)
    return rows


def week_ends(weeks: int, today: datetime.date | None = None) -> list[datetime.date]:
    """The last day of each of the last ``weeks`` weeks, oldest first, the latest being today
    (the week so far): today, a week before, and so on."""
    today = today or timezone.localdate()
    return [today - datetime.timedelta(weeks=back) for back in reversed(range(weeks))]


def completion_trend(
    weeks: int = DEFAULT_WEEKS,
    *,
    unit: OrgUnit | None = None,
    module=None,
    rank: str = "",
    today: datetime.date | None = None,
) -> list[Row]:
    """One row per week end (``week_ends``), oldest first, with the counts of the force (or of
    ``unit`` and every unit below it), of every module (or ``module``), as at the end of that
    day. One aggregate query per week, whatever the number of people."""
    rows = []
    for day in week_ends(weeks, today):
        enrolments = as_at_enrolments(day)
        if unit is not None:
            enrolments = enrolments.within(unit)
        if module is not None:
            enrolments = enrolments.filter(module=module)
        if rank:
            enrolments = enrolments.filter(user__rank=rank)
        row = Row(label=day.isoformat(), key=day)
        row.add({**dict.fromkeys(COLUMNS, 0), **enrolments.order_by().aggregate(**counts_as_at(day, TREND_STATUSES))})
        rows.append(row)
    return rows
