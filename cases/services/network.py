"""How a case travels between centers: 上报 (report up), 下派 (assign down) and 移交 (transfer).

Each service checks the actor's role (``_require_may``) and fires the case's transition through
:func:`cases.services.base._transition`, which also checks the actor's center (the holding
center, or the deciding center of a case in transit). The :class:`~cases.models.Referral` row
of the hop is written or updated in the same transaction; the event's data names the hop
(referral id, kind, status, from/to/via center codes) for the webhook and the notices.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.exceptions import ActionForbidden, ConcurrentChange, InvalidTransition
from departments.deadlines import deadline_for, is_provisional
from departments.models import Center, Level, Stage
from departments.scope import works_at

from ..models import Case, Referral, ReferralKind, ReferralReason, ReferralStatus, State
from .base import _log, _require_may, _required, _transition

# The levels a case may be transferred to (移交): where cases are taken in and handled.
TRANSFER_LEVELS = (Level.COUNTY, Level.TOWNSHIP)


def referral_data(referral: Referral, **extra) -> dict:
    """Return what an event records about a hop: its id, kind, status and the centers' codes."""
    return {
        "referral": referral.pk,
        "referral_kind": referral.kind,
        "referral_status": referral.status,
        "from_center": referral.from_center.code,
        "to_center": referral.to_center.code,
        "via_center": referral.via_center.code if referral.via_center_id else None,
        # Names too: the public tracking page shows the step without looking the centers up.
        "from_center_name": referral.from_center.name,
        "to_center_name": referral.to_center.name,
        **extra,
    }


def _open_referral(case: Case, *kinds: str, statuses=None) -> Referral | None:
    """Return the case's open hop of one of ``kinds`` (locked), or None."""
    statuses = statuses or (ReferralStatus.PENDING, ReferralStatus.ACTIVE, ReferralStatus.REPORTED)
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("from_center", "to_center", "via_center")
        .filter(case_id=case.pk, kind__in=kinds, status__in=statuses)
        .first()
    )


def _forget_referral(case: Case) -> None:
    case.__dict__.pop("_open_referral", None)


def _assess_by(case: Case, now: dt.datetime) -> dt.datetime:
    """Return a fresh assessment deadline from ``now`` under the deadline policy."""
    return deadline_for(
        stage=Stage.ASSESS, colour=case.shown_colour or "blue", start=now, category=case.category
    )


def _decide(referral: Referral, *, actor, status: str, note: str, now: dt.datetime) -> None:
    referral.status = status
    referral.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    referral.decided_at = now
    referral.decision_note = note
    referral.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])


# --- 上报: report up ---------------------------------------------------------------------------


@transaction.atomic
def case_escalate(*, case: Case, actor, reason: str, reason_kind: str = ReferralReason.OTHER) -> Case:
    """Report the case up to the parent center (上报); it waits there to be taken on or sent back."""
    _require_may(actor, "escalate")
    reason = _required(reason, "reason")
    if reason_kind not in ReferralReason.values:
        raise ValidationError({"reason_kind": _("请选择有效的上报理由。")})
    center = Center.objects.select_related("parent").get(pk=case.center_id)
    if center.parent_id is None:
        raise ValidationError(_("本中心没有上级中心，无法上报。"))
    now = timezone.now()
    box: dict = {}

    def fire(c: Case) -> None:
        box["from_state"] = c.state
        c.escalate()

    case = _transition(case, actor=actor, name="escalate", fire=fire, reason=reason, now=now, log=False)
    referral = Referral.objects.create(
        case=case,
        kind=ReferralKind.UP,
        status=ReferralStatus.PENDING,
        from_center=center,
        to_center=center.parent,
        reason_kind=reason_kind,
        reason=reason,
        from_state=box["from_state"],
        created_by=actor,
    )
    _forget_referral(case)
    _log(
        case,
        actor,
        "escalate",
        box["from_state"],
        case.state,
        reason=reason,
        data=referral_data(referral, reason_kind=reason_kind),
        now=now,
    )
    return case


