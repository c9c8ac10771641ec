"""Fixtures of the API tests: a token client per role and cases in any state."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, State
from cases.services import (
    case_accept,
    case_assign,
    case_close,
    case_start_assessment,
    case_submit_result,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle and verification counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(reception, coordinator, leader, liaison, other_liaison, admin_user):
    """Token clients by role name; ``api.anon`` has no credentials."""

    class Clients:
        pass

    clients = Clients()
    for name, user in {
        "reception": reception,
        "coordinator": coordinator,
        "leader": leader,
        "liaison": liaison,
        "other_liaison": other_liaison,
        "admin": admin_user,
    }.items():
        setattr(clients, name, token_client(user))
        setattr(clients, f"{name}_user", user)
    clients.anon = APIClient()
    return clients


@pytest.fixture
def case_in(new_case, coordinator, liaison, department):
    """Return a case taken through the services to ``state`` (lead department: ``department``)."""

    def make(state: str = State.RECEIVED, **overrides) -> Case:
        case = new_case(**overrides)
        steps = [
            (State.ASSESSING, lambda c: case_start_assessment(case=c, actor=coordinator)),
            (
                State.ASSIGNED,
                lambda c: case_assign(
                    case=c, actor=coordinator, risk_colour="yellow", lead_department=department
                ),
            ),
            (State.HANDLING, lambda c: case_accept(case=c, actor=liaison)),
            (
                State.REVIEWING,
                lambda c: case_submit_result(case=c, actor=liaison, result="已调解，工资已支付。"),
            ),
            (State.CLOSED, lambda c: case_close(case=c, actor=coordinator)),
        ]
        order = [State.RECEIVED] + [s for s, _ in steps]
        target = order.index(state)
        for i, (_state, step) in enumerate(steps, start=1):
            if i > target:
                break
            case = step(case)
        return Case.objects.get(pk=case.pk)

    return make


def url(path: str) -> str:
    return f"/api/v1/{path.lstrip('/')}"


def error_of(response) -> dict:
    """Return the error object, checking the one shape every error has."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
