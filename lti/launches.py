"""Checking an LTI 1.3 launch: pylti1p3's message launch, made strict.

pylti1p3 (through django-lti's tool configuration) checks the OIDC state against the cookie
set at login, the registration, the platform's signature from its JWKS and the message. It is
made stricter here, and each failure is named so the refusal page and the audit event say why:

- an unknown or inactive deployment is refused (django-lti would create it on the fly);
- the audience must name our client id (and ``azp`` must, when there are several audiences);
- a nonce is used once: pylti1p3 only checks that we issued it, so the same id_token could be
  posted again while its state is cached;
- the token's ``iat`` may be at most ``LTI_LAUNCH_MAX_AGE_SECONDS`` old, besides its ``exp``;
- the checks run signature first, so a forged token cannot use up someone's nonce.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from lti_tool.models import LtiDeployment, LtiRegistration
from lti_tool.utils import DjangoToolConfig
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException

from .keys import ensure_key

# The platform's keys are fetched at most this often (a new kid waits for the next fetch).
PLATFORM_KEYS_KEPT_SECONDS = 300
PLATFORM_TIMEOUT_SECONDS = 5
CLOCK_LEEWAY_SECONDS = 30


class LaunchRefused(Exception):
    """A launch Attest will not act on. ``reason`` is a short code for the audit log; ``message``
    what the refusal page tells the person; ``status`` 400 for a token that does not check out,
    403 for a good token from somewhere Attest does not serve."""

    def __init__(self, reason: str, message: str, status: int = 400):
        super().__init__(message)
        self.reason, self.message, self.status = reason, message, status


NOT_FROM_PLATFORM = (
    "This launch did not come from a learning platform registered with Attest, or it was changed on the way."
)
NOT_THIS_BROWSER = "This launch was not started from this browser, or it took too long."
EXPIRED = "This launch has expired: open the module again from the platform."
NO_KEYS = "Attest could not check this launch's signature with the platform's keys."
NOT_APPROVED = (
    "This course's link to Attest has not been approved yet: ask an Attest administrator to add its deployment."
)


class TimeoutSession(requests.Session):
    """No call to a platform may hang a request worker."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", PLATFORM_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


class ToolConfig(DjangoToolConfig):
    """django-lti's registration lookup, but an unknown or inactive deployment is not found
    (django-lti would create it, inactive): the launch is then refused."""

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        self.deployment = (
            LtiDeployment.objects.select_related("registration")
            .filter(
                registration__issuer=iss,
                registration__client_id=client_id,
                registration__is_active=True,
                deployment_id=deployment_id,
                is_active=True,
            )
            .first()
        )
        return None if self.deployment is None else Deployment().set_deployment_id(deployment_id)

    def find_deployment(self, iss, deployment_id):  # pylti1p3 asks this only for one-client issuers
        return None


def storage() -> DjangoCacheDataStorage:
    return DjangoCacheDataStorage(cache_name="default")


def oidc_login(request) -> DjangoOIDCLogin:
    return DjangoOIDCLogin(request, ToolConfig(), launch_data_storage=storage())


