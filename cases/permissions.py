"""Who may and who sees: the one home of the cases app's rules, used by services, pages, API and admin.

Every page, API view, task and admin action that asks "may this user …" or "does this user see
…" about a case calls a function here, so a page and the API can never give different answers.
"""

from django.db.models import Q
from django_fsm import can_proceed

from departments.models import Role
from departments.permissions import department_of, role_of
from departments.scope import oversees, works_at

from .models import IN_TRANSIT_STATES, WORKING_STATES, Case

LEAD_LIAISON = "lead_liaison"

# Everyone with a staff role: the case pages and the supervision panel.
STAFF_ROLES = (Role.RECEPTION, Role.COORDINATOR, Role.LIAISON, Role.LEADER, Role.ADMIN)
# The center's staff see every case; a liaison sees their department's (lead or co-operating).
CENTER_WIDE_ROLES = (Role.RECEPTION, Role.COORDINATOR, Role.LEADER, Role.ADMIN)
# Who records a matter at the desk (受理), by page or API.
INTAKE_ROLES = (Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)
# Who prints the receipt and gets its QR: it holds the party's secret tracking key.
RECEIPT_ROLES = (Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)

# transition → roles that may fire it (LEAD_LIAISON: a liaison of the case's lead department).
TRANSITION_ROLES: dict[str, tuple[str, ...]] = {
    "start_assessment": (Role.COORDINATOR,),
    "assign": (Role.COORDINATOR,),
    "accept": (LEAD_LIAISON,),
    "return_to_center": (LEAD_LIAISON,),
    "supervise": (Role.COORDINATOR, Role.LEADER),
    "end_supervision": (Role.COORDINATOR, Role.LEADER),
    "submit_result": (LEAD_LIAISON,),
    "send_back": (Role.COORDINATOR,),
    "close": (Role.COORDINATOR,),
    "evaluate": (Role.COORDINATOR,),
    "reopen": (Role.COORDINATOR,),
    "reject": (Role.COORDINATOR,),
    "withdraw": (Role.COORDINATOR,),
    "escalate": (Role.COORDINATOR, Role.LEADER),
    # The network of centers: the parent takes on or sends back a case reported up; a higher
    # center assigns down; a transfer across branches is asked for below and decided above.
    "take_over": (Role.COORDINATOR,),
    "return_down": (Role.COORDINATOR,),
    "assign_down": (Role.COORDINATOR,),
    "transfer": (Role.COORDINATOR,),
    "transfer_accept": (Role.COORDINATOR,),
    "transfer_decline": (Role.COORDINATOR,),
}
# Transitions the center deciding on a case in transit fires (the parent of a report up, the
# common parent of a transfer), not the center holding it.
DECIDING_TRANSITIONS = ("take_over", "return_down", "transfer_accept", "transfer_decline")
# Transitions a leader or coordinator of a center above the case's may fire too: supervision.
SUPERVISING_TRANSITIONS = ("supervise", "end_supervision")


def transition_rule(name: str) -> tuple[tuple[str, ...], bool]:
    """Return (roles, only the lead department's liaison) of ``name``, as the API documents it."""
    roles = TRANSITION_ROLES[name]
    return tuple(str(Role.LIAISON) if r == LEAD_LIAISON else str(r) for r in roles), LEAD_LIAISON in roles


def sees_every_case(user) -> bool:
    """Return whether the user sees every case (the center's staff), not only their department's."""
    return role_of(user) in CENTER_WIDE_ROLES


def _department_id(user) -> int | None:
    if role_of(user) != Role.LIAISON:
        return None
    department = department_of(user)
    return department.pk if department is not None else None


def is_lead_liaison(user, case: Case) -> bool:
    """Return whether the user is a liaison of the case's lead department."""
    department_id = _department_id(user)
    return department_id is not None and case.lead_department_id == department_id


def is_involved_liaison(user, case: Case) -> bool:
    """Return whether the user is a liaison of the case's lead or a co-operating department.

    Co-departments come from ``case_list_for``'s prefetch (``co_department_list``) if there is one.
    """
    department_id = _department_id(user)
    if department_id is None:
        return False
    if case.lead_department_id == department_id:
        return True
    co_departments = getattr(case, "co_department_list", None)
    if co_departments is not None:
        return any(d.pk == department_id for d in co_departments)
    return any(d.pk == department_id for d in case.co_departments.all())


