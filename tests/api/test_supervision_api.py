"""The supervision API: orders (list, detail, respond, verify, reject), callbacks and report figures."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import RiskColour, State
from supervision.api import COUNT_KEYS, RATE_KEYS
from supervision.models import Callback, CallbackRound, Level, OrderStatus, Reason, SupervisionOrder
from supervision.reports import selectors as report_selectors
from supervision.services import supervision_order_issue, supervision_order_respond

from ..factories import CaseFactory
from .conftest import error_of, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(case_in, leader):
    """A leader's order on a handling case led by ``department``."""
    case = case_in(State.HANDLING)
    return supervision_order_issue(
        case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction="限期办结"
    )


@pytest.fixture
def responded(order, liaison):
    return supervision_order_respond(order=order, actor=liaison, response="已督促办理，工资已支付。")


def make_orders(n, department, *, start=1):
    now = timezone.now()
    orders = []
    for i in range(start, start + n):
        case = CaseFactory(
            state=State.SUPERVISED,
            lead_department=department,
            risk_colour=RiskColour.YELLOW,
            center=department.center,
        )
        orders.append(
            SupervisionOrder.objects.create(
                number=f"DB2026{i:06d}", case=case, department=department, reason=Reason.DEADLINE_MISSED,
                level=Level.LEADER if i % 3 == 0 else Level.ORDER, required_action="签收逾期",
                issued_at=now, respond_from=now, respond_by=now + dt.timedelta(days=3 - i % 5),
            )
        )  # fmt: skip
    return orders


# --- Orders: reading ------------------------------------------------------------------------------


def test_list_shows_orders_in_the_standard_paginated_shape(api, order):
    response = api.coordinator.get(url("supervision-orders/"))
    assert response.status_code == 200
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    row = body["results"][0]
    assert row["number"] == order.number
    assert row["status"] == "issued" and row["level"] == "order"
    assert row["department"]["slug"] == "court"
    assert row["case"]["code"] == order.case.code


@pytest.mark.parametrize(("who", "status", "count"), [
    ("coordinator", 200, 2), ("leader", 200, 2), ("admin", 200, 2),
    ("liaison", 200, 1), ("other_liaison", 200, 1), ("reception", 403, None),
])  # fmt: skip
def test_list_by_role_and_department(api, department, other_department, who, status, count):
    make_orders(1, department, start=1)
    make_orders(1, other_department, start=2)
    response = getattr(api, who).get(url("supervision-orders/"))
    assert response.status_code == status
    if count is None:
        assert error_of(response)["code"] == "forbidden"
    else:
        rows = response.json()["results"]
        assert len(rows) == count
        if who == "liaison":
            assert {r["department"]["slug"] for r in rows} == {"court"}
        if who == "other_liaison":
            assert {r["department"]["slug"] for r in rows} == {"police"}


def test_anonymous_gets_401(api):
    assert api.anon.get(url("supervision-orders/")).status_code == 401


def test_list_filters(api, department, other_department):
    orders = make_orders(4, department) + make_orders(2, other_department, start=5)

    def get(q):
        return [r["number"] for r in api.coordinator.get(url(f"supervision-orders/?{q}")).json()["results"]]

    assert get(f"department={other_department.pk}") == get("department=police")
    assert len(get("department=police")) == 2
    assert get("department=nowhere") == []
    assert sorted(get("level=leader")) == ["DB2026000003", "DB2026000006"]
    assert len(get("status=issued")) == 6 and len(get("status=open")) == 6
    assert get("status=verified") == []
    code = orders[1].case.code
    grouped = f"{code[:6]}-{code[6:10]}-{code[10:16]}-{code[16:]}"
    assert get(f"case={grouped}") == [orders[1].number]


@pytest.mark.parametrize(
    "query", ["status=nope", "level=x", "case=420923-2026-000001-0", "case=", "page_size=0"]
)
def test_list_rejects_bad_filters(api, query):
    response = api.coordinator.get(url(f"supervision-orders/?{query}"))
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_list_runs_a_constant_number_of_queries(api, department, django_assert_num_queries):
    make_orders(3, department)
    # token (with profile), count, page
    with django_assert_num_queries(3):
        assert len(api.coordinator.get(url("supervision-orders/")).json()["results"]) == 3
    make_orders(27, department, start=4)
    with django_assert_num_queries(3):
        assert len(api.coordinator.get(url("supervision-orders/")).json()["results"]) == 30


