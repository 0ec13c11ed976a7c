"""The officer's path through a module, orchestrating scenarios and certificates.

``scenarios`` and ``certificates`` know nothing of modules or enrolments; these functions
tie them together and keep each enrolment's status true.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from access import audit
from certificates.models import Attestation, Certificate, PolicyVersion
from certificates.publishing import Reattestation
from certificates.services import AlreadyAttested, Context, attest, issue_certificate
from core.dates import add_months
from people.models import OrgUnit
from scenarios.models import Attempt
from scenarios.services import start_attempt

from .models import (  # noqa: F401 (module_progress and current_enrolment are part of this module's API)
    Assignment,
    Enrolment,
    Exemption,
    ModulePage,
    ModuleProgress,
    ReattestationCycle,
    RecordedCompletion,
    _pk,
    current_enrolment,
    module_progress,
)


class NotEnrolled(Exception):
    """The module is not assigned to this person."""


class NotReadyToAttest(Exception):
    """The person has not passed the module, or it has no policy in force."""


class AttestationOnly(Exception):
    """The module has no scenarios to take: it asks only for the attestation."""


class PolicyChanged(Exception):
    """The policy version in force is not the one the person was shown."""


def reattestations_due(user, enrolments) -> dict[int, PolicyVersion]:
    """For each enrolment, complete or waiting only for the attestation, whose policy has
    changed materially since the person last attested to it, the version they must now attest
    to, keyed by enrolment id. Three queries however many enrolments there are."""
    waiting = {Enrolment.Status.COMPLETE, Enrolment.Status.PASSED}
    candidates = [e for e in enrolments if e.status in waiting and e.module.policy_document_id]
    if not candidates:
        return {}
    documents = {e.module.policy_document_id for e in candidates}
    binding = PolicyVersion.objects.filter(document_id__in=documents).binding_by_policy()
    attested: dict[int, set[int]] = {}
    for version_id, document_id in Attestation.objects.filter(
        user=user, policy_version__document_id__in=documents
    ).values_list("policy_version_id", "policy_version__document_id"):
        attested.setdefault(document_id, set()).add(version_id)
    due = {}
    for enrolment in candidates:
        versions = binding.get(enrolment.module.policy_document_id, [])
        own = attested.get(enrolment.module.policy_document_id, set())
        if versions and own and not own & {version.pk for version in versions}:
            due[enrolment.pk] = versions[0]  # the version in force
    return due


@transaction.atomic
def begin_module(user, module: ModulePage) -> Attempt:
    """Resume or start the person's attempt at ``module`` and mark the enrolment started.

    Raises ``NotEnrolled``, ``AttestationOnly`` for a module with no scenarios, or the scenario
    engine's ``AttemptError``s.
    """
    enrolment = current_enrolment(user, module)
    if enrolment is None:
        raise NotEnrolled("This module has not been assigned to you.")
    if module.attestation_only:
        raise AttestationOnly("This module has no scenarios: read the policy and attest to it.")
    attempt = start_attempt(
        user,
        module,
        module.scenario_pages(),
        pass_mark=module.pass_mark,
        max_attempts=module.attempt_limit_for(user),
    )
    if enrolment.status == Enrolment.Status.NOT_STARTED:
        enrolment.status = Enrolment.Status.IN_PROGRESS
        enrolment.started_at = timezone.now()
        enrolment.save(update_fields=["status", "started_at"])
    return attempt


def record_attempt_result(attempt: Attempt) -> None:
    """Move the enrolment on when an attempt at its module is passed."""
    if not attempt.passed:
        return
    Enrolment.objects.filter(
        user_id=attempt.user_id,
        module_id=attempt.module_id,
        status__in=[Enrolment.Status.NOT_STARTED, Enrolment.Status.IN_PROGRESS],
    ).update(status=Enrolment.Status.PASSED, passed_at=attempt.completed_at)


@dataclass(frozen=True)
class AttestationOutcome:
    certificate: Certificate
    already_attested: bool


@transaction.atomic
def attest_to_module(
    user, module: ModulePage, typed_name: str, context: Context, *, shown_body_sha256: str
) -> AttestationOutcome:
    """Attest to the module's policy version in force, issue the certificate, complete the enrolment.
    The scenarios must have been passed, unless the module is attestation only (then the
    attestation records no attempt).

    Exactly one attestation and one certificate exist per person per policy version: when
    the person attested before (another tab, a replayed form), the earlier certificate is
    returned with ``already_attested`` set. ``shown_body_sha256`` is the hash of the text the
    person read: if the version in force has changed since, ``PolicyChanged`` is raised. Raises
    ``NotEnrolled``, ``NotReadyToAttest`` or ``certificates.services.NameMismatch`` too; nothing
    is written then.
    """
    progress = module_progress(user, module)
    if progress.enrolment is None:
        raise NotEnrolled("This module has not been assigned to you.")
    if progress.complete:  # a replayed form, or a second tab
        return AttestationOutcome(certificate=progress.certificate, already_attested=True)
    if not progress.ready_to_attest:
        raise NotReadyToAttest("Pass the module's scenarios before you attest to the policy.")
    if progress.policy_version is None:
        raise NotReadyToAttest("This module's policy is not in force yet, so there is nothing to attest to.")
    if shown_body_sha256 != progress.policy_version.body_sha256:
        raise PolicyChanged(
            "The policy was updated while you were reading it. Read the version now in force, then attest."
        )
    # An attestation-only module's attestation rests on no attempt: the record says so by having none.
    passed = progress.passed_attempt.public_id if progress.passed_attempt else None
    context = dataclasses.replace(context, module_id=module.pk, attempt_id=passed)
    try:
        attestation = attest(user, progress.policy_version, typed_name, context, after_revocation=progress.revoked)
        already = False
    except AlreadyAttested as error:
        attestation, already = error.attestation, True
    certificate = issue_certificate(
        attestation,
        module_id=module.pk,
        module_title=module.title,
        valid_months=module.certificate_validity_months,
    )
    _complete(progress.enrolment, certificate)
    return AttestationOutcome(certificate=certificate, already_attested=already)


def _complete(enrolment: Enrolment, certificate: Certificate) -> None:
    """Mark the enrolment complete with its certificate; a re-attestation's newer certificate
    replaces the one the enrolment pointed to."""
    if enrolment.status != Enrolment.Status.COMPLETE or enrolment.certificate_serial != certificate.serial:
        enrolment.status = Enrolment.Status.COMPLETE
        enrolment.completed_at = certificate.issued_at
        enrolment.certificate_serial = certificate.serial
        enrolment.save(update_fields=["status", "completed_at", "certificate_serial"])


# A recurring assignment opens the next cycle this long before it falls due, so the first
# reminders go out in good time.
RECURRENCE_LEAD = datetime.timedelta(days=30)


@transaction.atomic
def enrol_assignment(assignment: Assignment) -> int:
    """Enrol everyone in the assignment's audience who is not enrolled on its module and not
    exempt, due by the assignment's date (or N days after they joined); move the due date of
    its open enrolments if the assignment's date moved; and, for a recurring assignment, open
    the next cycle for those who completed the last one. Safe to run again: it creates only
    what is missing. Returns the number of enrolments created."""
    module_id = assignment.module_id
    exempt = Exemption.objects.filter(module_id=module_id).in_force().values("user_id")
    enrolled = Enrolment.objects.filter(module_id=module_id).values("user_id")
    newcomers = assignment.audience().exclude(pk__in=exempt).exclude(pk__in=enrolled)
    # Someone never enrolled because they were exempt is due counting from the day after it ended.
    ended = dict(Exemption.objects.filter(module_id=module_id).ended().values_list("user_id", "exempt_until"))
    created = Enrolment.objects.bulk_create(
        [
            Enrolment(
                user_id=pk,
                module_id=module_id,
                assignment=assignment,
                due_date=(
                    due_after_exemption(assignment, ended[pk])
                    if pk in ended
                    else assignment.due_for(joined_on or joined_at.date())
                ),
            )
            for pk, joined_on, joined_at in newcomers.values_list("pk", "joined_on", "date_joined").iterator(2000)
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    if assignment.due_date is not None:  # the first cycle follows a moved date; later cycles have their own
        Enrolment.objects.filter(assignment=assignment, cycle=1).open().exclude(due_date=assignment.due_date).update(
            due_date=assignment.due_date
        )
    return len(created) + _open_recurrences(assignment)


def _open_recurrences(assignment: Assignment) -> int:
    """Open the next cycle for each person whose latest cycle is complete and falls due again
    (``recurrence_months`` after they completed it) within ``RECURRENCE_LEAD``."""
    if not assignment.recurrence_months:
        return 0
    horizon = timezone.localdate() + RECURRENCE_LEAD
    completed = (
        Enrolment.objects.current()
        .filter(module_id=assignment.module_id, status=Enrolment.Status.COMPLETE, user__in=assignment.audience())
        .exclude(Exists(_exemption_in_force()))
        .values_list("user_id", "cycle", "completed_at")
    )
    due = []
    for user_id, cycle, completed_at in completed.iterator(2000):
        next_due = add_months(timezone.localdate(completed_at), assignment.recurrence_months)
        if next_due <= horizon:
            due.append(
                Enrolment(
                    user_id=user_id,
                    module_id=assignment.module_id,
                    assignment=assignment,
                    cycle=cycle + 1,
                    due_date=max(next_due, timezone.localdate()),
                )
            )
    return len(Enrolment.objects.bulk_create(due, batch_size=2000, ignore_conflicts=True))


def enrol_everyone() -> int:
    """Run every assignment (the background task, after an import and daily): exemptions that
    have ended give their enrolments back, joiners are enrolled, moved dates followed,
    recurrences opened. Returns the number of enrolments created or reopened."""
    reopened = reopen_after_exemptions_ended()
    return reopened + sum(
        enrol_assignment(assignment) for assignment in Assignment.objects.prefetch_related("org_units")
    )


def _exemption_in_force():
    """An exemption in force today of the enrolment's person from its module, for ``Exists``."""
    return Exemption.objects.in_force().filter(user_id=OuterRef("user_id"), module_id=OuterRef("module_id"))


