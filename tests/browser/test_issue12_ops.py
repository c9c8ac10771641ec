"""Issue 12 in a real browser: the admin's warning about a loopback QR address, the parties' header
with the center's name, and no favicon 404 on the way."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import CenterFactory


def test_admin_index_warns_that_qr_codes_point_at_this_machine(
    transactional_db, live_server, page_factory, artifacts, settings
):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    get_user_model().objects.create_superuser("root", "root@example.cn", "zongzhi-test")
    page = page_factory()
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", "zongzhi-test")
    page.click("#login-form [type=submit]")
    page.wait_for_selector("#public-base-url-warning")

    warning = page.locator("#public-base-url-warning")
    assert "二维码地址 PUBLIC_BASE_URL 是本机地址（http://127.0.0.1:8000）" in warning.inner_text()
    body = page.inner_text("body")
    assert "后台任务结果" in body and "登录锁定" in body
    assert "CELERY RESULTS" not in body.upper() and "AXES" not in body.upper()
    page.screenshot(path=str(artifacts / "issue12-admin-index-loopback-warning.png"), full_page=True)
    assert page.evaluate("() => fetch('/favicon.ico').then(r => r.status)") == 200
    assert missing == []


def test_public_tracking_header_names_the_center(
    transactional_db, live_server, page_factory, artifacts, new_case
):
    township = CenterFactory(code="420924", name="城关镇综治分中心", parent=CenterFactory())
    case = new_case(center=township)
    page = page_factory(viewport={"width": 390, "height": 844}, is_mobile=True)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(f"{live_server.url}{reverse('tracking:case', args=[case.code])}")

    assert page.locator(".site-header .brand").inner_text() == "城关镇综治分中心"
    assert "综治中心案件管理系统" not in page.locator(".site-header").inner_text()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.evaluate("(url) => fetch(url).then(r => r.status)", icon) == 200
    page.screenshot(path=str(artifacts / "issue12-tracking-header-center-name.png"), full_page=True)

    page.goto(f"{live_server.url}{reverse('tracking:start')}")
    assert page.locator(".site-header .brand").inner_text() == "测试县综治中心"
    page.screenshot(path=str(artifacts / "issue12-tracking-start-header-county-center.png"), full_page=True)
    assert missing == []
