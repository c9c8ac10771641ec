"""Bad input never gives 500: NUL characters, digits that are not ASCII, deeply nested JSON.

Each answer is a 400 in the API's one error shape (pages: the 400 page or the form's field
error, in Chinese), and nothing is written.
"""

import json

import pytest
from django.urls import reverse

from cases import ratelimit
from cases.models import Case, CaseEvent, HandlingRecord, State
from supervision.models import Reason
from supervision.services import supervision_order_issue

from .conftest import error_of, url

pytestmark = pytest.mark.django_db

# Digits that ``str.isdigit()`` accepts: superscript (``int()`` refuses it), full-width,
# Arabic-Indic and Devanagari (``int()`` reads them). None is a number in a URL or a header.
NOT_ASCII_DIGITS = ["²", "²³", "１２", "٣", "१"]
NUL = "\x00"


def assert_invalid(response, *fields: str) -> dict:
    assert response.status_code == 400, response.content[:300]
    error = error_of(response)
    assert error["code"] == "invalid", error
    for field in fields:
        assert field in error["fields"], error
    return error


def nested(depth: int, kind: str = "array") -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.fixture
def order(case_in, leader):
    case = case_in(State.HANDLING)
    return supervision_order_issue(
        case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction="限期办结"
    )


# --- NUL --------------------------------------------------------------------------------------------

API_QUERY_PARAMETERS = [
    ("cases/", name)
    for name in (
        "state",
        "risk_colour",
        "category",
        "source",
        "lead_department",
        "created_after",
        "created_before",
        "q",
        "cursor",
        "page_size",
        "ordering",
    )
] + [
    ("cases/{code}/", "x"),
    ("cases/{code}/events/", "page_size"),
    ("cases/{code}/events/", "cursor"),
    ("cases/{code}/records/", "page_size"),
    ("cases/{code}/transitions/", "x"),
    ("supervision-orders/", "case"),
    ("supervision-orders/", "department"),
    ("supervision-orders/", "status"),
    ("supervision-orders/", "level"),
    ("supervision-orders/", "page"),
    ("supervision-orders/", "page_size"),
    ("callbacks/", "month"),
    ("callbacks/", "status"),
    ("reports/summary/", "from"),
    ("reports/summary/", "to"),
    ("departments/", "kind"),
    ("departments/", "is_active"),
    ("services/", "is_active"),
    ("packages/", "page"),
    ("duty-board/", "page_size"),
    ("public/cases/{code}/", "x"),
]


@pytest.mark.parametrize(("path", "name"), API_QUERY_PARAMETERS)
@pytest.mark.parametrize("value", [f"1{NUL}2"])
def test_nul_in_any_query_parameter_of_the_api_is_400(api, case_in, path, name, value):
    case = case_in(State.HANDLING)
    response = api.coordinator.get(url(path.format(code=case.code)), {name: value})
    assert_invalid(response, name)
    # The name may carry it too.
    response = api.coordinator.get(url(path.format(code=case.code)), {f"{name}{NUL}": "1"})
    assert_invalid(response)


@pytest.mark.parametrize("path", ["cases/{code}%00/", "public/cases/{code}%00/", "cases/%00/events/"])
def test_nul_in_an_api_path_is_400(api, case_in, path):
    case = case_in(State.RECEIVED)
    response = api.coordinator.get(url(path.format(code=case.code)))
    assert_invalid(response, "path")
    assert response["Content-Type"] == "application/json"


def test_nul_in_a_json_field_is_a_field_error_and_nothing_changes(api, case_in):
    case = case_in(State.ASSESSING)
    events = CaseEvent.objects.count()
    for body, field in [
        ({"risk_colour": "yellow", "lead_department": NUL}, "lead_department"),
        ({"risk_colour": "yellow", "lead_department": "court", "instructions": f"a{NUL}b"}, "instructions"),
        (
            {"risk_colour": "yellow", "lead_department": "court", "co_departments": ["x", NUL]},
            "co_departments[1]",
        ),
        ({"risk_colour": "yellow", "lead_department": "court", f"x{NUL}": 1}, "x\\0"),
    ]:
        response = api.coordinator.post(url(f"cases/{case.code}/transitions/assign/"), body, format="json")
        assert_invalid(response, field)
        assert error_of(response)["fields"][field] == ["不能包含空字符（U+0000）。"]
    case.refresh_from_db()
    assert case.state == State.ASSESSING and case.lead_department is None
    assert CaseEvent.objects.count() == events


