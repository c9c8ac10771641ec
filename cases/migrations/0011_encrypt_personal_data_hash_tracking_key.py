"""Encrypt the parties', visits' and SMS log's phone and ID numbers; hash the receipt keys.

Every existing value (history rows included) is encrypted under the current key and given its
blind index; the SMS log loses the keys of its tracking links; each case gets a nonce (its
receipt key is derived from it from now on) while the key already printed on its receipt keeps
working through its hash. Reversible: personal data is decrypted back (the receipt keys already
printed cannot be recovered from their hashes; reversed, every case gets its derived key).
"""

import re

from django.db import migrations

from common.pii_storage import reseal_models

PERSONAL_MODELS = ("cases.Party", "cases.HistoricalParty", "cases.Visit", "cases.SmsMessage")
KEY_IN_LINK = re.compile(r"([?&]k=)[A-Za-z0-9_-]+")
BATCH = 500


def hash_tracking_keys(apps, schema_editor):
    from cases.models.choices import derive_tracking_key, hash_tracking_key, new_tracking_nonce

    using = schema_editor.connection.alias
    fields = ["tracking_nonce", "tracking_key_hash", "tracking_key_legacy_hash"]
    nonces = {}  # a case and its history rows share the nonce
    for model_name in ("Case", "HistoricalCase"):
        model = apps.get_model("cases", model_name)
        batch = []
        for row in (
            model.objects.using(using)
            .order_by("pk")
            .only("pk", "id", "code", "tracking_key")
            .iterator(chunk_size=BATCH)
        ):
            row.tracking_nonce = nonces.setdefault(row.id, new_tracking_nonce())
            row.tracking_key_hash = hash_tracking_key(derive_tracking_key(row.code, row.tracking_nonce))
            row.tracking_key_legacy_hash = hash_tracking_key(row.tracking_key) if row.tracking_key else ""
            batch.append(row)
            if len(batch) >= BATCH:
                model.objects.using(using).bulk_update(batch, fields)
                batch = []
        model.objects.using(using).bulk_update(batch, fields)


def restore_tracking_keys(apps, schema_editor):
    from cases.models.choices import derive_tracking_key

    using = schema_editor.connection.alias
    for model_name in ("Case", "HistoricalCase"):
        model = apps.get_model("cases", model_name)
        rows = list(model.objects.using(using).only("pk", "code", "tracking_nonce"))
        for row in rows:
            row.tracking_key = derive_tracking_key(row.code, row.tracking_nonce)
        model.objects.using(using).bulk_update(rows, ["tracking_key"], batch_size=BATCH)


def redact_sms_log(apps, schema_editor):
    SmsMessage = apps.get_model("cases", "SmsMessage")
    using = schema_editor.connection.alias
    changed = []
    for message in SmsMessage.objects.using(using).filter(body__contains="k=").only("pk", "body"):
        redacted = KEY_IN_LINK.sub(r"\1***", message.body)
        if redacted != message.body:
            message.body = redacted
            changed.append(message)
    SmsMessage.objects.using(using).bulk_update(changed, ["body"], batch_size=BATCH)


def encrypt(apps, schema_editor):
    reseal_models(*PERSONAL_MODELS, apps=apps, using=schema_editor.connection.alias)


def decrypt(apps, schema_editor):
    reseal_models(*PERSONAL_MODELS, apps=apps, using=schema_editor.connection.alias, unseal=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_encrypt_personal_data_schema"),
    ]

    operations = [
        migrations.RunPython(hash_tracking_keys, restore_tracking_keys),
        migrations.RunPython(redact_sms_log, migrations.RunPython.noop),
        migrations.RunPython(encrypt, decrypt),
    ]
