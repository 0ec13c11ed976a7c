"""HR's page for importing people from the HR system's CSV, in the Wagtail admin: upload,
read the dry run's row-by-row report, then apply it (all rows or none, once)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from access import audit

from . import imports as people_import
from .models import PeopleImport

PERMISSION = "people.add_peopleimport"
MAX_BYTES = 25 * 1024 * 1024  # about 150,000 rows
SHOWN = 500  # rows of each kind listed on the report page


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file from the HR system",
        help_text=f"UTF-8 CSV with the columns {', '.join(people_import.COLUMNS)}. Nothing changes until you "
        "have read the report and chosen to apply it.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // (1024 * 1024)} MB; the largest accepted is 25 MB."
            )
        return upload


def _require(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def upload(request):
    _require(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        report = people_import.check(data)
        record = PeopleImport.objects.create(
            uploaded_by=request.user,
            file_name=form.cleaned_data["file"].name[:255],
            content=data,
            summary={"counts": report.counts(), "ok": report.ok, "file_error": report.file_error},
        )
        return redirect("people_import_report", record.pk)
    recent = PeopleImport.objects.select_related("uploaded_by").defer("content")[:10]
    return TemplateResponse(request, "people/admin/people_import.html", {"form": form, "recent": recent})


def report(request, pk: int):
    _require(request)
    record = get_object_or_404(PeopleImport, pk=pk)
    result = people_import.check(bytes(record.content)) if record.applied_at is None else None
    context = {"record": record, "report": result, "shown": SHOWN}
    if record.applied_at is not None:
        context["applied"] = people_import.sentence(record.applied_summary.get("counts", {}))
    if result is not None:
        context["problems"] = result.problems()[:SHOWN]
        context["changes"] = [row for row in result.rows if row.action in ("created", "updated", "deactivated")][:SHOWN]
        context["counts"] = result.counts()
    return TemplateResponse(request, "people/admin/people_import_report.html", context)


@require_POST
def apply(request, pk: int):
    _require(request)
    with transaction.atomic():
        record = get_object_or_404(PeopleImport.objects.select_for_update(), pk=pk)
        if record.applied_at is not None:
            messages.warning(
                request, f"{record.file_name} was already applied on {record.applied_at:%d %B %Y at %H:%M}."
            )
            return redirect("people_import_report", record.pk)
        result = people_import.apply(bytes(record.content))
        if not result.ok:
            messages.error(
                request,
                "Nothing was imported: the file has errors (people in Attest may have changed since "
                "the dry run). Correct them and upload it again.",
            )
            return redirect("people_import_report", record.pk)
        record.applied_at = timezone.now()
        record.applied_summary = {"counts": result.counts(), "by": request.user.pk}
        record.save(update_fields=["applied_at", "applied_summary"])
        audit.record(
            audit.Action.CHANGE,
            request=request,
            verb="people import",
            object=record,
            object_label=record.file_name,
            details={"counts": result.counts()},
        )
    messages.success(request, f"Imported {record.file_name}: {people_import.sentence(result.counts())}.")
    return redirect("people_import_report", record.pk)


# Under admin/people/import/ (``people/wagtail_hooks.py``).
urlpatterns = [
    path("", upload, name="people_import"),
    path("<int:pk>/", report, name="people_import_report"),
    path("<int:pk>/apply/", apply, name="people_import_apply"),
]
