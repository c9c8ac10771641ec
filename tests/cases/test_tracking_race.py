"""Parallel phone-digit guesses against a live server, on PostgreSQL + Redis (issue 11, finding 1).

On the old code the count was read before checking and written after, so 40 guesses released
at once were checked 8–23 per burst on the page and 6–18 on the API. Now each guess reserves its
attempt first (``cache.add`` + ``cache.incr`` on Redis): exactly 5 are checked, the rest are 429.
"""

import re
import threading

import pytest
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.test import override_settings

from cases import ratelimit
from cases.models import Case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The live server's listen queue (10) would refuse part of a 40-request burst before Django sees it.
WSGIServer.request_queue_size = 128

GUESSES = 40
RELAXED_THROTTLES = {
    **settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"public": "1000/min", "public_verify": "1000/min"},
}


@pytest.fixture
def shared_cache(require_postgres):
    """The counts must live in Redis, shared by the server's request threads as by real workers."""
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("needs REDIS_URL: the parallel test counts in Redis")
    cache.clear()
    yield
    cache.clear()


def _page_guess(base: str, case: Case):
    """Return a function posting one wrong guess through the tracking page (with its CSRF token)."""
    page = requests.get(f"{base}/t/{case.code}/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    cookies = {"csrftoken": page.cookies["csrftoken"]}

    def guess():
        return requests.post(
            f"{base}/t/{case.code}/verify/",
            data={"last4": "0000", "csrfmiddlewaretoken": token},
            cookies=cookies,
            allow_redirects=False,
            timeout=60,
        ).status_code

    return guess


def _api_guess(base: str, case: Case):
    def guess():
        return requests.post(
            f"{base}/api/v1/public/cases/{case.code}/verify/", json={"phone_last4": "0000"}, timeout=60
        ).status_code

    return guess


def _sent(request) -> int:
    """Send, again if the connection was refused before the server read it (a full listen queue)."""
    for _ in range(5):
        try:
            return request()
        except requests.ConnectionError:
            continue
    return request()


def _release_together(guesses) -> list[int]:
    barrier = threading.Barrier(len(guesses))
    statuses: list[int] = []
    lock = threading.Lock()

    def run(guess):
        barrier.wait()
        status = _sent(guess)
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(guess,)) for guess in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@override_settings(REST_FRAMEWORK=RELAXED_THROTTLES)
@pytest.mark.parametrize("how", ["page", "api", "both"])
def test_forty_parallel_wrong_guesses_are_checked_exactly_five_times(
    shared_cache, live_server, new_case, how
):
    case = new_case()
    page, api = _page_guess(live_server.url, case), _api_guess(live_server.url, case)
    if how == "page":
        guesses = [page] * GUESSES
    elif how == "api":
        guesses = [api] * GUESSES
    else:
        guesses = [page, api] * (GUESSES // 2)

    statuses = _release_together(guesses)

    assert sorted(statuses) == [403] * 5 + [429] * (GUESSES - 5), statuses
    assert ratelimit.failures(code=case.code) == 5
    # And the right digits are refused too until the window ends: nothing more is checked.
    right = requests.post(
        f"{live_server.url}/api/v1/public/cases/{case.code}/verify/", json={"phone_last4": "5678"}, timeout=30
    )
    assert right.status_code == 429


@override_settings(REST_FRAMEWORK=RELAXED_THROTTLES)
def test_parallel_guesses_do_not_lock_out_the_receipt_key(shared_cache, live_server, new_case):
    case = new_case()
    guesses = [_api_guess(live_server.url, case)] * 20
    keys = [
        lambda: (
            requests.post(
                f"{live_server.url}/api/v1/public/cases/{case.code}/verify/",
                json={"key": case.tracking_key},
                timeout=60,
            ).status_code
        )
    ] * 5
    statuses = _release_together(guesses + keys)
    assert statuses.count(200) == 5  # every key holder got in, whatever the guessers did
    assert statuses.count(403) == 5 and statuses.count(429) == 15
