"""Presentation helpers for the sign-in security pages (templates/mfa/) and the admin dashboard."""

from __future__ import annotations

from django import template
from wagtail.admin.auth import user_has_any_page_permission

from access import mfa

register = template.Library()


@register.filter
def in_groups_of(text: str, size: int = 4) -> str:
    """``ABCDEFGH`` as ``ABCD EFGH``: a long key is easier to copy into an app by hand in
    groups, and authenticator apps ignore the spaces."""
    text = str(text)
    return " ".join(text[start : start + size] for start in range(0, len(text), size))


@register.filter
def requires_mfa(user) -> bool:
    """Whether this person's role makes an authenticator mandatory (access.mfa)."""
    return bool(user and user.is_authenticated and mfa.requires_mfa(user))


@register.filter
def may_search_pages(user) -> bool:
    """Whether the dashboard offers "Search all pages…" (templates/wagtailadmin/home.html)."""
    return bool(user and user.is_authenticated and user_has_any_page_permission(user))
