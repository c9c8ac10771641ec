"""Webhook emission: record a delivery per subscriber in the caller's transaction, send after commit."""

from collections import Counter

from django.db import connection, transaction

from common.tasks import publish_on_commit

from .events import WebhookEvent
from .models import WebhookDelivery, WebhookSequence, WebhookSubscription


class WebhookBatch:
    """The active subscriptions, read once, and a way to emit many events to them.

    A sweep that issues a thousand orders emits them here with a constant number of queries:
    the subscriptions are read once, each batch's deliveries are written in one INSERT and
    numbered in one upsert, and each delivery is queued after commit, in event order.
    """

    def __init__(self):
        self.subscriptions = list(
            WebhookSubscription.objects.filter(is_active=True).only("id", "event_types").order_by("id")
        )

    def emit(self, event_type: str, events: list[tuple[str, dict, str | None]]) -> int:
        """Queue ``(event_id, payload, sequence_key)`` triples, in event order; return how many deliveries.

        Each event with a ``sequence_key`` gets the next number of that series as
        ``payload["sequence"]``, assigned in the caller's transaction (the series' row stays
        locked until commit, so numbers follow commit order and a rollback gives them back).
        """
        from .tasks import webhook_deliver

        if event_type not in WebhookEvent.values:
            raise ValueError(f"unknown webhook event {event_type!r}")
        subscribers = [s for s in self.subscriptions if event_type in (s.event_types or [])]
        if not subscribers or not events:
            return 0
        numbers = iter(allocate_sequence_numbers([key for _id, _payload, key in events if key]))
        numbered = [
            (event_id, {**payload, "sequence": next(numbers)} if key else dict(payload))
            for event_id, payload, key in events
        ]
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(subscription=s, event_type=event_type, event_id=event_id, payload=payload)
                for event_id, payload in numbered
                for s in subscribers
            ],
            ignore_conflicts=True,
        )
        # Explicitly in event order (the model's default ordering is newest first, for the admin).
        ids = list(
            WebhookDelivery.objects.filter(
                event_id__in=[event_id for event_id, _payload in numbered], subscription__in=subscribers
            )
            .order_by("created_at", "id")
            .values_list("id", flat=True)
        )
        # The delivery rows are this app's own outbox: what a dead broker loses, the
        # webhook_retry_due sweep sends. So a plain publish, no common outbox row.
        for delivery_id in ids:
            publish_on_commit(webhook_deliver, delivery_id)
        return len(ids)


def webhook_emit(*, event_type: str, event_id: str, payload: dict, sequence_key: str | None = None) -> int:
    """Queue ``payload`` for every active subscriber of ``event_type``; return how many.

    Called inside the transaction that changes the data, so a rolled-back action delivers
    nothing; the HTTP work happens in Celery tasks queued on commit, never in the request.
    ``sequence_key`` (:func:`integrations.events.case_sequence_key`) numbers the event in its
    series: ``payload["sequence"]``.
    """
    return WebhookBatch().emit(event_type, [(event_id, payload, sequence_key)])


def allocate_sequence_numbers(keys: list[str]) -> list[int]:
    """Return the next number of each key's series, in order (a key may repeat), in one upsert.

    The series' rows stay locked until the caller's transaction ends, so concurrent emitters
    for one case queue behind each other and numbers rise in commit order. Keys are written in
    sorted order, so two emitters locking several series never wait for each other crosswise.
    """
    if not keys:
        return []
    counts = Counter(keys)
    ordered = sorted(counts)
    quote = connection.ops.quote_name
    table, key_column, last_column = (
        quote(WebhookSequence._meta.db_table),
        quote("key"),
        quote("last_number"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {last_column}) VALUES "
            + ", ".join(["(%s, %s)"] * len(ordered))
            + f" ON CONFLICT ({key_column}) DO UPDATE"
            f" SET {last_column} = {table}.{last_column} + excluded.{last_column}"
            f" RETURNING {key_column}, {last_column}",
            [value for key in ordered for value in (key, counts[key])],
        )
        last = dict(cursor.fetchall())
    next_number = {key: last[key] - counts[key] + 1 for key in ordered}
    numbers = []
    for key in keys:
        numbers.append(next_number[key])
        next_number[key] += 1
    return numbers


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
    publish_on_commit(webhook_deliver, delivery.pk)
    return True


# --- Subscriptions ------------------------------------------------------------------------------

SUBSCRIPTION_FIELDS = ("name", "url", "event_types", "is_active")


def _require_admin(actor) -> None:
    from departments.models import Role
    from departments.permissions import require_role

    require_role(actor, Role.ADMIN)


@transaction.atomic
def webhook_subscription_create(
    *, actor, name: str, url: str, event_types: list[str], is_active: bool = True
) -> WebhookSubscription:
    """Register a subscriber (administrators only); its secret is generated here and shown once."""
    _require_admin(actor)
    subscription = WebhookSubscription(name=name, url=url, event_types=list(event_types), is_active=is_active)
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, actor, **changes
) -> WebhookSubscription:
    """Change a subscriber's name, URL, events or whether it is active (administrators only)."""
    _require_admin(actor)
    unknown = set(changes) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    for field, value in changes.items():
        setattr(locked, field, list(value) if field == "event_types" else value)
    locked.full_clean()
    locked.save(update_fields=[*changes])
    return locked


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription, actor) -> None:
    """Remove a subscriber and its delivery log (administrators only); to pause it, deactivate it."""
    _require_admin(actor)
    WebhookSubscription.objects.filter(pk=subscription.pk).delete()
