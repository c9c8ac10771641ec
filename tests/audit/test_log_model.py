"""The access log is append-only: Python refuses updates and deletes, PostgreSQL's trigger too; purge only past retention."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.checks import retention_check
from audit.models import AccessLogEntry, Action, AppendOnlyError
from audit.services import access_log_purge, access_log_record, retention_cutoff

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(coordinator):
    return access_log_record(
        action=Action.REVEAL_PERSONAL, actor=coordinator, case_code="42092320260000015", reason="联系当事人"
    )


def test_the_service_records_who_what_and_why(entry, coordinator):
    row = AccessLogEntry.objects.get(pk=entry.pk)
    assert (row.actor, row.actor_name, row.action, row.case_code, row.reason) == (
        coordinator,
        coordinator.username,
        "personal.reveal",
        "42092320260000015",
        "联系当事人",
    )


def test_rows_cannot_be_updated_or_deleted_in_python(entry):
    entry.reason = "改写"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(reason="改写")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()
    assert AccessLogEntry.objects.get(pk=entry.pk).reason == "联系当事人"


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_of_a_row(require_postgres, entry):
    table = AccessLogEntry._meta.db_table
    for sql in (f"UPDATE {table} SET reason = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AccessLogEntry.objects.get(pk=entry.pk).reason == "联系当事人"


def test_purge_removes_only_rows_past_retention(settings, db):
    settings.ZONGZHI_AUDIT_RETENTION_DAYS = 365
    now = timezone.now()
    old = AccessLogEntry.objects.create(action=Action.EXPORT_LEDGER, created_at=now - dt.timedelta(days=400))
    kept = AccessLogEntry.objects.create(action=Action.EXPORT_LEDGER, created_at=now - dt.timedelta(days=300))

    with pytest.raises(ValueError, match="younger"):
        access_log_purge(before=now - dt.timedelta(days=100), now=now)
    assert AccessLogEntry.objects.count() == 2

    assert access_log_purge(before=retention_cutoff(now), now=now) == 1
    assert list(AccessLogEntry.objects.order_by("pk").values_list("pk", flat=True)) == [kept.pk]
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()


def test_the_purge_command_counts_by_default_and_refuses_a_shorter_period(settings, capsys):
    settings.ZONGZHI_AUDIT_RETENTION_DAYS = 365
    AccessLogEntry.objects.create(
        action=Action.EXPORT_LEDGER, created_at=timezone.now() - dt.timedelta(days=800)
    )
    with pytest.raises(CommandError):
        call_command("audit_purge", days=30)
    call_command("audit_purge")
    assert "1 rows" in capsys.readouterr().out and AccessLogEntry.objects.count() == 1
    call_command("audit_purge", yes=True)
    assert AccessLogEntry.objects.count() == 0


def test_retention_below_six_months_fails_the_system_check(settings):
    settings.ZONGZHI_AUDIT_RETENTION_DAYS = 30
    assert [e.id for e in retention_check(None)] == ["audit.E001"]
    settings.ZONGZHI_AUDIT_RETENTION_DAYS = 3 * 365
    assert retention_check(None) == []
