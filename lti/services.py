"""What a checked launch does: find the person, remember where they launched from, offer modules
to a course author, and owe the platform a grade when the person passes or attests."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from lti_tool.models import LtiDeployment, LtiRegistration
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.grade import Grade

from core.kept import Kept
from learning.models import ModulePage
from people.models import User

from .keys import ensure_key, signing_registration
from .launches import Claims, LaunchRefused, TimeoutSession
from .models import GradeReturn, Launch, Platform, PlatformAccountLink

log = logging.getLogger(__name__)

MODULE_PARAMETER = "attest_module"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"

NO_RECORD = "Your training record could not be found: ask HR to link your platform account to your Attest record."
INACTIVE = "Your Attest account is not active: ask HR if you think it should be."
# Who on the platform may choose modules for a course (LTI context and institution roles).
AUTHOR_ROLES = (
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
)


def person_for(registration: LtiRegistration, claims: Claims) -> User:
    """The Attest person a launch is for, by the claim the registration's rules name: the
    warrant number (a custom parameter or the LIS person sourcedid) or the platform account HR
    linked. Never by email, and nobody is created. Raises ``LaunchRefused`` (403) when the claim
    names nobody, or someone no longer active."""
    rules = Platform.rules_for(registration)
    if rules.person_claim == Platform.PersonClaim.LINKED_ACCOUNT:
        links = PlatformAccountLink.objects.select_related("user")
        link = links.filter(registration=registration, sub=claims.sub).first()
        user = link.user if link else None
    else:
        if rules.person_claim == Platform.PersonClaim.WARRANT_SOURCEDID:
            warrant = claims.claim("lis").get("person_sourcedid")
        else:
            warrant = claims.custom.get(rules.custom_parameter)
        warrant = warrant.strip() if isinstance(warrant, str) else ""
        user = User.objects.filter(warrant_number=warrant).first() if warrant else None
    if user is None:
        raise LaunchRefused("person-not-found", NO_RECORD, 403)
    if not user.is_active:
        raise LaunchRefused("person-inactive", INACTIVE, 403)
    return user


def module_for(claims: Claims) -> ModulePage:
    """The live module a resource link names (custom parameter ``attest_module``, set by deep
    linking or by hand). Raises ``LaunchRefused`` (400) otherwise."""
    raw = claims.custom.get(MODULE_PARAMETER)
    raw = str(raw).strip() if isinstance(raw, str | int) else ""
    module = ModulePage.objects.live().filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
    if module is None:
        raise LaunchRefused(
            "unknown-module",
            "This link names no open Attest module: ask the course's author to choose the module again.",
        )
    return module


def remember_launch(
    registration: LtiRegistration, deployment: LtiDeployment, user: User, module: ModulePage, claims: Claims
) -> Launch:
    """Record where ``user`` launched ``module`` from, with the platform's grade service
    endpoints and scopes: grades for it go back there and nowhere else."""
    ags = claims.ags
    scopes = [s for s in ags.get("scope", []) if isinstance(s, str)] if isinstance(ags.get("scope"), list) else []
    link = claims.claim("resource_link")
    values = {
        "registration": registration,
        "module_id": module.pk,
        "context_id": str(claims.claim("context").get("id", ""))[:255],
        "sub": claims.sub[:255],
        "lineitem_url": _url(ags.get("lineitem")),
        "lineitems_url": _url(ags.get("lineitems")),
        "scopes": scopes,
        "last_launched_at": timezone.now(),
    }
    resource_link_id = str(link.get("id", ""))[:255]
    if not resource_link_id:
        raise LaunchRefused("malformed", "This launch names no resource link.")
    launch, _ = Launch.objects.update_or_create(
        deployment=deployment, resource_link_id=resource_link_id, user=user, defaults=values
    )
    return launch


def _url(value) -> str:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 1000 else ""


def may_choose_modules(claims: Claims) -> bool:
    return any(role in AUTHOR_ROLES for role in claims.roles)


def live_modules():
    return ModulePage.objects.live().order_by("title").only("id", "title", "search_description")


def deep_link_response(message_launch, module: ModulePage, launch_url: str) -> str:
    """The signed LtiDeepLinkingResponse offering ``module`` as one ltiResourceLink, with a
    line item out of 100 if the platform accepts them."""
    settings_claim = Claims(message_launch.get_launch_data()).deep_linking_settings
    resource = (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(module.title)
        .set_custom_params({MODULE_PARAMETER: str(module.pk)})
    )
    if settings_claim.get("accept_lineitem", True):
        from pylti1p3.lineitem import LineItem

        resource.set_lineitem(
            LineItem().set_score_maximum(100).set_label(module.title[:255]).set_tag(f"attest-module-{module.pk}")
        )
    return message_launch.get_deep_link().get_response_jwt([resource])


# Grades --------------------------------------------------------------------------------------


def owe_grades(*, user_id: int, module_id: int, kind: str, source_id: int, score: float | None) -> list[GradeReturn]:
    """Inside the transaction that passed or attested: one outbox row per place the person
    launched this module from that takes scores. Sent after commit (``lti.tasks``)."""
    owed = []
    for launch in Launch.objects.filter(user_id=user_id, module_id=module_id).select_related("deployment"):
        if not launch.can_send_scores or not launch.deployment.is_active:
            continue
        if kind == GradeReturn.Kind.COMPLETION and score is None:
            score = (
                GradeReturn.objects.filter(launch=launch, kind=GradeReturn.Kind.SCORE)
                .order_by("-happened_at")
                .values_list("score_given", flat=True)
                .first()
            )
        completed = kind == GradeReturn.Kind.COMPLETION
        try:
            with transaction.atomic():
                owed.append(
                    GradeReturn.objects.create(
                        launch=launch,
                        kind=kind,
                        source_id=source_id,
                        score_given=score,
                        activity_progress="Completed" if completed else "Submitted",
                        grading_progress="FullyGraded",
                    )
                )
        except IntegrityError:  # the same pass or attestation, told twice
            continue
    return owed


# A connector keeps the platform's access tokens: one token request per platform and process
# every five minutes, not one per grade.
_connectors: Kept = Kept(size=32, seconds=300)


class GradeNotSent(Exception):
    pass


def post_grade(grade_return: GradeReturn) -> None:
    """Send one score to the platform's line item (from the launch, or found or made through its
    line items URL). Raises ``GradeNotSent`` with the platform's answer."""
    import requests
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.exception import LtiException, LtiServiceException
    from pylti1p3.lineitem import LineItem
    from pylti1p3.service_connector import ServiceConnector

    launch = grade_return.launch
    registration = launch.registration
    if not registration.is_active:
        raise GradeNotSent("The platform's registration is not active.")
    connector = _connectors.get(
        (registration.pk, registration.datetime_modified, ensure_key().pk),
        lambda: ServiceConnector(signing_registration(registration), requests_session=TimeoutSession()),
    )
    service = AssignmentsGradesService(connector, launch.ags_claim())
    grade = (
        Grade()
        .set_user_id(launch.sub)
        .set_score_maximum(grade_return.score_maximum)
        .set_activity_progress(grade_return.activity_progress)
        .set_grading_progress(grade_return.grading_progress)
        .set_timestamp(grade_return.happened_at.isoformat(timespec="milliseconds"))
    )
    if grade_return.score_given is not None:
        grade.set_score_given(grade_return.score_given)
    lineitem = None
    if not launch.lineitem_url:
        lineitem = (
            LineItem()
            .set_score_maximum(100)
            .set_label(f"Attest module {launch.module_id}")
            .set_resource_link_id(launch.resource_link_id)
            .set_tag(f"attest-module-{launch.module_id}")
        )
    try:
        service.put_grade(grade, lineitem)
    except LtiServiceException as error:
        _connectors.clear()  # its access token may be the reason: the next try asks for a new one
        answer = f"{error.response.status_code}: {error.response.text[:300]}"
        raise GradeNotSent(f"The platform answered {answer}") from error
    except (LtiException, requests.RequestException, ValueError, KeyError) as error:
        raise GradeNotSent(f"{type(error).__name__}: {str(error)[:300]}") from error


