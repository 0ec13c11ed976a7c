"""Settings for single sign-on with the force's Microsoft Entra ID tenant.

Plain functions of the environment's values, with no models and no allauth imports, because
``config/settings/base.py`` calls them while Django is still starting. Who may sign in, and as
whom, is decided in ``access/sso.py``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# The allauth OpenID Connect app's id: it names the sign-in and callback URLs
# (/accounts/oidc/entra/login/ and /accounts/oidc/entra/login/callback/) and is stored as
# SocialAccount.provider on every linked account, so it must never change.
PROVIDER_ID = "entra"
PROVIDER_CLASS = "access.sso.EntraProvider"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_WARRANT_CLAIM = "employeeid"

# Entra's shared endpoints: they accept accounts from any organisation (or any personal Microsoft
# account), so a force that configured one would let strangers reach the linking step.
SHARED_TENANTS = frozenset({"common", "organizations", "consumers"})
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def pinned_tenant(tenant_id: str) -> str:
    """The force's tenant ID, lower-cased.

    Raises ``ImproperlyConfigured`` for Entra's shared tenants ("common", "organizations",
    "consumers") and for anything that is not a GUID (a domain name can be re-pointed; the
    tenant ID in every token cannot).
    """
    tenant = tenant_id.strip().lower()
    if tenant in SHARED_TENANTS:
        raise ImproperlyConfigured(
            f"ENTRA_TENANT_ID is {tenant!r}, which lets any organisation's accounts sign in: "
            "set it to the force's own tenant ID (a GUID)."
        )
    if not GUID.fullmatch(tenant):
        raise ImproperlyConfigured(
            "ENTRA_TENANT_ID must be the force's tenant ID, a GUID such as 0f0e0d0c-0b0a-0908-0706-050403020100."
        )
    return tenant


def _authority(authority: str) -> str:
    authority = authority.strip().rstrip("/")
    parts = urlsplit(authority)
    # Plain http only for an identity provider on this machine (the tests' fake one): the
    # discovery document names the token endpoint, and the client secret goes there.
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        raise ImproperlyConfigured("ENTRA_AUTHORITY must be an https:// address.")
    return authority


def providers(
    *,
    tenant_id: str,
    client_id: str,
    client_secret: str,
    authority: str = DEFAULT_AUTHORITY,
    warrant_claim: str = DEFAULT_WARRANT_CLAIM,
) -> dict:
    """``SOCIALACCOUNT_PROVIDERS`` for the force's tenant.

    With no ``tenant_id``, single sign-on is off: the provider class is still named (allauth
    registers provider classes once, at start-up) but there is no app, so no button and no
    sign-in URL that works. With one, it must be pinned (see ``pinned_tenant``) and the client
    ID and secret must be given; raises ``ImproperlyConfigured`` otherwise.
    """
    config: dict = {"provider_class": PROVIDER_CLASS, "OAUTH_PKCE_ENABLED": True, "APPS": []}
    if not tenant_id.strip():
        return {"openid_connect": config}
    tenant = pinned_tenant(tenant_id)
    if not client_id.strip() or not client_secret:
        raise ImproperlyConfigured("Single sign-on needs ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET with ENTRA_TENANT_ID.")
    if not warrant_claim.strip():
        raise ImproperlyConfigured("ENTRA_WARRANT_CLAIM must name the ID token claim that carries the warrant number.")
    config["APPS"] = [
        {
            "provider_id": PROVIDER_ID,
            "name": "Microsoft Entra ID",
            "client_id": client_id.strip(),
            "secret": client_secret,
            "settings": {
                # The tenant's own v2.0 endpoint: its discovery document names one issuer, which
                # allauth checks in every ID token.
                "server_url": f"{_authority(authority)}/{tenant}/v2.0",
                "tenant_id": tenant,
                "warrant_claim": warrant_claim.strip(),
                "oauth_pkce_enabled": True,
                # Entra's userinfo endpoint has neither tid nor oid: read the ID token only.
                "fetch_userinfo": False,
                "scope": ["openid", "profile", "email"],
                # An email address or UPN can be reassigned to someone else; never sign in by one.
                "email_authentication": False,
                "verified_email": False,
            },
        }
    ]
    return {"openid_connect": config}
