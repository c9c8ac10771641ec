"""The admin shows supervision records read-only; tasks are thin, retry briefly and log a final failure."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.urls import reverse

from cases import tasks as case_tasks
from cases.models import RiskColour
from supervision import tasks
from supervision.models import Reason, SupervisionOrder
from supervision.services import supervision_order_issue

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(assigned, leader):
    case = assigned(colour=RiskColour.YELLOW, when=at(2026, 10, 12, 10), accept_at=at(2026, 10, 12, 11))
    return supervision_order_issue(
        case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction="限期办结"
    )


def test_the_admin_lists_supervision_records_read_only(client, order):
    root = get_user_model().objects.create_superuser("root", "root@example.cn", "zongzhi-test")
    client.force_login(root)
    for name in ("supervisionorder", "reminder", "callback", "callbackround", "ordersequence"):
        response = client.get(reverse(f"admin:supervision_{name}_changelist"))
        assert response.status_code == 200, name
    response = client.get(reverse("admin:supervision_supervisionorder_change", args=[order.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert order.number in body and "限期办结" in body
    assert 'name="_save"' not in body  # nothing to save: orders change through the services
    assert client.get(reverse("admin:supervision_supervisionorder_add")).status_code == 403
    # The schedules are editable where django-celery-beat keeps them.
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200


def test_tasks_acknowledge_late_and_retry_briefly():
    for task in (tasks.sweep_deadlines, tasks.sample_callbacks, case_tasks.mail_notifications):
        assert task.acks_late is True
        assert task.max_retries == 3
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff and task.retry_backoff_max <= 300


def test_a_task_that_fails_for_good_is_logged(monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("数据库结构不一致")

    monkeypatch.setattr("supervision.services.deadline_sweep", broken)
    with caplog.at_level(logging.ERROR, logger="supervision.tasks"):
        result = tasks.sweep_deadlines.apply(throw=False)
    assert result.failed()
    assert any(
        "failed for good" in r.getMessage() and "sweep_deadlines" in r.getMessage() for r in caplog.records
    )


def test_the_sweep_task_returns_its_summary(order):
    summary = tasks.sweep_deadlines.delay().get()
    assert set(summary) == {
        "reminders",
        "orders",
        "leader_orders",
        "raised",
        "supervised_cases",
        "notifications",
    }
    assert SupervisionOrder.objects.count() >= 1
