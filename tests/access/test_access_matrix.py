"""The access-control matrix: every URL pattern the site serves, who may open it, and proof that
everyone else is refused.

``ACCESS`` is the promise, one row per route. A key is a full route string as Django builds it
(``admin/pages/<int:page_id>/edit/``), or a prefix ending in ``*`` for the hundreds of routes
Wagtail and allauth bring (``admin/users/*``); the longest matching key decides, and an exact key
beats any prefix. Every route of the project's own (our views, and Wagtail viewsets on our models)
needs an exact key, so a new page cannot slip in under a generic prefix. When a test here fails
because a route is missing, decide who may open it and add a row; do not widen a prefix.

Then each role (and someone not signed in) opens every route, with real objects from the demo data
in its path: Sam Taylor's attempt, certificate and transcript, the module, the policy.

- refused is a redirect to the sign-in page, a 403, a 404, or Wagtail's redirect to the admin
  dashboard with "you do not have permission";
- anything else (200, a redirect elsewhere, 400, 405...) is let in.

A role outside a row's set must be refused. A role inside it must be let in; on Wagtail's and
allauth's own routes (``generic``), opened with placeholder objects, a 404 is no proof of a refusal,
so there it need only not be sent to sign in or told it has no permission. A route that answers
GET with 405 takes POST only: a refused role then sends an empty POST, so the check is still made
(a role let in only ever sends GET, so nothing is changed or destroyed on its behalf). Nobody ever
gets a 500.
"""

from __future__ import annotations

import datetime
import inspect
import io
import re
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import hypothesis
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from hypothesis import strategies as st
from wagtail.documents.models import Document
from wagtail.models import Collection, Site, Task, Workflow

import config.urls
from access.middleware import LONGEST_SEGMENT
from access.models import AuditEvent
from certificates.services import Context
from learning.factories import EnrolmentFactory
from learning.models import Assignment, ModulePage
from learning.services import attest_to_module, begin_module, exempt, record_completion
from people.factories import UserFactory
from people.models import OrgUnit, PeopleImport, User
from scenarios.models import ScenarioPage
from scenarios.services import answer_remaining
from tests.helpers import sign_in_with_mfa

# Who -------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, "officer", "manager", "trainer", "policyowner", "hr", "reporting", "admin")

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
ADMIN_USERS = frozenset({"trainer", "policyowner", "hr", "reporting", "admin"})  # wagtailadmin.access_admin
EDITORS = frozenset({"trainer", "policyowner", "admin"})  # page permissions on the training index
PUBLISHERS = frozenset({"policyowner", "admin"})  # publish pages; change and publish policies
POLICY_READERS = EDITORS  # view_policydocument: trainers read the clauses they cite
HR = frozenset({"hr", "admin"})
REPORT_READERS = frozenset({"hr", "reporting", "admin"})  # learning.view_reports
ANALYSTS = EDITORS  # scenarios.view_analytics
ADMIN = frozenset({"admin"})
NOBODY = frozenset()
# Sam Taylor's own record: Sam, his line manager, HR, and the administrator (a superuser).
SAMS_RECORD = frozenset({"officer", "manager", "hr", "admin"})
SAMS_ATTEMPT = frozenset({"officer"})  # an attempt is its officer's alone
ENROLLED = frozenset({"officer", "manager"})  # assigned the module (their unit is)


@dataclass(frozen=True)
class Rule:
    allowed: frozenset
    generic: bool = False  # Wagtail's or allauth's own view: a 404 for an allowed role proves nothing
    post: bool = False  # the view checks only what is sent: refused roles are tested with an empty POST
    one_sign_in: bool = False  # a second sign-in (or reset) form: must send everyone to allauth's, or not exist
    crashes: bool = False  # raises on purpose for those allowed (Wagtail's error-page test)


def ours(allowed, **options) -> Rule:
    return Rule(frozenset(allowed), **options)


def theirs(allowed, **options) -> Rule:
    return Rule(frozenset(allowed), generic=True, **options)


ONE_SIGN_IN = Rule(NOBODY, generic=True, one_sign_in=True)

POLICY = "admin/snippets/certificates/policydocument/"
CHOOSE_POLICY = "admin/snippets/choose/certificates/policydocument/"

