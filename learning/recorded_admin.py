"""Completions recorded by HR for training done elsewhere, in the Wagtail admin: the listing, the
form to record one with its evidence, and the evidence's download. HR (and administrators) only:
the evidence is never served from a public address, and each download is in the audit log."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton

from access import audit
from core.reports import AdminFilterSet, AdminReport
from people.choosers import PersonChooserWidget, search_people
from people.models import User

from .models import ModulePage, RecordedCompletion
from .services import EVIDENCE_MAX_BYTES, CannotRecordCompletion, record_completion, withdraw_recorded_completion

VIEW = "learning.view_recordedcompletion"
ADD = "learning.add_recordedcompletion"

# Said wherever such a completion is shown: it completes the enrolment, and nothing more.
NOT_AN_ATTESTATION = "Recorded by HR: no attestation or certificate."

EVIDENCE_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


class RecordedCompletionFilterSet(AdminFilterSet):
    module = django_filters.ModelChoiceFilter(queryset=ModulePage.objects.order_by("title"), label="Module")

    class Meta:
        model = RecordedCompletion
        fields = ["module", "kind"]


class RecordedCompletionListing(AdminReport):
    """Every completion HR has recorded, newest first, searched by name or warrant number."""

    permission = VIEW
    page_title = "Completions recorded by HR"
    header_icon = "tick-inverse"
    is_searchable = True
    filterset_class = RecordedCompletionFilterSet
    paginate_by = 50
    index_url_name = "recorded_completions"
    index_results_url_name = "recorded_completions_results"
    list_export = []
    columns = [
        TitleColumn(
            "person",
            label="Person",
            accessor=lambda row: row.user.get_full_name() or row.user.username,
            get_url=lambda row: reverse("people_admin_person", args=[row.user_id]),
        ),
        Column(
            "warrant_number", label="Warrant or staff number", accessor=lambda row: row.user.warrant_number or "None"
        ),
        Column("module", label="Module", accessor=lambda row: row.module.title),
        Column("kind", label="Training", accessor=lambda row: f"{row.get_kind_display()}: {row.description}"),
        Column("completed_on", label="Completed on", accessor=lambda row: f"{row.completed_on:%d %b %Y}"),
        TitleColumn(
            "evidence",
            label="Evidence",
            accessor=lambda row: f"{row.evidence_name} ({row.evidence_size // 1024 or 1} KB)",
            get_url=lambda row: reverse("recorded_completion_evidence", args=[row.pk]),
        ),
        Column(
            "recorded_by",
            label="Recorded by",
            accessor=lambda row: (
                f"{row.recorded_by.get_full_name() or row.recorded_by.username}, "
                f"{timezone.localtime(row.recorded_at):%d %b %Y %H:%M}"
            ),
        ),
        TitleColumn(
            "state",
            label="State",
            accessor=lambda row: state(row),
            get_url=lambda row: reverse("recorded_completion_withdraw", args=[row.pk]) if is_standing(row) else None,
        ),
    ]

    def get_queryset(self):
        return RecordedCompletion.objects.select_related(
            "user", "module", "recorded_by", "withdrawn_by", "withdraws"
        ).order_by("-recorded_at", "-pk")

    @property
    def is_export(self) -> bool:
        return False  # a register to look records up; the people report exports the completions

    @is_export.setter
    def is_export(self, value) -> None:
        pass

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.is_searching:
            return queryset
        return queryset.filter(user__in=search_people(User.objects.all(), self.search_query).values("pk"))

    def get_header_buttons(self):
        buttons = list(super().get_header_buttons())
        if self.request.user.has_perm(ADD):
            buttons.append(
                HeaderButton("Record a completion", url=reverse("recorded_completion_add"), icon_name="plus")
            )
        return buttons


def is_standing(row: RecordedCompletion) -> bool:
    """Neither a withdrawal nor withdrawn (read with ``select_related("withdrawn_by")``)."""
    if row.withdraws_id is not None:
        return False
    try:
        row.withdrawn_by  # noqa: B018 (the reverse one-to-one: present once withdrawn)
    except RecordedCompletion.DoesNotExist:
        return True
    return False


def state(row: RecordedCompletion) -> str:
    if row.withdraws_id is not None:
        earlier = timezone.localtime(row.withdraws.recorded_at)
        return f"Withdraws the record of {earlier:%d %b %Y %H:%M}: {row.withdrawal_reason}"
    if not is_standing(row):
        return "Withdrawn"
    return "Standing: withdraw it"


class RecordedCompletionForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        widget=PersonChooserWidget(),
        label="Person",
        error_messages={"invalid_choice": "Choose an active person.", "required": "Choose the person."},
    )
    module = forms.ModelChoiceField(
        queryset=ModulePage.objects.order_by("title"),
        label="Module",
        error_messages={"required": "Choose the module the training completes."},
    )
    completed_on = forms.DateField(
        label="Completed on",
        widget=AdminDateInput(),
        help_text="The day they finished the training: today or earlier.",
        error_messages={"required": "Give the day they completed the training.", "invalid": "Give a real date."},
    )
    kind = forms.ChoiceField(
        label="Kind of training",
        choices=RecordedCompletion.Kind.choices,
        error_messages={"required": "Choose what kind of training it was."},
    )
    description = forms.CharField(
        label="Description",
        max_length=300,
        help_text="The course or session, who gave it and where.",
        error_messages={"required": "Describe the training: the course or session, and who gave it."},
    )
    evidence = forms.FileField(
        label="Evidence",
        help_text=f"A PDF, PNG or JPEG of at most {EVIDENCE_MAX_BYTES // 1024 // 1024} MB: "
        "an attendance sheet or the course's certificate.",
        error_messages={"required": "Attach the evidence: a PDF, PNG or JPEG."},
    )

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The day of completion is in the future: choose today or an earlier day.")
        return day


def add(request):
    _require(request, ADD)
    form = RecordedCompletionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = record_completion(
                data["user"],
                data["module"],
                completed_on=data["completed_on"],
                kind=data["kind"],
                description=data["description"],
                evidence=data["evidence"],
                by=request.user,
            )
        except CannotRecordCompletion as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                f"{record.user} has completed {record.module.title}: {NOT_AN_ATTESTATION}",
            )
            return redirect("recorded_completions")
    return TemplateResponse(
        request,
        "learning/admin/recorded_completion_form.html",
        {"form": form, "not_an_attestation": NOT_AN_ATTESTATION},
        status=400 if form.errors else 200,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the record was wrong. The record stays, marked withdrawn, and the enrolment opens again.",
        error_messages={"required": "Give the reason for withdrawing the record."},
    )


def withdraw(request, pk: int):
    _require(request, ADD)
    record = get_object_or_404(RecordedCompletion.objects.select_related("user", "module"), pk=pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_recorded_completion(record, reason=form.cleaned_data["reason"], by=request.user)
        except CannotRecordCompletion as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, f"The record of {record.user} completing {record.module.title} elsewhere is withdrawn."
            )
            return redirect("recorded_completions")
    return TemplateResponse(
        request,
        "learning/admin/recorded_completion_withdraw.html",
        {"form": form, "record": record},
        status=400 if form.errors else 200,
    )


def evidence(request, pk: int):
    """The evidence file, as an attachment, for HR only; recorded in the audit log."""
    _require(request, VIEW)
    record = get_object_or_404(RecordedCompletion.objects.select_related("user"), pk=pk)
    extension = record.evidence.name.rsplit(".", 1)[-1].lower()
    try:
        handle = record.evidence.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The evidence file is missing from storage.") from missing
    audit.export(
        request,
        "evidence of a recorded completion",
        recorded_completion=record.pk,
        person=record.user_id,
        evidence_sha256=record.evidence_sha256,
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=record.evidence_name,
        content_type=EVIDENCE_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Under admin/recorded-completions/ (``learning/wagtail_hooks.py``), beside the listing.
urlpatterns = [
    path("new/", add, name="recorded_completion_add"),
    path("<int:pk>/evidence/", evidence, name="recorded_completion_evidence"),
    path("<int:pk>/withdraw/", withdraw, name="recorded_completion_withdraw"),
]
