"""*Your data*: what Attest holds about the signed-in person, and the download of all of it.

There is no id in either address: a person can only ever see and download their own data.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from access.audit import export

from .privacy import personal_data


@login_required
@require_safe
def my_data(request):
    """What is kept about the person, why and for how long, with the download button."""
    return render(request, "learning/my_data.html", {"retention_years": settings.RESPONSE_RETENTION_YEARS})


@login_required
@require_safe
def download_my_data(request):
    """Everything held about the person as a JSON attachment, recorded in the audit log.

    Private and never cached: PrivatePagesMiddleware marks every response to a signed-in person
    ``private, no-store``, so a shared terminal keeps no copy.
    """
    data = personal_data(request.user)
    export(request, "personal data")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    name = slugify(request.user.warrant_number or request.user.username)
    response["Content-Disposition"] = f'attachment; filename="attest-data-{name}-{timezone.localdate():%Y-%m-%d}.json"'
    return response
