"""The Content-Security-Policy in a real browser: every role's main pages run with no violation.

Each page is opened with a listener for ``securitypolicyviolation`` events installed before any
of its scripts run, and with the console watched: a blocked inline script or style, or an error
from a script that did not load, fails the test. The charts must still be drawn.
"""

import os

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.services import case_accept, case_assign, case_start_assessment
from tests.browser.test_leader_flow import PAINTED, build_month
from tests.factories import StaffFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def watched(page_factory, **options):
    """Open a page that records CSP violations and console errors."""
    page = page_factory(**options)
    page.add_init_script(LISTEN)
    # The site has no favicon; the browser's request for one is not a script failing.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def visit(page, url):
    """Open ``url`` and return the violations and console errors it caused."""
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status < 400, (url, response.status)
    header = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in header and "unsafe-inline" not in header, (url, header)
    problems = page.evaluate("window.__cspViolations") + page.errors
    page.errors.clear()
    return problems


def test_every_roles_main_pages_run_under_the_csp(
    transactional_db,
    live_server,
    settings,
    page_factory,
    login,
    center,
    department,
    other_department,
    reception,
    coordinator,
    liaison,
    new_case,
):
    settings.PUBLIC_BASE_URL = live_server.url
    case = case_start_assessment(case=new_case(), actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    build_month(center, [department, other_department], timezone.now())
    leader = StaffFactory(role="leader", center=center).user
    base = live_server.url
    problems = {}

    page = watched(page_factory)
    login(page, reception.username)
    for path in ["/cases/intake/", f"/cases/{case.code}/receipt/", f"/cases/{case.code}/receipt/?paper=a4"]:
        problems[path] = visit(page, base + path)
    # The intake form's script works: another party row is added.
    page.goto(base + "/cases/intake/")
    page.click("#add-party")
    assert page.locator("#id_parties-1-name").count() == 1

    page = watched(page_factory)
    login(page, coordinator.username)
    problems["case page"] = visit(page, f"{base}/cases/{case.code}/")

    page = watched(page_factory)
    login(page, liaison.username)
    problems["desk"] = visit(page, base + "/cases/desk/")

    page = watched(page_factory, viewport={"width": 1400, "height": 1000})
    login(page, leader.username)
    problems["dashboard"] = visit(page, base + "/supervision/reports/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-weekly'))")
    assert page.evaluate(PAINTED, "chart-weekly") > 500
    problems["monthly"] = visit(page, base + "/supervision/reports/monthly/")
    problems["api docs"] = visit(page, base + "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    problems["api docs"] += page.evaluate("window.__cspViolations") + page.errors

    root = get_user_model().objects.create_superuser("root", "root@example.cn", "zongzhi-test")
    page = watched(page_factory)
    login(page, root.username)
    for path in [
        "/admin/",
        "/admin/cases/case/",
        f"/admin/cases/case/{case.pk}/change/",
        "/admin/departments/department/",
        "/admin/axes/accessattempt/",
    ]:
        problems[path] = visit(page, base + path)

    phone = watched(page_factory, viewport={"width": 360, "height": 740}, is_mobile=True)
    problems["tracking start"] = visit(phone, base + "/t/")
    phone.fill("#id_code", case.code_display)
    phone.fill("#id_last4", "5678")
    phone.click("form.card button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert "县人民法院" in phone.inner_text("body")  # verified: the full page
    problems["tracking case"] = phone.evaluate("window.__cspViolations") + phone.errors

    assert {name: found for name, found in problems.items() if found} == {}
