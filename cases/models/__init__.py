"""Cases, their parties, handling records, evaluations and the append-only transition log.

Modules: choices (states, colours, categories…), case (the case and its state machine),
parties, records (handling records, evaluations, events, attachments, visits) and
notifications (staff notices and SMS), network (referrals up, down and across, whistles). Everything is re-exported here.
"""

from .case import TRACKING_KEY_FIELDS, Case, CaseQuerySet, CaseSequence  # noqa: F401
from .choices import (  # noqa: F401
    IN_TRANSIT_STATES,
    OPEN_STATES,
    WITH_DEPARTMENT_STATES,
    WORKING_STATES,
    Category,
    Rating,
    RedirectTarget,
    ResultKind,
    RiskColour,
    Source,
    State,
    derive_tracking_key,
    hash_tracking_key,
    new_tracking_key,
    new_tracking_nonce,
)
from .network import Referral, ReferralKind, ReferralReason, ReferralStatus, Whistle, WhistleSummons  # noqa: F401
from .notifications import Notification, SmsMessage  # noqa: F401
from .parties import Party, guess_party_kind  # noqa: F401
from .records import (  # noqa: F401
    TRANSITION_LABELS,
    Attachment,
    CaseEvent,
    Evaluation,
    HandlingRecord,
    Visit,
    attachment_upload_to,
)
