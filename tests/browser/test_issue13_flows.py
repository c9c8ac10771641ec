"""Issue 13 (flows) in a real browser: a township reports a case up, the county takes it on from its
"下级上报" queue, the township keeps a read-only view with the 流转记录, the party tracks it by the
same code and reads which center holds it now."""

from cases.models import Case, State
from departments.models import Role
from tests.cases.network_tree import build_tree, take_in
from tests.factories import StaffFactory


def test_report_up_take_over_and_follow(
    transactional_db, live_server, page_factory, login, artifacts, center
):
    tree = build_tree(center)
    township = StaffFactory(role=Role.COORDINATOR, center=tree.a1).user
    county = StaffFactory(role=Role.COORDINATOR, center=tree.county).user
    case = take_in(tree.a1, coordinator=township)

    page = page_factory()
    login(page, township.username)
    page.goto(f"{live_server.url}/cases/{case.code}/")
    page.click("#action-escalate summary")
    page.select_option("#id_escalate-reason_kind", "several_places")
    page.fill("#id_escalate-reason", "纠纷双方分属花园镇和丰山镇，需县级协调。")
    page.locator("#action-escalate").screenshot(path=str(artifacts / "issue13-flows-escalate-form.png"))
    page.click("#action-escalate button[type=submit]")
    page.wait_for_selector(f"text=已上报{tree.county.name}")
    assert Case.objects.get(pk=case.pk).state == State.ESCALATED

    parent = page_factory()
    login(parent, county.username)
    parent.goto(f"{live_server.url}/cases/workbench/?queue=referrals_up")
    assert case.code_display in parent.locator("#referral-rows").inner_text()
    parent.screenshot(path=str(artifacts / "issue13-flows-workbench-referrals-up.png"), full_page=True)
    parent.click(f"#referral-rows >> text={case.code_display}")
    parent.wait_for_selector("#action-take_over")
    parent.click("#action-take_over summary")
    parent.click("#action-take_over button[type=submit]")
    parent.wait_for_selector("text=已接收上报")
    taken = Case.objects.get(pk=case.pk)
    assert taken.center_id == tree.county.pk and taken.code == case.code

    page.goto(f"{live_server.url}/cases/{case.code}/")
    banner = page.locator("#held-elsewhere")
    assert f"本案现由 {tree.county.name} 承办" in banner.inner_text()
    assert page.locator("#actions").count() == 0
    assert "已接收" in page.locator("#referrals").inner_text()
    page.screenshot(path=str(artifacts / "issue13-flows-sender-read-only.png"), full_page=True)

    party = page_factory()
    party.goto(f"{live_server.url}/t/{case.code}/")
    assert f"现由 {tree.county.name} 承办" in party.locator("#holding-center").inner_text()
    assert "接收上报" in party.locator("#public-hops").inner_text()
    party.screenshot(path=str(artifacts / "issue13-flows-tracking.png"), full_page=True)
