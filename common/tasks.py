"""The one way to queue Celery work from a write: an outbox row in the transaction, published after it.

Every service that has work for a worker (notices, texts, e-mail) calls :func:`enqueue_on_commit`
inside its transaction. It writes an :class:`~common.models.OutboxMessage` row with the task's
name and arguments in that transaction, so nothing is queued if the transaction rolls back and
nothing is lost once it has committed: right after the commit the row is published
(``outbox_deliver``), and if the broker cannot be reached the error is noted on the row, the saved
action stands, and the outbox sweep publishes it when the broker is back (:mod:`common.outbox`).
Arguments are ids and plain values, never model instances: the worker loads fresh rows by id.

:func:`publish_on_commit` is the best-effort publish without a row, for work that has its own
table to recover from (webhook deliveries, an outbox row being retried).
"""

import contextlib
import contextvars
import datetime as dt
import json
import logging
import uuid
from decimal import Decimal
from uuid import UUID

from celery import shared_task
from django.core.serializers.json import DjangoJSONEncoder
from django.db import OperationalError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

_PLAIN = (str, int, float, bool, type(None), Decimal, UUID, dt.date, dt.datetime)

# Task names that enqueue_on_commit drops inside :func:`skipping` (the demo's made-up history).
_skipped: contextvars.ContextVar[frozenset] = contextvars.ContextVar("outbox_skipped", default=frozenset())


def _check_plain(value) -> None:
    """Refuse anything but ids and plain values (a model instance would be pickled stale)."""
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check_plain(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_plain(key)
            _check_plain(item)
        return
    raise TypeError(f"enqueue_on_commit takes ids and plain values, not {type(value).__name__}")


def _task_name(task) -> str:
    return getattr(task, "name", repr(task))


def enqueue_on_commit(task, *args, dedupe_key: str | None = None, **kwargs) -> None:
    """Record ``task(*args, **kwargs)`` in the outbox now; publish it once the transaction commits.

    ``dedupe_key`` names the side effect (``"case-event:42"``): a second enqueue under the same
    key is dropped, so the effect happens once however often it is asked for. Without one, every
    call is its own row. Arguments travel as JSON (dates, decimals and UUIDs arrive as strings).
    """
    from .models import OutboxMessage

    _check_plain(args)
    _check_plain(kwargs)
    name = _task_name(task)
    if name in _skipped.get():
        return
    key = (dedupe_key or f"{name}:{uuid.uuid4().hex}")[:200]
    # Through JSON now, so the worker gets exactly what a retry from the row would give it.
    plain_args = json.loads(json.dumps(list(args), cls=DjangoJSONEncoder))
    plain_kwargs = json.loads(json.dumps(kwargs, cls=DjangoJSONEncoder))
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                key=key,
                task=name,
                args=plain_args,
                kwargs=plain_kwargs,
                next_attempt_at=timezone.now() + _sweep_grace(),
            )
        ],
        ignore_conflicts=True,  # the same effect asked for twice: the first row stands
    )
    publish_on_commit(outbox_deliver, key, on_error=_note_publish_error)


def _sweep_grace() -> dt.timedelta:
    from .outbox import SWEEP_GRACE

    return SWEEP_GRACE


def _note_publish_error(task, args, exc) -> None:
    from .outbox import publish_failed

    try:
        publish_failed(args[0], exc)
    except Exception:  # the database too: the row is due at its grace time anyway
        logger.exception("Could not note the failed publish on outbox row %s", args[0])


def publish_on_commit(task, *args, on_error=None, **kwargs) -> None:
    """Publish ``task`` once the current transaction commits; a broker that is down is logged, not raised."""
    _check_plain(args)
    _check_plain(kwargs)
    name = _task_name(task)

    def publish() -> None:
        try:
            task.delay(*args, **kwargs)
        except Exception as exc:
            # The write is committed; a failed publish must not turn it into an error.
            logger.exception("Could not publish %s%r in on_commit(); the saved action stands", name, args)
            if on_error is not None:
                on_error(task, args, exc)

    transaction.on_commit(publish)


@contextlib.contextmanager
def skipping(*tasks):
    """Inside the block, :func:`enqueue_on_commit` drops these tasks (no row, no publish)."""
    token = _skipped.set(_skipped.get() | {_task_name(task) for task in tasks})
    try:
        yield
    finally:
        _skipped.reset(token)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def outbox_deliver(self, key: str) -> str:
    """Run the outbox row ``key`` once (claimed, done in one transaction) and schedule its retry."""
    from .outbox import deliver

    outcome, retry_in = deliver(key)
    if retry_in is not None and not self.request.is_eager:
        try:
            outbox_deliver.apply_async((key,), countdown=retry_in)
        except Exception:  # the sweep publishes it when it is due
            logger.warning("Could not schedule the retry of outbox row %s", key, exc_info=True)
    return outcome


@shared_task(ignore_result=True)
def outbox_sweep() -> dict:
    """Publish every pending outbox row that is due (failed publishes, lost messages, retries)."""
    from .outbox import sweep

    summary = sweep()
    if summary["due"]:
        logger.info("outbox sweep: %s", summary)
    return summary


@shared_task(ignore_result=True, autoretry_for=(OperationalError,), max_retries=3, retry_backoff=60)
def outbox_purge() -> int:
    """Delete the outbox rows delivered more than ``ZONGZHI_OUTBOX_RETENTION_DAYS`` ago."""
    from .outbox import outbox_purge as purge
    from .outbox import retention_cutoff

    now = timezone.now()
    return purge(before=retention_cutoff(now), now=now)
