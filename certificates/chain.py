"""How a row of one of the evidence chains is sealed: the attestation ledger, and the chain of
certificate events beside it. Each row's seal covers its canonical text, which includes the seal
of the row before, so a change anywhere shows from that row on.

``seal`` and ``verifies`` are the only two places that know how: every chain calls them.
"""

from __future__ import annotations

import hashlib
import hmac


def seal(canonical: str) -> str:
    """The seal of a row whose canonical text is ``canonical``."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verifies(canonical: str, sealed: str) -> bool:
    """Whether ``sealed`` is the seal of ``canonical``."""
    return hmac.compare_digest(seal(canonical), sealed)
