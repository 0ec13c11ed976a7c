"""Rich text as officers see it: Wagtail's stored HTML, expanded, then sanitised.

Wagtail's editor only produces a handful of tags, but what reaches a page is whatever is in the
database: an editor's paste that slipped past the editor, an import, or someone with database
access. ``clean_richtext`` lets through only what the editor's features can make (paragraphs,
headings, bold and italic, lists, rules, links and images) with only their own attributes and
only web, mail and phone links; everything else (scripts, event handlers, ``javascript:`` URLs,
styles, frames) is removed, by nh3 (the Rust ``ammonia`` sanitiser).
"""

from __future__ import annotations

import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe
from wagtail.rich_text import RichText, expand_db_html

register = template.Library()

TAGS = {"p", "br", "h2", "h3", "h4", "h5", "h6", "b", "strong", "i", "em", "ul", "ol", "li", "hr", "a", "img"}
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "width", "height", "class"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_html(html: str) -> SafeString:
    """``html`` with only the editor's tags, attributes and link schemes left."""
    return mark_safe(nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES))  # noqa: S308 (sanitised)


@register.filter
def clean_richtext(value) -> SafeString:
    """Stored rich text (a string or a ``RichText``) expanded as Wagtail's ``richtext`` filter
    would (page and document links, images), then sanitised."""
    if value is None:
        return mark_safe("")
    source = value.source if isinstance(value, RichText) else str(value)
    return clean_html(expand_db_html(source))
