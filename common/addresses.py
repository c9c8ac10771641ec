"""The client's address behind the reverse proxies: the one rule rate limits, lockouts and the log use.

``ZONGZHI_TRUSTED_PROXY_COUNT`` (default 0) is the number of reverse proxies in front of Django;
each appends the address it saw to ``X-Forwarded-For``, so the client is that many entries from
the right. Anything further left was written by the client and is ignored.
"""

from django.conf import settings


def forwarded_client_address(request) -> str:
    """Return the client's address as seen by the outermost trusted proxy (or REMOTE_ADDR)."""
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.ZONGZHI_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return address[:64]
