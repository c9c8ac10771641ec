"""Schemathesis against /api/schema/: no 5xx and every response as the schema says, for two roles.

Each operation is one test per role, reaching the app in-process (WSGI) inside the test's
transaction, so the seeded cases are there; a hook swaps most generated case codes for the
seeded ones, so transitions, records and the public endpoints act on live cases in every
state. Runs in the PostgreSQL pass (CI); on SQLite it is skipped with the reason.
"""

import itertools
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cases.codes import make_code
from cases.models import State

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
MAX_EXAMPLES = 10
SEEDED_STATES = (
    State.RECEIVED,
    State.ASSESSING,
    State.ASSIGNED,
    State.HANDLING,
    State.REVIEWING,
    State.CLOSED,
)

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/", app)
_picks = itertools.cycle([None, *range(1, len(SEEDED_STATES) + 1)])


@schema.hook
def map_path_parameters(context, path_parameters):
    """Use a seeded case's code (numbered 1… in this year's sequence) for most generated codes."""
    if path_parameters and "code" in path_parameters and (number := next(_picks)) is not None:
        path_parameters["code"] = make_code(
            django_settings.ZONGZHI_COUNTY_CODE, timezone.localtime().year, number
        )
    return path_parameters


@pytest.fixture(autouse=True)
def _in_process(db, settings, case_in):
    """Keep the test's connection across WSGI requests (as Django's test client does), seed cases."""
    if connection.vendor != "postgresql":
        if os.environ.get("ZONGZHI_REQUIRE_POSTGRES") == "1":
            pytest.fail("ZONGZHI_REQUIRE_POSTGRES=1 but the database is not PostgreSQL")
        pytest.skip(
            "Schemathesis runs in the PostgreSQL pass (CI); set DATABASE_URL=postgres://… to run it here"
        )
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Generous public throttles: the fuzzing comes from one address.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"public": "100000/min", "public_verify": "100000/min"},
    }
    cache.clear()
    for state in SEEDED_STATES:
        case_in(state)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _token_header(user) -> dict:
    return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


FUZZ = settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@schema.parametrize()
@FUZZ
def test_api_as_a_coordinator(case, coordinator):
    cache.clear()  # the verification failure counters: fuzzing fails on purpose
    case.call_and_validate(headers=_token_header(coordinator), checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_as_a_department_liaison(case, liaison):
    cache.clear()
    case.call_and_validate(headers=_token_header(liaison), checks=CHECKS)
