"""The parties' tracking pages: the second factor, the verified view and the closing evaluation."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cases.codes import display_code, make_code
from cases.models import Case, Evaluation, RiskColour, State
from cases.services import (
    case_accept,
    case_assign,
    case_close,
    case_reject,
    case_start_assessment,
    case_submit_result,
    case_supervise,
    handling_record_add,
)
from cases.views.tracking import SESSION_KEY
from supervision.models import Reason, SupervisionOrder

PUBLIC_RECORD = "已联系用人单位，约定下周三到中心调解。"
INTERNAL_RECORD = "内部备注：该公司法人代表态度强硬，需公安到场。"
RESULT = "经调解，用人单位同意分两期支付全部欠薪。"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Failure counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def case_factory(new_case, coordinator, liaison, department):
    """Return a function bringing a new case to a state through the real services."""

    def make(state: str = State.RECEIVED, *, records: bool = True) -> Case:
        case = new_case()
        if state == State.RECEIVED:
            return case
        case = case_start_assessment(case=case, actor=coordinator)
        if state == State.ASSESSING:
            return case
        case = case_assign(
            case=case, actor=coordinator, risk_colour=RiskColour.BLUE, lead_department=department
        )
        if records:
            handling_record_add(case=case, actor=liaison, text=PUBLIC_RECORD, is_public=True)
            handling_record_add(case=case, actor=liaison, text=INTERNAL_RECORD, is_public=False)
        if state == State.ASSIGNED:
            return case
        case = case_accept(case=case, actor=liaison)
        if state == State.HANDLING:
            return case
        if state == State.SUPERVISED:
            return case_supervise(case=case, actor=None, reason="超过办理期限。")
        case = case_submit_result(case=case, actor=liaison, result=RESULT)
        case = case_close(case=case, actor=coordinator)
        assert case.state == State.CLOSED
        return case

    return make


@pytest.fixture
def case_in(new_case, coordinator, liaison, department):
    return case_factory(new_case, coordinator, liaison, department)


def case_url(case: Case) -> str:
    return reverse("tracking:case", args=[case.code])


def verify_url(case: Case) -> str:
    return reverse("tracking:verify", args=[case.code])


def evaluate_url(case: Case) -> str:
    return reverse("supervision:public_evaluate", args=[case.code])


def verify(client, case: Case, **extra):
    """Verify with the applicant's last four phone digits; return the response."""
    return client.post(verify_url(case), {"last4": case.parties.first().phone.last4}, **extra)


def due_date(case: Case) -> str:
    """The deadline as the page prints it: a midnight deadline is the end of the day before."""
    local = timezone.localtime(case.due_by)
    assert (local.hour, local.minute) == (0, 0)  # the policy's deadlines end a day
    day = local.date() - dt.timedelta(days=1)
    return f"{day.month}月{day.day}日24时前"


# --- Without a second factor ---------------------------------------------------------------