def _receive(case: Case, *, actor, name: str, kind: str, missing, from_state: str, note: str, fields) -> Case:
    """Accept a pending hop of ``kind``: the case moves to the hop's receiving center and is assessed anew there.

    Taking on a report up (接收上报) and moving a transfer (同意移交) are the same step: the deciding
    center accepts, the case lands at ``referral.to_center`` in 研判 with a fresh assessment
    deadline under the deadline policy, and the hop is marked accepted.
    """
    _require_may(actor, name)
    now = timezone.now()
    box: dict = {}

    def fire(c: Case) -> None:
        referral = _open_referral(c, kind, statuses=(ReferralStatus.PENDING,))
        if referral is None:
            raise InvalidTransition(missing)
        box["referral"] = referral
        getattr(c, name)(center=referral.to_center)
        c.assess_by = _assess_by(c, now)
        c.deadlines_provisional = is_provisional(now, c.assess_by)

    case = _transition(
        case, actor=actor, name=name, fire=fire, reason=note, now=now, log=False, fields=fields
    )
    referral = box["referral"]
    _decide(referral, actor=actor, status=ReferralStatus.ACCEPTED, note=note, now=now)
    _forget_referral(case)
    _log(case, actor, name, from_state, case.state, reason=note, data=referral_data(referral), now=now)
    return case


@transaction.atomic
def case_take_over(*, case: Case, actor, note: str = "") -> Case:
    """The parent takes on a case reported up (接收上报): it holds and assesses it anew."""
    return _receive(
        case,
        actor=actor,
        name="take_over",
        kind=ReferralKind.UP,
        missing=_("没有待接收的上报。"),
        from_state=State.ESCALATED,
        note=note,
        fields=[
            "center",
            "lead_department",
            "accept_by",
            "due_by",
            "accepted_at",
            "assess_by",
            "deadlines_provisional",
        ],
    )


@transaction.atomic
def case_return_down(*, case: Case, actor, instructions: str) -> Case:
    """The parent sends a case reported up back down with instructions (退回下级)."""
    _require_may(actor, "return_down")
    instructions = _required(instructions, "instructions", _("请填写办理要求。"))
    now = timezone.now()
    box: dict = {}

    def fire(c: Case) -> None:
        referral = _open_referral(c, ReferralKind.UP, statuses=(ReferralStatus.PENDING,))
        if referral is None:
            raise InvalidTransition(_("没有待接收的上报。"))
        box["referral"] = referral
        to_state = referral.from_state
        if to_state not in (State.ASSESSING, State.HANDLING, State.SUPERVISED):
            to_state = State.ASSESSING
        c.return_down(to_state=to_state)

    case = _transition(
        case, actor=actor, name="return_down", fire=fire, reason=instructions, now=now, log=False
    )
    referral = box["referral"]
    referral.instructions = instructions
    referral.save(update_fields=["instructions", "updated_at"])
    _decide(referral, actor=actor, status=ReferralStatus.RETURNED, note=instructions, now=now)
    _forget_referral(case)
    _log(
        case,
        actor,
        "return_down",
        State.ESCALATED,
        case.state,
        reason=instructions,
        data=referral_data(referral, instructions=instructions),
        now=now,
    )
    return case


# --- 下派: assign down, and the parent's review of the child's closing --------------------------


