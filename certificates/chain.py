"""How a row of one of the evidence chains is sealed: the attestation ledger, and the chain of
certificate events beside it. Each row's seal covers its canonical text, which includes the seal
of the row before, so a change anywhere shows from that row on.

``seal`` and ``verifies`` are the only two places that know how: every chain calls them.

A seal is HMAC-SHA256 with a ledger key (``LEDGER_KEYS``, from the environment: the database
never holds it), written ``<key id>$<64 hex digits>`` so that the key that made it can be found
again after the keys are rotated. Without a key configured, and in rows sealed before keys
existed, a seal is plain SHA-256 (64 hex digits): anyone who can write the rows can recompute
that, so where a keyed seal is due a plain one is refused (``seal_problem``): after a keyed seal in
the same chain, and past the rows a chain accepts unkeyed (the ledger: ``LEDGER_UNKEYED_ROWS``).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

# Room for a key id of up to 16 characters, the separator and 64 hex digits.
SEAL_MAX_LENGTH = 100
KEY_ID_SEPARATOR = "$"


def seal(canonical: str) -> str:
    """The seal of a row whose canonical text is ``canonical``, made with the current ledger key
    (the first in ``LEDGER_KEYS``); plain SHA-256 when no key is configured."""
    if not settings.LEDGER_KEYS:
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    key_id, secret = next(iter(settings.LEDGER_KEYS.items()))
    return _keyed(key_id, secret, canonical)


def verifies(canonical: str, sealed: str) -> bool:
    """Whether ``sealed`` is the seal of ``canonical``, made with the key it names (any key in
    ``LEDGER_KEYS``, current or retired), or unkeyed. False for a key this server does not hold."""
    key_id = sealed_with(sealed)
    if key_id is None:
        expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    elif key_id in settings.LEDGER_KEYS:
        expected = _keyed(key_id, settings.LEDGER_KEYS[key_id], canonical)
    else:
        return False
    return hmac.compare_digest(expected, sealed)


def sealed_with(sealed: str) -> str | None:
    """The id of the key that made ``sealed``; None for an unkeyed seal."""
    key_id, separator, _ = sealed.rpartition(KEY_ID_SEPARATOR)
    return key_id if separator else None


def seal_digest(sealed: str) -> str:
    """The hex digits of ``sealed``, without the id of the key that made it."""
    return sealed.rpartition(KEY_ID_SEPARATOR)[2]


def seal_problem(canonical: str, sealed: str, *, keyed_due: bool) -> str | None:
    """Why ``sealed`` does not prove ``canonical``, in words for an investigator; None when it does.

    ``keyed_due``: whether the chain's caller knows this seal must be keyed (a keyed seal came
    before it in its chain, or it lies past the rows sealed before keys were set), so that an
    unkeyed seal here is a row resealed by someone without the key.
    """
    key_id = sealed_with(sealed)
    if key_id is not None and key_id not in settings.LEDGER_KEYS:
        return (
            f"it was sealed with key {key_id!r}, which this server does not hold (unknown, or withdrawn "
            "from LEDGER_KEYS), so it cannot be verified"
        )
    if key_id is None and keyed_due:
        return "its seal is plain SHA-256 where a keyed seal was due: it was resealed by someone without the key"
    if not verifies(canonical, sealed):
        return "its contents do not match its seal (it was changed, or sealed without the key)"
    return None


def _keyed(key_id: str, secret: str, canonical: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{key_id}{KEY_ID_SEPARATOR}{digest}"
