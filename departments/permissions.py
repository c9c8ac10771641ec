"""Who is who: a user's role and department, and the checks every service makes."""

from django.utils.translation import gettext_lazy as _

from common.exceptions import ActionForbidden

from .models import Department, Role


def role_of(user) -> str | None:
    """Return the user's role, or None for users without a staff profile."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "staff_profile", None) if _has_profile(user) else None
    if profile is not None:
        return profile.role
    if user.is_superuser:
        return Role.ADMIN
    return None


def _has_profile(user) -> bool:
    try:
        user.staff_profile  # noqa: B018
    except Exception:  # RelatedObjectDoesNotExist
        return False
    return True


def department_of(user) -> Department | None:
    """Return the department a liaison belongs to."""
    if not _has_profile(user):
        return None
    return user.staff_profile.department


def has_role(user, *roles: str) -> bool:
    return role_of(user) in roles


def require_role(user, *roles: str) -> None:
    """Raise ActionForbidden unless the user holds one of ``roles``."""
    if not has_role(user, *roles):
        names = "、".join(str(Role(r).label) for r in roles)
        raise ActionForbidden(_("此操作仅限%(roles)s。") % {"roles": names})


def require_liaison_of(user, department: Department | None) -> None:
    """Raise ActionForbidden unless the user is a liaison of ``department``."""
    require_role(user, Role.LIAISON)
    if department is None or department_of(user) != department:
        raise ActionForbidden(_("此操作仅限牵头单位的联络员。"))


def role_required(*roles: str):
    """Decorate a view: log-in required (redirect), and one of ``roles`` (else 403)."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
