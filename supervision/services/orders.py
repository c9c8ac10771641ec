"""Supervision orders by hand and on evaluations: issue, answer, verify, send back, reopen.

Each service checks the actor, locks what it changes, fires the order's transition, writes its
:class:`SupervisionOrderEvent` in the same transaction, notifies, and emits the webhook event.
The case's own transitions go through :mod:`cases.services` (``case_supervise``,
``case_end_supervision``, ``case_reopen``), so the case log stays the one true history.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from cases.models import Case, State
from cases.services import case_end_supervision, case_supervise
from common.exceptions import ConcurrentChange, InvalidTransition
from common.when import day_text, deadline_text
from departments.deadlines import deadline_for, legal_limit_for
from departments.models import Department, Role, Stage
from departments.scope import center_of
from departments.workdays import add_working_days
from integrations.events import case_sequence_key
from integrations.services import webhook_emit

from .. import notify
from ..models import Level, OrderSequence, Reason, SupervisionOrder, SupervisionOrderEvent
from ..permissions import require_may_issue_order, require_may_respond_to_order, require_may_verify_order
from ..webhooks import (
    ORDER_ISSUED,
    ORDER_REJECTED,
    ORDER_RESPONDED,
    ORDER_VERIFIED,
    order_action_payload,
    order_payload,
)

# States in which a case has a department that can be supervised.
SUPERVISABLE_STATES = (
    State.ASSIGNED,
    State.HANDLING,
    State.SUPERVISED,
    State.REVIEWING,
    State.CLOSED,
    State.EVALUATED,
)
# An order on a case in one of these states puts the case under supervision (督办中).
TO_SUPERVISE = (State.ASSIGNED, State.HANDLING)
NUMBER_PREFIX = "DB"


# --- Numbers ----------------------------------------------------------------------------------


def allocate_order_numbers(*, year: int, count: int) -> list[str]:
    """Take ``count`` consecutive numbers of the year's sequence inside the current transaction.

    One upsert that locks the year's row until commit, as case codes do: concurrent issuers
    queue behind it, numbers never repeat, and a rolled-back transaction gives them back.
    """
    if count <= 0:
        return []
    table = OrderSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last_number) VALUES (%s, %s) "
            f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + %s "
            "RETURNING last_number",
            [year, count, count],
        )
        last = cursor.fetchone()[0]
    return [f"{NUMBER_PREFIX}{year}{n:06d}" for n in range(last - count + 1, last + 1)]


# --- Helpers shared with the sweep ------------------------------------------------------------


def site_language():
    """Texts stored for people to read (order requirements, inbox titles) are in the site's language."""
    return translation.override(settings.LANGUAGE_CODE)


def _required(value: str, field: str, message=None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message or _("请填写此项。")})
    return value


def log_order_event(
    order, *, actor, action, from_status, note="", data=None, now=None
) -> SupervisionOrderEvent:
    return SupervisionOrderEvent.objects.create(
        order=order,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=order.status,
        note=note,
        data=data or {},
        created_at=now or timezone.now(),
    )


def respond_deadline(case: Case, *, start: dt.datetime) -> dt.datetime:
    """Return by when a department must answer an order on ``case`` issued at ``start``."""
    services = list(case.package.services.all()) if case.package_id else []
    return deadline_for(
        stage=Stage.RESPOND,
        colour=case.risk_colour or "blue",
        start=start,
        services=services,
        category=case.category,
    )


# The latest answer deadline a leader may set, in working days after the order is issued.
ANSWER_LATEST_WORKING_DAYS = 20


def respond_by_window(case: Case, *, start: dt.datetime) -> tuple[dt.date, dt.date]:
    """Return the first and last day a leader may choose as the answer deadline of an order issued at ``start``.

    The department answers by the end of the chosen day. Not earlier than the next working day
    (a department needs a working day to answer), not later than
    :data:`ANSWER_LATEST_WORKING_DAYS` working days, and never past a legal limit of the
    answering stage that matches the case.
    """
    today = timezone.localdate(start)
    first = add_working_days(today, 1)
    last = add_working_days(today, ANSWER_LATEST_WORKING_DAYS)
    services = list(case.package.services.all()) if case.package_id else []
    ceiling, _rule = legal_limit_for(
        stage=Stage.RESPOND,
        colour=case.risk_colour or "blue",
        start=start,
        services=services,
        category=case.category,
    )
    if ceiling is not None:
        # A legal limit ending at midnight closes the day before; at another hour, that day is the last whole one.
        last = min(last, timezone.localdate(ceiling - dt.timedelta(microseconds=1)))
    return min(first, last), last


