"""An attempt, one step at a time: the question, then the feedback, then the result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from . import services
from .models import Attempt


def _own_attempt(request, public_id) -> Attempt:
    # Someone else's attempt is "not found", never "forbidden": its existence is not shown.
    return get_object_or_404(Attempt.objects.select_related("module"), public_id=public_id, user=request.user)


@login_required
def attempt(request, public_id):
    attempt = _own_attempt(request, public_id)
    position = services.current_position(attempt)
    if position is None:
        return redirect("scenarios:result", attempt.public_id)
    return redirect("scenarios:step", attempt.public_id, position)


@login_required
def step(request, public_id, position: int):
    attempt = _own_attempt(request, public_id)
    steps = services.attempt_steps(attempt)
    if not 1 <= position <= len(steps):
        messages.error(request, "There is no such step in this attempt.")
        return redirect("scenarios:attempt", attempt.public_id)
    current = services.current_position(attempt)
    response = attempt.responses.filter(position=position).first()
    error = None

    if request.method == "POST":
        try:
            services.record_response(attempt, position, request.POST.getlist("answer"))
        except services.InvalidAnswer as invalid:
            error = str(invalid)
        except services.AttemptError as refused:
            messages.error(request, str(refused))
            if response:  # answered already: back to its feedback
                return redirect("scenarios:step", attempt.public_id, position)
            return redirect("scenarios:attempt", attempt.public_id)
        else:
            # The fragment takes the reader (and a screen reader's focus) to the feedback.
            return HttpResponseRedirect(reverse("scenarios:step", args=[attempt.public_id, position]) + "#feedback")
    elif response is None and position != current:
        messages.info(request, "Answer the steps in order. You have been taken to the step you are on.")
        return redirect("scenarios:attempt", attempt.public_id)

    this_step = steps[position - 1]
    return render(
        request,
        "scenarios/step.html",
        {
            "attempt": attempt,
            "step": this_step,
            "total": len(steps),
            "response": response,
            "chosen": this_step.chosen(response.choice_ids) if response else [],
            "error": error,
            "error_summary": [("answer", error)] if error else [],
        },
    )


@login_required
def result(request, public_id):
    attempt = _own_attempt(request, public_id)
    if not attempt.is_finished:
        messages.info(request, "Finish every step to see your result.")
        return redirect("scenarios:attempt", attempt.public_id)
    return render(
        request,
        "scenarios/result.html",
        {"attempt": attempt, "review": services.review(attempt), "module": attempt.module.specific},
    )
