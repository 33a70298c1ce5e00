"""Who a request is, for the rate limits and idempotency keys: its API key, else its address."""

from __future__ import annotations

from ipaddress import IPv6Address, ip_address, ip_network

from kotahub.access import Principal


def client_identity(principal: Principal, address: str) -> str:
    """A key by its name, else an address; an IPv6 address by its /64, which one subscriber
    usually holds whole."""
    if not principal.anonymous:
        return f"key:{principal.name}"
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
