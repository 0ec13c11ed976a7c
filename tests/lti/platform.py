"""A small LTI 1.3 platform, in process, for the tests: it signs real id_tokens with its own RSA
key and serves, over HTTP on 127.0.0.1 from a thread, its JWKS, its OAuth2 token endpoint
(client_credentials with a JWT client assertion, checked against the tool's JWKS) and the
Assignment and Grade Services line items and scores, so a test sees the grade arrive."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # once per test run


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Platform:
    """One platform: ``start()`` it, register it with Attest (``register``), then launch."""

    client_id = "attest-tool"
    deployment_id = "deployment-1"

    def __init__(self, key=None, kid="platform-key-1"):
        self.key, self.kid = key or _KEY, kid
        self.tool_jwks: dict = {"keys": []}  # what the platform fetched from Attest's /lti/jwks/
        self.scores: list[dict] = []  # every score posted, with its line item
        self.arrivals: list[float] = []  # when each arrived (time.perf_counter)
        self.lineitems: dict[str, dict] = {"1": {"id": "", "scoreMaximum": 100, "label": "Attest"}}
        self.tokens_issued: list[dict] = []
        self.fail_scores = 0  # answer this many score posts with 500
        self.server: ThreadingHTTPServer | None = None

    # HTTP ------------------------------------------------------------------------------------

    def start(self) -> Platform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body, content_type="application/json"):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _authorised(self) -> bool:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                return any(t["access_token"] == token for t in platform.tokens_issued)

            def do_GET(self):
                path = urlsplit(self.path).path
                if path == "/jwks":
                    return self._json(200, platform.jwks())
                if path == "/lineitems":
                    if not self._authorised():
                        return self._json(401, {"error": "no token"})
                    return self._json(200, list(platform.lineitems.values()))
                return self._json(404, {})

            def do_POST(self):
                path = urlsplit(self.path).path
                body = self._body()
                if path == "/token":
                    return self._token(parse_qs(body.decode()))
                if not self._authorised():
                    return self._json(401, {"error": "no token"})
                if path == "/lineitems":
                    item = json.loads(body)
                    pk = str(len(platform.lineitems) + 1)
                    item["id"] = f"{platform.url}/lineitems/{pk}"
                    platform.lineitems[pk] = item
                    return self._json(201, item)
                if path.startswith("/lineitems/") and path.endswith("/scores"):
                    if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                        return self._json(415, {})
                    if platform.fail_scores > 0:
                        platform.fail_scores -= 1
                        return self._json(500, {"error": "platform is down"})
                    platform.scores.append({"lineitem": path.removesuffix("/scores"), **json.loads(body)})
                    platform.arrivals.append(time.perf_counter())
                    return self._json(200, {})
                return self._json(404, {})

            def _token(self, form):
                try:
                    assertion = form["client_assertion"][0]
                    header = jwt.get_unverified_header(assertion)
                    keys = {k["kid"]: k for k in platform.tool_jwks["keys"]}
                    public = RSAAlgorithm.from_jwk(json.dumps(keys[header["kid"]]))
                    claims = jwt.decode(assertion, public, algorithms=["RS256"], audience=platform.url + "/token")
                    assert claims["iss"] == claims["sub"] == platform.client_id
                    assert form["grant_type"][0] == "client_credentials"
                except (KeyError, AssertionError, jwt.InvalidTokenError) as error:
                    return self._json(400, {"error": "invalid_client", "detail": str(error)})
                token = {"access_token": uuid.uuid4().hex, "scope": form.get("scope", [""])[0]}
                platform.tokens_issued.append(token)
                return self._json(200, {**token, "token_type": "Bearer", "expires_in": 3600})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.lineitems["1"]["id"] = f"{self.url}/lineitems/1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    # Platform data ---------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.url

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def register(self, **rules):
        """Register this platform with Attest as an administrator would, with one active deployment."""
        from lti_tool.models import LtiDeployment, LtiRegistration

        from lti.models import Platform as Rules

        registration = LtiRegistration.objects.create(
            name="Force learning platform",
            issuer=self.issuer,
            client_id=self.client_id,
            auth_url=self.url + "/auth",
            token_url=self.url + "/token",
            keyset_url=self.url + "/jwks",
        )
        LtiDeployment.objects.create(registration=registration, deployment_id=self.deployment_id, is_active=True)
        if rules:
            Rules.objects.create(registration=registration, **rules)
        return registration

    def id_token(self, nonce: str, *, key=None, kid=None, **claims) -> str:
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "platform-user-42",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": "http://testserver/lti/launch/",
            LTI + "resource_link": {"id": "resource-link-1", "title": "Personal phones"},
            LTI + "context": {"id": "course-7", "title": "Probationer training"},
            LTI + "roles": [LEARNER],
            AGS: {
                "scope": [SCORE_SCOPE, LINEITEM_SCOPE],
                "lineitem": f"{self.url}/lineitems/1",
                "lineitems": f"{self.url}/lineitems",
            },
        }
        for name, value in claims.items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    def deep_linking_claims(self) -> dict:
        return {
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            LTI + "roles": [INSTRUCTOR],
            DL: {
                "deep_link_return_url": f"{self.url}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False,
                "accept_lineitem": True,
                "data": "opaque-platform-data",
            },
        }
