"""The request being served, for hooks that have no request argument (signals)."""

from django.conf import settings
from simple_history.models import HistoricalRecords


def current_request():
    """Return the request simple-history's middleware is serving in this thread, if any."""
    return getattr(HistoricalRecords.context, "request", None)


def client_address(request) -> str:
    """Return the client's address: REMOTE_ADDR, or X-Forwarded-For behind the trusted proxies."""
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "ZONGZHI_TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return address[:64]
