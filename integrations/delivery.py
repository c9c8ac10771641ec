"""Sending one webhook delivery: sign, POST with a short timeout, record the attempt, plan the retry.

The subscriber checks a delivery like this (Python)::

    signed = f"{headers['X-Zongzhi-Timestamp']}.".encode() + raw_body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, headers["X-Zongzhi-Signature"])

and refuses timestamps more than a few minutes old (a replayed request). Retries back off
exponentially (30 s, 1 min, 2 min, … capped at 15 min) until the delivery is an hour old; then it
is marked failed. Every attempt is kept with its response code, duration and error.
"""

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from .models import WebhookAttempt, WebhookDelivery

SIGNATURE_HEADER = "X-Zongzhi-Signature"
TIMESTAMP_HEADER = "X-Zongzhi-Timestamp"
EVENT_HEADER = "X-Zongzhi-Event"
DELIVERY_HEADER = "X-Zongzhi-Delivery"
USER_AGENT = "zongzhi-webhooks/1"

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 15 * 60
# A claimed delivery is not sent again by anyone else until the attempt must be over.
LEASE_SECONDS = 60
# A task woken by its countdown a moment early still counts the delivery as due.
DUE_TOLERANCE = dt.timedelta(seconds=5)


def timeout_seconds() -> float:
    return settings.ZONGZHI_WEBHOOK_TIMEOUT


def retry_budget_seconds() -> int:
    return settings.ZONGZHI_WEBHOOK_RETRY_BUDGET


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header value of ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff_seconds(attempt: int) -> int:
    """Return the wait after the ``attempt``-th failed attempt (1-based): 30 s doubling, capped at 15 min."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(0, attempt - 1), MAX_RETRY_SECONDS)


def body_of(delivery: WebhookDelivery) -> bytes:
    """Return the JSON body sent for a delivery: the same bytes on every attempt."""
    envelope = {
        "id": delivery.event_id,
        "type": delivery.event_type,
        "delivery": delivery.pk,
        "created_at": delivery.created_at,
        "data": delivery.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new address to post to: it counts as a failed attempt."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST and return (status code or None, error text)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout_seconds()) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:300]


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take the delivery for one attempt if it is pending and due; False if someone else has it."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + DUE_TOLERANCE)
    return bool(
        WebhookDelivery.objects.filter(due, pk=delivery_id, status=WebhookDelivery.Status.PENDING).update(
            next_attempt_at=now + dt.timedelta(seconds=LEASE_SECONDS + timeout_seconds())
        )
    )


def deliver_once(delivery_id: int) -> tuple[str, int | None]:
    """Make one attempt at a delivery; return (outcome, seconds until the next attempt or None).

    Outcomes: ``delivered``, ``retry`` (failed, try again in the seconds returned), ``failed``
    (failed and the hour is up), ``skipped`` (already settled, not due, or being sent by
    another worker). Safe to call twice: only a pending, due delivery is sent.
    """
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "skipped", None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.is_active:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        delivery.save(update_fields=["status", "next_attempt_at"])
        WebhookAttempt.objects.create(delivery=delivery, status_code=None, duration_ms=0, error="订阅已停用")
        return "failed", None

    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    status_code, error = _post(subscription.url, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    WebhookAttempt.objects.create(
        delivery=delivery, status_code=status_code, duration_ms=duration_ms, error="" if ok else error
    )

    attempts = delivery.attempts + 1
    finished = timezone.now()
    fields = {"attempts": attempts, "last_status_code": status_code}
    if ok:
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=finished, next_attempt_at=None)
        outcome, retry_in = "delivered", None
    else:
        wait = backoff_seconds(attempts)
        deadline = delivery.retry_until or delivery.created_at + dt.timedelta(seconds=retry_budget_seconds())
        if finished + dt.timedelta(seconds=wait) > deadline:
            fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
            outcome, retry_in = "failed", None
        else:
            fields.update(next_attempt_at=finished + dt.timedelta(seconds=wait))
            outcome, retry_in = "retry", wait
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return outcome, retry_in


def due_delivery_ids(*, now: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Return pending deliveries whose next attempt is due (lost messages and retries), oldest event first."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
