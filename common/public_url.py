"""The public base URL printed in receipts' QR codes: whether a party's phone can reach it."""

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """Return whether a host name or address only ever means the machine itself."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host:
        return True  # no host at all reaches nobody either
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    # 0.0.0.0 / :: (listen on all) are not addresses a phone can open either.
    return address.is_loopback or address.is_unspecified


def is_loopback_url(url: str) -> bool:
    """Return whether the URL's host is the machine itself (127.x, ::1, localhost): no phone opens it."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return True
    return is_loopback_host(host)
