"""Issue 13 at a township's desk, in a real browser: the place (村（社区）/网格) offered from the
township's own villages and grids, recorded on the case and shown on its page."""

import re

from cases.models import Case
from departments.models import Place, Role
from tests.factories import CenterFactory, StaffFactory


def test_a_township_desk_names_the_grid_where_it_happened(
    transactional_db, live_server, page_factory, login, artifacts, center
):
    baihe = CenterFactory(code="420923101", name="白鹤镇综治中心", parent=center)
    qingshi = CenterFactory(code="420923102", name="青石镇综治中心", parent=center)
    village = Place.objects.create(township=baihe, kind="village", code="420923101201", name="白鹤村")
    grid = Place.objects.create(
        township=baihe, parent=village, kind="grid", code="42092310120101", name="第一网格"
    )
    Place.objects.create(township=qingshi, kind="village", code="420923102201", name="青石村")
    reception = StaffFactory(role=Role.RECEPTION, center=baihe).user

    page = page_factory()
    login(page, reception.username)
    assert page.url.endswith("/cases/intake/")
    options = page.eval_on_selector_all("#id_place option", "els => els.map(e => e.textContent.trim())")
    assert options == ["（不选）", "白鹤村", "白鹤村·第一网格"]  # its own township's only

    page.fill("#id_parties-0-name", "王小明")
    page.fill("#id_parties-0-phone", "13912345678")
    page.fill("#id_title", "网格内宅基地边界纠纷")
    page.select_option("#id_category", "land")
    page.fill("#id_location", "白鹤村 3 组")
    page.select_option("#id_place", str(grid.pk))
    page.fill("#id_description", "两户因宅基地边界发生争执。")
    page.screenshot(path=str(artifacts / "issue13-demo-intake-place.png"), full_page=True)
    page.click("#submit-intake")
    page.wait_for_url(re.compile(r"/cases/\d{17}/receipt/"))
    case = Case.objects.get()
    assert (case.center, case.place) == (baihe, grid)

    # A county desk sees its townships' places, grouped by township.
    county_page = page_factory()
    login(county_page, StaffFactory(role=Role.COORDINATOR, center=center).user.username)
    county_page.goto(f"{live_server.url}/cases/intake/")
    groups = county_page.eval_on_selector_all("#id_place optgroup", "els => els.map(e => e.label)")
    assert groups == ["白鹤镇", "青石镇"]
    county_page.goto(f"{live_server.url}/cases/{case.code}/")
    assert county_page.inner_text("#case-place") == "白鹤村·第一网格（白鹤镇综治中心）"
    county_page.screenshot(path=str(artifacts / "issue13-demo-case-place.png"), full_page=True)
