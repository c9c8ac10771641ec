"""The transactional outbox: run a queued task once, retry it with backoff, give up visibly.

A row (:class:`common.models.OutboxMessage`) is written by :func:`common.tasks.enqueue_on_commit`
in the transaction that causes the side effect. Then:

- the fast path publishes ``outbox_deliver(key)`` right after the commit;
- :func:`deliver` claims the row (a row lock taken with ``SKIP LOCKED``, then a conditional
  UPDATE of its attempt count), runs the task in-process inside the same transaction, and marks
  the row done there: the task's database writes and "done" commit together, or neither does;
- a failure counts an attempt and plans the next one (30 s doubling, capped at 15 min); after
  ``ZONGZHI_OUTBOX_MAX_ATTEMPTS`` the row is marked failed and stays in the admin's list, where
  an operator retries it;
- :func:`sweep` (Celery beat every minute, or ``manage.py outbox_sweep`` from cron) publishes or
  runs the rows still pending: those whose publish failed because the broker was down, those
  whose message was lost, and the retries that are due;
- :func:`outbox_purge` (Celery beat nightly, or ``manage.py outbox_purge``) deletes the rows
  delivered more than ``ZONGZHI_OUTBOX_RETENTION_DAYS`` ago, a batch at a time; pending and
  failed rows are never deleted.

A duplicate message (the fast path and the sweep both published) finds the row done or locked
and does nothing; the effects carry their own unique keys too (one notification per user, event
and kind; one sent SMS per case, event, kind and phone).
"""

import datetime as dt
import logging

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 15 * 60
# A new row is left to the fast path this long before the sweep publishes it again.
SWEEP_GRACE = dt.timedelta(seconds=60)
# A retry message woken by its countdown a moment early still counts the row as due.
DUE_TOLERANCE = dt.timedelta(seconds=5)
# A done row is its effect's dedupe record: it is never purged younger than this.
MIN_RETENTION = dt.timedelta(days=1)
# Rows deleted per DELETE (and per transaction), so a big backlog never holds one long lock.
PURGE_BATCH_SIZE = 5000


class Incomplete(Exception):
    """Raised by a task that did part of its work: keep what it wrote, run it again later.

    A text gateway that refused one of two messages: the one sent stays logged (and is not sent
    again, its unique key says so); the row is retried with backoff for the other.
    """


def max_attempts() -> int:
    return settings.ZONGZHI_OUTBOX_MAX_ATTEMPTS


def backoff_seconds(attempt: int) -> int:
    """Return the wait after the ``attempt``-th failed attempt (1-based): 30 s doubling, capped at 15 min."""
    return min(FIRST_RETRY_SECONDS * 2 ** max(0, attempt - 1), MAX_RETRY_SECONDS)


