"""What Attest holds about one person, for them to download, and how long their answers are kept.

``personal_data(user)`` gathers everything on record about a person as plain JSON values: a
subject access request the person answers for themselves from *Your data*. It runs a fixed
number of queries however long their history.

``remove_old_responses()`` applies the retention period (``RESPONSE_RETENTION_YEARS``) to the
answers given to each step. Only answers go: the attempt's summary (score, result, dates) stays,
so the transcript still shows the attempt happened, and the attestation ledger, certificates and
audit log are evidence and are never touched.
"""

from __future__ import annotations

import datetime
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from access.audit import Action, record
from access.models import AuditEvent
from certificates.models import Attestation, Certificate, PolicyVersion
from certificates.serials import grouped
from core.dates import add_months
from learning.models import Enrolment, Exemption, RecordedCompletion, Reminder
from people.models import User
from scenarios.models import Attempt, Response, ScenarioPage

# Old attempts whose answers are removed in one transaction: an attempt loses all of its
# answers or none, and no single transaction holds its locks for long.
RETENTION_BATCH = 500

# A step as the officer was shown it: (scenario title, prompt, option id → option text).
StepText = tuple[str, str, dict[str, str]]


# Your data -------------------------------------------------------------------------------------


def personal_data(user: User) -> dict[str, Any]:
    """Everything Attest holds about ``user``, as JSON-ready values (str, int, bool, None, lists
    and dicts; every time in UTC, ISO 8601).

    Their profile, enrolments, attempts with every answer, attestation ledger rows (hashes
    included), certificates with their state today, reminders about their training, exemptions,
    their own audit log events, and their sign-in sessions and MFA methods (never a secret: no
    password, code, key or token is read). Nobody else's records: line managers and HR are named
    only where the person's own record points at them.

    Runs the same number of queries however many attempts, answers, attestations or events the
    person has. Raises ``User.DoesNotExist`` if the person has been removed meanwhile.
    """
    person = User.objects.select_related("org_unit", "line_manager").get(pk=user.pk)
    enrolments = list(
        Enrolment.objects.filter(user=person).select_related("module").order_by("module__title", "module_id", "cycle")
    )
    attempts = list(
        Attempt.objects.filter(user=person)
        .select_related("module")
        .prefetch_related("responses", "pinned_scenarios__revision")
        .order_by("started_at", "pk")
    )
    module_titles = {enrolment.module_id: enrolment.module.title for enrolment in enrolments}
    module_titles.update({attempt.module_id: attempt.module.title for attempt in attempts})
    return {
        "about": {
            "service": "Attest",
            "force": settings.FORCE_NAME,
            "produced_at": _utc(timezone.now()),
            "times": "UTC, ISO 8601",
            "responses_kept_for_years": settings.RESPONSE_RETENTION_YEARS,
            "note": (
                "Answers to each step are removed once their attempt is older than the retention "
                "period; the attempt's score and result are kept. Attestations, certificates and the "
                "audit log are kept as evidence."
            ),
        },
        "profile": _profile(person),
        "enrolments": [_enrolment(enrolment) for enrolment in enrolments],
        "attempts": _attempts(attempts),
        "attestations": _attestations(person, module_titles),
        "certificates": _certificates(person),
        "reminders": _reminders(person),
        "exemptions": _exemptions(person),
        "completions_recorded_by_hr": _recorded_completions(person),
        "audit_log": _audit_events(person),
        "sign_in": _sign_in(person),
    }


def _utc(moment: datetime.datetime | None) -> str | None:
    return moment.astimezone(datetime.UTC).isoformat() if moment else None