# Someone back from an exemption has this long to do the module, unless their assignment gives
# them longer: the same time as a retake after a revoked certificate (``RETAKE_WITHIN``).
BACK_FROM_EXEMPTION_WITHIN = datetime.timedelta(days=28)


def due_after_exemption(assignment: Assignment | None, exempt_until: datetime.date) -> datetime.date:
    """When someone whose exemption ended on ``exempt_until`` is due, counting from the day
    after (the day they are asked again): an assignment's days after joining count from that
    day, as for a joiner; a fixed date stands if it leaves them ``BACK_FROM_EXEMPTION_WITHIN``,
    and otherwise (or with no assignment) they have that long."""
    back = exempt_until + datetime.timedelta(days=1)
    if assignment is not None and assignment.due_days_after_joining:
        return back + datetime.timedelta(days=assignment.due_days_after_joining)
    floor = back + BACK_FROM_EXEMPTION_WITHIN
    if assignment is not None and assignment.due_date is not None:
        return max(assignment.due_date, floor)
    return floor


@transaction.atomic
def reopen_after_exemptions_ended(on: datetime.date | None = None) -> int:
    """Give back the enrolments of everyone whose exemption ended before ``on`` (default
    today): each enrolment it closed is open again where it was (in progress if started), due
    by ``due_after_exemption``. The exemption is kept, for the record. Running again changes
    nothing: only enrolments still marked exempt are touched. Returns how many were reopened."""
    day = on or timezone.localdate()
    ended_on = Exemption.objects.ended(on=day).filter(user_id=OuterRef("user_id"), module_id=OuterRef("module_id"))
    closed = (
        Enrolment.objects.select_for_update(of=("self",))
        .filter(status=Enrolment.Status.EXEMPT)
        .annotate(exempt_until=Subquery(ended_on.values("exempt_until")[:1]))
        .filter(exempt_until__isnull=False)
        .select_related("assignment")
    )
    reopened = []
    for enrolment in closed:
        enrolment.status = Enrolment.Status.IN_PROGRESS if enrolment.started_at else Enrolment.Status.NOT_STARTED
        enrolment.due_date = due_after_exemption(enrolment.assignment, enrolment.exempt_until)
        reopened.append(enrolment)
    Enrolment.objects.bulk_update(reopened, ["status", "due_date"], batch_size=2000)
    return len(reopened)


