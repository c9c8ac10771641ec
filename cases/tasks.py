"""Celery tasks of the cases app: thin, idempotent, loading by id."""

from celery import shared_task


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    default_retry_delay=30,
    retry_backoff=True,
    autoretry_for=(ConnectionError, TimeoutError, OSError),
)
def notify_case_event(self, event_id: int) -> int:
    """Tell the staff concerned about one case event."""
    from .models import CaseEvent
    from .notifications import send_event_mail

    event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
    if event is None:  # the transaction that wrote it was rolled back after all
        return 0
    return send_event_mail(event)
