"""Cases travelling between centers: 上报 / 接收 / 退回下级, 下派 with the parent's review, 移交 via the common parent."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseEvent, Notification, Referral, ReferralKind, ReferralStatus, State
from cases.permissions import available_transitions
from cases.services import (
    case_accept,
    case_assign,
    case_assign_down,
    case_close,
    case_escalate,
    case_return_down,
    case_return_to_center,
    case_submit_result,
    case_take_over,
    case_transfer,
    case_transfer_accept,
    case_transfer_decline,
    case_withdraw,
    referral_approve,
    referral_send_back,
    transfer_targets,
)
from common.exceptions import ActionForbidden, InvalidTransition
from departments.models import Role
from integrations.models import WebhookDelivery, WebhookSubscription

from ..factories import DepartmentFactory, StaffFactory
from .network_tree import build_tree, take_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(center):
    return build_tree(center)


def _notified(event_transition: str) -> set[int]:
    return set(Notification.objects.filter(kind=event_transition).values_list("user_id", flat=True))


# --- 上报 --------------------------------------------------------------------------------------


def test_escalate_take_over_keeps_the_code_and_moves_the_case(tree, django_capture_on_commit_callbacks):
    a1_coord, county_coord = tree.staff(tree.a1), tree.staff(tree.county)
    other_county_coord = tree.staff(tree.county_b)
    case = take_in(tree.a1, coordinator=a1_coord)
    code = case.code
    with django_capture_on_commit_callbacks(execute=True):
        case = case_escalate(case=case, actor=a1_coord, reason="涉及两个乡镇", reason_kind="several_places")
    assert case.state == State.ESCALATED and case.center_id == tree.a1.pk
    referral = Referral.objects.get(case=case)
    assert (
        referral.kind,
        referral.status,
        referral.from_center,
        referral.to_center,
        referral.from_state,
    ) == (
        ReferralKind.UP,
        ReferralStatus.PENDING,
        tree.a1,
        tree.county,
        State.ASSESSING,
    )
    assert referral.reason_kind == "several_places"
    event = CaseEvent.objects.get(case=case, transition="escalate")
    assert event.data["from_center"] == tree.a1.code and event.data["to_center"] == tree.county.code
    assert event.data["referral"] == referral.pk
    # The parent's coordinators hear of it, not another county's.
    assert county_coord.pk in _notified("escalate")
    assert other_county_coord.pk not in _notified("escalate")
    # The parent decides; the sender may only record a withdrawal meanwhile.
    assert available_transitions(case, a1_coord) == ["withdraw"]
    assert set(available_transitions(case, county_coord)) >= {"take_over", "return_down"}

    with django_capture_on_commit_callbacks(execute=True):
        case = case_take_over(case=case, actor=county_coord, note="县里接手")
    case.refresh_from_db()
    assert case.code == code
    assert case.state == State.ASSESSING and case.center_id == tree.county.pk
    assert case.assess_by > timezone.now()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.decided_by == county_coord
    assert a1_coord.pk in _notified("take_over")
    # The events keep following the same case: escalate then take_over.
    assert list(case.events.order_by("id").values_list("transition", flat=True))[-2:] == [
        "escalate",
        "take_over",
    ]


def test_escalate_needs_a_parent(tree):
    city_coord = tree.staff(tree.city)
    case = take_in(tree.city, coordinator=city_coord)
    with pytest.raises(ValidationError, match="本中心没有上级中心，无法上报。"):
        case_escalate(case=case, actor=city_coord, reason="x")


def test_escalate_refuses_the_wrong_center_and_role(tree):
    case = take_in(tree.a1)
    with pytest.raises(ActionForbidden):
        case_escalate(case=case, actor=tree.staff(tree.a2), reason="x")
    with pytest.raises(ActionForbidden):
        case_escalate(case=case, actor=tree.staff(tree.a1, Role.RECEPTION), reason="x")
    with pytest.raises(ValidationError):
        case_escalate(case=case, actor=tree.staff(tree.a1), reason="x", reason_kind="nonsense")
    assert not Referral.objects.exists()


def test_take_over_only_by_the_parent(tree):
    a1_coord = tree.staff(tree.a1)
    case = case_escalate(case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, reason="x")
    for outsider in (a1_coord, tree.staff(tree.county_b), tree.staff(tree.city)):
        with pytest.raises(ActionForbidden):
            case_take_over(case=case, actor=outsider)
    with pytest.raises(ActionForbidden):
        case_take_over(case=case, actor=tree.staff(tree.county, Role.LEADER))


def test_return_down_resumes_where_it_was_with_instructions(tree, django_capture_on_commit_callbacks):
    a1_coord, county_coord = tree.staff(tree.a1), tree.staff(tree.county)
    case = case_escalate(case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, reason="x")
    with pytest.raises(ValidationError):
        case_return_down(case=case, actor=county_coord, instructions="  ")
    with django_capture_on_commit_callbacks(execute=True):
        case = case_return_down(case=case, actor=county_coord, instructions="先组织村委调解")
    assert case.state == State.ASSESSING and case.center_id == tree.a1.pk
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.RETURNED and referral.instructions == "先组织村委调解"
    assert CaseEvent.objects.get(case=case, transition="return_down").data["instructions"] == "先组织村委调解"
    assert a1_coord.pk in _notified("return_down")
    # And it may be reported again (one open hop at a time).
    case_escalate(case=case, actor=a1_coord, reason="调解不成")
    assert Referral.objects.filter(case=case, status=ReferralStatus.PENDING).count() == 1


def test_take_over_in_the_wrong_state_is_a_conflict(tree):
    case = take_in(tree.a1)
    with pytest.raises((InvalidTransition, ActionForbidden)):
        case_take_over(case=case, actor=tree.staff(tree.county))


# --- 下派 --------------------------------------------------------------------------------------


def _assign_down(tree, *, county_coord=None):
    county_coord = county_coord or tree.staff(tree.county)
    case = take_in(tree.county, coordinator=county_coord)
    due = timezone.now() + dt.timedelta(days=10)
    case = case_assign_down(
        case=case, actor=county_coord, center=tree.a1, instructions="请花园镇办理", due_by=due
    )
    return case, county_coord


def _close_at(case, center):
    coord = StaffFactory(role=Role.COORDINATOR, center=center).user
    department = DepartmentFactory(center=center)
    liaison = StaffFactory(role=Role.LIAISON, center=center, department=department).user
    case = case_assign(case=case, actor=coord, risk_colour="blue", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    case = case_submit_result(case=case, actor=liaison, result="已调解")
    return case_close(case=case, actor=coord), coord


def test_assign_down_then_the_parent_approves(tree, django_capture_on_commit_callbacks):
    a1_coord = tree.staff(tree.a1)
    with django_capture_on_commit_callbacks(execute=True):
        case, county_coord = _assign_down(tree)
    assert case.center_id == tree.a1.pk and case.state == State.ASSESSING
    referral = Referral.objects.get(case=case)
    assert (referral.kind, referral.status) == (ReferralKind.DOWN, ReferralStatus.ACTIVE)
    assert a1_coord.pk in _notified("assign_down")
    with django_capture_on_commit_callbacks(execute=True):
        case, _coord = _close_at(case, tree.a1)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REPORTED and referral.reported_at is not None
    assert county_coord.pk in _notified("close")
    # Only the parent reviews.
    with pytest.raises(ActionForbidden):
        referral_approve(case=case, actor=a1_coord)
    case = referral_approve(case=case, actor=county_coord, note="同意")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert case.events.filter(transition="approve_down").exists()


def test_the_parent_sends_the_closing_back(tree):
    case, county_coord = _assign_down(tree)
    case, _coord = _close_at(case, tree.a1)
    with pytest.raises(ValidationError):
        referral_send_back(case=case, actor=county_coord, reason="")
    case = referral_send_back(case=case, actor=county_coord, reason="当事人仍有异议")
    case.refresh_from_db()
    assert case.state == State.HANDLING and case.center_id == tree.a1.pk
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.ACTIVE and referral.reported_at is None
    assert case.events.filter(transition="reject_down").exists()


def test_assign_down_refusals(tree):
    county_coord = tree.staff(tree.county)
    case = take_in(tree.county, coordinator=county_coord)
    due = timezone.now() + dt.timedelta(days=5)
    with pytest.raises(ValidationError):  # not a direct child
        case_assign_down(case=case, actor=county_coord, center=tree.b1, instructions="x", due_by=due)
    with pytest.raises(ValidationError):  # in the past
        case_assign_down(
            case=case,
            actor=county_coord,
            center=tree.a1,
            instructions="x",
            due_by=timezone.now() - dt.timedelta(1),
        )
    with pytest.raises(ValidationError):  # no instructions
        case_assign_down(case=case, actor=county_coord, center=tree.a1, instructions="", due_by=due)
    with pytest.raises(ActionForbidden):  # the city oversees, it does not hold the case
        case_assign_down(case=case, actor=tree.staff(tree.city), center=tree.a1, instructions="x", due_by=due)


# --- 移交 --------------------------------------------------------------------------------------


def test_transfer_across_counties_through_the_city(tree, django_capture_on_commit_callbacks):
    a1_coord, city_coord, b1_coord = tree.staff(tree.a1), tree.staff(tree.city), tree.staff(tree.b1)
    case = take_in(tree.a1, coordinator=a1_coord)
    code, parties = case.code, list(case.parties.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        case = case_transfer(case=case, actor=a1_coord, to_center=tree.b1, reason="事发地在书院街道")
    referral = Referral.objects.get(case=case)
    assert referral.via_center == tree.city and referral.status == ReferralStatus.PENDING
    assert case.state == State.TRANSFERRING
    assert city_coord.pk in _notified("transfer")
    with pytest.raises(ActionForbidden):
        case_transfer_accept(case=case, actor=tree.staff(tree.county))
    with django_capture_on_commit_callbacks(execute=True):
        case = case_transfer_accept(case=case, actor=city_coord)
    case.refresh_from_db()
    assert case.center_id == tree.b1.pk and case.state == State.ASSESSING and case.code == code
    assert list(case.parties.values_list("pk", flat=True)) == parties
    assert {a1_coord.pk, b1_coord.pk} <= _notified("transfer_accept")
    assert "transfer" in case.events.values_list("transition", flat=True)


def test_transfer_decline_keeps_the_case(tree):
    a1_coord, city_coord = tree.staff(tree.a1), tree.staff(tree.city)
    case = take_in(tree.a1, coordinator=a1_coord)
    case = case_transfer(case=case, actor=a1_coord, to_center=tree.county_b, reason="x")
    with pytest.raises(ValidationError):
        case_transfer_decline(case=case, actor=city_coord, reason="")
    case = case_transfer_decline(case=case, actor=city_coord, reason="属本县管辖")
    assert case.state == State.ASSESSING and case.center_id == tree.a1.pk
    assert Referral.objects.get(case=case).status == ReferralStatus.RETURNED


def test_transfer_within_the_branch_is_refused(tree):
    a1_coord = tree.staff(tree.a1)
    case = take_in(tree.a1, coordinator=a1_coord)
    for target in (tree.county, tree.city):  # ancestors
        with pytest.raises(ValidationError):
            case_transfer(case=case, actor=a1_coord, to_center=target, reason="x")
    county_coord = tree.staff(tree.county)
    county_case = take_in(tree.county, coordinator=county_coord)
    with pytest.raises(ValidationError):  # a descendant
        case_transfer(case=county_case, actor=county_coord, to_center=tree.a1, reason="x")
    # A sibling township has the county as common parent: allowed (another branch under it).
    case = case_transfer(case=case, actor=a1_coord, to_center=tree.a2, reason="x")
    assert Referral.objects.get(case=case).via_center == tree.county


def test_transfer_targets_are_other_branches(tree):
    targets = set(transfer_targets(tree.a1))
    assert targets == {tree.a2, tree.county_b, tree.b1}


# --- Webhooks ---------------------------------------------------------------------------------


def test_webhook_rows_carry_the_hop(tree, django_capture_on_commit_callbacks):
    WebhookSubscription.objects.create(
        name="hub", url="https://hooks.example.com/zz", event_types=["case.transition"], secret="s" * 32
    )
    a1_coord = tree.staff(tree.a1)
    case = take_in(tree.a1, coordinator=a1_coord)
    with django_capture_on_commit_callbacks(execute=True):
        case_escalate(case=case, actor=a1_coord, reason="x")
    delivery = WebhookDelivery.objects.filter(payload__transition="escalate").get()
    assert delivery.payload["referral"]["from_center"] == tree.a1.code
    assert delivery.payload["referral"]["to_center"] == tree.county.code
    assert delivery.payload["referral"]["referral_kind"] == "up"


def test_a_withdrawal_ends_the_open_hop(tree):
    a1_coord = tree.staff(tree.a1)
    case = case_escalate(case=take_in(tree.a1, coordinator=a1_coord), actor=a1_coord, reason="x")
    case = case_withdraw(case=case, actor=a1_coord, reason="当事人撤回")
    assert case.state == State.WITHDRAWN
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.RETURNED and referral.decision_note == "当事人撤回"


# --- Who hears of each step -----------------------------------------------------------------------


def test_decisions_reach_the_sender_and_the_child(tree, django_capture_on_commit_callbacks):
    a1_coord, city_coord = tree.staff(tree.a1), tree.staff(tree.city)
    bystander = tree.staff(tree.county)  # the county between them hears nothing of a transfer decision
    case = take_in(tree.a1, coordinator=a1_coord)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_transfer(case=case, actor=a1_coord, to_center=tree.b1, reason="x")
        case = case_transfer_decline(case=case, actor=city_coord, reason="属本县管辖")
    assert _notified("transfer_decline") == {a1_coord.pk}
    assert bystander.pk not in _notified("transfer")

    county_coord = tree.staff(tree.county)
    with django_capture_on_commit_callbacks(execute=True):
        down, _ = _assign_down(tree, county_coord=county_coord)
        down, _child = _close_at(down, tree.a1)
        referral_send_back(case=down, actor=county_coord, reason="再核实")
    assert a1_coord.pk in _notified("reject_down")
    assert county_coord.pk not in _notified("reject_down")


def test_the_centers_own_coordinators_hear_of_a_return(tree, django_capture_on_commit_callbacks):
    """A department's return goes to the coordinators of the center holding the case, not every center's."""
    a1_coord, a2_coord = tree.staff(tree.a1), tree.staff(tree.a2)
    department = DepartmentFactory(center=tree.a1)
    liaison = StaffFactory(role=Role.LIAISON, center=tree.a1, department=department).user
    case = take_in(tree.a1, coordinator=a1_coord)
    case = case_assign(case=case, actor=a1_coord, risk_colour="blue", lead_department=department)
    with django_capture_on_commit_callbacks(execute=True):
        case_return_to_center(case=case, actor=liaison, reason="不属本单位")
    assert a1_coord.pk in _notified("return_to_center")
    assert a2_coord.pk not in _notified("return_to_center")
