"""The sweep across the network: late 报到 to a whistle, and a 下派 case overdue at the child center."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, Notification, Referral, ReferralKind, ReferralStatus, State
from cases.services import summons_report, whistle_blow
from common.exceptions import ActionForbidden
from departments.models import Stage
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder
from supervision.permissions import may_respond_to_order, may_verify_order
from supervision.services import deadline_sweep
from supervision.services.orders import supervision_order_respond, supervision_order_verify
from tests.cases.whistle_network import make_network

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def network(center):
    return make_network(center)


def blow(net, case, *departments):
    return whistle_blow(
        case=case,
        actor=net.township_coordinator,
        departments=list(departments) or [net.housing, net.police],
        urgency="urgent",
        reason="请到场。",
    )


def test_a_summons_past_its_deadline_raises_an_order_on_the_department(network, clock):
    case = network.case()
    whistle = blow(network, case)
    deadline = whistle.summonses.first().respond_by
    assert deadline_sweep(now=deadline - HOUR).orders == 0  # not yet

    summons_report(summons=whistle.summonses.get(department=network.police), actor=network.police_liaison,
                   attendee="李明 所长")  # fmt: skip
    result = deadline_sweep(now=deadline + HOUR)
    assert result.orders == 1 and result.supervised_cases == 0
    order = SupervisionOrder.objects.get(reason=Reason.WHISTLE_LATE)
    assert order.department == network.housing and order.stage == Stage.WHISTLE
    assert order.deadline == deadline and order.level == Level.ORDER
    assert order.issuing_center == network.township and order.case == case
    assert order.required_action.startswith("未按时报到")
    assert Notification.objects.filter(kind="supervision_order", user=network.housing_liaison).count() == 1
    assert not Notification.objects.filter(kind="supervision_order", user=network.police_liaison).exists()
    # A late summons does not put the lead department's handling under supervision.
    assert Case.objects.get(pk=case.pk).state == State.HANDLING

    # Once per deadline, however often the sweep runs.
    again = deadline_sweep(now=deadline + 2 * HOUR)
    assert again.orders == 0 and again.notifications == 0
    assert SupervisionOrder.objects.filter(reason=Reason.WHISTLE_LATE).count() == 1


def test_a_late_report_before_the_sweep_is_counted_but_gets_no_order(network, clock):
    case = network.case()
    whistle = blow(network, case, network.housing)
    summons = whistle.summonses.get()
    clock.shift(3 * HOUR)
    reported = summons_report(summons=summons, actor=network.housing_liaison, attendee="王强 副局长")
    assert reported.is_late
    assert deadline_sweep(now=timezone.now()).orders == 0
    assert not SupervisionOrder.objects.filter(reason=Reason.WHISTLE_LATE).exists()


def test_the_summoned_department_answers_and_the_whistling_center_verifies(network):
    case = network.case()
    whistle = blow(network, case, network.housing)
    deadline_sweep(now=whistle.summonses.get().respond_by + HOUR)
    order = SupervisionOrder.objects.get(reason=Reason.WHISTLE_LATE)
    assert may_respond_to_order(network.housing_liaison, order)
    assert not may_respond_to_order(network.police_liaison, order)
    with pytest.raises(ActionForbidden):
        supervision_order_respond(order=order, actor=network.police_liaison, response="不是我们")
    order = supervision_order_respond(order=order, actor=network.housing_liaison, response="已派员到场。")
    assert order.status == OrderStatus.RESPONDED
    assert may_verify_order(network.township_coordinator, order)
    assert not may_verify_order(network.sibling_coordinator, order)
    order = supervision_order_verify(order=order, actor=network.township_coordinator)
    assert order.status == OrderStatus.VERIFIED


def assign_down(net, case, *, due_by):
    """A case the county assigned down to the township (the row the 下派 service writes)."""
    return Referral.objects.create(
        case=case, kind=ReferralKind.DOWN, status=ReferralStatus.ACTIVE, from_center=net.county,
        to_center=net.township, reason="属地化解", instructions="三日内化解", due_by=due_by,
        from_state=State.ASSESSING, created_by=net.county_coordinator,
    )  # fmt: skip


def test_an_overdue_referral_raises_an_order_on_the_child_center(network):
    case = network.case()
    due_by = timezone.now() + 3 * 24 * HOUR
    assign_down(network, case, due_by=due_by)
    assert deadline_sweep(now=due_by - HOUR).orders == 0

    result = deadline_sweep(now=due_by + HOUR)
    order = SupervisionOrder.objects.get(reason=Reason.REFERRAL_OVERDUE)
    assert result.orders >= 1
    assert order.department is None and order.stage == Stage.REFERRAL and order.deadline == due_by
    assert order.issuing_center == network.county and order.case == case
    told = set(
        Notification.objects.filter(kind="supervision_order", case=case).values_list("user_id", flat=True)
    )
    assert network.township_coordinator.pk in told
    assert network.county_coordinator.pk not in told and network.sibling_coordinator.pk not in told

    again = deadline_sweep(now=due_by + 2 * HOUR)
    assert SupervisionOrder.objects.filter(reason=Reason.REFERRAL_OVERDUE).count() == 1
    assert (
        again.notifications == 0
        or not Notification.objects.filter(
            kind="supervision_order", case=case, created_at__gt=order.issued_at + HOUR
        ).exists()
    )


def test_the_child_answers_an_overdue_referral_and_the_parent_verifies(network):
    case = network.case()
    due_by = timezone.now() + 24 * HOUR
    assign_down(network, case, due_by=due_by)
    deadline_sweep(now=due_by + HOUR)
    order = SupervisionOrder.objects.get(reason=Reason.REFERRAL_OVERDUE)
    for outsider in (network.sibling_coordinator, network.county_coordinator, network.sifasuo_liaison):
        assert not may_respond_to_order(outsider, order)
        with pytest.raises(ActionForbidden):
            supervision_order_respond(order=order, actor=outsider, response="x")
    assert may_respond_to_order(network.township_coordinator, order)
    order = supervision_order_respond(
        order=order, actor=network.township_coordinator, response="已调解，待签协议。"
    )
    # The center that answered does not check its own answer; the parent does.
    assert not may_verify_order(network.township_coordinator, order)
    with pytest.raises(ActionForbidden):
        supervision_order_verify(order=order, actor=network.township_coordinator)
    assert may_verify_order(network.county_leader, order) and may_verify_order(
        network.county_coordinator, order
    )
    assert (
        supervision_order_verify(order=order, actor=network.county_coordinator).status == OrderStatus.VERIFIED
    )


def test_a_closed_or_reported_referral_raises_nothing(network):
    case = network.case()
    due_by = timezone.now() + HOUR
    referral = assign_down(network, case, due_by=due_by)
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.REPORTED)
    deadline_sweep(now=due_by + HOUR)
    assert not SupervisionOrder.objects.filter(reason=Reason.REFERRAL_OVERDUE).exists()


def test_two_sweeps_at_once_issue_each_order_once(network):
    """Two workers read the same late summons and overdue referral; the constraints keep one order each."""
    from supervision.services.sweep.core import _Sweep

    case = network.case()
    whistle = blow(network, case)
    due_by = whistle.blown_at + HOUR
    assign_down(network, case, due_by=due_by)
    now = whistle.summonses.first().respond_by + HOUR
    first, second = _Sweep(now), _Sweep(now)

    def decide(sweep):
        return [sweep._network_order(d, Reason.WHISTLE_LATE) for d in sweep._late_summonses()] + [
            sweep._network_order(d, Reason.REFERRAL_OVERDUE) for d in sweep._overdue_referrals()
        ]

    rows_first, rows_second = decide(first), decide(second)
    assert len(rows_first) == len(rows_second) == 3
    assert len(first._insert_orders(rows_first)) == 3
    assert second._insert_orders(rows_second) == []
    assert SupervisionOrder.objects.count() == 3


def _sweep_queries(now) -> int:
    with CaptureQueriesContext(connection) as queries:
        deadline_sweep(now=now)
    return len(queries)


def test_the_sweeps_queries_do_not_grow_with_the_summonses(network, django_capture_on_commit_callbacks):
    def late_whistles(n):
        for _ in range(n):
            case = network.case()
            blow(network, case)
            assign_down(network, case, due_by=timezone.now() + HOUR)
        return timezone.now() + 3 * HOUR

    now = late_whistles(2)
    few = _sweep_queries(now)
    SupervisionOrder.objects.all().delete()
    Notification.objects.all().delete()
    now = late_whistles(8)
    many = _sweep_queries(now)
    assert SupervisionOrder.objects.filter(reason=Reason.WHISTLE_LATE).count() == 2 * 10
    assert SupervisionOrder.objects.filter(reason=Reason.REFERRAL_OVERDUE).count() == 10
    assert many == few
