"""What an LTI 1.3 launch costs, and how long a grade takes to reach the platform.

Builds a throwaway database (SQLite by default; PostgreSQL with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/attest_bench``), a published module and an
officer, and starts the in-process platform of the tests (``tests/lti/platform.py``: real RSA
signatures, its JWKS, token and grade endpoints over HTTP on 127.0.0.1). Then it prints:

- ms per launch, median of N (default 50) after 5 to warm up: the platform's login initiation,
  the signed launch (signature, audience, deployment, nonce checks; the person matched; signed
  in) and the step on to the module, each in a fresh browser (the platform's JWKS is kept for
  five minutes, as in production, so this is the warm cost);
- the launch POST alone;
- the grade return delay: from the commit of a pass to the score arriving at the platform,
  through the task, including the OAuth2 client-credentials token request (kept five minutes).
  With ``TASKS_BACKEND=database`` and PostgreSQL, through a real ``manage.py db_worker`` started
  on the throwaway database (its polling interval, 1 s by default, is most of the delay; set it
  with ``BENCH_WORKER_INTERVAL``); otherwise through the immediate backend.

    .venv/bin/python bench/lti_launch.py [launches]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attest_bench TASKS_BACKEND=database \
        .venv/bin/python bench/lti_launch.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402
from wagtail.models import Site  # noqa: E402

from learning.factories import ModulePageFactory, module_index  # noqa: E402
from lti.models import GradeReturn  # noqa: E402
from lti.receivers import _queue  # noqa: E402
from lti.services import MODULE_PARAMETER, owe_grades  # noqa: E402
from people.factories import UserFactory  # noqa: E402
from tests.lti.platform import LTI, Platform  # noqa: E402

LAUNCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 50
WARM = 5


def one_launch(platform: Platform, module, warrant: str) -> tuple[float, float]:
    client = Client()
    start = time.perf_counter()
    query = {
        "iss": platform.issuer,
        "login_hint": "u",
        "target_link_uri": "http://testserver/lti/launch/",
        "client_id": platform.client_id,
    }
    login = client.get("/lti/login/", query)
    sent = parse_qs(urlsplit(login["Location"]).query)
    custom = {"warrant_number": warrant, MODULE_PARAMETER: str(module.pk)}
    token = platform.id_token(sent["nonce"][0], **{LTI + "custom": custom})
    posted = time.perf_counter()
    launched = client.post("/lti/launch/", {"id_token": token, "state": sent["state"][0]})
    launch_only = time.perf_counter() - posted
    onward = client.get(launched["Location"])
    if launched.status_code != 302 or onward["Location"] != module.url:
        where = onward.get("Location") if launched.status_code == 302 else launched.content[:300]
        raise SystemExit(f"launch failed: {launched.status_code} {where!r} (module at {module.url})")
    return (time.perf_counter() - start) * 1000, launch_only * 1000


def start_worker() -> subprocess.Popen | None:
    """A ``db_worker`` on the throwaway database, when tasks are queued in the database."""
    from django.conf import settings
    from django.db import connection

    if "DatabaseBackend" not in settings.TASKS["default"]["BACKEND"]:
        return None
    if connection.vendor != "postgresql":
        raise SystemExit("The database worker needs PostgreSQL (the throwaway SQLite database is in memory).")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    interval = os.environ.get("BENCH_WORKER_INTERVAL", "1")
    return subprocess.Popen(  # noqa: S603 - our own manage.py, with this interpreter
        [sys.executable, "manage.py", "db_worker", "--interval", interval],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    platform = Platform().start()
    try:
        platform.register()
        index = module_index()
        Site.objects.update(root_page=index)  # as seed_demo: the training index is the site's root
        module = ModulePageFactory(title="Personal phones", parent=index)
        officer = UserFactory(warrant_number="MP100001")
        platform.tool_jwks = Client().get("/lti/jwks/").json()
        for _ in range(WARM):
            one_launch(platform, module, officer.warrant_number)
        runs = [one_launch(platform, module, officer.warrant_number) for _ in range(LAUNCHES)]
        whole, posts = [r[0] for r in runs], [r[1] for r in runs]
        print(
            f"LTI launch, login initiation to module ({LAUNCHES} launches): median {statistics.median(whole):.1f} ms, "
            f"p95 {sorted(whole)[int(len(whole) * 0.95) - 1]:.1f} ms"
        )
        print(f"the launch POST alone: median {statistics.median(posts):.1f} ms")

        worker = start_worker()
        delays = []
        try:
            for n in range(21):  # the first waits for the worker to start: not counted
                platform.arrivals.clear()
                with transaction.atomic():
                    owed = owe_grades(
                        user_id=officer.pk, module_id=module.pk, kind="score", source_id=1000 + n, score=90.0
                    )
                    _queue(owed)
                    committed = time.perf_counter()
                deadline = committed + 30
                while not platform.arrivals and time.perf_counter() < deadline:
                    time.sleep(0.002)
                if not platform.arrivals:
                    raise SystemExit("the grade did not arrive")
                if n:
                    delays.append((platform.arrivals[0] - committed) * 1000)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait()
        if GradeReturn.objects.filter(status="sent").count() != 21:
            raise SystemExit("not every grade was sent")
        print("through:", "manage.py db_worker" if worker else "the immediate backend")
        print(
            f"grade return delay, commit to the platform's score endpoint (20 grades): "
            f"median {statistics.median(delays):.1f} ms, max {max(delays):.1f} ms"
        )
    finally:
        platform.stop()


if __name__ == "__main__":
    in_throwaway_database(main)
