"""Counted public access: tracking verifications and never-seen codes, per case code and address.

A party proves they hold a case with the receipt's QR key or the last four digits of a phone
number. Four digits are guessable, so each guess *reserves* an attempt before it is checked:
``cache.add`` starts a window's count, ``cache.incr`` (atomic on Redis) takes the next number,
and a number past the limit is refused unchecked and handed back. So, whatever the concurrency,
at most 5 guesses per 15 minutes and 20 per day are ever checked for one code; a correct guess
hands its attempt back. The client's address has its own count only as a much higher ceiling
(100 per 15 minutes by default): behind a reverse proxy many parties may share one address.

The receipt's key is 96 random bits: nobody guesses it, so a valid key is always checked and
accepted, whoever failed before; a wrong key counts against the address's ceiling only.

Separately, the stage-only page of a code this browser has not verified is counted per address
(:func:`reserve_code_view`): distinct codes per hour, so the sequential codes cannot be walked.
"""

import contextlib
import dataclasses
import ipaddress

from django.conf import settings
from django.core.cache import cache

from common.addresses import forwarded_client_address

_PREFIX = "zongzhi:tracking:failures"
_VIEWS_PREFIX = "zongzhi:tracking:views"


def max_failures() -> int:
    return settings.ZONGZHI_TRACKING_MAX_FAILURES


def window_seconds() -> int:
    return settings.ZONGZHI_TRACKING_WINDOW_SECONDS


def max_daily_failures() -> int:
    return settings.ZONGZHI_TRACKING_MAX_DAILY_FAILURES


def max_address_failures() -> int:
    return settings.ZONGZHI_TRACKING_MAX_ADDRESS_FAILURES


def max_codes_viewed() -> int:
    return settings.ZONGZHI_TRACKING_MAX_CODES_VIEWED


def codes_viewed_window_seconds() -> int:
    return settings.ZONGZHI_TRACKING_CODES_VIEWED_WINDOW_SECONDS


def client_address(request) -> str:
    """Return the client's address as counted: the trusted-proxy rule, an IPv6 client as its /64.

    The address comes from :func:`common.addresses.forwarded_client_address`; an IPv6 client
    counts as its /64 network, the block one subscriber usually holds.
    """
    address = forwarded_client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


# --- Atomic counts ------------------------------------------------------------------------------


def _take(key: str, window: int) -> int:
    """Add one to the count under ``key`` (a new window of ``window`` seconds if none); return it."""
    while True:
        # add() starts the window only if no count exists; incr() is atomic and keeps the expiry.
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:  # the key expired between add() and incr(): start again
            continue


def _give_back(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile: nothing to give back
        cache.decr(key)


def _address_key(address: str) -> str:
    return f"{_PREFIX}:ip:{address}"


def _code_windows(code: str) -> list[tuple[str, int, int]]:
    """(cache key, limit, window seconds) of a code's counts, the 15-minute one first."""
    return [
        (f"{_PREFIX}:code:{code}", max_failures(), window_seconds()),
        (f"{_PREFIX}:code-day:{code}", max_daily_failures(), 24 * 60 * 60),
    ]


@dataclasses.dataclass
class Reservation:
    """The attempt a guess holds in each count until it is known to have failed or succeeded."""

    keys: list[str]

    def give_back(self) -> None:
        """Hand the attempt back: the guess was right (or never checked)."""
        for key in self.keys:
            _give_back(key)
        self.keys = []


def reserve_guess(*, address: str, code: str) -> Reservation | None:
    """Reserve one phone-digit guess at ``code`` from ``address``; None when a limit is reached.

    The code's counts come first, then the address's ceiling. A refused guess hands back what it
    took, so the counts hold exactly the guesses that were (or are being) checked.
    """
    taken: list[str] = []
    windows = [*_code_windows(code), (_address_key(address), max_address_failures(), window_seconds())]
    for key, limit, window in windows:
        taken.append(key)
        if _take(key, window) > limit:
            Reservation(taken).give_back()
            return None
    return Reservation(taken)


def record_wrong_key(*, address: str) -> bool:
    """Count a wrong QR key against the address's ceiling; return whether it is now passed."""
    key = _address_key(address)
    if _take(key, window_seconds()) > max_address_failures():
        _give_back(key)
        return True
    return False


def failures(*, code: str = "", address: str = "") -> int:
    """Return the current 15-minute count of a code or an address (for tests and the admin)."""
    key = _code_windows(code)[0][0] if code else _address_key(address)
    return int(cache.get(key, 0))


# --- Never-seen codes -----------------------------------------------------------------------------


def reserve_code_view(*, address: str, code: str) -> bool:
    """Count ``code`` among the distinct codes ``address`` opened unverified; False past the limit.

    Opening the same code again within the window does not count again. A refused code is not
    remembered, so it stays refused until the window ends.
    """
    window = codes_viewed_window_seconds()
    seen_key = f"{_VIEWS_PREFIX}:seen:{address}:{code}"
    if not cache.add(seen_key, 1, timeout=window):
        return True
    count_key = f"{_VIEWS_PREFIX}:count:{address}"
    if _take(count_key, window) > max_codes_viewed():
        _give_back(count_key)
        cache.delete(seen_key)
        return False
    return True