def _day(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _name(person: User | None) -> str | None:
    return (person.get_full_name() or person.username) if person else None


def _profile(person: User) -> dict[str, Any]:
    return {
        "name": person.get_full_name(),
        "first_name": person.first_name,
        "last_name": person.last_name,
        "username": person.username,
        "email": person.email,
        "warrant_number": person.warrant_number,
        "rank": person.rank,
        "role": person.role,
        "org_unit": {"name": person.org_unit.name, "code": person.org_unit.code} if person.org_unit else None,
        "line_manager": _name(person.line_manager),
        "joined_on": _day(person.joined_on),
        "account_created_at": _utc(person.date_joined),
        "last_sign_in_at": _utc(person.last_login),
        "active": person.is_active,
    }


def _enrolment(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "module": enrolment.module.title,
        "module_id": enrolment.module_id,
        "cycle": enrolment.cycle,
        "status": enrolment.get_status_display(),
        "due_date": _day(enrolment.due_date),
        "started_at": _utc(enrolment.started_at),
        "passed_at": _utc(enrolment.passed_at),
        "completed_at": _utc(enrolment.completed_at),
        "certificate_serial": grouped(enrolment.certificate_serial) if enrolment.certificate_serial else None,
    }


def _attempts(attempts: list[Attempt]) -> list[dict[str, Any]]:
    """Each attempt with its answers, the steps and options named as the officer was shown them
    (from the scenario revisions the attempt pinned, read once each)."""
    steps_by_revision: dict[int, dict[str, StepText]] = {}
    result = []
    for attempt in attempts:
        revisions = {}
        for pinned in attempt.pinned_scenarios.all():
            revisions[pinned.scenario_id] = pinned.revision
            if pinned.revision_id not in steps_by_revision:
                steps_by_revision[pinned.revision_id] = _steps_of(pinned.revision.content)
        result.append(
            {
                "id": str(attempt.public_id),
                "module": attempt.module.title,
                "module_id": attempt.module_id,
                "number": attempt.number,
                "status": attempt.get_status_display(),
                "started_at": _utc(attempt.started_at),
                "completed_at": _utc(attempt.completed_at),
                "pass_mark": attempt.pass_mark,
                "score_percent": attempt.score_percent,
                "correct_count": attempt.correct_count,
                "step_count": attempt.step_count,
                "critical_step_failed": attempt.critical_failed,
                "responses": [
                    _response(response, revisions.get(response.scenario_id), steps_by_revision)
                    for response in attempt.responses.all()
                ],
            }
        )
    return result


def _steps_of(content: dict) -> dict[str, StepText]:
    """A pinned scenario revision's steps by step id: its scenario's title, its prompt and its
    options' texts by option id."""
    steps = ScenarioPage._meta.get_field("steps").to_python(content.get("steps", []))
    return {
        str(step.id): (
            content.get("title", ""),
            step.value["prompt"],
            {option.id: option.text for option in step.value.options()},
        )
        for step in steps
    }


def _response(response: Response, revision, steps_by_revision: dict[int, dict[str, StepText]]) -> dict[str, Any]:
    scenario, prompt, options = ("", "", {})
    if revision is not None:
        scenario, prompt, options = steps_by_revision[revision.pk].get(response.step_id, ("", "", {}))
    return {
        "position": response.position,
        "scenario": scenario,
        "scenario_id": response.scenario_id,
        "step_id": response.step_id,
        "step": prompt,
        "options_chosen": [options.get(choice, choice) for choice in response.choice_ids],
        "option_ids_chosen": list(response.choice_ids),
        "correct": response.correct,
        "critical": response.critical,
        "answered_at": _utc(response.answered_at),
    }


def _attestations(person: User, module_titles: dict[int, str]) -> list[dict[str, Any]]:
    rows = (
        Attestation.objects.filter(user=person)
        .select_related("policy_version__document", "after_revocation")
        .order_by("pk")
    )
    return [
        {
            "ledger_row": row.pk,
            "policy": row.policy_version.document.title,
            "policy_reference": row.policy_version.document.reference,
            "policy_version": row.policy_version.version_label,
            "statement": row.statement,
            "typed_name": row.typed_name,
            "module": module_titles.get(row.module_id),
            "module_id": row.module_id,
            "attempt_id": str(row.attempt_id) if row.attempt_id else None,
            "attested_at": _utc(row.created_at),
            "ip_address": row.ip_address,
            "user_agent": row.user_agent,
            "policy_text_sha256": row.body_sha256,
            "previous_hash": row.previous_hash,
            "row_hash": row.row_hash,
            "after_revocation_of": row.after_revocation.display_serial if row.after_revocation else None,
        }
        for row in rows
    ]


def _certificates(person: User) -> list[dict[str, Any]]:
    certificates = list(
        Certificate.objects.filter(user=person).select_related("policy_version__document").order_by("issued_at", "pk")
    )
    documents = {certificate.policy_version.document_id for certificate in certificates}
    # Each policy's binding versions in one query, not one per certificate.
    binding = PolicyVersion.objects.filter(document_id__in=documents).binding_by_policy() if documents else {}
    return [
        {
            "serial": certificate.display_serial,
            "module": certificate.module_title,
            "policy": certificate.policy_version.document.title,
            "policy_version": certificate.policy_version.version_label,
            "holder_name": certificate.holder_name,
            "warrant_number": certificate.warrant_number,
            "issued_at": _utc(certificate.issued_at),
            "expires_on": _day(certificate.expires_on),
            "status": certificate.get_status_display(),
            "state_today": certificate.state_given(binding.get(certificate.policy_version.document_id, [])),
            "revoked_at": _utc(certificate.revoked_at),
            "revoked_reason": certificate.revoked_reason or None,
        }
        for certificate in certificates
    ]


def _reminders(person: User) -> list[dict[str, Any]]:
    """Reminders about the person's own training, including escalations to their line manager
    (not the escalations a manager receives about their people: those are about others)."""
    reminders = (
        Reminder.objects.filter(enrolment__user=person).select_related("enrolment__module").order_by("sent_at", "pk")
    )
    return [
        {
            "module": reminder.enrolment.module.title,
            "cycle": reminder.enrolment.cycle,
            "kind": reminder.kind,
            "sent_at": _utc(reminder.sent_at),
            "sent_to": reminder.sent_to,
        }
        for reminder in reminders
    ]


def _exemptions(person: User) -> list[dict[str, Any]]:
    exemptions = Exemption.objects.filter(user=person).select_related("module", "created_by").order_by("created_at")
    return [
        {
            "module": exemption.module.title,
            "reason": exemption.reason,
            "exempt_until": exemption.exempt_until.isoformat() if exemption.exempt_until else None,
            "recorded_at": _utc(exemption.created_at),
            "recorded_by": _name(exemption.created_by),
        }
        for exemption in exemptions
    ]


def _recorded_completions(person: User) -> list[dict[str, Any]]:
    rows = (
        RecordedCompletion.objects.filter(user=person)
        .select_related("module", "enrolment", "recorded_by", "withdraws")
        .order_by("recorded_at", "pk")
    )
    return [
        {
            "module": row.module.title,
            "enrolment_cycle": row.enrolment.cycle,
            "completed_on": _day(row.completed_on),
            "kind": row.get_kind_display(),
            "description": row.description,
            "evidence_file_name": row.evidence_name,
            "evidence_size_bytes": row.evidence_size,
            "evidence_sha256": row.evidence_sha256,
            "recorded_at": _utc(row.recorded_at),
            "recorded_by": _name(row.recorded_by),
            "withdraws_record_of": _utc(row.withdraws.recorded_at) if row.withdraws else None,
            "withdrawal_reason": row.withdrawal_reason or None,
            "note": "Training done elsewhere, recorded by HR: no attestation or certificate.",
        }
        for row in rows
    ]


def _audit_events(person: User) -> list[dict[str, Any]]:
    # What the person did, when and from where; not what it was done to, which may be someone
    # else's record (HR downloading a transcript, a manager opening a certificate).
    events = AuditEvent.objects.filter(actor=person).order_by("at", "pk")
    return [
        {
            "at": _utc(event.at),
            "action": event.get_action_display(),
            "verb": event.verb,
            "ip_address": event.ip_address,
            "user_agent": event.user_agent,
        }
        for event in events
    ]


def _sign_in(person: User) -> dict[str, list[dict[str, Any]]]:
    """Sessions, MFA methods and single sign-on links: when and from where, never the session
    key, the MFA secret or recovery codes, or a token."""
    return {
        "sessions": [
            {
                "started_at": _utc(session.created_at),
                "last_seen_at": _utc(session.last_seen_at),
                "ip_address": session.ip,
                "user_agent": session.user_agent,
            }
            for session in UserSession.objects.filter(user=person).order_by("created_at", "pk")
        ],
        "mfa_methods": [
            {
                "type": method.get_type_display(),
                "added_at": _utc(method.created_at),
                "last_used_at": _utc(method.last_used_at),
            }
            for method in Authenticator.objects.filter(user=person).order_by("created_at", "pk")
        ],
        "single_sign_on": [
            {
                "provider": account.provider,
                "account_id": account.uid,
                "first_used_at": _utc(account.date_joined),
                "last_used_at": _utc(account.last_login),
            }
            for account in SocialAccount.objects.filter(user=person).order_by("date_joined", "pk")
        ],
    }


# Retention -------------------------------------------------------------------------------------


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment ``RESPONSE_RETENTION_YEARS`` calendar years before ``now`` (default: now)."""
    return add_months(now or timezone.now(), -12 * settings.RESPONSE_RETENTION_YEARS)


def attempts_past_retention(now: datetime.datetime | None = None) -> QuerySet[Attempt]:
    """Attempts finished before the cutoff, or started before it and never finished, that still
    have answers on record."""
    cutoff = retention_cutoff(now)
    return Attempt.objects.filter(
        Q(completed_at__lt=cutoff) | Q(completed_at__isnull=True, started_at__lt=cutoff),
        Exists(Response.objects.filter(attempt=OuterRef("pk"))),
    )


def responses_past_retention(now: datetime.datetime | None = None) -> QuerySet[Response]:
    """The answers ``remove_old_responses(now)`` would remove."""
    return Response.objects.filter(attempt__in=attempts_past_retention(now).values("pk"))


def remove_old_responses(now: datetime.datetime | None = None) -> int:
    """Remove the answers to every step of each attempt past the retention period, and return
    how many were removed.

    Keeps the attempt itself (score, result, dates, pinned scenarios), the attestation ledger,
    certificates and the audit log. An attempt loses all of its answers or none. Running it
    again removes nothing more; each run, even one that removes nothing, is recorded in the
    audit log with the count and the cutoff.
    """
    cutoff = retention_cutoff(now)
    old_attempts = attempts_past_retention(now).order_by("pk").values_list("pk", flat=True)
    removed = 0
    try:
        while batch := list(old_attempts[:RETENTION_BATCH]):
            with transaction.atomic():
                removed += Response.objects.filter(attempt_id__in=batch).delete()[0]
    finally:
        # Batches commit one by one: a run stopped part-way is logged with what it removed.
        record(
            Action.CHANGE,
            verb="retention",
            object_type=Response._meta.label_lower,
            object_label="Answers to scenario steps",
            details={
                "responses_removed": removed,
                "older_than": _utc(cutoff),
                "retention_years": settings.RESPONSE_RETENTION_YEARS,
            },
        )
    return removed
