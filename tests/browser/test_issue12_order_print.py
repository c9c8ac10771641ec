"""Issue 12, beyond the fixes: the supervision order (督办通知书) printed to PDF by Chromium.

A coordinator opens the order, follows "打印督办单" and prints: one A4 page with the order's
number, the department in full, the answer deadline as the day it ends, the seal and the
department's receipt strip; a leader's long instruction and requirement still fit on one page.
"""

import pytest
from pypdf import PdfReader

from cases.services import case_accept, case_assign, case_start_assessment
from supervision.models import Level, Reason
from supervision.services import supervision_order_issue

LONG_INSTRUCTION = (
    "此案涉及十二名农民工工资，时近年关，务必高度重视。请县人民法院牵头，会同县人力资源和社会保障局、"
    "城关镇人民政府组成工作专班，逐人核实欠薪数额，约谈建筑公司及总承包单位负责人，"
    "依法督促其在规定期限内足额支付；涉嫌拒不支付劳动报酬的，及时移送公安机关。"
) * 2
LONG_ACTION = "\n".join(
    f"{i}、{text}"
    for i, text in enumerate(
        [
            "三个工作日内完成欠薪人员名单和数额的逐人核实，形成台账。",
            "约谈建筑公司和总承包单位负责人，明确支付计划和时间节点。",
            "对拒不支付的，依法启动先行垫付程序或移送公安机关。",
            "每周五向县综治中心书面报告进展，办结后报送结案材料。",
            "做好工人情绪疏导，防止发生集体上访等极端事件。",
            "总结本案经验，完善建设领域工资支付保证金制度。",
        ],
        start=1,
    )
)


def pdf_pages(path) -> list[str]:
    return [p.extract_text().replace(" ", "").replace("\n", "") for p in PdfReader(str(path)).pages]


@pytest.fixture
def handled_case(new_case, coordinator, liaison, department):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=department)
    return case_accept(case=case, actor=liaison)


@pytest.mark.parametrize(
    ("name", "level", "instruction", "action", "expected_pages"),
    [
        ("issue12-order-print", Level.ORDER, "请抓紧办理。", "七日内办结并书面报告办理情况。", 1),
        # A long instruction (~230 characters) and a six-point requirement: still one page, with
        # about a third of it to spare.
        ("issue12-order-print-long", Level.LEADER, LONG_INSTRUCTION, LONG_ACTION, 1),
        # Three times that is more than a page can hold: the table runs on, and the seal stays
        # with the receipt strip on the last page (never a page with the seal alone).
        ("issue12-order-print-overlong", Level.LEADER, LONG_INSTRUCTION * 3, "\n".join([LONG_ACTION] * 3), 2),
    ],
)
def test_the_supervision_order_prints_on_one_page(
    transactional_db, live_server, page_factory, login, artifacts, print_pdf, coordinator, leader,
    department, handled_case, name, level, instruction, action, expected_pages,
):  # fmt: skip
    order = supervision_order_issue(
        case=handled_case,
        actor=leader,
        reason=Reason.LEADER_INSTRUCTION,
        level=level,
        instruction=instruction,
        required_action=action,
    )
    page = page_factory()
    login(page, coordinator.username)
    page.goto(f"{live_server.url}/supervision/orders/{order.number}/")
    if expected_pages == 1 and level == Level.ORDER:  # the order page, with its "打印督办单" link
        page.screenshot(path=str(artifacts / "issue12-order-detail-print-link.png"), full_page=True)
    page.click("#print-order")
    page.wait_for_url(f"**/supervision/orders/{order.number}/print/")
    page.wait_for_selector("#order-notice")
    assert page.is_visible("#print-receipt") and page.is_visible("#back-to-order")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)

    pages, overflowing = print_pdf(page, name)
    assert (pages, overflowing) == (expected_pages, [])
    texts = pdf_pages(artifacts / f"{name}.pdf")
    text = "".join(texts)
    title = "挂牌督办通知书" if level == Level.LEADER else "督办通知书"
    assert title in text
    assert order.number_display in text and f"{department.display_name}：" in text
    assert handled_case.code_display.replace(" ", "") in text
    assert "24时前" in text and "00:00" not in text
    assert instruction.replace("\n", "")[-20:] in text and action.replace("\n", "")[-20:] in text
    last = texts[-1]
    assert "（印章）" in last and "签收人" in last and "签收时间" in last
    assert "返回督办单" not in text  # the toolbar stays on screen
