"""Issue 12 at the reception desk, in a real browser: the desk preselected, typing with the keyboard
only, a return visit's short form, and organisations' names in the search results."""

import re

from cases.models import Case, Visit
from cases.services import PartyData
from tests.factories import DeskFactory


def active_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def test_intake_is_typed_with_the_keyboard_at_the_user_s_own_desk(
    transactional_db, live_server, page_factory, login, artifacts, reception, new_case, department
):
    DeskFactory()
    desk = DeskFactory(department=department, name="诉讼服务窗口")
    new_case(desk=desk)  # the receptionist took yesterday's matter at this window
    page = page_factory()
    login(page, reception.username)
    assert page.url.endswith("/cases/intake/")

    # The page opens on the first party's name, at the receptionist's own window.
    assert active_id(page) == "id_parties-0-name"
    assert page.input_value("#id_desk") == str(desk.pk)
    page.screenshot(path=str(artifacts / "issue12-intake-desk-preselected.png"), full_page=True)

    # Enter in a party row adds the next party instead of submitting.
    page.keyboard.type("王小明")
    page.keyboard.press("Tab")
    assert active_id(page) == "id_parties-0-phone"
    page.keyboard.type("13912345678")
    page.keyboard.press("Enter")
    assert active_id(page) == "id_parties-1-name"
    page.keyboard.type("某财务咨询有限公司")
    page.keyboard.press("Tab")
    page.keyboard.type("0716-7654321")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert active_id(page) == "id_parties-1-role"
    page.select_option("#id_parties-1-role", "respondent")
    page.keyboard.press("Enter")
    assert active_id(page) == "id_parties-2-name"
    # Enter in an empty last row: the parties are done, on to the matter.
    page.keyboard.press("Enter")
    assert active_id(page) == "id_title"
    assert Case.objects.count() == 1  # nothing was submitted by the Enters

    # The matter in tab order; the description is left out on purpose.
    page.keyboard.type("拖欠代账费用纠纷")
    order = []
    for _ in range(3):
        page.keyboard.press("Tab")
        order.append(active_id(page))
    assert order == ["id_category", "id_source", "id_location"]
    page.select_option("#id_category", "contract")
    page.click("#submit-intake")
    page.wait_for_load_state("networkidle")

    # Rejected: the cursor waits in the first field with an error, everything typed is kept.
    assert active_id(page) == "id_description"
    assert page.input_value("#id_parties-1-name") == "某财务咨询有限公司"
    assert page.input_value("#id_desk") == str(desk.pk)
    page.screenshot(path=str(artifacts / "issue12-intake-first-error-focused.png"), full_page=True)
    page.keyboard.type("某财务咨询公司收取代账费后未按约提供服务。")
    page.click("#submit-intake")
    page.wait_for_url(re.compile(r"/cases/\d{17}/receipt/"))
    case = Case.objects.order_by("-pk").first()
    assert [(p.name, p.kind) for p in case.parties.all()] == [
        ("王小明", "person"),
        ("某财务咨询有限公司", "organisation"),
    ]
    assert case.desk == desk


def test_a_return_visit_asks_only_for_the_visit(
    transactional_db, live_server, page_factory, login, artifacts, reception, new_case
):
    case = new_case()
    page = page_factory()
    login(page, reception.username)
    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-0-phone", "13812345678")
    page.press("#id_parties-0-phone", "Tab")
    page.click(".choose-visit")

    assert page.is_hidden("#case-fields") and page.is_hidden("#id_title")
    assert page.is_hidden("#id_category") and page.is_hidden("#id_description")
    assert page.is_visible("#id_note") and page.is_visible("#id_desk") and page.is_visible("#id_people_count")
    assert active_id(page) == "id_note"
    assert page.inner_text("#submit-intake") == "登记来访"
    assert case.code_display in page.inner_text("#visit-choice")
    page.keyboard.type("询问办理进度，希望尽快答复。")
    page.screenshot(path=str(artifacts / "issue12-intake-visit-fields-only.png"), full_page=True)

    page.click("#submit-intake")
    page.wait_for_url(re.compile(rf"/cases/{case.code}/receipt/"))
    visit = Visit.objects.get()
    assert (visit.case, visit.visitor_name, visit.note) == (case, "张三", "询问办理进度，希望尽快答复。")
    assert Case.objects.count() == 1

    # Back to a new case: the matter's fields return, the visit's note goes.
    page.goto(f"{live_server.url}/cases/intake/")
    page.fill("#id_parties-0-phone", "13812345678")
    page.press("#id_parties-0-phone", "Tab")
    page.click(".choose-visit")
    page.click("#visit-choice-clear")
    assert page.is_visible("#id_title") and page.is_hidden("#id_note")
    assert active_id(page) == "id_title"


def test_search_results_show_organisations_in_full(
    transactional_db, live_server, page_factory, login, artifacts, reception, new_case
):
    new_case(
        title="代账费用纠纷",
        parties=[
            PartyData(name="王小明", phone="13912345678"),
            PartyData(name="某财务咨询有限公司", phone="0716-7654321", role="respondent"),
        ],
    )
    new_case(
        title="代账合同解除纠纷",
        parties=[
            PartyData(name="某财务咨询有限公司", phone="0716-7654321"),
            PartyData(name="李晓东", phone="13700001111", role="respondent"),
            PartyData(name="赵六", phone="13700002222", role="other"),
        ],
    )
    page = page_factory()
    login(page, reception.username)
    page.goto(f"{live_server.url}/cases/search/")
    page.fill("#id_q", "代账")
    page.press("#id_q", "Enter")
    page.wait_for_selector("#search-results")
    text = page.inner_text("#search-results")
    assert "某财务咨询有限公司 等 3 人" in text
    assert "王** 等 2 人" in text
    assert "某财**" not in text and "王小明" not in text
    page.screenshot(path=str(artifacts / "issue12-search-organisations-unmasked.png"), full_page=True)
