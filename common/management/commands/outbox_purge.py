"""Delete the outbox rows delivered past the retention period: for cron-less setups, or by hand."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from common.outbox import MIN_RETENTION, outbox_purge, outbox_purge_count, retention_cutoff


class Command(BaseCommand):
    help = (
        "Delete the outbox rows delivered more than ZONGZHI_OUTBOX_RETENTION_DAYS (or --days) ago; "
        "pending and failed rows are never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"keep this many days (default ZONGZHI_OUTBOX_RETENTION_DAYS={settings.ZONGZHI_OUTBOX_RETENTION_DAYS})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only count the rows that would be deleted"
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        if days is not None and dt.timedelta(days=days) < MIN_RETENTION:
            raise CommandError(f"--days {days}: delivered rows are kept at least {MIN_RETENTION.days} day")
        now = timezone.now()
        before = now - dt.timedelta(days=days) if days is not None else retention_cutoff(now)
        if dry_run:
            count = outbox_purge_count(before=before)
            self.stdout.write(f"{count} delivered rows done before {before:%Y-%m-%d %H:%M} would be deleted.")
            return
        deleted = outbox_purge(before=before, now=now)
        self.stdout.write(f"{deleted} delivered rows done before {before:%Y-%m-%d %H:%M} deleted.")
