"""Celery tasks of the cases app: thin, idempotent, loading by id."""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=600,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
)
def notify_case_event(self, event_id: int) -> dict:
    """Tell the staff and the parties concerned about one case event."""
    from .models import CaseEvent
    from .notifications import notify_parties, notify_staff

    event = CaseEvent.objects.select_related("case", "case__lead_department").filter(pk=event_id).first()
    if event is None:  # the transaction that wrote it was rolled back after all
        return {"staff": 0, "parties": 0}
    return {"staff": notify_staff(event), "parties": notify_parties(event)}


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    retry_backoff=True,
    retry_backoff_max=600,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
)
def notify_case_events(self, event_ids: list[int]) -> dict:
    """Tell the staff and parties concerned about many case events (a set-based transition's)."""
    from common.outbox import Incomplete

    from .models import CaseEvent
    from .notifications import notify_parties, notify_staff

    staff = parties = 0
    refused = []
    for event in (
        CaseEvent.objects.select_related("case", "case__lead_department")
        .filter(pk__in=event_ids)
        .order_by("pk")
    ):
        staff += notify_staff(event)
        try:
            parties += notify_parties(event)
        except Incomplete as exc:  # tell the other events' parties first; then retry this one
            refused.append(f"{event.pk}: {exc}")
    if refused:
        raise Incomplete("; ".join(refused))
    return {"staff": staff, "parties": parties}


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError, TimeoutError),
    max_retries=3,
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
)
def mail_notifications(self, notification_ids: list[int]) -> int:
    """E-mail inbox notifications to their users (case events, reminders, orders, callback rounds)."""
    from .notifications import send_notification_mail

    return send_notification_mail(notification_ids)


@shared_task(acks_late=True)
def clear_expired_sessions() -> None:
    """Delete expired sessions (every verified party on the tracking page leaves one)."""
    from django.core.management import call_command

    call_command("clearsessions")
