"""What publishing a policy's draft would do, for the edit form's panel
(templates/certificates/admin/reattestation_panel.html)."""

from django import template

from certificates.models import PolicyDocument
from certificates.publishing import Consequences, consequences_of_draft

register = template.Library()


@register.simple_tag
def draft_consequences(policy: PolicyDocument) -> Consequences | None:
    """``consequences_of_draft`` of a saved policy; None for one not saved yet."""
    return consequences_of_draft(policy) if policy.pk else None
