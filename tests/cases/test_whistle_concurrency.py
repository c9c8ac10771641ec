"""Real concurrency on PostgreSQL: two liaisons of one department report to the same summons at once."""

import pytest

from cases.models import CaseEvent, WhistleSummons
from cases.services import AlreadyReported, summons_report, whistle_blow
from departments.models import Role

from ..factories import StaffFactory
from .test_concurrency import run_in_threads
from .whistle_network import make_network

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_reports_one_wins(require_postgres, center):
    network = make_network(center)
    case = network.case()
    summons = whistle_blow(
        case=case,
        actor=network.township_coordinator,
        departments=[network.housing],
        urgency="urgent",
        reason="到场",
    ).summonses.get()
    colleague = StaffFactory(role=Role.LIAISON, center=network.county, department=network.housing).user

    def report(user, who):
        return lambda: summons_report(summons=summons, actor=user, attendee=who)

    results = run_in_threads([report(network.housing_liaison, "王强"), report(colleague, "张伟")])
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, AlreadyReported)
    assert WhistleSummons.objects.get(pk=summons.pk).status == WhistleSummons.Status.REPORTED
    assert CaseEvent.objects.filter(case=case, transition="report_in").count() == 1
    assert case.co_departments.filter(pk=network.housing.pk).count() == 1
