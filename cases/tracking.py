"""The parties' second factor: the one check the tracking pages and the public API both make.

The case code is sequential, so no secret; a party proves they hold the case with the secret key
inside the receipt's QR, or the last four digits of a phone number given at intake. Four digits
are guessable, so each guess reserves an attempt first (:mod:`cases.ratelimit`): 5 per code per
15 minutes, 20 per day, a high ceiling per address. The key is 96 random bits, so a valid key is
always accepted, never refused for anyone's failures.

The check also says *who* proved themselves: the party whose phone digits matched, or for the
key the party the receipt was handed to (the representative applicant). The closing evaluation
belongs to the applicant side; the other side may follow the case but not evaluate it.
"""

import dataclasses
import enum
import secrets

from . import ratelimit
from .models import Case, Party
from .selectors import case_phone_endings, case_receipt_party_id


class Verification(enum.Enum):
    """The outcome of one attempt."""

    VERIFIED = "verified"
    FAILED = "failed"  # counted against the code (digits) or the address (a key)
    BLOCKED = "blocked"  # a limit is reached: refused unchecked, a correct answer included

    @property
    def ok(self) -> bool:
        return self is Verification.VERIFIED


@dataclasses.dataclass(frozen=True)
class Proof:
    """The outcome of one attempt and, when verified, whose second factor it was."""

    verification: Verification
    party_id: int | None = None
    applicant: bool = False  # the applicant side: may give the closing evaluation

    @property
    def ok(self) -> bool:
        return self.verification.ok

    @property
    def blocked(self) -> bool:
        return self.verification is Verification.BLOCKED


def verify_second_factor(
    case: Case, *, key: str | None = None, phone_digits: str | None = None, client_ip: str
) -> Proof:
    """Check the receipt's key or a party's last four phone digits for ``case``; count a failure.

    Exactly one of ``key`` and ``phone_digits`` is given (``phone_digits`` already four ASCII
    digits); ``client_ip`` is the address as :func:`cases.ratelimit.client_address` counts it.
    ``case`` needs ``code`` and, for a key, ``tracking_key``.
    """
    if (key is None) == (phone_digits is None):
        raise ValueError("give exactly one of key and phone_digits")
    if key is not None:
        if case.tracking_key_matches(key):
            return Proof(Verification.VERIFIED, party_id=case_receipt_party_id(case), applicant=True)
        blocked = ratelimit.record_wrong_key(address=client_ip)
        return Proof(Verification.BLOCKED if blocked else Verification.FAILED)
    reservation = ratelimit.reserve_guess(address=client_ip, code=case.code)
    if reservation is None:
        return Proof(Verification.BLOCKED)
    found = None
    for party_id, role, ending in case_phone_endings(case):  # compare with every party's, no early exit
        if secrets.compare_digest(phone_digits.encode(), ending.encode()) and found is None:
            found = (party_id, role)
    if found is None:
        return Proof(Verification.FAILED)  # the reserved attempt stays counted
    reservation.give_back()
    return Proof(Verification.VERIFIED, party_id=found[0], applicant=found[1] == Party.Role.APPLICANT)
