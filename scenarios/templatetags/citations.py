import re

from django import template

register = template.Library()

CLAUSE = re.compile(r"clause\s+(\d+)\s*$", re.IGNORECASE)


@register.filter
def clause_anchor(reference: str) -> str:
    """ "UMCS 2.0 clause 4" → "#clause-4", the anchor of that clause on the policy page; "" otherwise."""
    match = CLAUSE.search(reference or "")
    return f"#clause-{match[1]}" if match else ""
