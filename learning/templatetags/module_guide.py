"""``{% module_guide module as guide %}``: a module's guide (``learning.guide``) for a template
that has the module page, or only its id (a step page, a certificate); None if it has none."""

from django import template
from wagtail.models import Page

from learning.guide import Guide, guide_for

register = template.Library()


@register.simple_tag
def module_guide(module: Page | int | None) -> Guide | None:
    if isinstance(module, int):
        module = Page.objects.live().filter(pk=module).only("slug").first()
    return guide_for(module) if module is not None else None
