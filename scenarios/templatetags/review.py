"""The result page's review, each card drawn once per process for what it shows.

A card shows a step of a pinned scenario revision (which never changes), the options the
officer chose and missed, and whether the answer was right: everything on it is in its key, so
the same card, met again by this officer or by any other who gave the same answer at the same
step, is the same HTML. A result page of 57 cards drew them all on every visit (about 20 ms);
on deadline day most officers answer most steps alike, so most cards are drawn once."""

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from core.kept import Kept
from scenarios.services import ReviewCard

register = template.Library()

# Review cards as HTML, by everything they show (``review_cards``).
_cards: Kept[SafeString] = Kept(size=4096)


@register.simple_tag(takes_context=True)
def review_cards(context, review: list[ReviewCard]) -> SafeString:
    """``scenarios/_review_item.html`` for each card of ``review`` (``services.review``)."""
    policy_url = context.get("policy_url", "")
    return mark_safe("".join(_card(card, policy_url) for card in review))  # noqa: S308 (drawn by templates)


def _card(card: ReviewCard, policy_url: str) -> SafeString:
    step = card.step
    correct = bool(card.response and card.response.correct)
    shown = (step.position, step.scenario_title, step.prompt, step.critical, step.multiple)
    key = (shown, tuple(card.chosen), tuple(card.missed), tuple(card.right), correct, policy_url)

    def draw() -> SafeString:
        values = {"card": card, "step": step, "correct": correct, "policy_url": policy_url}
        return get_template("scenarios/_review_item.html").render(values)

    return _cards.get(key, draw)
