"""吹哨报到 in a real browser: the township blows the whistle, the county department reports from its desk."""

from cases.models import WhistleSummons
from tests.cases.whistle_network import make_network


def test_township_blows_and_the_county_department_reports(
    transactional_db, live_server, page_factory, login, artifacts, center
):
    network = make_network(center)
    case = network.case()

    page = page_factory()
    login(page, network.township_coordinator.username)
    page.goto(f"{live_server.url}/cases/{case.code}/")
    page.click("#action-whistle summary")
    page.check("#form-whistle input[name=whistle-urgency][value=urgent]")
    page.check(f"#form-whistle input[name=whistle-departments][value='{network.housing.pk}']")
    page.check(f"#form-whistle input[name=whistle-departments][value='{network.police.pk}']")
    page.fill("#id_whistle-reason", "宅基地边界涉及规划红线，请住建、公安到场。")
    page.screenshot(path=str(artifacts / "issue13-whistle-form.png"), full_page=True)
    page.click("#form-whistle button[type=submit]")
    page.wait_for_selector("text=已吹哨")
    assert case.whistles.get().summonses.count() == 2

    desk = page_factory()
    login(desk, network.housing_liaison.username)
    section = desk.locator("#group-summonses")
    assert case.code_display in section.inner_text()
    desk.screenshot(path=str(artifacts / "issue13-whistle-desk.png"), full_page=True)
    section.locator("a", has_text="报到").first.click()
    summons = WhistleSummons.objects.get(department=network.housing)
    desk.fill(f"#id_report-{summons.pk}-attendee", "王强 副局长")
    desk.click(f"#report-{summons.pk} button[type=submit]")
    desk.wait_for_selector("text=已报到 按时")
    desk.screenshot(path=str(artifacts / "issue13-whistle-reported.png"), full_page=True)
    assert WhistleSummons.objects.get(pk=summons.pk).status == WhistleSummons.Status.REPORTED
    assert network.housing in case.co_departments.all()
