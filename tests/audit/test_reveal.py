"""Full phone and ID numbers: masked by default everywhere; "显示" with a reason returns one and logs it."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AccessLogEntry
from cases.models import ResultKind, State
from cases.services import case_accept, case_assign, case_start_assessment
from cases.services.lifecycle import case_submit_result

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


@pytest.fixture
def handled_case(new_case, coordinator, liaison, department, other_department):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    case = case_assign(
        case=case,
        actor=coordinator,
        risk_colour="yellow",
        lead_department=department,
        co_departments=[other_department],
    )
    case = case_accept(case=case, actor=liaison)
    assert case.state == State.HANDLING
    return case


def reveal_url(case, party, field):
    return reverse("cases:party_reveal", args=[case.code, party.pk, field])


def reveals():
    return AccessLogEntry.objects.filter(action="personal.reveal")


@pytest.mark.parametrize("role", ["coordinator", "admin_user", "liaison"])
def test_the_page_masks_numbers_and_the_show_action_returns_one_and_logs_who_what_and_why(
    client, handled_case, role, request
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    party = handled_case.parties.get(name="张三")

    page = client.get(reverse("cases:detail", args=[handled_case.code])).content.decode()
    assert PHONE not in page and ID_NUMBER not in page and "138****5678" in page
    assert reveal_url(handled_case, party, "id_number") in page  # the "显示" form is offered

    response = client.post(
        reveal_url(handled_case, party, "id_number"),
        {"reason": "核实当事人身份"},
        HTTP_HX_REQUEST="true",
        REMOTE_ADDR="10.0.0.7",
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert ID_NUMBER in body and PHONE not in body  # one field, nothing else
    assert "<html" not in body  # the htmx fragment
    assert response["Cache-Control"] == "private, no-store"
    row = reveals().get()
    assert (row.actor, row.case_code, row.reason, row.client_address) == (
        user,
        handled_case.code,
        "核实当事人身份",
        "10.0.0.7",
    )
    assert row.details["field"] == "id_number" and row.details["party_id"] == party.pk
    assert (row.object_type, row.object_id, row.object_repr) == ("cases.party", str(party.pk), "张*")


def test_without_htmx_the_show_action_answers_a_page(client, handled_case, coordinator):
    client.force_login(coordinator)
    party = handled_case.parties.get(name="张三")
    response = client.post(reveal_url(handled_case, party, "phone"), {"reason": "联系当事人"})
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert "<html" in response.content.decode()
    assert reveals().count() == 1


@pytest.mark.parametrize("role", ["reception", "leader", "other_liaison"])
def test_a_role_without_the_right_gets_403_no_number_and_no_log_row(client, handled_case, role, request):
    client.force_login(request.getfixturevalue(role))
    party = handled_case.parties.get(name="张三")
    page = client.get(reverse("cases:detail", args=[handled_case.code])).content.decode()
    assert reveal_url(handled_case, party, "phone") not in page

    response = client.post(reveal_url(handled_case, party, "phone"), {"reason": "联系当事人"})

    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert not reveals().exists()


@pytest.mark.parametrize("role", ["reception", "leader", "other_liaison"])
def test_the_api_refuses_the_same_roles_with_403(handled_case, role, request):
    api = APIClient()
    user = request.getfixturevalue(role)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    party = handled_case.parties.get(name="张三")
    response = api.post(
        f"/api/v1/cases/{handled_case.code}/parties/{party.pk}/reveal/",
        {"field": "phone", "reason": "联系当事人"},
        format="json",
    )
    assert response.status_code == 403 and PHONE not in response.content.decode()
    assert not reveals().exists()


def test_the_api_reveal_logs_like_the_page(handled_case, liaison):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=liaison)[0].key}")
    party = handled_case.parties.get(name="张三")
    response = api.post(
        f"/api/v1/cases/{handled_case.code}/parties/{party.pk}/reveal/",
        {"field": "phone", "reason": "联系当事人"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"party": party.pk, "field": "phone", "value": PHONE}
    row = reveals().get()
    assert (row.actor, row.reason, row.details["field"]) == (liaison, "联系当事人", "phone")
    # Without a reason, or for another field: 400 and no row.
    for body in ({"field": "phone"}, {"field": "phone", "reason": ""}, {"field": "name", "reason": "x"}):
        bad = api.post(f"/api/v1/cases/{handled_case.code}/parties/{party.pk}/reveal/", body, format="json")
        assert bad.status_code == 400 and PHONE not in bad.content.decode()
    assert reveals().count() == 1


def test_the_page_needs_a_reason_and_a_party_of_this_case(client, handled_case, new_case, coordinator):
    client.force_login(coordinator)
    party = handled_case.parties.get(name="张三")
    response = client.post(reveal_url(handled_case, party, "phone"), {"reason": "  "})
    assert response.status_code == 400 and PHONE not in response.content.decode()
    other = new_case().parties.get(name="张三")
    assert client.post(reveal_url(handled_case, other, "phone"), {"reason": "x"}).status_code == 404
    assert client.post(reveal_url(handled_case, party, "address"), {"reason": "x"}).status_code == 404
    assert client.get(reveal_url(handled_case, party, "phone")).status_code == 405
    assert not reveals().exists()


def test_bulk_pages_and_lists_stay_masked_for_those_who_may_reveal(client, handled_case, coordinator):
    client.force_login(coordinator)
    pages = [
        client.get(reverse("cases:workbench")),
        client.post(reverse("cases:search"), {"q": "张三"}),
        client.get("/api/v1/cases/"),
        client.get(f"/api/v1/cases/{handled_case.code}/"),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert PHONE not in body and ID_NUMBER not in body
    assert not reveals().exists()


def test_printing_the_mediation_agreement_with_full_numbers_is_logged(
    client, handled_case, liaison, coordinator
):
    case_submit_result(
        case=handled_case,
        actor=liaison,
        result="双方达成调解协议。",
        result_kind=ResultKind.MEDIATION_AGREEMENT,
        agreement_terms="被申请人于 12 月 1 日前支付工资 36 万元。",
    )
    client.force_login(coordinator)
    response = client.get(reverse("cases:mediation_agreement", args=[handled_case.code]))
    assert response.status_code == 200 and ID_NUMBER in response.content.decode()
    row = AccessLogEntry.objects.get(action="personal.print")
    assert (row.actor, row.case_code, row.details) == (
        coordinator,
        handled_case.code,
        {"document": "mediation_agreement"},
    )


def test_a_fresh_browser_session_sees_the_same(handled_case, coordinator):
    """No state carried in the session: each reveal is one request, one row."""
    browser = Client()
    browser.force_login(coordinator)
    party = handled_case.parties.get(name="李四")
    for _ in range(2):
        assert (
            browser.post(reveal_url(handled_case, party, "phone"), {"reason": "联系当事人"}).status_code
            == 200
        )
    assert reveals().count() == 2
