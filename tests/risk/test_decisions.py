"""The decisions on a lead: open a case, attach, hand to a township, watch, dismiss, reopen."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case, HandlingRecord, Notification, Party, Source
from common.exceptions import ActionForbidden, ConcurrentChange, InvalidTransition
from departments.models import Role
from risk.models import Lead, LeadEvent, RiskEntry
from risk.selectors import leads_for
from risk.services import (
    lead_attach,
    lead_dismiss,
    lead_hand_to_township,
    lead_open_case,
    lead_reopen,
    lead_watch,
)
from tests.factories import CenterFactory, StaffFactory

from .conftest import item
from .leads import ID_WANG, screened, take_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(center, township, village):
    """A police lead about 王五 (ID number) and an unnamed caller (phone only), screened yellow."""
    people = [
        {"name": "王五", "phone": "13900001111", "id_number": ID_WANG, "role": "当事人"},
        {"name": "", "phone": "13700002222", "id_number": "", "role": "报警人"},
    ]
    (lead,) = take_in(center, "police", external_id="P-2026-001", people=people, category="劳动争议")
    reasons = [
        {"rule": 1, "kind": "same_person", "weight": 35, "explanation": "同一人员在警情、访情中出现"},
        {"rule": 2, "kind": "keywords", "weight": 15, "explanation": "命中关键词：讨薪"},
    ]
    return screened(lead, 50, "yellow", reasons)


def test_open_case_makes_the_people_parties_and_the_case_says_where_it_came_from(coordinator, lead, village):
    case = lead_open_case(
        actor=coordinator, lead=lead, version=lead.version, title="工地讨薪", category="labour"
    )

    assert (case.source, case.category, case.center_id) == (Source.POLICE, "labour", lead.center_id)
    assert case.place == village and case.location == lead.place_text
    assert case.description == lead.text  # no description given: the lead's text
    parties = list(case.parties.order_by("order"))
    assert [(p.name, p.phone, p.id_number) for p in parties] == [
        ("王五", "13900001111", ID_WANG),
        ("未具名", "13700002222", ""),
    ]
    assert case.proposed_colour == "yellow"
    assert "同一人员在警情、访情中出现" in case.colour_reason and "讨薪" in case.colour_reason
    create = case.events.get(transition="create")
    assert create.reason.startswith("来源：风险线索 警情 P-2026-001（接收于 ")
    assert create.data["origin"] == create.reason

    lead.refresh_from_db()
    assert (lead.state, lead.case, lead.decided_by, lead.version) == (Lead.State.OPENED, case, coordinator, 2)
    event = lead.events.get(action=LeadEvent.Action.OPENED)
    assert event.actor == coordinator and event.data["case"] == case.code


@pytest.mark.parametrize(
    ("feed", "source"),
    [("public", Source.GRID), ("opinion", Source.ONLINE), ("petition", Source.WALK_IN)],
)
def test_each_feed_maps_to_a_case_source(coordinator, center, township, feed, source):
    (lead,) = take_in(center, feed, external_id=f"{feed}-1")
    case = lead_open_case(actor=coordinator, lead=lead, version=lead.version, title="事项", category="other")
    assert case.source == source
    assert case.proposed_colour == ""  # an unscreened lead proposes nothing


def test_a_lead_without_people_cannot_open_a_case(coordinator, center, township):
    (lead,) = take_in(center, "opinion", external_id="O-1", people=[])
    with pytest.raises(ValidationError) as caught:
        lead_open_case(actor=coordinator, lead=lead, version=lead.version, title="网帖", category="other")
    assert "没有涉及人员" in str(caught.value)
    assert Case.objects.count() == 0 and Lead.objects.get(pk=lead.pk).state == Lead.State.NEW


def test_attach_links_to_an_open_case_of_the_center_without_adding_parties(coordinator, lead, new_case):
    case = new_case()
    before = list(case.parties.values_list("pk", flat=True))
    lead_attach(actor=coordinator, lead=lead, version=lead.version, case=case, note="同一工地")

    lead.refresh_from_db()
    assert (lead.state, lead.case) == (Lead.State.ATTACHED, case)
    assert list(Party.objects.filter(case=case).values_list("pk", flat=True)) == before
    record = HandlingRecord.objects.get(case=case)
    assert record.kind == "note" and "P-2026-001" in record.text and "未自动登记为当事人" in record.text
    assert lead.events.filter(action=LeadEvent.Action.ATTACHED, data__case=case.code).exists()


def test_attach_refuses_a_case_of_another_center(coordinator, lead, other_township):
    other_coordinator = StaffFactory(role=Role.COORDINATOR, center=other_township).user
    from cases.services import PartyData, case_create

    case = case_create(
        actor=other_coordinator, title="外镇案件", description="d", category="other", source="walk_in",
        parties=[PartyData(name="赵六")], center=other_township,
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        lead_attach(actor=coordinator, lead=lead, version=lead.version, case=case)
    assert caught.value.message_dict == {"case": ["只能并入本中心承办的案件。"]}
    assert Lead.objects.get(pk=lead.pk).state == Lead.State.NEW


def test_hand_to_township_moves_the_lead_to_its_queue(coordinator, lead, township, other_township):
    township_coordinator = StaffFactory(role=Role.COORDINATOR, center=township).user
    assert lead not in leads_for(township_coordinator)

    lead_hand_to_township(
        actor=coordinator, lead=lead, version=lead.version, township=township, note="请核实"
    )

    lead.refresh_from_db()
    assert (lead.state, lead.center, lead.received_center_id) == (
        Lead.State.HANDED,
        township,
        lead.received_center_id,
    )
    assert list(leads_for(township_coordinator)) == [lead]
    assert lead in leads_for(coordinator)  # the county still sees it (read-only now)
    notice = Notification.objects.get(user=township_coordinator)
    assert "P-2026-001" in notice.title and notice.url == f"/risk/leads/{lead.pk}/"
    # The township's coordinator now decides; the county's no longer may.
    with pytest.raises(ActionForbidden):
        lead_dismiss(actor=coordinator, lead=lead, version=lead.version, reason="误报")
    lead_dismiss(actor=township_coordinator, lead=lead, version=lead.version, reason="经核实已化解")


def test_hand_only_to_a_township_directly_under_the_center(coordinator, lead, center):
    elsewhere = CenterFactory(
        code="420924101", name="邻县某镇", parent=CenterFactory(code="420924", name="邻县")
    )
    with pytest.raises(ValidationError) as caught:
        lead_hand_to_township(actor=coordinator, lead=lead, version=lead.version, township=elsewhere, note="")
    assert "township" in caught.value.message_dict
    assert Lead.objects.get(pk=lead.pk).center == center


def test_watch_puts_the_lead_on_the_risk_ledger(coordinator, lead):
    review_on = timezone.localdate() + dt.timedelta(days=14)
    lead_watch(
        actor=coordinator,
        lead=lead,
        version=lead.version,
        review_on=review_on,
        measures="网格员每周走访",
        note="",
    )

    lead.refresh_from_db()
    assert (lead.state, lead.review_on) == (Lead.State.WATCHING, review_on)
    entry = RiskEntry.objects.get(lead=lead)
    assert (entry.review_on, entry.measures, entry.colour, entry.state) == (
        review_on,
        "网格员每周走访",
        "yellow",
        "open",
    )
    assert lead.events.get(action=LeadEvent.Action.WATCHED).data["review_on"] == review_on.isoformat()


def test_watch_needs_a_review_date_after_today(coordinator, lead):
    with pytest.raises(ValidationError) as caught:
        lead_watch(
            actor=coordinator,
            lead=lead,
            version=lead.version,
            review_on=timezone.localdate(),
            measures="走访",
            note="",
        )
    assert caught.value.message_dict == {"review_on": ["复查日期应晚于今天。"]}
    assert not RiskEntry.objects.exists() and Lead.objects.get(pk=lead.pk).state == Lead.State.NEW


def test_dismiss_needs_a_reason_then_reopen_brings_it_back(coordinator, lead):
    with pytest.raises(ValidationError) as caught:
        lead_dismiss(actor=coordinator, lead=lead, version=lead.version, reason="  ")
    assert caught.value.message_dict == {"reason": ["请填写排除理由。"]}

    lead = lead_dismiss(actor=coordinator, lead=lead, version=lead.version, reason="重复报警，已处理")
    assert (lead.state, lead.decision_note) == (Lead.State.DISMISSED, "重复报警，已处理")
    with pytest.raises(InvalidTransition):
        lead_open_case(actor=coordinator, lead=lead, version=lead.version, title="t", category="other")

    lead = lead_reopen(actor=coordinator, lead=lead, version=lead.version, note="当事人再次来访")
    assert lead.state == Lead.State.NEW
    assert list(lead.events.values_list("action", flat=True)) == ["received", "dismissed", "reopened"]


def test_a_stale_version_is_refused_and_nothing_changes(coordinator, lead):
    seen = lead.version
    lead_dismiss(actor=coordinator, lead=lead, version=seen, reason="误报")  # the first coordinator
    with pytest.raises(ConcurrentChange) as caught:  # the second, acting on the page they loaded
        lead_open_case(actor=coordinator, lead=lead, version=seen, title="工地讨薪", category="labour")
    assert "刚被其他人处置" in str(caught.value.message)
    lead.refresh_from_db()
    assert (lead.state, lead.case_id) == (Lead.State.DISMISSED, None)
    assert Case.objects.count() == 0
    assert lead.events.filter(action=LeadEvent.Action.OPENED).count() == 0


def test_a_feed_update_also_makes_the_page_stale(coordinator, lead, center):
    seen = lead.version
    take_in(center, "police", items=[item("P-2026-001", text="工地讨薪，有人扬言跳楼")])
    with pytest.raises(ConcurrentChange):
        lead_dismiss(actor=coordinator, lead=lead, version=seen, reason="误报")


@pytest.mark.parametrize("role", [Role.LEADER, Role.RECEPTION, Role.LIAISON, Role.ADMIN])
def test_only_a_coordinator_of_the_center_decides(lead, center, role):
    user = StaffFactory(role=role, center=center).user
    with pytest.raises(ActionForbidden):
        lead_dismiss(actor=user, lead=lead, version=lead.version, reason="误报")
    assert Lead.objects.get(pk=lead.pk).state == Lead.State.NEW


def test_a_township_coordinator_cannot_decide_on_the_countys_lead(lead, township):
    user = StaffFactory(role=Role.COORDINATOR, center=township).user
    with pytest.raises(ActionForbidden):
        lead_dismiss(actor=user, lead=lead, version=lead.version, reason="误报")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_at_once_one_wins_the_other_gets_a_conflict(
    require_postgres, center, township, village
):
    """Real row locks: two coordinators open a case from / dismiss the same lead at the same moment."""
    from tests.cases.test_concurrency import run_in_threads

    (lead,) = take_in(center, "police", external_id="P-RACE")
    first, second = (StaffFactory(role=Role.COORDINATOR, center=center).user for _ in range(2))
    results = run_in_threads(
        [
            lambda: lead_open_case(
                actor=first, lead=lead, version=lead.version, title="讨薪", category="labour"
            ),
            lambda: lead_dismiss(actor=second, lead=lead, version=lead.version, reason="误报"),
        ]
    )
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ConcurrentChange)
    lead.refresh_from_db()
    decided = LeadEvent.objects.filter(lead=lead).exclude(action=LeadEvent.Action.RECEIVED)
    assert decided.count() == 1 and lead.version == 2
    assert (lead.state == Lead.State.OPENED) == (Case.objects.count() == 1)
