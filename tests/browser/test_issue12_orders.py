"""Issue 12, items 3 and 9 in a real browser: search rows lead on (case page, receipt), and the leader
issues an order from a case picked by search, with its preview and an answer deadline of their choosing."""

import datetime as dt

from django.utils import timezone

from cases.models import State
from cases.services import case_accept, case_assign, case_start_assessment
from supervision.models import SupervisionOrder
from supervision.services.orders import respond_by_window

TITLE = "拖欠工资纠纷"  # tests/conftest.py's new_case


def _handled_case(new_case, coordinator, liaison, department):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    return case_accept(case=case, actor=liaison)


def _search(page, live_server, query):
    page.goto(f"{live_server.url}/cases/search/")
    page.fill("#id_q", query)
    page.click("form.search-form button[type=submit]")
    page.wait_for_selector("#search-results")


def test_search_rows_lead_to_the_case_page_and_the_receipt(
    transactional_db, live_server, page_factory, login, artifacts, new_case, coordinator, liaison, department,
    reception, leader,
):  # fmt: skip
    case = _handled_case(new_case, coordinator, liaison, department)

    desk = page_factory()
    login(desk, reception.username)
    _search(desk, live_server, TITLE)
    row = desk.locator(f"tr[data-code='{case.code}']")
    assert row.locator("a.open-case").inner_text() == "查看案件"
    assert row.locator("a.open-receipt").inner_text() == "回执"
    desk.screenshot(path=str(artifacts / "issue12-search-reception.png"), full_page=True)
    row.locator("a.case-link").click()
    desk.wait_for_url(f"**/cases/{case.code}/")
    assert TITLE in desk.inner_text("h1")

    office = page_factory()
    login(office, leader.username)
    _search(office, live_server, case.code_display)
    row = office.locator(f"tr[data-code='{case.code}']")
    assert row.locator("a.open-receipt").count() == 0  # the receipt holds the party's key: the desk's
    office.screenshot(path=str(artifacts / "issue12-search-leader.png"), full_page=True)
    row.locator("a.open-case").click()
    office.wait_for_url(f"**/cases/{case.code}/")
    office.wait_for_selector("#issue-order-from-case")
    office.screenshot(path=str(artifacts / "issue12-case-page-leader.png"), full_page=True)
    # The supervision panel puts "批示督办" in the case's header; it opens the form with the case chosen.
    office.click("#issue-order-from-case")
    office.wait_for_url("**/supervision/issue/?code=*")
    assert case.code_display in office.inner_text("#chosen-case")


def test_the_leader_picks_the_case_and_sets_the_answer_deadline(
    transactional_db, live_server, page_factory, login, artifacts, new_case, coordinator, liaison, department,
    leader,
):  # fmt: skip
    case = _handled_case(new_case, coordinator, liaison, department)
    first, last = respond_by_window(case, start=timezone.now())
    chosen = first + (last - first) // 2

    page = page_factory()
    login(page, leader.username)
    page.goto(f"{live_server.url}/supervision/issue/")
    assert page.locator("#no-case").is_visible()
    page.fill("#id_q", "张三")  # a party's name; the picker searches as the search page does
    page.wait_for_selector(f"button.case-choice[data-code='{case.code}']")
    page.click(f"button.case-choice[data-code='{case.code}']")
    page.wait_for_selector("#chosen-case")
    preview = page.inner_text("#chosen-case")
    for text in (case.code_display, TITLE, "办理中", department.name, "24时前"):
        assert text in preview, text
    date_input = page.locator("#id_respond_by")
    assert (date_input.get_attribute("min"), date_input.get_attribute("max")) == (
        first.isoformat(),
        last.isoformat(),
    )
    page.fill("#id_instruction", "请于12月10日前办结并报告。")
    page.screenshot(path=str(artifacts / "issue12-order-preview.png"), full_page=True)

    page.fill("#id_respond_by", (last + dt.timedelta(days=30)).isoformat())
    page.click("#issue-order")
    page.wait_for_selector("#case-preview .errorlist")
    error = page.inner_text("#case-preview .has-error")
    assert "答复期限须在" in error and "之间" in error
    # Nothing typed is lost: the case, the instruction, the date.
    assert page.input_value("#id_instruction") == "请于12月10日前办结并报告。"
    assert page.input_value("#id_respond_by") == (last + dt.timedelta(days=30)).isoformat()
    assert case.code_display in page.inner_text("#chosen-case")
    assert not SupervisionOrder.objects.exists()
    page.locator("#id_respond_by").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "issue12-order-deadline-error.png"), full_page=True)

    page.fill("#id_respond_by", chosen.isoformat())
    page.click("#issue-order")
    page.wait_for_url("**/supervision/orders/DB*/")
    order = SupervisionOrder.objects.get()
    assert timezone.localtime(order.respond_by) == timezone.make_aware(
        dt.datetime.combine(chosen + dt.timedelta(days=1), dt.time.min)
    )
    assert f"{chosen.month}月{chosen.day}日24时前答复" in page.inner_text(".messages")
    case.refresh_from_db()
    assert case.state == State.SUPERVISED
    page.screenshot(path=str(artifacts / "issue12-order-issued.png"), full_page=True)
