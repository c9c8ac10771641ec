"""Webhook events of supervision: what subscribers learn of an order, and a batch emitter for the sweep.

Event names are :class:`integrations.events.WebhookEvent` members (the one vocabulary); the
names below are that vocabulary's members under the names the supervision services use.
:class:`WebhookBatch` emits many events with a constant number of queries
(:class:`integrations.services.WebhookBatch`), each numbered in its case's series.
"""

from integrations.events import WebhookEvent, case_sequence_key
from integrations.services import WebhookBatch as _Batch

ORDER_ISSUED = WebhookEvent.ORDER_ISSUED
ORDER_RAISED = WebhookEvent.ORDER_RAISED
ORDER_RESPONDED = WebhookEvent.ORDER_RESPONDED
ORDER_VERIFIED = WebhookEvent.ORDER_VERIFIED
ORDER_REJECTED = WebhookEvent.ORDER_REJECTED
EVALUATION_RECORDED = WebhookEvent.EVALUATION_RECORDED
CASE_TRANSITION = WebhookEvent.CASE_TRANSITION


class WebhookBatch(_Batch):
    """The active subscriptions, read once; events about cases, numbered in each case's series."""

    def emit(self, event_type: str, events: list[tuple[str, dict]]) -> int:
        """Queue ``(event_id, payload)`` pairs, in event order, for every subscriber of ``event_type``.

        Every payload names its case (``payload["case"]``), whose series numbers it.
        """
        return super().emit(
            event_type,
            [(event_id, payload, case_sequence_key(payload["case"])) for event_id, payload in events],
        )


def order_payload(order) -> dict:
    """Return what subscribers learn of an order: no names, no phone numbers; no department for the center's own."""
    department_slug = order.department.slug if order.department_id is not None else None
    return payload(
        number=order.number, case_code=order.case.code, department_slug=department_slug, reason=order.reason,
        level=order.level, status=order.status, stage=order.stage, deadline=order.deadline,
        respond_by=order.respond_by, issued_at=order.issued_at, by_system=order.issued_by_id is None,
    )  # fmt: skip


def order_action_payload(order, event) -> dict:
    """Return what subscribers learn of an answer, a verification or a sending back: no texts, no names."""
    return {
        **order_payload(order),
        "action": event.action,
        "from_status": event.from_status,
        "acted_at": event.created_at.isoformat(),
        "rejection_count": order.rejection_count,
    }


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
