"""A synthetic force for scale tests and benchmarks: org units in a tree, people with ranks,
roles and line managers, modules, and an enrolment for every person on every module, with the
statuses and due dates of a deadline week (most done, a rush in progress, some overdue).

Deterministic for a given seed. Everything is written with ``bulk_create`` in batches.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from learning.models import Enrolment, ModuleIndexPage, ModulePage
from people.imports import update_rows
from people.models import OrgUnit, User

BATCH = 5000
RANKS = [("Police Constable", 70), ("Police Sergeant", 10), ("Inspector", 4), ("Police Staff (Band D)", 16)]
ROLES = ["Response", "Neighbourhood", "CID", "Custody", "Public Protection", "Support"]
# (status, share in %) on a deadline week.
STATUSES = [("complete", 58), ("passed", 5), ("in_progress", 14), ("not_started", 21), ("exempt", 2)]


@dataclass
class Force:
    units: int
    people: int
    modules: int
    enrolments: int


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in choices], weights=[weight for _, weight in choices])[0]


def make_units(count: int, prefix: str) -> list[OrgUnit]:
    """The force, ten business groups, and teams under them: ``count`` units in all. Returns
    the teams, where people work."""
    force = OrgUnit.add_root(code=f"{prefix}force", name="Synthetic Police Service")
    groups = [force.add_child(code=f"{prefix}group-{g}", name=f"Business group {g + 1}") for g in range(10)]
    teams = []
    for number in range(max(count - 11, 1)):
        group = OrgUnit.objects.get(pk=groups[number % 10].pk)  # read afresh: adding moves numchild
        teams.append(group.add_child(code=f"{prefix}team-{number}", name=f"Team {number + 1}"))
    return teams


def make_modules(count: int, prefix: str) -> list[ModulePage]:
    index = ModuleIndexPage.objects.first()
    if index is None:
        index = Page.get_first_root_node().add_child(instance=ModuleIndexPage(title="Training", slug="training"))
    modules = []
    for number in range(count):
        module = index.add_child(
            instance=ModulePage(
                title=f"Mandatory module {number + 1}", slug=f"{prefix}module-{number + 1}", summary="Synthetic."
            )
        )
        index.refresh_from_db()
        modules.append(module)
    return modules


def make_people(count: int, teams: list[OrgUnit], rng: random.Random, prefix: str) -> list[int]:
    """``count`` people spread over the teams; the first in each team line-manages the rest."""
    password = make_password(None)
    people = []
    for n in range(count):
        team = teams[n % len(teams)]
        people.append(
            User(
                username=f"{prefix}p{n}",
                warrant_number=f"{prefix.upper()}{n:07d}"[:20],
                first_name=f"Given{n}",
                last_name=f"Family{n}",
                email=f"{prefix}p{n}@force.example",
                rank=_weighted(rng, RANKS),
                role=rng.choice(ROLES),
                org_unit_id=team.pk,
                password=password,
                joined_on=timezone.localdate() - datetime.timedelta(days=rng.randint(30, 9000)),
            )
        )
    User.objects.bulk_create(people, batch_size=BATCH)
    ids = list(User.objects.filter(username__startswith=f"{prefix}p").order_by("pk").values_list("pk", "org_unit_id"))
    manager_of_team: dict[int, int] = {}
    reports = []
    for pk, unit_id in ids:
        if unit_id not in manager_of_team:
            manager_of_team[unit_id] = pk
        else:
            reports.append((pk, manager_of_team[unit_id]))
    update_rows(reports, ["line_manager_id"])
    return [pk for pk, _ in ids]


def make_enrolments(people: list[int], modules: list[ModulePage], rng: random.Random) -> int:
    today = timezone.localdate()
    now = timezone.now()
    created = 0
    batch = []
    for module in modules:
        for person in people:
            status = _weighted(rng, STATUSES)
            due = today + datetime.timedelta(days=rng.choice([rng.randint(-7, 7)] * 7 + [rng.randint(-40, 40)] * 3))
            batch.append(
                Enrolment(
                    user_id=person,
                    module_id=module.pk,
                    status=status,
                    due_date=due,
                    completed_at=now - datetime.timedelta(days=rng.randint(0, 30)) if status == "complete" else None,
                )
            )
            if len(batch) >= BATCH:
                Enrolment.objects.bulk_create(batch)
                created += len(batch)
                batch = []
    Enrolment.objects.bulk_create(batch)
    return created + len(batch)


@transaction.atomic
def generate_force(*, people: int, units: int, modules: int, seed: int = 408, prefix: str = "syn-") -> Force:
    rng = random.Random(seed)  # noqa: S311 (repeatable synthetic data, not secrets)
    teams = make_units(units, prefix)
    module_pages = make_modules(modules, prefix)
    person_ids = make_people(people, teams, rng, prefix)
    enrolments = make_enrolments(person_ids, module_pages, rng)
    return Force(units=len(teams) + 11, people=len(person_ids), modules=len(module_pages), enrolments=enrolments)
