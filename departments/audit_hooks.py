"""Access log rows for changes to roles, departments, deadline rules, the duty board and the calendar.

Hooked where every write passes, whatever wrote it (the admin, a service, a shell): the models
with history log from simple-history's ``post_create_historical_record`` (with its field diff);
staff profiles and accounts, which keep no history, from ``pre_save``/``post_save``/``post_delete``
and ``m2m_changed`` (groups, permissions). Bulk writes send no signal: their services log themselves.
"""

import datetime as dt
import decimal

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from simple_history.signals import post_create_historical_record

from audit.models import Action
from audit.services import access_log_record

from .models import CalendarDay, DeadlineRule, Department, DutyAssignment, StaffProfile

HISTORY_ACTIONS = {
    Department: Action.CHANGE_DEPARTMENT,
    DeadlineRule: Action.CHANGE_DEADLINE_RULE,
    DutyAssignment: Action.CHANGE_DUTY,
    CalendarDay: Action.CHANGE_CALENDAR,
}
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
STAFF_FIELDS = ("role", "center_id", "department_id", "display_name")
USER_FIELDS = ("username", "is_active", "is_staff", "is_superuser")


def _plain(value):
    """Return a value the JSON details can hold."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime | dt.time | decimal.Decimal):
        return str(value)
    return str(value)


def _history_logged(sender, instance, history_instance, history_user=None, **kwargs):
    action = HISTORY_ACTIONS.get(type(instance))
    if action is None:
        return
    operation = HISTORY_TYPES.get(history_instance.history_type, "changed")
    previous = history_instance.prev_record if operation == "changed" else None
    if previous is not None:
        delta = history_instance.diff_against(previous)
        changes = {c.field: {"old": _plain(c.old), "new": _plain(c.new)} for c in delta.changes}
        if not changes:
            return  # a save that changed nothing
    else:
        # Created, deleted, or changed with no earlier history row (rows loaded by a migration):
        # the values as they are now, the old ones unknown.
        changes = {
            f.attname: {"old": None, "new": _plain(getattr(instance, f.attname))}
            for f in instance._meta.concrete_fields
            if f.name not in ("id", "created_at", "updated_at")
        }
    access_log_record(
        action=action,
        actor=history_user,
        obj=instance,
        details={"operation": operation, "changes": changes},
    )


def _snapshot(instance, fields) -> dict:
    return {f: _plain(getattr(instance, f)) for f in fields}


def _watched(update_fields, fields) -> bool:
    if update_fields is None:
        return True
    names = {f.removesuffix("_id") for f in fields}
    return any(f.removesuffix("_id") in names for f in update_fields)


def _remember_old(fields):
    def receiver(sender, instance, update_fields=None, raw=False, **kwargs):
        instance._audit_old = None
        if raw or instance.pk is None or not _watched(update_fields, fields):
            return
        old = sender._default_manager.filter(pk=instance.pk).values(*fields).first()
        instance._audit_old = {f: _plain(v) for f, v in old.items()} if old else None

    return receiver


def _log_saved(action, fields, target):
    def receiver(sender, instance, created, update_fields=None, raw=False, **kwargs):
        if raw or not _watched(update_fields, fields):
            return
        new = _snapshot(instance, fields)
        old = getattr(instance, "_audit_old", None)
        if created or old is None:
            operation, changes = "created", {f: {"old": None, "new": v} for f, v in new.items()}
        else:
            operation = "changed"
            changes = {f: {"old": old[f], "new": new[f]} for f in fields if old.get(f) != new[f]}
            if not changes:
                return
        instance._audit_old = new
        access_log_record(
            action=action,
            target_user=target(instance),
            obj=instance,
            details={"operation": operation, "changes": changes},
        )

    return receiver


def _log_deleted(action, fields, target):
    def receiver(sender, instance, **kwargs):
        access_log_record(
            action=action,
            target_user=target(instance),
            obj=instance,
            details={
                "operation": "deleted",
                "changes": {f: {"old": v, "new": None} for f, v in _snapshot(instance, fields).items()},
            },
        )

    return receiver


def _log_m2m(field_name):
    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear") or reverse:
            return
        access_log_record(
            action=Action.CHANGE_USER,
            target_user=instance,
            obj=instance,
            details={
                "operation": action.removeprefix("post_"),
                "field": field_name,
                "ids": sorted(pk_set or []),
                "names": sorted(str(o) for o in model._default_manager.filter(pk__in=pk_set or [])),
            },
        )

    return receiver


def connect() -> None:
    """Connect the receivers (from ``DepartmentsConfig.ready``)."""
    User = get_user_model()
    post_create_historical_record.connect(_history_logged, dispatch_uid="audit_history_logged")

    staff_target = lambda profile: profile.user  # noqa: E731
    pre_save.connect(
        _remember_old(STAFF_FIELDS), sender=StaffProfile, weak=False, dispatch_uid="audit_staff_pre"
    )
    post_save.connect(
        _log_saved(Action.CHANGE_STAFF, STAFF_FIELDS, staff_target),
        sender=StaffProfile,
        weak=False,
        dispatch_uid="audit_staff_post",
    )
    post_delete.connect(
        _log_deleted(Action.CHANGE_STAFF, STAFF_FIELDS, staff_target),
        sender=StaffProfile,
        weak=False,
        dispatch_uid="audit_staff_delete",
    )

    user_target = lambda user: user  # noqa: E731
    pre_save.connect(_remember_old(USER_FIELDS), sender=User, weak=False, dispatch_uid="audit_user_pre")
    post_save.connect(
        _log_saved(Action.CHANGE_USER, USER_FIELDS, user_target),
        sender=User,
        weak=False,
        dispatch_uid="audit_user_post",
    )
    m2m_changed.connect(
        _log_m2m("groups"), sender=User.groups.through, weak=False, dispatch_uid="audit_user_groups"
    )
    m2m_changed.connect(
        _log_m2m("user_permissions"),
        sender=User.user_permissions.through,
        weak=False,
        dispatch_uid="audit_user_permissions",
    )