def send_grade_return(grade_return_id: int) -> str:
    """Try to send one owed grade if it is due; record the outcome. Never raises for the
    platform's failure: the row says when it will be tried again, or that it ran out of tries.
    Returns the row's status."""
    with transaction.atomic():
        grade_return = (
            GradeReturn.objects.select_for_update()
            .select_related("launch__registration")
            .filter(pk=grade_return_id, status=GradeReturn.Status.PENDING)
            .first()
        )
        if grade_return is None:
            return "not-pending"
        if grade_return.next_try_at > timezone.now():
            return "not-due"
        # Claimed for the length of one try: another worker taking it now would send it twice.
        grade_return.tries += 1
        grade_return.next_try_at = timezone.now() + grade_return.backoff()
        grade_return.save(update_fields=["tries", "next_try_at"])
    try:
        post_grade(grade_return)
    except GradeNotSent as error:
        grade_return.last_error = str(error)
        if grade_return.out_of_tries:
            grade_return.status = GradeReturn.Status.FAILED
        grade_return.save(update_fields=["last_error", "status"])
        log.warning("Grade return %s not sent (try %s): %s", grade_return.pk, grade_return.tries, error)
        return grade_return.status
    grade_return.status = GradeReturn.Status.SENT
    grade_return.sent_at = timezone.now()
    grade_return.last_error = ""
    grade_return.save(update_fields=["status", "sent_at", "last_error"])
    return grade_return.status


def retry(grade_return: GradeReturn) -> None:
    """An administrator's retry: the row is due now, with a fresh set of tries."""
    GradeReturn.objects.filter(pk=grade_return.pk).exclude(status=GradeReturn.Status.SENT).update(
        status=GradeReturn.Status.PENDING, tries=0, next_try_at=timezone.now()
    )
