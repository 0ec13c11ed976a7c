"""Certificates in the Wagtail admin, for HR: find them by org unit, module and issue date,
download them as one ZIP (streamed), download a person's transcript, and revoke one with a
reason (kept in the audit trail; the certificate itself is never deleted)."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton

from certificates.archive import StateCache, stream_zip
from certificates.models import Certificate
from certificates.services import AlreadyRevoked, revoke
from core import export
from core.reports import AdminFilterSet, AdminReport
from learning.models import ModulePage, current_enrolment
from learning.services import RETAKE_WITHIN
from people.filters import OrgUnitFilter
from people.models import OrgUnit

VIEW = "certificates.view_certificate"
REVOKE = "certificates.revoke_certificate"


class CertificateFilterSet(AdminFilterSet):
    org_unit = OrgUnitFilter(
        label="Org unit",
        queryset=lambda request: OrgUnit.objects.order_by("path"),
        method="filter_org_unit",
        help_text="The holder's org unit: this unit and every unit below it.",
    )
    module = django_filters.ModelChoiceFilter(
        label="Module", queryset=lambda request: ModulePage.objects.order_by("title"), method="filter_module"
    )
    issued_from = django_filters.DateFilter(
        label="Issued from", field_name="issued_at", lookup_expr="date__gte", widget=AdminDateInput
    )
    issued_to = django_filters.DateFilter(
        label="Issued to", field_name="issued_at", lookup_expr="date__lte", widget=AdminDateInput
    )

    class Meta:
        model = Certificate
        fields: list[str] = []

    def filter_org_unit(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(OrgUnit.within_q(value, field="user__org_unit"))

    def filter_module(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(module_id=value.pk)


def certificates() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("user__org_unit", "policy_version__document").order_by("-issued_at", "pk")


class CertificatePaginator(WagtailPaginator):
    verbose_name = "certificate"
    verbose_name_plural = "certificates"


class CertificateReportView(AdminReport):
    permission = VIEW
    page_title = "Certificates"
    header_icon = "doc-full"
    template_name = "records/admin/certificates.html"
    results_template_name = "records/admin/certificates_results.html"
    filterset_class = CertificateFilterSet
    paginator_class = CertificatePaginator
    verbose_name = "certificate"
    verbose_name_plural = "certificates"
    index_url_name = "certificate_report"
    index_results_url_name = "certificate_report_results"
    export_filename = "certificates"
    list_export = [
        "display_serial",
        "holder_name",
        "warrant_number",
        "module_title",
        "policy_version",
        "issued_at",
        "expires_on",
        "current_state",
    ]
    export_headings = {
        "display_serial": "Serial",
        "holder_name": "Holder",
        "warrant_number": "Warrant or staff number",
        "module_title": "Module",
        "policy_version": "Policy version",
        "issued_at": "Issued",
        "expires_on": "Expires",
        "current_state": "State",
    }

    def get_queryset(self) -> QuerySet:
        return certificates()

    def decorate_paginated_queryset(self, object_list):
        return StateCache().annotate(object_list)

    def get_header_buttons(self):
        query = self.request.GET.urlencode()
        return [
            *super().get_header_buttons(),
            HeaderButton(
                "Download these as a ZIP",
                url=reverse("certificate_zip") + (f"?{query}" if query else ""),
                icon_name="download",
            ),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_revoke"] = self.request.user.has_perm(REVOKE)
        return context


def certificate_zip(request):
    """The certificates the report's filters select, as a ZIP streamed as it is drawn."""
    if not CertificateReportView.allows(request.user):
        raise PermissionDenied
    filters = CertificateFilterSet(request.GET, queryset=certificates(), request=request)
    if not filters.is_valid():
        messages.error(
            request,
            "Those filters are not valid: "
            + "; ".join(f"{field}: {' '.join(errors)}" for field, errors in filters.errors.items()),
        )
        return redirect("certificate_report")
    export.announce(request, "certificates ZIP", "zip")
    response = StreamingHttpResponse(stream_zip(filters.qs.iterator(chunk_size=200)), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="certificates-{timezone.localdate():%Y-%m-%d}.zip"'
    return response


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter the reason the certificate is revoked."},
        help_text="Why the certificate is withdrawn. The holder sees it; the public verification page only says "
        "that it is revoked.",
    )

    retake_due = forms.DateField(
        label="Retake due by",
        widget=AdminDateInput,
        error_messages={
            "required": "Enter the date the holder must have retaken the module by.",
            "invalid": "Enter the date as a real date, for example 2027-01-31.",
        },
        help_text="Revoking sends the holder back to training: they retake the scenarios and attest again "
        "by this date, and count as not complete until they do.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retake_due"].initial = timezone.localdate() + RETAKE_WITHIN

    def clean_reason(self):
        return " ".join(self.cleaned_data["reason"].split())  # the audit trail keeps it on one line

    def clean_retake_due(self):
        day = self.cleaned_data["retake_due"]
        if day < timezone.localdate():
            raise forms.ValidationError("The retake date has passed: choose today or a later day.")
        return day


def revoke_certificate(request, serial: str):
    if not request.user.has_perm(REVOKE):
        raise PermissionDenied
    certificate = get_object_or_404(certificates(), serial=serial)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoke(
                certificate,
                reason=form.cleaned_data["reason"],
                by=request.user,
                retake_due=form.cleaned_data["retake_due"],
            )
        except AlreadyRevoked as error:
            messages.warning(request, str(error))
        else:
            reopened = current_enrolment(certificate.user, certificate.module_id)
            messages.success(
                request,
                f"Certificate {certificate.display_serial} revoked. It is kept, marked revoked."
                + (
                    f" {certificate.holder_name} must retake {certificate.module_title} by "
                    f"{reopened.due_date:%-d %B %Y}."
                    if reopened and reopened.revoked_certificate_id == certificate.pk
                    else ""
                ),
            )
        return redirect("certificate_report")
    return TemplateResponse(
        request,
        "records/admin/revoke_certificate.html",
        {"certificate": certificate, "form": form, "state": certificate.current_state},
    )


# Beside the report's own page and results (``records/wagtail_hooks.py``), under admin/certificates/.
urlpatterns = [
    path("zip/", certificate_zip, name="certificate_zip"),
    path("<str:serial>/revoke/", revoke_certificate, name="certificate_revoke"),
]
