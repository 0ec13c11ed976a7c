"""Client addresses as Attest records them."""

from __future__ import annotations

import ipaddress


def normalised_ip(value: str | None) -> str | None:
    """The address as the database will store it, so the row hash survives a round trip;
    None when there is no usable address (e.g. behind a proxy on a unix socket)."""
    try:
        return ipaddress.ip_address((value or "").strip()).compressed
    except ValueError:
        return None
