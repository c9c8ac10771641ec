"""The "显示" action in a real browser: masked number, a reason, htmx swaps in the full number, one log row."""

from django.urls import reverse

from audit.models import AccessLogEntry


def test_a_coordinator_shows_a_phone_with_a_reason(
    transactional_db, live_server, page_factory, login, artifacts, new_case, coordinator
):
    case = new_case()
    party = case.parties.get(name="张三")
    page = page_factory()
    login(page, coordinator.username)
    page.goto(f"{live_server.url}{reverse('cases:detail', args=[case.code])}")
    assert "13812345678" not in page.inner_text("body") and "138****5678" in page.inner_text("body")

    form = page.locator(
        f"form[action='{reverse('cases:party_reveal', args=[case.code, party.pk, 'phone'])}']"
    )
    form.locator("button", has_text="显示").click()  # no reason: the browser refuses to send it
    assert AccessLogEntry.objects.filter(action="personal.reveal").count() == 0
    form.locator("input[name=reason]").fill("联系当事人")
    form.locator("button", has_text="显示").click()
    page.wait_for_selector(".revealed")

    assert page.locator(".revealed").inner_text() == "13812345678"
    assert page.url.endswith(reverse("cases:detail", args=[case.code]))  # swapped in place
    page.screenshot(path=str(artifacts / "reveal-phone.png"), full_page=True)
    row = AccessLogEntry.objects.get(action="personal.reveal")
    assert (row.actor, row.case_code, row.reason, row.details["field"]) == (
        coordinator,
        case.code,
        "联系当事人",
        "phone",
    )
