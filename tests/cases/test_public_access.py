"""Issue 11, the parties' public access: counted guesses, no shared lock-out, the applicant's evaluation.

Findings 1 (parallel guesses slipped past the limit), 3 (the other side cast the only evaluation)
and 10 (every sequential code answered). Finding 2 is in ``test_tracking_security`` and the parity
tests; the parallel requests on PostgreSQL + Redis are in ``test_tracking_race``.
"""

import threading
import time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cases import ratelimit, tracking
from cases.codes import make_code
from cases.models import Case, Evaluation, Party, State
from cases.services import PartyData
from cases.tracking import Verification, verify_second_factor
from supervision.models import Reason, SupervisionOrder

from .test_tracking import case_factory, case_url, evaluate_url, verify_url

APPLICANT_DIGITS, RESPONDENT_DIGITS, SECOND_APPLICANT_DIGITS = "5678", "4567", "1111"


@pytest.fixture
def case_in(new_case, coordinator, liaison, department):
    return case_factory(new_case, coordinator, liaison, department)


def api_path(case_or_code, suffix: str = "") -> str:
    code = case_or_code.code if isinstance(case_or_code, Case) else case_or_code
    return f"/api/v1/public/cases/{code}/{suffix}"


# --- Finding 1: a guess reserves its attempt before it is checked --------------------------------


def test_forty_parallel_guesses_check_exactly_five(db, monkeypatch):
    """On the old code every thread read the count before any wrote it: all 40 were checked."""
    checked = []
    lock = threading.Lock()

    def slow_endings(case):
        with lock:
            checked.append(1)
        time.sleep(0.05)  # a real check takes time: the window in which the old count was stale
        return [(1, Party.Role.APPLICANT, "5678")]

    monkeypatch.setattr(tracking, "case_phone_endings", slow_endings)
    case = Case(code=make_code("420923", 2026, 77))
    barrier = threading.Barrier(40)
    results = []

    def guess(i):
        barrier.wait()
        results.append(verify_second_factor(case, phone_digits="0000", client_ip=f"10.1.{i}.1").verification)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5
    assert sorted(r.value for r in results) == sorted(["failed"] * 5 + ["blocked"] * 35)
    assert ratelimit.failures(code=case.code) == 5


def test_a_right_guess_gives_its_attempt_back(client, case_in):
    case = case_in(State.HANDLING)
    for _ in range(4):
        client.post(verify_url(case), {"last4": "0000"})
    assert Client().post(verify_url(case), {"last4": APPLICANT_DIGITS}).status_code == 302
    assert ratelimit.failures(code=case.code) == 4
    assert client.post(verify_url(case), {"last4": "0000"}).status_code == 403  # the fifth
    assert Client().post(verify_url(case), {"last4": APPLICANT_DIGITS}).status_code == 429


# --- Finding 3: the closing evaluation belongs to the applicant side -----------------------------


def test_verification_says_which_party_proved_itself(case_in):
    case = case_in(State.HANDLING)
    applicant, respondent = case.parties.order_by("order", "id")
    by_applicant = verify_second_factor(case, phone_digits=APPLICANT_DIGITS, client_ip="10.0.0.1")
    by_respondent = verify_second_factor(case, phone_digits=RESPONDENT_DIGITS, client_ip="10.0.0.1")
    by_key = verify_second_factor(case, key=case.tracking_key, client_ip="10.0.0.1")
    assert (by_applicant.verification, by_applicant.party_id, by_applicant.applicant) == (
        Verification.VERIFIED,
        applicant.pk,
        True,
    )
    assert (by_respondent.party_id, by_respondent.applicant) == (respondent.pk, False)
    assert (by_key.party_id, by_key.applicant) == (applicant.pk, True)  # the receipt is the applicant's


def test_respondents_digits_show_progress_but_cannot_evaluate_on_the_page(case_in):
    case = case_in(State.CLOSED)
    respondent = Client()
    assert respondent.post(verify_url(case), {"last4": RESPONDENT_DIGITS}).status_code == 302
    html = respondent.get(case_url(case)).content.decode()
    assert "经调解，用人单位同意分两期支付全部欠薪。" in html  # the result: progress is shown
    assert evaluate_url(case) not in html  # no form
    assert "结案评价由申请人一方作出" in html

    refused = respondent.post(evaluate_url(case), {"rating": "satisfied"})
    assert refused.status_code == 403
    assert "结案评价由申请人一方作出。您可以查看办理进度和结果，但不能评价。" in refused.content.decode()
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert not Evaluation.objects.filter(case=case).exists()

    # The applicant's own evaluation is still there to give.
    applicant = Client()
    assert applicant.post(verify_url(case), {"last4": APPLICANT_DIGITS}).status_code == 302
    assert evaluate_url(case) in applicant.get(case_url(case)).content.decode()
    assert applicant.post(evaluate_url(case), {"rating": "dissatisfied"}).status_code == 302
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.rating, evaluation.party.role) == ("dissatisfied", Party.Role.APPLICANT)
    assert SupervisionOrder.objects.filter(case=case, reason=Reason.BAD_EVALUATION).count() == 1