@transaction.atomic
def case_assign_down(*, case: Case, actor, center: Center, instructions: str, due_by: dt.datetime) -> Case:
    """Hand the case to a direct child center (下派) with instructions and a deadline."""
    _require_may(actor, "assign_down")
    instructions = _required(instructions, "instructions", _("请填写办理要求。"))
    if center is None:
        raise ValidationError({"center": _("请选择下级中心。")})
    if center.parent_id != case.center_id:
        raise ValidationError({"center": _("只能下派给本中心的直属下级中心。")})
    now = timezone.now()
    if due_by is None or due_by <= now:
        raise ValidationError({"due_by": _("办结期限必须晚于当前时间。")})
    sender = Center.objects.get(pk=case.center_id)

    case = _transition(
        case,
        actor=actor,
        name="assign_down",
        fire=lambda c: c.assign_down(center=center),
        reason=instructions,
        now=now,
        log=False,
        fields=["center", "lead_department"],
    )
    referral = Referral.objects.create(
        case=case,
        kind=ReferralKind.DOWN,
        status=ReferralStatus.ACTIVE,
        from_center=sender,
        to_center=center,
        reason=instructions,
        instructions=instructions,
        due_by=due_by,
        from_state=State.ASSESSING,
        created_by=actor,
    )
    _forget_referral(case)
    _log(
        case,
        actor,
        "assign_down",
        State.ASSESSING,
        case.state,
        reason=instructions,
        data=referral_data(referral, instructions=instructions, due_by=due_by.isoformat()),
        now=now,
    )
    return case


def referral_report_closing(case: Case, *, now: dt.datetime) -> Referral | None:
    """The child closed a case assigned down to it: the hop goes to the parent for review (待审核).

    Called by :func:`cases.services.case_close` in its transaction; returns the hop, or None.
    """
    referral = _open_referral(case, ReferralKind.DOWN, statuses=(ReferralStatus.ACTIVE,))
    if referral is None or referral.to_center_id != case.center_id:
        return None
    referral.status = ReferralStatus.REPORTED
    referral.reported_at = now
    referral.save(update_fields=["status", "reported_at", "updated_at"])
    _forget_referral(case)
    return referral


def referral_end_on_withdrawal(case: Case, *, actor, reason: str) -> Referral | None:
    """The party withdrew a case with an open hop: the hop ends (已退回) with the reason; return it."""
    referral = _open_referral(case, ReferralKind.UP, ReferralKind.DOWN, ReferralKind.TRANSFER)
    if referral is None:
        return None
    _decide(referral, actor=actor, status=ReferralStatus.RETURNED, note=reason, now=timezone.now())
    _forget_referral(case)
    return referral


def _reported_down(case: Case, actor) -> Referral:
    referral = _open_referral(case, ReferralKind.DOWN, statuses=(ReferralStatus.REPORTED,))
    if referral is None:
        raise InvalidTransition(_("没有待审核的下派办结。"), code="invalid_transition")
    if not works_at(actor, referral.from_center_id):
        raise ActionForbidden(_("只有下派的上级中心可以审核下级的办结。"))
    return referral


@transaction.atomic
def referral_approve(*, case: Case, actor, note: str = "") -> Case:
    """The parent approves the child's closing of a case assigned down (审核通过)."""
    _require_may(actor, "assign_down")
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked.version != case.version:
        raise ConcurrentChange()
    referral = _reported_down(locked, actor)
    now = timezone.now()
    _decide(referral, actor=actor, status=ReferralStatus.ACCEPTED, note=note, now=now)
    _forget_referral(locked)
    _log(
        locked,
        actor,
        "approve_down",
        locked.state,
        locked.state,
        reason=note,
        data=referral_data(referral),
        now=now,
    )
    return locked


@transaction.atomic
def referral_send_back(*, case: Case, actor, reason: str) -> Case:
    """The parent sends the child's closing back (退回重办): reopened at the child, the hop active again."""
    _require_may(actor, "assign_down")
    reason = _required(reason, "reason")
    now = timezone.now()
    box: dict = {}

    def guard(c: Case) -> None:
        box["referral"] = _reported_down(c, actor)

    case = _transition(
        case,
        actor=actor,
        name="reopen",
        guard=guard,
        fire=lambda c: c.reopen(supervised=False),
        fields=["closed_at"],
        reason=reason,
        now=now,
        check_center=False,
    )
    referral = box["referral"]
    referral.status = ReferralStatus.ACTIVE
    referral.reported_at = None
    referral.decision_note = reason
    referral.save(update_fields=["status", "reported_at", "decision_note", "updated_at"])
    _forget_referral(case)
    _log(
        case,
        actor,
        "reject_down",
        case.state,
        case.state,
        reason=reason,
        data=referral_data(referral),
        now=now,
    )
    return case


