"""Webhook delivery tasks: thin wrappers around integrations.delivery.

A failed attempt records when the next one is due. With a broker, the task schedules that
attempt itself (``apply_async`` with a countdown). Run eagerly (no broker), it never recurses:
the retry waits for :func:`webhook_retry_due`, the periodic sweep (every minute, scheduled by
migration 0003) that also picks up deliveries whose message was lost.
"""

from celery import shared_task


@shared_task(bind=True, acks_late=True, ignore_result=True)
def webhook_deliver(self, delivery_id: int) -> str:
    """Make one attempt at a delivery and schedule the next one if it failed."""
    from .delivery import deliver_once

    outcome, retry_in = deliver_once(delivery_id)
    if retry_in is not None and not self.request.is_eager:
        webhook_deliver.apply_async((delivery_id,), countdown=retry_in)
    return outcome


@shared_task(ignore_result=True)
def webhook_retry_due() -> int:
    """Queue every pending delivery whose next attempt is due; return how many."""
    from .delivery import due_delivery_ids

    ids = due_delivery_ids()
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)


@shared_task(ignore_result=True)
def idempotency_purge(days: int = 7) -> int:
    """Forget Idempotency-Key answers older than ``days``: clients retry within minutes, not weeks."""
    import datetime as dt

    from django.utils import timezone

    from .models import IdempotencyRecord

    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - dt.timedelta(days=days)
    ).delete()
    return deleted
