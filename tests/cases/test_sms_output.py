"""Finding 6: the console and file SMS backends log messages without the phone or the key."""

import json
import re

import pytest

from cases.services import case_accept, case_assign, case_close, case_start_assessment, case_submit_result

PHONE = "13812345678"  # the applicant's mobile in tests/conftest.py PARTIES
KEY_IN_CLEAR = re.compile(r"[?&]k=(?!\[redacted\])")


def _close_a_case(new_case, coordinator, department, liaison, capture):
    with capture(execute=True):
        case = case_start_assessment(case=new_case(), actor=coordinator)
        case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
        case = case_accept(case=case, actor=liaison)
        case = case_submit_result(case=case, actor=liaison, result="已调解")
        case_close(case=case, actor=coordinator)
    return case


def test_the_console_backend_prints_a_masked_phone_and_no_key(
    settings, capsys, new_case, coordinator, department, liaison, django_capture_on_commit_callbacks
):
    settings.ZONGZHI_SMS_BACKEND = "cases.sms.ConsoleSmsBackend"
    case = _close_a_case(new_case, coordinator, department, liaison, django_capture_on_commit_callbacks)
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if line.startswith("[SMS to ")]
    assert len(lines) == 3  # intake, assignment, closing
    assert all(line.startswith("[SMS to 138****5678] ") for line in lines)
    assert PHONE not in printed
    assert case.code_display in lines[0]
    assert "/t/" in lines[-1] and "?k=[redacted]" in lines[-1]  # the evaluation link, key dropped
    assert not KEY_IN_CLEAR.search(printed)


def test_the_file_backend_appends_a_masked_phone_and_no_key(
    settings, tmp_path, new_case, coordinator, department, liaison, django_capture_on_commit_callbacks
):
    outbox = tmp_path / "sms.log"
    settings.ZONGZHI_SMS_BACKEND = "cases.sms.FileSmsBackend"
    settings.ZONGZHI_SMS_FILE_PATH = str(outbox)
    _close_a_case(new_case, coordinator, department, liaison, django_capture_on_commit_callbacks)
    text = outbox.read_text(encoding="utf-8")
    messages = [json.loads(line) for line in text.splitlines()]
    assert [m["phone"] for m in messages] == ["138****5678"] * 3
    assert PHONE not in text
    assert "?k=[redacted]" in messages[-1]["body"]
    assert not KEY_IN_CLEAR.search(text)


def test_the_gateway_still_gets_the_full_message(monkeypatch, settings):
    """Only what is logged is masked: the party's gateway receives the number and the link."""
    from cases import sms

    sent = {}

    class Answer:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(request, timeout):
        sent.update(json.loads(request.data))
        return Answer()

    monkeypatch.setattr(sms.urllib.request, "urlopen", urlopen)
    settings.ZONGZHI_SMS_GATEWAY_URL = "https://sms.example/send"
    sms.HttpGatewaySmsBackend().send(PHONE, "查询 https://x.example/t/1/?k=secretkey")
    assert sent == {"phone": PHONE, "text": "查询 https://x.example/t/1/?k=secretkey"}


@pytest.mark.parametrize(
    ("phone", "shown"),
    [(PHONE, "138****5678"), ("138-1234-5678", "138****5678"), ("+86 138 1234 5678", "+86*******5678")],
)
def test_the_console_backend_alone_masks_and_redacts(capsys, phone, shown):
    from cases.sms import ConsoleSmsBackend

    ConsoleSmsBackend().send(
        phone, "【综治中心】请评价：https://zz.example/t/42092120261118001/?k=SeCrEtKeY123"
    )
    assert capsys.readouterr().out == (
        f"[SMS to {shown}] 【综治中心】请评价：https://zz.example/t/42092120261118001/?k=[redacted]\n"
    )
