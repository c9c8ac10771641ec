"""The outbox: a row per side effect, written with the write, run once, retried, failed visibly."""

import datetime as dt
import threading

import pytest
from celery import shared_task
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, Notification, SmsMessage
from cases.sms import MemorySmsBackend
from cases.tasks import notify_case_event
from common import outbox
from common.models import OutboxMessage
from common.tasks import enqueue_on_commit, outbox_deliver, skipping

pytestmark = pytest.mark.django_db

CALLS: list = []
FAILING = {"times": 0}


@shared_task
def count_call(*args, **kwargs):
    CALLS.append((args, kwargs))


@shared_task
def fails_until_told(label):
    if FAILING["times"] > 0:
        FAILING["times"] -= 1
        raise ConnectionError(f"gateway down for {label}")
    CALLS.append(label)


@pytest.fixture(autouse=True)
def _clear():
    CALLS.clear()
    FAILING["times"] = 0
    MemorySmsBackend.outbox.clear()
    yield
    CALLS.clear()
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def unpublished(monkeypatch):
    """The broker swallows nothing: the fast path publishes nowhere, so rows stay for the sweep."""
    published: list[str] = []
    monkeypatch.setattr(outbox_deliver, "delay", lambda key: published.append(key))
    return published


def test_a_rolled_back_transaction_leaves_no_row_and_no_notice(new_case, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError),
        transaction.atomic(),
    ):
        new_case()
        assert OutboxMessage.objects.filter(task=notify_case_event.name).count() == 1
        raise ValidationError("the desk cancelled")
    assert not OutboxMessage.objects.exists()
    assert not SmsMessage.objects.exists() and MemorySmsBackend.outbox == []


