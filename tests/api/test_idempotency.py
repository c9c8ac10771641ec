"""Idempotent case creation: a client's retry gets the first answer and creates nothing."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases.models import Case
from integrations.models import IdempotencyRecord

from .conftest import error_of, token_client, url
from .test_cases import CREATE_BODY


def create(client, body=CREATE_BODY, key="grid-report-0001"):
    return client.post(url("cases/"), body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_retry_with_the_same_key_and_body_returns_the_original_response(api):
    first = create(api.reception)
    again = create(api.reception, dict(reversed(list(CREATE_BODY.items()))))  # same JSON, keys reordered

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again["ETag"] == first["ETag"] and again["Location"] == first["Location"]
    assert Case.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201


def test_same_key_with_a_different_body_is_422(api):
    create(api.reception)
    response = create(api.reception, {**CREATE_BODY, "title": "另一件事"})
    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_keys_are_per_client(api, center):
    from departments.models import Role
    from tests.factories import StaffFactory

    other = token_client(StaffFactory(role=Role.RECEPTION, center=center).user)
    a, b = create(api.reception), create(other)
    assert a.status_code == b.status_code == 201
    assert a.json()["code"] != b.json()["code"]
    assert Case.objects.count() == 2


def test_without_a_key_every_post_creates(api):
    api.reception.post(url("cases/"), CREATE_BODY, format="json")
    api.reception.post(url("cases/"), CREATE_BODY, format="json")
    assert Case.objects.count() == 2


def test_a_failed_request_is_not_remembered(api):
    bad = create(api.reception, {**CREATE_BODY, "category": "nope"})
    assert bad.status_code == 400
    good = create(api.reception)
    assert good.status_code == 201
    assert Case.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "空格 键"])
def test_malformed_keys_are_400(api, key):
    response = create(api.reception, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in error_of(response)["fields"]
    assert not Case.objects.exists()


def test_forbidden_callers_get_403_before_the_key_is_looked_at(api):
    assert create(api.liaison).status_code == 403
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_case(require_postgres, center, reception):
    """Two retries racing: the unique key lets one commit; the other replays its answer."""
    client_a = token_client(reception)
    client_b = APIClient()
    client_b.credentials(HTTP_AUTHORIZATION=client_a._credentials["HTTP_AUTHORIZATION"])
    barrier = threading.Barrier(2)
    results = []

    def post(client):
        barrier.wait()
        try:
            results.append(create(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in (client_a, client_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in results) == [201, 201]
    assert results[0].json()["code"] == results[1].json()["code"]
    assert Case.objects.count() == 1
