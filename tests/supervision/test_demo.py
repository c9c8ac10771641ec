"""The supervision demo data: the first sweep fires every level, the first sampling finds parties."""

import io

import pytest
from django.core.management import call_command

from demo.supervision import seed_supervision_demo
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder
from supervision.services import callback_round_sample, deadline_sweep, previous_month

pytestmark = pytest.mark.django_db


def test_the_demo_feeds_every_level_and_the_sampling_and_runs_once():
    call_command("seed_demo", cases=0, stdout=io.StringIO())
    out = io.StringIO()
    added = seed_supervision_demo(stdout=out)
    assert added == {"scenarios": 5, "closed_last_month": 12, "backfilled_orders": 0}
    assert "supervise_deadlines" in out.getvalue()

    result = deadline_sweep()
    assert result.reminders >= 1 and result.orders >= 1
    assert result.leader_orders >= 3 and result.raised >= 1
    reasons = set(SupervisionOrder.objects.filter(level=Level.LEADER).values_list("reason", flat=True))
    assert {Reason.DEADLINE_MISSED, Reason.PROBLEM_CASE, Reason.LEADER_INSTRUCTION} <= reasons
    assert SupervisionOrder.objects.filter(status=OrderStatus.RAISED).exists()

    from django.utils import timezone

    round, created = callback_round_sample(month=previous_month(timezone.localdate()))
    assert created and round.population_size >= 30 and round.sample_size_taken == 30

    assert seed_supervision_demo() == {"scenarios": 0, "closed_last_month": 0, "backfilled_orders": 0}


def test_without_the_organisation_it_says_what_to_do_first():
    out = io.StringIO()
    assert seed_supervision_demo(stdout=out) == {}
    assert "seed_demo" in out.getvalue()