class StrictMessageLaunch(DjangoMessageLaunch):
    def __init__(self, request):
        super().__init__(request, ToolConfig(), launch_data_storage=storage(), requests_session=TimeoutSession())
        self.set_public_key_caching(storage(), PLATFORM_KEYS_KEPT_SECONDS)

    @property
    def registration(self) -> LtiRegistration:
        return self._tool_config.registration

    @property
    def deployment(self) -> LtiDeployment:
        return self._tool_config.deployment

    def validate(self) -> StrictMessageLaunch:
        self._validated = True
        try:
            self._step(self.validate_state, "state", NOT_THIS_BROWSER)
            self._step(self.validate_jwt_format, "malformed", NOT_FROM_PLATFORM)
            self._check_audience_names_a_registration()
            self._check_signature()
            self._check_deployment()
            self._use_nonce_once()
            self._step(self.validate_message, "message", "Attest does not understand this kind of launch.")
            self.save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self

    @staticmethod
    def _step(check, reason: str, message: str, status: int = 400) -> None:
        try:
            check()
        except (LtiException, KeyError, TypeError, ValueError, AttributeError) as error:
            raise LaunchRefused(reason, message, status) from error

    def _check_audience_names_a_registration(self) -> None:
        body = self._get_jwt_body()
        if not isinstance(body.get("iss"), str) or not isinstance(body.get("aud"), str | list):
            raise LaunchRefused("malformed", NOT_FROM_PLATFORM)
        audiences = body["aud"] if isinstance(body["aud"], list) else [body["aud"]]
        if not LtiRegistration.objects.filter(issuer=body["iss"]).exists():
            raise LaunchRefused("unknown-platform", NOT_FROM_PLATFORM)
        client_ids = [a for a in audiences if isinstance(a, str)][:10]
        registration = (
            LtiRegistration.objects.filter(issuer=body["iss"], client_id__in=client_ids).order_by("pk").first()
        )
        if registration is None:
            raise LaunchRefused("wrong-audience", "This launch was meant for another tool, not Attest.")
        if len(audiences) > 1 and body.get("azp") != registration.client_id:
            raise LaunchRefused("wrong-audience", "This launch was meant for another tool, not Attest.")
        if not registration.is_active:
            raise LaunchRefused("platform-inactive", "Attest no longer accepts launches from this platform.", 403)
        # pylti1p3 reads the client id from the first audience; look it up by the one that matched.
        self._tool_config.registration_uuid = registration.uuid
        self._registration = self._tool_config.find_registration_by_params(body["iss"], registration.client_id)

    def _check_signature(self) -> None:
        try:
            public_key, algorithm = self.get_public_key()
        except LtiException as error:
            raise LaunchRefused("platform-keys", NO_KEYS) from error
        if algorithm not in ("RS256", "RS384", "RS512", "ES256", "ES384"):
            raise LaunchRefused("bad-signature", NOT_FROM_PLATFORM)
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[algorithm],
                options={"verify_aud": False, "require": ["exp", "iat", "nonce", "sub"]},
                leeway=CLOCK_LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError as error:
            raise LaunchRefused("expired", EXPIRED) from error
        except jwt.InvalidTokenError as error:
            raise LaunchRefused("bad-signature", NOT_FROM_PLATFORM) from error
        issued_at = self._get_jwt_body().get("iat")
        if time.time() - float(issued_at) > settings.LTI_LAUNCH_MAX_AGE_SECONDS + CLOCK_LEEWAY_SECONDS:
            raise LaunchRefused("expired", EXPIRED)

    def _check_deployment(self) -> None:
        body = self._get_jwt_body()
        deployment_id = body.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
        if not isinstance(deployment_id, str) or not deployment_id:
            raise LaunchRefused("malformed", NOT_FROM_PLATFORM)
        self._tool_config.find_deployment_by_params(body["iss"], deployment_id, self.registration.client_id)
        if self.deployment is None:
            raise LaunchRefused(
                "unknown-deployment",
                NOT_APPROVED,
                403,
            )

    def _use_nonce_once(self) -> None:
        nonce = self._get_jwt_body().get("nonce")
        if not isinstance(nonce, str) or not self._session_service.check_nonce(nonce):
            raise LaunchRefused("state", NOT_THIS_BROWSER)
        key = f"attest:lti:nonce-used:{self.registration.pk}:{nonce}"
        if not cache.add(key, True, settings.LTI_LAUNCH_MAX_AGE_SECONDS + CLOCK_LEEWAY_SECONDS):
            raise LaunchRefused("replayed", "This launch was used already: open the module again from the platform.")


def validated_launch(request) -> StrictMessageLaunch:
    """The launch posted to ``request``, checked; raises ``LaunchRefused`` saying why not."""
    if not request.POST.get("id_token"):
        raise LaunchRefused("malformed", NOT_FROM_PLATFORM)
    ensure_key()  # django-lti's registration lookup reads the tool's key
    try:
        launch = StrictMessageLaunch(request)
    except LtiException as error:  # on HTTPS, pylti1p3's session cookie from the login is missing
        raise LaunchRefused("state", NOT_THIS_BROWSER) from error
    return launch.validate()


@dataclass(frozen=True)
class Claims:
    """The parts of a checked launch Attest reads."""

    body: dict

    LTI = "https://purl.imsglobal.org/spec/lti/claim/"
    AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
    DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

    def claim(self, name: str) -> dict:
        value = self.body.get(self.LTI + name)
        return value if isinstance(value, dict) else {}

    @property
    def message_type(self) -> str:
        return str(self.body.get(self.LTI + "message_type", ""))

    @property
    def sub(self) -> str:
        return str(self.body.get("sub", ""))

    @property
    def custom(self) -> dict:
        return self.claim("custom")

    @property
    def roles(self) -> list[str]:
        roles = self.body.get(self.LTI + "roles")
        return [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []

    @property
    def ags(self) -> dict:
        value = self.body.get(self.AGS)
        return value if isinstance(value, dict) else {}

    @property
    def deep_linking_settings(self) -> dict:
        value = self.body.get(self.DL)
        return value if isinstance(value, dict) else {}