ACCESS: dict[str, Rule] = {
    # The Wagtail admin: anyone with wagtailadmin.access_admin reaches it; each view checks more.
    "admin/login/": ONE_SIGN_IN,  # ours: sends everyone to allauth's sign-in (rate limits, MFA)
    "admin/": theirs(ADMIN_USERS),
    "admin/test404/": theirs(ADMIN_USERS),
    "admin/api/*": theirs(ADMIN_USERS),  # the explorer's API: each item filtered by permission
    "admin/failwhale/": theirs(ADMIN_USERS, crashes=True),
    "admin/pages/*": theirs(EDITORS),
    # Wagtail lists the parents the person may add such a page under: none for HR and Reporting.
    "admin/pages/create/*": theirs(ADMIN_USERS),
    "admin/pages/<int:page_id>/delete/": theirs(ADMIN),  # nobody else may delete pages
    "admin/pages/<int:page_id>/unpublish/": theirs(PUBLISHERS),
    "admin/pages/<int:page_id>/privacy/": theirs(PUBLISHERS),
    "admin/pages/<int:page_id>/lock/": theirs(ADMIN),
    "admin/pages/<int:page_id>/unlock/": theirs(ADMIN),
    "admin/pages/<int:page_id>/revisions/": theirs(ADMIN_USERS),  # only redirects to history/, which checks
    "admin/pages/<int:page_id>/revisions/<int:revision_id>/unschedule/": theirs(PUBLISHERS),
    "admin/pages/<int:page_to_move_id>/move/": theirs(PUBLISHERS),
    # The confirmation page shows two titles; Wagtail checks the move itself when it is sent.
    "admin/pages/<int:page_to_move_id>/move/<int:destination_id>/confirm/": theirs(PUBLISHERS, post=True),
    "admin/pages/<int:page_to_move_id>/set_position/": theirs(PUBLISHERS),
    # A scenario awaits a policy owner's approval: only approvers act on it or preview it.
    "admin/pages/workflow/*": theirs(PUBLISHERS),
    # Answers {"step": "no_confirmation_needed"} or asks to confirm: no content, no change.
    "admin/pages/workflow/confirm_cancellation/*": theirs(ADMIN_USERS),
    "admin/bulk/*": theirs(ADMIN_USERS),  # each object is checked by the action
    "admin/choose-*": theirs(ADMIN_USERS),  # Wagtail's choosers: titles only, for any admin user
    "admin/tag-autocomplete/*": theirs(ADMIN_USERS),
    "admin/collections/*": theirs(ADMIN),
    "admin/workflows/*": theirs(ADMIN),
    "admin/workflows/task_chooser/*": theirs(ADMIN_USERS),  # task names; creating one needs add_task
    "admin/reports/locked/*": theirs(ADMIN),
    "admin/reports/workflow/*": theirs(EDITORS),
    "admin/reports/workflow_tasks/*": theirs(EDITORS),
    "admin/reports/site-history/*": theirs(ADMIN_USERS),  # each sees the history of what they may see
    "admin/reports/aging-pages/*": theirs(EDITORS),
    "admin/reports/page-types-usage/*": theirs(EDITORS),
    "admin/account/": theirs(ADMIN_USERS),
    "admin/logout/": theirs(ADMIN_USERS),
    "admin/dismissibles/": theirs(ADMIN_USERS),
    "admin/editing-sessions/*": theirs(EDITORS),
    "admin/editing-sessions/release/*": theirs(ADMIN_USERS),  # ends only the person's own editing session
    "admin/block-preview/": theirs(ADMIN_USERS),
    # Our admin pages.
    "admin/audit/": ours(HR),
    "admin/audit/results/": ours(HR),
    "admin/certificates/": ours(HR),
    "admin/certificates/results/": ours(HR),
    "admin/certificates/zip/": ours(HR),
    "admin/certificates/<str:serial>/revoke/": ours(HR),
    "admin/people/import/": ours(HR),
    # People and org units (HR and administrators); the person chooser is the staff directory.
    "admin/people/": ours(HR),
    "admin/people/results/": ours(HR),
    "admin/people/<int:pk>/": ours(HR),
    "admin/people/<int:pk>/edit/": ours(HR),
    "admin/people/choose/": ours(HR),
    "admin/people/choose/results/": ours(HR),
    "admin/people/choose/chosen/<str:pk>/": ours(HR),
    "admin/people/choose/chosen-multiple/": ours(HR),
    "admin/org-units/": ours(HR),
    "admin/org-units/add/": ours(HR),
    "admin/org-units/<int:pk>/rename/": ours(HR),
    "admin/org-units/<int:pk>/move/": ours(HR),
    "admin/org-units/<int:pk>/close/": ours(HR),
    # The org unit chooser: unit names and codes, for any admin user, like Wagtail's own choosers.
    "admin/org-units/choose/": ours(ADMIN_USERS),
    "admin/org-units/choose/results/": ours(ADMIN_USERS),
    "admin/org-units/choose/chosen/<str:pk>/": ours(ADMIN_USERS),
    "admin/org-units/choose/chosen-multiple/": ours(ADMIN_USERS),
    # Scenario feedback citing a policy version no longer in force, for trainers.
    "admin/reports/scenario-citations/": ours(ANALYSTS),
    "admin/reports/scenario-citations/results/": ours(ANALYSTS),
    "admin/people/import/<int:pk>/": ours(HR),
    "admin/people/import/<int:pk>/apply/": ours(HR),
    "admin/reports/completion/by-unit/": ours(REPORT_READERS),
    "admin/reports/completion/by-unit/results/": ours(REPORT_READERS),
    "admin/reports/completion/by-module/": ours(REPORT_READERS),
    "admin/reports/completion/by-module/results/": ours(REPORT_READERS),
    "admin/reports/completion/by-rank/": ours(REPORT_READERS),
    "admin/reports/completion/by-rank/results/": ours(REPORT_READERS),
    "admin/reports/completion/people/": ours(REPORT_READERS),
    "admin/reports/completion/people/results/": ours(REPORT_READERS),
    # Completion over time, and each reporting user's saved reports (records/trend_reports.py, records/saved.py).
    "admin/reports/completion/as-at/by-unit/": ours(REPORT_READERS),
    "admin/reports/completion/as-at/by-unit/results/": ours(REPORT_READERS),
    "admin/reports/completion/as-at/by-module/": ours(REPORT_READERS),
    "admin/reports/completion/as-at/by-module/results/": ours(REPORT_READERS),
    "admin/reports/completion/trend/": ours(REPORT_READERS),
    "admin/reports/completion/trend/results/": ours(REPORT_READERS),
    "admin/reports/saved/": ours(REPORT_READERS),
    "admin/reports/saved/save/": ours(REPORT_READERS),
    "admin/reports/saved/<int:pk>/schedule/": ours(REPORT_READERS),
    "admin/reports/saved/<int:pk>/delete/": ours(REPORT_READERS),
    "admin/scenarios/<int:page_id>/map/": ours(EDITORS),
    "admin/reports/scenario-steps/": ours(ANALYSTS),
    "admin/reports/scenario-steps/results/": ours(ANALYSTS),
    # Policies (a snippet with drafts, workflow and locking).
    POLICY: ours(POLICY_READERS),
    f"{POLICY}results/": ours(POLICY_READERS),
    f"{POLICY}inspect/<int:pk>/": ours(POLICY_READERS),
    f"{POLICY}add/": ours(PUBLISHERS),
    f"{POLICY}edit/<int:pk>/": ours(PUBLISHERS),
    f"{POLICY}delete/<int:pk>/": ours(ADMIN),  # policy versions are evidence: nobody else deletes
    f"{POLICY}usage/<int:pk>/": ours(PUBLISHERS),
    f"{POLICY}history/<int:pk>/": ours(PUBLISHERS),
    f"{POLICY}history-results/<int:pk>/": ours(PUBLISHERS),
    f"{POLICY}copy/<int:pk>/": ours(PUBLISHERS),
    # The demo policy has no draft revision: these two are reached with one that is not there.
    f"{POLICY}history/<int:pk>/revisions/<int:revision_id>/revert/": ours(PUBLISHERS, generic=True),
    f"{POLICY}history/(?P<pk>.+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)"
    "\\.\\.\\.(?P<revision_id_b>live|latest|\\d+)/$": ours(PUBLISHERS, generic=True),
    f"{POLICY}history/<int:pk>/revisions/<int:revision_id>/unschedule/": ours(PUBLISHERS, generic=True),
    f"{POLICY}unpublish/<int:pk>/": ours(PUBLISHERS),
    f"{POLICY}lock/<int:pk>/": ours(ADMIN),
    f"{POLICY}unlock/<int:pk>/": ours(ADMIN),
    # No workflow is in progress in the demo: these are reached with a task state that is not there.
    f"{POLICY}workflow/action/<int:pk>/<slug:action_name>/<int:task_state_id>/": ours(PUBLISHERS, generic=True),
    f"{POLICY}workflow/collect_action_data/<int:pk>/<slug:action_name>/<int:task_state_id>/": ours(
        PUBLISHERS, generic=True
    ),
    f"{POLICY}workflow/confirm_cancellation/<int:pk>/": ours(ADMIN_USERS),  # as for pages, above
    f"{POLICY}workflow_history/<int:pk>/": ours(PUBLISHERS),
    f"{POLICY}workflow_history/<int:pk>/detail/<int:workflow_state_id>/": ours(PUBLISHERS, generic=True),
    CHOOSE_POLICY: ours(ADMIN_USERS),  # the chooser: policy titles, as officers see on /policies/
    f"{CHOOSE_POLICY}results/": ours(ADMIN_USERS),
    f"{CHOOSE_POLICY}chosen/<str:pk>/": ours(ADMIN_USERS),
    f"{CHOOSE_POLICY}chosen-multiple/": ours(ADMIN_USERS),
    f"{CHOOSE_POLICY}create/": ours(PUBLISHERS),
    # Assignments (HR assigns; only an administrator deletes) and exemptions (HR records one and
    # changes its reason or end date; only an administrator lifts one).
    "admin/assignments/": ours(HR),
    "admin/assignments/results/": ours(HR),
    "admin/assignments/new/": ours(HR),
    "admin/assignments/edit/<int:pk>/": ours(HR),
    "admin/assignments/delete/<int:pk>/": ours(ADMIN),
    "admin/assignments/history/<int:pk>/": ours(HR),
    "admin/assignments/history-results/<int:pk>/": ours(HR),
    "admin/assignments/usage/<int:pk>/": ours(HR),
    "admin/assignments/copy/<int:pk>/": ours(HR),
    "admin/exemptions/": ours(HR),
    "admin/exemptions/results/": ours(HR),
    "admin/exemptions/new/": ours(HR),
    "admin/exemptions/edit/<int:pk>/": ours(HR),  # its reason and end date
    "admin/exemptions/delete/<int:pk>/": ours(ADMIN),
    "admin/exemptions/history/<int:pk>/": ours(HR),
    "admin/exemptions/history-results/<int:pk>/": ours(HR),
    "admin/exemptions/usage/<int:pk>/": ours(HR),
    "admin/exemptions/copy/<int:pk>/": ours(HR),
    # Completions HR records for training done elsewhere, and their evidence (HR's alone).
    "admin/recorded-completions/": ours(HR),
    "admin/recorded-completions/results/": ours(HR),
    "admin/recorded-completions/new/": ours(HR),
    "admin/recorded-completions/<int:pk>/evidence/": ours(HR),
    "admin/recorded-completions/<int:pk>/withdraw/": ours(HR),  # a new record saying so
    # Statements waiting for the learning record store, and their retry (administrators' alone).
    "admin/xapi-statements/": ours(ADMIN),
    "admin/xapi-statements/results/": ours(ADMIN),
    "admin/xapi-statements/<int:pk>/": ours(ADMIN, generic=True),  # no statement with the LRS off: a 404
    # Learning platforms (LTI 1.3): administrators register them; HR links platform accounts. The
    # demo has no registration, deployment or link: an object's page is a 404, hence generic.
    "admin/lti-registrations/": ours(ADMIN),
    "admin/lti-registrations/results/": ours(ADMIN),
    "admin/lti-registrations/new/": ours(ADMIN),
    "admin/lti-registrations/edit/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-registrations/delete/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-registrations/history/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-registrations/history-results/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-registrations/usage/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-registrations/copy/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-deployments/": ours(ADMIN),
    "admin/lti-deployments/results/": ours(ADMIN),
    "admin/lti-deployments/new/": ours(ADMIN),
    "admin/lti-deployments/edit/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-deployments/delete/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-deployments/history/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-deployments/history-results/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-deployments/usage/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-deployments/copy/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-platform-rules/": ours(ADMIN),
    "admin/lti-platform-rules/results/": ours(ADMIN),
    "admin/lti-platform-rules/new/": ours(ADMIN),
    "admin/lti-platform-rules/edit/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-platform-rules/delete/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-platform-rules/history/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-platform-rules/history-results/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-platform-rules/usage/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-platform-rules/copy/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-account-links/": ours(HR),
    "admin/lti-account-links/results/": ours(HR),
    "admin/lti-account-links/new/": ours(HR),
    "admin/lti-account-links/edit/<int:pk>/": ours(HR, generic=True),
    "admin/lti-account-links/delete/<int:pk>/": ours(HR, generic=True),
    "admin/lti-account-links/history/<int:pk>/": ours(HR, generic=True),
    "admin/lti-account-links/history-results/<int:pk>/": ours(HR, generic=True),
    "admin/lti-account-links/usage/<int:pk>/": ours(HR, generic=True),
    "admin/lti-account-links/copy/<int:pk>/": ours(HR, generic=True),
    # Grades owed to platforms: administrators see and retry them; nobody adds or edits one.
    "admin/lti-grade-returns/": ours(ADMIN),
    "admin/lti-grade-returns/results/": ours(ADMIN),
    "admin/lti-grade-returns/new/": ours(NOBODY),
    "admin/lti-grade-returns/inspect/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-grade-returns/retry/<int:pk>/": ours(ADMIN, generic=True),  # POST only
    "admin/lti-grade-returns/edit/<int:pk>/": ours(NOBODY),
    "admin/lti-grade-returns/delete/<int:pk>/": ours(NOBODY, generic=True),  # Wagtail looks it up first: a 404
    "admin/lti-grade-returns/copy/<int:pk>/": ours(NOBODY),
    "admin/lti-grade-returns/history/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-grade-returns/history-results/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-grade-returns/usage/<int:pk>/": ours(ADMIN, generic=True),
    # Attest's signing keys: administrators retire one; manage.py rotate_keys makes them.
    "admin/lti-keys/": ours(ADMIN),
    "admin/lti-keys/results/": ours(ADMIN),
    "admin/lti-keys/new/": ours(NOBODY),
    "admin/lti-keys/edit/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-keys/delete/<int:pk>/": ours(NOBODY, generic=True),  # Wagtail looks it up first: a 404
    "admin/lti-keys/copy/<int:pk>/": ours(NOBODY),
    "admin/lti-keys/history/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-keys/history-results/<int:pk>/": ours(ADMIN, generic=True),
    "admin/lti-keys/usage/<int:pk>/": ours(ADMIN, generic=True),
    # Wagtail's other apps.
    "admin/forms/*": theirs(EDITORS),
    "admin/forms/submissions/*": theirs(NOBODY),  # Attest has no form pages: Wagtail refuses any page
    "admin/redirects/*": theirs(ADMIN),
    "admin/settings/*": theirs(ADMIN),
    # Every snippet has its own menu item, so the snippets index has nothing to list, for anyone.
    "admin/snippets/": theirs(NOBODY),
    "admin/documents/*": theirs(ADMIN),  # nobody else has a collection permission
    "admin/documents/chooser/*": theirs(ADMIN_USERS),  # lists what they may choose: nothing
    "admin/documents/chooser/chosen/*": theirs(ADMIN),
    "admin/documents/chooser/create/": theirs(ADMIN),
    "admin/images/*": theirs(ADMIN),
    "admin/images/chooser/*": theirs(ADMIN_USERS),
    "admin/images/chooser/chosen/*": theirs(ADMIN),
    "admin/images/chooser/create/": theirs(ADMIN),
    "admin/sites/*": theirs(ADMIN),
    "admin/users/*": theirs(ADMIN),
    "admin/groups/*": theirs(ADMIN),
    "admin/sprite/": theirs(EVERYONE),  # the icon sprite
    "admin/jsi18n/": theirs(EVERYONE),  # the admin's JavaScript translations
    # Wagtail's own password reset: a second way in, outside allauth's rate limits and audit log.
    # (WAGTAIL_PASSWORD_RESET_ENABLED = False makes it a 404.)
    "admin/password_reset/*": ONE_SIGN_IN,
    "admin/.*/$": theirs(ADMIN_USERS),  # the admin's not-found page
    # Documents (guidance attached to modules) are for signed-in staff, like the modules.
    "documents/*": theirs(SIGNED_IN),
    # allauth: signing in, out, MFA, passwords, sessions, single sign-on.
    "accounts/login/": theirs(EVERYONE),
    "accounts/login/code/*": theirs(SIGNED_IN),  # only in the middle of a sign-in; else back to it
    "accounts/logout/": theirs(EVERYONE),
    "accounts/inactive/": theirs(EVERYONE),
    "accounts/signup/": theirs(EVERYONE),  # says sign-up is closed (people come from the HR system)
    "accounts/reauthenticate/*": theirs(SIGNED_IN),
    "accounts/email/": ours(SIGNED_IN),  # says the address comes from HR; a POST is refused
    "accounts/confirm-email/*": theirs(EVERYONE),
    "accounts/password/change/": theirs(SIGNED_IN),
    "accounts/password/set/": theirs(SIGNED_IN),
    "accounts/password/reset/*": theirs(EVERYONE),
    "accounts/2fa/*": theirs(SIGNED_IN),
    "accounts/3rdparty/": theirs(SIGNED_IN),
    "accounts/3rdparty/login/*": theirs(EVERYONE),
    "accounts/3rdparty/signup/": theirs(NOBODY),  # only in the middle of a single sign-on
    "accounts/social/*": theirs(EVERYONE),  # old addresses, redirected to 3rdparty/
    "accounts/oidc/*": theirs(EVERYONE),
    "accounts/sessions/*": theirs(SIGNED_IN),
    # The officer's pages.
    "": ours(SIGNED_IN),
    "certificates/": ours(SIGNED_IN),  # their own certificates
    "certificates/<str:serial>/": ours(SAMS_RECORD),
    "certificates/<str:serial>/pdf/": ours(SAMS_RECORD),
    "policies/<path:reference>/": ours(SIGNED_IN),
    "accessibility/": ours(EVERYONE),  # the accessibility statement, public like verification
    "healthz": ours(EVERYONE),  # for load balancers: says only that the process is up
    "readyz": ours(EVERYONE),  # for load balancers: says only whether the database is ready
    "verify/": ours(EVERYONE),
    "verify/<str:serial>/": ours(EVERYONE),
    # The PDFs' signing certificate, public; a 404 where PDFs are not signed (the tests), hence generic.
    "verify/signing-certificate.pem": ours(EVERYONE, generic=True),
    "verify/signing-certificate.cer": ours(EVERYONE, generic=True),
    "attempts/<uuid:public_id>/": ours(SAMS_ATTEMPT),
    "attempts/<uuid:public_id>/steps/<int:position>/": ours(SAMS_ATTEMPT),
    "attempts/<uuid:public_id>/result/": ours(SAMS_ATTEMPT),
    "modules/<page_id:page_id>/start/": ours(ENROLLED),
    "modules/<page_id:page_id>/attest/": ours(ENROLLED),
    # A module's glossary and job aid are reference material, like the module page and the policy.
    "modules/<page_id:page_id>/glossary/": ours(SIGNED_IN),
    "modules/<page_id:page_id>/job-aid/": ours(SIGNED_IN),
    "modules/<page_id:page_id>/job-aid/pdf/": ours(SIGNED_IN),
    "people/<id:person_id>/transcript/": ours(SAMS_RECORD),
    "team/": ours({"manager", "admin"}),  # people.view_team, with an org unit
    "team/reminders/": ours({"manager", "admin"}),  # POST only; people.view_team, with an org unit
    "my-data/": ours(SIGNED_IN),
    "my-data/download/": ours(SIGNED_IN),
    # The learning platform's side of LTI 1.3: each checks the platform's signed token, not a session.
    "lti/jwks/": ours(EVERYONE),
    "lti/login/": ours(EVERYONE),  # without a registered platform's parameters: a 400 refusal page
    "lti/launch/": ours(EVERYONE),  # POST only
    "lti/continue/<str:key>/": ours(EVERYONE),  # an unknown key: a 400 refusal page
    # Wagtail's page serving: training content is for signed-in people.
    "training/_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": theirs(EVERYONE),
    # Wagtail's front-end sign-in form (Django's LoginView) signs in with a password alone, past
    # allauth's lock-out and its MFA step: like admin/login/, it must send people to allauth's.
    "training/_util/login/": ONE_SIGN_IN,
    "training/((?:[\\w\\-]+/)*)$": ours(SIGNED_IN),
}

