"""Finding 6: phone and ID numbers reach the repeat-visit check and the case search in a POST body,
never in a query string (which web servers write to their access logs)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.services import case_assign, case_start_assessment

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"  # the applicant in tests/conftest.py PARTIES
SEARCH_ROLES = ["reception", "coordinator", "leader", "liaison", "admin_user"]
LOOKUP_ROLES = ["reception", "coordinator", "admin_user"]


@pytest.fixture
def assigned(new_case, coordinator, department):
    """A case assigned to the liaison's department, so that every searching role may see it."""
    case = case_start_assessment(case=new_case(), actor=coordinator)
    return case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)


def _results(response) -> str:
    html = response.content.decode()
    return html[html.index('id="search-results"') :] if 'id="search-results"' in html else ""


@pytest.mark.parametrize("role", SEARCH_ROLES)
@pytest.mark.parametrize("query", [PHONE, "138 1234 5678", ID_NUMBER, ID_NUMBER.lower()])
def test_search_by_phone_and_id_number_in_a_post_body(client, request, assigned, role, query):
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("cases:search"), {"q": query})
    assert response.status_code == 200
    results = _results(response)
    assert assigned.code_display in results
    assert PHONE not in results and ID_NUMBER not in results  # masked in the rows


@pytest.mark.parametrize("query", [PHONE, ID_NUMBER, "张三"])
def test_search_ignores_a_query_string(client, reception, assigned, query):
    client.force_login(reception)
    response = client.get(reverse("cases:search"), {"q": query}, follow=True)
    assert response.redirect_chain == [(reverse("cases:search"), 302)]  # dropped from the address
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="search-results"' not in html and "没有找到" not in html  # nothing was searched
    assert assigned.code_display not in html
    assert query not in html  # not echoed into the form either


def test_the_search_page_form_posts_with_a_csrf_token(reception, assigned):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reception)
    html = client.get(reverse("cases:search")).content.decode()
    form = re.search(r'<form method="(\w+)" class="form search-form">(.*?)</form>', html, re.S)
    assert form and form[1] == "post"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[2])[1]
    assert client.post(reverse("cases:search"), {"q": PHONE}).status_code == 403  # no token
    response = client.post(reverse("cases:search"), {"q": PHONE, "csrfmiddlewaretoken": token})
    assert assigned.code_display in _results(response)


@pytest.mark.parametrize("role", LOOKUP_ROLES)
@pytest.mark.parametrize(
    "data",
    [{"parties-0-phone": "138-1234-5678"}, {"parties-0-id_number": ID_NUMBER}, {"parties-3-phone": PHONE}],
)
def test_the_repeat_visit_check_by_phone_and_id_number_in_a_post_body(client, request, assigned, role, data):
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("cases:intake_lookup"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("choose-visit") == 1 and f'data-code="{assigned.code}"' in html
    assert "90 日内已来访 1 次" in html
    assert PHONE not in html and ID_NUMBER not in html


@pytest.mark.parametrize("data", [{"parties-0-phone": PHONE}, {"parties-0-id_number": ID_NUMBER}])
def test_the_repeat_visit_check_refuses_a_query_string(client, reception, assigned, data):
    client.force_login(reception)
    response = client.get(reverse("cases:intake_lookup"), data)
    assert response.status_code == 405
    html = response.content.decode()
    assert assigned.code not in html and "choose-visit" not in html


def test_the_intake_page_posts_the_repeat_visit_check_with_its_csrf_token(reception, assigned):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reception)
    html = client.get(reverse("cases:intake")).content.decode()
    url = reverse("cases:intake_lookup")
    assert f'hx-get="{url}"' not in html
    lookup = re.search(r'<div hidden id="history-lookup"(.*?)></div>', html, re.S)[1]
    assert f'hx-post="{url}"' in lookup
    assert "#intake-form [name=csrfmiddlewaretoken]" in lookup
    assert re.search(r'<form method="post"[^>]*id="intake-form"', html)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    assert client.post(url, {"parties-0-phone": PHONE}).status_code == 403  # no token
    response = client.post(url, {"parties-0-phone": PHONE, "csrfmiddlewaretoken": token})
    assert f'data-code="{assigned.code}"' in response.content.decode()


@pytest.mark.parametrize("url_name", ["cases:intake", "cases:intake_lookup", "cases:search"])
def test_error_reports_hide_the_numbers_posted(client, reception, center, url_name):
    from django.views.debug import SafeExceptionReporterFilter

    client.force_login(reception)
    response = client.post(reverse(url_name), {"parties-0-phone": PHONE, "q": ID_NUMBER})
    shown = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    assert PHONE not in str(shown) and ID_NUMBER not in str(shown)
