"""demo.travel: the travelling cases and whistles of the demo, played through the network services.

Until the network services are merged (cases.services.network, the whistle services), they are
stood in for by minimal fakes of the agreed contract (/tmp/rules.md), so the scenarios, the
actors at each center and the dating back are tested now; with the real services the same test
runs against them.
"""

import datetime as dt
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

import cases.services as case_services
from cases.models import Case, CaseEvent, State
from cases.models.network import Referral, Whistle, WhistleSummons
from cases.services.base import _log, _transition
from demo import network as net
from demo.management.commands.seed_demo import TRAVEL_SERVICES, seed_departments, seed_users
from demo.travel import KEY, seed_travel
from departments.models import Center, WhistleRule

pytestmark = pytest.mark.django_db

REAL_SERVICES = all(hasattr(case_services, name) for name in TRAVEL_SERVICES)


# --- Stand-ins of the contract, used only while the real services are not there ---------------------


def _open(case):
    return Referral.objects.get(case=case, status__in=["pending", "active", "reported"])


def fake_escalate(*, case, actor, reason, reason_kind="other"):
    from_state, center = case.state, case.center
    case = _transition(case, actor=actor, name="escalate", fire=lambda c: c.escalate(), reason=reason)
    Referral.objects.create(
        case=case, kind="up", status="pending", from_center=center, to_center=center.parent,
        reason_kind=reason_kind, reason=reason, from_state=from_state, created_by=actor,
    )  # fmt: skip
    return case


def _decide(referral, actor, status, note=""):
    referral.status, referral.decided_by, referral.decided_at = status, actor, timezone.now()
    referral.decision_note = note
    referral.save()


def fake_take_over(*, case, actor, note=""):
    referral = _open(case)
    case = _transition(
        case, actor=actor, name="take_over", fire=lambda c: c.take_over(center=referral.to_center),
        fields=["center", "lead_department", "accept_by", "due_by", "accepted_at"],
    )  # fmt: skip
    _decide(referral, actor, "accepted", note)
    return case


def fake_return_down(*, case, actor, instructions):
    referral = _open(case)
    case = _transition(
        case, actor=actor, name="return_down", fire=lambda c: c.return_down(to_state=referral.from_state)
    )
    _decide(referral, actor, "returned", instructions)
    return case


def fake_assign_down(*, case, actor, center, instructions, due_by):
    from_center = case.center
    case = _transition(
        case, actor=actor, name="assign_down", fire=lambda c: c.assign_down(center=center),
        fields=["center", "lead_department"],
    )  # fmt: skip
    Referral.objects.create(
        case=case, kind="down", status="active", from_center=from_center, to_center=center,
        reason=instructions, instructions=instructions, due_by=due_by, from_state="assessing", created_by=actor,
    )  # fmt: skip
    return case


def fake_referral_approve(*, case, actor, note=""):
    _decide(_open(case), actor, "accepted", note)
    _log(case, actor, "approve_down", case.state, case.state, reason=note)
    return case


def fake_referral_send_back(*, case, actor, reason):
    raise NotImplementedError


def fake_transfer(*, case, actor, to_center, reason):
    from_state, center = case.state, case.center
    case = _transition(case, actor=actor, name="transfer", fire=lambda c: c.transfer(), reason=reason)
    Referral.objects.create(
        case=case, kind="transfer", status="pending", from_center=center, to_center=to_center,
        via_center=center.common_parent(to_center), reason=reason, from_state=from_state, created_by=actor,
    )  # fmt: skip
    return case


def fake_transfer_accept(*, case, actor, note=""):
    referral = _open(case)
    case = _transition(
        case, actor=actor, name="transfer_accept", fire=lambda c: c.transfer_accept(center=referral.to_center),
        fields=["center", "lead_department"],
    )  # fmt: skip
    _decide(referral, actor, "accepted", note)
    return case


def fake_transfer_decline(*, case, actor, reason):
    raise NotImplementedError


