"""Wagtail's per-request look-ups that answer the same on almost every request, kept.

Serving a Wagtail page first finds the site for the request's host (a query), then loads the
site's root page twice over (its base row, then its specific row), then checks every view
restriction on the page and its ancestors (two queries). On this site the answers change only
when an administrator edits a site, publishes the module index or sets a page's privacy.
"""

from __future__ import annotations

import functools

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http.request import split_domain_port
from django.urls import reverse
from wagtail.models import PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished

from .kept import Kept

# The site for each host and port, with its root page (specific) loaded: a minute at most out of
# date in other processes, at once in the process that saved it.
_sites: Kept[Site | bool] = Kept(size=64, seconds=60)

ANY_VIEW_RESTRICTION = "attest:any-view-restriction"


class SiteMiddleware:
    """Hands Wagtail the request's site (``request._wagtail_site``, which ``Site.find_for_request``
    reads before it queries) from the sites this process keeps, with the root page's specific
    instance already loaded, so routing to a module costs one query instead of five."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(_pages_prefix()):  # only Wagtail's pages are routed by site
            hostname = split_domain_port(request._get_raw_host())[0]  # as Wagtail does: no ALLOWED_HOSTS check
            site = _sites.get((hostname, request.get_port()), lambda: _site_with_root(request))
            if site is not False:  # False: no site for this host; Wagtail looks again (and answers 404)
                request._wagtail_site = site
        return self.get_response(request)


@functools.cache
def _pages_prefix() -> str:
    return reverse("wagtail_serve", args=[""])


def _site_with_root(request) -> Site | bool:
    site = Site._find_for_request(request)
    if site is None:
        return False
    site.root_page.localized.specific  # noqa: B018 (loaded now, kept with the site)
    return site


@receiver(post_save, sender=Site, dispatch_uid="core.site_saved")
@receiver(post_delete, sender=Site, dispatch_uid="core.site_deleted")
@receiver(page_published, dispatch_uid="core.page_published")
@receiver(page_unpublished, dispatch_uid="core.page_unpublished")
def forget_sites(sender, **kwargs) -> None:
    _sites.clear()


class ViewRestrictionsIfAnyMixin:
    """Asks for a page's view restrictions (Wagtail's privacy settings) only when the site has
    any: whether it has is kept in the shared cache, forgotten by every process at once when one
    is added or removed (and after a minute regardless)."""

    def get_view_restrictions(self):
        if not cache.get_or_set(ANY_VIEW_RESTRICTION, PageViewRestriction.objects.exists, 60):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


@receiver(post_save, sender=PageViewRestriction, dispatch_uid="core.view_restriction_saved")
@receiver(post_delete, sender=PageViewRestriction, dispatch_uid="core.view_restriction_deleted")
def forget_view_restrictions(sender, **kwargs) -> None:
    cache.delete(ANY_VIEW_RESTRICTION)
    # And once it is committed: a request in between may have cached what it saw before.
    transaction.on_commit(lambda: cache.delete(ANY_VIEW_RESTRICTION))
