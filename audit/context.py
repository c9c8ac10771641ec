"""The request being served, for hooks that have no request argument (signals)."""

from simple_history.models import HistoricalRecords

from common.addresses import forwarded_client_address


def current_request():
    """Return the request simple-history's middleware is serving in this thread, if any."""
    return getattr(HistoricalRecords.context, "request", None)


def client_address(request) -> str:
    """Return the client's address as logged (the trusted-proxy rule of :mod:`common.addresses`)."""
    return forwarded_client_address(request)
