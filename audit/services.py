"""Writes of the access log: one function everyone calls, and the operator's purge past retention."""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .context import client_address, current_request
from .models import AccessLogEntry


def _clip(value, length: int) -> str:
    return str(value or "")[:length]


def access_log_record(
    *,
    action: str,
    actor=None,
    request=None,
    case_code: str = "",
    target_user=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    reason: str = "",
    details: dict | None = None,
) -> AccessLogEntry:
    """Append one row to the access log: who (``actor`` or the request's user), what, on which object, why.

    ``obj`` (any model instance) fills the object's type, id and text unless they are given;
    pass ``object_repr`` yourself where ``str(obj)`` would show personal data in full.
    """
    request = request if request is not None else current_request()
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    return AccessLogEntry.objects.create(
        actor=actor,
        actor_name=_clip(actor.get_username() if actor is not None else "", 150),
        action=action,
        case_code=_clip(case_code, 32),
        target_user=target_user if getattr(target_user, "pk", None) else None,
        object_type=_clip(object_type, 40),
        object_id=_clip(object_id, 64),
        object_repr=_clip(object_repr, 200),
        reason=_clip(reason, 200),
        client_address=client_address(request),
        details=details or {},
    )


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Return the moment before which rows are past ``ZONGZHI_AUDIT_RETENTION_DAYS``."""
    now = now or timezone.now()
    return now - dt.timedelta(days=settings.ZONGZHI_AUDIT_RETENTION_DAYS)


@transaction.atomic
def access_log_purge(*, before: dt.datetime, now: dt.datetime | None = None) -> int:
    """Delete the rows older than ``before``, never younger than the retention period; return how many.

    Only the operator's ``audit_purge`` command calls this: nothing deletes rows automatically.
    """
    if before > retention_cutoff(now):
        raise ValueError("refusing to delete access log rows younger than ZONGZHI_AUDIT_RETENTION_DAYS")
    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The append-only trigger lets exactly these rows go, for this transaction only.
            cursor.execute("SELECT set_config('zongzhi.audit_purge_before', %s, true)", [before.isoformat()])
        cursor.execute(f"DELETE FROM {table} WHERE created_at < %s", [before])
        return cursor.rowcount
