"""The officer's pages that belong to no single Wagtail page: dashboard, start, attest, and a
module's glossary and job aid."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from certificates.diff import compare, summary, word_changes
from certificates.services import Context, NameMismatch
from scenarios.services import AttemptError

from .forms import AttestationForm
from .guide import Guide, guide_for
from .job_aid import render_job_aid
from .models import Enrolment, ModulePage, latest_cycles
from .services import (
    AttestationOnly,
    NotEnrolled,
    NotReadyToAttest,
    PolicyChanged,
    attest_to_module,
    begin_module,
    module_progress,
    reattestations_due,
)


@login_required
def dashboard(request):
    # A person has a handful of enrolments: the latest cycle of each module and the order are
    # found here rather than by the database, whose query for them cost more to build than to run.
    mine = Enrolment.objects.for_user(request.user).select_related("module", "revoked_certificate")
    # Work still to do first, soonest due first; completed (and exempt) modules last.
    enrolments = sorted(latest_cycles(mine), key=lambda e: (not e.is_open, e.due_date, e.module.title))
    reattest = reattestations_due(request.user, enrolments)
    for enrolment in enrolments:
        enrolment.reattest_version = reattest.get(enrolment.pk)
    return render(request, "learning/dashboard.html", {"enrolments": enrolments})


def _live_module(page_id: int) -> ModulePage:
    return get_object_or_404(ModulePage.objects.live(), pk=page_id)


@login_required
@require_POST
def start(request, page_id: int):
    module = _live_module(page_id)
    try:
        attempt = begin_module(request.user, module)
    except NotEnrolled as error:
        raise PermissionDenied(str(error)) from error
    except AttestationOnly as error:
        messages.info(request, str(error))
        return redirect("learning:attest", module.pk)
    except AttemptError as error:
        messages.error(request, str(error))
        return redirect(module.url)
    return redirect("scenarios:attempt", attempt.public_id)


@login_required
def attest(request, page_id: int):
    module = _live_module(page_id)
    form = AttestationForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        # attest_to_module checks everything the form page does, in the transaction that writes.
        context = Context(
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        try:
            outcome = attest_to_module(
                request.user,
                module,
                form.cleaned_data["full_name"],
                context,
                shown_body_sha256=form.cleaned_data["body_sha256"],
            )
        except NameMismatch as error:
            form.add_error("full_name", str(error))
        except PolicyChanged as error:
            messages.error(request, str(error))
            return redirect("learning:attest", module.pk)
        except NotEnrolled as error:
            raise PermissionDenied(str(error)) from error
        except NotReadyToAttest as error:
            messages.error(request, str(error))
            return redirect(module.url)
        else:
            if outcome.already_attested:
                messages.info(request, "You had already attested to this version. Here is your certificate.")
            else:
                messages.success(request, "Attestation recorded. Your certificate has been issued.")
            return redirect("certificates:detail", outcome.certificate.display_serial)

    progress = module_progress(request.user, module)
    if progress.enrolment is None:
        raise PermissionDenied("This module has not been assigned to you.")
    if progress.complete:
        return render(request, "learning/already_attested.html", {"module": module, "progress": progress})
    if not progress.can_attest:
        if progress.ready_to_attest:  # no policy version in force
            messages.error(request, "This module's policy is not in force yet, so there is nothing to attest to.")
        else:
            messages.error(request, "Pass the module's scenarios before you attest to the policy.")
        return redirect(module.url)
    if form is None:
        form = AttestationForm(initial={"body_sha256": progress.policy_version.body_sha256})
    context = {"module": module, "progress": progress, "version": progress.policy_version, "form": form}
    if progress.reattest:
        earlier = progress.earlier_attestation
        context["changes"] = compare(earlier.policy_version.body, progress.policy_version.body)
        context["counts"] = summary(context["changes"])
        if earlier.statement != progress.policy_version.statement:  # the words they confirmed, as shown then
            context["statement_changes"] = word_changes(earlier.statement, progress.policy_version.statement)
    return render(request, "learning/attest.html", context)


def _module_guide(page_id: int) -> tuple[ModulePage, Guide]:
    module = _live_module(page_id)
    guide = guide_for(module)
    if guide is None:
        raise Http404("This module has no glossary or job aid.")
    return module, guide


# The glossary and the job aid are reference material: anyone signed in may read them, as they
# may read the module page and the policy, whether or not the module is assigned to them.


@login_required
def glossary(request, page_id: int):
    module, guide = _module_guide(page_id)
    return render(request, "learning/glossary.html", {"module": module, "guide": guide})


@login_required
def job_aid(request, page_id: int):
    module, guide = _module_guide(page_id)
    context = {"module": module, "guide": guide, "job_aid": guide.job_aid, "policy_url": module.policy_url()}
    return render(request, "learning/job_aid.html", context)


@login_required
def job_aid_pdf(request, page_id: int):
    module, guide = _module_guide(page_id)
    policy_url = module.policy_url()
    pdf = render_job_aid(
        guide.job_aid, module_title=module.title, policy_url=settings.SITE_URL + policy_url if policy_url else ""
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="job-aid-{module.slug}.pdf"'
    return response