def department_is_working(case: Case) -> bool:
    """Return whether a department holds the case: assigned, handling, supervised or in review."""
    return case.state in WORKING_STATES


def holds_case(user, case: Case) -> bool:
    """Return whether the user works at the center holding the case (the operator: anywhere)."""
    return works_at(user, case.center_id)


def supervises_case(user, case: Case) -> bool:
    """Return whether the user is a leader or coordinator of the case's center or of one above it."""
    return oversees(user, case.center)


def deciding_center_id(case: Case) -> int | None:
    """Return the center that decides on a case in transit (reported up, or being transferred), else None."""
    if case.state not in IN_TRANSIT_STATES:
        return None
    referral = case.open_referral
    return referral.deciding_center_id if referral is not None else None


def center_may_fire(user, case: Case, name: str) -> bool:
    """Return whether the user acts for the right center to fire ``name`` on ``case``.

    The center holding the case fires its own lifecycle; the deciding center (the parent of a
    report up, the common parent of a transfer) decides on a case in transit; a center above
    may supervise. A liaison's transitions follow their department, wherever the case is held.
    """
    if name in DECIDING_TRANSITIONS:
        return works_at(user, deciding_center_id(case))
    if name in SUPERVISING_TRANSITIONS and supervises_case(user, case):
        return True
    return holds_case(user, case)


def role_may_fire(user, case: Case, name: str) -> bool:
    """Return whether the user's role, department and center allow ``name`` on ``case``, whatever its state."""
    allowed = TRANSITION_ROLES.get(name, ())
    if role_of(user) in allowed:
        return center_may_fire(user, case, name)
    return LEAD_LIAISON in allowed and is_lead_liaison(user, case)


def available_transitions(case: Case, user) -> list[str]:
    """Return the transitions ``user`` may fire on ``case`` in its current state."""
    return [
        name
        for name in TRANSITION_ROLES
        if role_may_fire(user, case, name) and can_proceed(getattr(case, name))
    ]


def may_add_record(user, case: Case) -> bool:
    """Coordinators of the holding center always (a center note); liaisons of the lead or a co-department while it works the case."""
    if role_of(user) == Role.COORDINATOR:
        return holds_case(user, case)
    return department_is_working(case) and is_involved_liaison(user, case)


# Who writes which kind of handling record: the center notes (中心备注), departments report their
# part (协办情况 is a department's); both may record contacts, progress and next steps.
_CENTER_RECORD_KINDS = ("note", "contact", "progress", "next_step")
_DEPARTMENT_RECORD_KINDS = ("progress", "contact", "next_step", "cooperation")


def record_kinds_for(user, case: Case) -> list[str]:
    """Return the handling-record kinds ``user`` may add to ``case`` (none if they may add none).

    The page offers these and the service (so the API) accepts only these; a co-department's
    liaison gets 协办情况 first, the lead's 办理进展.
    """
    if not may_add_record(user, case):
        return []
    if role_of(user) == Role.COORDINATOR:
        return list(_CENTER_RECORD_KINDS)
    if is_lead_liaison(user, case):
        return list(_DEPARTMENT_RECORD_KINDS)
    return ["cooperation", *(k for k in _DEPARTMENT_RECORD_KINDS if k != "cooperation")]


def sees_personal_data(user, case: Case) -> bool:
    """Return whether the user sees this case's parties' names in full and may show their numbers.

    Coordinators and administrators do, and the lead department's liaisons, who must reach the
    parties. Even they see phone and ID numbers masked until they ask for one with a reason
    ("显示", :func:`cases.services.party_personal_reveal`, which writes the access log row).
    Everyone else, the reception desk included (its receipt masks them too), and every list of
    cases, sees them masked and cannot show them.
    """
    if role_of(user) in (Role.COORDINATOR, Role.ADMIN):
        # The holding center's; a center above oversees (read-only) without the parties' names.
        return holds_case(user, case)
    return is_lead_liaison(user, case)


def passed_through(user, case: Case) -> bool:
    """Return whether the case passed through the user's center (it sent, received or routed a hop).

    The sender of a report up keeps a read-only view with progress; so does a center that
    assigned down, or routed or gave up a transfer.
    """
    from departments.scope import center_of

    from .models import Referral

    center = center_of(user)
    if center is None:
        return False
    return (
        Referral.objects.filter(case_id=case.pk)
        .filter(Q(from_center=center) | Q(to_center=center) | Q(via_center=center))
        .exists()
    )


