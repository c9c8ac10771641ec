"""Failed tracking verifications, counted in the cache per client address and per case code.

A party proves they hold a case with the receipt's QR key or the last four digits of a phone
number: four digits are guessable, so failures are counted in a fixed window (by default 5 per
15 minutes) under two keys, the client's address and the case code. Once either count is
reached, every further attempt is refused, a correct one included, until the window ends.
Counting uses ``cache.add`` + ``cache.incr``, atomic on Redis, so parallel guesses cannot
slip past the limit.
"""

import ipaddress

from django.conf import settings
from django.core.cache import cache

_PREFIX = "zongzhi:tracking:failures"


def max_failures() -> int:
    return settings.ZONGZHI_TRACKING_MAX_FAILURES


def window_seconds() -> int:
    return settings.ZONGZHI_TRACKING_WINDOW_SECONDS


def client_address(request) -> str:
    """Return the client's address as counted: REMOTE_ADDR, or X-Forwarded-For behind trusted proxies.

    ``ZONGZHI_TRUSTED_PROXY_COUNT`` (default 0) is the number of reverse proxies in front of
    Django; each appends the address it saw, so the client is that many entries from the right.
    Anything further left was written by the client and is ignored. An IPv6 client counts as its
    /64 network, the block one subscriber usually holds.
    """
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.ZONGZHI_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def max_daily_failures() -> int:
    return settings.ZONGZHI_TRACKING_MAX_DAILY_FAILURES


def _windows(*, address: str, code: str, by_key: bool = False) -> list[tuple[str, int, int]]:
    """(cache key, limit, window seconds) for each count that applies.

    Guessing four digits from many addresses is slowed by the per-code counts (15 minutes, and a
    day). The receipt's key is 96 random bits: nobody guesses it, so a party holding it is held
    back only by their own address's count, never locked out by strangers' guesses at the code.
    """
    windows = [(f"{_PREFIX}:ip:{address}", max_failures(), window_seconds())]
    if not by_key:
        windows += [
            (f"{_PREFIX}:code:{code}", max_failures(), window_seconds()),
            (f"{_PREFIX}:code-day:{code}", max_daily_failures(), 24 * 60 * 60),
        ]
    return windows


def is_blocked(*, address: str, code: str, by_key: bool = False) -> bool:
    """Return whether the address or the case code has used up its failures in this window."""
    windows = _windows(address=address, code=code, by_key=by_key)
    counts = cache.get_many([key for key, _limit, _window in windows])
    return any(int(counts.get(key, 0)) >= limit for key, limit, _window in windows)


def record_failure(*, address: str, code: str) -> None:
    """Count one failed verification against the address and the case code."""
    for key, _limit, window in _windows(address=address, code=code):
        # add() starts the window only if no count exists; incr() keeps the key's expiry.
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # the key expired between add() and incr(): a new window
            cache.add(key, 1, timeout=window)
