"""Log-in protection: lockout per user (not per hall), the API token, admin unlocking, idle sessions."""

import datetime as dt
import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from common.sessions import LAST_ACTIVITY_KEY
from tests.factories import StaffFactory

PASSWORD = "zongzhi-test"
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
HALL = "10.0.0.8"  # the reverse proxy: every desk's requests come from here


@pytest.fixture
def staff(center):
    return StaffFactory(center=center).user


@pytest.fixture
def colleague(center):
    return StaffFactory(center=center).user


def login(client, user, password, address=HALL):
    return client.post(LOGIN, {"username": user.username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def token(user, password, address=HALL):
    return APIClient().post(
        TOKEN, {"username": user.username, "password": password}, format="json", REMOTE_ADDR=address
    )


# --- the log-in page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_forty_wrong_passwords_then_the_right_one_is_refused(client, staff):
    for _ in range(40):
        assert login(client, staff, "wrong-password").status_code in (200, 429)
    response = login(client, staff, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    body = response.content.decode()
    assert "登录失败次数过多，账号已暂时锁定" in body
    assert "30 分钟" in body
    assert response["Retry-After"] == "1800"


@pytest.mark.django_db
def test_the_lockout_starts_at_the_fifth_failure(client, staff):
    for _ in range(4):
        assert login(client, staff, "wrong-password").status_code == 200  # the form, with its error
    assert login(client, staff, "wrong-password").status_code == 429
    assert login(client, staff, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_one_persons_typos_do_not_lock_out_the_hall(client, staff, colleague):
    for _ in range(40):
        login(client, staff, "wrong-password")
    other = type(client)()
    response = login(other, colleague, PASSWORD)  # same proxy address
    assert response.status_code == 302
    assert signed_in(other)


@pytest.mark.django_db
def test_the_address_has_a_much_higher_ceiling(client, settings, center):
    settings.ZONGZHI_LOGIN_MAX_ADDRESS_FAILURES = 12
    users = [StaffFactory(center=center).user for _ in range(4)]
    for user in users[:3]:
        for _ in range(4):  # under each user's limit
            login(client, user, "wrong-password")
    assert login(client, users[3], PASSWORD).status_code == 429  # the address reached 12
    # From another address the same user signs in.
    assert login(type(client)(), users[3], PASSWORD, address="10.0.0.9").status_code == 302


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cooloff(client, staff, clock):
    for _ in range(40):
        login(client, staff, "wrong-password")
    clock.shift(dt.timedelta(minutes=29))
    assert login(client, staff, PASSWORD).status_code == 429
    clock.shift(dt.timedelta(minutes=2))
    assert login(client, staff, PASSWORD).status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_a_success_forgets_only_the_users_own_failures(client, staff, colleague):
    for _ in range(4):
        login(client, staff, "wrong-password")
        login(client, colleague, "wrong-password")
    assert login(client, staff, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=staff.username).exists()
    assert AccessAttempt.objects.get(username=colleague.username).failures_since_start == 4


@pytest.mark.django_db
def test_the_trusted_proxy_rule_gives_the_counted_address(client, staff, settings):
    settings.ZONGZHI_TRUSTED_PROXY_COUNT = 1
    client.post(
        LOGIN,
        {"username": staff.username, "password": "wrong-password"},
        REMOTE_ADDR=HALL,
        HTTP_X_FORWARDED_FOR="1.2.3.4, 192.168.5.20",
    )
    assert AccessAttempt.objects.get().ip_address == "192.168.5.20"


# --- unlocking --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reset_username_command_unlocks(client, staff):
    for _ in range(6):
        login(client, staff, "wrong-password")
    assert login(client, staff, PASSWORD).status_code == 429
    call_command("axes_reset_username", staff.username)
    assert login(client, staff, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_administrator_unlocks_from_the_admin(client, staff, django_user_model):
    for _ in range(6):
        login(client, staff, "wrong-password")
    admin = django_user_model.objects.create_superuser("root", "root@example.cn", PASSWORD)
    admin_client = type(client)()
    admin_client.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200
    assert staff.username in page.content.decode()
    attempt = AccessAttempt.objects.get(username=staff.username)
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert login(client, staff, PASSWORD).status_code == 302


# --- API tokens -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_for_the_right_password(staff):
    response = token(staff, PASSWORD)
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=staff).key}


@pytest.mark.django_db
def test_token_wrong_password_is_400_in_the_api_shape(staff):
    response = token(staff, "wrong-password")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_token_forty_wrong_passwords_then_the_right_one_is_refused(staff, colleague):
    for _ in range(40):
        assert token(staff, "wrong-password").status_code in (400, 429)
    response = token(staff, PASSWORD)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "login_locked"
    assert not Token.objects.filter(user=staff).exists()
    # The page is locked too (one count for both doors), and a colleague is not.
    assert login(Client(), staff, PASSWORD).status_code == 429
    assert token(colleague, PASSWORD).status_code == 200


# --- the suite's own log-ins keep working ----------------------------------------------------


@pytest.mark.django_db
def test_authenticate_with_a_request_still_works(staff):
    request = RequestFactory().post(LOGIN)
    assert authenticate(request, username=staff.username, password=PASSWORD) == staff


# --- idle sessions ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_idle_session_is_signed_out(client, coordinator, clock):
    client.force_login(coordinator)
    assert client.get(reverse("cases:inbox")).status_code == 200
    clock.shift(dt.timedelta(minutes=31))
    response = client.get(reverse("cases:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not signed_in(client)


@pytest.mark.django_db
def test_an_active_session_stays_signed_in(client, coordinator, clock):
    client.force_login(coordinator)
    for _ in range(8):  # two hours of work, a page every quarter of an hour
        clock.shift(dt.timedelta(minutes=15))
        assert client.get(reverse("cases:inbox")).status_code == 200


@pytest.mark.django_db
def test_the_idle_limit_comes_from_the_setting(client, coordinator, settings, clock):
    settings.ZONGZHI_SESSION_IDLE_MINUTES = 5
    client.force_login(coordinator)
    clock.shift(dt.timedelta(minutes=6))
    assert client.get(reverse("cases:inbox")).status_code == 302


@pytest.mark.django_db
def test_the_session_cookie_ends_with_the_browser(client, staff):
    response = login(client, staff, PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert LAST_ACTIVITY_KEY in client.session


@pytest.mark.django_db
def test_an_ipv6_client_counts_as_its_network(client, staff):
    client.post(
        LOGIN, {"username": staff.username, "password": "wrong-password"}, REMOTE_ADDR="2001:db8:1:2:3:4:5:6"
    )
    assert AccessAttempt.objects.get().ip_address == "2001:db8:1:2::"


@pytest.mark.django_db
def test_a_successful_token_forgets_the_users_earlier_failures(staff):
    for _ in range(4):
        token(staff, "wrong-password")
    assert token(staff, PASSWORD).status_code == 200
    for _ in range(4):  # four more typos: still under the limit
        assert token(staff, "wrong-password").status_code == 400
    assert token(staff, PASSWORD).status_code == 200


# --- parallel guesses -------------------------------------------------------------------------


def post_json(url, body) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.postgres
def test_forty_parallel_wrong_passwords_have_only_five_checked(
    require_postgres, transactional_db, live_server, center
):
    user = StaffFactory(center=center).user
    url = live_server.url + TOKEN
    with ThreadPoolExecutor(40) as pool:
        codes = list(
            pool.map(lambda _: post_json(url, {"username": user.username, "password": "wrong"}), range(40))
        )
    assert sorted(set(codes)) == [400, 429]
    assert codes.count(400) <= 4  # the fifth failure itself answers 429
    checked = sum(a.failures_since_start for a in AccessAttempt.objects.filter(username=user.username))
    assert checked == 5
    assert post_json(url, {"username": user.username, "password": PASSWORD}) == 429
