"""Issue 12 (items 7 and 11) in a real browser: the assign form proposes the package's departments
and shows the deadlines it will set, the confirmation says what happened, the proposed colour reads
as a proposal, and a liaison is not offered the center's note."""

from cases.models import Case, State
from cases.services import case_start_assessment
from common.when import deadline_text
from departments.models import DeadlineRule, Stage
from tests.factories import ServiceFactory, ServicePackageFactory


def test_the_assign_form_guides_and_the_confirmation_says_what_happened(
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
    mediation = ServiceFactory(name="调解", slug="mediation")
    arbitration = ServiceFactory(name="仲裁", slug="arbitration")
    package = ServicePackageFactory(name="劳动争议套餐", slug="labour", lead_department=department)
    package.services.set([mediation, arbitration])
    package.co_departments.set([other_department])
    for colour in ("red", "yellow", "blue"):
        DeadlineRule.objects.create(
            colour=colour, stage=Stage.HANDLE, service=arbitration, amount=45, unit="days",
            is_legal_limit=True, note="劳动争议调解仲裁法：45日内结案",
        )  # fmt: skip
    case = new_case(proposed_colour="yellow", colour_reason="涉及人数较多")
    case_start_assessment(case=case, actor=coordinator)

    page = page_factory()
    login(page, coordinator.username)
    page.goto(f"{live_server.url}/cases/{case.code}/")
    badge = page.locator(".case-head .badge.proposed")
    assert badge.inner_text() == "建议：黄色"
    badge.screenshot(path=str(artifacts / "issue12-proposed-colour-badge.png"))
    page.screenshot(path=str(artifacts / "issue12-proposed-colour-case-page.png"))

    page.click("#action-assign summary")
    preview = page.locator("#assign-preview")
    assert "签收期限" in preview.inner_text() and "办结期限" in preview.inner_text()
    assert "法定上限" not in preview.inner_text()
    # Choosing the package proposes its departments and shows its legal ceiling, live.
    page.select_option("#id_assign-package", str(package.pk))
    page.wait_for_function("() => document.querySelector('#assign-preview').innerText.includes('法定上限')")
    assert page.input_value("#id_assign-lead_department") == str(department.pk)
    assert page.is_checked(f"#action-assign input[name=assign-co_departments][value='{other_department.pk}']")
    hint = page.locator("#package-proposal")
    assert hint.is_visible() and "县人民法院" in hint.inner_text() and "县公安局" in hint.inner_text()
    assert "县人民法院" in preview.inner_text()
    # A red colour shortens the deadlines: the preview follows.
    before = preview.inner_text()
    page.check("#action-assign input[name=assign-risk_colour][value=red]")
    page.wait_for_function(
        "(before) => document.querySelector('#assign-preview').innerText !== before", arg=before
    )
    page.fill("#id_assign-instructions", "先行调解，三日内反馈。")
    page.locator("#action-assign").screenshot(path=str(artifacts / "issue12-assign-form-package.png"))
    shown = preview.inner_text()

    page.click("#action-assign button[type=submit]")
    page.wait_for_selector("text=已交办县人民法院，签收期限")
    assigned = Case.objects.get(pk=case.pk)
    assert assigned.state == State.ASSIGNED and assigned.risk_colour == "red"
    assert assigned.package == package and list(assigned.co_departments.all()) == [other_department]
    # What the preview showed is what was stored.
    assert deadline_text(assigned.accept_by) in shown and deadline_text(assigned.due_by) in shown
    assert f"签收期限{deadline_text(assigned.accept_by)}" in page.inner_text("body")
    page.screenshot(path=str(artifacts / "issue12-assign-confirmation.png"))

    desk = page_factory()
    login(desk, liaison.username)
    desk.goto(f"{live_server.url}/cases/{case.code}/")
    desk.click("#action-accept summary")
    desk.click("#action-accept button[type=submit]")
    desk.wait_for_selector("text=已签收，办结期限")
    options = desk.locator("#id_record-kind option").all_inner_texts()
    assert "中心备注" not in options and "办理进展" in options
    desk.locator("#add-record").scroll_into_view_if_needed()
    desk.fill("#id_record-text", "已电话联系申请人，约定明日到现场核实。")
    desk.locator("#add-record").screenshot(path=str(artifacts / "issue12-liaison-record-form.png"))
    # The closed select hides its options: list them open for the record of what is offered.
    desk.eval_on_selector("#id_record-kind", "(select) => { select.size = select.options.length; }")
    desk.locator("#add-record").screenshot(path=str(artifacts / "issue12-liaison-record-kinds.png"))
    desk.screenshot(path=str(artifacts / "issue12-liaison-case-page.png"), full_page=True)