def test_detail_with_history(api, order):
    response = api.liaison.get(url(f"supervision-orders/{order.number}/"))
    assert response.status_code == 200
    body = response.json()
    assert body["instruction"] == "限期办结"
    assert [e["action"] for e in body["events"]] == ["issue"]


@pytest.mark.parametrize(("who", "status"), [
    ("coordinator", 200), ("leader", 200), ("admin", 200), ("liaison", 200),
    ("other_liaison", 404), ("reception", 403),
])  # fmt: skip
def test_detail_by_role(api, order, who, status):
    response = getattr(api, who).get(url(f"supervision-orders/{order.number}/"))
    assert response.status_code == status


@pytest.mark.parametrize("number", ["DB2099000001", "nonsense", "DB20260000011"])
def test_unknown_order_is_404(api, number):
    response = api.coordinator.get(url(f"supervision-orders/{number}/"))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- Orders: acting -------------------------------------------------------------------------------


def test_liaison_responds(api, order):
    response = api.liaison.post(
        url(f"supervision-orders/{order.number}/respond/"), {"response": "已约谈企业负责人。"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "responded" and body["response"] == "已约谈企业负责人。"
    assert [e["action"] for e in body["events"]] == ["issue", "respond"]


@pytest.mark.parametrize(("who", "status"), [
    ("other_liaison", 404), ("coordinator", 403), ("leader", 403), ("reception", 403),
])  # fmt: skip
def test_only_the_departments_liaison_responds(api, order, who, status):
    # Permission before body: an empty body gets the same answer.
    for body in ({"response": "好"}, {}):
        response = getattr(api, who).post(url(f"supervision-orders/{order.number}/respond/"), body)
        assert response.status_code == status
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


@pytest.mark.parametrize("body", [{}, {"response": ""}, {"response": "   "}, {"response": 3}])
def test_respond_needs_a_response(api, order, body):
    response = api.liaison.post(url(f"supervision-orders/{order.number}/respond/"), body, format="json")
    assert response.status_code == 400
    assert "response" in error_of(response)["fields"]


def test_respond_twice_is_409(api, responded):
    response = api.liaison.post(
        url(f"supervision-orders/{responded.number}/respond/"), {"response": "再答复"}
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_transition"


def test_coordinator_verifies(api, responded):
    response = api.coordinator.post(url(f"supervision-orders/{responded.number}/verify/"), {"note": "属实"})
    assert response.status_code == 200
    assert response.json()["status"] == "verified"
    assert response.json()["case"]["state"] == State.HANDLING


@pytest.mark.parametrize(("who", "status"), [("liaison", 403), ("other_liaison", 404), ("reception", 403)])
def test_verify_by_role(api, responded, who, status):
    response = getattr(api, who).post(url(f"supervision-orders/{responded.number}/verify/"), {})
    assert response.status_code == status


def test_verify_before_an_answer_is_409(api, order):
    response = api.coordinator.post(url(f"supervision-orders/{order.number}/verify/"), {})
    assert response.status_code == 409


def test_verify_rejects_a_bad_note(api, responded):
    response = api.coordinator.post(url(f"supervision-orders/{responded.number}/verify/"), {"note": 5})
    assert response.status_code == 400 and "note" in error_of(response)["fields"]


def test_leader_sends_an_answer_back(api, responded):
    response = api.leader.post(url(f"supervision-orders/{responded.number}/reject/"), {"reason": "答复不实"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "issued" and body["rejection_count"] == 1
    again = api.leader.post(url(f"supervision-orders/{responded.number}/reject/"), {"reason": "再退"})
    assert again.status_code == 409  # issued again: nothing to send back
    assert api.liaison.post(url(f"supervision-orders/{responded.number}/reject/"), {}).status_code == 403


def test_reject_needs_a_reason(api, responded):
    response = api.coordinator.post(url(f"supervision-orders/{responded.number}/reject/"), {"reason": ""})
    assert response.status_code == 400 and "reason" in error_of(response)["fields"]


# --- Callbacks ------------------------------------------------------------------------------------


@pytest.fixture
def callbacks(case_in, coordinator):
    def make(month=dt.date(2026, 9, 1), n=1, start=0):
        round_, _created = CallbackRound.objects.get_or_create(
            center=coordinator.staff_profile.center,
            month=month,
            defaults={
                "seed": 1, "population_size": n, "population_digest": "x", "sample_size_requested": n,
                "sample_size_taken": n, "created_at": timezone.now(),
            },
        )  # fmt: skip
        rows = []
        for i in range(start, start + n):
            case = case_in(State.CLOSED)
            party = case.parties.order_by("order", "id").first()
            rows.append(
                Callback.objects.create(
                    round=round_, position=i + 1, case=case, party=party, person_key=f"k{i}",
                    assigned_to=coordinator,
                )
            )  # fmt: skip
        return rows

    return make


def test_callback_list(api, callbacks):
    callbacks(month=dt.date(2026, 9, 1), n=2)
    callbacks(month=dt.date(2026, 8, 1), n=1, start=2)
    body = api.coordinator.get(url("callbacks/")).json()
    assert [r["month"] for r in body["results"]] == ["2026-09", "2026-09", "2026-08"]
    # A list masks every number, for the callers too (as the callbacks page does).
    assert all("*" in r["party"]["phone"] for r in body["results"])
    assert len(api.coordinator.get(url("callbacks/?month=2026-08")).json()["results"]) == 1
    leader_rows = api.leader.get(url("callbacks/")).json()["results"]
    assert "*" in leader_rows[0]["party"]["phone"]


def test_callback_list_masks_people_but_not_organisations(api, callbacks):
    """Issue 12: an organisation's name is no personal data; a person's is masked in the list."""
    person, company = callbacks(n=2)
    company.party.name, company.party.kind = "某某建筑工程有限公司", "organisation"
    company.party.save(update_fields=["name", "kind"])
    names = {
        r["case"]["code"]: r["party"]["name"]
        for r in api.coordinator.get(url("callbacks/")).json()["results"]
    }
    assert names[company.case.code] == "某某建筑工程有限公司"
    assert names[person.case.code] != person.party.name and "*" in names[person.case.code]


def test_one_callback_shows_the_full_phone_to_its_callers_while_the_call_is_to_make(api, callbacks, client):
    (callback,) = callbacks()
    full = str(callback.party.phone)
    detail = url(f"callbacks/{callback.pk}/")
    assert api.coordinator.get(detail).json()["party"]["phone"] == full
    assert "*" in api.leader.get(detail).json()["party"]["phone"]
    assert api.liaison.get(detail).status_code == 403
    assert api.coordinator.get(url("callbacks/99999999/")).status_code == 404
    # The page applies the same rule to the same callback.
    client.force_login(api.coordinator_user)
    page = client.get(reverse("supervision:callback_detail", args=[callback.pk])).content.decode()
    assert full in page
    # Once answered, the number is masked everywhere, the answer's own response included.
    answered = api.coordinator.post(
        url(f"callbacks/{callback.pk}/result/"), {"reached": True, "rating": "satisfied"}
    )
    assert answered.status_code == 200 and "*" in answered.json()["party"]["phone"]
    assert "*" in api.coordinator.get(detail).json()["party"]["phone"]
    page = client.get(reverse("supervision:callback_detail", args=[callback.pk])).content.decode()
    assert full not in page


@pytest.mark.parametrize("who", ["liaison", "reception", "admin"])
def test_callback_list_is_for_coordinators_and_leaders(api, who):
    assert getattr(api, who).get(url("callbacks/")).status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "202609", "1900-01", "abc"])
def test_callback_list_rejects_a_bad_month(api, month):
    response = api.coordinator.get(url(f"callbacks/?month={month}"))
    assert response.status_code == 400 and "month" in error_of(response)["fields"]


def test_callback_list_runs_a_constant_number_of_queries(api, callbacks, django_assert_num_queries):
    callbacks(n=3)
    with django_assert_num_queries(3):
        assert len(api.coordinator.get(url("callbacks/")).json()["results"]) == 3
    callbacks(n=27, start=3)
    with django_assert_num_queries(3):
        assert len(api.coordinator.get(url("callbacks/")).json()["results"]) == 30


def test_record_a_callback(api, callbacks):
    (callback,) = callbacks()
    response = api.coordinator.post(
        url(f"callbacks/{callback.pk}/result/"),
        {"reached": True, "rating": "dissatisfied", "comment": "工资只付了一半"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "done" and body["rating"] == "dissatisfied"
    assert body["order"] is not None  # an unhappy answer issues an order
    again = api.coordinator.post(url(f"callbacks/{callback.pk}/result/"), {"reached": False})
    assert again.status_code == 409


def test_callback_not_reached(api, callbacks):
    (callback,) = callbacks()
    response = api.coordinator.post(url(f"callbacks/{callback.pk}/result/"), {"reached": False})
    assert response.status_code == 200
    assert response.json()["attempts"] == 1 and response.json()["status"] == "pending"


@pytest.mark.parametrize(
    "body", [{}, {"reached": "yes"}, {"reached": True}, {"reached": True, "rating": "great"}]
)
def test_callback_result_field_errors(api, callbacks, body):
    (callback,) = callbacks()
    response = api.coordinator.post(url(f"callbacks/{callback.pk}/result/"), body, format="json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) & {"reached", "rating"}


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("liaison", 403), ("reception", 403)])
def test_only_coordinators_record_callbacks(api, callbacks, who, status):
    (callback,) = callbacks()
    response = getattr(api, who).post(url(f"callbacks/{callback.pk}/result/"), {})
    assert response.status_code == status


def test_unknown_callback_is_404(api):
    assert api.coordinator.post(url("callbacks/999999/result/"), {"reached": False}).status_code == 404
    assert api.coordinator.post(url(f"callbacks/{2**70}/result/"), {"reached": False}).status_code == 404


# --- Reports --------------------------------------------------------------------------------------


def test_summary_with_no_data_has_null_rates(api):
    response = api.leader.get(url("reports/summary/?from=2026-01-01&to=2026-01-31"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {*COUNT_KEYS, *RATE_KEYS}
    assert all(body[key] == 0 for key in COUNT_KEYS)
    assert all(body[key] is None for key in RATE_KEYS)


def test_summary_keys_match_the_selector():
    now = timezone.now()
    figures = report_selectors.summary_figures(now - dt.timedelta(days=1), now, now)
    assert set(figures) == {*COUNT_KEYS, *RATE_KEYS}


def test_summary_against_hand_built_data(api, case_in, callbacks):
    today = timezone.localdate()
    case_in(State.RECEIVED)
    case_in(State.HANDLING)
    (callback,) = callbacks(month=today.replace(day=1))  # a round counts in the month it covers
    api.coordinator.post(url(f"callbacks/{callback.pk}/result/"), {"reached": True, "rating": "satisfied"})
    query = f"from={today.replace(day=1)}&to={today}"
    body = api.coordinator.get(url(f"reports/summary/?{query}")).json()
    assert body["received"] == 3  # two cases here, one closed for the callback
    assert body["in_hand"] == 1
    assert body["callbacks"] == 1 and body["callback_satisfaction_rate"] == 1.0
    assert body["evaluation_satisfaction_rate"] is None  # no closing evaluations yet


@pytest.mark.parametrize(("who", "status"), [
    ("leader", 200), ("coordinator", 200), ("admin", 200), ("liaison", 403), ("reception", 403),
])  # fmt: skip
def test_summary_by_role(api, who, status):
    assert getattr(api, who).get(url("reports/summary/")).status_code == status


@pytest.mark.parametrize(
    "query",
    [
        "to=",
        "from=20260101",
        "from=%202026-01-01",
        "from=2026-13-01",
        "from=2026-02-01&to=2026-01-01",
        "to=9999-12-31",
        "from=1999-12-31&to=2000-01-05",
    ],
)
def test_summary_rejects_a_bad_period(api, query):
    response = api.leader.get(url(f"reports/summary/?{query}"))
    assert response.status_code == 400
    assert error_of(response)["fields"]


@pytest.mark.parametrize(("who", "slug", "status"), [
    ("leader", "court", 200), ("coordinator", "police", 200), ("admin", "court", 200),
    ("liaison", "court", 200), ("liaison", "police", 403), ("other_liaison", "court", 403),
    ("reception", "court", 403), ("leader", "nowhere", 404),
])  # fmt: skip
def test_department_figures_by_role(api, department, other_department, who, slug, status):
    response = getattr(api, who).get(url(f"reports/departments/{slug}/"))
    assert response.status_code == status


def test_department_figures_count_only_its_cases(api, case_in):
    case_in(State.HANDLING)
    court = api.liaison.get(url("reports/departments/court/")).json()
    police = api.coordinator.get(url("reports/departments/police/")).json()
    assert court["in_hand"] == 1 and court["in_hand_on_time_rate"] == 1.0
    assert police["in_hand"] == 0 and police["in_hand_on_time_rate"] is None
