"""What the read side keeps of its own: each HR or reporting user's saved report filters, and
the weekly sends of those scheduled to be emailed (one per report per week)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SavedReport(models.Model):
    """A completion report with its filters, saved under a name by its owner (their own list),
    optionally emailed every week, as a CSV, to an active person in Attest."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_reports")
    name = models.CharField(max_length=100)
    #: The report's URL name (``records.saved.SAVABLE``), e.g. ``report_by_unit``.
    report = models.CharField(max_length=40)
    #: The filters as a query string, without the page or an export.
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    send_weekly_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Emailed the report's CSV once a week. Blank: not sent.",
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="one_saved_report_per_name")]

    def __str__(self) -> str:
        return self.name


class ReportSend(models.Model):
    """One weekly email of a saved report: recorded as it is sent, so each week's is sent once."""

    saved_report = models.ForeignKey(SavedReport, on_delete=models.CASCADE, related_name="sends")
    #: The Monday of the week it was sent for.
    week_of = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    sent_to = models.CharField(max_length=254)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["saved_report", "week_of"], name="one_send_per_week")]

    def __str__(self) -> str:
        return f"{self.saved_report} to {self.sent_to}, week of {self.week_of}"
