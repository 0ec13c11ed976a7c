"""The tool's end of LTI 1.3: its key set, OIDC login initiation, the launch (a module for the
person, or the module picker for a course's author) and the step from the launch to the module,
inside the platform's frame or in a new window."""

from __future__ import annotations

import secrets

from django.contrib.auth import login
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import Key, LtiRegistration
from pylti1p3.exception import LtiException, OIDCException

from access import audit
from people.models import User

from . import services
from .keys import ensure_key, signing_registration
from .launches import Claims, LaunchRefused, oidc_login, validated_launch
from .middleware import FRAMED_BY, platform_origin
from .models import origin_of

BACKEND = "django.contrib.auth.backends.ModelBackend"
# The step from a launch to its module: a one-time key, kept this long.
CONTINUE_SECONDS = 120
LINK_EXPIRED = "This link has expired: open the module again from the learning platform."


@require_GET
def jwks(request):
    """The tool's public keys: every active key, so a platform still holding a token signed with
    the previous key can check it until that key is retired (``manage.py rotate_keys``)."""
    ensure_key()
    response = JsonResponse(Key.objects.as_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


def refused(request, refusal: LaunchRefused, *, origin: str | None = None):
    """The refusal page, with one audit event saying why; framed only by a registered platform."""
    audit.denied(request, "learning platform launch", reason=refusal.reason, status=refusal.status)
    response = render(
        request, "lti/refused.html", {"message": refusal.message, "reason": refusal.reason}, status=refusal.status
    )
    response.refusal_audited = True
    if origin:
        response.lti_frame_origin = origin
    return response


def _registered_origin(issuer) -> str | None:
    """The framing origin of a registered, active platform with this issuer (even for a launch
    that failed its checks: only its refusal page is shown)."""
    if not isinstance(issuer, str):
        return None
    pk = LtiRegistration.objects.filter(issuer=issuer, is_active=True).values_list("pk", flat=True).first()
    return platform_origin(pk) if pk else None


@csrf_exempt  # a platform's form, not ours; nothing is changed but a state cookie
@never_cache
@require_http_methods(["GET", "POST"])
def login_initiation(request):
    params = request.POST if request.method == "POST" else request.GET
    target = params.get("target_link_uri", "")
    issuer = params.get("iss")
    origin = _registered_origin(issuer)
    if urlsplit_path(target) != reverse("lti:launch"):
        return refused(request, LaunchRefused("bad-login", "This login names no Attest launch address."), origin=origin)
    ensure_key()  # django-lti's registration lookup reads the tool's key
    try:
        return oidc_login(request).redirect(target)
    except (LtiException, OIDCException, AssertionError, ValueError):
        refusal = LaunchRefused("unknown-platform", "This learning platform is not registered with Attest.")
        return refused(request, refusal, origin=origin)


def urlsplit_path(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).path
    except ValueError:
        return ""


@csrf_exempt  # the platform's signed id_token is the authority here, checked in full
@never_cache
@require_POST
def launch(request):
    try:
        message_launch = validated_launch(request)
    except LaunchRefused as refusal:
        return refused(request, refusal, origin=_registered_origin(_unverified_issuer(request)))
    claims = Claims(message_launch.get_launch_data())
    registration, deployment = message_launch.registration, message_launch.deployment
    origin = platform_origin(registration.pk)
    try:
        if message_launch.is_deep_link_launch():
            return choose_module(request, message_launch, claims, origin)
        if not message_launch.is_resource_launch():
            raise LaunchRefused("message", "Attest opens modules and lets authors choose them; it cannot do this.")
        user = services.person_for(registration, claims)
        module = services.module_for(claims)
        with transaction.atomic():
            services.remember_launch(registration, deployment, user, module, claims)
    except LaunchRefused as refusal:
        return refused(request, refusal, origin=origin)
    # Signs the person in as any sign-in does (audited, session recorded): MFA is still asked
    # by access.middleware for any page their role needs it for.
    login(request, user, backend=BACKEND)
    request.session[FRAMED_BY] = registration.pk
    key = secrets.token_urlsafe(32)
    held = {"user": user.pk, "registration": registration.pk, "next": module.url}
    cache.set(_continue_key(key), held, CONTINUE_SECONDS)
    response = HttpResponseRedirect(reverse("lti:continue", args=[key]))
    response.lti_frame_origin = origin
    return response


def _unverified_issuer(request):
    """The ``iss`` a refused token claims, to frame its refusal page if that platform is registered."""
    import jwt

    try:
        return jwt.decode(request.POST.get("id_token", ""), options={"verify_signature": False}).get("iss")
    except (jwt.InvalidTokenError, AttributeError):
        return None


def _continue_key(key: str) -> str:
    return f"attest:lti:continue:{key}"


@never_cache
@require_GET
def continue_to_module(request, key: str):
    """From the launch to the module. Inside the platform's frame with the session cookie, straight
    on. Inside a frame whose browser kept the cookie back (third-party cookies blocked), a button
    opening a new window; there, at the top level, the one-time key signs the person in."""
    held = cache.get(_continue_key(key)) if len(key) < 100 else None
    if not isinstance(held, dict):
        return refused(request, LaunchRefused("continue-expired", LINK_EXPIRED))
    origin = platform_origin(held["registration"])
    if request.user.is_authenticated and request.user.pk == held["user"]:
        cache.delete(_continue_key(key))
        return HttpResponseRedirect(held["next"])
    if request.headers.get("Sec-Fetch-Dest") == "iframe":
        response = render(request, "lti/new_window.html", {"url": request.path})
        response.lti_frame_origin = origin
        return response
    if not cache.delete(_continue_key(key)):  # used by another request a moment ago
        return refused(request, LaunchRefused("continue-expired", LINK_EXPIRED))
    user = User.objects.filter(pk=held["user"], is_active=True).first()
    if user is None:
        return refused(request, LaunchRefused("person-inactive", services.INACTIVE, 403))
    login(request, user, backend=BACKEND)
    request.session[FRAMED_BY] = held["registration"]
    return HttpResponseRedirect(held["next"])


def choose_module(request, message_launch, claims: Claims, origin: str | None):
    """The deep linking picker: the live modules, each with a form posting its signed
    LtiDeepLinkingResponse to the platform (no JavaScript needed)."""
    if not services.may_choose_modules(claims):
        raise LaunchRefused("not-author", "Only a course's author or teacher may choose Attest modules for it.", 403)
    return_url = claims.deep_linking_settings.get("deep_link_return_url")
    if not isinstance(return_url, str) or not origin_of(return_url):
        raise LaunchRefused("malformed", "The learning platform gave no address to return the chosen module to.")
    # Each module's response is signed: parse the key once for all of them.
    message_launch._registration = signing_registration(message_launch.registration)
    launch_url = request.build_absolute_uri(reverse("lti:launch"))
    choices = [
        {"module": module, "jwt": services.deep_link_response(message_launch, module, launch_url)}
        for module in services.live_modules()
    ]
    response = render(request, "lti/choose_module.html", {"choices": choices, "return_url": return_url})
    response._csp_update = {"form-action": [origin_of(return_url)]}
    response.lti_frame_origin = origin
    return response
