"""``{% module_guide module as guide %}``: a module's guide (``learning.guide``) for a template
that has the module page, or only its id (a step page, a certificate); None if it has none."""

from django import template
from wagtail.models import Page

from core.kept import Kept
from learning.guide import Guide, guide_for, guide_for_slug

register = template.Library()

# Each live module's slug, by page id, for a minute: the guide is found by slug.
_slugs: Kept[str] = Kept(size=256, seconds=60)


@register.simple_tag
def module_guide(module: Page | int | None) -> Guide | None:
    if isinstance(module, int):
        page_id = module
        slug = _slugs.get(
            page_id, lambda: Page.objects.live().filter(pk=page_id).values_list("slug", flat=True).first()
        )
        return guide_for_slug(slug) if slug else None
    return guide_for(module) if module is not None else None
