"""Restore a backup into the (empty) database of DATABASE_URL and MEDIA_ROOT (``make restore BACKUP=…``)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from common.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore backups/<timestamp>/ into the configured database (which must be empty) and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a backup folder written by manage.py backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the tables of a database that is not empty (pg_restore --clean)",
        )

    def handle(self, *args, **options):
        # Django's own connection stays closed: pg_restore and sqlite3 write the database.
        connections.close_all()
        try:
            counts = backup_restore(
                folder=Path(options["folder"]),
                settings_dict=connections["default"].settings_dict,
                media_root=Path(settings.MEDIA_ROOT),
                force=options["force"],
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {len(counts)} tables, {sum(counts.values())} rows")