PROJECT_APPS = ("learning", "certificates", "scenarios", "access", "config", "lti", "xapi")


# The routes ------------------------------------------------------------------------------------


def _join(prefix: str, route: str) -> str:
    # As Django joins them for ResolverMatch.route: a regex's leading ^ goes, except at the start.
    return prefix + route.removeprefix("^") if prefix else route


def _walk(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, route)
        else:
            yield route, pattern


def url_patterns() -> dict[str, URLPattern]:
    """Every URL pattern by its full route string; a route served twice keeps the pattern that wins."""
    patterns: dict[str, URLPattern] = {}
    for route, pattern in _walk(get_resolver()):
        patterns.setdefault(route, pattern)
    return patterns


def rule_for(route: str) -> tuple[str, Rule] | None:
    """The table's row for ``route``: its exact key, else the longest prefix key."""
    if route in ACCESS:
        return route, ACCESS[route]
    prefixes = [key for key in ACCESS if key.endswith("*") and route.startswith(key[:-1])]
    if not prefixes:
        return None
    key = max(prefixes, key=len)
    return key, ACCESS[key]


def is_ours(pattern: URLPattern) -> bool:
    """A route the project made: our view, a Wagtail viewset on our model, or one in config/urls.py."""
    view = inspect.unwrap(pattern.callback)
    module = getattr(view, "view_class", view).__module__
    model = (getattr(view, "view_initkwargs", None) or {}).get("model")
    if isinstance(model, str):
        model = apps.get_model(model)
    # Wagtail's own user admin works on our user model; it is Wagtail's, keyed by prefix.
    ours_model = (
        model is not None
        and model._meta.app_label in PROJECT_APPS
        and model._meta.label != django_settings.AUTH_USER_MODEL
    )
    return module.split(".")[0] in PROJECT_APPS or ours_model or pattern in config.urls.urlpatterns


