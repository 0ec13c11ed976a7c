"""Attest's own signing keys (django-lti's ``Key``): the newest active one signs."""

from lti_tool.models import Key


def ensure_key() -> Key:
    """The tool's newest active signing key, made the first time one is needed (django-lti signs
    with the newest active key; ``manage.py rotate_keys`` adds one and retires old ones)."""
    key = Key.objects.active().order_by("-datetime_created").first()
    return key or Key.objects.generate()
