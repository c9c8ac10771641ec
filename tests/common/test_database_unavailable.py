"""While the database cannot answer, pages and the API say 503 with Retry-After, never a 500."""

import psycopg
import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from psycopg_pool import PoolTimeout

from common.views import server_error

pytestmark = pytest.mark.django_db

DEAD = [
    OperationalError("server closed the connection unexpectedly"),
    InterfaceError("connection already closed"),
    PoolTimeout("couldn't get a connection after 10.00 sec"),
    psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"),
]


def _raised_while_the_database_was_gone() -> RuntimeError:
    """An error some code raised while handling a lost connection (it carries it as its context)."""
    try:
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            raise RuntimeError("could not render the menu counts")  # noqa: B904
    except RuntimeError as error:
        return error


DEAD.append(_raised_while_the_database_was_gone())


def _fail_with(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.mark.parametrize("error", DEAD, ids=lambda e: type(e).__name__)
def test_a_page_answers_503_with_a_chinese_page_and_retry_after(client, coordinator, monkeypatch, error):
    client.force_login(coordinator)
    monkeypatch.setattr("zongzhi.views.workspace_url", _fail_with(error))
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    body = response.content.decode()
    assert "系统暂时无法访问" in body
    assert "Traceback" not in body and "server closed" not in body


@pytest.mark.parametrize("error", DEAD, ids=lambda e: type(e).__name__)
def test_the_api_answers_503_in_its_error_shape(client, coordinator, monkeypatch, error):
    client.force_login(coordinator)
    monkeypatch.setattr("cases.api.views.case_rows_for", _fail_with(error))
    response = client.get("/api/v1/cases/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Content-Type"] == "application/json"
    error_body = response.json()["error"]
    assert error_body["code"] == "unavailable"
    assert error_body["message"] == "系统暂时无法访问数据库，请稍后再试。"


def test_other_errors_stay_500s(client, coordinator, monkeypatch):
    client.raise_request_exception = False
    client.force_login(coordinator)
    monkeypatch.setattr("zongzhi.views.workspace_url", _fail_with(ValueError("a bug")))
    assert client.get("/").status_code == 500


def test_an_error_outside_a_view_gets_the_503_from_the_500_handler(settings):
    """A session saved after the view, say, fails outside process_exception: handler500 answers."""
    settings.DEBUG = False
    for path, content_type in [
        ("/cases/", "text/html; charset=utf-8"),
        ("/api/v1/cases/", "application/json"),
    ]:
        request = RequestFactory().get(path)
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            response = server_error(request)
        assert (response.status_code, response["Retry-After"]) == (503, "10")
        assert response["Content-Type"] == content_type
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(RequestFactory().get("/")).status_code == 500


def test_the_site_uses_that_500_handler():
    from zongzhi import urls

    assert urls.handler500 == "common.views.server_error"
