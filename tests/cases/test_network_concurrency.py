"""Two coordinators of the parent center take on the same case reported up at once: one wins (PostgreSQL)."""

import pytest

from cases.models import Case, CaseEvent, Referral, ReferralStatus, State
from cases.services import (
    case_escalate,
    case_take_over,
    case_transfer,
    case_transfer_accept,
    case_transfer_decline,
)

from .network_tree import build_tree, take_in
from .test_concurrency import CONFLICTS, run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(case, actions):
    copies = [Case.objects.get(pk=case.pk) for _ in actions]  # each page shows the same version
    return run_in_threads([lambda a=a, c=c: a(c).state for a, c in zip(actions, copies, strict=True)])


def _one_winner(results):
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, CONFLICTS), repr(error)
    assert error.status == 409


def test_two_parent_coordinators_take_over_at_once(require_postgres, center):
    tree = build_tree(center)
    a1_coord = tree.staff(tree.a1)
    first, second = tree.staff(tree.county), tree.staff(tree.county)
    case = case_escalate(case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, reason="x")
    events_before = CaseEvent.objects.filter(case=case).count()

    results = _race(
        case,
        [
            lambda c: case_take_over(case=c, actor=first, note="甲接手"),
            lambda c: case_take_over(case=c, actor=second, note="乙接手"),
        ],
    )

    _one_winner(results)
    version_before = case.version
    case.refresh_from_db()
    assert case.state == State.ASSESSING and case.center_id == tree.county.pk
    assert case.version == version_before + 1
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.ACCEPTED and referral.decided_by in (first, second)


def test_accept_and_decline_of_one_transfer_at_once(require_postgres, center):
    tree = build_tree(center)
    a1_coord = tree.staff(tree.a1)
    city_1, city_2 = tree.staff(tree.city), tree.staff(tree.city)
    case = case_transfer(
        case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, to_center=tree.b1, reason="x"
    )

    results = _race(
        case,
        [
            lambda c: case_transfer_accept(case=c, actor=city_1),
            lambda c: case_transfer_decline(case=c, actor=city_2, reason="不同意"),
        ],
    )

    _one_winner(results)
    assert Referral.objects.get(case=case).status in (ReferralStatus.ACCEPTED, ReferralStatus.RETURNED)
