"""Who may do what with supervision: the one home of the supervision app's rules.

The supervision pages, the supervision API and the case transitions over HTTP that go through
supervision (supervise, end supervision, reopen) ask these functions, and the services check the
same ones, so a page and the API can never disagree.
"""

from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.permissions import STAFF_ROLES, holds_case, role_may_fire, supervises_case
from common.exceptions import ActionForbidden
from departments.models import Role
from departments.permissions import department_of, require_liaison_of, require_role, role_of
from departments.scope import oversees

from .models import Reason, SupervisionOrder

# The center's staff who see every order (the order list).
CENTER_ROLES = (Role.COORDINATOR, Role.LEADER, Role.ADMIN)
# Who sees orders at all: the center's staff, and liaisons their department's.
ORDER_ROLES = (*CENTER_ROLES, Role.LIAISON)
# Who answers an order on the center's own duty (no department: a missed assessment deadline).
CENTER_ANSWER_ROLES = (Role.COORDINATOR,)
# Who accepts a department's answer (核查办结) or sends it back (退回重办).
VERIFY_ROLES = (Role.COORDINATOR, Role.LEADER)
# Who issues an order by hand, by its reason: a leader's instruction (批示) only a leader.
ISSUE_ROLES = (Role.COORDINATOR, Role.LEADER)
INSTRUCTION_ROLES = (Role.LEADER,)
# The monthly callbacks: who sees them, and who makes the calls (and sees the number to call).
CALLBACK_ROLES = (Role.COORDINATOR, Role.LEADER)
CALLBACK_CALLER_ROLES = (Role.COORDINATOR,)
# The leaders' reports; a liaison sees their own department's.
REPORT_ROLES = (Role.LEADER, Role.COORDINATOR, Role.ADMIN)
DEPARTMENT_REPORT_ROLES = (*REPORT_ROLES, Role.LIAISON)

__all__ = [
    "CALLBACK_CALLER_ROLES",
    "CALLBACK_ROLES",
    "CENTER_ANSWER_ROLES",
    "CENTER_ROLES",
    "DEPARTMENT_REPORT_ROLES",
    "INSTRUCTION_ROLES",
    "ISSUE_ROLES",
    "ORDER_ROLES",
    "REPORT_ROLES",
    "STAFF_ROLES",
    "VERIFY_ROLES",
    "issue_roles",
    "may_issue_order",
    "may_make_callbacks",
    "may_reopen",
    "may_respond_to_order",
    "may_verify_order",
    "may_verify_orders",
    "require_may_issue_order",
    "require_may_respond_to_order",
    "require_may_verify_order",
    "sees_callback_phone",
    "verifying_center_id",
]


def issue_roles(reason: str) -> tuple[str, ...]:
    """Return the roles that may issue an order for ``reason`` by hand."""
    return INSTRUCTION_ROLES if reason == Reason.LEADER_INSTRUCTION else ISSUE_ROLES


def may_issue_order(user, reason: str = Reason.LEADER_INSTRUCTION, case: Case | None = None) -> bool:
    """Return whether the user may issue an order for ``reason`` (by default a leader's instruction).

    On ``case``: only a leader or coordinator of its center or of a center above it
    (cases.permissions.supervises_case); without a case, whether the role may issue at all.
    """
    if role_of(user) not in issue_roles(reason):
        return False
    return case is None or supervises_case(user, case)


def require_may_issue_order(user, reason: str, case: Case | None = None) -> None:
    """Raise ActionForbidden unless the user may issue an order for ``reason`` (on ``case``)."""
    require_role(user, *issue_roles(reason))
    if case is not None and not supervises_case(user, case):
        raise ActionForbidden(_("只能督办本中心及下级中心的案件。"))


def verifying_center_id(order: SupervisionOrder) -> int | None:
    """Return the center that verifies the order's answer: the one that issued it, else the case's."""
    return order.issuing_center_id or order.case.center_id


def may_verify_orders(user, order: SupervisionOrder | None = None) -> bool:
    """Return whether the user's role may verify (核查) answers at all, or, given ``order``, this one."""
    if role_of(user) not in VERIFY_ROLES:
        return False
    return order is None or may_verify_order(user, order)


def may_verify_order(user, order: SupervisionOrder) -> bool:
    """Return whether the user verifies (核查) or sends back answers to this order.

    Leaders and coordinators of the supervising center (the one that issued it; before the
    network, the case's) or of a center above it: an overdue 下派 is answered by the child
    center and checked by its parent, never by the center that answered.
    """
    if role_of(user) not in VERIFY_ROLES:
        return False
    center = order.issuing_center if order.issuing_center_id is not None else order.case.center
    return oversees(user, center)


def require_may_verify_order(user, order: SupervisionOrder) -> None:
    """Raise ActionForbidden unless the user verifies this order (see :func:`may_verify_order`)."""
    require_role(user, *VERIFY_ROLES)
    if not may_verify_order(user, order):
        raise ActionForbidden(_("此督办单由督办中心核查。"))


def may_respond_to_order(user, order: SupervisionOrder) -> bool:
    """Return whether the user answers the order: a liaison of its department, a coordinator for the center's.

    An order without a department concerns the center holding the case (its assessment, or a case
    assigned down that it has not finished): that center's coordinators answer it.
    """
    if order.department_id is None:
        return role_of(user) in CENTER_ANSWER_ROLES and holds_case(user, order.case)
    if role_of(user) != Role.LIAISON:
        return False
    department = department_of(user)
    return department is not None and department.pk == order.department_id


def require_may_respond_to_order(user, order: SupervisionOrder) -> None:
    """Raise ActionForbidden unless the user answers the order (see :func:`may_respond_to_order`)."""
    if order.department_id is None:
        require_role(user, *CENTER_ANSWER_ROLES)
        if not holds_case(user, order.case):
            raise ActionForbidden(_("此督办单由案件所在综治中心的研判督办专员答复。"))
    else:
        require_liaison_of(user, order.department)


def may_reopen(user, case: Case) -> bool:
    """Return whether the user may reopen the case (its state aside): the case's own rule."""
    return role_may_fire(user, case, "reopen")


def may_make_callbacks(user) -> bool:
    """Return whether the user makes the callbacks: draws the month's sample and records the calls."""
    return role_of(user) in CALLBACK_CALLER_ROLES


def sees_callback_phone(user, callback) -> bool:
    """Return whether the user sees this callback's full phone: a caller, while the call is still to make.

    Lists (page or API) always mask: a number is shown in full only for one callback at a time.
    """
    return may_make_callbacks(user) and callback.is_pending
