"""Scenario pages and the attempts officers make at them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from .blocks import StepStreamBlock, following_step, step_names
from .graph import END


class ScenarioPage(Page):
    """A short, realistic situation and the steps an officer works through in it."""

    narrative = RichTextField(
        features=["bold", "italic", "ol", "ul", "link"],
        help_text="The situation, told in the second person. Shown above every step.",
    )
    steps = StreamField(StepStreamBlock(), help_text="The questions, in order.")

    content_panels = [*Page.content_panels, FieldPanel("narrative"), FieldPanel("steps")]
    parent_page_types = ["learning.ModulePage"]
    subpage_types: list[str] = []

    template = "scenarios/scenario_page.html"

    def serve(self, request, *args, **kwargs):
        # Officers meet scenarios inside an attempt, which the module page starts.
        return redirect(self.get_parent().url)

    def preview_steps(self) -> list[dict]:
        """Each step as an officer sees it, with every option's feedback and where it leads,
        for the trainer's click-through preview (in-page links, so no JavaScript is needed)."""
        names = step_names(self.steps)
        number_of = {name: number for number, name in enumerate(names, start=1)}
        steps = []
        for index, child in enumerate(self.steps):
            options = []
            for number, option in enumerate(child.value.options(), start=1):
                target = child.value.next_step([option], following_step(names, index))
                # As in the engine, "end" finishes the scenario even if a step bears that name.
                target_number = number_of.get(target) if target != END else None
                options.append(
                    {
                        "option": option,
                        "anchor": f"step-{index + 1}-choice-{number}",
                        "leads_to": f"step-{target_number}" if target_number else "",
                        "leads_to_label": f"Step {target_number}" if target_number else "the end",
                    }
                )
            steps.append(
                {
                    "number": index + 1,
                    "anchor": f"step-{index + 1}",
                    "kind": child.block_type,
                    "prompt": child.value["prompt"],
                    "critical": child.value["critical"],
                    "multiple": child.value.multiple,
                    "options": options,
                }
            )
        return steps


class Attempt(models.Model):
    """One go at a module's scenarios by one person.

    Its pinned scenarios fix each scenario's page revision when the attempt starts, so a
    trainer publishing a change never alters an attempt in progress, and the review of a
    finished attempt always shows what the officer was shown.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Not passed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts")
    module = models.ForeignKey("wagtailcore.Page", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    pass_mark = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    step_count = models.PositiveSmallIntegerField(null=True, blank=True)
    score_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    critical_failed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module", "number"], name="attempt_number_per_module"),
            models.UniqueConstraint(
                fields=["user", "module"],
                condition=Q(status="in_progress"),
                name="one_attempt_in_progress",
            ),
        ]
        ordering = ["-started_at"]
        permissions = [("view_analytics", "Can see how officers answer each step")]

    def __str__(self) -> str:
        return f"Attempt {self.number} by {self.user}"

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.IN_PROGRESS

    @property
    def passed(self) -> bool:
        return self.status == self.Status.PASSED


class PinnedScenario(models.Model):
    """A scenario of an attempt, at the revision the attempt started on.

    Both links protect what they point to: a page revision an officer answered cannot be
    purged, nor the page deleted, while the attempt is on record.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="pinned_scenarios")
    position = models.PositiveSmallIntegerField()
    scenario = models.ForeignKey("wagtailcore.Page", on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="one_scenario_per_place"),
        ]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.attempt} scenario {self.position}"


class Response(models.Model):
    """An answer to one step of one attempt. Written once; never changed; removed, with the rest
    of its attempt's answers, after ``RESPONSE_RETENTION_YEARS`` (the attempt's score stays)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="responses")
    position = models.PositiveSmallIntegerField(help_text="1-based place of the step in the attempt.")
    scenario_id = models.PositiveIntegerField()
    step_id = models.CharField(max_length=64)
    choice_ids = models.JSONField()
    correct = models.BooleanField()
    critical = models.BooleanField(default=False)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="one_response_per_step"),
        ]
        # The step analytics group responses by step.
        indexes = [models.Index(fields=["scenario_id", "step_id"], name="response_by_step")]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.attempt} step {self.position}"
