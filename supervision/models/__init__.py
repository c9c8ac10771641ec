"""Supervision orders, reminders and monthly callbacks (built on the cases app)."""

from .callbacks import MAX_ATTEMPTS, Callback, CallbackAttempt, CallbackRound
from .orders import (
    OPEN_ORDER_STATUSES,
    Level,
    OrderSequence,
    OrderStatus,
    Reason,
    Reminder,
    SupervisionOrder,
    SupervisionOrderEvent,
)
from .reports import ReportThresholds

__all__ = [
    "MAX_ATTEMPTS",
    "OPEN_ORDER_STATUSES",
    "Callback",
    "CallbackAttempt",
    "CallbackRound",
    "Level",
    "OrderSequence",
    "OrderStatus",
    "Reason",
    "Reminder",
    "ReportThresholds",
    "SupervisionOrder",
    "SupervisionOrderEvent",
]
