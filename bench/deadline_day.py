"""The locustfile of the deadline-day load test; bench/deadline_day_run.py runs it (read that first).

Each simulated user is a seat at a terminal: it takes an officer from the pool nobody has used,
and walks that officer through the demo module as a browser would, one request at a time
(redirects are followed by hand, so each is counted as the server sees it), with a short reading
pause after each page: sign in, the dashboard, the module page, start, then every step (the
question, the answer, the feedback, Continue), the result, the attestation form, the attestation,
the certificate and its PDF. One officer in four (``fail_share``) answers the first critical step
wrongly, fails, reads the result and retakes the module. Then the seat takes the next officer.

The requests carry ``X-Forwarded-Proto: https`` as the TLS-terminating proxy would, and forms
their ``Origin``, as a browser does. The session and CSRF cookies are Secure: the client's cookie
policy sends them over plain HTTP on loopback all the same, as the proxy would over HTTPS.

At the end it writes ``journeys.json`` beside the journey file: exact percentiles for each
request group and for all requests but the sign-in POST, counted from the moment every user had
started (when locust resets its statistics), and the journeys finished and abandoned.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import statistics
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, events, task
from locust.exception import StopUser

JOURNEY_FILE = Path(os.environ["DEADLINE_DAY_JOURNEY"])
JOURNEY = json.loads(JOURNEY_FILE.read_text())
ANSWERS: dict[str, dict] = JOURNEY["answers"]
MODULE_URL: str = JOURNEY["module_url"]
MODULE_ID: int = JOURNEY["module_id"]
FAIL_EVERY = round(1 / JOURNEY["fail_share"]) if JOURNEY["fail_share"] else 0
OFFICERS = itertools.count()  # one greenlet at a time takes the next: no officer repeats

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
QUESTION = re.compile(r'<h1 class="govuk-fieldset__heading">(.*?)</h1>', re.DOTALL)
OPTION = re.compile(r'name="answer" type="(?:radio|checkbox)" value="([^"]+)"')
BODY_SHA256 = re.compile(r'name="body_sha256" value="([0-9a-f]{64})"')
NEXT = re.compile(r'href="(/attempts/[0-9a-f-]+/(?:result/)?)"')

SIGN_IN = "sign-in (POST)"
TIMES: dict[str, list[float]] = {}
OUTCOMES = {"journeys started": 0, "journeys finished": 0, "journeys abandoned": 0, "retakes": 0}


class BehindTheProxy(DefaultCookiePolicy):
    """Send Secure cookies over plain HTTP: the officer's browser sends them over HTTPS to the proxy."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class WrongPage(Exception):
    """The app answered something a browser would not expect: the journey is abandoned."""


@events.request.add_listener
def record(name: str, response_time: float, exception: Exception | None, **_) -> None:
    TIMES.setdefault(name, []).append(response_time)


@events.spawning_complete.add_listener
def reset(user_count: int, **_) -> None:
    TIMES.clear()
    for outcome in OUTCOMES:
        OUTCOMES[outcome] = 0
    (JOURNEY_FILE.parent / "steady").touch()  # the runner starts counting CPU now


@events.quitting.add_listener
def write_summary(environment, **_) -> None:
    def figures(times: list[float]) -> dict:
        if len(times) < 2:
            return {"count": len(times)}
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        return {"count": len(times), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(times)}

    groups = {name: figures(times) for name, times in sorted(TIMES.items())}
    groups["all but the sign-in POST"] = figures([t for name, ts in TIMES.items() if name != SIGN_IN for t in ts])
    groups["all"] = figures([t for ts in TIMES.values() for t in ts])
    failures = sum(entry.num_failures for entry in environment.stats.entries.values())
    summary = {"groups": groups, "outcomes": OUTCOMES, "failures": failures}
    (JOURNEY_FILE.parent / "journeys.json").write_text(json.dumps(summary, indent=1))


