"""Webhook subscriptions over the API: administrators only, the secret shown once, one vocabulary."""

import pytest

from integrations.models import WebhookDelivery, WebhookSubscription

URL = "/api/v1/webhooks/subscriptions/"
BODY = {
    "name": "网格化管理平台",
    "url": "https://grid.example.cn/hooks/zongzhi",
    "event_types": ["case.created", "supervision_order.responded"],
}


def test_an_administrator_registers_a_subscription_and_sees_its_secret_once(api):
    response = api.admin.post(URL, BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"] == subscription.secret and len(subscription.secret) >= 32
    assert (body["name"], body["url"], body["event_types"], body["is_active"]) == (
        BODY["name"],
        BODY["url"],
        BODY["event_types"],
        True,
    )
    assert subscription.event_types == BODY["event_types"]

    listed = api.admin.get(URL).json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]
    detail = api.admin.get(f"{URL}{subscription.pk}/").json()
    assert detail["id"] == subscription.pk and "secret" not in detail


def test_an_administrator_changes_and_removes_a_subscription(api):
    subscription = WebhookSubscription.objects.create(
        name="热线", url="https://hotline.example.cn/hook", event_types=["case.created"]
    )
    secret = subscription.secret
    response = api.admin.patch(
        f"{URL}{subscription.pk}/",
        {"event_types": ["case.transition", "evaluation.recorded"], "is_active": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    subscription.refresh_from_db()
    assert subscription.event_types == ["case.transition", "evaluation.recorded"]
    assert subscription.is_active is False and subscription.name == "热线" and subscription.secret == secret
    assert "secret" not in response.json()

    WebhookDelivery.objects.create(
        subscription=subscription, event_type="case.transition", event_id="e-1", payload={}
    )
    assert api.admin.delete(f"{URL}{subscription.pk}/").status_code == 204
    assert not WebhookSubscription.objects.exists() and not WebhookDelivery.objects.exists()
    assert api.admin.get(f"{URL}{subscription.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["reception", "coordinator", "leader", "liaison"])
def test_only_administrators_manage_subscriptions(api, role):
    subscription = WebhookSubscription.objects.create(
        name="热线", url="https://hotline.example.cn/hook", event_types=["case.created"]
    )
    client = getattr(api, role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, BODY, format="json").status_code == 403
    assert client.get(f"{URL}{subscription.pk}/").status_code == 403
    assert client.patch(f"{URL}{subscription.pk}/", {"is_active": False}, format="json").status_code == 403
    assert client.delete(f"{URL}{subscription.pk}/").status_code == 403
    assert api.anon.get(URL).status_code == 401
    subscription.refresh_from_db()
    assert subscription.is_active and WebhookSubscription.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event_types": ["case.closed"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["case.created", "case.created"]}, "event_types"),
        ({"event_types": "case.created"}, "event_types"),
        ({"url": "ftp://grid.example.cn/hook"}, "url"),
        ({"url": "grid.example.cn"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"name": ""}, "name"),
    ],
)
def test_urls_and_event_names_are_validated(api, changes, field):
    response = api.admin.post(URL, BODY | changes, format="json")
    assert response.status_code == 400
    assert any(name.startswith(field) for name in response.json()["error"]["fields"])
    assert not WebhookSubscription.objects.exists()


def test_a_missing_subscription_is_404(api):
    assert api.admin.get(f"{URL}999999/").status_code == 404
    assert api.admin.patch(f"{URL}0/", {"is_active": False}, format="json").status_code == 404
    assert api.admin.delete(f"{URL}{2**63}/").status_code == 404


def test_the_schema_lists_the_vocabulary_as_an_enum(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = schema["paths"]["/api/v1/webhooks/subscriptions/"]
    assert {"get", "post"} <= set(operations)
    assert {"get", "patch", "delete"} <= set(schema["paths"]["/api/v1/webhooks/subscriptions/{id}/"])
    request = schema["components"]["schemas"]["WebhookSubscriptionInputRequest"]
    enum_ref = request["properties"]["event_types"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert "supervision_order.verified" in schema["components"]["schemas"][enum_ref]["enum"]
    created = schema["components"]["schemas"]["WebhookSubscriptionCreated"]
    assert "secret" in created["properties"]
    assert "secret" not in schema["components"]["schemas"]["WebhookSubscription"]["properties"]
