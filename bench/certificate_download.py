"""What a certificate PDF download costs the app: served from storage, against drawn on request;
and what storing PDFs adds to issuing a certificate.

Each figure is the median CPU time of the app process (``time.process_time``; with PostgreSQL the
database's own work is in another process and not counted) over ``runs`` downloads or issues,
after a few unmeasured ones:

- download, stored: ``GET /certificates/<serial>/pdf/`` as its holder, the PDF read from the
  default storage (a temporary folder) and checked against its SHA-256;
- download, drawn on request: the same request with the PDF drawn by ``render_pdf`` each time
  (as before PDFs were stored);
- first download: the same request for a certificate with no PDF stored yet (drawn, stored,
  recorded), as for a certificate issued before PDFs were kept or whose task has not run;
- issue: ``issue_certificate`` for a new attestation, committed, without queuing the PDF (as
  before), queuing it for the worker (``TASKS_BACKEND=database``, as in production), and running
  it at once (``immediate``, as in development);
- worker: the background task that draws and stores one PDF; and queuing it alone.

    .venv/bin/python bench/certificate_download.py [runs]

It builds a throwaway test database (SQLite by default; PostgreSQL when DATABASE_URL is set,
which is the figure to quote) and drops it afterwards.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
WARM_UP = 10
BACKENDS = {
    "database": "django_tasks_db.backend.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}


def cpu_ms(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return (time.process_time() - start) * 1000


def median_ms(work: Callable[[], object], runs: int = RUNS) -> float:
    for _ in range(WARM_UP):
        work()
    return statistics.median(cpu_ms(work) for _ in range(runs))


def tasks(backend: str):
    return override_settings(TASKS={"default": {"BACKEND": BACKENDS[backend]}})


def new_attestation(version):
    """An attestation to ``version`` by a new person, with no certificate yet."""
    from certificates.services import Context, attest
    from people.factories import UserFactory

    holder = UserFactory()
    return attest(holder, version, holder.get_full_name(), Context())


def issue(attestation) -> None:
    from certificates.services import issue_certificate

    with transaction.atomic():  # as the attestation request's: the task is queued at its commit
        issue_certificate(attestation, module_id=1, module_title="A module", valid_months=12)


def issue_cost(version, backend: str, *, queue: bool = True) -> float:
    attestations = [new_attestation(version) for _ in range(RUNS + WARM_UP)]
    times = []
    with tasks(backend), mock.patch.object(transaction, "on_commit", wraps=transaction.on_commit) as on_commit:
        if not queue:
            on_commit.side_effect = lambda *args, **kwargs: None  # issue as before PDFs were stored
        for number, attestation in enumerate(attestations):
            spent = cpu_ms(lambda attestation=attestation: issue(attestation))
            if number >= WARM_UP:
                times.append(spent)
    return statistics.median(times)


def unstored(version, count: int) -> list:
    """``count`` new certificates of ``version`` with no PDF stored yet."""
    from certificates.models import Certificate

    attestations = [new_attestation(version) for _ in range(count)]
    with tasks("dummy"):  # queued, never run
        for attestation in attestations:
            issue(attestation)
    return list(
        Certificate.objects.filter(attestation__in=attestations).select_related("policy_version__document", "user")
    )


def main() -> None:
    from certificates import stored_pdfs, views
    from certificates.models import Certificate
    from certificates.pdf import render_pdf
    from certificates.stored_pdfs import stored_pdf

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    certificate = Certificate.objects.select_related("policy_version__document").get(user__username="reattest")
    version = certificate.policy_version
    client = Client()
    client.force_login(certificate.user)
    url = f"/certificates/{certificate.display_serial}/pdf/"

    def download(path: str = url) -> None:
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
        b"".join(response.streaming_content)

    record = stored_pdf(certificate)
    size = len(render_pdf(certificate))
    stored = median_ms(download)
    with mock.patch.object(views, "issued_pdf", lambda certificate: (record, render_pdf(certificate))):
        drawn = median_ms(download)

    first_times = []
    for fresh in unstored(version, RUNS):
        client.force_login(fresh.user)
        first_times.append(cpu_ms(lambda fresh=fresh: download(f"/certificates/{fresh.display_serial}/pdf/")))
    first = statistics.median(first_times[WARM_UP:])

    waiting = iter(unstored(version, RUNS + WARM_UP))
    worker = median_ms(lambda: stored_pdfs.stored_pdf(next(waiting)))

    from certificates.stored_pdfs import store_certificate_pdf

    with tasks("database"):
        enqueue = median_ms(lambda: store_certificate_pdf.enqueue(certificate.pk))

    before = issue_cost(version, "database", queue=False)
    queued = issue_cost(version, "database")
    immediate = issue_cost(version, "immediate")

    print(
        f"Certificate PDF downloads and issue, median app CPU (time.process_time) over {RUNS} runs, "
        f"{connection.vendor}, {os.cpu_count()} CPUs; the PDF is {size:,} bytes"
    )
    print(f"  {'download, served from storage':<48} {stored:>7.2f} ms")
    print(f"  {'download, drawn on request (as before)':<48} {drawn:>7.2f} ms")
    print(f"  {'saved per download':<48} {drawn - stored:>7.2f} ms")
    print(f"  {'first download of a PDF never stored':<48} {first:>7.2f} ms")
    print(f"  {'worker: draw and store one PDF':<48} {worker:>7.2f} ms")
    print(f"  {'issue, PDF not queued (as before)':<48} {before:>7.2f} ms")
    print(f"  {'issue, PDF queued for the worker (database)':<48} {queued:>7.2f} ms  (+{queued - before:.2f} ms)")
    print(f"  {'of which queuing the task alone (database)':<48} {enqueue:>7.2f} ms")
    print(f"  {'issue, PDF drawn at once (immediate, dev)':<48} {immediate:>7.2f} ms  (+{immediate - before:.2f} ms)")
    downloads = (queued - before + worker) / (drawn - stored)
    print(f"  storing pays for itself once a certificate is downloaded {downloads:.1f} times (issue + worker)")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="attest-bench-pdfs-") as folder:
        storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
        storages["default"]["OPTIONS"] = {"location": folder}
        with override_settings(STORAGES=storages):
            in_throwaway_database(main)
