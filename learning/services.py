"""The officer's path through a module, orchestrating scenarios and certificates.

``scenarios`` and ``certificates`` know nothing of modules or enrolments; these functions
tie them together and keep each enrolment's status true.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from certificates.models import Attestation, Certificate, PolicyVersion, in_force, still_binding
from certificates.services import AlreadyAttested, Context, attest, issue_certificate
from scenarios.models import Attempt
from scenarios.services import start_attempt

from .models import Assignment, Enrolment, ModulePage, OrgUnit, ReattestationCycle, User


class NotEnrolled(Exception):
    """The module is not assigned to this person."""


class NotReadyToAttest(Exception):
    """The person has not passed the module, or it has no policy in force."""


class PolicyChanged(Exception):
    """The policy version in force is not the one the person was shown."""


@dataclass(frozen=True)
class ModuleProgress:
    """Where one person stands on one module, and what they should do next."""

    enrolment: Enrolment | None
    attempt_in_progress: Attempt | None
    last_finished: Attempt | None
    passed_attempt: Attempt | None
    policy_version: PolicyVersion | None
    attestation: Attestation | None
    certificate: Certificate | None
    attempts_made: int
    earlier_attestation: Attestation | None = None

    @property
    def reattest(self) -> bool:
        """Attested to an earlier version, and a material change has taken effect since."""
        return self.earlier_attestation is not None and self.can_attest

    @property
    def complete(self) -> bool:
        return self.certificate is not None

    @property
    def awaiting_policy(self) -> bool:
        """Passed, but the module has no policy version in force to attest to."""
        return self.passed_attempt is not None and self.policy_version is None

    @property
    def can_attest(self) -> bool:
        return self.passed_attempt is not None and self.policy_version is not None and not self.complete


def current_enrolment(user, module: ModulePage) -> Enrolment | None:
    return Enrolment.objects.filter(user=user, module=module).order_by("-cycle").first()


def module_progress(user, module: ModulePage) -> ModuleProgress:
    attempts = (
        list(Attempt.objects.filter(user=user, module_id=module.pk).order_by("-number"))
        if user.is_authenticated
        else []
    )
    enrolment = current_enrolment(user, module) if user.is_authenticated else None
    versions = module.policy_document.versions_in_force() if module.policy_document_id else []
    own = (
        list(Attestation.objects.filter(user=user, policy_version__document_id=module.policy_document_id))
        if versions and user.is_authenticated
        else []
    )
    binding = {version.pk for version in still_binding(versions)}
    attestation = max((row for row in own if row.policy_version_id in binding), key=_pk, default=None)
    certificate = Certificate.objects.filter(attestation=attestation).first() if attestation else None
    return ModuleProgress(
        enrolment=enrolment,
        attempt_in_progress=next((a for a in attempts if not a.is_finished), None),
        last_finished=next((a for a in attempts if a.is_finished), None),
        passed_attempt=next((a for a in attempts if a.passed), None),
        policy_version=versions[0] if versions else None,
        attestation=attestation,
        certificate=certificate,
        attempts_made=len(attempts),
        earlier_attestation=None if attestation else max(own, key=_pk, default=None),
    )


def _pk(row) -> int:
    return row.pk


def reattestations_due(user, enrolments) -> dict[int, PolicyVersion]:
    """For each enrolment, complete or waiting only for the attestation, whose policy has
    changed materially since the person last attested to it, the version they must now attest
    to, keyed by enrolment id. Three queries however many enrolments there are."""
    waiting = {Enrolment.Status.COMPLETE, Enrolment.Status.PASSED}
    candidates = [e for e in enrolments if e.status in waiting and e.module.policy_document_id]
    if not candidates:
        return {}
    documents = {e.module.policy_document_id for e in candidates}
    by_document: dict[int, list[PolicyVersion]] = {}
    for version in in_force(PolicyVersion.objects.filter(document_id__in=documents)):
        by_document.setdefault(version.document_id, []).append(version)
    attested: dict[int, set[int]] = {}
    for version_id, document_id in Attestation.objects.filter(
        user=user, policy_version__document_id__in=documents
    ).values_list("policy_version_id", "policy_version__document_id"):
        attested.setdefault(document_id, set()).add(version_id)
    due = {}
    for enrolment in candidates:
        versions = by_document.get(enrolment.module.policy_document_id, [])
        own = attested.get(enrolment.module.policy_document_id, set())
        if versions and own and not own & {version.pk for version in still_binding(versions)}:
            due[enrolment.pk] = versions[0]
    return due


@transaction.atomic
def begin_module(user, module: ModulePage) -> Attempt:
    """Resume or start the person's attempt at ``module`` and mark the enrolment started.

    Raises ``NotEnrolled``, or the scenario engine's ``AttemptError``s.
    """
    enrolment = current_enrolment(user, module)
    if enrolment is None:
        raise NotEnrolled("This module has not been assigned to you.")
    attempt = start_attempt(
        user,
        module,
        module.scenario_pages(),
        pass_mark=module.pass_mark,
        max_attempts=module.max_attempts,
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
    if progress.passed_attempt is None or progress.policy_version is None:
        raise NotReadyToAttest("Pass the module's scenarios before you attest to the policy.")
    if shown_body_sha256 != progress.policy_version.body_sha256:
        raise PolicyChanged(
            "The policy was updated while you were reading it. Read the version now in force, then attest."
        )
    context = dataclasses.replace(context, module_id=module.pk, attempt_id=progress.passed_attempt.public_id)
    try:
        attestation, already = attest(user, progress.policy_version, typed_name, context), False
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


def enrol_assignment(assignment: Assignment) -> int:
    """Enrol every active person in the assignment's audience who is not yet enrolled.

    The audience is the org unit and every unit below it, or everyone when the assignment
    has no unit. Safe to run again: existing enrolments are left as they are. Returns the
    number of enrolments created.
    """
    people = User.objects.filter(is_active=True)
    if assignment.org_unit_id:
        # Read the path afresh: adding units elsewhere in the tree can move it.
        unit = OrgUnit.objects.get(pk=assignment.org_unit_id)
        people = people.filter(org_unit__path__startswith=unit.path)
    already = Enrolment.objects.filter(module_id=assignment.module_id).values("user_id")
    created = Enrolment.objects.bulk_create(
        [
            Enrolment(
                user_id=user_id, module_id=assignment.module_id, assignment=assignment, due_date=assignment.due_date
            )
            for user_id in people.exclude(pk__in=already).values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )
    return len(created)


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
    if not version.material or first or version.effective_date > today:
        return None
    binding = still_binding(version.document.versions_in_force())
    if version not in binding:
        return None  # a later material version has replaced it: that one's cycle is the one to open
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


def open_due_reattestation_cycles() -> list[ReattestationCycle]:
    """Open the cycle of every material version that has taken effect without one yet: a
    version published to take effect on a later day opens its cycle on that day."""
    waiting = PolicyVersion.objects.filter(
        material=True, effective_date__lte=timezone.localdate(), reattestation_cycle__isnull=True
    ).order_by("effective_date", "pk")
    return [cycle for version in waiting if (cycle := open_reattestation_cycle(version))]
