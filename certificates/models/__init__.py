"""The models of ``certificates``, in three readable parts:

- ``policies``: policy documents and their stored versions (in force, still binding);
- ``ledger``: the append-only attestation ledger and its anchors;
- ``certificates``: certificates and their state on a day.
"""

from .certificates import Certificate, certificate_revoked
from .ledger import Attestation, LedgerAnchor
from .policies import (
    CLAUSE_NUMBER,
    PolicyDocument,
    PolicyVersion,
    PolicyVersionQuerySet,
    body_hash,
    policy_version_published,
    still_binding,
)

__all__ = [
    "CLAUSE_NUMBER",
    "Attestation",
    "Certificate",
    "LedgerAnchor",
    "PolicyDocument",
    "PolicyVersion",
    "PolicyVersionQuerySet",
    "body_hash",
    "certificate_revoked",
    "policy_version_published",
    "still_binding",
]