def fake_whistle_blow(*, case, actor, departments, urgency, reason):
    now, hours = timezone.now(), WhistleRule.hours_for(urgency)
    whistle = Whistle.objects.create(
        case=case,
        center=case.center,
        urgency=urgency,
        hours=hours,
        reason=reason,
        blown_by=actor,
        blown_at=now,
    )
    for department in departments:
        WhistleSummons.objects.create(
            whistle=whistle, department=department, respond_by=now + dt.timedelta(hours=hours)
        )
    _log(case, actor, "whistle", case.state, case.state, reason=reason)
    return whistle


def fake_summons_report(*, summons, actor, attendee, note=""):
    summons.status, summons.reported_at, summons.reported_by = "reported", timezone.now(), actor
    summons.attendee, summons.note = attendee, note
    summons.save()
    case = summons.whistle.case
    case.co_departments.add(summons.department)
    _log(case, actor, "report_in", case.state, case.state, reason=note)
    return summons


FAKES = {
    "case_escalate": fake_escalate,
    "case_take_over": fake_take_over,
    "case_return_down": fake_return_down,
    "case_assign_down": fake_assign_down,
    "referral_approve": fake_referral_approve,
    "referral_send_back": fake_referral_send_back,
    "case_transfer": fake_transfer,
    "case_transfer_accept": fake_transfer_accept,
    "case_transfer_decline": fake_transfer_decline,
    "whistle_blow": fake_whistle_blow,
    "summons_report": fake_summons_report,
}


# The fakes stand in by group: the flows (上报/下派/移交) and the whistle, whichever is not merged yet.
WHISTLE_SERVICES = ("whistle_blow", "summons_report")


@pytest.fixture
def services(monkeypatch):
    for group, present in (
        ([n for n in FAKES if n not in WHISTLE_SERVICES], hasattr(case_services, "case_take_over")),
        (WHISTLE_SERVICES, hasattr(case_services, "whistle_blow")),
    ):
        if not present:
            for name in group:
                monkeypatch.setattr(case_services, name, FAKES[name], raising=False)


@pytest.fixture
def seeded(services):
    call_command("seed_demo", cases=0, stdout=io.StringIO())
    county = Center.objects.get(code="420923")
    network = net.seed_network(county, password_hash_for=lambda missing: (None, False))
    staff = seed_users(county, seed_departments(county), reset_passwords=False)
    return network, staff