def test_every_route_has_a_row():
    missing = [route for route in url_patterns() if rule_for(route) is None]
    assert not missing, "Routes missing from ACCESS (who may open them?):\n" + "\n".join(missing)


def test_every_row_matches_a_route():
    routes = url_patterns()
    stale = [
        key
        for key in ACCESS
        if not (key in routes if not key.endswith("*") else any(route.startswith(key[:-1]) for route in routes))
    ]
    assert not stale, "ACCESS rows that match no route any more:\n" + "\n".join(stale)


def test_every_project_route_has_its_own_row():
    covered_by_prefix = [route for route, pattern in url_patterns().items() if is_ours(pattern) and route not in ACCESS]
    assert not covered_by_prefix, "Project routes that need an exact row in ACCESS:\n" + "\n".join(covered_by_prefix)


def test_prefix_rows_are_for_wagtails_and_allauths_own_routes():
    # ...which are reached with placeholder objects, so their rows are lenient about a 404.
    assert all(ACCESS[key].generic for key in ACCESS if key.endswith("*"))


# Concrete addresses ----------------------------------------------------------------------------

MISSING = 999999  # an id nothing has


def build_world(people: dict) -> SimpleNamespace:
    """Objects for every path converter: Sam's finished attempt and certificate, and one of each
    thing the admin edits."""
    module = ModulePage.objects.get(slug="contacting-the-public")
    officer = people["officer"]
    attempt = begin_module(officer, module)
    answer_remaining(attempt, lambda step: sorted(step.correct_ids))
    version = module.policy_document.current_version()
    outcome = attest_to_module(
        officer, module, officer.get_full_name(), Context(user_agent="matrix"), shown_body_sha256=version.body_sha256
    )
    scenario = ScenarioPage.objects.child_of(module).first()
    in_moderation = Workflow.objects.get(name="Scenario approval").start(scenario, people["trainer"])
    return SimpleNamespace(
        people=people,
        module=module,
        module_revision=module.latest_revision,
        scenario=scenario,
        in_moderation=in_moderation,
        officer=officer,
        attempt=attempt,
        certificate=outcome.certificate,
        policy=module.policy_document,  # the demo policy has no draft revision: revisions are placeholders
        document=Document.objects.create(title="Guidance", file=ContentFile(b"%PDF-1.4\n", name="guidance.pdf")),
        people_import=PeopleImport.objects.create(uploaded_by=people["hr"], file_name="people.csv", content=b"x"),
        assignment=Assignment.objects.get(module=module),
        exemption=exempt(UserFactory(), module, reason="On long-term leave", by=people["hr"]),
        recorded_completion=record_completion(
            EnrolmentFactory(module=module).user,
            module,
            completed_on=datetime.date(2026, 1, 5),
            kind="classroom",
            description="Classroom session",
            evidence=SimpleUploadedFile("attendance.pdf", b"%PDF-1.4\n"),
            by=people["hr"],
        ),
        collection=Collection.get_first_root_node(),
        workflow=Workflow.objects.get(name="Scenario approval"),
        task=Task.objects.get(name="Policy owner approval"),
        site=Site.objects.get(is_default_site=True),
        group=Group.objects.get(name="HR"),
    )


