"""How long one certificate PDF takes to draw with our reportlab code, against WeasyPrint.

``certificates.pdf.render_pdf`` draws the certificate of the demo officer who attested to the
first policy version (``reattest`` in seed_demo). The same layout, written as HTML and CSS
below (landscape A4, the same texts, positions and embedded Vera font, the QR code as inline
SVG), is drawn by WeasyPrint in the same run. This prints the median and 95th percentile
milliseconds and the PDF size for each engine, the ratio of the medians, and whether the
targets are met: reportlab median at most 15 ms, and WeasyPrint at least 20 times slower.

WeasyPrint and segno (the QR code as SVG) are dependencies of this benchmark only, listed in
bench/requirements.txt:

    .venv/bin/python -m pip install -r bench/requirements.txt
    .venv/bin/python bench/certificate_pdf.py [reportlab runs] [weasyprint runs]

It builds a throwaway test database (SQLite by default; PostgreSQL when DATABASE_URL is set)
and drops it afterwards.
"""

from __future__ import annotations

import html
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

from core.dates import long_date  # noqa: E402
from core.pdf import BLUE, BOLD, FONT_FILES, REGULAR, TEXT  # noqa: E402

INSTALL = ".venv/bin/python -m pip install -r bench/requirements.txt"

# The settings log at INFO, where WeasyPrint and fontTools report every step of every render:
# writing that to the console would be timed along with the render.
for noisy in ("weasyprint", "fontTools"):
    logging.getLogger(noisy).setLevel(logging.WARNING)

try:
    import segno
    import weasyprint
except (ImportError, OSError) as error:  # OSError: installed, but Pango or HarfBuzz is missing
    sys.exit(f"The benchmark's requirements cannot be imported ({error}).\nInstall them: {INSTALL}")

REPORTLAB_RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
WEASYPRINT_RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
TARGET_REPORTLAB_MS = 15
TARGET_RATIO = 20

# Positions are those of certificates/pdf.py in millimetres from the page's top-left corner;
# `top` is a text baseline, so each line is lifted by its ascent (margin-top).
TEMPLATE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Certificate of completion: {module_title}</title>
<meta name="author" content="{force_name}">
<meta name="description" content="{subject}">
<meta name="keywords" content="certificate, training, attestation, {serial}">
<meta name="generator" content="Attest">
<style>
@font-face {{ font-family: AttestSans; font-weight: normal; src: url("{regular_font}"); }}
@font-face {{ font-family: AttestSans; font-weight: bold; src: url("{bold_font}"); }}
@page {{ size: A4 landscape; margin: 0; }}
body {{ margin: 0; font-family: AttestSans; font-size: 11pt; color: {text_colour}; }}
.frame {{ position: absolute; top: 9mm; right: 9mm; bottom: 9mm; left: 9mm; margin: -1.5pt;
          border: 3pt solid {frame_colour}; }}
