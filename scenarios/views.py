"""An attempt, one step at a time: the question, then the feedback, then the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from access import audit

from . import services
from .models import Attempt


def _policy_url(attempt: Attempt) -> str:
    # The module page (in the learning app) knows its policy; scenarios only asks it, by the
    # page's class (no query), and only when a page cites the policy.
    url_for = getattr(attempt.module.specific_class, "policy_url_for", None)
    return url_for(attempt.module_id) if url_for else ""


def _own_attempt(request, public_id) -> Attempt:
    # Someone else's attempt is "not found", never "forbidden": its existence is not shown.
    attempt = get_object_or_404(Attempt.objects.select_related("module"), public_id=public_id)
    if attempt.user_id != request.user.pk:
        audit.denied(request, "attempt", attempt=str(public_id))
        raise Http404("No attempt of yours has this address.")
    return attempt


@login_required
def attempt(request, public_id):
    attempt = _own_attempt(request, public_id)
    position = services.current_position(attempt)
    if position is None:
        return redirect("scenarios:result", attempt.public_id)
    return redirect("scenarios:step", attempt.public_id, position)


@login_required
def step(request, public_id, position: int):
    """The step at ``position``: its question while it is the current one, its feedback once answered.

    A refused submission (an answer already given, a step that is not the current one, a
    finished attempt) writes nothing and is answered 409 with the page the officer should be
    on; an invalid answer is answered 400 with the question and an error summary.
    """
    attempt = _own_attempt(request, public_id)
    status, error = 200, None
    if request.method == "POST":  # checked against the attempt as locked for the answer
        try:
            services.record_response(attempt, position, request.POST.getlist("answer"))
        except services.InvalidAnswer as invalid:
            status, error = 400, str(invalid)
        except services.AttemptError as refused:
            messages.error(request, str(refused))
            status = 409
            # Another request may have answered in the meantime: show the attempt as it now is.
            attempt = _own_attempt(request, public_id)
        else:
            # The fragment takes the reader (and a screen reader's focus) to the feedback.
            return HttpResponseRedirect(reverse("scenarios:step", args=[attempt.public_id, position]) + "#feedback")

    progress = services.walk(attempt)
    if request.method != "POST":
        answered = len(progress.answered)
        if position < 1 or (position > answered and progress.current is None):
            messages.error(request, "There is no such step in this attempt.")
            return redirect("scenarios:attempt", attempt.public_id)
        if position > answered + 1:
            messages.info(request, "Answer the steps in order. You have been taken to the step you are on.")
            return redirect("scenarios:attempt", attempt.public_id)

    response = progress.response_at(position)
    this_step = progress.answered[position - 1] if response else progress.current
    if this_step is None:  # a refused submission to a finished attempt
        return redirect("scenarios:result", attempt.public_id)
    # The story is told in full on a scenario's first step; later steps keep it one click away.
    earlier = progress.answered[: this_step.position - 1]
    story_is_new = all(step.scenario_number != this_step.scenario_number for step in earlier)
    return render(
        request,
        "scenarios/step.html",
        {
            "attempt": attempt,
            "step": this_step,
            "story_is_new": story_is_new,
            "response": response,
            "chosen": this_step.chosen(response.choice_ids) if response else [],
            "missed": this_step.missed(response.choice_ids) if response and this_step.multiple else [],
            "estimate": services.progress_estimate(attempt),
            "error": error,
            "error_summary": [("answer", error)] if error else [],
            "policy_url": _policy_url(attempt) if response else "",  # cited in the feedback only
        },
        status=status,
    )


def _attempt_limit(module, user) -> int | None:
    """The module's limit on this person's attempts, as the module states it (learning's
    ``ModulePage.attempt_limit_for``); None for no limit or a page without one."""
    limit_for = getattr(module, "attempt_limit_for", None)
    return limit_for(user) if limit_for else None


@login_required
def result(request, public_id):
    """The score, then what to relearn (the steps answered wrongly, critical ones first, each
    linking to its review card), one button to the next thing to do, and the review: wrong
    answers open, right ones folded away."""
    attempt = _own_attempt(request, public_id)
    if not attempt.is_finished:
        messages.info(request, "Finish every step to see your result.")
        return redirect("scenarios:attempt", attempt.public_id)
    review = services.review(attempt)
    wrong = [(card.step, card.response) for card in review if not (card.response and card.response.correct)]
    wrong.sort(key=lambda pair: not pair[0].critical)  # stable: in step order within each group
    # A pass shows only the module's title and address (its own page's fields are read to
    # offer a retake, after a fail): no second query for them.
    module = attempt.module.specific_deferred if attempt.passed else attempt.module.specific
    return render(
        request,
        "scenarios/result.html",
        {
            "attempt": attempt,
            "review": review,
            "wrong": wrong,
            "critical_wrong": [step for step, _ in wrong if step.critical],
            "module": module,
            "can_retake": not attempt.passed
            and services.can_start(request.user, module, _attempt_limit(module, request.user)),
            "policy_url": _policy_url(attempt),
        },
    )