@pytest.fixture(scope="module")
def force(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo force (seed_demo), Sam's record and one of everything the admin edits, made once
    for this module: seeding again for each test here would cost a minute. It is made inside a
    transaction rolled back when the module ends; each test (``db``) runs in a savepoint of it,
    so what one test changes the next never sees."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", stdout=io.StringIO())
            yield build_world({user.username: user for user in User.objects.all()})
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            media.disable()


@pytest.fixture
def world(force, db):
    return force


def path_values(w) -> dict[str, dict[str, object]]:
    """Path converter values by route prefix ("" for any route); the longest prefix naming the
    converter wins. Unknown names fall back by converter type (an int nothing has, and so on)."""
    return {
        "": {
            "page_id": w.module.pk,
            "parent_page_id": w.module.pk,
            "page_to_move_id": w.scenario.pk,
            "destination_id": w.module.pk,
            "revision_id": w.module_revision.pk,
            "content_type_app_name": "scenarios",
            "content_type_model_name": "scenariopage",
            "app_label": "learning",
            "app_name": "learning",
            "model_name": "modulepage",
            "action_name": "approve",
            "task_id": w.task.pk,
            "object_id": w.module.pk,
            "collection_id": w.collection.pk,
            "document_id": w.document.pk,
            "doc_id": w.document.pk,
            "filter_spec": "original",
            "page_pk": w.module.pk,
            "workflow_pk": w.workflow.pk,
            "uidb64": "MQ",
            "token": "set-password",
            "serial": w.certificate.display_serial,
            "reference": w.policy.reference,
            "public_id": w.attempt.public_id,
            "position": 1,
            "person_id": w.officer.pk,
            "pk": MISSING,
        },
        "admin/api/main/pages/": {"pk": w.module.pk, "action_name": "move"},
        "admin/api/main/documents/": {"pk": w.document.pk},
        # A trainer's change to a scenario, awaiting a policy owner's approval.
        "admin/pages/workflow/": {
            "page_id": w.scenario.pk,
            "task_id": w.in_moderation.current_task_state.task_id,
            "task_state_id": w.in_moderation.current_task_state.pk,
        },
        "admin/pages/<int:page_id>/workflow_history/": {
            "page_id": w.scenario.pk,
            "workflow_state_id": w.in_moderation.pk,
        },
        "admin/bulk/": {"app_label": "wagtailcore", "model_name": "page", "action": "delete"},
        "admin/collections/": {"pk": w.collection.pk},
        "admin/workflows/": {"pk": w.workflow.pk},
        "admin/workflows/tasks/": {"pk": w.task.pk, "app_label": "wagtailcore", "model_name": "groupapprovaltask"},
        "admin/tag-autocomplete/": {"app_name": "wagtaildocs", "model_name": "document"},
        "admin/editing-sessions/": {"app_label": "wagtailcore", "model_name": "page"},
        "admin/certificates/": {"serial": w.certificate.serial},
        "admin/people/import/": {"pk": w.people_import.pk},
        "admin/people/": {"pk": w.officer.pk},
        "admin/org-units/": {"pk": OrgUnit.objects.get(code="dps").pk},
        "admin/scenarios/": {"page_id": w.scenario.pk},
        POLICY: {"pk": w.policy.pk},
        CHOOSE_POLICY: {"pk": w.policy.pk},
        "admin/assignments/": {"pk": w.assignment.pk},
        "admin/exemptions/": {"pk": w.exemption.pk},
        "admin/recorded-completions/": {"pk": w.recorded_completion.pk},
        "admin/documents/": {"pk": w.document.pk},
        "admin/sites/": {"pk": w.site.pk},
        "admin/users/": {"pk": w.officer.pk},
        "admin/groups/": {"pk": w.group.pk},
    }


