"""The one way to queue Celery work from a write: after the commit, by id, never failing the write.

Every service that has work for a worker (notices, e-mail, webhook deliveries) calls
:func:`enqueue_on_commit` inside its transaction. Nothing is published if the transaction rolls
back; once it has committed, a broker that cannot be reached is logged and the saved action
stands (a later sweep or a retry from the admin catches up). Arguments are ids and plain
values, never model instances: the worker loads fresh rows by id.
"""

import datetime as dt
import logging
from decimal import Decimal
from uuid import UUID

from django.db import transaction

logger = logging.getLogger(__name__)

_PLAIN = (str, int, float, bool, type(None), Decimal, UUID, dt.date, dt.datetime)


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


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish ``task`` with ``args`` and ``kwargs`` once the current transaction commits."""
    _check_plain(args)
    _check_plain(kwargs)
    name = getattr(task, "name", repr(task))

    def publish() -> None:
        try:
            task.delay(*args, **kwargs)
        except Exception:
            # The write is committed; losing the side effect must not turn it into an error.
            logger.exception("Could not publish %s%r in on_commit(); the saved action stands", name, args)

    transaction.on_commit(publish)
