"""Which centers a staff member works in and oversees: the one rule every page, API call, task and admin uses.

Every staff member belongs to one center. Whatever they do, they do at that center: reception,
coordinators, administrators and liaisons see and act on their own center's matters only.
Leaders and coordinators of a higher center (province, city, county) also see everything in
their center's subtree, **read-only plus supervision**; never another branch of the tree.
A superuser without a staff profile (the deployment's operator) sees the whole tree.
"""

from django.db.models import Q, QuerySet

from .models import Center, Role
from .permissions import role_of

# Who sees the centers below their own (read-only plus supervision).
OVERSEEING_ROLES = (Role.LEADER, Role.COORDINATOR)


def center_of(user) -> Center | None:
    """Return the center the user works at, or None (no staff profile)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        profile = user.staff_profile
    except Exception:  # RelatedObjectDoesNotExist
        return None
    return profile.center


def sees_whole_tree(user) -> bool:
    """Return whether the user is the deployment's operator: a superuser without a staff profile."""
    return bool(getattr(user, "is_superuser", False)) and center_of(user) is None


def oversees_subtree(user) -> bool:
    """Return whether the user sees the centers below their own (leaders and coordinators)."""
    return role_of(user) in OVERSEEING_ROLES


def subtree(center: Center) -> QuerySet[Center]:
    """Return ``center`` and every center under it (one indexed prefix match)."""
    return Center.objects.filter(path__startswith=center.path)


def subtree_q(center: Center, field: str = "center") -> Q:
    """Return a condition: ``field`` (a foreign key to Center) is ``center`` or a center under it."""
    return Q(**{f"{field}__in": subtree(center).values("pk")})


def visible_centers_q(user, field: str = "center") -> Q:
    """Return a condition on ``field`` (a Center key): the centers whose matters the user sees.

    Their own center; with a leader's or coordinator's role, also everything under it.
    """
    if sees_whole_tree(user):
        return Q()
    center = center_of(user)
    if center is None:
        return Q(pk__in=[])
    if oversees_subtree(user):
        return subtree_q(center, field)
    return Q(**{field: center.pk})


def own_center_q(user, field: str = "center") -> Q:
    """Return a condition on ``field`` (a Center key): the user's own center (the operator: every center).

    The work itself: a workbench, a queue, a tally, a desk or a department picker is the user's
    own center's, even for a leader or coordinator who oversees the centers below.
    """
    if sees_whole_tree(user):
        return Q()
    center = center_of(user)
    if center is None:
        return Q(pk__in=[])
    return Q(**{field: center.pk})


def visible_centers(user) -> QuerySet[Center]:
    """Return the centers whose matters the user sees (see :func:`visible_centers_q`)."""
    return Center.objects.filter(visible_centers_q(user, "pk"))


def works_at(user, center_id: int | None) -> bool:
    """Return whether the user works at the center ``center_id`` (the operator: anywhere)."""
    if sees_whole_tree(user):
        return True
    center = center_of(user)
    return center is not None and center_id is not None and center.pk == center_id


def oversees(user, center: Center | None) -> bool:
    """Return whether the user is a leader or coordinator of ``center`` or of a center above it."""
    if center is None:
        return False
    if sees_whole_tree(user):
        return True
    own = center_of(user)
    return own is not None and oversees_subtree(user) and center.is_within(own)


def has_centers_below(user) -> bool:
    """Return whether the user oversees centers below their own (no query: townships have none)."""
    from .models import Level

    if sees_whole_tree(user):
        return True
    center = center_of(user)
    return center is not None and oversees_subtree(user) and center.level != Level.TOWNSHIP


def child_centers(center: Center) -> QuerySet[Center]:
    """Return the centers directly under ``center``, in code order."""
    return Center.objects.filter(parent=center).order_by("code")