def test_with_eager_tasks_intake_still_texts_at_once_and_the_row_is_done(
    new_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case()
    event = CaseEvent.objects.get(case=case, transition="create")
    row = OutboxMessage.objects.get(task=notify_case_event.name)
    assert (row.key, row.args, row.status, row.attempts) == (f"case-event:{event.pk}", [event.pk], "done", 1)
    assert [phone for phone, _body in MemorySmsBackend.outbox] == ["13812345678"]
    assert SmsMessage.objects.filter(case=case, status="sent").count() == 1


def test_the_same_key_is_one_row_and_a_duplicate_message_runs_nothing_twice(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(count_call, 1, dedupe_key="effect-1")
        enqueue_on_commit(count_call, 1, dedupe_key="effect-1")
    assert OutboxMessage.objects.filter(key="effect-1").count() == 1
    assert CALLS == [((1,), {})]
    # A late duplicate message (the fast path and the sweep both published it) finds it done.
    assert outbox.deliver("effect-1") == ("skipped", None)
    assert outbox_deliver.delay("effect-1").get() == "skipped"
    assert CALLS == [((1,), {})]


def test_a_failing_task_backs_off_then_ends_failed_and_an_operator_retries_it(
    settings, client, django_capture_on_commit_callbacks
):
    settings.ZONGZHI_OUTBOX_MAX_ATTEMPTS = 3
    FAILING["times"] = 3
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(fails_until_told, "sms", dedupe_key="sms-1")  # attempt 1, at once: fails
    row = OutboxMessage.objects.get(key="sms-1")
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "ConnectionError: gateway down for sms"
    first_wait = row.next_attempt_at - start
    assert dt.timedelta(seconds=29) < first_wait <= dt.timedelta(seconds=31)

    # Not due yet: neither a stray message nor the sweep runs it early.
    assert outbox.deliver("sms-1") == ("skipped", None)
    assert outbox.sweep(run=True)["due"] == 0
    assert OutboxMessage.objects.get(key="sms-1").attempts == 1

    # Attempt 2 when due; the wait doubles.
    later = row.next_attempt_at + dt.timedelta(seconds=1)
    assert outbox.sweep(run=True, now=later)["retry"] == 1
    row.refresh_from_db()
    assert row.attempts == 2
    assert dt.timedelta(seconds=59) < row.next_attempt_at - later <= dt.timedelta(seconds=61)

    # Attempt 3 is the last allowed: failed, for good and visibly.
    assert outbox.sweep(run=True, now=row.next_attempt_at + dt.timedelta(seconds=1))["failed"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert outbox.sweep(run=True, now=start + dt.timedelta(days=1))["due"] == 0
    assert CALLS == []

    # The operator sees it in the admin's list of failed rows and retries it; the gateway is back.
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.cn", "zongzhi-test"))
    changelist = reverse("admin:common_outboxmessage_changelist")
    page = client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "sms-1" in html and "gateway down for sms" in html
    FAILING["times"] = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(changelist, {"action": "retry_now", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("done", 1, "")
    assert CALLS == ["sms"]
    assert client.get(reverse("admin:common_outboxmessage_add")).status_code == 403


def test_the_sweep_command_runs_what_the_broker_never_got(new_case, unpublished, capsys):
    case = new_case()  # committed by the test's transaction only: call the sweep directly
    row = OutboxMessage.objects.get(task=notify_case_event.name)
    assert row.status == "pending" and MemorySmsBackend.outbox == []
    call_command("outbox_sweep")  # not due yet: the fast path had a minute
    assert MemorySmsBackend.outbox == []
    OutboxMessage.objects.update(next_attempt_at=timezone.now())  # as a failed publish leaves it
    call_command("outbox_sweep")
    assert "done=1" in capsys.readouterr().out
    assert SmsMessage.objects.filter(case=case, status="sent").count() == 1
    call_command("outbox_sweep")
    call_command("outbox_sweep", "--retry-failed")
    assert len(MemorySmsBackend.outbox) == 1
    assert OutboxMessage.objects.get(pk=row.pk).status == "done"


def test_the_sweep_task_publishes_due_rows(unpublished):
    with transaction.atomic():
        enqueue_on_commit(count_call, 2, dedupe_key="due-now")
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    unpublished.clear()
    from common.tasks import outbox_sweep

    assert outbox_sweep()["published"] == 1
    assert unpublished == ["due-now"]


def test_staff_mail_goes_through_the_outbox_once(
    new_case, coordinator, department, liaison, django_capture_on_commit_callbacks
):
    from cases.services import case_assign, case_start_assessment

    case = new_case()
    with django_capture_on_commit_callbacks(execute=True):
        case = case_start_assessment(case=case, actor=coordinator)
        case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    notice = Notification.objects.get(user=liaison, kind="assign")
    mailing = OutboxMessage.objects.get(key=f"mail-notifications:{notice.pk}")
    assert mailing.status == "done"
    assert [m.to for m in mail.outbox] == [[liaison.email]]
    assert outbox.deliver(mailing.key) == ("skipped", None)
    # Even a second mailing of the same notice (another row) sends nothing: it is marked mailed.
    from cases.tasks import mail_notifications

    assert mail_notifications([notice.pk]) == 0
    assert len(mail.outbox) == 1


def test_the_demo_skips_its_made_up_notices(new_case):
    with skipping(notify_case_event):
        new_case()
    assert not OutboxMessage.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_one_row_run_it_once(require_postgres, monkeypatch):
    """The second claim skips the row the first holds (SKIP LOCKED) instead of running it again."""
    monkeypatch.setattr(outbox_deliver, "delay", lambda key: None)
    with transaction.atomic():
        enqueue_on_commit(count_call, 3, dedupe_key="claimed-once")
    started, release = threading.Event(), threading.Event()
    original = count_call.run

    def slow(*args, **kwargs):
        started.set()
        assert release.wait(30), "the second worker never answered"
        return original(*args, **kwargs)

    monkeypatch.setattr(count_call, "run", slow)
    outcomes, errors = {}, []

    def worker(name):
        try:
            outcomes[name] = outbox.deliver("claimed-once")[0]
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=worker, args=("first",))
    first.start()
    assert started.wait(30)
    second = threading.Thread(target=worker, args=("second",))
    second.start()
    second.join(30)  # answers while the first still holds the row: it did not wait for the lock
    assert not second.is_alive() and outcomes.get("second") == "skipped"
    release.set()
    first.join(30)
    assert not errors and outcomes == {"first": "done", "second": "skipped"}
    assert CALLS == [((3,), {})]
    row = OutboxMessage.objects.get(key="claimed-once")
    assert (row.status, row.attempts) == ("done", 1)
    # And once more after it is done: still once.
    assert outbox.deliver("claimed-once") == ("skipped", None)
    assert CALLS == [((3,), {})]


def test_a_refused_text_is_retried_by_the_outbox_and_sent_once(
    new_case, coordinator, department, liaison, monkeypatch, django_capture_on_commit_callbacks
):
    from cases.services import case_assign, case_start_assessment
    from cases.sms import SmsError

    with django_capture_on_commit_callbacks(execute=True):
        case = case_start_assessment(case=new_case(), actor=coordinator)
    MemorySmsBackend.outbox.clear()  # the text on receipt went out
    refusals = {"left": 1}
    real_send = MemorySmsBackend.send

    def gateway(self, phone, body):
        if refusals["left"]:
            refusals["left"] -= 1
            raise SmsError("gateway answered 503")
        real_send(self, phone, body)

    monkeypatch.setattr(MemorySmsBackend, "send", gateway)
    with django_capture_on_commit_callbacks(execute=True):
        case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    event = CaseEvent.objects.get(case=case, transition="assign")
    row = OutboxMessage.objects.get(key=f"case-event:{event.pk}")
    # The liaison's notice stands; the refused text is logged and the row waits for its retry.
    assert (row.status, row.attempts) == ("pending", 1) and "gateway answered 503" in row.last_error
    assert Notification.objects.filter(event=event, user=liaison).count() == 1
    assert list(SmsMessage.objects.filter(event=event).values_list("status", flat=True)) == ["failed"]
    assert MemorySmsBackend.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        summary = outbox.sweep(run=True, now=row.next_attempt_at + dt.timedelta(seconds=1))
    assert summary["done"] == 1
    assert SmsMessage.objects.filter(event=event, status="sent").count() == 1
    assert [phone for phone, _body in MemorySmsBackend.outbox] == ["13812345678"]
    assert Notification.objects.filter(event=event, user=liaison).count() == 1
    assert len(mail.outbox) == 1  # the liaison's mail, once
    assert outbox.sweep(run=True, now=row.next_attempt_at + dt.timedelta(hours=1))["due"] == 0
    assert len(MemorySmsBackend.outbox) == 1


def test_mail_that_fails_part_way_is_retried_for_the_rest_only(
    coordinator, liaison, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail.backends.locmem import EmailBackend

    from cases.notifications import notification, notify

    real_send = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("SMTP went away")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with django_capture_on_commit_callbacks(execute=True):
        ids = notify(
            [
                notification(user_id=coordinator.pk, kind="test", title="督办一"),
                notification(user_id=liaison.pk, kind="test", title="督办二"),
            ]
        )
    row = OutboxMessage.objects.get(key=f"mail-notifications:{min(ids)}")
    assert row.status == "pending" and "1 of 2 e-mails sent" in row.last_error
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert list(Notification.objects.order_by("id").values_list("emailed_at", flat=True))[1] is None

    assert outbox.sweep(run=True, now=row.next_attempt_at + dt.timedelta(seconds=1))["done"] == 1
    assert [m.to for m in mail.outbox] == [[coordinator.email], [liaison.email]]
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