@transaction.atomic
def exempt(person, module: ModulePage, *, reason: str, by, until: datetime.date | None = None) -> Exemption:
    """Excuse ``person`` from ``module`` with a reason, for good or up to and including
    ``until``; an enrolment not yet complete is marked exempt (and kept) until then. Raises
    ``ValueError`` for a blank reason, an end date in the past or a second exemption (one that
    has ended is changed on its own page instead, so its record stays one row)."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("Give the reason for the exemption.")
    _check_end(until)
    existing = Exemption.objects.filter(user=person, module=module).first()
    if existing is not None:
        if existing.is_in_force:
            raise ValueError(f"{person} is already exempt from {module.title}.")
        raise ValueError(
            f"{person}'s exemption from {module.title} ended on {existing.exempt_until:%d %B %Y}: "
            "change its end date to exempt them again."
        )
    exemption = Exemption.objects.create(user=person, module=module, reason=reason, exempt_until=until, created_by=by)
    _close_for_exemption(exemption)
    return exemption


def _check_end(until: datetime.date | None) -> None:
    if until is not None and until < timezone.localdate():
        raise ValueError("The end date has passed: choose today or a later day, or leave it blank for no end date.")


def _close_for_exemption(exemption: Exemption) -> None:
    Enrolment.objects.filter(user_id=exemption.user_id, module_id=exemption.module_id).exclude(
        status=Enrolment.Status.COMPLETE
    ).update(status=Enrolment.Status.EXEMPT)


@transaction.atomic
def change_exemption(exemption: Exemption, *, reason: str, until: datetime.date | None) -> Exemption:
    """Reword an exemption's reason or move its end date. A new end date must not be in the
    past (an unchanged one may be). An exemption that had ended and is in force again marks the
    person's enrolment not yet complete exempt again; one that now ends earlier gives it back
    on the daily run after its new last day. Raises ``ValueError`` as ``exempt`` does."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("Give the reason for the exemption.")
    if until != exemption.exempt_until:
        _check_end(until)
    exemption.reason, exemption.exempt_until = reason, until
    exemption.save(update_fields=["reason", "exempt_until"])
    if exemption.is_in_force:
        _close_for_exemption(exemption)
    return exemption


