"""Single sign-on with the force's Microsoft Entra ID tenant, on allauth's OpenID Connect provider.

Who may sign in, and as whom:

* An Entra account is known by its tenant and object IDs (the ``tid`` and ``oid`` claims), stored
  as the uid ``"<tid>:<oid>"``. Never by email, UPN or ``sub``: an address can be reassigned to
  someone else, and ``sub`` differs per application.
* A token from any tenant but the force's is refused, whatever its issuer says.
* The first sign-in links the Entra account to the person imported from HR whose warrant or staff
  number is in the token's warrant claim (``ENTRA_WARRANT_CLAIM``), if that person is active and
  not already linked to another Entra account. Anything else is refused with a page that sends
  them to HR, and recorded in the audit log. No account is ever created here.
* When the token's ``amr`` claim holds ``mfa``, the session counts as MFA-verified
  (``access.mfa``); otherwise nothing is noted and a privileged person is asked for MFA.

The settings (tenant pinning, PKCE) are built by ``access.entra.providers``.
"""

from __future__ import annotations

import secrets
from hmac import compare_digest
from typing import Any, NoReturn

from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.providers.base import AuthError, AuthProcess, ProviderException
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.shortcuts import render

from .audit import Action, record
from .entra import PROVIDER_ID
from .mfa import mark_verified

REFUSED_TEMPLATE = "socialaccount/sso_refused.html"


class WrongTenant(ProviderException):
    """The ID token's ``tid`` is not the force's tenant."""

    def __init__(self, claims: dict[str, Any]) -> None:
        super().__init__("ID token from another tenant")
        self.claims = claims


