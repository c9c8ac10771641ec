"""Webhook emission: record a delivery per subscriber in the caller's transaction, send after commit."""

from django.db import transaction

from common.tasks import enqueue_on_commit

from .models import WebhookDelivery, WebhookSubscription


def webhook_emit(*, event_type: str, event_id: str, payload: dict) -> int:
    """Queue ``payload`` for every active subscriber of ``event_type``; return how many.

    Called inside the transaction that changes the data, so a rolled-back action delivers
    nothing; the HTTP work happens in Celery tasks queued on commit, never in the request.
    """
    from .tasks import webhook_deliver

    subscribers = [
        s
        for s in WebhookSubscription.objects.filter(is_active=True).only("id", "event_types")
        if event_type in (s.event_types or [])
    ]
    if not subscribers:
        return 0
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=s, event_type=event_type, event_id=event_id, payload=payload)
            for s in subscribers
        ],
        ignore_conflicts=True,
    )
    ids = list(
        WebhookDelivery.objects.filter(event_id=event_id, subscription__in=subscribers).values_list(
            "id", flat=True
        )
    )
    for delivery_id in ids:
        enqueue_on_commit(webhook_deliver, delivery_id)
    return len(deliveries)


@transaction.atomic
def webhook_delivery_retry(*, delivery: WebhookDelivery) -> bool:
    """Send a failed or pending delivery again now, with a fresh retry budget; False if it was delivered."""
    import datetime as dt

    from django.utils import timezone

    from .delivery import retry_budget_seconds
    from .tasks import webhook_deliver

    if delivery.status == WebhookDelivery.Status.DELIVERED:
        return False
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at=None,
        retry_until=timezone.now() + dt.timedelta(seconds=retry_budget_seconds()),
    )
    enqueue_on_commit(webhook_deliver, delivery.pk)
    return True