def is_summoned_liaison(user, case: Case) -> bool:
    """Return whether the user's department was summoned to the case by a whistle (吹哨)."""
    from .models import WhistleSummons

    department_id = _department_id(user)
    return (
        department_id is not None
        and WhistleSummons.objects.filter(whistle__case_id=case.pk, department_id=department_id).exists()
    )


def sees_case(user, case: Case) -> bool:
    """Return whether the user sees the case at all: the one-case form of ``cases_visible_to``.

    The center holding it (every center-wide role); leaders and coordinators of a center above;
    a center it passed through; a liaison of its lead or a co-department, or of a department
    summoned to it.
    """
    role = role_of(user)
    if role not in STAFF_ROLES:
        return False
    if role == Role.LIAISON:
        return is_involved_liaison(user, case) or is_summoned_liaison(user, case)
    return holds_case(user, case) or supervises_case(user, case) or passed_through(user, case)


def may_open_case_page(user, case: Case) -> bool:
    """Return whether the user may open the staff case page: the center's staff any case, a liaison their department's.

    The case page answers 403 to everyone else; search rows and lists link to it only when this
    says yes. Co-departments come from a ``co_department_list`` prefetch if there is one.
    """
    return sees_case(user, case)


def may_print_receipt(user, case: Case | None = None) -> bool:
    """Return whether the user may print the receipt and see its QR (the party's secret key).

    For ``case``: only at the center holding it (a center above oversees without the key).
    """
    return role_of(user) in RECEIPT_ROLES and (case is None or holds_case(user, case))


def may_take_in(user) -> bool:
    """Return whether the user may record a matter at the desk (受理)."""
    return role_of(user) in INTAKE_ROLES


def party_may_evaluate(party, *, applicant_side: bool) -> bool:
    """Return whether the party who verified on the tracking page may give the closing evaluation.

    The evaluation belongs to the applicant side: an applicant's phone digits, or the receipt's
    key (``party`` None when the case has no applicant party, then ``applicant_side`` decides).
    """
    from .models import Party

    if party is None:
        return applicant_side
    return party.role == Party.Role.APPLICANT


def may_blow_whistle(user, case: Case) -> bool:
    """Return whether the user may blow the whistle on the case (吹哨) now.

    A coordinator of the center holding it, while it is open and not in transit, and only if there
    are departments to summon (see ``cases.selectors.summonable_departments``).
    """
    return may_summon_for(user, case) and whistle_state_allows(case) and _has_level_above(case)


def _has_level_above(case: Case) -> bool:
    """Whether there are departments above the township's reach: a parent, or a county-or-higher center itself."""
    from departments.models import Level

    return case.center.parent_id is not None or case.center.level != Level.TOWNSHIP


def may_summon_for(user, case: Case) -> bool:
    """Return whether the user acts for the case's whistles at all (its state aside): a coordinator holding it."""
    return role_of(user) == Role.COORDINATOR and holds_case(user, case)


def whistle_state_allows(case: Case) -> bool:
    """Return whether the case's state allows a whistle: open and not in transit."""
    return case.is_open and case.state not in IN_TRANSIT_STATES


def may_report_summons(user, summons) -> bool:
    """Return whether the user answers the summons (报到): a liaison of the summoned department, while it waits."""
    department_id = _department_id(user)
    return (
        department_id is not None
        and department_id == summons.department_id
        and summons.status == summons.Status.WAITING
    )


# The parent's review of a child's closing of a case assigned down (下派办结审核).
REFERRAL_REVIEW_ROLES = (Role.COORDINATOR,)
# Who lists their center's hops between centers (incoming and outgoing).
REFERRAL_LIST_ROLES = (Role.COORDINATOR, Role.LEADER)


def may_review_referral(user, case: Case) -> bool:
    """Return whether the user may approve or send back the child's closing of a case assigned down.

    A coordinator of the center that assigned it down, while the hop is reported (待审核).
    """
    from .models import ReferralKind, ReferralStatus

    if role_of(user) not in REFERRAL_REVIEW_ROLES:
        return False
    referral = case.open_referral
    return (
        referral is not None
        and referral.kind == ReferralKind.DOWN
        and referral.status == ReferralStatus.REPORTED
        and works_at(user, referral.from_center_id)
    )


def may_list_referrals(user) -> bool:
    """Return whether the user may list their center's hops between centers."""
    return role_of(user) in REFERRAL_LIST_ROLES
