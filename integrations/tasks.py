"""Webhook delivery: a thin task around integrations.delivery.deliver_once."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=8)
def webhook_deliver(self, delivery_id: int) -> str:
    """POST one delivery; retry with exponential backoff until it lands or the budget runs out."""
    from .delivery import deliver_once

    outcome, retry_in = deliver_once(delivery_id)
    if retry_in is not None and self.request.retries < self.max_retries:
        raise self.retry(countdown=retry_in)
    return outcome
