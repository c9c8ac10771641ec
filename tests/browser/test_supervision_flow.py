"""Supervision in a real browser: the sweep issues an order on an overdue case, the department's
liaison answers it from "orders to answer", the coordinator verifies it and the case is handled again."""

import datetime as dt

from django.utils import timezone

from cases.models import Case, RiskColour, State
from cases.services import case_assign, case_start_assessment
from supervision.models import OrderStatus, SupervisionOrder
from supervision.services import deadline_sweep

# For the database flush after the test too, which runs beside Playwright's event loop.


def test_overdue_order_answered_and_verified(
    transactional_db, live_server, page_factory, login, artifacts, new_case, coordinator, liaison, department
):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    case = case_assign(
        case=case, actor=coordinator, risk_colour=RiskColour.YELLOW, lead_department=department
    )
    # Nobody accepted it in time.
    Case.objects.filter(pk=case.pk).update(accept_by=timezone.now() - dt.timedelta(hours=2))
    assert deadline_sweep().orders == 1
    order = SupervisionOrder.objects.get()

    desk = page_factory()
    login(desk, coordinator.username)
    desk.goto(f"{live_server.url}/supervision/orders/?status=open")
    row = desk.locator(f"tr[data-number='{order.number}']")
    assert "逾期未办" in row.inner_text() and "待答复" in row.inner_text()
    assert case.code_display in row.inner_text()
    desk.screenshot(path=str(artifacts / "supervision-orders.png"), full_page=True)

    department_page = page_factory()
    login(department_page, liaison.username)
    department_page.goto(f"{live_server.url}/supervision/to-answer/")
    to_answer = department_page.locator("#to-answer")
    assert order.number in to_answer.inner_text()
    to_answer.get_by_role("link", name="答复").click()
    department_page.wait_for_url(f"**/supervision/orders/{order.number}/")
    assert "签收期限" in department_page.inner_text("#order-action")
    department_page.fill("#id_response", "已于今日签收，并约请双方本周五到法院调解室调解。")
    department_page.screenshot(path=str(artifacts / "supervision-respond.png"), full_page=True)
    department_page.click("#submit-response")
    department_page.wait_for_url("**/supervision/to-answer/")
    assert "已答复督办单" in department_page.inner_text(".messages")
    assert order.number in department_page.inner_text("#awaiting")

    desk.goto(f"{live_server.url}/supervision/orders/")
    desk.click("#tab-responded")
    desk.locator(f"tr[data-number='{order.number}'] a").first.click()
    desk.wait_for_url(f"**/supervision/orders/{order.number}/")
    assert "本周五到法院调解室调解" in desk.inner_text("#order-response")
    desk.click("#verify-order")
    desk.wait_for_load_state("networkidle")
    assert "已核查办结" in desk.inner_text(".messages")
    assert "恢复正常办理" in desk.inner_text(".messages")
    desk.screenshot(path=str(artifacts / "supervision-verified.png"), full_page=True)

    order.refresh_from_db()
    case.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED and order.verified_by == coordinator
    assert case.state == State.HANDLING
    history = [e.action for e in order.events.all()]
    assert history == ["issue", "respond", "verify"]
