"""The xAPI 1.0.3 statements Attest sends, built from the facts as they are recorded.

Every statement's id is a UUID 5 of a fixed namespace and what it reports (``statement_id``), so
the same fact always makes the same statement: a resend after a lost reply is a duplicate the
learning record store (LRS) recognises, never a second record. Timestamps are the facts' own
(when the officer answered, when the certificate was issued), not when the statement was sent.

The person is an Agent identified by an account on the force's home page
(``XAPI_ACCOUNT_HOMEPAGE``), named by their warrant or staff number (``attest-user-<id>`` for an
account without one). Neither their name nor their email is sent: the LRS needs a stable key to
put a person's statements together, not who they are, and a statement can never be corrected
once stored, so a name in it would outlive a change of name or a request to erase it.

Verbs are ADL's where ADL defines one (attempted, answered, passed, failed, completed, voided);
attesting to a policy and a certificate being issued, revoked or superseded have no registered
verb, so they are Attest's own IRIs under ``SITE_URL``/xapi/verbs/ (listed in ``VERBS``). Likewise
activities: ADL's module and cmi.interaction types, and Attest's own for scenarios, policy
versions and certificates.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings

# Fixed for ever: changing it would give every fact a new statement id, and the LRS duplicates.
NAMESPACE = uuid.UUID("6a1f3c2e-5d4b-4f0a-9c7e-2b8d1e0f4a93")
VERSION = "1.0.3"
LANGUAGE = "en-GB"

ADL = "http://adlnet.gov/expapi/verbs/"
# verb name: (IRI, or a path under SITE_URL/xapi/verbs/ for Attest's own; display in en-GB)
VERBS: dict[str, tuple[str, str]] = {
    "attempted": (f"{ADL}attempted", "attempted"),
    "answered": (f"{ADL}answered", "answered"),
    "passed": (f"{ADL}passed", "passed"),
    "failed": (f"{ADL}failed", "failed"),
    "completed": (f"{ADL}completed", "completed"),
    "voided": (f"{ADL}voided", "voided"),
    "attested": ("attested", "attested to"),
    "certificate-issued": ("certificate-issued", "was issued"),
    "certificate-revoked": ("certificate-revoked", "had revoked"),
    "certificate-superseded": ("certificate-superseded", "had superseded"),
}

ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/module",
    "interaction": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "scenario": "scenario",
    "policy-version": "policy-version",
    "certificate": "certificate",
}


def site() -> str:
    return settings.SITE_URL.rstrip("/")


def own(kind: str, name: str) -> str:
    """An IRI of Attest's own vocabulary: ``SITE_URL``/xapi/<kind>/<name>."""
    return f"{site()}/xapi/{kind}/{name}"


def verb(name: str) -> dict[str, Any]:
    iri, display = VERBS[name]
    return {"id": iri if "://" in iri else own("verbs", iri), "display": {LANGUAGE: display}}


def activity_type(name: str) -> str:
    iri = ACTIVITY_TYPES[name]
    return iri if "://" in iri else own("activity-types", iri)


def statement_id(kind: str, *key: object) -> uuid.UUID:
    """The statement's id: the same for the same fact, whenever and however often it is built."""
    return uuid.uuid5(NAMESPACE, ":".join([kind, *(str(part) for part in key)]))


def timestamp(moment: datetime.datetime) -> str:
    """ISO 8601 in UTC to the millisecond, as the LRS stores it (so a resend compares equal)."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def account_name(user_id: int, warrant_number: str) -> str:
    return warrant_number.strip() or f"attest-user-{user_id}"


def agent(user_id: int, warrant_number: str) -> dict[str, Any]:
    """The person, by an account on the force's home page; never by email, never by name."""
    home = (settings.XAPI_ACCOUNT_HOMEPAGE or settings.SITE_URL).rstrip("/")
    return {"objectType": "Agent", "account": {"homePage": home, "name": account_name(user_id, warrant_number)}}


