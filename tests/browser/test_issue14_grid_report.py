"""Issue 14, a grid member's report on a phone (375 px wide): one column, no sideways scrolling,
submitted into a 民情 lead at the township, with its number on the confirmation."""

import re

from departments.models import Place, Role
from risk.models import Lead
from tests.factories import CenterFactory, StaffFactory


def test_a_grid_member_reports_from_a_phone(
    transactional_db, live_server, page_factory, login, artifacts, center
):
    baihe = CenterFactory(code="420923101", name="白鹤镇综治中心", parent=center)
    village = Place.objects.create(township=baihe, kind="village", code="420923101201", name="白鹤村")
    grid = Place.objects.create(township=baihe, parent=village, kind="grid", code="", name="白鹤村第一网格")
    reception = StaffFactory(role=Role.RECEPTION, center=baihe).user

    page = page_factory(viewport={"width": 375, "height": 812})
    login(page, reception.username)
    page.goto(f"{live_server.url}/risk/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.locator("#id_text").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    page.fill("#id_text", "白鹤村两户因宅基地边界争执，一方扬言要去上访")
    page.select_option("#id_place", str(grid.pk))
    page.fill("#id_person1_name", "王小明")
    page.fill("#id_person1_phone", "13912345678")
    page.screenshot(path=str(artifacts / "issue14-grid-report-375.png"), full_page=True)
    page.click("#submit-report")
    page.wait_for_url(re.compile(r"/risk/report/done/\d+/"))
    lead = Lead.objects.get()
    assert (lead.feed, lead.center, lead.place) == ("public", baihe, grid)
    assert f"线索编号 {lead.pk}" in page.inner_text("#lead-number")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("#report-another")
    page.wait_for_url(re.compile(r"/risk/report/$"))
