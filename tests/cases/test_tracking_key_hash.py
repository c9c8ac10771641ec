"""The receipt's QR key is stored only as a hash, derived again for a reprint (issue 11, finding 5)."""

import hashlib

import pytest
from django.db import connection

from cases.models import TRACKING_KEY_FIELDS, Case, SmsMessage
from cases.notifications import redact_keys
from cases.sms import MemorySmsBackend


def _row(case: Case) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case WHERE id = %s", [case.pk])
        return dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))


def test_only_a_hash_of_the_key_is_stored(new_case):
    case = new_case()
    key = case.tracking_key
    row = _row(case)
    assert "tracking_key" not in row
    assert key not in {str(v) for v in row.values()}
    assert row["tracking_key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert len(key) == 16


def test_a_reprinted_receipt_carries_the_same_working_key(new_case, client):
    case = new_case()
    printed = case.tracking_url()
    reprinted = Case.objects.only("id", *TRACKING_KEY_FIELDS).get(pk=case.pk).tracking_url()
    assert reprinted == printed
    assert client.get(printed.removeprefix("http://127.0.0.1:8000")).status_code == 302


def test_the_key_is_checked_against_the_hash(new_case, settings):
    case = new_case()
    key = case.tracking_key
    fresh = Case.objects.only(*TRACKING_KEY_FIELDS).get(pk=case.pk)
    assert fresh.tracking_key_matches(key)
    assert not fresh.tracking_key_matches(key[:-1] + ("A" if key[-1] != "A" else "B"))
    assert not fresh.tracking_key_matches("")
    # The hash decides: with another secret the derived key changes, the printed one still works.
    settings.ZONGZHI_TRACKING_SECRET = "another-secret-" * 3
    assert fresh.tracking_key != key
    assert fresh.tracking_key_matches(key)


def test_a_key_printed_before_the_migration_keeps_working(new_case):
    case = new_case()
    Case.objects.filter(pk=case.pk).update(
        tracking_key_legacy_hash=hashlib.sha256(b"old-printed-key").hexdigest()
    )
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.tracking_key_matches("old-printed-key")
    assert fresh.tracking_key_matches(case.tracking_key)
    assert not fresh.tracking_key_matches("old-printed-kex")


def test_two_cases_get_unrelated_keys(new_case):
    first, second = new_case(), new_case()
    assert first.tracking_nonce != second.tracking_nonce
    assert first.tracking_key != second.tracking_key


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("评价：https://x.cn/t/420923/?k=abc_-123。", "评价：https://x.cn/t/420923/?k=***。"),
        ("a?x=1&k=abc b", "a?x=1&k=*** b"),
        ("no link", "no link"),
    ],
)
def test_redact_keys(text, redacted):
    assert redact_keys(text) == redacted


def test_the_sms_log_keeps_no_key_but_the_sent_text_does(case_closed_with_sms):
    case, sent = case_closed_with_sms
    logged = SmsMessage.objects.get(case=case, kind="close")
    assert case.tracking_key in sent
    assert case.tracking_key not in logged.body
    assert logged.body == sent.replace(case.tracking_key, "***")


@pytest.fixture
def case_closed_with_sms(new_case, coordinator, liaison, department, django_capture_on_commit_callbacks):
    from cases.services import case_accept, case_assign, case_close, case_start_assessment, case_submit_result

    MemorySmsBackend.outbox.clear()
    case = new_case()
    case = case_start_assessment(case=case, actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    case = case_submit_result(case=case, actor=liaison, result="已调解。")
    with django_capture_on_commit_callbacks(execute=True):
        case = case_close(case=case, actor=coordinator)
    sent = [body for _phone, body in MemorySmsBackend.outbox if "评价" in body or "?k=" in body]
    assert len(sent) == 1
    return case, sent[0]
