"""The outbox in the Wagtail admin, for administrators: statements not yet in the learning record
store (waiting, or refused by it) with the LRS's last answer, and a retry once the cause is put
right. Nobody else holds ``xapi.view_outboxstatement`` or ``xapi.change_outboxstatement``."""

from __future__ import annotations

import json

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from wagtail.admin.ui.tables import Column, TitleColumn

from access import audit
from core.reports import AdminFilterSet, AdminReport

from .models import OutboxStatement
from .outbox import send_after_commit
from .sending import retry as retry_rows

VIEW = "xapi.view_outboxstatement"
CHANGE = "xapi.change_outboxstatement"


class OutboxFilterSet(AdminFilterSet):
    status = django_filters.ChoiceFilter(
        choices=OutboxStatement.Status.choices, label="Status", empty_label="Not sent (waiting or refused)"
    )

    class Meta:
        model = OutboxStatement
        fields = ["status"]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.unsent()
        return super().filter_queryset(queryset)


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%d %b %Y %H:%M:%S}" if moment else ""


class OutboxListing(AdminReport):
    """The statements not yet in the LRS, oldest first; the status filter shows the sent too."""

    permission = VIEW
    page_title = "Statements to the learning record store"
    header_icon = "resubmit"
    filterset_class = OutboxFilterSet
    paginate_by = 50
    index_url_name = "xapi_outbox"
    index_results_url_name = "xapi_outbox_results"
    list_export = []
    columns = [
        TitleColumn(
            "statement_id",
            label="Statement",
            accessor=lambda row: f"{row.verb}: {row.statement_id}",
            get_url=lambda row: reverse("xapi_outbox_statement", args=[row.pk]),
        ),
        Column("created_at", label="Recorded", accessor=lambda row: _when(row.created_at)),
        Column("status", label="Status", accessor=lambda row: row.get_status_display()),
        Column("tries", label="Tries"),
        Column(
            "next_try_at",
            label="Next try",
            accessor=lambda row: _when(row.next_try_at) if row.status == OutboxStatement.Status.PENDING else "",
        ),
        Column("last_error", label="Last answer from the LRS", accessor=lambda row: row.last_error or ""),
    ]

    def get_queryset(self):
        return OutboxStatement.objects.defer("body").order_by("created_at", "pk")

    @property
    def is_export(self) -> bool:
        return False  # a page to look at and retry from; nothing to download

    @is_export.setter
    def is_export(self, value) -> None:
        pass


def statement(request, pk: int):
    """One statement as sent, and a retry (POST) for one not yet in the LRS."""
    if not request.user.has_perm(VIEW):
        raise PermissionDenied
    row = get_object_or_404(OutboxStatement, pk=pk)
    if request.method == "POST":
        if not request.user.has_perm(CHANGE):
            raise PermissionDenied
        if row.status == OutboxStatement.Status.SENT:
            messages.error(request, "This statement is already in the learning record store: nothing to retry.")
            return redirect("xapi_outbox_statement", pk=row.pk)
        retry_rows(OutboxStatement.objects.filter(pk=row.pk))
        audit.record(
            audit.Action.CHANGE,
            request=request,
            verb="retried a statement to the learning record store",
            object=row,
            # "statement…" would be scrubbed as a secret (it contains "state"): hence xapi_id.
            details={"xapi_id": str(row.statement_id), "tries": row.tries, "last_error": row.last_error},
        )
        send_after_commit()
        messages.success(request, f"Statement {row.statement_id} will be sent again now.")
        return redirect("xapi_outbox")
    return TemplateResponse(
        request,
        "xapi/admin/statement.html",
        {
            "row": row,
            "body": json.dumps(row.body, indent=2, sort_keys=True),
            "can_retry": row.status != OutboxStatement.Status.SENT and request.user.has_perm(CHANGE),
        },
    )


# Under admin/xapi-statements/ (``xapi/wagtail_hooks.py``), beside the listing.
urlpatterns = [path("<int:pk>/", statement, name="xapi_outbox_statement")]
