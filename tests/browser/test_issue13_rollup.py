"""Issue 13 in a real browser: a city leader drills down from the city dashboard to a township's case."""

import os

import pytest
from django.urls import reverse

from departments.models import Role
from supervision.models.reports import ReportThresholds  # noqa: F401  (the table exists in a --nomigrations run)
from tests.factories import StaffFactory
from tests.reports.test_rollup import tree, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.urls("tests.reports.urls")

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_a_city_leader_drills_down_to_a_township_case(
    transactional_db,
    live_server,
    page_factory,
    login,
    artifacts,
    world,  # noqa: F811
):
    StaffFactory(role=Role.LEADER, center=world["city"], user__username="city-leader")
    page = page_factory()
    login(page, "city-leader")
    page.goto(f"{live_server.url}{reverse('supervision:reports_dashboard')}?month=2026-10")
    table = page.locator("#children")
    assert table.locator("tbody tr").count() == 3
    assert table.locator("tr[data-center=yunmeng] td[data-figure=received]").inner_text() == "5"
    assert table.locator("tr[data-center=yingcheng] td[data-figure=received]").inner_text() == "2"
    page.screenshot(path=str(artifacts / "issue13-reports-city-dashboard.png"), full_page=True)

    table.locator("tr[data-center=yunmeng] a").click()
    page.wait_for_load_state("networkidle")
    assert "center=yunmeng" in page.url
    assert page.locator("#center-breadcrumbs").inner_text().split() == [
        "孝感市综治中心",
        "›",
        "云梦县综治中心",
    ]
    page.locator("#children tr[data-center=chengguan] a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#center-breadcrumbs a").count() == 2
    page.screenshot(path=str(artifacts / "issue13-reports-township-dashboard.png"), full_page=True)
    assert page.locator("#children").count() == 0  # a township has no child centers

    page.locator("#red-cases a", has_text=world["a1_red"].code_display).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("cases:detail", args=[world["a1_red"].code]))
    assert world["a1_red"].code_display in page.content()


def test_the_city_monthly_report_prints_its_child_centers_on_a4(
    transactional_db,
    live_server,
    page_factory,
    login,
    artifacts,
    print_pdf,
    world,  # noqa: F811
):
    StaffFactory(role=Role.LEADER, center=world["city"], user__username="city-leader")
    page = page_factory()
    login(page, "city-leader")
    page.goto(f"{live_server.url}{reverse('supervision:reports_monthly')}?month=2026-10&center=yunmeng")
    page.wait_for_selector("#monthly-report")
    assert page.locator("#children tbody tr").count() == 3
    assert page.locator("#ranking thead").inner_text().count("超时/未报到") == 1
    page.screenshot(path=str(artifacts / "issue13-reports-county-monthly.png"), full_page=True)
    pages, overflowing = print_pdf(page, "issue13-reports-county-monthly")
    assert overflowing == []
    assert pages <= 4
