"""``{% layout_url "dashboard" %}``: an address the layout links to (``core.context_processors.layout_urls``)."""

from django import template

from core.context_processors import layout_urls

register = template.Library()


@register.simple_tag
def layout_url(name: str) -> str:
    return layout_urls()[name]
