"""Fixtures shared by the whole suite."""

import datetime as dt
import os

import pytest
import time_machine
from django.db import connection
from hypothesis import settings as hypothesis_settings

from cases.services import PartyData, case_create
from departments.models import Role

from .factories import CenterFactory, DepartmentFactory, StaffFactory

# The suite's "now": a fixed, ordinary working day in Shanghai, so no test depends on the day it
# runs. ZONGZHI_TEST_NOW moves it (an ISO 8601 moment), or "real" keeps the system clock — the
# libfaketime pass in .ci/run uses "real" to run every test at an awkward moment of the calendar.
SUITE_NOW = os.environ.get("ZONGZHI_TEST_NOW", "").strip() or "2026-11-18T10:00:00+08:00"

# Property-based tests: the same examples on every run (no example database), no deadline on a busy CI.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=100)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _suite_now(request):
    """Fix "now" for every test (the clock still ticks) unless it is marked ``real_time``."""
    if SUITE_NOW == "real" or request.node.get_closest_marker("real_time"):
        yield None
        return
    with time_machine.travel(dt.datetime.fromisoformat(SUITE_NOW), tick=True) as traveller:
        yield traveller


@pytest.fixture
def clock(_suite_now):
    """A clock the test may move (``clock.shift(timedelta)``): the suite's, or, on the real (or
    libfaketime's) clock, one started at the present moment."""
    if _suite_now is not None:
        yield _suite_now
        return
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with an empty cache (rate-limit counts, cached names): order never matters."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Run tasks in-process unless a test asks for the real broker."""
    from zongzhi.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def require_postgres():
    """Skip on SQLite (with the reason); fail instead when CI demands PostgreSQL."""
    if connection.vendor != "postgresql":
        if os.environ.get("ZONGZHI_REQUIRE_POSTGRES") == "1":
            pytest.fail("ZONGZHI_REQUIRE_POSTGRES=1 but the database is not PostgreSQL")
        pytest.skip("needs PostgreSQL (row locks and real concurrency); set DATABASE_URL=postgres://…")


@pytest.fixture
def center(db):
    return CenterFactory()


@pytest.fixture
def department(center):
    return DepartmentFactory(center=center, slug="court", name="县人民法院", short_name="法院")


@pytest.fixture
def other_department(center):
    return DepartmentFactory(center=center, slug="police", name="县公安局", short_name="公安")


@pytest.fixture
def reception(center):
    return StaffFactory(role=Role.RECEPTION, center=center).user


@pytest.fixture
def coordinator(center):
    return StaffFactory(role=Role.COORDINATOR, center=center).user


@pytest.fixture
def leader(center):
    return StaffFactory(role=Role.LEADER, center=center).user


@pytest.fixture
def admin_user(center):
    return StaffFactory(role=Role.ADMIN, center=center).user


@pytest.fixture
def liaison(center, department):
    return StaffFactory(role=Role.LIAISON, center=center, department=department).user


@pytest.fixture
def other_liaison(center, other_department):
    return StaffFactory(role=Role.LIAISON, center=center, department=other_department).user


PARTIES = [
    PartyData(name="张三", phone="13812345678", id_number="11010519491231002X", role="applicant"),
    PartyData(name="李四", phone="0716-1234567", id_number="", role="respondent"),
]


@pytest.fixture
def new_case(reception, center):
    """A freshly received case with two parties, created through the intake service."""

    def make(**overrides):
        fields = {
            "actor": reception,
            "title": "拖欠工资纠纷",
            "description": "某建筑公司拖欠 12 名工人工资共计 36 万元。",
            "category": "labour",
            "source": "walk_in",
            "location": "城关镇建设路 8 号工地",
            "parties": PARTIES,
            "center": center,
        }
        fields.update(overrides)
        return case_create(**fields)

    return make
