from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from access.views import email_from_hr, refuse_rather_than_sign_in_again

# One sign-in page for everyone, with its rate limits and MFA: Wagtail's own sign-in forms (the
# admin's, and the front end's for private pages) would be ways around them.
to_sign_in = RedirectView.as_view(pattern_name="account_login", query_string=True)

urlpatterns = [
    path("admin/login/", to_sign_in),
    path("training/_util/login/", to_sign_in),
    # Wagtail sends signed-in people without admin access to sign in, which sends them back: a loop.
    path("admin/", include(decorate_urlpatterns(wagtailadmin_urls.urlpatterns, refuse_rather_than_sign_in_again))),
    # Documents (guidance attached to modules) are for signed-in staff, like the modules.
    path("documents/", include(decorate_urlpatterns(wagtaildocs_urls.urlpatterns, login_required))),
    # Email addresses come from HR (the people import, HR's screens): allauth's page to add or
    # change one is replaced by one that says so.
    path("accounts/email/", email_from_hr, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("", include("certificates.urls")),
    path("", include("scenarios.urls")),
    path("", include("learning.urls")),
    path("", include("records.urls")),
    path("lti/", include("lti.urls")),
    path("", include("core.urls")),  # the accessibility statement
    path("training/", include(wagtail_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
