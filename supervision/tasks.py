"""Celery tasks of the supervision app: thin, safe to run twice, loud when they fail for good.

Beat starts the sweep every 10 minutes and the sampling on the 1st of each month (schedules
stored with django-celery-beat, editable in the admin). Each task acknowledges only after it
ran (a worker lost mid-task gives it back to the queue) and retries briefly with backoff on
database or broker trouble; a task that still fails is logged and recorded by
django-celery-results, where the admin lists it.
"""

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

RETRY_ON = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


class LoggedTask(Task):
    """A task that says so in the log when it retries and when it gives up."""

    def on_retry(self, exc, task_id, args, kwargs, einfo):
        logger.warning("task %s[%s] will retry: %r", self.name, task_id, exc)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        logger.error("task %s[%s] failed for good: %r", self.name, task_id, exc, exc_info=einfo.exc_info)


TASK_OPTIONS = {
    "base": LoggedTask,
    "bind": True,
    "acks_late": True,
    "autoretry_for": RETRY_ON,
    "max_retries": 3,
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
}


@shared_task(**TASK_OPTIONS)
def sweep_deadlines(self) -> dict:
    """Run the deadline sweep (时限巡查) at the current time."""
    from .services import deadline_sweep

    result = deadline_sweep().as_dict()
    logger.info("deadline sweep: %s", result)
    return result


@shared_task(**TASK_OPTIONS)
def sample_callbacks(self, month: str | None = None, size: int | None = None) -> dict:
    """Draw the callback sample of ``month`` (YYYY-MM; by default the month just ended)."""
    from django.utils import timezone

    from departments.models import Center, Level

    from .services import callback_round_sample, parse_month, previous_month

    first = parse_month(month) if month else previous_month(timezone.localdate())
    # Every county and township center calls back the cases it closed: one round each.
    outcomes = []
    for center in Center.objects.filter(level__in=(Level.COUNTY, Level.TOWNSHIP)).order_by("path"):
        round, created = callback_round_sample(month=first, size=size, center=center)
        outcomes.append(
            {
                "center": center.code,
                "month": f"{round.month:%Y-%m}",
                "created": created,
                "population": round.population_size,
                "taken": round.sample_size_taken,
            }
        )
    logger.info("callback sampling: %s", outcomes)
    return {
        "month": f"{first:%Y-%m}",
        "created": any(o["created"] for o in outcomes),
        "population": sum(o["population"] for o in outcomes),
        "taken": sum(o["taken"] for o in outcomes),
        "centers": outcomes,
    }
