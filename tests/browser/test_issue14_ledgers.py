"""Issue 14 in a real browser: a leader goes from the menu to the ledgers and the risk map, whose chart renders."""

import datetime as dt
import os

from departments.models import Place, Role
from risk.services import risk_entry_from_lead
from tests.factories import CenterFactory, StaffFactory
from tests.risk.ledger_helpers import last_month, make_case, make_lead, set_created

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DAY = dt.timedelta(days=1)


def test_a_leader_opens_the_risk_map_and_its_chart_renders(
    transactional_db, live_server, page_factory, login, artifacts
):
    county = CenterFactory(code="420923", name="云梦县综治中心", slug="yunmeng")
    baihe = CenterFactory(code="420923101", name="白河镇综治中心", parent=county, slug="baihe")
    qingshi = CenterFactory(code="420923102", name="青石镇综治中心", parent=county, slug="qingshi")
    village = Place.objects.create(
        township=baihe, kind=Place.Kind.VILLAGE, name="白河村", code="420923101201"
    )
    grid = Place.objects.create(
        township=baihe, parent=village, kind=Place.Kind.GRID, name="白河村第三网格", code="4209231012010003"
    )
    coordinator = StaffFactory(role=Role.COORDINATOR, center=county).user
    StaffFactory(role=Role.LEADER, center=county, user__username="county-leader")
    period = last_month()
    start = period.start
    for i, (place, colour) in enumerate(
        [(grid, "red"), (village, "yellow"), (grid, "blue"), (None, "yellow")]
    ):
        make_case(center=county, created=start + i * DAY, place=place, risk_colour=colour, title=f"纠纷{i}")
    make_case(center=qingshi, created=start + DAY, risk_colour="blue", title="青石纠纷")
    lead = make_lead(
        center=county, external_id="P-1", occurred=start + DAY, colour="red", township=baihe, place=grid
    )
    set_created(risk_entry_from_lead(actor=coordinator, lead=lead, measures="每日走访"), start + DAY)

    errors = []
    page = page_factory()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, "county-leader")
    page.get_by_role("link", name="两本台账").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{page.url.split('?')[0]}?month={period.month_param}")
    assert page.locator("#dispute-ledger tbody tr").count() == 5
    assert "纠纷0" in page.locator("#dispute-ledger tbody tr").first.inner_text()  # red first
    page.screenshot(path=str(artifacts / "issue14-dispute-ledger.png"), full_page=True)

    page.locator("#risk-map-link").click()
    page.wait_for_load_state("networkidle")
    canvas = page.locator("#chart-risk-map")
    canvas.wait_for(state="visible")
    page.wait_for_function("document.getElementById('chart-risk-map').dataset.rendered === 'true'")
    box = canvas.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    # Chart.js drew on it: some pixel is not blank.
    assert page.evaluate(
        """() => { const c = document.getElementById('chart-risk-map');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; } return false; }"""
    )
    rows = page.locator("#risk-map-table tbody tr")
    assert rows.first.get_attribute("data-place") == "白河镇综治中心"
    assert "colour-red" in rows.first.get_attribute("class")
    page.screenshot(path=str(artifacts / "issue14-risk-map-townships.png"), full_page=True)

    rows.first.locator("a").click()
    page.wait_for_load_state("networkidle")
    assert "township=baihe" in page.url
    page.wait_for_function("document.getElementById('chart-risk-map').dataset.rendered === 'true'")
    places = [row.get_attribute("data-place") for row in page.locator("#risk-map-table tbody tr").all()]
    assert places[:2] == ["白河村", "白河村第三网格"]
    page.screenshot(path=str(artifacts / "issue14-risk-map-baihe.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