def test_unverified_page_shows_stage_and_dates_only(client, case_in, department):
    case = case_in(State.HANDLING)
    response = client.get(case_url(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert display_code(case.code) in html
    assert "办理中" in html
    assert timezone.localdate().strftime("%Y-%m-%d") in html  # the timeline's dates
    assert 'name="last4"' in html and verify_url(case) in html  # the form asking for the digits
    for hidden in (department.name, department.short_name, due_date(case), case.title, PUBLIC_RECORD):
        assert hidden not in html
    assert evaluate_url(case) not in html


def test_start_page_get_and_post_without_digits_redirect_to_the_case(client, new_case):
    case = new_case()
    assert client.get(reverse("tracking:start")).status_code == 200
    response = client.post(reverse("tracking:start"), {"code": display_code(case.code), "last4": ""})
    assert response.status_code == 302
    assert response["Location"] == case_url(case)


# --- Verifying -------------------------------------------------------------------------------


def test_qr_key_verifies_and_drops_the_key_from_the_address(client, case_in, department):
    case = case_in(State.HANDLING)
    response = client.get(case_url(case), {"k": case.tracking_key})
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert case.code in client.session[SESSION_KEY]
    page = client.get(case_url(case))
    html = page.content.decode()
    assert page.status_code == 200
    assert department.name in html
    assert case.tracking_key not in html


@pytest.mark.parametrize("index", [0, 1], ids=["applicant-mobile", "respondent-landline"])
def test_any_partys_last_four_digits_verify(client, case_in, department, index):
    case = case_in(State.HANDLING)
    party = list(case.parties.order_by("order"))[index]
    response = client.post(verify_url(case), {"last4": party.phone.last4})
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    page = client.get(case_url(case))
    html = page.content.decode()
    assert department.name in html
    assert "验证通过" in html  # the message after the redirect


def test_full_width_digits_from_a_chinese_keyboard_verify(client, case_in):
    case = case_in(State.HANDLING)
    last4 = case.parties.first().phone.last4
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in last4)
    assert client.post(verify_url(case), {"last4": full_width}).status_code == 302


def test_start_form_verifies_with_code_and_digits(client, case_in, department):
    case = case_in(State.HANDLING)
    typed = display_code(case.code).lower()
    response = client.post(
        reverse("tracking:start"), {"code": typed, "last4": case.parties.last().phone.last4}
    )
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert department.name in client.get(case_url(case)).content.decode()


def test_wrong_digits_show_an_error_and_count(client, case_in, department):
    case = case_in(State.HANDLING)
    response = client.post(verify_url(case), {"last4": "0000"}, REMOTE_ADDR="10.0.0.7")
    html = response.content.decode()
    assert response.status_code == 403
    assert "验证未通过" in html
    assert department.name not in html
    assert cache.get("zongzhi:tracking:failures:ip:10.0.0.7") == 1
    assert cache.get(f"zongzhi:tracking:failures:code:{case.code}") == 1
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("typed", ["", "12", "12345", "abcd"])
def test_malformed_digits_are_a_form_error_not_a_failure(client, case_in, typed):
    case = case_in(State.HANDLING)
    response = client.post(verify_url(case), {"last4": typed})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert cache.get(f"zongzhi:tracking:failures:code:{case.code}") is None


def test_verification_is_per_case(client, case_in):
    first, second = case_in(State.HANDLING), case_in(State.HANDLING)
    assert verify(client, first).status_code == 302
    html = client.get(case_url(second)).content.decode()
    assert 'name="last4"' in html  # still asks for the digits


def test_verification_expires_after_two_hours(client, case_in, department):
    case = case_in(State.HANDLING)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert verify(client, case).status_code == 302
        traveller.shift(dt.timedelta(hours=1, minutes=59))
        assert department.name in client.get(case_url(case)).content.decode()
        traveller.shift(dt.timedelta(minutes=2))
        html = client.get(case_url(case)).content.decode()
    assert department.name not in html
    assert 'name="last4"' in html


@pytest.mark.parametrize(
    ("typed", "status", "message"),
    [
        ("42092320260000018", 400, "校验码不符"),
        ("4209232026", 400, "格式不正确"),
        (make_code("420923", 2026, 999999), 404, "未找到"),
    ],
)
def test_code_errors_on_verify_and_evaluate(client, db, typed, status, message):
    for url in (
        reverse("tracking:verify", args=[typed]),
        reverse("supervision:public_evaluate", args=[typed]),
    ):
        response = client.post(url, {"last4": "5678", "rating": "satisfied"})
        assert response.status_code == status
        assert message in response.content.decode()
    response = client.post(reverse("tracking:start"), {"code": typed, "last4": "5678"})
    assert response.status_code == status
    assert message in response.content.decode()


# --- The verified view -------------------------------------------------------------------------


def test_verified_view_shows_department_deadline_and_public_records_only(client, case_in, department):
    case = case_in(State.HANDLING)
    verify(client, case)
    response = client.get(case_url(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert department.name in html
    assert due_date(case) in html
    assert PUBLIC_RECORD in html
    assert department.short_name in html  # who wrote the record
    assert INTERNAL_RECORD not in html
    assert "督办中" not in html
    assert evaluate_url(case) not in html  # not closed yet
    assert case.title not in html


def test_verified_view_before_assignment_says_not_assigned_yet(client, case_in):
    case = case_in(State.ASSESSING)
    verify(client, case)
    html = client.get(case_url(case)).content.decode()
    assert "尚未交办" in html
    assert "暂无公开的办理记录" in html


def test_verified_view_of_a_refused_case_does_not_promise_an_assignment(client, case_in, coordinator):
    case = case_reject(
        case=case_in(State.ASSESSING),
        actor=coordinator,
        reason="属于政务服务事项。",
        redirect_target="service_center",
    )
    verify(client, case)
    html = client.get(case_url(case)).content.decode()
    assert "不予受理" in html
    assert "尚未交办" not in html


def test_verified_view_shows_supervision(client, case_in):
    case = case_in(State.SUPERVISED)
    verify(client, case)
    html = client.get(case_url(case)).content.decode()
    assert "督办中" in html
    assert "综治中心已对本案启动督办" in html


def test_closed_case_shows_result_and_the_evaluation_form(client, case_in):
    case = case_in(State.CLOSED)
    verify(client, case)
    html = client.get(case_url(case)).content.decode()
    assert RESULT in html
    assert evaluate_url(case) in html
    for label in ("满意", "基本满意", "不满意"):
        assert label in html
    assert due_date(case) not in html  # the deadline no longer matters once closed


# --- The evaluation ---------------------------------------------------------------------------


def test_verified_party_evaluates_a_closed_case_once(client, case_in):
    case = case_in(State.CLOSED)
    verify(client, case)
    response = client.post(evaluate_url(case), {"rating": "basically_satisfied", "comment": "还算及时。"})
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    case.refresh_from_db()
    assert case.state == State.EVALUATED
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.rating, evaluation.comment, evaluation.channel, evaluation.recorded_by) == (
        "basically_satisfied",
        "还算及时。",
        Evaluation.Channel.TRACKING,
        None,
    )
    assert case.events.filter(transition="evaluate", actor=None).count() == 1
    # 基本满意 is unhappy enough for the supervision service to issue an order on the department.
    assert SupervisionOrder.objects.filter(case=case, reason=Reason.BAD_EVALUATION).count() == 1

    page = client.get(case_url(case)).content.decode()
    assert "感谢您的评价" in page
    assert "已评价" in page and "基本满意" in page
    assert evaluate_url(case) not in page  # no second form

    again = client.post(evaluate_url(case), {"rating": "dissatisfied", "comment": "改主意了"}, follow=True)
    assert again.status_code == 200
    assert "已经评价过了" in again.content.decode()
    assert Evaluation.objects.filter(case=case).count() == 1
    assert Evaluation.objects.get(case=case).rating == "basically_satisfied"


def test_evaluating_an_open_case_is_refused_with_a_message(client, case_in):
    case = case_in(State.HANDLING)
    verify(client, case)
    response = client.post(evaluate_url(case), {"rating": "satisfied"}, follow=True)
    assert response.status_code == 200
    assert "不能执行此操作" in response.content.decode()
    assert not Evaluation.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.state == State.HANDLING


def test_evaluation_without_verification_is_refused(client, case_in):
    case = case_in(State.CLOSED)
    response = client.post(evaluate_url(case), {"rating": "satisfied"})
    assert response.status_code == 403
    assert "请先验证" in response.content.decode()
    assert not Evaluation.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.state == State.CLOSED


def test_verification_of_another_case_does_not_allow_evaluating_this_one(client, case_in):
    mine, other = case_in(State.CLOSED), case_in(State.CLOSED)
    verify(client, mine)
    assert client.post(evaluate_url(other), {"rating": "dissatisfied"}).status_code == 403
    assert not Evaluation.objects.filter(case=other).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "没有选"}, "请选择评价"),
        ({"rating": "excellent"}, "请选择评价"),
        ({"rating": "satisfied", "comment": "好" * 1001}, "意见最多 1000 字"),
    ],
    ids=["missing-rating", "unknown-rating", "comment-too-long"],
)
def test_bad_evaluation_input_is_shown_next_to_the_field(client, case_in, data, message):
    case = case_in(State.CLOSED)
    verify(client, case)
    response = client.post(evaluate_url(case), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert evaluate_url(case) in html  # the form again
    assert not Evaluation.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.state == State.CLOSED


def test_a_comment_of_exactly_1000_characters_is_accepted(client, case_in):
    case = case_in(State.CLOSED)
    verify(client, case)
    assert client.post(evaluate_url(case), {"rating": "satisfied", "comment": "好" * 1000}).status_code == 302
    assert Evaluation.objects.get(case=case).comment == "好" * 1000


def test_evaluation_is_post_only(client, case_in):
    case = case_in(State.CLOSED)
    verify(client, case)
    assert client.get(evaluate_url(case)).status_code == 405


# --- Query counts ------------------------------------------------------------------------------


def test_unverified_page_query_count(client, case_in, django_assert_num_queries):
    case = case_in(State.HANDLING)
    with django_assert_num_queries(2):  # the case, its events
        assert client.get(case_url(case)).status_code == 200


@pytest.mark.parametrize("extra_records", [0, 5])
def test_verified_page_query_count(client, case_in, liaison, django_assert_num_queries, extra_records):
    case = case_in(State.HANDLING)
    for i in range(extra_records):
        handling_record_add(case=case, actor=liaison, text=f"第 {i} 次联系。", is_public=True)
    verify(client, case)
    client.get(case_url(case))  # the message after verification is shown (and consumed) once
    # session, case with its lead department, events, public records, parties (to mask free text)
    with django_assert_num_queries(5):
        assert client.get(case_url(case)).status_code == 200


def test_evaluated_page_query_count(client, case_in, django_assert_num_queries):
    case = case_in(State.CLOSED)
    verify(client, case)
    client.post(evaluate_url(case), {"rating": "satisfied"})
    client.get(case_url(case))
    with django_assert_num_queries(6):  # as above, plus the evaluation
        assert client.get(case_url(case)).status_code == 200