# How long someone whose certificate was revoked has to train again, unless HR says otherwise.
RETAKE_WITHIN = datetime.timedelta(days=28)


@transaction.atomic
def reopen_after_revocation(certificate: Certificate, due: datetime.date | None = None) -> Enrolment | None:
    """Send the holder of a revoked certificate back to training on its module.

    When their latest cycle was completed with this certificate, a new cycle opens (the
    completed one stays as it was: what was true then), due by ``due`` or ``RETAKE_WITHIN``
    from today, pointing at the revoked certificate so their pages can say why. When their
    latest cycle is still open but already passed (a re-attestation waiting), it goes back to
    not started: a pass before the revocation no longer counts. Returns the cycle to do now,
    or None when the certificate is not what their training rests on (an older one, or the
    module no longer assigned to them)."""
    current = (
        Enrolment.objects.select_for_update()
        .filter(user_id=certificate.user_id, module_id=certificate.module_id)
        .order_by("-cycle")
        .first()
    )
    if current is None or current.status == Enrolment.Status.EXEMPT:
        return None
    if current.status == Enrolment.Status.COMPLETE:
        if current.certificate_serial != certificate.serial:
            return None
        return Enrolment.objects.create(
            user_id=current.user_id,
            module_id=current.module_id,
            assignment_id=current.assignment_id,
            cycle=current.cycle + 1,
            due_date=due or timezone.localdate() + RETAKE_WITHIN,
            revoked_certificate=certificate,
        )
    if current.status == Enrolment.Status.PASSED:
        current.status = Enrolment.Status.IN_PROGRESS if current.started_at else Enrolment.Status.NOT_STARTED
        current.passed_at = None
        current.revoked_certificate = certificate
        current.save(update_fields=["status", "passed_at", "revoked_certificate"])
    return current


