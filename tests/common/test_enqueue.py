"""enqueue_on_commit: an outbox row in the transaction, run after the commit, by id; a broker that is down
never fails the write and loses nothing (the row waits for the sweep)."""

import logging

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from cases.models import Case
from common.models import OutboxMessage
from common.tasks import enqueue_on_commit, outbox_deliver
from tests.supervision.broker import DEAD_BROKER, broker

pytestmark = pytest.mark.django_db

RAN: list = []


@shared_task
def record(*args, **kwargs):
    RAN.append((args, kwargs))
    return len(RAN)


@pytest.fixture(autouse=True)
def _clear():
    RAN.clear()
    yield
    RAN.clear()


def test_the_task_runs_after_the_commit_with_its_arguments(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(record, 7, [1, 2], flag=True)
        assert RAN == []  # nothing before the commit
    assert len(callbacks) == 1
    assert RAN == [((7, [1, 2]), {"flag": True})]
    row = OutboxMessage.objects.get()
    assert (row.task, row.args, row.kwargs, row.status, row.attempts) == (
        record.name,
        [7, [1, 2]],
        {"flag": True},
        "done",
        1,
    )


def test_nothing_is_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(record, 1)
        raise RuntimeError("the write failed")
    assert callbacks == [] and RAN == []
    assert not OutboxMessage.objects.exists()


def test_instances_are_refused_ids_are_not(new_case):
    case = new_case()
    with pytest.raises(TypeError, match="Case"):
        enqueue_on_commit(record, case)
    with pytest.raises(TypeError, match="Case"):
        enqueue_on_commit(record, ids=[case])
    enqueue_on_commit(record, case.pk, month="2026-11", ids=[case.pk])


def test_a_failing_publish_is_logged_not_raised_and_the_row_waits_for_the_sweep(
    django_capture_on_commit_callbacks, caplog, monkeypatch
):
    # The outbox publishes outbox_deliver(key), not the task itself: that is what fails here.
    def unreachable(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(outbox_deliver, "delay", unreachable)
    with (
        caplog.at_level(logging.ERROR, logger="common.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(record, 42)
    [entry] = [r for r in caplog.records if r.name == "common.tasks"]
    assert "common.tasks.outbox_deliver" in entry.getMessage() and "on_commit" in entry.getMessage()
    assert entry.exc_info[0] is ConnectionError
    assert RAN == []
    row = OutboxMessage.objects.get()
    assert (row.task, row.args, row.status, row.attempts) == (record.name, [42], "pending", 0)
    assert row.last_error.startswith("publish: ConnectionError") and row.next_attempt_at <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_after_commit_keeps_the_write(new_case, caplog):
    case = new_case()
    with broker(DEAD_BROKER), caplog.at_level(logging.ERROR, logger="common.tasks"), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(title="仍然保存")
        enqueue_on_commit(record, case.pk)
    assert Case.objects.get(pk=case.pk).title == "仍然保存"
    assert RAN == []
    assert any("on_commit" in r.getMessage() for r in caplog.records if r.name == "common.tasks")
    # Not lost: the row waits for the sweep.
    assert OutboxMessage.objects.filter(task=record.name, args=[case.pk], status="pending").count() == 1
