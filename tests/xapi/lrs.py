"""A learning record store stand-in on 127.0.0.1: the statements resource of xAPI 1.0.3, strict.

It checks basic auth and the ``X-Experience-API-Version: 1.0.3`` header, validates every
statement against ``statement.schema.json`` (and, in code, what a schema cannot say), stores
each id once (the same statement again is accepted and not stored twice; a different statement
under a stored id is 409), and fails on demand: ``fail(500, times=2)``, ``fail(503)``,
``fail("timeout")`` (answers nothing until the client gives up), ``fail("lost")`` (stores the
batch, then answers 500, as if the reply were lost on the way).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema

SCHEMA = json.loads((Path(__file__).parent / "statement.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
USERNAME, PASSWORD = "attest", "lrs-test-password"


def problems(statement) -> list[str]:
    """What is wrong with ``statement`` under xAPI 1.0.3 and Attest's profile ([] when nothing)."""
    found = [
        f"{'/'.join(map(str, error.absolute_path)) or '(statement)'}: {error.message}"
        for error in VALIDATOR.iter_errors(statement)
    ]
    score = (statement.get("result") or {}).get("score") if isinstance(statement, dict) else None
    if score:
        low, high, raw = score.get("min"), score.get("max"), score.get("raw")
        if low is not None and high is not None and low > high:
            found.append("result/score: min is above max")
        if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
            found.append("result/score: raw is outside min..max")
    return found


@dataclass
class StandInLRS:
    url: str = ""
    stored: dict[str, dict] = field(default_factory=dict)  # id -> statement, in the order stored
    requests: list[tuple[str, int]] = field(default_factory=list)  # (method, statements in it)
    refusals: list[str] = field(default_factory=list)
    failures: list = field(default_factory=list)  # what the next requests fail with, in order
    validate: bool = True  # the benchmark turns it off to time our side alone
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, how, times: int = 1) -> None:
        """Fail the next ``times`` requests: an HTTP status, "timeout" or "lost"."""
        self.failures.extend([how] * times)

    def in_order(self) -> list[dict]:
        return list(self.stored.values())

    def verbs(self) -> list[str]:
        return [statement["verb"]["id"].rsplit("/", 1)[-1] for statement in self.stored.values()]


class Handler(BaseHTTPRequestHandler):
    lrs: StandInLRS

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body=None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Experience-API-Version", "1.0.3")
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: int, why: str) -> None:
        self.lrs.refusals.append(why)
        self._answer(status, {"error": why})

    def _checked(self):
        """The request's statements, or None once it has been answered with a refusal."""
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._refuse(401, "basic auth required")
            return None
        if self.headers.get("X-Experience-API-Version") != "1.0.3":
            self._refuse(400, "X-Experience-API-Version must be 1.0.3")
            return None
        if urlsplit(self.path).path != "/xapi/statements":
            self._refuse(404, "no such resource")
            return None
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        except ValueError:
            self._refuse(400, "not JSON")
            return None
        return body

    def _failure(self):
        with self.lrs.lock:
            return self.lrs.failures.pop(0) if self.lrs.failures else None

    def _store(self, statements: list[dict]) -> str | None:
        """Validate and store; the reason for refusing the whole request, or None."""
        ids = [statement.get("id") for statement in statements]
        if None in ids or len(set(ids)) != len(ids):
            return "400:every statement needs its own id"
        for statement in statements if self.lrs.validate else ():
            if found := problems(statement):
                return f"400:statement {statement.get('id')}: {'; '.join(found)}"
        with self.lrs.lock:
            for statement in statements:
                held = self.lrs.stored.get(statement["id"])
                if held is not None and held != statement:
                    return f"409:statement {statement['id']} differs from the one stored"
            for statement in statements:
                self.lrs.stored.setdefault(statement["id"], statement)
        return None

    def _handle(self, statements: list[dict], success: int, reply) -> None:
        self.lrs.requests.append((self.command, len(statements)))
        failure = self._failure()
        if failure == "timeout":
            self.lrs.release.wait(5)  # the client gives up first (XAPI_TIMEOUT_SECONDS in the tests)
            return
        if isinstance(failure, int):
            self._refuse(failure, f"failing on demand with {failure}")
            return
        refusal = self._store(statements)
        if refusal:
            status, why = refusal.split(":", 1)
            self._refuse(int(status), why)
        elif failure == "lost":
            self._answer(500, {"error": "stored, but the reply was lost"})
        else:
            self._answer(success, reply)

    def do_POST(self) -> None:
        body = self._checked()
        if body is None:
            return
        statements = body if isinstance(body, list) else [body]
        self._handle(statements, 200, [statement.get("id") for statement in statements])

    def do_PUT(self) -> None:
        body = self._checked()
        if body is None:
            return
        wanted = parse_qs(urlsplit(self.path).query).get("statementId", [""])[0]
        try:
            uuid.UUID(wanted)
        except ValueError:
            self._refuse(400, "PUT needs statementId")
            return
        if not isinstance(body, dict) or body.get("id", wanted) != wanted:
            self._refuse(400, "statementId and the statement's id differ")
            return
        self._handle([body], 204, None)


def start() -> tuple[StandInLRS, ThreadingHTTPServer]:
    lrs = StandInLRS()
    handler = type("BoundHandler", (Handler,), {"lrs": lrs})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    lrs.url = f"http://127.0.0.1:{server.server_address[1]}/xapi/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return lrs, server