class Officer(FastHttpUser):
    # Reading pauses are taken by the journey itself (self.wait() between pages).
    wait_time = staticmethod(lambda: random.uniform(*JOURNEY["read"]))

    @task
    def deadline_day(self) -> None:
        number = next(OFFICERS)
        if number >= len(JOURNEY["officers"]):
            raise StopUser
        username, full_name = JOURNEY["officers"][number]
        fails_first = bool(FAIL_EVERY) and number % FAIL_EVERY == 0
        self.client.cookiejar.clear()
        self.client.cookiejar.set_policy(BehindTheProxy())
        self.origin = "https://" + urlsplit(self.host).netloc
        OUTCOMES["journeys started"] += 1
        try:
            self.journey(username, full_name, fails_first)
        except WrongPage:
            OUTCOMES["journeys abandoned"] += 1
        else:
            OUTCOMES["journeys finished"] += 1

    # ------------------------------------------------------------ one officer, start to finish

    def journey(self, username: str, full_name: str, fails_first: bool) -> None:
        page = self.get("/accounts/login/", "sign-in page")
        self.wait()
        self.post("/accounts/login/", SIGN_IN, page, {"login": username, "password": JOURNEY["password"]}, to="/")
        self.get("/", "dashboard")
        self.wait()
        page = self.get(MODULE_URL, "module page")
        self.wait()
        location = self.post(f"/modules/{MODULE_ID}/start/", "start (POST)", page, {}, to="/attempts/")
        failed_once = False
        while True:
            page = self.take_module(location, wrong_first_critical=fails_first and not failed_once)
            if "Retake the scenarios" not in page:
                break
            if failed_once:
                raise WrongPage("failed twice")
            failed_once = True
            OUTCOMES["retakes"] += 1
            self.wait()
            location = self.post(f"/modules/{MODULE_ID}/start/", "start (POST)", page, {}, to="/attempts/")
        self.wait()
        page = self.get(f"/modules/{MODULE_ID}/attest/", "attestation form")
        shown = BODY_SHA256.search(page)
        if not shown:
            raise WrongPage("no attestation form")
        self.wait()
        form = {"confirm": "on", "full_name": full_name, "body_sha256": shown.group(1)}
        certificate = self.post(f"/modules/{MODULE_ID}/attest/", "attest (POST)", page, form, to="/certificates/")
        self.get(certificate, "certificate")
        self.wait()
        self.get(certificate + "pdf/", "certificate PDF", content_type="application/pdf")

    def take_module(self, location: str, *, wrong_first_critical: bool) -> str:
        """From the attempt's address to its result page; returns the result page."""
        missed_critical = False
        while True:
            step = self.redirected(location, "attempt (redirect to the step)")
            page = self.get(step, "step question")
            question, options = QUESTION.search(page), OPTION.findall(page)
            if question is None or not options:
                raise WrongPage(f"no question at {step}")
            key = ANSWERS.get(question.group(1) + "|" + ",".join(sorted(options)))
            if key is None:
                raise WrongPage(f"a step not in the answer key at {step}")
            choice = key["right"]
            if wrong_first_critical and key["critical"] and not missed_critical and key["wrong"]:
                choice, missed_critical = key["wrong"], True
            self.wait()
            feedback_at = self.post(step, "answer (POST)", page, {"answer": choice}, to=step)
            feedback = self.get(feedback_at.split("#")[0], "step feedback")
            onward = NEXT.search(feedback)
            if onward is None:
                raise WrongPage(f"no way on from the feedback at {step}")
            self.wait()
            if onward.group(1).endswith("/result/"):
                return self.get(onward.group(1), "result")
            location = onward.group(1)

    # ------------------------------------------------------------ requests, checked as a browser would see them

    def headers(self, form: bool = False) -> dict[str, str]:
        headers = {"X-Forwarded-Proto": "https"}
        if form:
            headers |= {"Origin": self.origin, "Content-Type": "application/x-www-form-urlencoded"}
        return headers

    def get(self, path: str, name: str, content_type: str = "text/html") -> str:
        with self.client.get(
            path, name=name, headers=self.headers(), allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200 or not response.headers.get("content-type", "").startswith(content_type):
                response.failure(f"{response.status_code} {response.headers.get('content-type')} for {path}")
                raise WrongPage(path)
            return response.text if content_type == "text/html" else ""

    def redirected(self, path: str, name: str) -> str:
        with self.client.get(
            path, name=name, headers=self.headers(), allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code} for {path}, not a redirect")
                raise WrongPage(path)
            return response.headers["location"]

    def post(self, path: str, name: str, page: str, fields: dict, *, to: str) -> str:
        """Post a form from ``page`` (its CSRF token); expect a redirect starting ``to``; return where to."""
        token = CSRF.search(page)
        if token is None:
            raise WrongPage(f"no form to post to {path}")
        data = urlencode({"csrfmiddlewaretoken": token.group(1), **fields}, doseq=True)
        with self.client.post(
            path, data=data, name=name, headers=self.headers(form=True), allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("location", "")
            if response.status_code != 302 or not location.startswith(to):
                response.failure(f"{response.status_code} to {location or 'nowhere'} for {path}")
                raise WrongPage(path)
            return location
