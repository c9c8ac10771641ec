"""``manage.py load_calendar_year``: load a year's public holidays and make-up working days from a notice file (see departments.holidays)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.services import calendar_notice_load
from departments.holidays import parse_notice


class Command(BaseCommand):
    help = "Load a year's holidays and make-up working days from the State Council notice (one line per date range)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="show what would be loaded; write nothing")

    def handle(self, *args, year: int, file: Path, dry_run: bool, **options):
        try:
            days = parse_notice(file.read_text(encoding="utf-8"), year=year)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        for day in days:
            self.stdout.write(
                f"{day.date.isoformat()}  {'workday' if day.is_workday else 'holiday'}  {day.name}"
            )
        holidays = sum(1 for d in days if not d.is_workday)
        summary = f"{year}: {holidays} holidays, {len(days) - holidays} make-up working days"
        if dry_run:
            self.stdout.write(f"{summary} (dry run: nothing written)")
            return
        _count, changed = calendar_notice_load(year=year, days=days)
        self.stdout.write(
            self.style.SUCCESS(f"{summary} loaded; deadlines recomputed on {len(changed)} cases")
        )
