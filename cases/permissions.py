"""Who may fire each transition: one table, used by the services and by every page and API."""

from django_fsm import can_proceed

from departments.models import Role
from departments.permissions import department_of, role_of

from .models import Case

LEAD_LIAISON = "lead_liaison"

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
}


def role_may_fire(user, case: Case, name: str) -> bool:
    """Return whether the user's role (and department) allows ``name`` on ``case``."""
    role = role_of(user)
    allowed = TRANSITION_ROLES.get(name, ())
    if role in allowed:
        return True
    if LEAD_LIAISON in allowed and role == Role.LIAISON:
        department = department_of(user)
        return department is not None and case.lead_department_id == department.pk
    return False


def available_transitions(case: Case, user) -> list[str]:
    """Return the transitions ``user`` may fire on ``case`` in its current state."""
    return [
        name
        for name in TRANSITION_ROLES
        if role_may_fire(user, case, name) and can_proceed(getattr(case, name))
    ]


def sees_personal_data(user, case: Case) -> bool:
    """Full phone and ID numbers: the coordinators, administrators and the lead department only."""
    role = role_of(user)
    if role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if role == Role.LIAISON:
        department = department_of(user)
        return department is not None and case.lead_department_id == department.pk
    return False


def may_add_record(user, case: Case) -> bool:
    """Liaisons of the lead or a co-operating department while it handles the case; coordinators."""
    from .models import State

    role = role_of(user)
    if role == Role.COORDINATOR:
        return True
    if role != Role.LIAISON or case.state not in (
        State.ASSIGNED,
        State.HANDLING,
        State.SUPERVISED,
        State.REVIEWING,
    ):
        return False
    department = department_of(user)
    if department is None:
        return False
    return case.lead_department_id == department.pk or any(
        d.pk == department.pk for d in case.co_departments.all()
    )