class SignInRefused(Exception):
    """A single sign-on the rules above do not allow; ``reason`` says which rule."""

    def __init__(self, reason: str, person=None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.person = person


def id_token_claims(data: Any) -> dict[str, Any]:
    """The decoded ID token's claims from a login's data or a SocialAccount's ``extra_data``."""
    claims = data.get("id_token") if isinstance(data, dict) else None
    if not isinstance(claims, dict):
        raise ProviderException("no ID token")
    return claims


def warrant_number_from(claims: dict[str, Any], claim: str) -> str:
    """The warrant or staff number in ``claim``, as HR imports write it (upper case)."""
    value = claims.get(claim)
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip().upper()


def said_mfa(claims: dict[str, Any]) -> bool:
    """Whether the identity provider says the person passed MFA for this token."""
    amr = claims.get("amr")
    return isinstance(amr, list) and "mfa" in amr


class EntraProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, keyed on tenant and object ID and pinned to one tenant.

    Named by ``provider_class`` in ``SOCIALACCOUNT_PROVIDERS["openid_connect"]``, so allauth uses it
    in place of its own class for every OpenID Connect app.
    """

    # allauth finds the provider's URLs in this package: keep the openid_connect ones.
    package = "allauth.socialaccount.providers.openid_connect"
    # Posting a bare ID token (allauth's headless "token" login) would skip the nonce check.
    supports_token_authentication = False

    @property
    def tenant_id(self) -> str:
        tenant = self.app.settings.get("tenant_id")
        if not tenant:
            raise ImproperlyConfigured("The Entra app has no tenant_id: build it with access.entra.providers.")
        return tenant

    @property
    def warrant_claim(self) -> str:
        return self.app.settings.get("warrant_claim", "")

    def extract_uid(self, data) -> str:
        claims = id_token_claims(data)
        tenant, object_id = str(claims.get("tid", "")).lower(), str(claims.get("oid", "")).lower()
        if tenant != self.tenant_id:
            raise WrongTenant(claims)
        if not object_id:
            raise ProviderException("ID token without an object ID")
        return f"{tenant}:{object_id}"

    def extract_extra_data(self, data) -> dict:
        return {"id_token": id_token_claims(data)}

    def extract_common_fields(self, data) -> dict:
        # Only fills the throwaway user allauth builds before lookup: people's details come from HR.
        claims = id_token_claims(data)
        return {"name": claims.get("name")}

    def extract_email_addresses(self, data) -> list:
        # No addresses, so that allauth can never match or connect an account by email.
        return []

    def get_auth_params_from_request(self, request: HttpRequest, action) -> dict:
        # allauth lets the login URL's query add authorisation parameters; ours are fixed.
        return self.get_auth_params()

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        # allauth's OpenID Connect provider sends no nonce. Send one and keep it in the sign-in's
        # state (in the session), so a replayed or injected ID token is refused.
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        return super().redirect(
            request, process, next_url, data, auth_params={**auth_params, "nonce": nonce}, nonce=nonce, **kwargs
        )


def link_first_sign_in(request: HttpRequest, sociallogin: SocialLogin) -> None:
    """Link a not-yet-known Entra account to the imported person its warrant claim names.

    Saves the link (a ``SocialAccount``) and makes ``sociallogin`` sign that person in. Raises
    ``SignInRefused`` when the token carries no warrant number, nobody has it, its person is
    inactive, or that person is already linked to another Entra account; then nothing is saved.
    Never creates a person. The person's row is locked while checking, so two first sign-ins
    racing for one person link at most one Entra account.
    """
    provider = sociallogin.provider
    number = warrant_number_from(id_token_claims(sociallogin.account.extra_data), provider.warrant_claim)
    if not number:
        raise SignInRefused("no-warrant-number")
    with transaction.atomic():
        person = get_user_model().objects.select_for_update().filter(warrant_number=number).first()
        if person is None:
            raise SignInRefused("unknown-warrant-number")
        if not person.is_active:
            raise SignInRefused("inactive", person)
        if SocialAccount.objects.filter(user=person, provider=sociallogin.account.provider).exists():
            raise SignInRefused("already-linked", person)
        sociallogin.connect(request, person)


def refuse(
    request: HttpRequest, reason: str, claims: dict[str, Any], *, provider=None, person=None, **details: Any
) -> NoReturn:
    """Record a refused single sign-on in the audit log and answer with the refusal page.

    ``reason`` picks the page's words (templates/socialaccount/sso_refused.html). The log entry
    names the Entra account (tenant, object ID, UPN) and the warrant number it carried; never a
    token, code or nonce.
    """
    warrant_claim = provider.warrant_claim if isinstance(provider, EntraProvider) else ""
    record(
        Action.SIGN_IN_REFUSED,
        request=request,
        actor_label=str(claims.get("preferred_username") or claims.get("oid") or ""),
        verb="sso",
        object=person,
        details={
            "reason": reason,
            "tid": claims.get("tid"),
            "oid": claims.get("oid"),
            "warrant_number": warrant_number_from(claims, warrant_claim) if warrant_claim else "",
            **details,
        },
    )
    raise ImmediateHttpResponse(render(request, REFUSED_TEMPLATE, {"reason": reason}, status=403))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """``SOCIALACCOUNT_ADAPTER``: signs in people HR imported, through the force's tenant only."""

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = sociallogin.provider
        claims = sociallogin.account.extra_data.get("id_token") or {}
        if sociallogin.account.provider != PROVIDER_ID:
            refuse(request, "failed", claims, error="not the Entra app")
        expected_nonce, nonce = sociallogin.state.get("nonce"), claims.get("nonce")
        if not (isinstance(expected_nonce, str) and isinstance(nonce, str) and compare_digest(nonce, expected_nonce)):
            refuse(request, "failed", claims, provider=provider, error="nonce mismatch")
        # Connecting an Entra account to whoever is signed in would skip the warrant-number rule.
        if sociallogin.state.get("process") != AuthProcess.LOGIN:
            refuse(request, "not-a-sign-in", claims, provider=provider)
        if sociallogin.is_existing:
            if not sociallogin.user.is_active:
                refuse(request, "inactive", claims, provider=provider, person=sociallogin.user)
            return
        try:
            link_first_sign_in(request, sociallogin)
        except SignInRefused as refusal:
            refuse(request, refusal.reason, claims, provider=provider, person=refusal.person)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        if error == AuthError.CANCELLED:
            return  # allauth's "sign-in cancelled" page
        if isinstance(exception, WrongTenant):
            refuse(request, "not-the-force-tenant", exception.claims, provider=provider)
        # Only the exception's kind: its text can hold the identity provider's whole answer.
        refuse(request, "failed", {}, error=str(error or ""), exception=type(exception).__name__ if exception else "")

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def can_authenticate_by_email(self, login: SocialLogin, email: str) -> bool:
        return False

    def validate_disconnect(self, account, accounts) -> None:
        # The link is HR's record of who this Entra account is; undoing it is theirs to do.
        raise ValidationError("Your force account stays linked. Contact HR if it is linked to the wrong record.")


# Connected when this module is imported, which allauth does (as the provider class and the
# adapter) before any single sign-on can complete in a process.
@receiver(user_logged_in, dispatch_uid="access.sso.mfa_from_id_token")
def note_mfa_from_id_token(sender, request, user, sociallogin: SocialLogin | None = None, **kwargs) -> None:
    """After a single sign-on whose ID token says MFA was done, count the session as MFA-verified.

    Done once the person is signed in (never before), so the note cannot outlive a sign-in
    that did not finish.
    """
    if sociallogin is None or sociallogin.account.provider != PROVIDER_ID:
        return
    if said_mfa(sociallogin.account.extra_data.get("id_token") or {}):
        mark_verified(request, "sso")
