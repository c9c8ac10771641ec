"""Whose reports a user reads: the one home of the reports' center rule (pages, exports and the API).

Built on :mod:`departments.scope`. The report roles (leaders, coordinators, administrators) read
the reports of their own center and of every center under it — drill-down — never of a center
beside or above it; a liaison reads their own department's report only. The deployment's
operator (a superuser without a staff profile) reads any center's, starting at the first root.
"""

from departments.models import Center, Department, Role
from departments.permissions import department_of, role_of
from departments.scope import center_of, sees_whole_tree


def home_center(user) -> Center | None:
    """The center whose report a user sees first: their own; the operator, the first root of the tree."""
    if sees_whole_tree(user):
        return Center.objects.filter(parent__isnull=True).order_by("code").first()
    return center_of(user)


def may_read_center(user, center: Center) -> bool:
    """Whether ``user`` may read the reports of ``center``: their own center or one under it."""
    if sees_whole_tree(user):
        return True
    home = center_of(user)
    return home is not None and center.is_within(home)


def may_read_department(user, department: Department) -> bool:
    """Whether ``user`` may read ``department``'s report: its own liaison, or the report roles above it."""
    if role_of(user) == Role.LIAISON:
        own = department_of(user)
        return own is not None and own.pk == department.pk
    return may_read_center(user, department.center)