def reopen_after_exemption(exemption: Exemption) -> None:
    """An exemption lifted: the enrolments it closed are open again, where they were."""
    closed = Enrolment.objects.filter(user_id=exemption.user_id, module_id=exemption.module_id, status="exempt")
    closed.filter(started_at__isnull=False).update(status=Enrolment.Status.IN_PROGRESS)
    closed.update(status=Enrolment.Status.NOT_STARTED)


@transaction.atomic
def open_reattestation_cycle(version: PolicyVersion) -> ReattestationCycle | None:
    """When a material version has taken effect, give everyone whose latest enrolment on a
    module using its policy is complete (on an earlier version) a new cycle: passed, with the
    attestation to do, due ``reattest_within_days`` after the cycle opens (the day the version
    takes effect, or today if the cycle opens late). Returns the cycle; None when the version
    opens none: a minor change, the first version, one not yet in force, or one a later material
    version has replaced. Opening a cycle twice does nothing."""
    today = timezone.localdate()
    first = not PolicyVersion.objects.filter(document_id=version.document_id, pk__lt=version.pk).exists()
    if not version.material or first:
        return None
    binding = version.document.binding_versions(on=today)
    if version not in binding:
        return None  # not in force yet, or a later material version has replaced it (its cycle is the one to open)
    start = max(version.effective_date, today)
    cycle, created = ReattestationCycle.objects.get_or_create(
        policy_version=version,
        defaults={"due_date": start + datetime.timedelta(days=version.reattest_within_days)},
    )
    if not created:
        return cycle
    completed = (
        Enrolment.objects.current()
        .filter(
            module__policy_document_id=version.document_id,
            status=Enrolment.Status.COMPLETE,
            user__is_active=True,
        )
        # Anyone who has already attested to a version that still counts has nothing to do.
        .exclude(user__attestations__policy_version__in=binding)
        .exclude(Exists(_exemption_in_force()))
    )
    created_rows = Enrolment.objects.bulk_create(
        [
            Enrolment(
                user_id=enrolment.user_id,
                module_id=enrolment.module_id,
                assignment_id=enrolment.assignment_id,
                cycle=enrolment.cycle + 1,
                due_date=cycle.due_date,
                status=Enrolment.Status.PASSED,
                started_at=cycle.opened_at,
                passed_at=enrolment.passed_at,
            )
            for enrolment in completed
        ],
        ignore_conflicts=True,
    )
    cycle.enrolled = len(created_rows)
    cycle.save(update_fields=["enrolled"])
    return cycle


def reattestation_audience(version: PolicyVersion):
    """The enrolments ``open_reattestation_cycle`` would give a new cycle if ``version`` (stored
    or only drafted) took effect today: each active person's latest cycle of a module using its
    policy, complete, unless they are exempt from the module or have attested to ``version``
    (the one version still binding once a material version is in force). None for a minor
    change or the policy's first version. The same rule as the cycle's, kept beside it."""
    earlier = PolicyVersion.objects.filter(document_id=version.document_id)
    if version.pk:
        earlier = earlier.filter(pk__lt=version.pk)
    if not version.material or not earlier.exists():
        return Enrolment.objects.none()
    completed = (
        Enrolment.objects.current()
        .filter(module__policy_document_id=version.document_id, status=Enrolment.Status.COMPLETE, user__is_active=True)
        .exclude(Exists(_exemption_in_force()))
    )
    if version.pk:
        completed = completed.exclude(user__attestations__policy_version=version)
    return completed