def test_respondents_digits_cannot_evaluate_on_the_api(api_client_anon, case_in):
    case = case_in(State.CLOSED)
    seen = api_client_anon.post(api_path(case, "verify/"), {"phone_last4": RESPONDENT_DIGITS}, format="json")
    assert seen.status_code == 200
    assert seen.json()["result"] and seen.json()["can_evaluate"] is False
    refused = api_client_anon.post(
        api_path(case, "evaluation/"),
        {"phone_last4": RESPONDENT_DIGITS, "rating": "satisfied"},
        format="json",
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "applicant_only"
    assert "结案评价由申请人一方作出" in refused.json()["error"]["message"]
    assert not Evaluation.objects.filter(case=case).exists()

    given = api_client_anon.post(
        api_path(case, "evaluation/"), {"phone_last4": APPLICANT_DIGITS, "rating": "satisfied"}, format="json"
    )
    assert given.status_code == 201
    assert Evaluation.objects.get(case=case).party.name == "张三"


@pytest.fixture
def api_client_anon():
    return APIClient()


@pytest.fixture
def two_applicants(new_case, coordinator, liaison, department):
    parties = [
        PartyData(name="张三", phone="13812345678", id_number="11010519491231002X", role="applicant"),
        PartyData(name="王五", phone="13900001111", role="applicant"),
        PartyData(name="李四", phone="0716-1234567", role="respondent"),
    ]
    return case_factory(lambda: new_case(parties=parties), coordinator, liaison, department)(State.CLOSED)


def test_each_applicant_evaluates_once_and_is_recorded_separately(two_applicants, api_client_anon):
    case = two_applicants
    first = Client()
    first.get(case_url(case), {"k": case.tracking_key})  # the receipt: the representative applicant
    assert first.post(evaluate_url(case), {"rating": "satisfied"}).status_code == 302
    case.refresh_from_db()
    assert case.state == State.EVALUATED

    # The second applicant, by their own digits, still has their say; on the API here.
    second = api_client_anon.post(
        api_path(case, "evaluation/"),
        {"phone_last4": SECOND_APPLICANT_DIGITS, "rating": "dissatisfied", "comment": "欠薪只付了一半"},
        format="json",
    )
    assert second.status_code == 201, second.content
    assert second.json()["evaluation"]["rating"] == "dissatisfied"
    assert second.json()["can_evaluate"] is False

    rows = {e.party.name: e.rating for e in Evaluation.objects.filter(case=case).select_related("party")}
    assert rows == {"张三": "satisfied", "王五": "dissatisfied"}
    assert case.events.filter(transition="evaluate").count() == 1  # the transition fired once
    # The unhappy applicant's answer raises the order, as the first one's would.
    assert SupervisionOrder.objects.filter(case=case, reason=Reason.BAD_EVALUATION).count() == 1

    # Neither may evaluate twice; the respondent not at all.
    again = first.post(evaluate_url(case), {"rating": "dissatisfied"}, follow=True)
    assert "已经评价过了" in again.content.decode()
    twice = api_client_anon.post(
        api_path(case, "evaluation/"),
        {"phone_last4": SECOND_APPLICANT_DIGITS, "rating": "satisfied"},
        format="json",
    )
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_evaluated"
    respondent = api_client_anon.post(
        api_path(case, "evaluation/"),
        {"phone_last4": RESPONDENT_DIGITS, "rating": "satisfied"},
        format="json",
    )
    assert respondent.status_code == 403
    assert Evaluation.objects.filter(case=case).count() == 2
    # Each applicant's page shows their own evaluation.
    assert "不满意" not in first.get(case_url(case)).content.decode()


# --- Finding 10: never-seen codes are counted per address ----------------------------------------


def codes(count: int) -> list[str]:
    return [make_code("420923", 2026, n) for n in range(1, count + 1)]


def test_an_address_opening_many_unverified_codes_is_refused_after_the_limit(client, case_in):
    mine = case_in(State.HANDLING)  # number 1: a real case among the walked codes
    client.get(case_url(mine), {"k": mine.tracking_key})  # this browser verified it
    walked = [code for code in codes(40) if code != mine.code][:31]
    statuses = [Client().get(reverse("tracking:case", args=[code])).status_code for code in walked[:30]]
    assert 429 not in statuses
    refused = Client().get(reverse("tracking:case", args=[walked[30]]))
    assert refused.status_code == 429
    assert "查询的案件编号过多" in refused.content.decode()
    assert refused["Retry-After"] == "3600"
    # A code already opened from the address opens again; the verified one opens in full.
    assert Client().get(reverse("tracking:case", args=[walked[0]])).status_code in (200, 404)
    verified = client.get(case_url(mine))
    assert verified.status_code == 200 and "办理情况" in verified.content.decode()
    # A valid key does not count and is not refused.
    other = case_in(State.HANDLING)
    party = Client()
    assert party.get(case_url(other), {"k": other.tracking_key}).status_code == 302
    assert party.get(case_url(other)).status_code == 200
    # The public API shares the address's count.
    api = APIClient().get(api_path(codes(40)[-1]))
    assert api.status_code == 429 and api.json()["error"]["code"] == "too_many_codes"


def test_the_api_is_counted_too_and_the_limit_is_a_setting(settings, case_in):
    settings.ZONGZHI_TRACKING_MAX_CODES_VIEWED = 3
    case = case_in(State.HANDLING)
    api = APIClient()
    walked = [case.code, *[code for code in codes(5) if code != case.code][:3]]
    statuses = [api.get(api_path(code)).status_code for code in walked]
    assert statuses == [200, 404, 404, 429]
    assert api.get(api_path(case)).status_code == 200  # already counted: opens again
    assert APIClient().get(api_path(case), REMOTE_ADDR="10.7.7.7").status_code == 200  # another address
    # Verifying with the key is not a stage-only view: not refused.
    assert api.post(api_path(case, "verify/"), {"key": case.tracking_key}, format="json").status_code == 200