def test_nul_anywhere_in_a_new_case_writes_nothing(api):
    body = {
        "title": "拖欠工资",
        "description": "d",
        "category": "labour",
        "source": "walk_in",
        "parties": [{"name": "张三", "phone": "13812345678"}, {"name": f"李{NUL}四", "phone": "13812345679"}],
    }
    response = api.reception.post(url("cases/"), body, format="json")
    assert_invalid(response, "parties[1].name")
    # Escaped in the JSON text or sent raw (which JSON forbids), the answer is a 400.
    raw = json.dumps(body, ensure_ascii=False).replace("\\u0000", NUL).encode()
    response = api.reception.post(url("cases/"), raw, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"
    assert not Case.objects.exists()


def test_nul_in_a_form_body_of_the_api_is_400(api, case_in):
    case = case_in(State.HANDLING)
    records = HandlingRecord.objects.count()
    response = api.liaison.post(
        url(f"cases/{case.code}/records/"),
        "text=a%00b&kind=progress",
        content_type="application/x-www-form-urlencoded",
    )
    assert_invalid(response, "text")
    # In a multipart body the serializer's text field refuses it.
    response = api.liaison.post(url(f"cases/{case.code}/records/"), {"text": f"a{NUL}b"}, format="multipart")
    assert_invalid(response, "text")
    assert HandlingRecord.objects.count() == records


def test_intake_lookup_page_with_nul_is_the_400_page(client, reception):
    client.force_login(reception)
    response = client.post(  # urlencoded, as htmx posts it
        reverse("cases:intake_lookup"),
        "parties-0-phone=%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
    assert "空字符" in response.content.decode()


def test_tracking_pages_with_nul_are_400_and_count_no_failure(client, case_in):
    case = case_in(State.HANDLING)
    response = client.get(f"/t/{case.code}%00/")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
    response = client.get(reverse("tracking:start"), {"code": f"{case.code}{NUL}"})
    assert response.status_code == 400
    response = client.post(reverse("tracking:verify", args=[case.code]), {"last4": f"56{NUL}78"})
    assert response.status_code == 400
    assert ratelimit.failures(code=case.code) == ratelimit.failures(address="127.0.0.1") == 0
    # Arabic-Indic digits (NFKC keeps them) are the form's field error, not a 500.
    response = client.post(reverse("tracking:verify", args=[case.code]), {"last4": "٥٦٧٨"})
    assert response.status_code == 400
    assert "请输入 4 位数字。" in response.content.decode()


# --- Digits that are not ASCII -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [*NOT_ASCII_DIGITS, "0", "-1", " 5", "5 ", "+5", "9" * 40])
@pytest.mark.parametrize(
    "path", ["cases/", "cases/{code}/events/", "supervision-orders/", "departments/", "duty-board/"]
)
def test_page_size_must_be_ascii_digits(api, case_in, path, value):
    case = case_in(State.HANDLING)
    response = api.coordinator.get(url(path.format(code=case.code)), {"page_size": value})
    assert_invalid(response, "page_size")


@pytest.mark.parametrize("value", [*NOT_ASCII_DIGITS, "0", "-1", "9" * 40, "1.0"])
@pytest.mark.parametrize("path", ["supervision-orders/", "departments/", "services/", "callbacks/"])
def test_page_must_be_ascii_digits(api, path, value):
    response = api.coordinator.get(url(path), {"page": value})
    assert_invalid(response, "page")


def test_page_still_reads_plain_numbers_and_last(api, order):
    assert api.coordinator.get(url("supervision-orders/"), {"page": "1"}).status_code == 200
    assert api.coordinator.get(url("supervision-orders/"), {"page": "last"}).status_code == 200
    assert api.coordinator.get(url("supervision-orders/"), {"page": "2"}).status_code == 404


@pytest.mark.parametrize("value", [*NOT_ASCII_DIGITS, "court\x01", "法院", "a b"])
@pytest.mark.parametrize(
    ("path", "name"), [("cases/", "lead_department"), ("supervision-orders/", "department")]
)
def test_department_filters_take_an_id_or_a_slug(api, case_in, path, name, value, department):
    case_in(State.HANDLING)
    assert_invalid(api.coordinator.get(url(path), {name: value}), name)
    for good in (str(department.pk), department.slug, "9" * 30):
        assert api.coordinator.get(url(path), {name: good}).status_code == 200


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_department_field_in_a_body_is_a_field_error(api, case_in, value):
    case = case_in(State.ASSESSING)
    body = {"risk_colour": "yellow", "lead_department": value}
    response = api.coordinator.post(url(f"cases/{case.code}/transitions/assign/"), body, format="json")
    assert_invalid(response, "lead_department")
    case.refresh_from_db()
    assert case.state == State.ASSESSING


@pytest.mark.parametrize(
    "header", [*(f'"{v}"' for v in NOT_ASCII_DIGITS), '"0"', '"1.0"', '"-1"', '"99999999999"', "", "  "]
)
def test_if_match_must_be_an_ascii_version(api, case_in, header):
    case = case_in(State.RECEIVED)
    response = api.coordinator.post(
        url(f"cases/{case.code}/transitions/start_assessment/"), {}, format="json", HTTP_IF_MATCH=header
    )
    assert_invalid(response, "If-Match")
    case.refresh_from_db()
    assert case.state == State.RECEIVED and case.version == 1


def test_if_match_with_the_current_version_still_works(api, case_in):
    case = case_in(State.RECEIVED)
    response = api.coordinator.post(
        url(f"cases/{case.code}/transitions/start_assessment/"), {}, format="json", HTTP_IF_MATCH='W/"1"'
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("value", [*NOT_ASCII_DIGITS, "1", 1.0, True, "1\x00"])
def test_version_in_the_body_must_be_a_json_integer(api, case_in, value):
    case = case_in(State.RECEIVED)
    body = {"version": value}
    response = api.coordinator.post(
        url(f"cases/{case.code}/transitions/start_assessment/"), body, format="json"
    )
    assert_invalid(response, "version")
    case.refresh_from_db()
    assert case.state == State.RECEIVED


@pytest.mark.parametrize(
    "value",
    ["２０２６-１０", "٢٠٢٦-١٠", "2026-²", "²⁰²⁶-10", "2026-10\x01", "9999-12", "0000-01", "2026-13", "2026"],
)
def test_callback_month_must_be_ascii_yyyy_mm(api, value):
    assert_invalid(api.coordinator.get(url("callbacks/"), {"month": value}), "month")


@pytest.mark.parametrize(
    "params", [{"from": "２０２６-１０-０１"}, {"to": "9999-12-31"}, {"from": "0001-01-01"}]
)
def test_report_period_must_be_ascii_and_in_range(api, params):
    assert_invalid(api.leader.get(url("reports/summary/"), params))


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "２０２６-１０", "2026-²"])
def test_report_and_callback_pages_refuse_odd_months_without_500(client, leader, coordinator, month):
    client.force_login(leader)
    response = client.get(reverse("supervision:reports_monthly"), {"month": month})
    assert response.status_code == 400
    assert "月份格式应为 YYYY-MM，如 2026-10。" in response.content.decode()
    for params in ({"from": "9999-12-01", "to": "9999-12-31"}, {"from": "0001-01-01"}):
        response = client.get(reverse("supervision:reports_monthly"), params)
        assert response.status_code == 400
        assert "日期格式应为 YYYY-MM-DD。" in response.content.decode()
    client.force_login(coordinator)
    assert client.get(reverse("supervision:callbacks"), {"month": month}).status_code == 200


# --- Deep and big JSON -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["array", "object"])
def test_deeply_nested_json_to_the_public_verify_is_400(api, case_in, kind):
    case = case_in(State.HANDLING)
    body = nested(15_000, kind)  # 30 KB, anonymous
    response = api.anon.post(url(f"public/cases/{case.code}/verify/"), body, content_type="application/json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "parse_error"
    assert error["message"] == "请求体嵌套过深。"
    # Unclosed, or with the brackets inside strings (which do not count): still no 500.
    for text in ("[" * 15_000, '{"phone_last4": "' + "[" * 15_000 + '"}'):
        response = api.anon.post(
            url(f"public/cases/{case.code}/verify/"), text, content_type="application/json"
        )
        assert response.status_code == 400
        error_of(response)
    assert ratelimit.failures(code=case.code) == ratelimit.failures(address="127.0.0.1") == 0


@pytest.mark.parametrize(
    "path",
    [
        "cases/",
        "cases/{code}/transitions/assign/",
        "cases/{code}/records/",
        "supervision-orders/{number}/respond/",
    ],
)
def test_deep_json_is_400_on_every_endpoint_and_writes_nothing(api, order, path):
    events = CaseEvent.objects.count()
    response = api.coordinator.post(
        url(path.format(code=order.case.code, number=order.number)),
        nested(33, "object"),
        content_type="application/json",
    )
    assert response.status_code in (400, 403), response.content
    if response.status_code == 400:
        assert error_of(response)["message"] == "请求体嵌套过深。"
    assert CaseEvent.objects.count() == events
    assert Case.objects.count() == 1


def test_nesting_up_to_the_limit_is_read(api, case_in):
    case = case_in(State.HANDLING)
    body = {"phone_last4": "5678", "x": json.loads(nested(31))}
    response = api.anon.post(url(f"public/cases/{case.code}/verify/"), body, format="json")
    assert response.status_code == 200, response.content


def test_oversized_json_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.reception.post(url("cases/"), {"title": "x" * 5000}, format="json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_too_large"