# --- 移交: transfer across branches through the common parent ------------------------------------


def transfer_targets(center: Center):
    """Return the centers a case held at ``center`` may be transferred to: counties and townships of other branches.

    Those under the root of ``center``'s tree, not ``center``'s ancestors nor its descendants.
    """
    ancestors = center.ancestors()
    root = ancestors[-1] if ancestors else center
    ancestor_ids = [c.pk for c in ancestors]
    return (
        Center.objects.filter(path__startswith=root.path, level__in=TRANSFER_LEVELS)
        .exclude(pk__in=ancestor_ids)
        .exclude(path__startswith=center.path)
        .order_by("path")
    )


@transaction.atomic
def case_transfer(*, case: Case, actor, to_center: Center, reason: str) -> Case:
    """Ask the common parent to move the case to the center where it belongs (申请移交)."""
    _require_may(actor, "transfer")
    reason = _required(reason, "reason")
    if to_center is None:
        raise ValidationError({"to_center": _("请选择移交的中心。")})
    sender = Center.objects.get(pk=case.center_id)
    if to_center.level not in TRANSFER_LEVELS:
        raise ValidationError({"to_center": _("只能移交给县级或乡镇（街道）综治中心。")})
    if sender.is_within(to_center) or to_center.is_within(sender):
        raise ValidationError({"to_center": _("不能移交给本中心的上级或下级，请用上报或下派。")})
    via = sender.common_parent(to_center)
    if via is None:
        raise ValidationError({"to_center": _("两个中心没有共同的上级，不能移交。")})
    now = timezone.now()
    box: dict = {}

    def fire(c: Case) -> None:
        box["from_state"] = c.state
        c.transfer()

    case = _transition(case, actor=actor, name="transfer", fire=fire, reason=reason, now=now, log=False)
    referral = Referral.objects.create(
        case=case,
        kind=ReferralKind.TRANSFER,
        status=ReferralStatus.PENDING,
        from_center=sender,
        to_center=to_center,
        via_center=via,
        reason=reason,
        from_state=box["from_state"],
        created_by=actor,
    )
    _forget_referral(case)
    _log(
        case,
        actor,
        "transfer",
        box["from_state"],
        case.state,
        reason=reason,
        data=referral_data(referral),
        now=now,
    )
    return case


@transaction.atomic
def case_transfer_accept(*, case: Case, actor, note: str = "") -> Case:
    """The common parent moves the case to its new center (同意移交), which assesses it anew."""
    return _receive(
        case,
        actor=actor,
        name="transfer_accept",
        kind=ReferralKind.TRANSFER,
        missing=_("没有待定的移交申请。"),
        from_state=State.TRANSFERRING,
        note=note,
        fields=["center", "lead_department", "assess_by", "deadlines_provisional"],
    )


@transaction.atomic
def case_transfer_decline(*, case: Case, actor, reason: str) -> Case:
    """The common parent refuses the transfer (不予移交): the case stays where it was."""
    _require_may(actor, "transfer_decline")
    reason = _required(reason, "reason")
    now = timezone.now()
    box: dict = {}

    def fire(c: Case) -> None:
        referral = _open_referral(c, ReferralKind.TRANSFER, statuses=(ReferralStatus.PENDING,))
        if referral is None:
            raise InvalidTransition(_("没有待定的移交申请。"))
        box["referral"] = referral
        to_state = (
            referral.from_state
            if referral.from_state in (State.RECEIVED, State.ASSESSING)
            else State.ASSESSING
        )
        c.transfer_decline(to_state=to_state)

    case = _transition(
        case, actor=actor, name="transfer_decline", fire=fire, reason=reason, now=now, log=False
    )
    referral = box["referral"]
    _decide(referral, actor=actor, status=ReferralStatus.RETURNED, note=reason, now=now)
    _forget_referral(case)
    _log(
        case,
        actor,
        "transfer_decline",
        State.TRANSFERRING,
        case.state,
        reason=reason,
        data=referral_data(referral),
        now=now,
    )
    return case
