"""Supervision services: every write of the supervision app goes through one of these."""

from .callbacks import (
    callback_record,
    callback_round_redraw,
    callback_round_sample,
    parse_month,
    previous_month,
    sampling_population,
)
from .evaluations import evaluation_record
from .orders import (
    allocate_order_numbers,
    supervision_order_issue,
    supervision_order_reject,
    supervision_order_respond,
    supervision_order_verify,
)
from .sweep import SweepResult, deadline_sweep
from .transitions import case_reopen_with_supervision, case_supervise_by_order, case_supervision_end

__all__ = [
    "SweepResult",
    "allocate_order_numbers",
    "callback_record",
    "callback_round_redraw",
    "callback_round_sample",
    "case_reopen_with_supervision",
    "case_supervise_by_order",
    "case_supervision_end",
    "deadline_sweep",
    "evaluation_record",
    "parse_month",
    "previous_month",
    "sampling_population",
    "supervision_order_issue",
    "supervision_order_reject",
    "supervision_order_respond",
    "supervision_order_verify",
]
