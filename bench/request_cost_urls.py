"""The site's own URLs plus one trivial page, for ``bench/request_cost.py``: the yardstick every
officer page is measured against, through the same middleware, signed in, with no template and
no query of its own."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


@login_required
def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *site_urlpatterns]
