"""Re-encrypt the stored personal data of whole tables: the migrations and ``rotate_pii_keys``.

Works on raw rows (no model ``save()``: no history rows, no signals, no ``updated_at``), in
batches by primary key, each batch in its own transaction. A plaintext value left by an older
version is encrypted; a token is re-encrypted under the current key; every blind index is
recomputed under the current index key. Running it twice leaves the same readable data.
"""

import json
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.db import connections, transaction

from . import pii
from .fields import BlindIndexField, EncryptedJSONField, PersonalDataField, index_name, normalize


@dataclass
class SealedTable:
    """A table holding personal data: its personal columns (with their kinds) and encrypted JSON."""

    model: type
    personal: list[tuple[str, str, str]]  # (column, index column, kind)
    json_columns: list[str]

    @property
    def table(self) -> str:
        return self.model._meta.db_table


def sealed_tables(apps=global_apps, labels=None) -> list[SealedTable]:
    """Return every table with a personal-data or encrypted JSON column, history tables included."""
    tables = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if labels is not None and model._meta.label_lower not in labels:
            continue
        personal, json_columns = [], []
        for field in model._meta.concrete_fields:
            if isinstance(field, PersonalDataField):
                index = model._meta.get_field(index_name(field.name))
                assert isinstance(index, BlindIndexField)
                personal.append((field.column, index.column, field.kind))
            elif isinstance(field, EncryptedJSONField):
                json_columns.append(field.column)
        if personal or json_columns:
            tables.append(SealedTable(model, personal, json_columns))
    return tables


def _seal_value(kind: str, stored) -> tuple[str, str]:
    """Return (token under the current key, blind index under the current index key)."""
    plain = pii.decrypt(stored) if pii.is_encrypted(stored) else normalize(kind, stored)
    return pii.encrypt(plain), pii.blind_index(kind, plain)


def _seal_json(stored):
    if stored is None:
        return None
    if pii.is_encrypted(stored):
        return pii.reencrypt(stored)
    data = json.loads(stored) if isinstance(stored, str) else stored
    return pii.encrypt_json(data)


def _unseal_json(stored):
    if stored is None or not pii.is_encrypted(stored):
        return stored
    return json.dumps(pii.decrypt_json(stored), ensure_ascii=False)


def _rows(cursor, quote, table: str, pk: str, columns: list[str], after, batch: int):
    column_list = ", ".join(quote(c) for c in [pk, *columns])
    where = f"WHERE {quote(pk)} > %s " if after is not None else ""
    cursor.execute(
        f"SELECT {column_list} FROM {quote(table)} {where}ORDER BY {quote(pk)} LIMIT %s",
        [after, batch] if after is not None else [batch],
    )
    return cursor.fetchall()


def reseal_table(
    sealed: SealedTable, *, using: str = "default", batch: int = 500, unseal: bool = False
) -> int:
    """Re-encrypt (or, with ``unseal``, decrypt back to plaintext) one table; return its row count."""
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = sealed.model._meta.pk.column
    columns = [c for column, index, _kind in sealed.personal for c in (column, index)] + sealed.json_columns
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    update = f"UPDATE {quote(sealed.table)} SET {assignments} WHERE {quote(pk)} = %s"
    done, after = 0, None
    while True:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            rows = _rows(cursor, quote, sealed.table, pk, columns, after, batch)
            if not rows:
                return done
            params = []
            for row in rows:
                values = dict(zip(columns, row[1:], strict=True))
                out = []
                for column, _index, kind in sealed.personal:
                    if unseal:
                        stored = values[column]
                        plain = pii.decrypt(stored) if pii.is_encrypted(stored) else normalize(kind, stored)
                        out += [plain, ""]
                    else:
                        out += list(_seal_value(kind, values[column]))
                for column in sealed.json_columns:
                    out.append(_unseal_json(values[column]) if unseal else _seal_json(values[column]))
                params.append([*out, row[0]])
            cursor.executemany(update, params)
        done += len(rows)
        after = rows[-1][0]


def reseal_models(*model_labels: str, apps=global_apps, using: str = "default", unseal: bool = False) -> None:
    """Migration helper: reseal the tables of the given models (``app_label.Model``) as of ``apps``."""
    for sealed in sealed_tables(apps, labels={label.lower() for label in model_labels}):
        reseal_table(sealed, using=using, unseal=unseal)
