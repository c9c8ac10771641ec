"""Issue 12 item 6 and the "today" panel in a real browser: the petition bureau's liaison sees its
five overdue orders counted in red in the menu and at the top of its start page; the coordinator's
and the leader's start pages open with their own panels."""

import datetime as dt

from django.utils import timezone

from cases.models import RiskColour, State
from common.when import deadline_text
from departments.models import Role
from supervision.models import SupervisionOrder

from ..factories import CaseFactory, DepartmentFactory, StaffFactory
from ..zongzhi.test_issue12_nav import make_order

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

TITLES = [
    "某小区业主反映物业费纠纷",
    "农民工讨要工程款",
    "邻里宅基地边界争议",
    "网购退款纠纷多次投诉",
    "村民反映土地流转租金未兑付",
    "商铺租赁押金退还纠纷",
    "医疗费用报销争议",
    "拆迁安置补偿诉求",
]


def make_data(center):
    """The petition bureau: five orders overdue for an answer, one due tomorrow; cases in every queue."""
    now = timezone.now()
    petition = DepartmentFactory(center=center, slug="petition", name="县信访局", short_name="信访局")
    liaison = StaffFactory(role=Role.LIAISON, center=center, department=petition, display_name="王芳").user
    coordinator = StaffFactory(role=Role.COORDINATOR, center=center, display_name="李明").user
    leader = StaffFactory(role=Role.LEADER, center=center, display_name="周书记").user
    cases = []
    for i, title in enumerate(TITLES[:6]):
        cases.append(
            CaseFactory(
                center=center, title=title, state=State.SUPERVISED, lead_department=petition,
                risk_colour=RiskColour.YELLOW, due_by=now + (i - 2) * DAY,
            )
        )  # fmt: skip
    for i, case in enumerate(cases[:5]):
        make_order(case, petition, number=f"DB2026{i + 1:06d}", respond_by=now - (5 - i) * DAY)
    make_order(cases[5], petition, number="DB2026000006", respond_by=now + 20 * HOUR)
    CaseFactory(
        center=center, title="新交办：劳动合同解除补偿", state=State.ASSIGNED, lead_department=petition,
        accept_by=now + 10 * HOUR,
    )  # fmt: skip
    # Waiting on the coordinators: new cases, one past its assessment deadline.
    CaseFactory(center=center, title=TITLES[6], state=State.RECEIVED, assess_by=now - 2 * HOUR)
    CaseFactory(center=center, title=TITLES[7], state=State.RECEIVED, assess_by=now + 6 * HOUR)
    CaseFactory(center=center, title="家庭赡养纠纷", state=State.ASSESSING, assess_by=now + 3 * DAY)
    return liaison, coordinator, leader


def test_start_pages_show_counts_and_today(
    transactional_db, live_server, page_factory, login, artifacts, center
):
    liaison, coordinator, leader = make_data(center)

    page = page_factory()
    login(page, liaison.username)
    assert page.url.endswith("/cases/desk/")
    badge = page.locator("nav.menu a", has_text="待答复督办").locator(".nav-count")
    assert badge.inner_text() == "6"
    assert "overdue" in badge.get_attribute("class")
    # Red on the header's dark red: a bright red with a white ring.
    assert badge.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(232, 40, 30)"
    desk_badge = page.locator("nav.menu a", has_text="部门工作台").locator(".nav-count")
    assert desk_badge.inner_text() == "7"
    today = page.locator("#today")
    assert today.is_visible()
    # The panel is the first thing on the page, above the desk's own heading.
    assert page.evaluate(
        "() => document.querySelector('#today').getBoundingClientRect().bottom"
        " <= document.querySelector('main h1').getBoundingClientRect().top"
    )
    queue = today.locator(".today-queue", has_text="待答复督办")
    assert "6" in queue.inner_text() and "5 件已超期" in queue.inner_text()
    assert "overdue" in queue.get_attribute("class")
    items = today.locator(".today-item")
    assert items.count() == 3
    texts = [items.nth(i).inner_text() for i in range(3)]
    first = SupervisionOrder.objects.get(number="DB2026000001")
    assert texts[0].startswith("督办单 DB2026000001") and texts[0].endswith(deadline_text(first.respond_by))
    assert texts[1].startswith("督办单 DB2026000002") and texts[2].startswith("督办单 DB2026000003")
    page.screenshot(path=str(artifacts / "issue12-liaison-start-page.png"), full_page=True)
    items.nth(0).locator("a").click()
    page.wait_for_url("**/supervision/orders/DB2026000001/")

    page = page_factory()
    login(page, coordinator.username)
    assert "/cases/workbench/" in page.url
    today = page.locator("#today")
    new = today.locator(".today-queue", has_text="新受理")
    assert "2" in new.inner_text() and "overdue" in new.get_attribute("class")
    assert page.locator("nav.menu a", has_text="研判督办").locator(".nav-count.overdue").inner_text() == "2"
    assert page.locator("nav.menu a", has_text="督办管理").locator(".nav-count.overdue").inner_text() == "6"
    assert today.locator(".today-item").count() == 3
    page.screenshot(path=str(artifacts / "issue12-coordinator-start-page.png"), full_page=True)

    page = page_factory()
    login(page, leader.username)
    assert "/supervision/reports/" in page.url
    assert page.locator("nav.menu a", has_text="督办报表").count() == 1
    assert page.locator("nav.menu", has_text="领导驾驶舱").count() == 0
    today = page.locator("#today")
    assert "未办结督办" in today.inner_text()
    assert [today.locator(".today-item").nth(i).locator("a").inner_text() for i in range(3)] == [
        "DB2026000001",
        "DB2026000002",
        "DB2026000003",
    ]
    page.screenshot(path=str(artifacts / "issue12-leader-start-page.png"), full_page=True)