def reattestation_asked_of(sender, version: PolicyVersion, **kwargs) -> Reattestation | None:
    """Answers ``certificates.publishing.reattestation_asked``: how many people ``version``
    asks to attest again (once its cycle has opened, the people the cycle enrolled; before, the
    ``reattestation_audience`` of today), by when, and how many in each top org unit (the units
    directly below the force). Five queries however many people."""
    today = timezone.localdate()
    cycle = ReattestationCycle.objects.filter(policy_version_id=version.pk).first() if version.pk else None
    if cycle is not None:
        # The cycle's enrolments are the ones it created: started when it opened, due on its date.
        enrolments = Enrolment.objects.filter(
            module__policy_document_id=version.document_id,
            cycle__gt=1,
            started_at=cycle.opened_at,
            due_date=cycle.due_date,
        )
        due, opens_on = cycle.due_date, timezone.localdate(cycle.opened_at)
    else:
        enrolments = reattestation_audience(version)
        opens_on = max(version.effective_date or today, today)
        due = opens_on + datetime.timedelta(days=version.reattest_within_days)
    top = Substr("user__org_unit__path", 1, OrgUnit.steplen * 2)
    by_top = list(
        enrolments.order_by()
        .annotate(top=top)
        .values("top")
        .annotate(people=Count("user_id", distinct=True))
        .values_list("top", "people")
    )
    if not by_top:
        return Reattestation(people=0, due_date=due, opens_on=opens_on, opened=cycle is not None)
    names = dict(OrgUnit.objects.filter(path__in=[path for path, _ in by_top if path]).values_list("path", "name"))
    by_unit = sorted(
        ((names.get(path, "No org unit"), people) for path, people in by_top), key=lambda row: (-row[1], row[0])
    )
    return Reattestation(
        people=enrolments.values("user_id").distinct().count(),
        due_date=due,
        opens_on=opens_on,
        opened=cycle is not None,
        by_unit=by_unit,
        module_ids=sorted(set(enrolments.order_by().values_list("module_id", flat=True).distinct())),
    )


def open_due_reattestation_cycles() -> list[ReattestationCycle]:
    """Open the cycle of every material version that has taken effect without one yet: a
    version published to take effect on a later day opens its cycle on that day."""
    waiting = (
        PolicyVersion.objects.in_force()
        .filter(material=True, reattestation_cycle__isnull=True)
        .order_by("effective_date", "pk")
    )
    return [cycle for version in waiting if (cycle := open_reattestation_cycle(version))]


# Evidence of training done elsewhere: a scan or a certificate, as PDF, PNG or JPEG.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


class CannotRecordCompletion(Exception):
    """HR's record of training done elsewhere was refused; the message says why."""


def check_evidence(evidence) -> str:
    """The evidence's type ("pdf", "png" or "jpg") read from its first bytes, not its name.
    Raises ``CannotRecordCompletion`` for an empty, too large or other kind of file."""
    size = evidence.size or 0
    if size == 0:
        raise CannotRecordCompletion("The evidence file is empty: attach the PDF, PNG or JPEG again.")
    if size > EVIDENCE_MAX_BYTES:
        raise CannotRecordCompletion(
            f"The evidence file is {size / 1024 / 1024:.1f} MB: attach one of "
            f"{EVIDENCE_MAX_BYTES // 1024 // 1024} MB or less."
        )
    evidence.seek(0)
    head = evidence.read(8)
    evidence.seek(0)
    for magic, kind in EVIDENCE_TYPES.items():
        if head.startswith(magic):
            return kind
    raise CannotRecordCompletion("The evidence must be a PDF, PNG or JPEG file: this file is none of them.")


