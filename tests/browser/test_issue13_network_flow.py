"""Issue 13's acceptance flow in a real browser, one case through the network of centers.

A township's reception takes in a case at its hall; the township's coordinator reports it up;
the county takes it on, assigns it (red) and blows the whistle to two county departments; both
report; a city leader drills down from the city dashboard to the case; the lead department
handles it; the county closes it; the township sees the result read-only; the party tracks it by
the same code and reads which center holds it.
"""

import re

from cases.models import Case, State, WhistleSummons
from departments.models import Role
from tests.cases.network_tree import build_tree
from tests.factories import DepartmentFactory, StaffFactory


def test_a_township_case_travels_up_is_whistled_handled_closed_and_tracked(
    transactional_db, live_server, settings, page_factory, login, artifacts, center
):
    settings.PUBLIC_BASE_URL = live_server.url
    tree = build_tree(center)
    housing = DepartmentFactory(
        center=tree.county, slug="county-housing", name="县住房和城乡建设局", short_name="住建"
    )
    natres = DepartmentFactory(
        center=tree.county, slug="county-natres", name="县自然资源局", short_name="自然资源"
    )
    township_reception = StaffFactory(role=Role.RECEPTION, center=tree.a1).user
    township_coordinator = StaffFactory(role=Role.COORDINATOR, center=tree.a1).user
    county_coordinator = StaffFactory(role=Role.COORDINATOR, center=tree.county).user
    housing_liaison = StaffFactory(role=Role.LIAISON, center=tree.county, department=housing).user
    natres_liaison = StaffFactory(role=Role.LIAISON, center=tree.county, department=natres).user
    city_leader = StaffFactory(role=Role.LEADER, center=tree.city).user

    # 1. The township's hall takes the matter in.
    hall = page_factory()
    login(hall, township_reception.username)
    assert hall.url.endswith("/cases/intake/")
    hall.fill("#id_parties-0-name", "王五")
    hall.fill("#id_parties-0-phone", "13912345678")
    hall.fill("#id_title", "宅基地建房越界引发纠纷")
    hall.select_option("#id_category", "land")
    hall.fill("#id_location", "花园镇王家湾村三组")
    hall.fill("#id_description", "村民王五与邻居因新建房屋越过宅基地界线发生争执，涉及规划红线。")
    hall.click("#submit-intake")
    hall.wait_for_url(re.compile(r"/cases/\d{17}/receipt/"))
    case = Case.objects.get()
    assert case.center_id == tree.a1.pk and case.code.startswith(tree.county.code)
    code = case.code
    hall.screenshot(path=str(artifacts / "issue13-network-township-receipt.png"), full_page=True)

    # 2. The township's coordinator assesses and reports it up.
    township = page_factory()
    login(township, township_coordinator.username)
    township.goto(f"{live_server.url}/cases/{code}/")
    township.click("#action-start_assessment summary")
    township.click("#action-start_assessment button[type=submit]")
    township.wait_for_selector("#action-escalate")
    township.click("#action-escalate summary")
    township.select_option("#id_escalate-reason_kind", "beyond_powers")
    township.fill("#id_escalate-reason", "涉及规划红线认定，超出乡镇职权，请县级中心协调。")
    township.click("#action-escalate button[type=submit]")
    township.wait_for_selector(f"text=已上报{tree.county.name}")
    assert Case.objects.get(pk=case.pk).state == State.ESCALATED

    # 3. The county takes it on from its 下级上报 queue and assigns it, red, to housing.
    county = page_factory()
    login(county, county_coordinator.username)
    county.goto(f"{live_server.url}/cases/workbench/?queue=referrals_up")
    county.click(f"#referral-rows >> text={case.code_display}")
    county.click("#action-take_over summary")
    county.click("#action-take_over button[type=submit]")
    county.wait_for_selector("text=已接收上报")
    county.click("#action-assign summary")
    county.check("#action-assign input[name=assign-risk_colour][value=red]")
    county.select_option("#id_assign-lead_department", str(housing.pk))
    county.fill("#id_assign-instructions", "住建牵头，会同自然资源局现场核查红线。")
    county.click("#action-assign button[type=submit]")
    county.wait_for_selector(f"text=已交办{housing.name}")

    # 4. …and blows the whistle on two county departments.
    county.click("#action-whistle summary")
    county.check("#form-whistle input[name=whistle-urgency][value=urgent]")
    county.check(f"#form-whistle input[name=whistle-departments][value='{housing.pk}']")
    county.check(f"#form-whistle input[name=whistle-departments][value='{natres.pk}']")
    county.fill("#id_whistle-reason", "红线认定需住建、自然资源两部门两小时内到场。")
    county.click("#form-whistle button[type=submit]")
    county.wait_for_selector("text=已吹哨")
    county.screenshot(path=str(artifacts / "issue13-network-county-whistled.png"), full_page=True)

    # 5. Both departments report (报到) from their desks.
    for liaison, department, who in (
        (housing_liaison, housing, "李建 副局长"),
        (natres_liaison, natres, "赵林 科长"),
    ):
        desk = page_factory()
        login(desk, liaison.username)
        desk.locator("#group-summonses a", has_text="报到").first.click()
        summons = WhistleSummons.objects.get(department=department)
        desk.fill(f"#id_report-{summons.pk}-attendee", who)
        desk.click(f"#report-{summons.pk} button[type=submit]")
        desk.wait_for_selector("text=已报到 按时")
        desk.close()
    assert set(Case.objects.get(pk=case.pk).co_departments.all()) >= {natres}

    # 6. A city leader drills down from the city dashboard to the case (read-only).
    city = page_factory()
    login(city, city_leader.username)
    city.goto(f"{live_server.url}/supervision/reports/")
    city.locator(f"#children tr[data-center={tree.county.slug}] a").first.click()
    city.wait_for_load_state("networkidle")
    assert f"center={tree.county.slug}" in city.url
    city.screenshot(path=str(artifacts / "issue13-network-city-drilldown.png"), full_page=True)
    city.locator("#red-cases a", has_text=case.code_display).click()
    city.wait_for_load_state("networkidle")
    assert city.url.endswith(f"/cases/{code}/")
    assert city.locator("#actions").count() == 0

    # 7. Housing accepts, records, submits; the county closes.
    desk = page_factory()
    login(desk, housing_liaison.username)
    desk.locator("#group-to_accept tr", has_text=case.code_display).locator("button", has_text="签收").click()
    desk.wait_for_selector(f"#group-handling >> text={case.code_display}")
    desk.click(f"#group-handling >> text={case.code_display}")
    desk.click("#action-submit_result summary")
    desk.select_option("#id_submit_result-result_kind", "resolved")
    desk.fill("#id_submit_result-result", "经现场核查，越界部分已拆除，双方签字确认。")
    desk.click("#action-submit_result button[type=submit]")
    desk.wait_for_selector("text=已提交办结，等待中心审核。")

    county.goto(f"{live_server.url}/cases/{code}/")
    county.click("#action-close summary")
    county.click("#action-close button[type=submit]")
    county.wait_for_selector("text=已审核通过，案件结案。")
    closed = Case.objects.get(pk=case.pk)
    assert closed.state == State.CLOSED and closed.code == code and closed.center_id == tree.county.pk

    # 8. The township sees the result, read-only.
    township.goto(f"{live_server.url}/cases/{code}/")
    assert f"本案现由 {tree.county.name} 承办" in township.locator("#held-elsewhere").inner_text()
    assert "越界部分已拆除" in township.inner_text("body")
    assert township.locator("#actions").count() == 0
    township.screenshot(path=str(artifacts / "issue13-network-township-sees-result.png"), full_page=True)

    # 9. The party tracks it by the same code and reads who holds it.
    phone = page_factory(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone.goto(f"{live_server.url}/t/{code}/")
    assert case.code_display in phone.inner_text("body")
    assert f"现由 {tree.county.name} 承办" in phone.locator("#holding-center").inner_text()
    assert "已结案" in phone.inner_text("body")
    phone.screenshot(path=str(artifacts / "issue13-network-party-tracking.png"), full_page=True)
