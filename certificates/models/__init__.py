"""The models of ``certificates``, in four readable parts:

- ``policies``: policy documents and their stored versions (in force, still binding);
- ``ledger``: the append-only attestation ledger and its anchors;
- ``certificates``: certificates and their state on a day;
- ``pdfs``: each certificate's PDF as issued, where it is stored and its SHA-256.
"""

from .certificates import UNTRUSTED, Certificate, attested, certificate_event_appended, certificate_revoked
from .events import CertificateEvent, certificate_facts, event_canonical
from .ledger import Attestation, LedgerAnchor
from .pdfs import CertificatePdf
from .policies import (
    CLAUSE_NUMBER,
    PolicyDocument,
    PolicyVersion,
    PolicyVersionQuerySet,
    binding_today,
    body_hash,
    policy_version_published,
    still_binding,
)

__all__ = [
    "CLAUSE_NUMBER",
    "UNTRUSTED",
    "Attestation",
    "Certificate",
    "CertificateEvent",
    "CertificatePdf",
    "LedgerAnchor",
    "PolicyDocument",
    "PolicyVersion",
    "PolicyVersionQuerySet",
    "attested",
    "binding_today",
    "body_hash",
    "certificate_event_appended",
    "certificate_facts",
    "certificate_revoked",
    "event_canonical",
    "policy_version_published",
    "still_binding",
]
