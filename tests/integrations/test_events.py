"""One webhook vocabulary; every event numbered in its case's series; deliveries queued in event order."""

import pathlib
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cases.models import State
from cases.services import case_accept, case_assign, case_start_assessment, case_submit_result
from integrations import services as integration_services
from integrations.events import WebhookEvent, case_sequence_key, validate_event_types
from integrations.models import WebhookDelivery, WebhookSequence, WebhookSubscription
from integrations.services import allocate_sequence_numbers, webhook_emit
from supervision.services import (
    supervision_order_issue,
    supervision_order_reject,
    supervision_order_respond,
    supervision_order_verify,
)
from supervision.webhooks import WebhookBatch

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ["cases", "departments", "supervision", "integrations", "common", "zongzhi", "demo"]


@pytest.fixture
def everything(db):
    """A subscriber to every event, so it sees every number of a case's series."""
    return WebhookSubscription.objects.create(
        name="上级平台", url="https://example.cn/hook", event_types=list(WebhookEvent.values)
    )


@pytest.fixture
def queued(monkeypatch):
    """The delivery ids handed to the task after commit, in the order they were queued.

    Deliveries are their own outbox (webhook_retry_due sends what a dead broker lost), so they
    are published with publish_on_commit, not written to the common outbox.
    """
    ids: list[int] = []
    monkeypatch.setattr(
        integration_services, "publish_on_commit", lambda task, delivery_id: ids.append(delivery_id)
    )
    return ids


def test_event_names_are_spelled_only_in_the_vocabulary():
    pattern = re.compile(
        r"""["'](case\.(created|transition)|supervision_order\.\w+|evaluation\.recorded)["']"""
    )
    spelled = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "integrations" / "events.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if pattern.search(line):
                    spelled.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert spelled == []


def test_the_vocabulary_covers_order_answers_and_labels_every_name():
    assert {
        "case.created",
        "case.transition",
        "case.whistle",
        "case.report_in",
        "supervision_order.issued",
        "supervision_order.raised",
        "supervision_order.responded",
        "supervision_order.verified",
        "supervision_order.rejected",
        "evaluation.recorded",
    } == set(WebhookEvent.values)
    assert all(str(label) for label in WebhookEvent.labels)


@pytest.mark.parametrize(
    "value",
    [[], "case.created", ["case.created", "case.created"], ["case.closed"], [None]],
)
def test_subscriptions_accept_only_known_distinct_events(db, value):
    with pytest.raises(ValidationError):
        validate_event_types(value)
    subscription = WebhookSubscription(name="x", url="https://example.cn/hook", event_types=value)
    with pytest.raises(ValidationError) as error:
        subscription.full_clean()
    assert "event_types" in error.value.message_dict


def test_subscription_urls_are_http_or_https(db):
    subscription = WebhookSubscription(name="x", url="ftp://example.cn/hook", event_types=["case.created"])
    with pytest.raises(ValidationError) as error:
        subscription.full_clean()
    assert "url" in error.value.message_dict


def test_sequence_numbers_continue_each_series_and_repeat_keys_take_consecutive_numbers(db):
    assert allocate_sequence_numbers(["case:A", "case:B", "case:A"]) == [1, 1, 2]
    assert allocate_sequence_numbers(["case:A"]) == [3]
    assert allocate_sequence_numbers(["case:B", "case:B", "case:C"]) == [2, 3, 1]
    assert dict(WebhookSequence.objects.values_list("key", "last_number")) == {
        "case:A": 3,
        "case:B": 3,
        "case:C": 1,
    }
    assert allocate_sequence_numbers([]) == []


