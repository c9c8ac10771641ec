"""The public API: no account, throttled, never a party's personal data."""

import json

import pytest
from django.test import override_settings

from cases.models import Evaluation, State
from cases.services import handling_record_add

from .conftest import error_of, url

PERSONAL = ("张三", "李四", "13812345678", "11010519491231002X", "07161234567", "0716-1234567")


def assert_no_personal_data(response) -> None:
    text = json.dumps(response.json(), ensure_ascii=False)
    for value in PERSONAL:
        assert value not in text, value


def public(path: str) -> str:
    return url(f"public/cases/{path}")


def test_code_alone_shows_stage_and_dates_only(api, case_in):
    case = case_in(State.HANDLING)
    response = api.anon.get(public(f"{case.code_display}/"))

    assert response.status_code == 200
    body = response.json()
    # Which center holds it and its steps between centers (public institutions) are public too.
    assert set(body) == {
        "code",
        "code_display",
        "state",
        "state_label",
        "created_at",
        "center",
        "timeline",
        "hops",
    }
    assert body["code"] == case.code and body["state"] == "handling"
    stages = {s["key"]: s for s in body["timeline"]}
    assert stages["assigned"]["reached_at"] and stages["handling"]["current"]
    assert stages["closed"]["reached_at"] is None
    assert "court" not in response.content.decode() and "法院" not in response.content.decode()
    assert_no_personal_data(response)


def test_public_endpoints_need_no_token_and_ignore_bad_ones(api, case_in):
    case = case_in()
    response = api.anon.get(public(f"{case.code}/"), HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 200


def test_mistyped_and_unknown_codes(api, case_in):
    case = case_in()
    wrong = case.code[:-1] + ("0" if case.code[-1] != "0" else "1")
    for path in (f"{wrong}/", f"{wrong}/verify/", f"{wrong}/evaluation/"):
        method = api.anon.get if path.count("/") == 1 else api.anon.post
        response = (
            method(public(path), {"phone_last4": "5678"}, format="json")
            if method == api.anon.post
            else method(public(path))
        )
        assert response.status_code == 400, path
        assert error_of(response)["code"] == "code_mistyped"
    from cases.codes import make_code

    unknown = make_code("420923", 2026, 424242)
    assert api.anon.get(public(f"{unknown}/")).status_code == 404
    assert (
        api.anon.post(public(f"{unknown}/verify/"), {"phone_last4": "5678"}, format="json").status_code == 404
    )


@pytest.mark.parametrize("factor", ["phone", "key"])
def test_verified_view_has_handling_but_no_personal_data(api, case_in, liaison, factor):
    case = case_in(State.HANDLING)
    handling_record_add(
        case=case, actor=liaison, text="已电话联系张三（13812345678），约定周五调解。", is_public=True
    )
    handling_record_add(case=case, actor=liaison, text="内部：当事人情绪激动", is_public=False)
    body = {"phone_last4": "4567"} if factor == "phone" else {"key": case.tracking_key}

    response = api.anon.post(public(f"{case.code}/verify/"), body, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["lead_department"] == "县人民法院"
    assert data["due_by"] and data["is_supervised"] is False
    assert [r["text"] for r in data["records"]] == ["已电话联系张*（138****5678），约定周五调解。"]
    assert data["can_evaluate"] is False and data["evaluation"] is None
    assert_no_personal_data(response)


def test_full_width_digits_count(api, case_in):
    case = case_in(State.HANDLING)
    response = api.anon.post(public(f"{case.code}/verify/"), {"phone_last4": "５６７８"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"phone_last4": "12"},
        {"phone_last4": "abcd"},
        {"phone_last4": 5678},
        {"key": ""},
        {"phone_last4": "5678", "key": "k"},
    ],
)
def test_verify_needs_exactly_one_well_formed_factor(api, case_in, body):
    case = case_in(State.HANDLING)
    response = api.anon.post(public(f"{case.code}/verify/"), body, format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_wrong_factor_is_403_and_five_failures_block_even_the_right_one(api, case_in):
    case, other = case_in(State.HANDLING), case_in(State.HANDLING)
    for _ in range(5):
        response = api.anon.post(public(f"{case.code}/verify/"), {"phone_last4": "0000"}, format="json")
        assert response.status_code == 403
        assert error_of(response)["code"] == "verification_failed"
    blocked = api.anon.post(public(f"{case.code}/verify/"), {"phone_last4": "5678"}, format="json")
    assert blocked.status_code == 429
    assert error_of(blocked)["code"] == "too_many_failures"
    assert blocked["Retry-After"] == "900"
    # The code is locked for digits, not the address: from the same address (a proxy shared by
    # every party) another case verifies, by key or digits, and this case's key still works.
    for body in ({"key": other.tracking_key}, {"phone_last4": "5678"}):
        assert api.anon.post(public(f"{other.code}/verify/"), body, format="json").status_code == 200
    own_key = api.anon.post(public(f"{case.code}/verify/"), {"key": case.tracking_key}, format="json")
    assert own_key.status_code == 200


def test_failures_are_shared_with_the_tracking_pages(api, case_in, client):
    case = case_in(State.HANDLING)
    for _ in range(5):
        client.post(f"/t/{case.code}/verify/", {"last4": "0000"})
    response = api.anon.post(public(f"{case.code}/verify/"), {"phone_last4": "5678"}, format="json")
    assert response.status_code == 429


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf", fromlist=["settings"]).settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public": "3/min", "public_verify": "2/min"},
    }
)
def test_public_endpoints_are_throttled(api, case_in):
    case = case_in()
    statuses = [api.anon.get(public(f"{case.code}/")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = api.anon.get(public(f"{case.code}/"))
    assert error_of(throttled)["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    # Another address has its own allowance.
    assert api.anon.get(public(f"{case.code}/"), REMOTE_ADDR="10.1.1.1").status_code == 200


def test_party_evaluates_a_closed_case_once(api, case_in):
    case = case_in(State.CLOSED)
    body = {"phone_last4": "5678", "rating": "satisfied", "comment": "调解员很耐心，谢谢张三的配合"}

    response = api.anon.post(public(f"{case.code}/evaluation/"), body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "evaluated"
    assert data["evaluation"]["rating"] == "satisfied" and data["can_evaluate"] is False
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.channel, evaluation.recorded_by) == ("tracking", None)
    assert_no_personal_data(response)
    assert case.events.latest("id").transition == "evaluate"

    again = api.anon.post(public(f"{case.code}/evaluation/"), body, format="json")
    assert again.status_code == 409
    assert error_of(again)["code"] == "already_evaluated"
    assert Evaluation.objects.filter(case=case).count() == 1


def test_evaluation_of_an_open_case_is_409(api, case_in):
    case = case_in(State.HANDLING)
    response = api.anon.post(
        public(f"{case.code}/evaluation/"), {"key": case.tracking_key, "rating": "satisfied"}, format="json"
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_transition"


def test_evaluation_needs_the_second_factor_and_a_rating(api, case_in):
    case = case_in(State.CLOSED)
    wrong = api.anon.post(
        public(f"{case.code}/evaluation/"), {"phone_last4": "0000", "rating": "satisfied"}, format="json"
    )
    assert wrong.status_code == 403
    missing = api.anon.post(public(f"{case.code}/evaluation/"), {"phone_last4": "5678"}, format="json")
    assert missing.status_code == 400
    assert "rating" in error_of(missing)["fields"]
    bad = api.anon.post(
        public(f"{case.code}/evaluation/"), {"phone_last4": "5678", "rating": "great"}, format="json"
    )
    assert bad.status_code == 400
    assert not Evaluation.objects.exists()
