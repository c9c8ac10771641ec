"""The machinery every case service shares: firing a transition under a row lock, the event log, guards."""

import datetime as dt
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from common.exceptions import ActionForbidden, ConcurrentChange, InvalidTransition
from common.tasks import enqueue_on_commit
from departments.models import Role
from departments.permissions import require_liaison_of, require_role, role_of
from integrations.events import WebhookEvent, case_sequence_key
from integrations.services import webhook_emit

from ..models import (
    Case,
    CaseEvent,
    RiskColour,
)
from ..permissions import LEAD_LIAISON, TRANSITION_ROLES, center_may_fire
from ..tasks import notify_case_event

PROBLEM_THRESHOLD = 3


# --- The lifecycle ----------------------------------------------------------------------------


def _transition(
    case: Case,
    *,
    actor,
    name: str,
    fire: Callable[[Case], None],
    fields: Sequence[str] = (),
    reason: str = "",
    data: dict | None = None,
    guard: Callable[[Case], None] | None = None,
    now: dt.datetime | None = None,
    check_center: bool = True,
    log: bool = True,
) -> Case:
    """Lock the case, check it is unchanged and in a state that allows ``name``, fire, log.

    The actor must act for the right center (:func:`cases.permissions.center_may_fire`): the
    holding center, the deciding center of a case in transit, a center above to supervise. A
    caller that checks the center itself (the parent reopening at the child) passes
    ``check_center=False``. A caller that logs the event itself, with what it wrote after
    firing (the hop between centers), passes ``log=False``.
    """
    locked = Case.objects.select_for_update(of=("self",)).select_related("lead_department").get(pk=case.pk)
    if locked.version != case.version:
        raise ConcurrentChange()
    if not can_proceed(getattr(locked, name)):
        raise InvalidTransition(
            _("案件处于“%(state)s”状态，不能执行此操作。") % {"state": locked.get_state_display()},
            code="invalid_transition",
        )
    if check_center:
        _require_center(actor, locked, name)
    # After the state check: the lead department the guard checks exists only once assigned.
    if guard is not None:
        guard(locked)
    from_state = locked.state
    fire(locked)
    locked.version += 1
    if getattr(actor, "is_authenticated", False):
        locked._history_user = actor  # the history row names the actor, in a request or not
    locked.save(update_fields=["state", "version", "updated_at", *fields])
    if log:
        _log(locked, actor, name, from_state, locked.state, reason=reason, data=data, now=now)
    return locked


def _require_center(actor, case: Case, name: str) -> None:
    """Refuse an actor of the wrong center (pages, API and admin alike); the system (None) may."""
    if not getattr(actor, "is_authenticated", False) or name not in TRANSITION_ROLES:
        return
    if role_of(actor) == Role.LIAISON:
        return  # a liaison's transitions follow their department, checked by the lead-liaison guard
    if not center_may_fire(actor, case, name):
        raise ActionForbidden(
            _("本案现由%(center)s承办，您所在的中心不能执行此操作。") % {"center": case.center.name}
        )


# What a webhook says about the hop between centers an event made (from the event's data).
REFERRAL_KEYS = ("referral", "referral_kind", "referral_status", "from_center", "to_center", "via_center")


def _log(case, actor, name, from_state, to_state, *, reason="", data=None, now=None) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        transition=name,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
        created_at=now or timezone.now(),
    )
    enqueue_on_commit(notify_case_event, event.pk, dedupe_key=f"case-event:{event.pk}")
    webhook_emit(
        event_type=WebhookEvent.CASE_CREATED if name == "create" else WebhookEvent.CASE_TRANSITION,
        event_id=f"case-event-{event.pk}",
        sequence_key=case_sequence_key(case.code),
        payload={
            "event_id": event.pk,
            "case": case.code,
            "transition": name,
            "from_state": from_state,
            "to_state": to_state,
            "risk_colour": case.risk_colour,
            "lead_department": case.lead_department.slug if case.lead_department_id else None,
            "created_at": event.created_at.isoformat(),
            **(
                {"referral": {key: event.data.get(key) for key in REFERRAL_KEYS}}
                if event.data.get("referral")
                else {}
            ),
        },
    )
    return event


def _required(value: str, field: str, message=None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message or _("请填写原因。")})
    return value


def _require_may(actor, name: str) -> None:
    """Check the actor's role against the transition table (the department is checked on the case)."""
    roles = [r for r in TRANSITION_ROLES[name] if r != LEAD_LIAISON]
    if LEAD_LIAISON in TRANSITION_ROLES[name]:
        roles.append(Role.LIAISON)
    require_role(actor, *roles)


def _lead_liaison(actor):
    def guard(case: Case) -> None:
        require_liaison_of(actor, case.lead_department)

    return guard


# --- Problem cases ----------------------------------------------------------------------------


def _refresh_problem_flag(case: Case) -> None:
    """Flag a case returned or sent back three times, or handed across three departments."""
    if case.is_problem:
        return
    departments = {
        (e.get("lead_department") or "")
        for e in case.events.filter(transition="assign").values_list("data", flat=True)
    }
    departments.discard("")
    if case.return_count + case.send_back_count >= PROBLEM_THRESHOLD or len(departments) >= PROBLEM_THRESHOLD:
        Case.objects.filter(pk=case.pk).update(is_problem=True, risk_colour=RiskColour.RED)
        case.is_problem, case.risk_colour = True, RiskColour.RED
        _log(
            case,
            None,
            "flag_problem",
            case.state,
            case.state,
            reason=str(_("退回或改派次数达到 %(n)s 次，列为问题工单。") % {"n": PROBLEM_THRESHOLD}),
        )