def test_a_case_lifecycle_is_numbered_one_by_one_and_queued_in_order(
    everything, queued, new_case, coordinator, liaison, department
):
    case = new_case()
    case = case_start_assessment(case=case, actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    other = new_case()  # another case's events have their own series
    case = case_submit_result(case=case, actor=liaison, result="已调解。")

    deliveries = list(WebhookDelivery.objects.filter(payload__case=case.code).order_by("id"))
    assert [(d.event_type, d.payload["to_state"], d.payload["sequence"]) for d in deliveries] == [
        ("case.created", State.RECEIVED, 1),
        ("case.transition", State.ASSESSING, 2),
        ("case.transition", State.ASSIGNED, 3),
        ("case.transition", State.HANDLING, 4),
        ("case.transition", State.REVIEWING, 5),
    ]
    assert WebhookDelivery.objects.get(payload__case=other.code).payload["sequence"] == 1
    assert (
        queued == sorted(queued) == list(WebhookDelivery.objects.order_by("id").values_list("id", flat=True))
    )


def test_order_answer_verification_and_sending_back_are_events_in_the_case_series(
    everything, queued, new_case, coordinator, leader, liaison, department
):
    case = new_case()
    case = case_start_assessment(case=case, actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    order = supervision_order_issue(
        case=case, actor=leader, reason="leader_instruction", instruction="三日内拿出化解方案。"
    )
    order = supervision_order_respond(order=order, actor=liaison, response="已约谈双方，张三 13812345678。")
    order = supervision_order_reject(order=order, actor=coordinator, reason="未附协议。")
    order = supervision_order_respond(order=order, actor=liaison, response="已补充协议。")
    order = supervision_order_verify(order=order, actor=leader, note="同意办结。")

    rows = list(
        WebhookDelivery.objects.filter(payload__case=case.code)
        .order_by("id")
        .values_list("event_type", "payload")
    )
    assert [(event_type, data["sequence"]) for event_type, data in rows] == [
        ("case.created", 1),
        ("case.transition", 2),
        ("case.transition", 3),
        ("case.transition", 4),
        ("case.transition", 5),  # supervised by the order
        ("supervision_order.issued", 6),
        ("supervision_order.responded", 7),
        ("supervision_order.rejected", 8),
        ("supervision_order.responded", 9),
        ("supervision_order.verified", 10),
        ("case.transition", 11),  # supervision ends with the last open order
    ]
    answers = [
        data for event_type, data in rows if event_type.startswith("supervision_order.") and "action" in data
    ]
    assert [(a["action"], a["status"], a["number"]) for a in answers] == [
        ("respond", "responded", order.number),
        ("reject", "issued", order.number),
        ("respond", "responded", order.number),
        ("verify", "verified", order.number),
    ]
    assert answers[1]["rejection_count"] == 1
    # Subscribers learn what happened, not what people wrote.
    assert all("13812345678" not in str(data) and "response" not in data for _t, data in rows)


def test_the_sweep_batch_queues_in_event_order_and_numbers_each_case(everything, queued, new_case):
    first, second = new_case(), new_case()
    events = [
        (f"test-{n}", {"case": code, "n": n})
        for n, code in enumerate([first.code, second.code, first.code, first.code])
    ]
    assert WebhookBatch().emit(WebhookEvent.ORDER_ISSUED, events) == 4
    rows = list(
        WebhookDelivery.objects.filter(event_type=WebhookEvent.ORDER_ISSUED)
        .order_by("id")
        .values_list("id", "payload")
    )
    assert [(p["n"], p["sequence"]) for _id, p in rows] == [(0, 2), (1, 2), (2, 3), (3, 4)]
    issued_ids = [delivery_id for delivery_id, _p in rows]
    assert [i for i in queued if i in issued_ids] == issued_ids


def test_unknown_event_names_are_refused_by_the_emitter(everything):
    with pytest.raises(ValueError):
        webhook_emit(event_type="case.closed", event_id="x", payload={"case": "x"})


def test_no_subscriber_takes_no_number(db, new_case):
    case = new_case()
    assert not WebhookSequence.objects.filter(key=case_sequence_key(case.code)).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_emitters_for_one_case_never_share_a_number(everything):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers anyway")
    from django.db import close_old_connections, transaction

    numbers: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def emit(n: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                numbers.extend(allocate_sequence_numbers(["case:X"] * (1 + n % 2)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=emit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 13))