def test_cases_travel_up_down_and_across_and_whistles_are_answered_on_time_and_late(seeded):
    network, staff = seeded
    out = io.StringIO()
    assert seed_travel(network=network, county_staff=staff, stdout=out, strict=True) == 10
    now = timezone.now()
    cases = {c.intake_key.removeprefix(f"{KEY}-"): c for c in Case.objects.filter(intake_key__startswith=KEY)}
    county, city, nanhu = network.county, network.city, network.second_county
    baihe, qingshi, liuhe = (network.townships[t] for t in ("baihe", "qingshi", "liuhe"))

    def referral(name):
        return Referral.objects.filter(case=cases[name]).order_by("-created_at", "-id").first()

    # 上报: taken on by the county (closed there; in hand), sent back down, waiting.
    up = referral("up-closed")
    assert (up.kind, up.status, up.from_center, up.to_center) == ("up", "accepted", baihe, county)
    assert up.reason_kind == "beyond_powers"
    assert cases["up-closed"].center == county and cases["up-closed"].intake_center == baihe
    assert cases["up-closed"].state == State.CLOSED
    assert cases["up-in-hand"].center == county and cases["up-in-hand"].state == State.HANDLING
    assert referral("up-sent-back").status == "returned"
    assert cases["up-sent-back"].center == qingshi and cases["up-sent-back"].state == State.HANDLING
    assert cases["up-sent-back"].lead_department.center == qingshi
    waiting = referral("up-waiting")
    assert (waiting.status, waiting.to_center, waiting.reason_kind) == ("pending", county, "red_risk")
    assert cases["up-waiting"].state == State.ESCALATED and cases["up-waiting"].center == liuhe

    # 下派: one closed by the township and approved by the county, one past the county's deadline.
    approved = referral("down-approved")
    assert (approved.kind, approved.status, approved.from_center, approved.to_center) == (
        "down", "accepted", county, baihe,
    )  # fmt: skip
    assert cases["down-approved"].state == State.CLOSED and cases["down-approved"].center in (baihe, county)
    assert cases["down-approved"].lead_department.center == baihe  # the township's own department did it
    overdue = referral("down-overdue")
    assert (overdue.kind, overdue.status, overdue.to_center) == ("down", "active", qingshi)
    assert overdue.due_by < now and overdue.due_by - overdue.created_at == dt.timedelta(days=10)
    assert cases["down-overdue"].state == State.HANDLING

    # 移交: 江北县 → 南湖区 through the city, accepted; another waiting at the city.
    moved = referral("transfer-accepted")
    assert (moved.kind, moved.status, moved.via_center, moved.to_center) == (
        "transfer",
        "accepted",
        city,
        nanhu,
    )
    assert cases["transfer-accepted"].center == nanhu and cases["transfer-accepted"].intake_center == county
    assert cases["transfer-accepted"].lead_department.center == nanhu
    assert cases["transfer-waiting"].state == State.TRANSFERRING
    assert referral("transfer-waiting").via_center == city

    # 吹哨报到: township whistles to county departments: on time, late, and never answered.
    answers = {
        (s.whistle.case.intake_key.removeprefix(f"{KEY}-"), s.department.slug): s
        for s in WhistleSummons.objects.select_related("whistle__case", "department")
    }
    assert {k: (s.status, s.is_late) for k, s in answers.items()} == {
        ("whistle-late", "housing"): ("reported", False),
        ("whistle-late", "natres"): ("reported", True),
        ("whistle-unanswered", "police"): ("reported", False),
        ("whistle-unanswered", "petition"): ("waiting", False),
    }
    assert answers["whistle-unanswered", "petition"].respond_by < now  # overdue, unanswered
    for summons in answers.values():
        assert summons.department.center == county and summons.whistle.center.level == "township"
        assert summons.respond_by - summons.whistle.blown_at == dt.timedelta(hours=summons.whistle.hours)
    assert answers["whistle-late", "housing"].whistle.hours == 2

    # Dated in the past, in order, staff acting on weekdays; places within the case's center.
    events = defaultdict(list)
    for event in CaseEvent.objects.filter(case__intake_key__startswith=KEY).order_by(
        "case_id", "created_at", "id"
    ):
        events[event.case_id].append(event)
        assert event.created_at < now and timezone.localtime(event.created_at).weekday() < 5
    for case in cases.values():
        log = events[case.pk]
        assert log[0].transition == "create" and log[0].created_at == case.created_at
        assert [e.pk for e in log] == sorted(e.pk for e in log)
        assert case.created_at < now - dt.timedelta(days=1)
        if case.place_id:
            assert case.place.township.is_within(case.intake_center)
    assert Referral.objects.filter(created_at__gt=now).count() == 0
    assert Whistle.objects.filter(blown_at__gt=now).count() == 0

    # Once only.
    before = Case.objects.count(), Referral.objects.count(), WhistleSummons.objects.count()
    assert seed_travel(network=network, county_staff=staff, strict=True) == 0
    assert (Case.objects.count(), Referral.objects.count(), WhistleSummons.objects.count()) == before


def test_a_scenario_the_services_refuse_is_left_out_not_fatal(seeded, monkeypatch):
    network, staff = seeded

    def refuse(**kwargs):
        raise ValueError("不行")

    monkeypatch.setattr(case_services, "case_transfer", refuse, raising=False)
    out = io.StringIO()
    assert seed_travel(network=network, county_staff=staff, stdout=out) == 8
    assert "跳过“transfer-accepted”" in out.getvalue()
    assert not Case.objects.filter(intake_key__startswith=f"{KEY}-transfer").exists()
