"""Helpers of the report tests: cases, evaluations, callbacks and orders written with exact dates."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.models import Case, CaseEvent, Evaluation
from supervision.models import Callback, CallbackRound, Level, OrderStatus, Reason, SupervisionOrder
from supervision.models.reports import ReportThresholds  # noqa: F401  (registers the model before the test database is built)
from supervision.reports.periods import month_period

from ..factories import CaseFactory, PartyFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    """A Shanghai wall-clock time: at(2026, 10, 12, 10) is 10:00 on 12 October 2026."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


OCTOBER = month_period(dt.date(2026, 10, 1))
NOW = at(2026, 10, 20, 12)


@pytest.fixture
def small_sample(monkeypatch):
    """Judge departments on a single case: for tests about scores and marks, not the sample size."""
    from supervision.reports.selectors import ranking

    monkeypatch.setattr(ranking, "MIN_SAMPLE", 1)


@pytest.fixture
def make_case(center):
    """Write a case row directly, with its creation time (auto_now_add would overwrite it)."""

    def make(*, created: dt.datetime | None = None, **fields) -> Case:
        created = created or at(2026, 10, 5, 9)
        fields.setdefault("center", center)
        case = CaseFactory(**fields)
        Case.objects.filter(pk=case.pk).update(created_at=created)
        case.created_at = created
        return case

    return make


def event(case: Case, transition: str, when: dt.datetime) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, transition=transition, from_state="", to_state=case.state, created_at=when
    )


def evaluate(
    case: Case, rating: str, when: dt.datetime, channel: str = Evaluation.Channel.TRACKING
) -> Evaluation:
    evaluation = Evaluation.objects.create(case=case, rating=rating, channel=channel)
    Evaluation.objects.filter(pk=evaluation.pk).update(created_at=when)
    return evaluation


def callback(
    case: Case,
    *,
    status: str,
    rating: str = "",
    completed: dt.datetime | None = None,
    month=dt.date(2026, 9, 1),
):
    round, _created = CallbackRound.objects.get_or_create(
        center=case.center,
        month=month,
        defaults={
            "seed": 1,
            "population_size": 30,
            "population_digest": "0" * 64,
            "sample_size_requested": 30,
            "sample_size_taken": 30,
            "created_at": at(month.year, month.month, 28) + dt.timedelta(days=5),
        },
    )
    party = PartyFactory(case=case)
    position = Callback.objects.filter(round=round).count() + 1
    return Callback.objects.create(
        round=round,
        position=position,
        case=case,
        party=party,
        person_key=f"key-{party.pk}",
        status=status,
        rating=rating,
        completed_at=completed,
        attempts=1,
    )


_numbers = iter(range(1, 10**6))


def order(
    case: Case,
    *,
    department=None,
    level: str = Level.ORDER,
    status: str = OrderStatus.ISSUED,
    issued: dt.datetime | None = None,
    respond_by: dt.datetime | None = None,
    verified: dt.datetime | None = None,
    reason: str = Reason.DEADLINE_MISSED,
    raised_to=None,
) -> SupervisionOrder:
    issued = issued or at(2026, 10, 8, 9)
    respond_by = respond_by or at(2026, 10, 25, 17)
    return SupervisionOrder.objects.create(
        number=f"DB2026{next(_numbers):06d}",
        case=case,
        department=department or case.lead_department,
        reason=reason,
        level=level,
        status=status,
        required_action="按期办理",
        issued_at=issued,
        respond_from=issued,
        respond_by=respond_by,
        verified_at=verified,
        raised_to=raised_to,
    )