def regex_urls(w) -> dict[str, str]:
    """Addresses for the routes written as regular expressions."""
    return {
        "admin/pages/(?P<pk>\\d+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\."
        "(?P<revision_id_b>live|latest|\\d+)/$": f"/admin/pages/{w.module.pk}/revisions/compare/earliest...latest/",
        f"{POLICY}history/(?P<pk>.+)/revisions/compare/(?P<revision_id_a>live|earliest|\\d+)\\.\\.\\."
        "(?P<revision_id_b>live|latest|\\d+)/$": f"/{POLICY}history/{w.policy.pk}/revisions/compare/earliest...latest/",
        "admin/.*/$": "/admin/no-such-page/",
        "documents/(\\d+)/(.*)$": f"/documents/{w.document.pk}/guidance.pdf",
        "accounts/confirm-email/(?P<key>[-:\\w]+)/$": "/accounts/confirm-email/no-such-key/",
        "accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
            "/accounts/password/reset/key/1-no-such-key/"
        ),
        "accounts/oidc/(?P<provider_id>[^/]+)/login/": "/accounts/oidc/entra/login/",
        "accounts/oidc/(?P<provider_id>[^/]+)/login/callback/": "/accounts/oidc/entra/login/callback/",
        "training/((?:[\\w\\-]+/)*)$": w.module.url,
    }


