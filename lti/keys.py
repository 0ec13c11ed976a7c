"""Attest's own signing keys (django-lti's ``Key``): the newest active one signs."""

from cryptography.hazmat.primitives import serialization
from lti_tool.models import Key, LtiRegistration
from pylti1p3.registration import Registration

from core.kept import Kept

# Parsing a PEM private key checks the RSA key at length (about 70 ms): each process parses
# each of our keys once. They are our own keys, made by django-lti, so the check is skipped.
_private_keys: Kept = Kept(size=8)


def ensure_key() -> Key:
    """The tool's newest active signing key, made the first time one is needed (django-lti signs
    with the newest active key; ``manage.py rotate_keys`` adds one and retires old ones)."""
    key = Key.objects.active().order_by("-datetime_created").first()
    return key or Key.objects.generate()


def signing_registration(registration: LtiRegistration) -> Registration:
    """pylti1p3's registration for ``registration``, signing with Attest's newest key, parsed once."""
    key = ensure_key()
    prepared = registration.to_registration()
    if not registration.has_key:
        private = _private_keys.get(
            key.pk,
            lambda: serialization.load_pem_private_key(
                key.private_key.encode(), password=None, unsafe_skip_rsa_key_validation=True
            ),
        )
        prepared.set_tool_private_key(private)
    return prepared