def chosen_respond_by(case: Case, *, start: dt.datetime, day: dt.date) -> dt.datetime:
    """Return the end of ``day`` as an answer deadline, or raise a field error if the policy does not allow it."""
    first, last = respond_by_window(case, start=start)
    if not first <= day <= last:
        raise ValidationError(
            {
                "respond_by": _("答复期限须在%(first)s至%(last)s之间（含当日）。")
                % {
                    "first": day_text(first, now=start),
                    "last": day_text(last, now=start),
                }
            },
            code="respond_by_out_of_range",
        )
    return end_of_day(day)


def end_of_day(day: dt.date) -> dt.datetime:
    """Return the moment ``day`` ends (the next local midnight), as deadlines are stored."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(end, timezone.get_current_timezone())


def _order_notifications(order: SupervisionOrder, *, now, liaisons_told: bool) -> list[int]:
    """Tell the department's liaisons and the duty board of a new order.

    ``liaisons_told``: the case's own "supervise" notice (sent by the cases app, naming the
    order) has reached the department's liaisons already; they are not told twice.
    """
    case = order.case
    recipients = notify.Recipients(department_ids=[order.department_id], today=timezone.localdate(now))
    users = recipients.for_order(
        department_id=order.department_id, center_id=case.center_id, level=order.level
    )
    if liaisons_told:
        liaisons = set(recipients.for_reminder(department_id=order.department_id))
        users = [user for user in users if user not in liaisons]
    with site_language():
        title = _("%(level)s %(number)s：%(code)s %(title)s") % {
            "level": order.get_level_display(),
            "number": order.number,
            "code": case.code_display,
            "title": case.title,
        }
        body = _("%(reason)s。%(action)s\n请于%(respond_by)s答复。") % {
            "reason": order.get_reason_display(),
            "action": order.required_action,
            "respond_by": deadline_text(order.respond_by, now=now),
        }
    kind = notify.KIND_LEADER if order.level == Level.LEADER else notify.KIND_ORDER
    return notify.notify(
        [
            notify.notification(
                user_id=user_id,
                kind=kind,
                title=title,
                body=body,
                url=notify.order_url(order.number),
                case_id=case.pk,
            )
            for user_id in users
        ]
    )


def _lock_order(order: SupervisionOrder) -> SupervisionOrder:
    return (
        SupervisionOrder.objects.select_for_update(of=("self",))
        .select_related("case", "department")
        .get(pk=order.pk)
    )


def _check_can(order: SupervisionOrder, name: str) -> None:
    if not can_proceed(getattr(order, name)):
        raise InvalidTransition(
            _("督办单处于“%(status)s”状态，不能执行此操作。") % {"status": order.get_status_display()},
            code="invalid_transition",
        )


# --- Issue ------------------------------------------------------------------------------------


@transaction.atomic
def supervision_order_issue(
    *,
    case: Case,
    actor,
    reason: str,
    required_action: str = "",
    instruction: str = "",
    level: str = Level.ORDER,
    department: Department | None = None,
    respond_by: dt.date | None = None,
) -> SupervisionOrder:
    """Issue a supervision order on a case's department (督办); ``actor`` None is the system.

    A leader's order carries the leader's instruction (批示). The answer deadline follows the
    deadline rules, unless the issuer chooses a day (``respond_by``) within
    :func:`respond_by_window`; the department then answers by the end of that day. An order on a case in assigned or
    handling puts the case under supervision; on a closed or evaluated case (a bad evaluation
    or callback) the state stays until a coordinator reopens the case.
    """
    if reason not in Reason.values:
        raise ValidationError({"reason": _("督办原因无效。")})
    if level not in Level.values:
        raise ValidationError({"level": _("督办级别无效。")})
    if actor is not None or reason == Reason.LEADER_INSTRUCTION:
        require_may_issue_order(actor, reason, case)
    if reason == Reason.LEADER_INSTRUCTION:
        instruction = _required(instruction, "instruction", _("请填写领导批示。"))
    now = timezone.now()
    # The number first: the sequence row is always locked before case rows (as the sweep does),
    # so an issuer and a sweep never wait for each other crosswise.
    number = allocate_order_numbers(year=timezone.localtime(now).year, count=1)[0]
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("lead_department", "package")
        .get(pk=case.pk)
    )
    if locked.version != case.version:
        raise ConcurrentChange()
    if locked.state not in SUPERVISABLE_STATES:
        raise InvalidTransition(
            _("案件处于“%(state)s”状态，尚无承办单位，不能督办。") % {"state": locked.get_state_display()},
            code="invalid_transition",
        )
    department = department or locked.lead_department
    if department is None:
        raise ValidationError({"department": _("请选择被督办单位。")})
    involved = (
        department.pk == locked.lead_department_id or locked.co_departments.filter(pk=department.pk).exists()
    )
    if not involved:
        raise ValidationError({"department": _("被督办单位必须是该案件的牵头或协办单位。")})
    with site_language():
        required_action = (required_action or "").strip() or default_action(reason)
    order = SupervisionOrder(
        number=number,
        case=locked,
        department=department,
        reason=reason,
        level=level,
        required_action=required_action,
        instruction=(instruction or "").strip(),
        issued_by=actor,
        # Who verifies the answer: the issuer's center (a center above may supervise), the
        # system's orders the case's own.
        issuing_center=(center_of(actor) if actor is not None else None) or locked.center,
        issued_at=now,
        respond_from=now,
        respond_by=(
            chosen_respond_by(locked, start=now, day=respond_by)
            if respond_by is not None
            else respond_deadline(locked, start=now)
        ),
    )
    order.save()
    log_order_event(
        order,
        actor=actor,
        action=SupervisionOrderEvent.Action.ISSUE,
        from_status="",
        data={"respond_by_chosen": respond_by.isoformat()} if respond_by is not None else None,
        now=now,
    )
    supervised_now = locked.state in TO_SUPERVISE
    if supervised_now:
        with site_language():
            why = _("%(level)s %(number)s：%(reason)s") % {
                "level": order.get_level_display(),
                "number": order.number,
                "reason": order.get_reason_display(),
            }
        locked = case_supervise(case=locked, actor=actor, reason=why, data={"order": order.number})
    order.case = locked
    _order_notifications(order, now=now, liaisons_told=supervised_now)
    webhook_emit(
        event_type=ORDER_ISSUED,
        event_id=f"supervision-order-{order.number}-issued",
        payload=order_payload(order),
        sequence_key=case_sequence_key(locked.code),
    )
    return order


def default_action(reason: str) -> str:
    """Return the standard requirement of an order issued for ``reason``."""
    return {
        Reason.DEADLINE_MISSED: _("期限已过，请立即办理并说明延误原因和办结时间。"),
        Reason.LEADER_INSTRUCTION: _("请按领导批示办理，并答复办理情况。"),
        Reason.BAD_EVALUATION: _("当事人对办理结果不满意，请回访当事人、查找原因并答复整改情况。"),
        Reason.BAD_CALLBACK: _("回访中当事人不满意，请跟进整改直至问题解决，并答复落实情况。"),
        Reason.PROBLEM_CASE: _(
            "问题工单（多次退回、审核退回或改派），挂牌督办：请牵头单位制定化解方案并答复。"
        ),
        Reason.REFERRAL_OVERDUE: _("下派案件逾期未办结，请说明办理进展、延误原因和预计办结时间。"),
        Reason.WHISTLE_LATE: _("未按时报到：请立即报到，并说明延误原因。"),
    }[reason]


# --- Answer, verify, send back ----------------------------------------------------------------


def _emit_order_event(event_type: str, order: SupervisionOrder, event: SupervisionOrderEvent) -> None:
    """Tell webhook subscribers of an answer, a verification or a sending back (sent after commit)."""
    webhook_emit(
        event_type=event_type,
        event_id=f"supervision-order-event-{event.pk}",
        payload=order_action_payload(order, event),
        sequence_key=case_sequence_key(order.case.code),
    )


@transaction.atomic
def supervision_order_respond(*, order: SupervisionOrder, actor, response: str) -> SupervisionOrder:
    """Answer an order on behalf of the supervised department, or of the center for its own (答复)."""
    require_may_respond_to_order(actor, order)
    response = _required(response, "response", _("请填写答复内容。"))
    locked = _lock_order(order)
    _check_can(locked, "respond")
    now = timezone.now()
    from_status = locked.status
    locked.respond(response=response, by=actor, now=now)
    locked.save(update_fields=["status", "response", "responded_by", "responded_at", "updated_at"])
    event = log_order_event(
        locked,
        actor=actor,
        action=SupervisionOrderEvent.Action.RESPOND,
        from_status=from_status,
        note=response,
        now=now,
    )
    _emit_order_event(ORDER_RESPONDED, locked, event)
    with site_language():
        title = _("督办单 %(number)s 已答复，请核查：%(code)s") % {
            "number": locked.number,
            "code": locked.case.code_display,
        }
    notify.notify(
        [
            notify.notification(
                user_id=user_id,
                kind=notify.KIND_RESPONSE,
                title=title,
                body=response,
                url=notify.order_url(locked.number),
                case_id=locked.case_id,
            )
            for user_id in notify.users_with_role(Role.COORDINATOR)
        ]
    )
    return locked


@transaction.atomic
def supervision_order_verify(*, order: SupervisionOrder, actor, note: str = "") -> SupervisionOrder:
    """Accept the department's answer (核查办结); the last open order ends the case's supervision."""
    locked = _lock_order(order)
    require_may_verify_order(actor, locked)
    _check_can(locked, "verify")
    now = timezone.now()
    from_status = locked.status
    locked.verify(by=actor, now=now)
    locked.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
    event = log_order_event(
        locked,
        actor=actor,
        action=SupervisionOrderEvent.Action.VERIFY,
        from_status=from_status,
        note=note,
        now=now,
    )
    _emit_order_event(ORDER_VERIFIED, locked, event)
    case = Case.objects.get(pk=locked.case_id)
    if (
        case.state == State.SUPERVISED
        and not SupervisionOrder.objects.open().filter(case_id=case.pk).exists()
    ):
        with site_language():
            why = _("督办单 %(number)s 已核查办结，无未结督办单。") % {"number": locked.number}
        case = case_end_supervision(case=case, actor=actor, reason=why)
    locked.case = case
    return locked


@transaction.atomic
def supervision_order_reject(*, order: SupervisionOrder, actor, reason: str) -> SupervisionOrder:
    """Send an answer back (退回重办): the department must answer again by a new deadline."""
    locked = _lock_order(order)
    require_may_verify_order(actor, locked)
    reason = _required(reason, "reason", _("请填写退回理由。"))
    _check_can(locked, "reject")
    now = timezone.now()
    from_status = locked.status
    case = Case.objects.select_related("package").get(pk=locked.case_id)
    locked.reject(respond_by=respond_deadline(case, start=now))
    locked.respond_from = now
    locked.save(update_fields=["status", "respond_by", "respond_from", "rejection_count", "updated_at"])
    event = log_order_event(
        locked,
        actor=actor,
        action=SupervisionOrderEvent.Action.REJECT,
        from_status=from_status,
        note=reason,
        now=now,
    )
    _emit_order_event(ORDER_REJECTED, locked, event)
    recipients = notify.Recipients(department_ids=[locked.department_id], today=timezone.localdate(now))
    with site_language():
        title = _("督办单 %(number)s 的答复被退回，请重新办理：%(code)s") % {
            "number": locked.number,
            "code": locked.case.code_display,
        }
    notify.notify(
        [
            notify.notification(
                user_id=user_id,
                kind=notify.KIND_REJECTED,
                title=title,
                body=reason,
                url=notify.order_url(locked.number),
                case_id=locked.case_id,
            )
            for user_id in recipients.for_reminder(
                department_id=locked.department_id, center_id=locked.case.center_id
            )
        ]
    )
    return locked