CONVERTER = re.compile(r"<(?:(?P<type>\w+):)?(?P<name>\w+)>")
FALLBACK_BY_TYPE = {"int": MISSING, "page_id": MISSING, "uuid": uuid.UUID(int=0)}


def concrete_url(route: str, values: dict[str, dict[str, object]], regexes: dict[str, str]) -> str:
    if route in regexes:
        return regexes[route]

    def value(match: re.Match) -> str:
        prefixes = [prefix for prefix in values if route.startswith(prefix) and match["name"] in values[prefix]]
        if prefixes:
            return str(values[max(prefixes, key=len)][match["name"]])
        return str(FALLBACK_BY_TYPE.get(match["type"], "missing"))

    return "/" + CONVERTER.sub(value, route)


# Asking ----------------------------------------------------------------------------------------

SIGN_IN_PATHS = ("/accounts/login/", "/admin/login/")  # the admin's sends on to allauth's
NO_PERMISSION = "do not have permission"


def outcome(response) -> str:
    """ "sign-in", "403", "404", "no-permission" (refusals), "error", or "let in: <status ...>"."""
    status = response.status_code
    if status >= 500:
        return "error"
    if status in (403, 404):
        return str(status)
    if status in (301, 302):
        location = urlsplit(response["Location"]).path
        if location in SIGN_IN_PATHS:
            return "sign-in"
        if location == "/admin/" and any(NO_PERMISSION in str(m) for m in get_messages(response.wsgi_request)):
            return "no-permission"
        return f"let in: {status} to {location}"
    return f"let in: {status}"


REFUSED = {"sign-in", "403", "404", "no-permission"}


def audited_refusal(rule: Rule, got: str) -> bool:
    """Whether a signed-in person's refusal must leave one audit event: every 403 and every
    Wagtail "no permission", and a 404 from our own views (which answer another person's record
    with a 404 so as not to say it exists); a 404 from Wagtail's or allauth's views, opened with
    placeholder objects, may simply be a missing object."""
    return got in ("403", "no-permission") or (got == "404" and not rule.generic)


def request(client, method: str, url: str):
    client.cookies.pop("messages", None)  # classify by this response's messages alone
    try:
        return getattr(client, method)(url), None
    except Exception as error:  # a crash is a finding: reported with the rest
        return None, f"error: {type(error).__name__}: {str(error).splitlines()[0][:150]}"


def signed_out(response) -> bool:
    """Whether the response deleted the session cookie (Wagtail's sign-out does, even on a GET it refuses)."""
    cookie = response.cookies.get(django_settings.SESSION_COOKIE_NAME) if response is not None else None
    return cookie is not None and not cookie.value


def problem(role: str, rule: Rule, response, got: str) -> str | None:
    allowed = role in rule.allowed
    if got == "error" or got.startswith("error:"):
        return None if (rule.crashes and allowed) else f"{got} (never a 500)"
    if rule.one_sign_in:
        location = urlsplit(response.get("Location", "")).path if response is not None else ""
        ok = got in ("404", "sign-in") or (response.status_code in (301, 302) and location.startswith("/accounts/"))
        return None if ok else f"{got}: expected a redirect to allauth's own page (or a 404), for everyone"
    if not allowed:
        return None if got in REFUSED else f"{got}: expected a refusal"
    refused = {"sign-in", "403", "no-permission"} if rule.generic else REFUSED
    return f"{got}: expected to be let in" if got in refused else None


@pytest.mark.parametrize("role", ROLES)
def test_the_access_matrix(client, world, role):
    if role != ANONYMOUS:
        sign_in_with_mfa(client, world.people[role])
    values, regexes = path_values(world), regex_urls(world)
    problems = []
    for route in url_patterns():
        if (row := rule_for(route)) is None:
            continue  # test_every_route_has_a_row says so
        key, rule = row
        url = concrete_url(route, values, regexes)
        try:
            reached = resolve(urlsplit(url).path).route
        except Resolver404:
            reached = "nothing"
        if reached != route:
            problems.append(f"{route}: built {url}, which reaches {reached}: give it a value in path_values")
            continue
        allowed = role in rule.allowed
        method = "post" if rule.post and not allowed else "get"
        logged_before = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED).count()
        response, got = request(client, method, url)
        if response is not None:
            got = outcome(response)
            if response.status_code == 405 and not allowed:  # POST only: send one to see the refusal
                method = "post"
                response, got = request(client, method, url)
                got = got or outcome(response)

        if found := problem(role, rule, response, got):
            problems.append(f"{method.upper()} {url} [{key}]: {found}")
        elif role != ANONYMOUS and not allowed and audited_refusal(rule, got):
            logged = AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED).count() - logged_before
            if logged != 1:
                problems.append(f"{method.upper()} {url} [{key}]: refused ({got}) with {logged} audit events, not 1")
        if role != ANONYMOUS and signed_out(response):
            sign_in_with_mfa(client, world.people[role])
    assert not problems, f"{role}: {len(problems)} routes break the matrix:\n" + "\n".join(problems)


# Whose record: one person's attempts, certificates and transcript ------------------------------


def record_urls(world) -> list[str]:
    """Sam's attempt (its page, a step, the result), then his certificate, its PDF and his transcript."""
    attempt, serial = world.attempt.public_id, world.certificate.display_serial
    return [
        f"/attempts/{attempt}/",
        f"/attempts/{attempt}/steps/1/",
        f"/attempts/{attempt}/result/",
        f"/certificates/{serial}/",
        f"/certificates/{serial}/pdf/",
        f"/people/{world.officer.pk}/transcript/",
    ]


def person_in(unit_code: str, *groups: str):
    person = UserFactory(org_unit=OrgUnit.objects.get(code=unit_code))
    person.groups.add(*Group.objects.filter(name__in=groups))
    return person


def test_sam_opens_his_own_attempt_certificate_and_transcript(client, world):
    client.force_login(world.officer)
    for url in record_urls(world):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert outcome(response) not in REFUSED, url


