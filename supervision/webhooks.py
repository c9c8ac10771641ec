"""Webhook events for many orders at once, with a constant number of queries.

:func:`integrations.services.webhook_emit` handles one event (a query or three each); a sweep
that issues a thousand orders emits them here instead: the subscriptions are read once, the
deliveries written in one INSERT, and each delivery is queued after commit, as webhook_emit
does. (A ``webhook_emit_many`` in integrations.services would be the natural home for this.)
"""

from common.tasks import enqueue_on_commit
from integrations.models import WebhookDelivery, WebhookSubscription

ORDER_ISSUED = "supervision_order.issued"
ORDER_RAISED = "supervision_order.raised"
EVALUATION_RECORDED = "evaluation.recorded"
CASE_TRANSITION = "case.transition"


class WebhookBatch:
    """The active subscriptions, read once, and a way to emit many events to them."""

    def __init__(self):
        self.subscriptions = list(
            WebhookSubscription.objects.filter(is_active=True).only("id", "event_types")
        )

    def emit(self, event_type: str, events: list[tuple[str, dict]]) -> int:
        """Queue ``(event_id, payload)`` pairs for every subscriber of ``event_type``."""
        from integrations.tasks import webhook_deliver

        subscribers = [s for s in self.subscriptions if event_type in (s.event_types or [])]
        if not subscribers or not events:
            return 0
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(subscription=s, event_type=event_type, event_id=event_id, payload=payload)
                for s in subscribers
                for event_id, payload in events
            ],
            ignore_conflicts=True,
        )
        ids = list(
            WebhookDelivery.objects.filter(
                event_id__in=[event_id for event_id, _payload in events], subscription__in=subscribers
            ).values_list("id", flat=True)
        )
        for delivery_id in ids:
            enqueue_on_commit(webhook_deliver, delivery_id)
        return len(ids)


def order_payload(order) -> dict:
    """Return what subscribers learn of an order: no names, no phone numbers."""
    return payload(
        number=order.number, case_code=order.case.code, department_slug=order.department.slug, reason=order.reason,
        level=order.level, status=order.status, stage=order.stage, deadline=order.deadline,
        respond_by=order.respond_by, issued_at=order.issued_at, by_system=order.issued_by_id is None,
    )  # fmt: skip


def payload(
    *,
    number,
    case_code,
    department_slug,
    reason,
    level,
    status,
    stage,
    deadline,
    respond_by,
    issued_at,
    by_system,
) -> dict:
    return {
        "number": number,
        "case": case_code,
        "department": department_slug,
        "reason": reason,
        "level": level,
        "status": status,
        "stage": stage or None,
        "deadline": deadline.isoformat() if deadline else None,
        "respond_by": respond_by.isoformat(),
        "issued_at": issued_at.isoformat(),
        "issued_by_system": by_system,
    }
