"""The tracking pages' defences: rate limits, CSRF, the QR key and no personal data on any page."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from cases import ratelimit
from cases.codes import make_code
from cases.models import Case, State
from cases.services import handling_record_add
from cases.views.tracking import SESSION_KEY

from .test_tracking import case_factory, case_url, evaluate_url, verify, verify_url

TOO_MANY = "验证失败次数过多，请 15 分钟后再试"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Failure counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case_in(new_case, coordinator, liaison, department):
    return case_factory(new_case, coordinator, liaison, department)


def fail(client, case: Case, address: str = "10.0.0.1"):
    return client.post(verify_url(case), {"last4": "0000"}, REMOTE_ADDR=address)


def good(client, case: Case, address: str = "10.0.0.1"):
    return client.post(verify_url(case), {"last4": case.parties.first().phone.last4}, REMOTE_ADDR=address)


# --- Rate limits -------------------------------------------------------------------------------


def test_five_failures_on_a_code_block_its_sixth_attempt_even_a_correct_one(client, case_in):
    case = case_in(State.HANDLING)
    for _ in range(5):
        assert fail(client, case).status_code == 403
    blocked = good(client, case)
    html = blocked.content.decode()
    assert blocked.status_code == 429
    assert TOO_MANY in html
    assert blocked["Retry-After"] == "900"
    assert "验证未通过" not in html and "errorlist" not in html  # no details
    assert SESSION_KEY not in client.session


def test_one_address_failures_on_a_code_lock_out_nobody_else_behind_it(case_in):
    """Behind the reverse proxy every party shares one address (finding 2 of issue 11).

    On the old code the sixth request from the address got 429 on every case, the QR key included.
    """
    case_a, case_b = case_in(State.HANDLING), case_in(State.HANDLING)
    for _ in range(5):
        assert fail(Client(), case_a, "10.0.0.1").status_code == 403
    assert good(Client(), case_a, "10.0.0.1").status_code == 429  # the code is locked for digits
    # Another party behind the same address, with the receipt of case B: the key and the digits.
    party_b = Client()
    assert (
        party_b.get(case_url(case_b), {"k": case_b.tracking_key}, REMOTE_ADDR="10.0.0.1").status_code == 302
    )
    assert party_b.get(case_url(case_b), REMOTE_ADDR="10.0.0.1").status_code == 200
    assert "办理情况" in party_b.get(case_url(case_b), REMOTE_ADDR="10.0.0.1").content.decode()
    assert good(Client(), case_b, "10.0.0.1").status_code == 302
    # The applicant of case A holding the receipt is never refused for the strangers' guesses.
    party_a = Client()
    assert (
        party_a.get(case_url(case_a), {"k": case_a.tracking_key}, REMOTE_ADDR="10.0.0.1").status_code == 302
    )
    assert party_a.get(case_url(case_a), REMOTE_ADDR="10.0.0.1").status_code == 200


def test_the_address_ceiling_is_much_higher_and_comes_from_settings(client, case_in, settings):
    assert settings.ZONGZHI_TRACKING_MAX_ADDRESS_FAILURES == 100
    settings.ZONGZHI_TRACKING_MAX_ADDRESS_FAILURES = 7
    cases = [case_in(State.HANDLING) for _ in range(3)]
    statuses = [fail(client, case).status_code for case in cases[:2] for _ in range(4)]
    assert statuses == [403] * 7 + [429]  # the 8th is refused unchecked, though its code has room
    assert ratelimit.failures(address="10.0.0.1") == 7
    assert ratelimit.failures(code=cases[1].code) == 3
    assert good(client, cases[2]).status_code == 429  # the address's ceiling is reached
    assert good(client, cases[2], "10.0.0.2").status_code == 302
    # The key still opens its case from the address that reached the ceiling.
    assert client.get(case_url(cases[2]), {"k": cases[2].tracking_key}).status_code == 302


def test_five_failures_on_one_code_block_it_for_every_address(client, case_in):
    case, other = case_in(State.HANDLING), case_in(State.HANDLING)
    for i in range(5):
        assert fail(client, case, f"10.0.1.{i}").status_code == 403
    assert good(client, case, "10.0.0.2").status_code == 429
    # The receipt's key is unguessable: the party holding it is not locked out by strangers' guesses.
    assert client.get(case_url(case), {"k": case.tracking_key}, REMOTE_ADDR="10.0.0.3").status_code == 302
    # From the start page as well.
    start = client.post(
        reverse("tracking:start"),
        {"code": case.code, "last4": case.parties.first().phone.last4},
        REMOTE_ADDR="10.0.0.4",
    )
    assert start.status_code == 429
    # Other cases are not affected.
    assert good(client, other, "10.0.0.2").status_code == 302


def locmem(name: str) -> dict:
    """A private in-process cache: time travel moves Python's clock, not Redis's key expiry."""
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}}


@override_settings(CACHES=locmem("daily-window"))
def test_twenty_failures_a_day_block_a_code_across_windows(client, case_in):
    case = case_in(State.HANDLING)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for window in range(4):
            for i in range(5):
                assert fail(client, case, f"10.{window}.0.{i}").status_code == 403
            traveller.shift(dt.timedelta(minutes=16))
        assert good(client, case, "10.9.9.9").status_code == 429
        traveller.shift(dt.timedelta(hours=24))
        assert good(client, case, "10.9.9.9").status_code == 302


def test_wrong_qr_keys_count_against_the_address_only_and_never_refuse_the_right_key(
    client, case_in, settings
):
    case = case_in(State.HANDLING)
    for i in range(5):
        response = client.get(case_url(case), {"k": f"wrong-key-{i}"})
        assert response.status_code == 403
        assert "二维码链接无效" in response.content.decode()
    assert ratelimit.failures(address="127.0.0.1") == 5
    assert ratelimit.failures(code=case.code) == 0  # the code's digits are not locked by keys
    assert client.get(case_url(case), {"k": case.tracking_key}).status_code == 302
    # Past the address's ceiling, wrong keys are refused; the right one still passes.
    settings.ZONGZHI_TRACKING_MAX_ADDRESS_FAILURES = 5
    assert Client().get(case_url(case), {"k": "wrong-again"}).status_code == 429
    assert Client().get(case_url(case), {"k": case.tracking_key}).status_code == 302


@override_settings(CACHES=locmem("fifteen-minute-window"))
def test_the_block_ends_with_the_window(client, case_in):
    case = case_in(State.HANDLING)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            fail(client, case)
        assert good(client, case).status_code == 429
        traveller.shift(dt.timedelta(minutes=14))
        assert good(client, case).status_code == 429
        traveller.shift(dt.timedelta(minutes=2))
        assert good(client, case).status_code == 302


def test_limits_come_from_settings(client, case_in, settings):
    settings.ZONGZHI_TRACKING_MAX_FAILURES = 2
    settings.ZONGZHI_TRACKING_WINDOW_SECONDS = 600
    case = case_in(State.HANDLING)
    fail(client, case)
    fail(client, case)
    blocked = good(client, case)
    assert blocked.status_code == 429
    assert "请 10 分钟后再试" in blocked.content.decode()
    assert blocked["Retry-After"] == "600"


def test_viewing_and_bad_input_are_not_verification_failures(client, case_in):
    case = case_in(State.HANDLING)
    for _ in range(10):
        assert client.get(case_url(case), REMOTE_ADDR="10.0.0.1").status_code == 200
        assert client.post(verify_url(case), {"last4": "12"}, REMOTE_ADDR="10.0.0.1").status_code == 400
    assert good(client, case).status_code == 302


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, case_in, settings):
    settings.ZONGZHI_TRACKING_MAX_ADDRESS_FAILURES = 5
    case = case_in(State.HANDLING)
    for i in range(5):
        client.post(
            verify_url(case), {"last4": "0000"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}"
        )
    other = case_in(State.HANDLING)
    # The forged header changes nothing: the address is still blocked.
    spoofed = client.post(
        verify_url(other),
        {"last4": other.parties.first().phone.last4},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="9.9.9.9",
    )
    assert spoofed.status_code == 429
    # Behind one trusted proxy, the client the proxy saw is counted: another client may go on.
    settings.ZONGZHI_TRUSTED_PROXY_COUNT = 1
    behind = client.post(
        verify_url(other),
        {"last4": other.parties.first().phone.last4},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="9.9.9.9",
    )
    assert behind.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.1", "1.2.3.4", "10.0.0.1"),
        (
            1,
            "10.0.0.1",
            "6.6.6.6, 1.2.3.4",
            "1.2.3.4",
        ),  # the client wrote 6.6.6.6; the proxy appended 1.2.3.4
        (2, "10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (0, "2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::/64"),
        (0, "::ffff:1.2.3.4", "", "1.2.3.4"),
        (0, "", "", "unknown"),
    ],
)
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.ZONGZHI_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_address(request) == expected


def test_counting_is_shared_through_the_cache(db):
    held = [ratelimit.reserve_guess(address=f"10.0.0.{i}", code="X") for i in range(5)]
    assert all(held)
    assert ratelimit.reserve_guess(address="10.0.0.9", code="X") is None  # the sixth, refused
    assert ratelimit.reserve_guess(address="10.0.0.1", code="Y") is not None  # the address goes on
    assert cache.get("zongzhi:tracking:failures:code:X") == 5  # the refused one was handed back
    held[0].give_back()  # a right answer gives its attempt back
    assert ratelimit.failures(code="X") == 4
    assert ratelimit.reserve_guess(address="10.0.0.9", code="X") is not None


# --- CSRF, the key, the session ------------------------------------------------------------------


def test_verification_and_evaluation_need_the_csrf_token(case_in):
    case = case_in(State.CLOSED)
    client = Client(enforce_csrf_checks=True)
    response = client.post(verify_url(case), {"last4": case.parties.first().phone.last4})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    # With the token from the page, it works.
    client.get(case_url(case))
    token = client.cookies["csrftoken"].value
    ok = client.post(
        verify_url(case), {"last4": case.parties.first().phone.last4, "csrfmiddlewaretoken": token}
    )
    assert ok.status_code == 302
    assert client.post(evaluate_url(case), {"rating": "satisfied"}).status_code == 403
    case.refresh_from_db()
    assert case.state == State.CLOSED


@pytest.mark.parametrize("key", ["密钥不对", "x" * 500, "%00"])
def test_odd_keys_are_refused_not_crashed(client, case_in, key):
    case = case_in(State.HANDLING)
    response = client.get(case_url(case), {"k": key})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_verification_gives_a_new_session_key(client, case_in):
    first, second = case_in(State.HANDLING), case_in(State.HANDLING)
    client.get(case_url(first), {"k": first.tracking_key})
    before = client.session.session_key
    verify(client, second)
    session = client.session
    assert session.session_key != before
    assert set(session[SESSION_KEY]) == {first.code, second.code}  # both remembered


def test_tracking_pages_are_never_cached(client, case_in):
    case = case_in(State.HANDLING)
    for response in (client.get(reverse("tracking:start")), client.get(case_url(case))):
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]


# --- No personal data on any page ----------------------------------------------------------------


def assert_no_personal_data(case: Case, html: str) -> None:
    for party in case.parties.all():
        assert party.name not in html
        assert str(party.phone) not in html
        if party.id_number:
            assert str(party.id_number) not in html
    # The respondent's phone as the desk typed it, with its dash.
    assert "0716-1234567" not in html
    assert case.tracking_key not in html


def test_no_page_variant_shows_a_partys_name_phone_or_id_number(client, case_in, liaison):
    case = case_in(State.HANDLING)
    # A careless public record naming a party: the page masks it.
    handling_record_add(
        case=case,
        actor=liaison,
        text="已电话联系张三（13812345678），李四 0716-1234567 未接。",
        is_public=True,
    )
    pages = {}
    pages["start"] = client.get(reverse("tracking:start"))
    pages["unverified"] = client.get(case_url(case))
    pages["wrong-digits"] = fail(client, case)
    pages["bad-digits"] = client.post(verify_url(case), {"last4": "1"})
    pages["wrong-key"] = client.get(case_url(case), {"k": "nope"})
    pages["evaluate-unverified"] = client.post(evaluate_url(case), {"rating": "satisfied"})
    pages["mistyped"] = client.get(reverse("tracking:case", args=["42092320260000018"]))
    pages["not-found"] = client.get(reverse("tracking:case", args=[make_code("420923", 2026, 999999)]))
    verify(client, case, REMOTE_ADDR="10.0.0.5")
    pages["verified"] = client.get(case_url(case))
    assert pages["verified"].status_code == 200
    assert "张*" in pages["verified"].content.decode()  # the record, masked
    assert "138****5678" in pages["verified"].content.decode()
    for name, response in pages.items():
        html = response.content.decode()
        assert "<html" in html, name
        assert_no_personal_data(case, html)


@pytest.mark.parametrize("state", [State.SUPERVISED, State.CLOSED])
def test_supervised_closed_and_evaluated_pages_show_no_personal_data(client, case_in, state):
    case = case_in(state)
    verify(client, case)
    pages = [client.get(case_url(case))]
    if state == State.CLOSED:
        pages.append(client.post(evaluate_url(case), {"rating": "satisfied", "comment": "好" * 1001}))  # 400
        pages.append(client.post(evaluate_url(case), {"rating": "satisfied"}, follow=True))  # evaluated
        pages.append(client.post(evaluate_url(case), {"rating": "satisfied"}, follow=True))  # again
        assert "已评价" in pages[-1].content.decode()
    for response in pages:
        assert_no_personal_data(case, response.content.decode())


def test_the_429_page_shows_no_personal_data(client, case_in):
    case = case_in(State.HANDLING)
    for _ in range(5):
        fail(client, case)
    response = good(client, case)
    assert response.status_code == 429
    assert_no_personal_data(case, response.content.decode())
