"""``manage.py rotate_pii_keys``: re-encrypt every phone and ID number under the current key.

Also recomputes every blind index under the current index key and re-encrypts the stored
idempotent responses; history tables included. In batches, each in its own transaction;
safe to interrupt and run again. ``--check`` only counts what still needs it; ``--generate``
prints a new key. The procedure is in docs/crypto.md.
"""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from common import pii
from common.pii_storage import reseal_table, sealed_tables


class Command(BaseCommand):
    help = (
        "Re-encrypt all personal data with the first key of ZONGZHI_PII_KEYS and recompute the blind "
        "indexes with the first key of ZONGZHI_PII_INDEX_KEYS (history tables included)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="print a new random key and exit")
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing: count the values not yet under the current keys (exit status 1 if any)",
        )
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, generate=False, check=False, batch=500, database=DEFAULT_DB_ALIAS, **options):
        if generate:
            self.stdout.write(pii.generate_key())
            return
        if check:
            stale = sum(self._check(sealed, database) for sealed in sealed_tables())
            if stale:
                raise CommandError(f"{stale} values are not yet under the current keys: run rotate_pii_keys.")
            self.stdout.write(self.style.SUCCESS("Every value is under the current keys."))
            return
        total = 0
        for sealed in sealed_tables():
            count = reseal_table(sealed, using=database, batch=batch)
            total += count
            self.stdout.write(f"{sealed.table}: {count} rows")
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} rows under the current keys."))

    def _check(self, sealed, database) -> int:
        """Return how many values of a table the current keys alone would not read or find."""
        current = Fernet(settings.ZONGZHI_PII_KEYS[0].encode())
        connection = connections[database]
        quote = connection.ops.quote_name
        columns = [
            c for column, index, _kind in sealed.personal for c in (column, index)
        ] + sealed.json_columns
        stale = 0
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(sealed.table)}")
            for row in cursor.fetchall():
                values = dict(zip(columns, row, strict=True))
                for column, index, kind in sealed.personal:
                    stored = values[column]
                    if not stored:
                        stale += values[index] != ""
                        continue
                    try:
                        plain = current.decrypt(stored.encode()).decode()
                    except InvalidToken:
                        stale += 1
                        continue
                    stale += values[index] != pii.blind_index(kind, plain)
                for column in sealed.json_columns:
                    try:
                        if values[column] is not None:
                            current.decrypt(values[column].encode())
                    except InvalidToken:
                        stale += 1
        if stale:
            self.stdout.write(f"{sealed.table}: {stale} values to re-encrypt")
        return stale
