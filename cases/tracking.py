"""The parties' second factor: the one check the tracking pages and the public API both make.

The case code is sequential, so no secret; a party proves they hold the case with the secret key
inside the receipt's QR, or the last four digits of a phone number given at intake. Four digits
are guessable, so failures are counted (:mod:`cases.ratelimit`) per client address and per case
code; the key is 96 random bits, so a party holding it is held back only by their own address's
failures, never locked out by strangers' guesses at the code.
"""

import enum
import secrets

from . import ratelimit
from .models import Case
from .selectors import case_phone_endings


class Verification(enum.Enum):
    """The outcome of one attempt."""

    VERIFIED = "verified"
    FAILED = "failed"  # counted against the address and the code
    BLOCKED = "blocked"  # too many failures in the window: refused unread, a correct answer included

    @property
    def ok(self) -> bool:
        return self is Verification.VERIFIED


def verify_second_factor(
    case: Case, *, key: str | None = None, phone_digits: str | None = None, client_ip: str
) -> Verification:
    """Check the receipt's key or a party's last four phone digits for ``case``; count a failure.

    Exactly one of ``key`` and ``phone_digits`` is given (``phone_digits`` already four ASCII
    digits); ``client_ip`` is the address as :func:`cases.ratelimit.client_address` counts it.
    ``case`` needs ``code`` and, for a key, ``tracking_key``.
    """
    if (key is None) == (phone_digits is None):
        raise ValueError("give exactly one of key and phone_digits")
    by_key = key is not None
    if ratelimit.is_blocked(address=client_ip, code=case.code, by_key=by_key):
        return Verification.BLOCKED
    if by_key:
        matched = case.tracking_key_matches(key)
    else:
        matched = False
        for ending in case_phone_endings(case):  # compare with every party's, no early exit
            matched |= secrets.compare_digest(phone_digits.encode(), ending.encode())
    if not matched:
        ratelimit.record_failure(address=client_ip, code=case.code)
        return Verification.FAILED
    return Verification.VERIFIED
