"""The admin's center scope: a staff administrator sees and edits only their own center's rows.

A superuser (the deployment's operator) sees every center. Everyone else with admin access sees
the rows whose center (``center_field``, a path to a Center key) is their own center, chooses
only their own center in a form, and gets nothing if they have no staff profile. The rule itself
is departments.scope's: this only applies it to querysets and choices.
"""

from .models import Center
from .scope import center_of


def admin_sees_every_center(user) -> bool:
    """Return whether an admin user sees every center's rows (superusers)."""
    return bool(getattr(user, "is_superuser", False))


def admin_center_q(user, field: str):
    """Return a condition: ``field`` is the center the admin user works at (every center for superusers)."""
    from django.db.models import Q

    if admin_sees_every_center(user):
        return Q()
    center = center_of(user)
    if center is None:
        return Q(pk__in=[])
    return Q(**{field: center.pk})


class CenterScopedAdminMixin:
    """Limit a ModelAdmin's rows (and its Center choices) to the staff administrator's center.

    ``center_field``: the lookup from the model to its Center ("center", "case__center", …);
    ``None`` for Center itself, whose own row is matched by pk.
    """

    center_field: str | None = "center"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.filter(admin_center_q(request.user, self.center_field or "pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Center and not admin_sees_every_center(request.user):
            center = center_of(request.user)
            kwargs["queryset"] = Center.objects.filter(pk=center.pk if center else None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