def _due(now: dt.datetime) -> Q:
    # The first attempt is the fast path's: it may run at once. Later ones wait for their time,
    # so a stale duplicate message never runs a retry early (nor burns the attempts).
    return Q(attempts=0) | Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + DUE_TOLERANCE)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def deliver(key: str, *, now: dt.datetime | None = None) -> tuple[str, int | None]:
    """Run the pending task stored under ``key`` once; return (outcome, seconds until a retry or None).

    Outcomes: ``done``; ``retry`` (failed, due again in the seconds returned); ``failed`` (failed
    for the last allowed time); ``skipped`` (done already, failed for good, not due, or being run
    by another worker right now).
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_due(now), key=key, status=OutboxMessage.Status.PENDING)
            .first()
        )
        if message is None:
            return "skipped", None
        # The claim itself on databases without row locks (SQLite): whoever moves the count first runs.
        claimed = OutboxMessage.objects.filter(
            pk=message.pk, status=OutboxMessage.Status.PENDING, attempts=message.attempts
        ).update(attempts=F("attempts") + 1)
        if not claimed:
            return "skipped", None
        attempts = message.attempts + 1
        task = current_app.tasks.get(message.task)
        try:
            if task is None:
                raise LookupError(f"no task named {message.task!r} is registered")
            incomplete = None
            with transaction.atomic():  # a failing task leaves none of its writes behind …
                try:
                    task(*message.args, **message.kwargs)
                except Incomplete as exc:  # … unless it says that what it did stands
                    incomplete = exc
            if incomplete is not None:
                raise incomplete
        except Exception as exc:
            error = _error_text(exc)
            if attempts >= max_attempts():
                OutboxMessage.objects.filter(pk=message.pk).update(
                    status=OutboxMessage.Status.FAILED, next_attempt_at=None, last_error=error
                )
                logger.error(
                    "outbox %s (%s) failed for good after %d attempts: %s", key, message.task, attempts, error
                )
                return "failed", None
            wait = backoff_seconds(attempts)
            OutboxMessage.objects.filter(pk=message.pk).update(
                next_attempt_at=now + dt.timedelta(seconds=wait), last_error=error
            )
            logger.warning(
                "outbox %s (%s) attempt %d failed, retry in %d s: %s",
                key,
                message.task,
                attempts,
                wait,
                error,
            )
            return "retry", wait
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.DONE, done_at=timezone.now(), next_attempt_at=None, last_error=""
        )
        return "done", None


def due_keys(*, now: dt.datetime | None = None, limit: int = 500) -> list[str]:
    """Return the keys of pending rows whose time has come, the longest waiting first."""
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("key", flat=True)[:limit]
    )


def sweep(*, now: dt.datetime | None = None, run: bool = False, limit: int = 500) -> dict:
    """Publish (or, with ``run``, run here) every pending row that is due; return counts.

    Publishing stops at the first error: the broker is still down, and the next sweep tries again.
    """
    from .tasks import outbox_deliver

    keys = due_keys(now=now, limit=limit)
    summary = {"due": len(keys), "published": 0, "done": 0, "retry": 0, "failed": 0, "skipped": 0}
    for key in keys:
        if run:
            outcome, _wait = deliver(key, now=now)
            summary[outcome] += 1
            continue
        try:
            outbox_deliver.delay(key)
        except Exception as exc:
            logger.error("outbox sweep could not publish (%s); %d rows wait for the next sweep", _error_text(exc),
                         len(keys) - summary["published"])  # fmt: skip
            summary["publish_error"] = _error_text(exc)
            break
        summary["published"] += 1
    return summary


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Return the moment before which delivered rows are past ``ZONGZHI_OUTBOX_RETENTION_DAYS``."""
    now = now or timezone.now()
    return now - dt.timedelta(days=settings.ZONGZHI_OUTBOX_RETENTION_DAYS)


def _purgeable(before: dt.datetime) -> Q:
    return Q(status=OutboxMessage.Status.DONE, done_at__lt=before)


def outbox_purge_count(*, before: dt.datetime) -> int:
    """Return how many delivered rows :func:`outbox_purge` would delete for ``before``."""
    return OutboxMessage.objects.filter(_purgeable(before)).count()


def outbox_purge(
    *, before: dt.datetime, now: dt.datetime | None = None, batch_size: int = PURGE_BATCH_SIZE
) -> int:
    """Delete the rows delivered before ``before``, ``batch_size`` ids per transaction; return how many.

    Only done rows go: pending and failed rows are work still owed or evidence an operator must
    see, whatever their age. Each batch commits on its own, so a large backlog never holds one
    long transaction; a purge interrupted half way leaves whole batches deleted and is simply
    run again.
    """
    now = now or timezone.now()
    if before > now - MIN_RETENTION:
        raise ValueError("refusing to purge outbox rows delivered less than a day ago (their dedupe keys)")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    deleted = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(_purgeable(before))
            .order_by("id")
            .values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            break
        with transaction.atomic():
            # The condition again: a row is never deleted unless it is done, even if it changed.
            count, _ = OutboxMessage.objects.filter(_purgeable(before), pk__in=ids).delete()
        deleted += count
        if len(ids) < batch_size:
            break
    if deleted:
        logger.info("outbox purge: %d rows delivered before %s deleted", deleted, before.isoformat())
    return deleted


@transaction.atomic
def outbox_message_retry(*, message: OutboxMessage, now: dt.datetime | None = None) -> bool:
    """Put a failed (or pending) row back in line with a fresh set of attempts; False if it is done."""
    from .tasks import outbox_deliver, publish_on_commit

    updated = OutboxMessage.objects.filter(
        pk=message.pk, status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.PENDING]
    ).update(status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=now or timezone.now())
    if updated:
        publish_on_commit(outbox_deliver, message.key)
    return bool(updated)


def publish_failed(key: str, exc: BaseException) -> None:
    """Note on the row that its message never reached the broker: the next sweep publishes it."""
    OutboxMessage.objects.filter(key=key, status=OutboxMessage.Status.PENDING).update(
        next_attempt_at=timezone.now(), last_error=f"publish: {_error_text(exc)}"[:2000]
    )