@transaction.atomic
def record_completion(
    person, module: ModulePage, *, completed_on: datetime.date, kind: str, description: str, evidence, by
) -> RecordedCompletion:
    """Record that ``person`` completed ``module`` by training done elsewhere, with the evidence,
    and complete their open enrolment on it (status complete, completed that day), audited. It
    makes no attestation and issues no certificate: those are the officer's own act.

    Raises ``CannotRecordCompletion`` (changing nothing) for an inactive person, no open
    enrolment on the module, one already complete, a day in the future, a blank description or
    evidence that is not a PDF, PNG or JPEG of at most 10 MB."""
    description = " ".join((description or "").split())
    if not person.is_active:
        raise CannotRecordCompletion(f"{person} is no longer active: their record is closed.")
    if completed_on > timezone.localdate():
        raise CannotRecordCompletion("The day of completion is in the future: choose today or an earlier day.")
    if not description:
        raise CannotRecordCompletion("Describe the training: the course or session, and who gave it.")
    if kind not in RecordedCompletion.Kind.values:
        raise CannotRecordCompletion("Choose what kind of training it was.")
    extension = check_evidence(evidence)
    enrolment = Enrolment.objects.select_for_update().filter(user=person, module=module).order_by("-cycle").first()
    if enrolment is None:
        raise CannotRecordCompletion(f"{person} is not enrolled on {module.title}: assign the module first.")
    if enrolment.status == Enrolment.Status.COMPLETE:
        raise CannotRecordCompletion(f"{person} has already completed {module.title} (cycle {enrolment.cycle}).")
    if not enrolment.is_open:
        raise CannotRecordCompletion(f"{person} is exempt from {module.title}: there is nothing to complete.")
    digest = hashlib.sha256()
    evidence.seek(0)
    for chunk in evidence.chunks():
        digest.update(chunk)
    evidence.seek(0)
    original = (getattr(evidence, "name", "") or f"evidence.{extension}").rsplit("/", 1)[-1][:255]
    evidence.name = f"evidence.{extension}"  # the stored name comes from the type, never the upload
    record = RecordedCompletion(
        user=person,
        module=module,
        enrolment=enrolment,
        completed_on=completed_on,
        kind=kind,
        description=description,
        evidence_sha256=digest.hexdigest(),
        evidence_name=original,
        evidence_size=evidence.size,
        recorded_by=by,
    )
    record.evidence.save(evidence.name, evidence, save=False)
    record.save()
    enrolment.status = Enrolment.Status.COMPLETE
    enrolment.completed_at = timezone.make_aware(datetime.datetime.combine(completed_on, datetime.time(12)))
    enrolment.save(update_fields=["status", "completed_at"])
    audit.record(
        audit.Action.CHANGE,
        actor=by,
        verb="recorded a completion elsewhere",
        object=record,
        details={
            "person": person.pk,
            "module": module.pk,
            "enrolment": enrolment.pk,
            "completed_on": completed_on.isoformat(),
            "kind": kind,
            "evidence_sha256": record.evidence_sha256,
        },
    )
    return record


@transaction.atomic
def withdraw_recorded_completion(record: RecordedCompletion, *, reason: str, by) -> RecordedCompletion:
    """Correct a completion recorded by mistake: a new row that withdraws ``record`` with the
    reason (``record`` itself stays as it was), and the enrolment it completed open again
    (passed, in progress or not started, as the person's own attempts left it), audited.

    Raises ``CannotRecordCompletion`` (changing nothing) for a blank reason, a row that is itself
    a withdrawal, or one already withdrawn."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CannotRecordCompletion("Give the reason for withdrawing the record.")
    record = RecordedCompletion.objects.select_related("user", "module").get(pk=record.pk)
    if record.withdraws_id is not None:
        raise CannotRecordCompletion("This record is itself a withdrawal: it cannot be withdrawn.")
    if RecordedCompletion.objects.filter(withdraws=record).exists():
        raise CannotRecordCompletion("This record has already been withdrawn.")
    enrolment = Enrolment.objects.select_for_update().get(pk=record.enrolment_id)
    correction = RecordedCompletion.objects.create(
        user_id=record.user_id,
        module_id=record.module_id,
        enrolment=enrolment,
        completed_on=record.completed_on,
        kind=record.kind,
        description=record.description,
        evidence=record.evidence.name,  # the same stored file: the withdrawal says which evidence it was
        evidence_sha256=record.evidence_sha256,
        evidence_name=record.evidence_name,
        evidence_size=record.evidence_size,
        recorded_by=by,
        withdraws=record,
        withdrawal_reason=reason,
    )
    # Only a completion this record made is undone: one the person earned since (their own
    # certificate) stands.
    if enrolment.status == Enrolment.Status.COMPLETE and not enrolment.certificate_serial:
        if enrolment.passed_at:
            enrolment.status = Enrolment.Status.PASSED
        elif enrolment.started_at:
            enrolment.status = Enrolment.Status.IN_PROGRESS
        else:
            enrolment.status = Enrolment.Status.NOT_STARTED
        enrolment.completed_at = None
        enrolment.save(update_fields=["status", "completed_at"])
    audit.record(
        audit.Action.CHANGE,
        actor=by,
        verb="withdrew a completion recorded elsewhere",
        object=correction,
        details={"withdraws": record.pk, "person": record.user_id, "module": record.module_id, "reason": reason},
    )
    return correction
