"""Finding 6 in a real browser: the repeat-visit check (htmx) and the case search send phone and
ID numbers in a POST body with the CSRF token, never in a URL."""

from django.urls import reverse

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


def _watch(page):
    """Record (method, url, body) of every request the page makes to the application."""
    seen = []
    page.on("request", lambda r: seen.append((r.method, r.url, r.post_data or "")))
    return seen


def test_the_repeat_visit_check_and_the_search_post_their_numbers(
    transactional_db, live_server, page_factory, login, artifacts, reception, new_case
):
    case = new_case()
    page = page_factory()
    login(page, reception.username)
    seen = _watch(page)
    assert page.url.endswith(reverse("cases:intake"))

    page.fill("#id_parties-0-phone", PHONE)
    page.dispatch_event("#id_parties-0-phone", "change")
    page.wait_for_selector("#history .history-box")
    assert case.code_display in page.inner_text("#history")
    assert "138****5678" in page.inner_text("#history")
    page.fill("#id_parties-0-id_number", ID_NUMBER)
    page.dispatch_event("#id_parties-0-id_number", "change")
    page.wait_for_function("() => document.querySelectorAll('#history .person').length === 2")
    page.screenshot(path=str(artifacts / "intake-repeat-visit.png"), full_page=True)

    lookups = [(m, u, b) for m, u, b in seen if reverse("cases:intake_lookup") in u]
    assert lookups and all(method == "POST" for method, _url, _body in lookups)
    assert all("?" not in url for _method, url, _body in lookups)
    assert "csrfmiddlewaretoken=" in lookups[-1][2] and ID_NUMBER in lookups[-1][2]
    assert "title=" not in lookups[-1][2]  # only the people typed, not the whole intake form

    page.goto(f"{live_server.url}{reverse('cases:search')}")
    for query in (PHONE, ID_NUMBER):
        page.fill("#id_q", query)
        page.click("form.search-form button[type=submit]")
        page.wait_for_selector("#search-results")
        assert case.code_display in page.inner_text("#search-results")
        assert page.url == f"{live_server.url}{reverse('cases:search')}"  # no query string
    page.screenshot(path=str(artifacts / "search-by-id.png"), full_page=True)
    assert not [url for _method, url, _body in seen if PHONE in url or ID_NUMBER in url]