.line {{ position: absolute; left: 18mm; margin: -0.85em 0 0; line-height: 1; white-space: nowrap; }}
.right {{ left: auto; right: 18mm; text-align: right; font-size: 8pt; }}
.bold {{ font-weight: bold; }}
.value {{ left: 42mm; }}
.qr {{ position: absolute; left: 237mm; top: 144mm; width: 42mm; height: 42mm; }}
.qr svg {{ display: block; width: 100%; height: 100%; }}
</style>
</head>
<body>
<div class="frame"></div>
<p class="line bold" style="top: 24mm; font-size: 16pt">{force_name}</p>
<p class="line" style="top: 30mm">Training and policy attestation</p>
<h1 class="line bold" style="top: 62mm; font-size: 28pt">Certificate of completion</h1>
<p class="line" style="top: 74mm; font-size: 13pt">This is to certify that</p>
<p class="line bold" style="top: 86mm; font-size: 22pt">{holder_name}</p>
{warrant}
<p class="line" style="top: 106mm; font-size: 13pt">completed the training module</p>
<p class="line bold" style="top: 116mm; font-size: 16pt">{module_title}</p>
<p class="line" style="top: 128mm; font-size: 12pt">and attested to {policy_title}, version {version_label}
(text fingerprint {fingerprint}).</p>
<p class="line" style="top: 168mm">Issued</p><p class="line value bold" style="top: 168mm">{issued}</p>
<p class="line" style="top: 175mm">Expires</p><p class="line value bold" style="top: 175mm">{expires}</p>
<p class="line" style="top: 182mm">Serial</p><p class="line value bold" style="top: 182mm">{serial}</p>
<div class="qr">{qr_svg}</div>
<p class="line right" style="top: 190mm">Check this certificate at</p>
<p class="line right" style="top: 194mm">{url}</p>
</body>
</html>
"""
WARRANT = '<p class="line" style="top: 94mm; font-size: 12pt">Warrant or staff number {}</p>'


def qr_svg(url: str) -> str:
    """The QR code as an inline <svg> element, sized by the page's CSS. One path, from segno:
    reportlab's renderSVG writes a styled <rect> per module, which WeasyPrint parses and warns
    about one by one, and that would count against WeasyPrint rather than the layout."""
    code = segno.make(url, error="m", boost_error=False)
    return code.svg_inline(omitsize=True, svgclass=None, lineclass=None)


def css_colour(colour) -> str:
    """A reportlab colour as CSS: "#0b0c0c"."""
    return "#" + colour.hexval().removeprefix("0x")


def certificate_html(certificate) -> str:
    from certificates.pdf import verification_url

    version = certificate.policy_version
    url = verification_url(certificate)
    fields = {
        "force_name": settings.FORCE_NAME,
        "module_title": certificate.module_title,
        "holder_name": certificate.holder_name,
        "subject": f"{certificate.holder_name} completed {certificate.module_title} and attested to "
        f"{version}. Serial {certificate.display_serial}.",
        "policy_title": version.document.title,
        "version_label": version.version_label,
        "fingerprint": version.body_sha256[:12],
        "issued": long_date(certificate.issued_at),
        "expires": long_date(certificate.expires_on),
        "serial": certificate.display_serial,
        "url": url,
    }
    escaped = {name: html.escape(str(value)) for name, value in fields.items()}
    warrant = WARRANT.format(html.escape(certificate.warrant_number)) if certificate.warrant_number else ""
    return TEMPLATE.format(
        **escaped,
        warrant=warrant,
        qr_svg=qr_svg(url),
        regular_font=FONT_FILES[REGULAR].as_uri(),
        bold_font=FONT_FILES[BOLD].as_uri(),
        text_colour=css_colour(TEXT),
        frame_colour=css_colour(BLUE),
    )


def render_weasyprint(certificate) -> bytes:
    return weasyprint.HTML(string=certificate_html(certificate)).write_pdf()


def timings_ms(render, runs: int) -> tuple[list[float], bytes]:
    """Milliseconds of each of `runs` renders after one warm-up, and the last PDF."""
    pdf = render()  # the first render loads and parses the fonts
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pdf = render()
        times.append((time.perf_counter() - start) * 1000)
    return times, pdf


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[94]


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    from certificates.models import Certificate
    from certificates.pdf import render_pdf

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    certificate = Certificate.objects.select_related("policy_version__document").get(user__username="reattest")

    results = []
    for engine, render, runs in [
        ("reportlab", lambda: render_pdf(certificate), REPORTLAB_RUNS),
        (f"WeasyPrint {weasyprint.__version__}", lambda: render_weasyprint(certificate), WEASYPRINT_RUNS),
    ]:
        times, pdf = timings_ms(render, runs)
        results.append((engine, runs, statistics.median(times), p95(times), len(pdf)))

    print(f"One certificate PDF (landscape A4, embedded Vera, QR code), {os.cpu_count()} CPUs")
    print(f"  {'engine':<18} {'runs':>5} {'median ms':>10} {'p95 ms':>8} {'PDF bytes':>10}")
    for engine, runs, median, high, size in results:
        print(f"  {engine:<18} {runs:>5} {median:>10.1f} {high:>8.1f} {size:>10,}")
    reportlab_median, weasyprint_median = results[0][2], results[1][2]
    ratio = weasyprint_median / reportlab_median
    print(f"  WeasyPrint median / reportlab median: {ratio:.1f}x")
    print(f"  reportlab median <= {TARGET_REPORTLAB_MS} ms: {verdict(reportlab_median <= TARGET_REPORTLAB_MS)}")
    print(f"  ratio >= {TARGET_RATIO}x: {verdict(ratio >= TARGET_RATIO)}")


if __name__ == "__main__":
    in_throwaway_database(main)
