"""研—交—办—结 in a real browser: coordinator assigns, the department handles, the coordinator closes."""

from cases.models import Case, State
from tests.factories import StaffFactory


def test_assign_accept_record_submit_close(
    transactional_db,
    live_server,
    page_factory,
    login,
    artifacts,
    new_case,
    coordinator,
    liaison,
    department,
    other_department,
):
    case = new_case()
    outsider = StaffFactory(role="liaison", department=other_department).user

    page = page_factory()
    login(page, coordinator.username)
    assert page.url.endswith("/cases/workbench/")
    page.click(f"text={case.code_display}")
    page.click("#action-start_assessment summary")
    page.click("#action-start_assessment button[type=submit]")
    page.wait_for_selector("#action-assign")
    page.click("#action-assign summary")
    page.check("#action-assign input[name=assign-risk_colour][value=yellow]")
    page.select_option("#id_assign-lead_department", str(department.pk))
    page.fill("#id_assign-instructions", "先行调解，三日内反馈。")
    page.screenshot(path=str(artifacts / "assign-form.png"), full_page=True)
    page.click("#action-assign button[type=submit]")
    page.wait_for_selector("text=已交办县人民法院，签收期限")
    assert Case.objects.get(pk=case.pk).state == State.ASSIGNED

    desk = page_factory()
    login(desk, liaison.username)
    assert desk.url.endswith("/cases/desk/")
    row = desk.locator("#group-to_accept tr", has_text=case.code_display)
    row.locator("button", has_text="签收").click()
    desk.wait_for_selector(f"#group-handling >> text={case.code_display}")
    desk.screenshot(path=str(artifacts / "department-desk.png"), full_page=True)
    desk.click(f"#group-handling >> text={case.code_display}")
    desk.fill("#id_record-text", "已约谈用工单位负责人，同意分期支付。")
    desk.check("#id_record-is_public")
    desk.click("#add-record button[type=submit]")
    desk.wait_for_selector("text=办理记录已保存")
    desk.click("#action-submit_result summary")
    desk.select_option("#id_submit_result-result_kind", "agreement")
    desk.fill("#id_submit_result-result", "双方达成调解协议。")
    desk.fill("#id_submit_result-agreement_terms", "用工单位于 2026 年 12 月 31 日前付清工资。")
    desk.click("#action-submit_result button[type=submit]")
    desk.wait_for_selector("text=已提交办结，等待中心审核。")

    page.goto(f"{live_server.url}/cases/workbench/?queue=reviewing")
    page.click(f"text={case.code_display}")
    assert "双方达成调解协议。" in page.inner_text("body")
    page.click("#action-close summary")
    page.click("#action-close button[type=submit]")
    page.wait_for_selector("text=已审核通过，案件结案。")
    page.screenshot(path=str(artifacts / "case-closed.png"), full_page=True)
    assert Case.objects.get(pk=case.pk).state == State.CLOSED

    other = page_factory()
    login(other, outsider.username)
    response = other.goto(f"{live_server.url}/cases/{case.code}/")
    assert response.status == 403
    assert "无权访问" in other.inner_text("body")
