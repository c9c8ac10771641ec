"""Deliver what the outbox still holds: for cron-less setups, or by hand after an outage."""

from django.core.management.base import BaseCommand

from common.models import OutboxMessage
from common.outbox import outbox_message_retry, sweep


class Command(BaseCommand):
    help = "Run (or with --publish, hand to the workers) every pending outbox row that is due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish to the broker for the workers instead of running here.",
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="First put every failed row back in line with fresh attempts.",
        )
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many rows per run (default 500)."
        )

    def handle(self, *args, publish=False, retry_failed=False, limit=500, **options):
        if retry_failed:
            failed = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED)
            again = sum(1 for message in failed if outbox_message_retry(message=message))
            self.stdout.write(f"requeued {again} failed rows")
        summary = sweep(run=not publish, limit=limit)
        self.stdout.write(" ".join(f"{name}={value}" for name, value in summary.items()))
        left = OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED).count()
        if left:
            self.stderr.write(f"{left} outbox rows have failed for good: see the admin (待办任务（发件箱）)")
