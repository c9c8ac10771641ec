"""The party's closing evaluation (评价) and the supervision an unhappy answer calls for."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, Evaluation, Rating
from cases.services import case_evaluate
from integrations.events import case_sequence_key
from integrations.services import webhook_emit

from ..models import Reason, SupervisionOrder
from ..webhooks import EVALUATION_RECORDED
from .orders import site_language, supervision_order_issue

# 基本满意 or worse calls for a supervision order on the responsible department.
UNHAPPY = (Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED)


def evaluation_payload(evaluation: Evaluation, case: Case) -> dict:
    """Return what webhook subscribers learn of an evaluation: the rating, never the comment."""
    return {
        "case": case.code,
        "rating": evaluation.rating,
        "channel": evaluation.channel,
        "lead_department": case.lead_department.slug if case.lead_department_id else None,
        "recorded_at": evaluation.created_at.isoformat(),
    }


def unhappy_order(*, case: Case, actor, rating: str, comment: str, reason: str) -> SupervisionOrder | None:
    """Issue the order an answer of 基本满意 or worse calls for; None for a satisfied party."""
    if rating not in UNHAPPY:
        return None
    with site_language():
        label = Rating(rating).label
        if reason == Reason.BAD_CALLBACK:
            action = _("电话回访中当事人评价为「%(rating)s」，请跟进整改直至问题解决，并答复落实情况。") % {
                "rating": label
            }
        else:
            action = _("当事人结案评价为「%(rating)s」，请回访当事人、查找原因并答复整改情况。") % {
                "rating": label
            }
        if comment:
            action += _("当事人意见：%(comment)s") % {"comment": comment}
    return supervision_order_issue(case=case, actor=actor, reason=reason, required_action=action)


@transaction.atomic
def evaluation_record(
    *,
    case: Case,
    actor,
    rating: str,
    comment: str = "",
    channel: str = Evaluation.Channel.TRACKING,
    party_id: int | None = None,
    applicant_side: bool = True,
) -> Evaluation:
    """Record a party's closing evaluation (评价) and whatever it calls for.

    The tracking page, callbacks and the API all come through here, so the rule for an
    unhappy answer lives in one place: 基本满意 or worse issues a supervision order on the
    lead department (reason: bad evaluation, or bad callback for the callback channel). The
    case stays evaluated until a coordinator reopens it. On the tracking page ``party_id`` and
    ``applicant_side`` say who verified: only the applicant side evaluates, each applicant once
    (:func:`cases.services.case_evaluate`); every applicant's unhappy answer calls for an order.
    """
    _case, evaluation, _order = evaluate_and_follow_up(
        case=case,
        actor=actor,
        rating=rating,
        comment=comment,
        channel=channel,
        party_id=party_id,
        applicant_side=applicant_side,
    )
    return evaluation


def evaluate_and_follow_up(
    *,
    case: Case,
    actor,
    rating: str,
    comment: str,
    channel: str,
    party_id: int | None = None,
    applicant_side: bool = True,
) -> tuple[Case, Evaluation, SupervisionOrder | None]:
    """Fire ``evaluate`` (or record a further applicant's), emit the event, issue the order it calls for."""
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择评价：满意、基本满意或不满意。")})
    case, evaluation = case_evaluate(
        case=case,
        actor=actor,
        rating=rating,
        comment=comment,
        channel=channel,
        party_id=party_id,
        applicant_side=applicant_side,
    )
    webhook_emit(
        event_type=EVALUATION_RECORDED,
        event_id=f"evaluation-{evaluation.pk}",
        payload=evaluation_payload(evaluation, case),
        sequence_key=case_sequence_key(case.code),
    )
    reason = Reason.BAD_CALLBACK if channel == Evaluation.Channel.CALLBACK else Reason.BAD_EVALUATION
    order = unhappy_order(case=case, actor=actor, rating=rating, comment=comment, reason=reason)
    return (order.case if order is not None else case), evaluation, order
