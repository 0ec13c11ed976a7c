"""What signing a certificate PDF costs: the certificate drawn unsigned (``draw_pdf``), drawn and
signed by the force (``render_pdf``, PAdES B-B, RSA 3072 with SHA-256), and the signature alone;
the file's size each way; and the first signature in a process, which reads the key.

Each figure is the median wall-clock time (``time.perf_counter``) over ``runs`` drawings of the
demo officer's certificate, after a few unmeasured ones. The key pair is made for the run in a
temporary folder, as the demo pair is (``certificates.signing.make_self_signed_pair``).

    .venv/bin/python bench/pdf_signing.py [runs]

It builds a throwaway test database (SQLite by default; PostgreSQL when DATABASE_URL is set) and
drops it afterwards.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
WARM_UP = 3


def ms(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def median_ms(work: Callable[[], object]) -> float:
    for _ in range(WARM_UP):
        work()
    return statistics.median(ms(work) for _ in range(RUNS))


def main(folder: Path) -> None:
    from certificates import signing
    from certificates.models import Certificate
    from certificates.pdf import draw_pdf, render_pdf

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    certificate = Certificate.objects.select_related("policy_version__document").get(user__username="reattest")
    key, cert = folder / "key.pem", folder / "certificate.pem"
    signing.make_self_signed_pair(key, cert, subject="Bench certificate signing")

    unsigned = median_ms(lambda: draw_pdf(certificate))
    drawing = draw_pdf(certificate)
    with override_settings(CERTIFICATE_SIGNING_KEY=str(key), CERTIFICATE_SIGNING_CERT=str(cert)):
        signing._load.cache_clear()
        first = ms(lambda: render_pdf(certificate))  # reads and checks the key
        signed = median_ms(lambda: render_pdf(certificate))
        signature = median_ms(lambda: signing.sign_pdf(drawing, signed_at=certificate.issued_at))
        size = len(render_pdf(certificate))
        same = render_pdf(certificate) == render_pdf(certificate)

    print(f"Certificate PDF signing, median wall-clock over {RUNS} drawings, {os.cpu_count()} CPUs, RSA 3072 / SHA-256")
    print(f"  {'drawn, unsigned (draw_pdf)':<44} {unsigned:>8.2f} ms  {len(drawing):>8,} bytes")
    print(f"  {'drawn and signed, B-B (render_pdf)':<44} {signed:>8.2f} ms  {size:>8,} bytes")
    print(f"  {'the signature alone (sign_pdf)':<44} {signature:>8.2f} ms  (+{size - len(drawing):,} bytes)")
    print(f"  {'first signed drawing in a process (key read)':<44} {first:>8.2f} ms")
    print(f"  signing the same drawing twice gives the same bytes: {same}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="attest-bench-signing-") as folder:
        in_throwaway_database(lambda: main(Path(folder)))
