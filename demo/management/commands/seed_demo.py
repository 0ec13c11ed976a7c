"""Create the demo force: org units, one account per role, the policy, the module and its assignment.

The module and its policy are loaded from ``content/contacting-the-public/`` (see
``learning.content``). The demo tells the re-attestation story: one officer passed the module
and attested to policy version 1.0; version 2.0 then took effect, so their dashboard asks them
to attest again.

Safe to run again. Content that exists is kept: pages and policy versions are created only
once, so a trainer's edits survive. The demo accounts are put back as described below,
password (DEMO_PASSWORD) included, so the printed logins always work. Each account whose role
requires MFA (access.mfa) gets an authenticator app with the published DEMO_TOTP_SECRET, and
recovery codes. Refuses to run unless the settings allow demo data (dev and test do;
production does not).
"""

from __future__ import annotations

import datetime
from urllib.parse import quote, urlencode

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
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
    WorkflowContentType,
    WorkflowPage,
    WorkflowTask,
)

from access.mfa import requires_mfa
from certificates.models import Attestation, PolicyDocument
from certificates.services import Context
from certificates.signing import ensure_demo_pair
from learning.content import ContentError, install_module, install_policy, load_module
from learning.models import Assignment, ModuleIndexPage, ModulePage
from learning.services import attest_to_module, begin_module, enrol_assignment, open_due_reattestation_cycles
from people.models import OrgUnit, User
from scenarios.services import answer_remaining

DEMO_MODULE = settings.BASE_DIR / "content" / "contacting-the-public"

# The authenticator app secret of every privileged demo account: published, like DEMO_PASSWORD,
# so anyone trying the demo can add it to an app (or run `manage.py demo_code <username>`).
DEMO_TOTP_SECRET = "ATTESTDEMOTOTPSECRETPUBLISHED234"  # noqa: S105


def demo_totp_uri() -> str:
    """The demo secret as an ``otpauth://`` URI, for an authenticator app to import."""
    query = urlencode({"secret": DEMO_TOTP_SECRET, "issuer": settings.MFA_TOTP_ISSUER}, quote_via=quote)
    return f"otpauth://totp/{quote(settings.MFA_TOTP_ISSUER)}:demo?{query}"


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
    ("reattest", "Priya", "Shah", "MP100002", "Police Constable", "cw-response-a", "manager", [], False),
    ("trainer", "Jo", "Patel", "ST300001", "Learning Designer (Band D)", "people", None, ["Trainers"], False),
    ("policyowner", "Chris", "Evans", "MP400001", "Detective Inspector", "dps", None, ["Policy owners"], False),
    ("hr", "Pat", "Lee", "ST500001", "HR Business Partner (Band C)", "people", None, ["HR"], False),
    ("reporting", "Robin", "Clark", "ST500002", "Performance Analyst (Band D)", "people", None, ["Reporting"], False),
    ("admin", "Attest", "Administrator", None, "", "people", None, [], True),
]