@pytest.mark.parametrize("other", ["reattest", "outsider"])  # Priya, in Sam's team; someone elsewhere
def test_another_officer_cannot_open_sams_attempt_certificate_or_transcript(client, world, other):
    if other == "outsider":
        person = person_in("dps")
        EnrolmentFactory(user=person, module=world.module)
        begin_module(person, world.module)  # with an attempt of their own
    else:
        person = world.people[other]  # with her own attempt and certificate
    client.force_login(person)
    for url in record_urls(world):
        assert client.get(url).status_code in (403, 404), url


@pytest.mark.parametrize("username", ["manager", "hr", "admin"])
def test_an_attempt_is_its_officers_alone_whoever_may_see_his_certificates(client, world, username):
    sign_in_with_mfa(client, world.people[username])
    for url in record_urls(world)[:3]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("unit", ["dps", "people"])  # units that do not contain Sam's
def test_a_line_manager_of_another_unit_sees_neither_sams_team_nor_his_records(client, world, unit):
    sign_in_with_mfa(client, person_in(unit, "Line managers"))
    team = client.get("/team/")
    assert team.status_code == 200
    assert world.officer.get_full_name() not in team.content.decode()
    assert f"/people/{world.officer.pk}/transcript/" not in team.content.decode()
    for url in record_urls(world)[3:]:
        assert client.get(url).status_code == 404, url


def test_sams_line_manager_sees_him_on_the_team_page_and_his_records(client, world):
    sign_in_with_mfa(client, world.people["manager"])
    assert f"/people/{world.officer.pk}/transcript/" in client.get("/team/").content.decode()
    for url in record_urls(world)[3:]:
        assert client.get(url).status_code == 200, url


def test_hr_opens_anyones_transcript(client, world):
    sign_in_with_mfa(client, world.people["hr"])
    for person in (world.officer, person_in("dps"), world.people["trainer"]):
        response = client.get(f"/people/{person.pk}/transcript/")
        assert response.status_code == 200, person
        assert response["Content-Type"] == "application/pdf"


def test_a_transcript_of_nobody_is_a_404_even_for_hr(client, world):
    sign_in_with_mfa(client, world.people["hr"])
    assert client.get(f"/people/{MISSING}/transcript/").status_code == 404


# Malformed addresses ---------------------------------------------------------------------------

# What a hostile or broken client puts in an address: NUL and other control characters, bytes
# that are not UTF-8 (a lone continuation byte, an overlong "/", a UTF-16 surrogate), a segment
# far longer than any route's, and the same in the query string.
MALFORMED = st.one_of(
    st.sampled_from(["%00", "a%00b", "%01", "%1F", "%7F", "%FF", "%C0%AF", "%ED%A0%80", "%E2%82", "%00%FF"]),
    st.binary(min_size=1, max_size=6).map(lambda raw: "".join(f"%{byte:02X}" for byte in raw)),
    st.integers(min_value=LONGEST_SEGMENT + 1, max_value=5000).map(lambda length: "9" * length),
)


def malformed(url: str, payload: str, where: str, index: int = -1) -> str:
    """``url`` with ``payload`` in place of (``replace``) or after (``extend``) its segment
    ``index`` (counted among the non-empty ones), or in its query string (``query``)."""
    if where == "query":
        return f"{url}?q={payload}&status={payload}&page={payload}"
    segments = url.split("/")
    filled = [i for i, segment in enumerate(segments) if segment] or [len(segments) - 1]
    at = filled[index % len(filled)]
    segments[at] = payload if where == "replace" else segments[at] + payload
    return "/".join(segments)


@pytest.fixture
def administrator(client, world):
    client.raise_request_exception = False  # a 500 is counted, not raised
    sign_in_with_mfa(client, world.people["admin"])
    return client


def test_no_route_of_ours_fails_on_a_nul_or_an_overlong_segment(administrator, world):
    """Each of our routes with each of its segments, in turn, made a NUL or 300 characters, and a
    NUL in its query: a 404 or 400, never a 500 (PostgreSQL refuses a NUL in a text query)."""
    values, regexes = path_values(world), regex_urls(world)
    failures = []
    for route, pattern in url_patterns().items():
        if not is_ours(pattern):
            continue
        url = concrete_url(route, values, regexes)
        addresses = [malformed(url, "%00", "query")]
        for index in range(len([segment for segment in url.split("/") if segment])):
            addresses += [malformed(url, "%00", "replace", index), malformed(url, "9" * 300, "replace", index)]
        failures += [
            f"GET {address[:120]}: {status}"
            for address in addresses
            if (status := administrator.get(address).status_code) >= 500
        ]
    assert not failures, "\n".join(failures)


@hypothesis.settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same 200 every run: a finding is reproduced by running the test again
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
@hypothesis.given(data=st.data())
def test_no_malformed_address_is_a_server_error(administrator, world, data):
    """Any route the site serves (Wagtail's and allauth's too), opened by an administrator (who
    reaches the deepest views) with one segment replaced or extended, or the query filled, by
    something malformed: the route's own refusal or a 404 or 400; never a 500."""
    values, regexes = path_values(world), regex_urls(world)
    url = concrete_url(data.draw(st.sampled_from(sorted(url_patterns())), label="route"), values, regexes)
    where = data.draw(st.sampled_from(["replace", "extend", "query"]), label="where")
    index = data.draw(st.integers(min_value=0, max_value=6), label="segment")
    address = malformed(url, data.draw(MALFORMED, label="payload"), where, index)
    response = administrator.get(address)
    assert response.status_code < 500, f"GET {address[:200]} answered {response.status_code}"


def test_a_malformed_address_gets_a_page_that_says_so(administrator):
    nul_query = administrator.get("/certificates/?status=%00")
    assert nul_query.status_code == 400
    assert "This address cannot be read" in nul_query.content.decode()
    assert administrator.get("/policies/%00/").status_code == 404
    assert administrator.get("/policies/" + "9" * 300 + "/").status_code == 404
