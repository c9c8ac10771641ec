"""Corrections an administrator makes to a case's description in the admin, logged like a transition."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.exceptions import ActionForbidden

from ..models import Case
from .base import _log

# What describes the matter; everything else on a case is set by a transition.
ADMIN_EDITABLE_FIELDS = ("title", "description", "category", "source", "location", "requested_services")


def _shown(value):
    """Return a value as the event's data stores it (JSON: text, or the names of related rows)."""
    if isinstance(value, list | tuple):
        return sorted(str(item) for item in value)
    return "" if value is None else str(value)


@transaction.atomic
def case_admin_edit(*, case: Case, actor, changes: dict) -> Case:
    """Correct descriptive fields of a case; log the old and new values as an "admin_edit" event.

    Only the changed columns are written, under the row lock, so a transition committed
    meanwhile is never undone. Nothing changed, nothing logged.
    """
    if not (getattr(actor, "is_authenticated", False) and actor.is_staff):
        raise ActionForbidden(_("只有系统管理员可以在后台更正案件信息。"))
    unknown = sorted(set(changes) - set(ADMIN_EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: _("该字段只能通过办理流程修改。") for name in unknown})
    locked = Case.objects.select_for_update(of=("self",)).select_related("lead_department").get(pk=case.pk)
    diff, columns, relations = {}, [], {}
    for name, value in changes.items():
        if Case._meta.get_field(name).many_to_many:
            old, new = list(getattr(locked, name).all()), list(value)
            if {o.pk for o in old} != {n.pk for n in new}:
                diff[name] = {"old": _shown(old), "new": _shown(new)}
                relations[name] = new
        elif getattr(locked, name) != value:
            diff[name] = {"old": _shown(getattr(locked, name)), "new": _shown(value)}
            setattr(locked, name, value)
            columns.append(name)
    if not diff:
        return locked
    locked.clean_fields(exclude=[f.name for f in Case._meta.concrete_fields if f.name not in columns])
    for name, value in relations.items():
        getattr(locked, name).set(value)
    locked.version += 1
    locked._history_user = actor  # the history row names the administrator, with or without a request
    locked.save(update_fields=[*columns, "version", "updated_at"])
    _log(
        locked,
        actor,
        "admin_edit",
        locked.state,
        locked.state,
        reason=str(_("后台更正：%(fields)s")) % {"fields": "、".join(str(_label(name)) for name in diff)},
        data={"fields": diff},
    )
    return locked


def _label(name: str) -> str:
    return Case._meta.get_field(name).verbose_name
