"""Delete access log rows past the retention period; by hand only (nothing runs this on a schedule)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.models import AccessLogEntry
from audit.services import access_log_purge, retention_cutoff


class Command(BaseCommand):
    help = "Delete access log rows older than ZONGZHI_AUDIT_RETENTION_DAYS (or --days, if longer)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="keep this many days (>= the setting)")
        parser.add_argument("--yes", action="store_true", help="delete; without it, only count")

    def handle(self, *args, days=None, yes=False, **options):
        minimum = settings.ZONGZHI_AUDIT_RETENTION_DAYS
        if days is not None and days < minimum:
            raise CommandError(f"--days {days} is shorter than ZONGZHI_AUDIT_RETENTION_DAYS={minimum}")
        now = timezone.now()
        before = now - dt.timedelta(days=days) if days is not None else retention_cutoff(now)
        count = AccessLogEntry.objects.filter(created_at__lt=before).count()
        if not yes:
            self.stdout.write(
                f"{count} rows older than {before:%Y-%m-%d %H:%M} would be deleted (add --yes)."
            )
            return
        deleted = access_log_purge(before=before, now=now)
        self.stdout.write(f"{deleted} rows older than {before:%Y-%m-%d %H:%M} deleted.")
