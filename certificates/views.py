"""Certificates for their holders, and the public page that verifies any certificate."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from access import audit
from access.mfa import require_for_someone_elses
from access.network import normalised_ip

from . import events
from .archive import StateCache
from .models import UNTRUSTED, Certificate, PolicyDocument, PolicyVersion
from .pdf import verification_url
from .serials import InvalidSerial, grouped, normalise
from .services import certificate_verifies
from .signing import public_identity
from .stored_pdfs import PdfUnavailable, issued_pdf

VERIFY_WINDOW_MINUTES = 10


def _certificate_for(request, serial: str) -> Certificate:
    """The certificate, if the person signed in may see it: their own, or (HR, line managers)
    one their role covers. Anyone else's is a 404, as if it did not exist."""
    try:
        compact = normalise(serial)
    except InvalidSerial as error:
        raise Http404(str(error)) from error
    certificate = get_object_or_404(
        Certificate.objects.select_related("policy_version__document", "attestation", "user"), serial=compact
    )
    if not request.user.has_perm("certificates.view_certificate", certificate):
        audit.denied(request, "certificate", serial=certificate.display_serial)
        raise Http404("No certificate of yours has this serial.")
    require_for_someone_elses(request, certificate.user_id)
    return certificate


@login_required
def mine(request):
    """The officer's certificates, every one they were issued, newest first, with its state today."""
    certificates = StateCache().annotate(
        Certificate.objects.filter(user=request.user).select_related("policy_version__document").order_by("-issued_at")
    )
    return render(request, "certificates/mine.html", {"certificates": certificates})


@login_required
def detail(request, serial: str):
    certificate = _certificate_for(request, serial)
    return render(
        request,
        "certificates/detail.html",
        {"certificate": certificate, "verify_url": verification_url(certificate)},
    )


@login_required
def pdf(request, serial: str):
    """The certificate's PDF as issued, from storage (``stored_pdfs``), never drawn anew once
    stored; the audit event names the SHA-256 of the bytes handed out."""
    certificate = _certificate_for(request, serial)
    try:
        record, data = issued_pdf(certificate)
    except PdfUnavailable:
        audit.denied(
            request, "certificate PDF", serial=certificate.display_serial, reason="stored PDF missing or altered"
        )
        context = {"certificate": certificate, "verify_url": verification_url(certificate)}
        return render(request, "certificates/pdf_unavailable.html", context, status=503)
    audit.export(
        request, "certificate PDF", serial=certificate.display_serial, holder=certificate.user_id, sha256=record.sha256
    )
    filename = f"certificate-{certificate.display_serial}.pdf"
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=filename, content_type="application/pdf")


def _verify_form_with_error(request, typed: str, error: InvalidSerial, status: int = 200):
    context = {"error": str(error), "error_summary": [("serial", str(error))], "typed": typed}
    context["signing"] = public_identity()
    return render(request, "certificates/verify_form.html", context, status=status)


@login_required
def policy(request, reference: str):
    """A policy's version in force, clause by clause, for officers following a citation."""
    document = get_object_or_404(PolicyDocument, reference=reference)
    version = document.current_version()
    if version is None:
        raise Http404("This policy has no version in force yet.")
    return render(request, "certificates/policy.html", {"document": document, "version": version})


@never_cache
def verify_form(request):
    """The public form to type a serial; a well-formed one goes to its verification page."""
    typed = request.GET.get("serial")
    if typed is None:
        return render(request, "certificates/verify_form.html", {"signing": public_identity()})
    try:
        compact = normalise(typed)
    except InvalidSerial as error:
        return _verify_form_with_error(request, typed, error)
    return redirect("certificates:verify", grouped(compact))


def _verify_rate() -> str:
    return f"{settings.VERIFY_RATE_LIMIT}/{VERIFY_WINDOW_MINUTES}m"


def _client_address(request) -> str:
    # No usable address (a unix socket behind a proxy): such requests share one allowance.
    return normalised_ip(request.META.get("REMOTE_ADDR")) or "unknown"


def _too_many_checks(request):
    response = render(request, "certificates/verify_limited.html", {"minutes": VERIFY_WINDOW_MINUTES}, status=429)
    response["Retry-After"] = str(VERIFY_WINDOW_MINUTES * 60)
    return response


@never_cache
@ratelimit(key=lambda group, request: _client_address(request), rate=lambda group, request: _verify_rate(), block=False)
def verify(request, serial: str):
    """Anyone may check a certificate by its serial; the page shows only what the certificate
    says and names the holder by initial and surname. Checks are limited per address, so the
    page cannot be used to trawl for serials."""
    if getattr(request, "limited", False):
        return _too_many_checks(request)
    try:
        compact = normalise(serial)
    except InvalidSerial as error:
        return _verify_form_with_error(request, serial, error, status=404)
    if serial != grouped(compact):
        return redirect("certificates:verify", grouped(compact))
    certificate = (
        Certificate.objects.select_related("policy_version__document", "attestation", "user")
        .filter(serial=compact)
        .first()
    )
    if certificate is None:
        return render(request, "certificates/verify_result.html", {"serial": serial}, status=404)
    state = certificate.current_state
    if not (certificate_verifies(certificate) and events.chain_complete()):
        state = UNTRUSTED  # its attestation, or the chain of certificate events, was changed
    context = {"certificate": certificate, "state": state, "serial": serial, "signing": public_identity()}
    if state == "superseded":
        context["replaced_by"], context["in_force"] = _replacement(certificate)
    return render(request, "certificates/verify_result.html", context)


def signing_certificate(request, encoding: str):
    """The certificate the force signs its certificate PDFs with, for anyone to add to their
    PDF reader's trusted certificates: PEM text, or DER (.cer, which Windows opens). A 404 when
    PDFs are not signed."""
    identity = public_identity()
    if identity is None:
        raise Http404("Certificate PDFs are not signed.")
    if encoding == "pem":
        response = HttpResponse(identity.pem, content_type="application/x-pem-file")
    else:
        response = HttpResponse(identity.der, content_type="application/pkix-cert")
    response["Content-Disposition"] = f'attachment; filename="certificate-signing.{encoding}"'
    return response


def _replacement(certificate: Certificate) -> tuple[PolicyVersion | None, PolicyVersion | None]:
    """The material version that superseded the certificate's (it took effect the day the
    certificate stopped counting), and the version in force today. The first is None for a
    certificate marked superseded on its record with no later material version in force."""
    newest_first = certificate.policy_version.document.versions_in_force()
    ids = [version.pk for version in newest_first]
    newer = newest_first[: ids.index(certificate.policy_version_id)] if certificate.policy_version_id in ids else []
    newer_material = [version for version in newer if version.material]
    return (newer_material[-1] if newer_material else None), (newest_first[0] if newest_first else None)
