"""The reception hall in a real browser: intake with a typo, the receipt, its QR, tracking."""

import re

import zxingcpp
from PIL import Image

from cases.models import Case


def test_reception_intake_receipt_qr_and_tracking(
    transactional_db, live_server, settings, page_factory, login, artifacts, reception, center
):
    settings.PUBLIC_BASE_URL = live_server.url
    page = page_factory()
    login(page, reception.username)
    assert page.url.endswith("/cases/intake/")

    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-0-phone", "13812345678")
    page.fill("#id_parties-0-id_number", "110105194912310021")  # wrong check character
    page.click("#add-party")
    page.fill("#id_parties-1-name", "某建筑劳务公司")
    page.select_option("#id_parties-1-role", "respondent")
    page.fill("#id_title", "拖欠 12 名工人工资")
    page.select_option("#id_category", "labour")
    page.fill("#id_location", "城关镇建设路 8 号工地")
    page.fill("#id_description", "某建筑劳务公司拖欠 12 名工人三个月工资共计 36 万元。")
    page.screenshot(path=str(artifacts / "intake-form.png"), full_page=True)
    page.click("#submit-intake")
    page.wait_for_load_state("networkidle")

    # The error shows next to the field, and everything typed is still there.
    assert "身份证号校验位错误" in page.inner_text(".party-row:first-child")
    assert page.input_value("#id_parties-0-name") == "张三"
    assert page.input_value("#id_parties-1-name") == "某建筑劳务公司"
    assert page.input_value("#id_description").startswith("某建筑劳务公司拖欠")
    assert not Case.objects.exists()
    page.screenshot(path=str(artifacts / "intake-form-error.png"), full_page=True)

    page.fill("#id_parties-0-id_number", "11010519491231002X")
    page.click("#submit-intake")
    page.wait_for_url(re.compile(r"/cases/\d{17}/receipt/"))
    case = Case.objects.get()
    assert page.inner_text("#receipt-code") == case.code_display
    assert case.parties.count() == 2
    page.wait_for_function("() => document.getElementById('receipt-qr').complete")
    page.screenshot(path=str(artifacts / "receipt.png"), full_page=True)
    qr_png = artifacts / "receipt-qr.png"
    page.locator("#receipt-qr").screenshot(path=str(qr_png))
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(qr_png))]
    assert decoded == [f"{live_server.url}/t/{case.code}/?k={case.tracking_key}"]

    # The party opens the QR's link on a phone: a fresh browser, no account.
    phone = page_factory(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone.goto(decoded[0])
    assert case.code_display in phone.inner_text("body")
    assert "已受理" in phone.inner_text("body")
    body = phone.content()
    assert "张三" not in body and "13812345678" not in body
    phone.screenshot(path=str(artifacts / "tracking.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_verified_party_evaluates_a_closed_case(
    transactional_db, live_server, page_factory, artifacts, new_case, coordinator, liaison, department
):
    from cases.services import case_accept, case_assign, case_close, case_start_assessment, case_submit_result

    case = case_start_assessment(case=new_case(), actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    case = case_submit_result(case=case, actor=liaison, result="已协调用工单位支付工资。")
    case = case_close(case=case, actor=coordinator)

    phone = page_factory(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone.goto(f"{live_server.url}/t/")
    phone.fill("#id_code", case.code_display)
    phone.fill("#id_last4", "5678")  # the applicant's phone 138****5678
    phone.click("form.card button[type=submit]")
    phone.wait_for_selector("#evaluation-title")
    assert "县人民法院" in phone.inner_text("body")  # verified: the department shows
    phone.check("input[name=rating][value=satisfied]")
    phone.fill("textarea[name=comment]", "工资已经拿到，谢谢。")
    phone.screenshot(path=str(artifacts / "tracking-evaluation.png"), full_page=True)
    phone.click("section.evaluate button[type=submit]")
    phone.wait_for_selector("section.evaluated")
    assert "满意" in phone.inner_text("section.evaluated")
    case.refresh_from_db()
    assert case.state == "evaluated"
    assert case.evaluations.get().rating == "satisfied"