ROLES = [
    ("officer", "Officer: takes the module (assigned, due in 28 days)"),
    ("reattest", "Officer who attested to policy v1.0; v2.0 has taken effect, so they are asked to attest again"),
    ("manager", "Line manager of the officer; also assigned the module"),
    ("trainer", "Trainer: writes scenarios in the Wagtail admin, reads the policies, submits changes for approval"),
    ("policyowner", "Policy owner: approves scenario changes; manages policies"),
    (
        "hr",
        "HR: certificates in the Wagtail admin (revoke, ZIP download), anyone's transcript, people import, audit log",
    ),
    ("reporting", "Reporting: the completion reports in the Wagtail admin, and nothing else"),
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
        # Before any certificate is issued: its PDF is signed with the demo certificate, kept outside git.
        if ensure_demo_pair():
            self.stdout.write(f"Demo certificate signing key made in {settings.CERTIFICATE_DEMO_SIGNING_DIR}.")
        try:
            content = load_module(DEMO_MODULE)
        except ContentError as error:
            raise CommandError(f"The demo module's content is not valid: {error}") from error
        units = self._units()
        groups = self._groups()
        people = self._people(units, groups)
        with_app = self._authenticator_apps(people)
        # The first policy version only, so the returning officer can attest to it while it is in force.
        policy = install_policy(content.policy, through=content.policy.versions[0].label)
        module = install_module(content, self._index(), policy)
        self._page_permissions(groups, module.get_parent())
        self._approval_workflow(groups["Policy owners"], module.get_parent())
        self._assign(module, units["cw-response-a"], people["hr"])
        self._attested_to_first_version(people["reattest"], module, policy)
        install_policy(content.policy)  # then every later version takes effect
        open_due_reattestation_cycles()  # and v2.0, a material change, asks the returning officer again
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Demo logins (password: {settings.DEMO_PASSWORD}):")
        for username, role in ROLES:
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(
            f"{', '.join(with_app)} also need a code from an authenticator app at sign-in. Add\n"
            f"  {demo_totp_uri()}\n"
            "to one, or run `python manage.py demo_code <username>`."
        )

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
            ("Trainers", ["view_analytics", "view_policydocument"]),  # read the clauses they cite
            (
                "Policy owners",
                [
                    "add_policydocument",
                    "change_policydocument",
                    "publish_policydocument",
                    "view_policydocument",
                    "view_analytics",
                ],
            ),
            (
                "HR",
                [
                    "view_certificate",
                    "revoke_certificate",
                    "view_transcript",
                    "add_peopleimport",
                    "add_assignment",
                    "change_assignment",
                    "view_assignment",
                    "add_exemption",
                    "change_exemption",  # an exemption's end date
                    "view_exemption",
                    "add_recordedcompletion",  # training done elsewhere, with its evidence
                    "view_recordedcompletion",
                    "view_reports",
                    "view_auditevent",  # the audit log and its exports
                ],
            ),
            ("Reporting", ["view_reports"]),  # the completion reports and nothing else
        ]:
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.add(access_admin, *Permission.objects.filter(codename__in=codenames))
            groups[name] = group
        groups["Line managers"], _ = Group.objects.get_or_create(name="Line managers")
        groups["Line managers"].permissions.add(Permission.objects.get(codename="view_team"))
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
        # Policy changes go through the same approval before a new version is stored.
        policies, created = Workflow.objects.get_or_create(name="Policy approval")
        if created:
            WorkflowTask.objects.create(workflow=policies, task=task, sort_order=0)
        WorkflowContentType.objects.get_or_create(
            content_type=ContentType.objects.get_for_model(PolicyDocument), defaults={"workflow": policies}
        )

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

    def _authenticator_apps(self, people: dict[str, User]) -> list[str]:
        """Give each account whose role requires MFA one authenticator app, with the demo
        secret (replacing any other app set up on it since), and recovery codes. Returns
        their usernames."""
        with_app = []
        for username, person in people.items():
            if not requires_mfa(person):
                continue
            with_app.append(username)
            apps = Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP)
            if [decrypt(app.data["secret"]) for app in apps] != [DEMO_TOTP_SECRET]:
                apps.delete()
                TOTP.activate(person, DEMO_TOTP_SECRET)
            RecoveryCodes.activate(person)
        return with_app

    def _index(self) -> ModuleIndexPage:
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
        return index

    def _attested_to_first_version(self, person: User, module: ModulePage, policy: PolicyDocument) -> None:
        """The person passes the module with every answer right and attests to the version in
        force, through the same services an officer's browser uses. Done once: never when they
        have attested to this policy before, or when a later version is already in force."""
        version = policy.current_version()
        if version is None or Attestation.objects.filter(user=person, policy_version__document=policy).exists():
            return
        if version != policy.versions.order_by("effective_date", "pk").first():
            return
        answer_remaining(begin_module(person, module), lambda step: sorted(step.correct_ids))
        attest_to_module(
            person,
            module,
            person.get_full_name(),
            Context(user_agent="seed_demo"),
            shown_body_sha256=version.body_sha256,
        )

    def _root_page(self) -> Page:
        """Wagtail's migrations make the root page; a flushed database has none."""
        Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
        return Page.add_root(instance=Page(title="Root", slug="root"))

    def _assign(self, module: ModulePage, unit: OrgUnit, assigned_by: User) -> None:
        assignment = Assignment.objects.filter(module=module, org_units=unit).first()
        if assignment is None:
            assignment = Assignment.objects.create(
                module=module,
                due_date=timezone.localdate() + datetime.timedelta(days=28),
                created_by=assigned_by,
            )
            assignment.org_units.add(unit)
        enrol_assignment(assignment)
