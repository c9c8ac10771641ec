"""Back up the database and the uploaded files: ``manage.py backup [--to backups/]`` (``make backup``)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write backups/<timestamp>/: the database (pg_dump -Fc or an SQLite copy), media/ and manifest.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", default=str(settings.BASE_DIR / "backups"), help="folder to write into")

    def handle(self, *args, **options):
        try:
            folder = backup_create(target_root=Path(options["to"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(folder))