def _name(text: str) -> dict[str, str]:
    return {LANGUAGE: text[:500]}


def module_activity(module_id: int, title: str = "") -> dict[str, Any]:
    definition: dict[str, Any] = {"type": activity_type("module")}
    if title:
        definition["name"] = _name(title)
    return {"objectType": "Activity", "id": own("activities", f"module/{module_id}"), "definition": definition}


def scenario_activity(scenario_id: int, title: str = "") -> dict[str, Any]:
    definition: dict[str, Any] = {"type": activity_type("scenario")}
    if title:
        definition["name"] = _name(title)
    return {"objectType": "Activity", "id": own("activities", f"scenario/{scenario_id}"), "definition": definition}


def _statement(
    kind_key: uuid.UUID, actor: dict, verb_name: str, obj: dict, at: datetime.datetime, **parts: Any
) -> dict[str, Any]:
    body = {
        "id": str(kind_key),
        "actor": actor,
        "verb": verb(verb_name),
        "object": obj,
        "timestamp": timestamp(at),
        "version": VERSION,
    }
    body.update({name: value for name, value in parts.items() if value})
    return body


def _context(registration: uuid.UUID | None = None, **activities: list[dict]) -> dict[str, Any]:
    context: dict[str, Any] = {"platform": "Attest", "language": LANGUAGE}
    if registration:
        context["registration"] = str(registration)
    chosen = {
        name: [{"id": item["id"], "objectType": "Activity"} for item in items] for name, items in activities.items()
    }
    if chosen := {name: items for name, items in chosen.items() if items}:
        context["contextActivities"] = chosen
    return context


def _duration(start: datetime.datetime, end: datetime.datetime) -> str:
    """ISO 8601 duration to the hundredth of a second (the precision xAPI keeps)."""
    seconds = max((end - start).total_seconds(), 0)
    return f"PT{seconds:.2f}S"


# The facts -----------------------------------------------------------------------------------


def attempt_started(attempt, actor: dict, module_title: str) -> dict[str, Any]:
    """The officer began an attempt at a module: ADL "attempted", with the attempt as the
    registration that ties its answers and its result together."""
    return _statement(
        statement_id("attempted", attempt.public_id),
        actor,
        "attempted",
        module_activity(attempt.module_id, module_title),
        attempt.started_at,
        context={**_context(attempt.public_id), "extensions": {own("extensions", "attempt-number"): attempt.number}},
    )


def step_activity(step) -> dict[str, Any]:
    """A scenario step as an xAPI interaction: its options (in the order this attempt showed
    them) as choices, and the right answer as the correct response pattern."""
    right = [option.id for option in step.options if option.correct]
    true_false = step.kind == "true_false"
    definition: dict[str, Any] = {
        "type": activity_type("interaction"),
        "name": _name(f"{step.scenario_title}: {step.question}"),
        "description": _name(step.prompt),
        "interactionType": "true-false" if true_false else "choice",
        # Several right options of a one-answer step are each right alone; a step that asks for
        # all that apply has one pattern, every right option together.
        "correctResponsesPattern": ["[,]".join(right)] if step.multiple else right,
    }
    if not true_false:
        definition["choices"] = [{"id": option.id, "description": _name(option.text)} for option in step.options]
    return {
        "objectType": "Activity",
        "id": own("activities", f"scenario/{step.scenario_id}/step/{step.step_id}"),
        "definition": definition,
    }


def response_recorded(attempt, response, step, actor: dict) -> dict[str, Any]:
    """The officer answered a step: which options they chose, and whether that was right."""
    return _statement(
        statement_id("answered", attempt.public_id, response.position),
        actor,
        "answered",
        step_activity(step),
        response.answered_at,
        result={"response": "[,]".join(response.choice_ids), "success": bool(response.correct)},
        context={
            **_context(
                attempt.public_id,
                parent=[scenario_activity(step.scenario_id, step.scenario_title)],
                grouping=[module_activity(attempt.module_id)],
            ),
            "extensions": {own("extensions", "step-position"): response.position},
        },
    )


