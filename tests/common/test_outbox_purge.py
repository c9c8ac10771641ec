"""The outbox purge: delivered rows past the retention go, in batches; pending and failed rows stay."""

import datetime as dt
import importlib
import itertools

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from common import outbox
from common.models import OutboxMessage
from common.outbox import outbox_purge, retention_cutoff
from common.tasks import outbox_purge as outbox_purge_task

pytestmark = pytest.mark.django_db

PURGE_NAME = "发件箱：清理已投递记录"
_keys = itertools.count()


def _row(status: str, *, done_days_ago: float | None = None, now: dt.datetime) -> OutboxMessage:
    done_at = now - dt.timedelta(days=done_days_ago) if done_days_ago is not None else None
    return OutboxMessage.objects.create(
        key=f"purge-test:{next(_keys)}", task="cases.tasks.notify_case_event", status=status, done_at=done_at
    )


def _left() -> set[int]:
    return set(OutboxMessage.objects.values_list("pk", flat=True))


def test_only_done_rows_delivered_before_the_cutoff_are_deleted(clock):
    now = timezone.now()
    old_done = [_row("done", done_days_ago=days, now=now) for days in (31, 90, 400)]
    young_done = _row("done", done_days_ago=29, now=now)
    # Pending and failed rows are owed work or evidence: never deleted, however old.
    old_pending = _row("pending", now=now)
    old_failed = _row("failed", now=now)
    OutboxMessage.objects.filter(pk__in=[old_pending.pk, old_failed.pk]).update(
        created_at=now - dt.timedelta(days=400)
    )

    deleted = outbox_purge(before=now - dt.timedelta(days=30), now=now)

    assert deleted == 3
    assert _left() == {young_done.pk, old_pending.pk, old_failed.pk}
    assert not OutboxMessage.objects.filter(pk__in=[row.pk for row in old_done]).exists()


def test_a_failed_row_with_a_done_time_stays(clock):
    """Only the status decides: a row marked failed is kept even if it once had a done time."""
    now = timezone.now()
    failed = _row("failed", done_days_ago=100, now=now)
    pending = _row("pending", done_days_ago=100, now=now)

    assert outbox_purge(before=now - dt.timedelta(days=30), now=now) == 0
    assert _left() == {failed.pk, pending.pk}


def test_the_purge_deletes_a_big_backlog_in_several_bounded_batches(clock):
    now = timezone.now()
    for _ in range(7):
        _row("done", done_days_ago=60, now=now)
    kept = _row("pending", now=now)

    with CaptureQueriesContext(connection) as queries:
        deleted = outbox_purge(before=now - dt.timedelta(days=30), now=now, batch_size=3)

    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("DELETE")]
    assert deleted == 7
    assert len(deletes) == 3  # 3 + 3 + 1 ids, one DELETE each
    assert _left() == {kept.pk}


def test_a_second_run_finds_nothing_to_delete(clock):
    now = timezone.now()
    _row("done", done_days_ago=60, now=now)
    before = now - dt.timedelta(days=30)

    assert outbox_purge(before=before, now=now) == 1
    assert outbox_purge(before=before, now=now) == 0


def test_rows_delivered_less_than_a_day_ago_are_never_purged(clock):
    now = timezone.now()
    _row("done", done_days_ago=0.5, now=now)

    with pytest.raises(ValueError):
        outbox_purge(before=now, now=now)
    assert OutboxMessage.objects.count() == 1


def test_the_task_purges_with_the_retention_from_settings(settings, clock, monkeypatch):
    settings.ZONGZHI_OUTBOX_RETENTION_DAYS = 10
    now = timezone.now()
    past = _row("done", done_days_ago=10 + 1 / 24, now=now)
    within = _row("done", done_days_ago=10 - 1 / 24, now=now)
    calls = []
    real = outbox.outbox_purge
    monkeypatch.setattr(outbox, "outbox_purge", lambda **kw: calls.append(kw) or real(**kw))

    result = outbox_purge_task.delay()

    assert result.get() == 1
    assert _left() == {within.pk}
    assert not OutboxMessage.objects.filter(pk=past.pk).exists()
    [call] = calls
    assert call["before"] == call["now"] - dt.timedelta(days=10)
    assert call["now"] - now < dt.timedelta(minutes=1)
    # Safe to run twice: the second run has nothing left to do.
    assert outbox_purge_task.delay().get() == 0


def test_the_command_dry_run_counts_and_deletes_nothing(clock, capsys):
    now = timezone.now()
    for _ in range(2):
        _row("done", done_days_ago=45, now=now)
    young = _row("done", done_days_ago=3, now=now)
    failed = _row("failed", now=now)

    call_command("outbox_purge", dry_run=True)
    out = capsys.readouterr().out
    assert out.startswith("2 delivered rows done before ")
    assert "would be deleted" in out
    assert OutboxMessage.objects.count() == 4

    call_command("outbox_purge")
    assert capsys.readouterr().out.startswith("2 delivered rows done before ")
    assert _left() == {young.pk, failed.pk}

    call_command("outbox_purge", days=2)
    assert capsys.readouterr().out.startswith("1 delivered rows done before ")
    assert _left() == {failed.pk}


def test_the_command_refuses_a_retention_under_a_day():
    with pytest.raises(CommandError):
        call_command("outbox_purge", days=0)


def test_the_cutoff_is_the_retention_before_now(settings):
    settings.ZONGZHI_OUTBOX_RETENTION_DAYS = 30
    now = dt.datetime(2026, 11, 18, 2, 0, tzinfo=dt.UTC)
    assert retention_cutoff(now) == dt.datetime(2026, 10, 19, 2, 0, tzinfo=dt.UTC)


def test_the_migration_schedules_the_purge_nightly_at_half_past_three_in_shanghai():
    job = PeriodicTask.objects.get(name=PURGE_NAME)
    assert job.task == "common.tasks.outbox_purge"
    assert job.enabled
    assert job.interval is None
    assert (job.crontab.minute, job.crontab.hour, str(job.crontab.timezone)) == ("30", "3", "Asia/Shanghai")
    assert (job.crontab.day_of_week, job.crontab.day_of_month, job.crontab.month_of_year) == ("*", "*", "*")
    from zongzhi.celery import app

    assert "common.tasks.outbox_purge" in app.tasks


def test_the_migration_reverses_and_leaves_a_changed_schedule_alone():
    migration = importlib.import_module("common.migrations.0004_outbox_purge_schedule")

    migration.backwards(django_apps, None)
    assert not PeriodicTask.objects.filter(name=PURGE_NAME).exists()

    migration.forwards(django_apps, None)
    job = PeriodicTask.objects.get(name=PURGE_NAME)
    job.enabled = False  # an administrator switched it off
    job.save()
    migration.forwards(django_apps, None)
    assert list(PeriodicTask.objects.filter(name=PURGE_NAME).values_list("enabled", flat=True)) == [False]
