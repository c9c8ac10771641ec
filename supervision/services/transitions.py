"""The case's supervision transitions as the API fires them, through the same services as the pages.

A case goes under supervision only by an order (``supervision_order_issue``), leaves it only when
its orders are verified (``supervision_order_verify``), and is reopened under supervision while
an order is open (``case_reopen_with_supervision``): these wrap them for a caller that names the
transition, refusing (409) what the transition's state does not allow before anything is written.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, State
from cases.services import case_end_supervision, case_reopen
from common.exceptions import ConcurrentChange, InvalidTransition
from departments.models import Department
from departments.permissions import require_role

from ..models import Level, OrderStatus, SupervisionOrder
from ..permissions import VERIFY_ROLES
from .orders import TO_SUPERVISE, site_language, supervision_order_issue, supervision_order_verify


def _refuse(case: Case) -> InvalidTransition:
    return InvalidTransition(
        _("案件处于“%(state)s”状态，不能执行此操作。") % {"state": case.get_state_display()},
        code="invalid_transition",
    )


@transaction.atomic
def case_supervise_by_order(
    *,
    case: Case,
    actor,
    reason: str,
    instruction: str = "",
    required_action: str = "",
    level: str = Level.ORDER,
    department: Department | None = None,
    respond_by: dt.date | None = None,
) -> SupervisionOrder:
    """Issue an order that puts an assigned or handled case under supervision (督办).

    The order is issued exactly as on the pages; if the case, read under the order's lock, was
    no longer assigned or handled, nothing is kept and the answer is a conflict.
    """
    if case.state not in TO_SUPERVISE:
        raise _refuse(case)
    order = supervision_order_issue(
        case=case,
        actor=actor,
        reason=reason,
        instruction=instruction,
        required_action=required_action,
        level=level,
        department=department,
        respond_by=respond_by,
    )
    if order.case.state != State.SUPERVISED:  # someone moved the case meanwhile
        raise _refuse(order.case)
    return order


@transaction.atomic
def case_supervision_end(*, case: Case, actor, note: str = "") -> Case:
    """End a case's supervision as the pages do: verify its answered orders; the last one ends it.

    An order still waiting for the department's answer cannot be verified, so the supervision
    cannot end yet (409). A case under supervision with no open order at all (left so by an
    earlier version of the API) has nothing to verify and returns to handling directly.
    """
    require_role(actor, *VERIFY_ROLES)
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked.version != case.version:
        raise ConcurrentChange()
    if locked.state != State.SUPERVISED:
        raise _refuse(locked)
    orders = list(SupervisionOrder.objects.open().filter(case_id=locked.pk).order_by("issued_at", "pk"))
    waiting = [order.number for order in orders if order.status != OrderStatus.RESPONDED]
    if waiting:
        raise InvalidTransition(
            _("督办单 %(numbers)s 尚待单位答复，核查办结后才能结束督办。") % {"numbers": "、".join(waiting)},
            code="invalid_transition",
        )
    if not orders:
        with site_language():
            why = note.strip() or _("无未结督办单，结束督办。")
        return case_end_supervision(case=locked, actor=actor, reason=why)
    for order in orders:
        supervision_order_verify(order=order, actor=actor, note=note)
    return Case.objects.get(pk=locked.pk)


@transaction.atomic
def case_reopen_with_supervision(*, case: Case, actor, reason: str) -> Case:
    """Reopen a closed or evaluated case; it goes to supervised while any order on it is open."""
    has_open_order = SupervisionOrder.objects.open().filter(case_id=case.pk).exists()
    return case_reopen(case=case, actor=actor, reason=reason, supervised=has_open_order)
