"""One error shape everywhere, in the request's language, and never a 500 for bad input."""

import pytest

from cases.models import State

from .conftest import error_of, url


def test_errors_are_chinese_by_default_and_english_on_request(api, case_in):
    case = case_in(State.RECEIVED)
    wrong = case.code[:-1] + ("0" if case.code[-1] != "0" else "1")

    zh = error_of(api.coordinator.get(url(f"cases/{wrong}/")))
    en = error_of(api.coordinator.get(url(f"cases/{wrong}/"), HTTP_ACCEPT_LANGUAGE="en"))
    assert zh["code"] == en["code"] == "code_mistyped"
    assert "校验码" in zh["message"]
    assert en["message"].startswith("The case code is wrong"), en["message"]

    zh = error_of(api.coordinator.post(url(f"cases/{case.code}/transitions/close/"), {}, format="json"))
    en = error_of(
        api.coordinator.post(
            url(f"cases/{case.code}/transitions/close/"), {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    assert zh["code"] == en["code"] == "invalid_transition"
    assert "已受理" in zh["message"]
    assert en["message"] == "The case is “Received”: this action is not possible now.", en["message"]

    en = error_of(
        api.reception.post(url("cases/"), {"title": ""}, format="json", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    )
    assert en["message"] == "Some fields are not valid: see fields."
    assert en["fields"]["title"] == ["This field may not be blank."]
    assert en["fields"]["category"] == ["This field is required."]
    zh = error_of(api.reception.post(url("cases/"), {"title": ""}, format="json"))
    assert zh["fields"]["title"] == ["该字段不能为空。"]

    en = error_of(api.liaison.post(url("cases/"), {}, format="json", HTTP_ACCEPT_LANGUAGE="en"))
    assert en["message"] == "Only reception staff and coordinators may record cases."
    en = error_of(api.anon.get(url("cases/"), HTTP_ACCEPT_LANGUAGE="en"))
    assert en["message"] == "Authentication credentials were not provided."


def test_unknown_api_paths_answer_json_404(api):
    for path in ("nothing/", "cases/a/b/c/", "cases", "v2/"):
        response = api.coordinator.get(f"/api/v1/{path}" if path != "v2/" else "/api/v2/")
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "cases/%00/",
        "cases/" + "9" * 5000 + "/",
        "cases/42092320260000015/attachments/99999999999999999999999/",
        "public/cases/%F0%9F%98%80/",
    ],
)
def test_odd_paths_are_4xx(api, path):
    response = api.coordinator.get(url(path))
    assert 400 <= response.status_code < 500, response.content
    error_of(response)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "x" * 10000},
        {"lead_department": "\x00"},
        {"lead_department": "9" * 40},
        {"state": ["received", "\x00"]},
        {"created_before": "2026-13-45T99:99:99Z"},
        {"cursor": "\x00"},
        {"page_size": "99999999999999999999999"},
    ],
)
def test_hostile_query_parameters_never_500(api, params):
    response = api.coordinator.get(url("cases/"), params)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        error_of(response)


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x" * 1_000_000},
        {"title": ["list"], "parties": {"a": 1}},
        {"title": "t", "description": "d", "category": "labour", "source": "walk_in", "parties": [None]},
        {"title": "t", "description": "d", "category": "labour", "source": "walk_in", "parties": [[1, 2]]},
        {
            "title": "t",
            "description": "d",
            "category": "labour",
            "source": "walk_in",
            "parties": [{"name": "\x00", "phone": "13812345678"}],
        },
        {
            "title": "t",
            "description": "d",
            "category": "labour",
            "source": "walk_in",
            "people_count": 10**30,
            "parties": [{"name": "a", "phone": "13812345678"}],
        },
        {
            "title": "t",
            "description": "d",
            "category": "labour",
            "source": "walk_in",
            "parties": [{"name": "a", "phone": "13812345678"}] * 51,
        },
    ],
)
def test_hostile_bodies_never_500(api, body):
    response = api.reception.post(url("cases/"), body, format="json")
    assert response.status_code == 400, response.content[:300]
    error_of(response)


def test_request_too_large_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.reception.post(url("cases/"), {"title": "x" * 5000}, format="json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_too_large"


def test_not_acceptable_is_406_in_json(api):
    response = api.coordinator.get(url("cases/"), HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_acceptable"


def test_method_not_allowed_is_405(api):
    response = api.coordinator.delete(url("cases/"))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
