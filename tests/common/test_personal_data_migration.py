"""The migrations encrypt rows written before them, and decrypt them back when reversed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import Case, Party, SmsMessage
from common import pii
from departments.models import StaffProfile
from integrations.models import IdempotencyRecord
from tests.factories import PartyFactory, StaffFactory

BEFORE = [
    ("cases", "0009_notification_emailed_at"),
    ("departments", "0005_history"),
    ("integrations", "0004_webhook_vocabulary_and_sequence"),
]
PHONE, ID_NUMBER = "13912345678", "11010519491231002X"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


def _raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_back_to_plaintext_and_forward_to_encrypted(new_case, coordinator, center):
    case = new_case()
    party = PartyFactory(case=case, phone=PHONE, id_number=ID_NUMBER)
    staff = StaffFactory(center=center, phone="13566667777")
    IdempotencyRecord.objects.create(
        user=coordinator,
        key="k1",
        method="POST",
        path="/x",
        request_hash="h",
        response_status=201,
        response_body={"phone": PHONE},
    )
    printed_key = case.tracking_key

    try:
        _migrate(BEFORE)
        # Reversed: plaintext again, and the key the receipt carries is a column again.
        assert _raw("SELECT phone, id_number FROM cases_party WHERE id = %s", [party.pk]) == (
            PHONE,
            ID_NUMBER,
        )
        assert _raw("SELECT phone FROM departments_staffprofile WHERE id = %s", [staff.pk]) == (
            "13566667777",
        )
        assert _raw("SELECT tracking_key FROM cases_case WHERE id = %s", [case.pk]) == (printed_key,)
        # An SMS logged by the old code, with the key in its link.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_smsmessage (case_id, kind, phone, body, backend, status, error, created_at) "
                "VALUES (%s, 'close', %s, %s, 'memory', 'sent', '', %s)",
                [case.pk, PHONE, f"评价：http://x/t/{case.code}/?k={printed_key}", case.created_at],
            )
    finally:
        _migrate(None)

    # Forward: nothing in the clear, everything readable and findable, the printed key still works.
    raw_phone, raw_id = _raw("SELECT phone, id_number FROM cases_party WHERE id = %s", [party.pk])
    assert pii.is_encrypted(raw_phone) and pii.is_encrypted(raw_id)
    assert Party.objects.get(phone=PHONE, id_number=ID_NUMBER) == party
    assert party.history.first().phone == PHONE
    assert StaffProfile.objects.get(phone="13566667777") == staff
    message = SmsMessage.objects.get(case=case, kind="close")
    assert message.phone == PHONE and printed_key not in message.body and "?k=***" in message.body
    assert pii.is_encrypted(_raw("SELECT response_body FROM integrations_idempotencyrecord")[0])
    assert IdempotencyRecord.objects.get().response_body == {"phone": PHONE}
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.tracking_key_matches(printed_key)
    assert printed_key not in str(_raw("SELECT * FROM cases_case WHERE id = %s", [case.pk]))
