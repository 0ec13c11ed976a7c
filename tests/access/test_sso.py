"""Single sign-on with the force's Entra ID tenant (access/sso.py), end to end against a fake
identity provider: a real HTTP server in a thread serving discovery, keys and a token endpoint
that checks client credentials and PKCE, and signs ID tokens with a key made for the run."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from access import entra
from access.mfa import SESSION_KEY as MFA_SESSION_KEY
from access.models import AuditEvent
from people.factories import UserFactory
from people.models import User

TENANT = "3f2b8c1e-7d4a-4e5f-9a6b-0c1d2e3f4a5b"
OTHER_TENANT = "9e8d7c6b-5a49-4837-a625-14131211100f"
CLIENT_ID = "6a1b2c3d-0000-4000-8000-attest000001"
CLIENT_SECRET = "fake-client-secret"
LOGIN_URL = "/accounts/oidc/entra/login/"
CALLBACK_URL = "/accounts/oidc/entra/login/callback/"


class FakeEntra:
    """Entra ID's v2.0 endpoints for one tenant, on 127.0.0.1.

    The authorise step is not served: a test reads the authorisation request from the redirect
    allauth sends the browser to, and ``grant`` answers it as Entra would after the person
    signed in, with a one-use code bound to that request's PKCE challenge, redirect URI and
    nonce. The token endpoint redeems it for an RS256-signed ID token.
    """

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-entra-key"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = f"{self.base_url}/{tenant}/v2.0"
        self.reset()

    def reset(self) -> None:
        self.grants: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.rejections: list[str] = []

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def discovery(self) -> dict:
        base = f"{self.base_url}/{self.tenant}"
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "userinfo_endpoint": f"{self.base_url}/oidc/userinfo",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
        }

    @property
    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def grant(self, authorize_url: str, **claims) -> str:
        """Answer the authorisation request in ``authorize_url`` with a code for an ID token
        carrying ``claims`` over the defaults (a claim given as None is left out)."""
        parts = urlsplit(authorize_url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == self.discovery["authorization_endpoint"]
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        assert query["response_type"] == "code"
        assert query["client_id"] == CLIENT_ID
        assert "openid" in query["scope"].split()
        assert query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(24)
        self.grants[code] = {
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "claims": claims,
        }
        return code

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "nonce": grant["nonce"],
            "ver": "2.0",
            "tid": self.tenant,
            "oid": "00000000-0000-4000-8000-00000000a001",
            "sub": "pairwise-subject-for-this-app",
            "name": "Sam Taylor",
            "preferred_username": "sam.taylor@force.example",
            "email": "sam.taylor@force.example",
            "employeeid": "MP700001",
            "amr": ["pwd"],
            **grant["claims"],
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def redeem(self, form: dict[str, str], authorization: str) -> tuple[int, dict]:
        self.token_requests.append(form)
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        grant = self.grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
            problem = "invalid_client"
        elif form.get("grant_type") != "authorization_code" or grant is None:
            problem = "invalid_grant: unknown or used code"
        elif form.get("redirect_uri") != grant["redirect_uri"]:
            problem = "invalid_grant: redirect_uri differs"
        elif not verifier or challenge != grant["challenge"]:
            problem = "invalid_grant: PKCE code_verifier does not match the code_challenge"
        else:
            token = {"token_type": "Bearer", "expires_in": 3600, "access_token": secrets.token_urlsafe(32)}
            return 200, {**token, "id_token": self.id_token(grant)}
        self.rejections.append(problem)
        return 400, {"error": problem.split(":")[0], "error_description": problem}

    def _handler(self):
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = urlsplit(self.path).path
                if path == f"/{idp.tenant}/v2.0/.well-known/openid-configuration":
                    self.answer(200, idp.discovery)
                elif path == f"/{idp.tenant}/discovery/v2.0/keys":
                    self.answer(200, idp.jwks)
                else:
                    self.answer(404, {"error": "not_found"})

            def do_POST(self):
                if urlsplit(self.path).path != f"/{idp.tenant}/oauth2/v2.0/token":
                    self.answer(404, {"error": "not_found"})
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {name: values[0] for name, values in parse_qs(body).items()}
                self.answer(*idp.redeem(form, self.headers.get("Authorization", "")))

            def answer(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):  # silence the request log in the test output
                pass

        return Handler


@pytest.fixture(scope="module")
def fake_entra():
    idp = FakeEntra(TENANT)
    idp.start()
    yield idp
    idp.stop()


@pytest.fixture
def idp(fake_entra, settings, db):
    """The fake identity provider, and Attest configured for it as it would be from the
    environment (ENTRA_AUTHORITY pointing at it)."""
    fake_entra.reset()
    settings.SOCIALACCOUNT_PROVIDERS = entra.providers(
        tenant_id=TENANT,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authority=fake_entra.base_url,
        warrant_claim="employeeid",
    )
    return fake_entra


@pytest.fixture
def officer(db):
    return UserFactory(username="MP700001", warrant_number="MP700001", email="sam.taylor@force.example")


def start(client) -> tuple[str, dict[str, str]]:
    """Press the sign-in button; return the authorisation URL and its parameters."""
    response = client.post(LOGIN_URL)
    assert response.status_code == 302
    location = response["Location"]
    return location, {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def sign_in(client, idp: FakeEntra, **claims):
    """Sign in through the fake identity provider as a person whose ID token carries ``claims``."""
    location, params = start(client)
    code = idp.grant(location, **claims)
    return client.get(CALLBACK_URL, {"code": code, "state": params["state"]})


def signed_in_as(client) -> int | None:
    user_id = client.session.get(SESSION_KEY)
    return int(user_id) if user_id else None


def refusals() -> list[dict]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_REFUSED).values_list("details", flat=True))


# The sign-in page


def test_the_sign_in_page_offers_the_force_account_as_a_post_when_sso_is_configured(client, idp):
    page = client.get("/accounts/login/").content.decode()
    form = page.split('<form method="post" action="/accounts/oidc/entra/login/">')[1].split("</form>")[0]
    assert "csrfmiddlewaretoken" in form
    assert "Sign in with your Metropolitan Police Service account" in form
    assert 'name="password"' in page  # the demo and break-glass accounts still sign in here


def test_the_sign_in_page_has_no_force_account_button_when_sso_is_off(client, db):
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/oidc/" not in page
    assert "Sign in with your" not in page
    assert client.post(LOGIN_URL).status_code == 404


# Linking and signing in


def test_a_first_sign_in_links_the_person_with_the_warrant_number_and_signs_them_in(client, idp, officer):
    people = User.objects.count()
    location, params = start(client)
    assert params["redirect_uri"] == f"http://testserver{CALLBACK_URL}"
    assert params["nonce"] and params["code_challenge"]
    response = client.get(CALLBACK_URL, {"code": idp.grant(location, oid="AAAA-0001"), "state": params["state"]})

    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == officer.pk
    account = SocialAccount.objects.get(user=officer)
    assert account.provider == "entra"
    assert account.uid == f"{TENANT}:aaaa-0001"
    assert User.objects.count() == people
    # The token request was the confidential client's, with the PKCE verifier.
    (request,) = idp.token_requests
    assert request["client_secret"] == CLIENT_SECRET and request["code_verifier"]
    assert idp.rejections == []


def test_the_next_sign_in_finds_the_account_by_tenant_and_object_id_whatever_its_number_and_email(idp, officer):
    sign_in(Client(), idp, oid="aaaa-0001")
    officer.warrant_number = "MP200002"
    officer.email = "s.taylor@elsewhere.example"
    officer.save()

    client = Client()
    response = sign_in(client, idp, oid="aaaa-0001", employeeid="MP999999", email="someone@else.example")

    assert response.status_code == 302
    assert signed_in_as(client) == officer.pk
    assert SocialAccount.objects.count() == 1


def test_an_email_address_alone_never_signs_anyone_in(client, idp, officer):
    response = sign_in(client, idp, employeeid=None, email=officer.email, preferred_username=officer.email)
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


# Refusals


def test_a_token_from_another_tenant_is_refused(client, idp, officer):
    response = sign_in(client, idp, tid=OTHER_TENANT)

    assert response.status_code == 403
    assert "is not a Metropolitan Police Service account" in response.content.decode()
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    (details,) = refusals()
    assert details["reason"] == "not-the-force-tenant"
    assert details["tid"] == OTHER_TENANT


def test_a_token_from_another_issuer_is_refused(client, idp, officer):
    response = sign_in(client, idp, iss=f"{idp.base_url}/{OTHER_TENANT}/v2.0")
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert [details["reason"] for details in refusals()] == ["failed"]


def test_an_unknown_warrant_number_is_refused_with_the_hr_message_and_no_account_is_created(client, idp, officer):
    people = User.objects.count()
    location, params = start(client)
    code = idp.grant(location, employeeid="MP404404")
    response = client.get(CALLBACK_URL, {"code": code, "state": params["state"]})

    assert response.status_code == 403
    page = response.content.decode()
    assert "could not find a training record with the warrant or staff number" in page
    assert "Contact HR" in page
    assert User.objects.count() == people
    assert not SocialAccount.objects.exists()
    assert signed_in_as(client) is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_REFUSED)
    assert event.verb == "sso"
    assert event.actor_label == "sam.taylor@force.example"
    assert event.details["reason"] == "unknown-warrant-number"
    assert event.details["warrant_number"] == "MP404404"
    # Nothing from the exchange itself reaches the log.
    logged = json.dumps(event.details) + event.path
    assert code not in logged and params["state"] not in logged and params["nonce"] not in logged


def test_a_warrant_number_claim_is_matched_as_hr_writes_it(client, idp, officer):
    sign_in(client, idp, employeeid=" mp700001 ")
    assert signed_in_as(client) == officer.pk


def test_a_token_without_the_warrant_claim_is_refused(client, idp, officer):
    response = sign_in(client, idp, employeeid=None)
    assert response.status_code == 403
    assert "does not show your warrant or staff number" in response.content.decode()
    assert [details["reason"] for details in refusals()] == ["no-warrant-number"]


def test_an_inactive_person_is_refused(client, idp, officer):
    officer.is_active = False
    officer.save()
    response = sign_in(client, idp)

    assert response.status_code == 403
    assert "not active" in response.content.decode()
    assert not SocialAccount.objects.exists()
    assert signed_in_as(client) is None
    assert [details["reason"] for details in refusals()] == ["inactive"]


def test_a_linked_person_who_has_left_is_refused(idp, officer):
    sign_in(Client(), idp)
    User.objects.filter(pk=officer.pk).update(is_active=False)

    client = Client()
    response = sign_in(client, idp)

    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert [details["reason"] for details in refusals()] == ["inactive"]


def test_a_person_already_linked_to_another_entra_account_is_refused(client, idp, officer):
    SocialAccount.objects.create(user=officer, provider="entra", uid=f"{TENANT}:first-oid")
    response = sign_in(client, idp, oid="second-oid")

    assert response.status_code == 403
    assert "already linked to a different Metropolitan Police Service account" in response.content.decode()
    assert signed_in_as(client) is None
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == [f"{TENANT}:first-oid"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_REFUSED)
    assert event.details["reason"] == "already-linked"
    assert event.object_id == str(officer.pk)


def test_a_code_issued_for_another_sign_ins_pkce_challenge_is_refused(idp, officer):
    # An attacker's own authorisation code, injected into the officer's callback: it is bound to
    # the attacker's code challenge, and the officer's session holds a different verifier.
    attacker_location, _ = start(Client())
    attacker_code = idp.grant(attacker_location)
    victim = Client()
    _, params = start(victim)

    response = victim.get(CALLBACK_URL, {"code": attacker_code, "state": params["state"]})

    assert response.status_code == 403
    assert signed_in_as(victim) is None
    (request,) = idp.token_requests
    assert request["code_verifier"]
    assert idp.rejections == ["invalid_grant: PKCE code_verifier does not match the code_challenge"]
    assert [details["reason"] for details in refusals()] == ["failed"]


def test_an_id_token_with_another_sign_ins_nonce_is_refused(client, idp, officer):
    response = sign_in(client, idp, nonce="a-nonce-from-another-sign-in")
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    assert [details["reason"] for details in refusals()] == ["failed"]


def test_a_signed_in_person_cannot_connect_an_entra_account_to_themselves(client, idp):
    other = UserFactory(warrant_number="MP300003")
    client.force_login(other)
    location, params = start_connect(client)
    response = client.get(CALLBACK_URL, {"code": idp.grant(location), "state": params["state"]})

    assert response.status_code == 403
    assert not SocialAccount.objects.exists()
    assert [details["reason"] for details in refusals()] == ["not-a-sign-in"]


def start_connect(client) -> tuple[str, dict[str, str]]:
    response = client.post(f"{LOGIN_URL}?process=connect")
    assert response.status_code == 302
    location = response["Location"]
    return location, {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


# MFA from the identity provider


@pytest.mark.parametrize(("amr", "verified"), [(["pwd", "mfa"], True), (["pwd"], False), (None, False)])
def test_the_session_is_mfa_verified_only_when_the_token_says_mfa(client, idp, officer, amr, verified):
    sign_in(client, idp, amr=amr)
    assert signed_in_as(client) == officer.pk
    if verified:
        assert client.session[MFA_SESSION_KEY]["method"] == "sso"
    else:
        assert MFA_SESSION_KEY not in client.session


# Settings from the environment


@pytest.mark.parametrize(
    "tenant", ["common", "organizations", "consumers", "Common", "force.onmicrosoft.com", "not-a-guid", "1234"]
)
def test_the_tenant_must_be_the_forces_own_guid(tenant):
    with pytest.raises(ImproperlyConfigured, match="ENTRA_TENANT_ID"):
        entra.providers(tenant_id=tenant, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def test_sso_is_off_without_a_tenant():
    config = entra.providers(tenant_id="", client_id="", client_secret="")
    assert config["openid_connect"]["APPS"] == []


def test_a_pinned_tenant_gives_its_own_endpoint_with_pkce():
    config = entra.providers(tenant_id=TENANT.upper(), client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    (app,) = config["openid_connect"]["APPS"]
    assert app["provider_id"] == "entra"
    assert app["settings"]["server_url"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert app["settings"]["tenant_id"] == TENANT
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert config["openid_connect"]["OAUTH_PKCE_ENABLED"] is True
    assert app["settings"]["warrant_claim"] == "employeeid"


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": ""},
        {"client_secret": ""},
        {"warrant_claim": " "},
        {"authority": "http://login.example"},
    ],
)
def test_a_tenant_without_the_rest_of_its_settings_refuses_to_start(overrides):
    with pytest.raises(ImproperlyConfigured):
        entra.providers(**{"tenant_id": TENANT, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **overrides})


def test_a_person_cannot_unlink_their_force_account(client, idp, officer):
    sign_in(client, idp)
    account = SocialAccount.objects.get(user=officer)
    response = client.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code == 200
    assert "stays linked" in response.content.decode()
    assert SocialAccount.objects.filter(pk=account.pk).exists()
