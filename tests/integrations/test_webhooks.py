"""Webhooks against a real HTTP receiver on 127.0.0.1: signed, retried with backoff, never for rolled-back work."""

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from cases.services import case_start_assessment
from integrations import delivery as delivery_module
from integrations.delivery import deliver_once
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from integrations.tasks import idempotency_purge, webhook_deliver, webhook_retry_due

SECRET = "test-secret-不要外传"


class Receiver:
    """A subscriber: records each request; answers with the next queued status (200 when none are left)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/zongzhi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def subscription(db, receiver):
    return WebhookSubscription.objects.create(
        name="网格化管理平台",
        url=receiver.url,
        secret=SECRET,
        event_types=["case.created", "case.transition"],
    )


def verify(request: dict, secret: str = SECRET) -> bool:
    """What a subscriber does: recompute the signature over "<timestamp>.<raw body>"."""
    timestamp = request["headers"]["X-Zongzhi-Timestamp"]
    expected = (
        "sha256="
        + hmac.new(secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(expected, request["headers"]["X-Zongzhi-Signature"])


def test_created_case_is_delivered_signed(
    new_case, subscription, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert verify(request)
    assert not verify(request, secret="wrong")
    assert abs(int(request["headers"]["X-Zongzhi-Timestamp"]) - time.time()) < 60
    assert request["headers"]["X-Zongzhi-Event"] == "case.created"
    assert request["headers"]["Content-Type"].startswith("application/json")
    body = json.loads(request["body"])
    assert body["type"] == "case.created"
    assert body["data"]["case"] == case.code and body["data"]["to_state"] == "received"
    assert "13812345678" not in request["body"].decode()  # no personal data in events

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (200, "")
    assert attempt.duration_ms >= 0
    assert request["headers"]["X-Zongzhi-Delivery"] == str(delivery.pk)


def test_a_500_is_retried_after_the_backoff_without_recursing_in_eager_mode(
    new_case, subscription, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            new_case()
        # Eager mode: one attempt, the retry only scheduled.
        assert len(receiver.requests) == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.PENDING
        assert (delivery.attempts, delivery.last_status_code) == (1, 500)
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=30)
        assert webhook_retry_due() == 0  # not due yet

    with time_machine.travel(start + dt.timedelta(seconds=31), tick=False):
        assert webhook_retry_due() == 1

    assert len(receiver.requests) == 2
    assert all(verify(r) for r in receiver.requests)
    first, second = (json.loads(r["body"]) for r in receiver.requests)
    assert first == second  # the same event, byte for byte apart from the signature's timestamp
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 2
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [500, 200]
    assert delivery.attempt_log.first().error == "HTTP 500"


def test_with_a_broker_the_task_schedules_its_own_retry(subscription, receiver, new_case, monkeypatch):
    new_case()  # the on-commit task never runs here: the test transaction does not commit
    delivery = WebhookDelivery.objects.get()
    receiver.statuses = [503]
    scheduled = []
    monkeypatch.setattr(
        webhook_deliver, "apply_async", lambda args, countdown: scheduled.append((args, countdown))
    )

    assert webhook_deliver.run(delivery.pk) == "retry"  # run() is how a worker calls it: not eager

    assert scheduled == [((delivery.pk,), 30)]


def test_backoff_doubles_and_is_capped():
    assert [delivery_module.backoff_seconds(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]


def test_retries_stop_after_the_budget(subscription, receiver, new_case):
    new_case()
    delivery = WebhookDelivery.objects.get()
    receiver.statuses = [500] * 20
    start = delivery.created_at
    outcomes = []
    now = start
    for _ in range(20):
        with time_machine.travel(now, tick=False):
            outcome, retry_in = deliver_once(delivery.pk)
        outcomes.append(outcome)
        if retry_in is None:
            break
        now += dt.timedelta(seconds=retry_in)
    delivery.refresh_from_db()
    assert outcomes[-1] == "failed" and set(outcomes[:-1]) == {"retry"}
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.next_attempt_at is None
    # 30 s doubling to 15 min: the attempts fit in the hour, the last one gives up.
    assert delivery.attempts == len(outcomes) == 8
    assert now - start <= dt.timedelta(hours=1)
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 8
    assert deliver_once(delivery.pk) == ("skipped", None)


def test_no_delivery_for_a_rolled_back_transition(
    new_case, coordinator, subscription, receiver, django_capture_on_commit_callbacks
):
    case = new_case()
    WebhookDelivery.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        case_start_assessment(case=case, actor=coordinator)
        raise RuntimeError("something after the transition failed")
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


def test_no_delivery_when_the_api_refuses_the_transition(
    new_case, coordinator, subscription, receiver, django_capture_on_commit_callbacks
):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    case = new_case()
    WebhookDelivery.objects.all().delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=coordinator).key}")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/cases/{case.code}/transitions/close/", {}, format="json")
    assert response.status_code == 409
    assert not WebhookDelivery.objects.exists() and receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/cases/{case.code}/transitions/start_assessment/", {}, format="json")
    assert response.status_code == 200
    assert [json.loads(r["body"])["data"]["transition"] for r in receiver.requests] == ["start_assessment"]


def test_only_subscribed_event_types_are_delivered(
    new_case, coordinator, receiver, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(name="只要受理", url=receiver.url, event_types=["case.created"])
    WebhookSubscription.objects.create(
        name="停用", url=receiver.url, event_types=["case.created"], is_active=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case()
        case_start_assessment(case=case, actor=coordinator)
    assert [r["headers"]["X-Zongzhi-Event"] for r in receiver.requests] == ["case.created"]


def test_a_dead_subscriber_is_recorded_and_retried(subscription, new_case, receiver):
    new_case()
    receiver.close()  # nobody listens on that port any more
    delivery = WebhookDelivery.objects.get()
    outcome, retry_in = deliver_once(delivery.pk)
    assert (outcome, retry_in) == ("retry", 30)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "refused" in attempt.error.lower() or "connection" in attempt.error.lower(), attempt.error


def test_a_slow_subscriber_times_out(subscription, new_case, receiver, settings):
    settings.ZONGZHI_WEBHOOK_TIMEOUT = 0.3
    receiver.delay = 2
    new_case()
    delivery = WebhookDelivery.objects.get()
    started = time.monotonic()
    outcome, _retry = deliver_once(delivery.pk)
    assert outcome == "retry"
    assert time.monotonic() - started < 1.5
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "timed out" in attempt.error
    assert 250 <= attempt.duration_ms < 1500


def test_redirects_are_not_followed(subscription, new_case, receiver):
    receiver.statuses = [302]
    new_case()
    outcome, _retry = deliver_once(WebhookDelivery.objects.get().pk)
    assert outcome == "retry"
    assert len(receiver.requests) == 1
    assert WebhookAttempt.objects.get().status_code == 302


def test_delivering_twice_sends_once(subscription, new_case, receiver):
    new_case()
    delivery = WebhookDelivery.objects.get()
    assert deliver_once(delivery.pk) == ("delivered", None)
    assert deliver_once(delivery.pk) == ("skipped", None)
    assert len(receiver.requests) == 1


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(subscription, new_case, receiver):
    new_case()
    delivery = WebhookDelivery.objects.get()
    assert delivery_module._claim(delivery.pk, timezone.now())
    assert deliver_once(delivery.pk) == ("skipped", None)
    assert receiver.requests == []


def test_a_disabled_subscription_fails_its_pending_deliveries(subscription, new_case, receiver):
    new_case()
    subscription.is_active = False
    subscription.save()
    assert deliver_once(WebhookDelivery.objects.get().pk) == ("failed", None)
    assert receiver.requests == []


def test_manual_retry_gives_a_failed_delivery_a_new_budget(
    subscription, new_case, receiver, django_capture_on_commit_callbacks
):
    from integrations.services import webhook_delivery_retry

    new_case()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED, created_at=timezone.now() - dt.timedelta(days=1)
    )
    delivery.refresh_from_db()
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_delivery_retry(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING  # failed once more, but within the new hour
    assert delivery.retry_until > timezone.now() + dt.timedelta(minutes=59)
    assert len(receiver.requests) == 1


def test_old_idempotency_records_are_purged(db, reception):
    from integrations.models import IdempotencyRecord

    old = IdempotencyRecord.objects.create(
        user=reception,
        key="a",
        method="POST",
        path="/",
        request_hash="x",
        response_status=201,
        response_body={},
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    IdempotencyRecord.objects.create(
        user=reception,
        key="b",
        method="POST",
        path="/",
        request_hash="x",
        response_status=201,
        response_body={},
    )
    assert idempotency_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["b"]


def test_the_retry_sweep_and_the_purge_are_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert tasks["integrations.tasks.webhook_retry_due"] is True
    assert tasks["integrations.tasks.idempotency_purge"] is True
