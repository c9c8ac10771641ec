"""A mediation agreement over the API: the page's fields, through the same service, with the same outcome."""

from django.test import Client
from django.urls import reverse

from cases.models import ResultKind, State

from .conftest import url

AGREEMENT = {
    "result": "经调解，双方达成协议，工资分两期支付。",
    "result_kind": ResultKind.MEDIATION_AGREEMENT,
    "agreement_terms": "一、被申请人于12月10日前支付欠薪8000元；二、申请人放弃其他请求。",
    "judicial_confirmation": True,
}


def submit_over_api(api, case, body):
    return api.liaison.post(url(f"cases/{case.code}/transitions/submit_result/"), body, format="json")


def submit_on_page(liaison, case, body):
    client = Client()
    client.force_login(liaison)
    # A checkbox is sent only when ticked.
    form = {f"submit_result-{name}": value for name, value in body.items() if not isinstance(value, bool)}
    if body.get("judicial_confirmation"):
        form["submit_result-judicial_confirmation"] = "on"
    form["submit_result-version"] = case.version
    return client.post(reverse("cases:action", args=[case.code, "submit_result"]), form)


def stored(case):
    case.refresh_from_db()
    return (case.state, case.result, case.result_kind, case.agreement_terms, case.judicial_confirmation)


def test_the_api_submits_a_mediation_agreement(api, case_in):
    case = case_in(State.HANDLING)
    response = submit_over_api(api, case, AGREEMENT)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == State.REVIEWING
    assert (body["result_kind"], body["agreement_terms"], body["judicial_confirmation"]) == (
        "agreement",
        AGREEMENT["agreement_terms"],
        True,
    )
    assert stored(case) == (
        State.REVIEWING,
        AGREEMENT["result"],
        "agreement",
        AGREEMENT["agreement_terms"],
        True,
    )
    event = case.events.get(transition="submit_result")
    # The mediator defaults to the lead department (it has no mediation body among its departments).
    assert event.data == {"result_kind": "agreement", "judicial_confirmation": True, "mediated_by": "court"}


def test_page_and_api_store_the_same_agreement(api, case_in, liaison):
    over_api, on_page = case_in(State.HANDLING), case_in(State.HANDLING)
    assert submit_over_api(api, over_api, AGREEMENT).status_code == 200
    assert submit_on_page(liaison, on_page, AGREEMENT).status_code == 302
    assert stored(over_api) == stored(on_page)


def test_page_and_api_refuse_an_agreement_without_terms_with_the_same_message(api, case_in, liaison):
    body = {**AGREEMENT, "agreement_terms": "  "}
    over_api, on_page = case_in(State.HANDLING), case_in(State.HANDLING)
    response = submit_over_api(api, over_api, body)
    assert response.status_code == 400
    (message,) = response.json()["error"]["fields"]["agreement_terms"]
    page = submit_on_page(liaison, on_page, body)
    assert page.status_code == 400 and message in page.content.decode()
    assert stored(over_api)[0] == stored(on_page)[0] == State.HANDLING


def test_an_unknown_result_kind_is_400(api, case_in):
    case = case_in(State.HANDLING)
    response = submit_over_api(api, case, {**AGREEMENT, "result_kind": "contract"})
    assert response.status_code == 400
    assert "result_kind" in response.json()["error"]["fields"]
    assert stored(case)[0] == State.HANDLING


def test_other_results_drop_agreement_fields_as_the_page_does(api, case_in, liaison):
    body = {**AGREEMENT, "result_kind": ResultKind.RESOLVED}
    over_api, on_page = case_in(State.HANDLING), case_in(State.HANDLING)
    assert submit_over_api(api, over_api, body).status_code == 200
    assert submit_on_page(liaison, on_page, body).status_code == 302
    assert stored(over_api) == stored(on_page) == (State.REVIEWING, body["result"], "resolved", "", False)


def test_a_plain_result_still_works_for_existing_clients(api, case_in):
    case = case_in(State.HANDLING)
    response = submit_over_api(api, case, {"result": "已解决。"})
    assert response.status_code == 200
    assert stored(case) == (State.REVIEWING, "已解决。", "", "", False)
