"""The one webhook vocabulary: every event name a subscriber can receive, with its label.

Emitters (the case services, supervision orders, the sweep, evaluations), the subscription
model's validation, the admin form and the API all name events through :class:`WebhookEvent`;
no event name is spelled anywhere else.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    CASE_CREATED = "case.created", _("案件受理")
    CASE_TRANSITION = "case.transition", _("案件流转")
    CASE_WHISTLE = "case.whistle", _("吹哨")
    CASE_REPORT_IN = "case.report_in", _("吹哨报到")
    ORDER_ISSUED = "supervision_order.issued", _("督办单下发")
    ORDER_RAISED = "supervision_order.raised", _("督办升级")
    ORDER_RESPONDED = "supervision_order.responded", _("督办单答复")
    ORDER_VERIFIED = "supervision_order.verified", _("督办单核查办结")
    ORDER_REJECTED = "supervision_order.rejected", _("督办单退回重办")
    EVALUATION_RECORDED = "evaluation.recorded", _("评价")


def case_sequence_key(case_code: str) -> str:
    """Return the key of a case's event sequence: every event about one case is numbered in one series."""
    return f"case:{case_code}"


def validate_event_types(value) -> None:
    """Accept a non-empty list of distinct known event names."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_("请至少选择一种事件。"), code="required")
    unknown = [str(name)[:50] for name in value if name not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            _("未知的事件类型：%(names)s。") % {"names": "、".join(unknown)}, code="invalid_choice"
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("事件类型不能重复。"), code="duplicate")
