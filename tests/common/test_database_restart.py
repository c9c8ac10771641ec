"""Finding 9: a PostgreSQL restart under load gives 200s and 503s with Retry-After, never a 500; after it,
the pool hands out no dead connection.

A real server (gunicorn, threads, Django's psycopg pool) runs against a private PostgreSQL, which
the test stops and starts while threads send page and API requests, then restarts while idle.
"""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.pgserver import PrivatePostgreSQL, free_port, require_server_binaries

pytestmark = [pytest.mark.postgres, pytest.mark.real_time]

ROOT = Path(__file__).resolve().parents[2]
# One process with eight threads, like a small deployment: they share one pool.
GUNICORN = ["--worker-class", "gthread", "--workers", "1", "--threads", "8", "--timeout", "120"]
PASSWORD = "restart-test-Pa55word"
SEED = f"""
from departments.models import Role
from rest_framework.authtoken.models import Token
from tests.factories import CenterFactory, StaffFactory
user = StaffFactory(role=Role.COORDINATOR, center=CenterFactory()).user
user.set_password({PASSWORD!r})
user.save()
print("SEEDED", user.username, Token.objects.create(user=user).key)
"""


def server_environment(database_url: str) -> dict[str, str]:
    """The environment of the server: only the private database; no broker, cache or production switches."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "ZONGZHI_"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "zongzhi.settings.base",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    }
    return environment


def manage(environment, *arguments) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class Client:
    """A minimal HTTP client: one connection per request, no redirects followed."""

    def __init__(self, port: int):
        self.port = port

    def request(self, method, path, *, headers=None, body=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def login(self, username: str) -> tuple[str, str]:
        """Sign in through the login form; return the session cookie and the workspace path."""
        status, headers, body = self.request("GET", "/accounts/login/")
        assert status == 200
        csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        form = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        status, headers, _ = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
            },
        )
        assert status == 302, status
        session = re.search(r"sessionid=([^;]+)", headers["Set-Cookie"]).group(1)
        status, headers, _ = self.request("GET", "/", headers={"Cookie": f"sessionid={session}"})
        assert status == 302
        return session, urllib.parse.urlsplit(headers["Location"]).path


@pytest.fixture
def private_postgres():
    if connection.vendor != "postgresql" and os.environ.get("ZONGZHI_REQUIRE_POSTGRES") != "1":
        pytest.skip("a PostgreSQL test: runs with DATABASE_URL=postgres://… (or ZONGZHI_REQUIRE_POSTGRES=1)")
    server = PrivatePostgreSQL(require_server_binaries())
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture
def live_app(private_postgres):
    """Migrate and seed the private database, then serve the app on it with gunicorn (threads)."""
    environment = server_environment(private_postgres.createdb("zongzhi"))
    manage(environment, "migrate", "--noinput", "-v0")
    username, token = manage(environment, "shell", "-c", SEED).split("SEEDED", 1)[1].split()
    port = free_port(preferred=())
    log = private_postgres.root / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "zongzhi.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                *GUNICORN,
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    client = Client(port)
    try:
        for _ in range(600):  # wait for it to listen (not a timed assertion: it just has to come up)
            try:
                client.request("GET", "/accounts/login/", timeout=5)
                break
            except OSError:
                assert process.poll() is None, log.read_text()[-3000:]
                time.sleep(0.1)
        session, workspace = client.login(username)
        yield (
            client,
            {
                "page": (workspace, {"Cookie": f"sessionid={session}"}),
                "api": ("/api/v1/cases/", {"Authorization": f"Token {token}"}),
            },
            log,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)


def errors_in(log, since: int = 0) -> str:
    """The first tracebacks the server logged (the pool's connection warnings left out)."""
    text = log.read_text(errors="replace")[since:]
    lines = [line for line in text.splitlines() if "psycopg.pool" not in line]
    start = next((n for n, line in enumerate(lines) if "Internal Server Error" in line), None)
    if start is None:
        start = next((n for n, line in enumerate(lines) if "Traceback" in line), 0)
    # The first traceback up to its exception line (the next log record starts with a date).
    end = next(
        (n for n in range(start + 1, len(lines)) if lines[n][:2] == "20" and lines[n][4:5] == "-"),
        len(lines),
    )
    block = lines[start:end]
    return "\n".join([*block[:3], "…", *block[-30:]]) if len(block) > 33 else "\n".join(block)


def check(outcomes, log):
    """Every answer is a 200, or a 503 with Retry-After (a short page, or the API's JSON error)."""
    statuses = Counter(status for status, *_ in outcomes)
    bad = [(status, kind, body[:300]) for status, retry, kind, body in outcomes if status not in (200, 503)]
    assert not bad, f"{statuses}: {bad[:3]}\n{errors_in(log)}"
    for status, retry_after, kind, body in outcomes:
        if status == 503:
            assert retry_after and int(retry_after) > 0
            if kind == "api":
                assert json.loads(body)["error"]["code"] == "unavailable"
            else:
                assert "系统暂时无法访问" in body.decode()
    return statuses


def test_a_postgresql_restart_under_load_gives_no_500_and_leaves_no_dead_connection(
    live_app, private_postgres
):
    client, targets, log = live_app
    outcomes = []
    lock = threading.Lock()
    stop = threading.Event()

    def call(kind):
        path, headers = targets[kind]
        status, response_headers, body = client.request("GET", path, headers=headers)
        return status, response_headers.get("Retry-After"), kind, body

    def hammer(number):
        kinds = ("page", "api") if number % 2 else ("api", "page")
        turn = 0
        while not stop.is_set():
            outcome = call(kinds[turn % 2])
            turn += 1
            with lock:
                outcomes.append(outcome)

    # Warm up: the pool holds open connections.
    assert all(call(kind)[0] == 200 for kind in ("page", "api") for _ in range(5))

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    try:
        before = private_postgres.postmaster_pid()
        while len(outcomes) < 40:  # load is flowing
            time.sleep(0.05)
        private_postgres.stop()
        time.sleep(2)  # an outage long enough for requests to meet it
        private_postgres.start()
        assert private_postgres.postmaster_pid() != before
        settled = len(outcomes)
        while len(outcomes) < settled + 80:  # and load goes on after it
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

    statuses = check(outcomes, log)
    print(f"under load: {len(outcomes)} requests, {dict(statuses)}")
    assert statuses[200] > 80

    # A restart with no traffic: the pool is full of dead connections; none may be handed out.
    assert call("api")[0] == 200 and call("page")[0] == 200
    logged = len(log.read_text(errors="replace"))
    private_postgres.restart()
    after = [call(kind) for _ in range(10) for kind in ("page", "api")]
    check(after, log)
    assert [status for status, *_ in after] == [200] * 20, errors_in(log, since=logged)
