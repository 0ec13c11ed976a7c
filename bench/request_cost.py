"""What each officer page costs the app per request, beside a trivial page through the same middleware.

Runs the production settings (``config.settings.production``: DEBUG off, cached templates,
hashed static files, Redis as the shared cache) in process through Django's test client,
signed in as an officer of the demo force, against a throwaway PostgreSQL database. For each
page it prints the median CPU time of the app process (``time.process_time``: the database's
own work is in another process, and not counted), the median wall time (which is), the number
of queries (once warm), and the CPU time as a multiple of the trivial page's, measured in turn
with it (each request for the page follows one for the trivial page): this machine's speed
drifts, by half at times, over the minutes a run takes.

    .venv/bin/python bench/request_cost.py [runs]

Pages that change nothing are asked for ``runs`` times (200 by default) after 20 unmeasured
requests. Answers and attestations change the record, so each is measured once per request on a
fresh officer: every answer of 30 officers taking the whole module, and the attestation of each.

Needs PostgreSQL and Redis on 127.0.0.1 (``DATABASE_URL`` and ``REDIS_URL`` override them).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
for name, value in {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/attest_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "SECRET_KEY": "bench-request-cost-" + "s" * 40,
    "ALLOWED_HOSTS": "testserver",
    "LEDGER_KEYS": "bench:" + "k" * 40,
    "SITE_URL": "https://attest.example",
    "TASKS_BACKEND": "database",  # as production runs: the worker draws the certificate PDF
}.items():
    os.environ.setdefault(name, value)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
WARM_UP = 20
TRIVIAL = "/bench/trivial/"
OFFICERS = 30

settings.ROOT_URLCONF = "request_cost_urls"
settings.DEMO_DATA_ALLOWED = True  # in the throwaway database only
settings.STATIC_ROOT = tempfile.mkdtemp(prefix="attest-bench-static-")


class Figure:
    def __init__(self, label: str, cpu, wall, queries: int, status: int, trivial):
        self.label, self.queries, self.status = label, queries, status
        self.cpu, self.wall = statistics.median(cpu), statistics.median(wall)
        # The trivial page's CPU, measured in turn with this page's: this machine's speed drifts
        # by half over minutes, so a page is compared with the trivial page of the same minutes.
        self.trivial = statistics.median(trivial)


def timed(request: Callable) -> tuple[float, float, object]:
    cpu, wall = time.process_time(), time.perf_counter()
    response = request()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000, response


def count_queries(request: Callable) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    return len(queries), response.status_code


def page(label: str, client: Client, path: str, runs: int = RUNS, beside: Client | None = None) -> Figure:
    """``path`` asked for by ``client`` ``runs`` times, each time after the trivial page (asked
    for by ``beside``, a signed-in client, when ``client`` is signed out)."""

    def request():
        return client.get(path)

    def trivial():
        return (beside or client).get(TRIVIAL)

    for _ in range(WARM_UP):
        request()
    queries, status = count_queries(request)
    cpu, wall, trivial_cpu = [], [], []
    for _ in range(runs):
        trivial_cpu.append(timed(trivial)[0])
        cpu_ms, wall_ms, _ = timed(request)
        cpu.append(cpu_ms)
        wall.append(wall_ms)
    return Figure(label, cpu, wall, queries, status, trivial_cpu)


def https_client() -> Client:
    # Production trusts the proxy's X-Forwarded-Proto for HTTPS (SECURE_PROXY_SSL_HEADER).
    return Client(secure=True, headers={"X-Forwarded-Proto": "https"})


def signed_in(user) -> Client:
    client = https_client()
    client.force_login(user)
    return client


def main() -> None:
    from learning.factories import EnrolmentFactory
    from learning.models import ModulePage
    from people.factories import UserFactory
    from people.models import User
    from scenarios.models import Attempt
    from scenarios.services import walk

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()
    module = ModulePage.objects.get(slug="contacting-the-public")
    version = module.policy_document.current_version()
    officer = User.objects.get(username="officer")
    figures: list[Figure] = []

    def current(attempt):
        return walk(Attempt.objects.get(pk=attempt.pk)).current

    # The measured officers: each assigned the module, signed in on their own client.
    people = [UserFactory(first_name="Alex", last_name=f"Officer{n}") for n in range(OFFICERS)]
    for person in people:
        EnrolmentFactory(user=person, module=module)
    clients = [signed_in(person) for person in people]

    # An answer, each one of every officer's whole module (the first of them wrong, then a retake).
    answers: list[tuple[float, float]] = []
    answers_beside: list[float] = []
    answer_queries = set()
    attempts = []
    for client in clients:
        client.post(f"/modules/{module.pk}/start/")
        attempts.append(Attempt.objects.filter(user=client.session["_auth_user_id"]).latest("started_at"))
    for client, attempt in zip(clients, attempts, strict=True):
        while (step := current(attempt)) is not None:
            url = f"/attempts/{attempt.public_id}/steps/{step.position}/"
            answers_beside.append(timed(lambda: client.get(TRIVIAL))[0])  # noqa: B023
            cpu_ms, wall_ms, response = timed(lambda: client.post(url, {"answer": sorted(step.correct_ids)}))  # noqa: B023
            if response.status_code != 302:
                raise SystemExit(f"An answer was refused ({response.status_code}): the benchmark is broken.")
            answers.append((cpu_ms, wall_ms))
    # Queries for an answer, counted on one more officer's first and last answers.
    extra = UserFactory(first_name="Sam", last_name="Counted")
    EnrolmentFactory(user=extra, module=module)
    extra_client = signed_in(extra)
    extra_client.post(f"/modules/{module.pk}/start/")
    extra_attempt = Attempt.objects.filter(user=extra).latest("started_at")
    while (step := current(extra_attempt)) is not None:
        url = f"/attempts/{extra_attempt.public_id}/steps/{step.position}/"
        answer_queries.add(count_queries(lambda: extra_client.post(url, {"answer": sorted(step.correct_ids)}))[0])  # noqa: B023

    # The result page and the attestation form, then each officer's attestation.
    result_client, result_attempt = clients[0], attempts[0]
    figures.append(page("the result page", result_client, f"/attempts/{result_attempt.public_id}/result/"))
    figures.append(page("the attestation form (GET)", result_client, f"/modules/{module.pk}/attest/"))
    attestations = []
    attestations_beside = []
    attest_queries = count_queries(
        lambda: extra_client.post(
            f"/modules/{module.pk}/attest/",
            {"confirm": "on", "full_name": extra.get_full_name(), "body_sha256": version.body_sha256},
        )
    )[0]
    for client, person in zip(clients, people, strict=True):
        form = {"confirm": "on", "full_name": person.get_full_name(), "body_sha256": version.body_sha256}
        attestations_beside.append(timed(lambda: client.get(TRIVIAL))[0])  # noqa: B023
        cpu_ms, wall_ms, response = timed(lambda: client.post(f"/modules/{module.pk}/attest/", form))  # noqa: B023
        if response.status_code != 302 or "/certificates/" not in response.url:
            raise SystemExit(f"An attestation was refused ({response.status_code}): the benchmark is broken.")
        attestations.append((cpu_ms, wall_ms))
    serial = people[0].certificates.get().display_serial

    # The demo officer, part-way through: one step answered, the next one waiting.
    client = signed_in(officer)
    client.post(f"/modules/{module.pk}/start/")
    attempt = Attempt.objects.filter(user=officer).latest("started_at")
    first = current(attempt)
    client.post(f"/attempts/{attempt.public_id}/steps/{first.position}/", {"answer": sorted(first.correct_ids)})
    question = current(attempt)

    anonymous = https_client()
    answer = Figure(
        f"an answer (POST; {len(answers)} answers)",
        *zip(*answers, strict=True),
        max(answer_queries),
        302,
        answers_beside,
    )
    attestation = Figure(
        f"the attestation (POST; {len(attestations)} officers)",
        *zip(*attestations, strict=True),
        attest_queries,
        302,
        attestations_beside,
    )
    figures = [
        page("a trivial page (no template, no query)", client, TRIVIAL),
        page("a step's question", client, f"/attempts/{attempt.public_id}/steps/{question.position}/"),
        page("a step's feedback", client, f"/attempts/{attempt.public_id}/steps/{first.position}/"),
        answer,
        page("the dashboard", client, "/"),
        page("the module page", client, module.url),
        *figures,  # the result page and the attestation form
        attestation,
        page("the policy", client, module.policy_url()),
        page("the glossary", client, f"/modules/{module.pk}/glossary/"),
        page("the job aid", client, f"/modules/{module.pk}/job-aid/"),
        page("My certificates", client, "/certificates/"),
        page("a certificate", clients[0], f"/certificates/{serial}/"),
        page("Your data", client, "/my-data/"),
        page("the verify form (signed out)", anonymous, "/verify/", beside=client),
        page(
            "a verified certificate (signed out)", anonymous, f"/verify/{serial}/", runs=min(RUNS, 100), beside=client
        ),
        page("the certificate PDF", clients[0], f"/certificates/{serial}/pdf/", runs=min(RUNS, 50)),
    ]

    print(f"Per-request cost on {connection.vendor}, production settings, in process; median of {RUNS} GETs")
    print(f"{'request':<44} {'app CPU':>9} {'wall':>9} {'queries':>8} {'trivial beside':>15} {'x trivial':>10}")
    for figure in figures:
        print(
            f"{figure.label:<44} {figure.cpu:6.2f} ms {figure.wall:6.2f} ms {figure.queries:>8} "
            f"{figure.trivial:>12.2f} ms "
            f"{figure.cpu / figure.trivial:>9.1f}x"
            + ("" if figure.status in (200, 302) else f"  (status {figure.status})")
        )


if __name__ == "__main__":
    in_throwaway_database(main)
