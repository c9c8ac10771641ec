"""Running for real: two sweeps at once on PostgreSQL, a Celery worker process on Redis, a dead broker.

These tests commit (``transaction=True``) so that other connections — a second thread, a worker
process — see the data.
"""

import datetime as dt
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from cases.models import Case, CaseEvent, Notification, RiskColour, State
from cases.services import PartyData, case_assign, case_create, case_start_assessment
from supervision.models import Reminder, SupervisionOrder
from supervision.services import deadline_sweep
from supervision.tasks import sweep_deadlines

from .broker import DEAD_BROKER, broker, flush, redis_broker_url
from .conftest import at
from .test_sweep_scale import PATTERNS, build

ROOT = Path(__file__).resolve().parents[2]


# --- Two sweeps at once -----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_never_duplicate(require_postgres, department, liaison, duty_board, monkeypatch):
    from supervision.services.sweep import core as sweep

    now = timezone.now()
    build(48, department, now)
    # Both runs read what is due before either writes: the database's unique constraints, not
    # a check in Python, must keep the second from inserting the same rows.
    both_have_read = threading.Barrier(2, timeout=30)
    original = sweep._Sweep._insert_reminders

    def after_reading(self, rows):
        both_have_read.wait()
        return original(self, rows)

    monkeypatch.setattr(sweep._Sweep, "_insert_reminders", after_reading)
    results, errors = [], []

    def run():
        try:
            results.append(deadline_sweep(now=now))
        except BaseException as exc:  # report to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and len(results) == 2

    per = 48 // len(PATTERNS)
    assert sorted(r.reminders for r in results) == [0, per]
    # order, assess (on the center), red, problem, raised
    assert sorted(r.orders + r.leader_orders for r in results) == [0, 5 * per]
    assert sorted(r.notifications for r in results)[0] == 0
    assert Reminder.objects.count() == per
    assert SupervisionOrder.objects.count() == per + 5 * per  # the ones built in, and the new ones
    assert SupervisionOrder.objects.filter(number__isnull=True).count() == 0
    numbers = list(
        SupervisionOrder.objects.filter(number__startswith="DB2026").values_list("number", flat=True)
    )
    assert len(numbers) == len(set(numbers)) == 5 * per
    assert CaseEvent.objects.filter(transition="supervise").count() == 3 * per
    assert set(Case.objects.filter(state=State.SUPERVISED).values_list("version", flat=True)) == {2, 1}
    assert Notification.objects.count() == max(r.notifications for r in results)


# --- A real worker on Redis -------------------------------------------------------------------


def _database_url() -> str:
    settings = connection.settings_dict
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    return (
        f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.mark.celery_worker
@pytest.mark.real_time  # the worker process runs on the system clock: the cases are built on it too
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_runs_the_sweep_sent_through_redis(
    require_postgres, department, liaison, duty_board, tmp_path
):
    broker_url = redis_broker_url()
    now = timezone.now()
    build(12, department, now)
    queue = f"zongzhi-test-{uuid.uuid4().hex[:10]}"  # this test's own queue: no stray messages
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zongzhi.settings.test",
        "DATABASE_URL": _database_url(),  # the test database pytest-django created
        "CELERY_BROKER_URL": broker_url,
        "DATABASE_POOL": "false",
    }
    with log.open("w") as out:
        worker = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"), "-A", "zongzhi", "worker", "--pool=solo", "-l", "info",
                "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        with broker(broker_url):
            result = sweep_deadlines.apply_async(queue=queue)
            summary = result.get(timeout=90, interval=0.5, disable_sync_subtasks=False)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        flush(broker_url)
    output = log.read_text()
    assert summary["orders"] == 4 and summary["leader_orders"] == 6, output  # 2 of the 4 on the center
    assert SupervisionOrder.objects.filter(issued_by=None).count() == 4 + 6 + 2  # 2 were built in
    assert Case.objects.filter(state=State.SUPERVISED).count() == 8
    assert "supervision.tasks.sweep_deadlines" in output and "succeeded" in output
    assert worker.returncode is not None


# --- The broker is down -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_intake_succeeds_with_the_broker_down_and_a_later_sweep_catches_up(
    reception, coordinator, department, center, caplog
):
    with broker(DEAD_BROKER), caplog.at_level(logging.ERROR):
        started = time.monotonic()
        case = case_create(
            actor=reception, title="拖欠工资", description="拖欠工资三个月。", category="labour", source="walk_in",
            parties=[PartyData(name="张三", phone="13812345678")], center=center,
        )  # fmt: skip
        intake_seconds = time.monotonic() - started
        # Saved: the notification task could not be published after the commit, and that is all.
        assert Case.objects.filter(pk=case.pk, state=State.RECEIVED).exists()
        assert any("on_commit" in r.getMessage() for r in caplog.records)

        with time_machine.travel(at(2026, 10, 12, 10), tick=False):
            case = case_start_assessment(case=case, actor=coordinator)
            case = case_assign(
                case=case, actor=coordinator, risk_colour=RiskColour.BLUE, lead_department=department
            )
        # Beat's tick while the broker is down is lost: nothing is published, nothing runs.
        from kombu.exceptions import OperationalError

        with time_machine.travel(case.accept_by + dt.timedelta(hours=1), tick=False):
            publish_started = time.monotonic()
            with pytest.raises(OperationalError):
                sweep_deadlines.delay()
            publish_seconds = time.monotonic() - publish_started
    assert not SupervisionOrder.objects.exists()
    sys.stderr.write(
        f"\n[dead broker] intake {intake_seconds:.2f} s, failed publish {publish_seconds:.2f} s\n"
    )
    assert intake_seconds < 5 and publish_seconds < 5

    # The broker is back: the next sweep looks at the state, not at what it missed, and catches up.
    with time_machine.travel(case.accept_by + dt.timedelta(days=2), tick=False):
        summary = sweep_deadlines.delay().get(disable_sync_subtasks=False)
    assert summary["orders"] == 1
    order = SupervisionOrder.objects.get()
    assert (order.case, order.deadline) == (case, case.accept_by)
