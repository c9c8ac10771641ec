"""Every write to a case goes through one of these services, for the web pages and the API alike.

Each service checks the actor's role (and department), locks the case row, refuses a stale
view of the case (someone else changed it meanwhile), fires the django-fsm transition, saves
with update_fields, writes its :class:`CaseEvent` in the same transaction and queues
notifications after commit. Modules: intake (codes, intake, repeat visits), lifecycle
(one service per transition), records (handling records, attachments); base holds the
shared transition machinery. Everything public is re-exported here.
"""

from .admin import ADMIN_EDITABLE_FIELDS, case_admin_edit
from .bulk import cases_supervise_bulk
from .deadlines import calendar_notice_load, case_deadlines_recompute
from .intake import (
    COLLECTIVE_PEOPLE,
    MAX_REPRESENTATIVES,
    REPEAT_WINDOW,
    PartyData,
    case_create,
    case_record_visit,
    default_center,
    next_case_number,
    propose_colour,
    stronger_colour,
)
from .lifecycle import (
    AlreadyEvaluated,
    EvaluationForbidden,
    assignment_deadlines,
    assignment_stage_deadlines,
    case_accept,
    case_assign,
    case_close,
    case_end_supervision,
    case_evaluate,
    case_reject,
    case_reopen,
    case_return_to_center,
    case_send_back,
    case_start_assessment,
    case_submit_result,
    case_supervise,
    case_withdraw,
)
from .network import (
    case_assign_down,
    case_escalate,
    case_return_down,
    case_take_over,
    case_transfer,
    case_transfer_accept,
    case_transfer_decline,
    referral_approve,
    referral_send_back,
    transfer_targets,
)
from .personal import REVEAL_REASONS, REVEALABLE_FIELDS, party_personal_reveal
from .records import attachment_add, attachment_download_log, handling_record_add
from .whistles import AlreadyReported, late_hours, summons_report, whistle_blow

__all__ = [
    "ADMIN_EDITABLE_FIELDS",
    "COLLECTIVE_PEOPLE",
    "MAX_REPRESENTATIVES",
    "REPEAT_WINDOW",
    "REVEALABLE_FIELDS",
    "REVEAL_REASONS",
    "AlreadyEvaluated",
    "AlreadyReported",
    "EvaluationForbidden",
    "PartyData",
    "assignment_deadlines",
    "assignment_stage_deadlines",
    "attachment_add",
    "attachment_download_log",
    "calendar_notice_load",
    "case_accept",
    "case_admin_edit",
    "case_assign",
    "case_assign_down",
    "case_close",
    "case_create",
    "case_deadlines_recompute",
    "case_end_supervision",
    "case_escalate",
    "case_evaluate",
    "case_record_visit",
    "case_reject",
    "case_reopen",
    "case_return_down",
    "case_return_to_center",
    "case_send_back",
    "case_start_assessment",
    "case_submit_result",
    "case_supervise",
    "case_take_over",
    "case_transfer",
    "case_transfer_accept",
    "case_transfer_decline",
    "case_withdraw",
    "cases_supervise_bulk",
    "default_center",
    "handling_record_add",
    "late_hours",
    "next_case_number",
    "party_personal_reveal",
    "propose_colour",
    "referral_approve",
    "referral_send_back",
    "stronger_colour",
    "summons_report",
    "transfer_targets",
    "whistle_blow",
]
