"""The integrations admin: subscriptions are edited; deliveries and attempts are only looked at."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from integrations.models import IdempotencyRecord, WebhookAttempt, WebhookDelivery, WebhookSubscription


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.cn", "zongzhi-test"))
    return client


@pytest.fixture
def delivery(db):
    subscription = WebhookSubscription.objects.create(
        name="热线平台", url="https://hotline.example.cn/hook", event_types=["case.created"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_type="case.created",
        event_id="case-event-1",
        payload={"case": "x"},
        status="failed",
        attempts=1,
    )
    WebhookAttempt.objects.create(delivery=delivery, status_code=500, duration_ms=12, error="HTTP 500")
    return delivery


def test_subscriptions_are_created_with_event_checkboxes(admin_client):
    url = reverse("admin:integrations_webhooksubscription_add")
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'type="checkbox"' in page.content.decode() and "case.created" in page.content.decode()
    response = admin_client.post(
        url,
        {
            "name": "省平台",
            "url": "https://province.example.cn/hook",
            "secret": "s3cret",
            "event_types": ["case.created", "case.transition"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = WebhookSubscription.objects.get(name="省平台")
    assert subscription.event_types == ["case.created", "case.transition"]


def test_deliveries_and_attempts_are_read_only(admin_client, delivery):
    changelist = admin_client.get(reverse("admin:integrations_webhookdelivery_changelist"))
    assert changelist.status_code == 200
    page = admin_client.get(reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "HTTP 500" in html and 'name="_save"' not in html
    assert admin_client.get(reverse("admin:integrations_webhookdelivery_add")).status_code == 403
    assert admin_client.get(reverse("admin:integrations_webhookattempt_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:integrations_idempotencyrecord_changelist")).status_code == 200
    assert (
        admin_client.post(
            reverse("admin:integrations_webhookdelivery_delete", args=[delivery.pk])
        ).status_code
        == 403
    )


def test_retry_action_requeues_a_failed_delivery(
    admin_client, delivery, monkeypatch, django_capture_on_commit_callbacks
):
    from integrations import tasks

    queued = []
    monkeypatch.setattr(tasks.webhook_deliver, "delay", lambda pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:integrations_webhookdelivery_changelist"),
            {"action": "retry_now", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending" and queued == [delivery.pk]
    assert IdempotencyRecord.objects.count() == 0