def attempt_finished(attempt, actor: dict, module_title: str) -> dict[str, Any]:
    """The attempt's result: ADL "passed" or "failed", with its score."""
    passed = attempt.status == "passed"
    total = attempt.step_count or 0
    result: dict[str, Any] = {
        "success": passed,
        "completion": True,
        "score": {"raw": attempt.correct_count or 0, "min": 0, "max": total},
        "duration": _duration(attempt.started_at, attempt.completed_at),
    }
    if total:
        result["score"]["scaled"] = round((attempt.correct_count or 0) / total, 4)
    return _statement(
        statement_id("finished", attempt.public_id),
        actor,
        "passed" if passed else "failed",
        module_activity(attempt.module_id, module_title),
        attempt.completed_at,
        result=result,
        context={
            **_context(attempt.public_id),
            "extensions": {
                own("extensions", "attempt-number"): attempt.number,
                own("extensions", "critical-step-failed"): bool(attempt.critical_failed),
            },
        },
    )


def policy_version_activity(version) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": own("activities", f"policy-version/{version.pk}"),
        "definition": {
            "type": activity_type("policy-version"),
            "name": _name(f"{version.document.title}, version {version.version_label}"),
            "extensions": {own("extensions", "policy-text-sha256"): version.body_sha256},
        },
    }


def attested(attestation, actor: dict) -> dict[str, Any]:
    """The officer attested to a policy version (the ledger row's time); the attempt it rests
    on, if any, is the registration."""
    modules = [module_activity(attestation.module_id)] if attestation.module_id else []
    return _statement(
        statement_id("attested", attestation.pk),
        actor,
        "attested",
        policy_version_activity(attestation.policy_version),
        attestation.created_at,
        context=_context(attestation.attempt_id, parent=modules),
    )


def certificate_activity(certificate) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": own("activities", f"certificate/{certificate.serial}"),
        "definition": {
            "type": activity_type("certificate"),
            "name": _name(f"Certificate {certificate.display_serial}: {certificate.module_title}"),
            "moreInfo": site() + f"/verify/{certificate.display_serial}/",
        },
    }


def certificate_event(certificate, event, actor: dict) -> dict[str, Any]:
    """A certificate issued, revoked or marked superseded: one statement per sealed event. A
    revocation does not void the issue (the certificate *was* issued); it is a fact of its own."""
    parts: dict[str, Any] = {
        "context": _context(
            None,
            parent=[module_activity(certificate.module_id, certificate.module_title)],
            grouping=[policy_version_activity(certificate.policy_version)],
        )
    }
    if event.kind == "issued":
        parts["context"]["extensions"] = {own("extensions", "expires-on"): certificate.expires_on.isoformat()}
    return _statement(
        statement_id(f"certificate-{event.kind}", event.pk),
        actor,
        f"certificate-{event.kind}",
        certificate_activity(certificate),
        event.at,
        **parts,
    )


def completed_elsewhere(record, actor: dict) -> dict[str, Any]:
    """HR recorded that the person completed the module by training done elsewhere (noon on the
    day given): ADL "completed", with no success or score, as no attempt was made here."""
    at = datetime.datetime.combine(record.completed_on, datetime.time(12), tzinfo=datetime.UTC)
    return _statement(
        statement_id("completed-elsewhere", record.pk),
        actor,
        "completed",
        module_activity(record.module_id),
        at,
        result={"completion": True},
        context={**_context(), "extensions": {own("extensions", "recorded-completion-kind"): record.kind}},
    )


def voiding(voided_id: uuid.UUID, actor: dict, at: datetime.datetime) -> dict[str, Any]:
    """Void the statement ``voided_id``: it no longer stands. The LRS keeps it, marked voided;
    the statement itself is never changed."""
    return _statement(
        statement_id("voided", voided_id),
        actor,
        "voided",
        {"objectType": "StatementRef", "id": str(voided_id)},
        at,
    )
