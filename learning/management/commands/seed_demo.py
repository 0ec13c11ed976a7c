"""Create the demo force: org units, one account per role, the policy, the module and its assignment.

Safe to run again. Content that exists is kept: the module and its scenarios are created
only once, so a trainer's edits survive. The six demo accounts are put back as described
below, password (DEMO_PASSWORD) included, so the printed logins always work. Refuses to run
unless the settings allow demo data (dev and test do; production does not).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from certificates.models import PolicyDocument, PolicyVersion
from learning import demo_content
from learning.models import Assignment, ModuleIndexPage, ModulePage, OrgUnit, User
from learning.services import enrol_assignment
from scenarios.models import ScenarioPage

UNITS = [
    # (code, name, parent code)
    ("met", "Metropolitan Police Service", None),
    ("frontline", "Frontline Policing", "met"),
    ("cw-bcu", "Central West BCU", "frontline"),
    ("cw-response-a", "Central West Response Team A", "cw-bcu"),
    ("dps", "Directorate of Professional Standards", "met"),
    ("people", "People and Training", "met"),
]

PEOPLE = [
    # username, first, last, warrant number, rank, unit, line manager, groups, superuser
    ("manager", "Alex", "Morgan", "MP200001", "Police Sergeant", "cw-response-a", None, ["Line managers"], False),
    ("officer", "Sam", "Taylor", "MP100001", "Police Constable", "cw-response-a", "manager", [], False),
    ("trainer", "Jo", "Patel", "ST300001", "Learning Designer (Band D)", "people", None, ["Trainers"], False),
    ("policyowner", "Chris", "Evans", "MP400001", "Detective Inspector", "dps", None, ["Policy owners"], False),
    ("hr", "Pat", "Lee", "ST500001", "HR Business Partner (Band C)", "people", None, ["HR"], False),
    ("admin", "Attest", "Administrator", None, "", "people", None, [], True),
]

ROLES = [
    ("officer", "Officer: takes the module (assigned, due in 28 days)"),
    ("manager", "Line manager of the officer; also assigned the module"),
    ("trainer", "Trainer: writes scenarios in the Wagtail admin and submits them for approval"),
    ("policyowner", "Policy owner: approves scenario changes; manages policies"),
    ("hr", "HR: Wagtail admin access (completion reports come next)"),
    ("admin", "Administrator: everything"),
]


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is only for development and test settings: it creates accounts with a published password."
            )
        units = self._units()
        groups = self._groups()
        people = self._people(units, groups)
        policy = self._policy()
        module = self._module(policy)
        self._page_permissions(groups, module.get_parent())
        self._approval_workflow(groups["Policy owners"], module.get_parent())
        self._assign(module, units["cw-response-a"], people["hr"])
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password: {settings.DEMO_PASSWORD}):")
        for username, role in ROLES:
            self.stdout.write(f"  {username:<12} {role}")

    def _units(self) -> dict[str, OrgUnit]:
        units: dict[str, OrgUnit] = {}
        for code, name, parent_code in UNITS:
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None:
                if parent_code is None:
                    unit = OrgUnit.add_root(code=code, name=name)
                else:
                    unit = units[parent_code].add_child(code=code, name=name)
                    units[parent_code].refresh_from_db()
            units[code] = unit
        return units

    def _groups(self) -> dict[str, Group]:
        access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        groups = {}
        for name, codenames in [
            ("Trainers", ["view_analytics"]),
            ("Policy owners", ["add_policydocument", "change_policydocument", "view_policydocument", "view_analytics"]),
            ("HR", []),
        ]:
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.add(access_admin, *Permission.objects.filter(codename__in=codenames))
            groups[name] = group
        groups["Line managers"], _ = Group.objects.get_or_create(name="Line managers")
        return groups

    def _page_permissions(self, groups: dict[str, Group], index: Page) -> None:
        grants = {"Trainers": ["add_page", "change_page"], "Policy owners": ["add_page", "change_page", "publish_page"]}
        for group_name, codenames in grants.items():
            for permission in Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=codenames):
                GroupPagePermission.objects.get_or_create(group=groups[group_name], page=index, permission=permission)

    def _approval_workflow(self, approvers: Group, index: Page) -> None:
        """Trainers submit module and scenario changes; a policy owner approves before they go live."""
        task, created = GroupApprovalTask.objects.get_or_create(name="Policy owner approval")
        if created:
            task.groups.set([approvers])
        workflow, created = Workflow.objects.get_or_create(name="Scenario approval")
        if created:
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.get_or_create(page=index, defaults={"workflow": workflow})

    def _people(self, units, groups) -> dict[str, User]:
        people: dict[str, User] = {}
        for username, first, last, number, rank, unit, manager, group_names, superuser in PEOPLE:
            person, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@attest.example",
                    "warrant_number": number,
                    "rank": rank,
                    "org_unit": units[unit],
                    "line_manager": people.get(manager) if manager else None,
                    "is_superuser": superuser,
                    "is_staff": superuser,
                    "is_active": True,
                },
            )
            person.set_password(settings.DEMO_PASSWORD)
            person.save()
            person.groups.set([groups[name] for name in group_names])
            people[username] = person
        return people

    def _policy(self) -> PolicyDocument:
        document, _ = PolicyDocument.objects.get_or_create(
            reference=demo_content.POLICY["reference"],
            defaults={"title": demo_content.POLICY["title"], "owner": demo_content.POLICY["owner"]},
        )
        for version in demo_content.VERSIONS:
            PolicyVersion.objects.get_or_create(
                document=document,
                version_label=version["version_label"],
                defaults={
                    "effective_date": datetime.date.fromisoformat(version["effective_date"]),
                    "body": version["body"],
                    "statement": version["statement"],
                },
            )
        return document

    def _module(self, policy: PolicyDocument) -> ModulePage:
        index = ModuleIndexPage.objects.first()
        if index is None:
            root = Page.get_first_root_node() or self._root_page()
            index = root.add_child(instance=ModuleIndexPage(title="Training", slug="training"))
            site = Site.objects.filter(is_default_site=True).first()
            old_home = site.root_page if site else None
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={"hostname": "localhost", "port": 80, "root_page": index, "site_name": "Attest"},
            )
            if old_home and old_home.specific_class is Page:
                old_home.delete()  # Wagtail's placeholder welcome page
        module = ModulePage.objects.filter(slug=demo_content.MODULE["slug"]).first()
        if module is not None:
            return module  # trainers may have changed it since: leave it as it is
        module = index.add_child(
            instance=ModulePage(**demo_content.MODULE, policy_document=policy, certificate_validity_months=12)
        )
        module.save_revision().publish()
        for scenario in demo_content.SCENARIOS:
            page = module.add_child(instance=ScenarioPage(**scenario))
            page.save_revision().publish()
        return module

    def _root_page(self) -> Page:
        """Wagtail's migrations make the root page; a flushed database has none."""
        Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        return Page.add_root(instance=Page(title="Root", slug="root"))

    def _assign(self, module: ModulePage, unit: OrgUnit, assigned_by: User) -> None:
        assignment = Assignment.objects.filter(module=module, org_unit=unit).first()
        if assignment is None:
            assignment = Assignment.objects.create(
                module=module,
                org_unit=unit,
                due_date=timezone.localdate() + datetime.timedelta(days=28),
                created_by=assigned_by,
            )
        enrol_assignment(assignment)
