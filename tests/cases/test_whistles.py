"""吹哨报到: a township summons county departments, they report and work the case as co-departments."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, HandlingRecord, Notification, WhistleSummons
from cases.permissions import is_involved_liaison, may_add_record, may_blow_whistle, sees_case
from cases.selectors import cases_visible_to, summonable_departments
from cases.services import AlreadyReported, handling_record_add, summons_report, whistle_blow
from common.exceptions import ActionForbidden, InvalidTransition
from departments.models import WhistleRule
from integrations.models import WebhookDelivery, WebhookSubscription
from tests.factories import DepartmentFactory

from .whistle_network import make_network


@pytest.fixture
def network(center):
    return make_network(center)


def blow(net, case, *departments, urgency="urgent", actor=None):
    return whistle_blow(
        case=case,
        actor=actor or net.township_coordinator,
        departments=list(departments) or [net.housing, net.police],
        urgency=urgency,
        reason="边界涉及规划红线，需住建、公安到场。",
    )


def test_summonable_departments_are_the_active_ones_of_the_level_above(network):
    DepartmentFactory(center=network.county, slug="gone", is_active=False)
    case = network.case(handling=False)
    # A township summons its county's departments, never its own (司法所) or a sibling's.
    assert list(summonable_departments(case)) == [network.housing, network.police]
    # A county holding a case (taken on from a township) summons its own functional departments,
    # and its city's when it has one: the test county has no parent.
    county_case = network.case(handling=False, center=network.county)
    assert list(summonable_departments(county_case)) == [network.housing, network.police]


def test_township_blows_the_whistle_and_the_summoned_liaisons_hear(
    network, django_capture_on_commit_callbacks
):
    subscription = WebhookSubscription.objects.create(
        name="市平台", url="https://example.org/hook", secret="s" * 32, event_types=["case.whistle"]
    )
    case = network.case()
    with django_capture_on_commit_callbacks(execute=True):
        whistle = blow(network, case)
    assert whistle.center == network.township and whistle.hours == 2
    summonses = list(whistle.summonses.order_by("department__order"))
    assert [s.department for s in summonses] == [network.housing, network.police]
    assert {s.respond_by for s in summonses} == {whistle.blown_at + dt.timedelta(hours=2)}
    assert {s.status for s in summonses} == {WhistleSummons.Status.WAITING}
    event = CaseEvent.objects.get(case=case, transition="whistle")
    assert event.from_state == event.to_state == "handling"
    assert event.data["departments"] == ["housing", "police"] and event.data["urgency"] == "urgent"
    told = set(Notification.objects.filter(event=event).values_list("user_id", flat=True))
    assert told == {network.housing_liaison.pk, network.police_liaison.pk}
    delivery = WebhookDelivery.objects.get(subscription=subscription, event_type="case.whistle")
    assert delivery.payload["departments"] == ["housing", "police"]


def test_hours_come_from_the_whistle_rule(network):
    WhistleRule.objects.update_or_create(urgency="normal", defaults={"hours": 12})
    whistle = blow(network, network.case(), network.housing, urgency="normal")
    assert whistle.hours == 12
    assert whistle.summonses.get().respond_by == whistle.blown_at + dt.timedelta(hours=12)


@pytest.mark.parametrize(
    "who",
    ["sibling_coordinator", "county_coordinator", "county_leader", "township_reception", "sifasuo_liaison"],
)
def test_only_the_holding_centers_coordinators_blow(network, who):
    case = network.case()
    user = getattr(network, who)
    assert may_blow_whistle(user, case) is False
    with pytest.raises(ActionForbidden):
        blow(network, case, actor=user)
    assert may_blow_whistle(network.township_coordinator, case) is True


def test_departments_must_be_of_the_level_above_distinct_and_some(network):
    case = network.case()
    with pytest.raises(ValidationError) as own:
        blow(network, case, network.sifasuo)
    assert "departments" in own.value.message_dict
    other_county = DepartmentFactory(center=network.sibling, slug="sibling-dept")
    with pytest.raises(ValidationError):
        blow(network, case, other_county)
    with pytest.raises(ValidationError):
        blow(network, case, network.housing, network.housing)
    with pytest.raises(ValidationError):
        whistle_blow(
            case=case, actor=network.township_coordinator, departments=[], urgency="urgent", reason="x"
        )
    with pytest.raises(ValidationError):
        whistle_blow(case=case, actor=network.township_coordinator, departments=[network.housing], urgency="x",
                     reason="x")  # fmt: skip
    with pytest.raises(ValidationError):
        whistle_blow(case=case, actor=network.township_coordinator, departments=[network.housing],
                     urgency="urgent", reason=" ")  # fmt: skip
    assert not case.whistles.exists()


def test_no_whistle_on_a_closed_or_travelling_case(network):
    case = network.case(handling=False)
    for state in ("escalated", "closed"):
        Case.objects.filter(pk=case.pk).update(state=state)
        case = Case.objects.get(pk=case.pk)
        assert may_blow_whistle(network.township_coordinator, case) is False
        with pytest.raises(InvalidTransition):
            blow(network, case)


def test_the_liaison_reports_and_the_department_becomes_a_co_department(
    network, django_capture_on_commit_callbacks
):
    case = network.case()
    summons = blow(network, case).summonses.get(department=network.housing)
    liaison = network.housing_liaison
    assert sees_case(liaison, case) and not is_involved_liaison(liaison, case)
    assert not may_add_record(liaison, case)

    with django_capture_on_commit_callbacks(execute=True):
        reported = summons_report(summons=summons, actor=liaison, attendee="王强 副局长", note="已到现场")
    assert reported.status == WhistleSummons.Status.REPORTED and reported.reported_by == liaison
    assert reported.reported_at is not None and not reported.is_late
    case.refresh_from_db()
    assert network.housing in case.co_departments.all()
    assert is_involved_liaison(liaison, case) and case in cases_visible_to(liaison)
    record = handling_record_add(
        case=case, actor=liaison, text="已核对规划红线。", kind=HandlingRecord.Kind.COOPERATION
    )
    assert record.department == network.housing

    event = CaseEvent.objects.get(case=case, transition="report_in")
    assert event.data["department"] == "housing" and event.data["late"] is False
    told = set(Notification.objects.filter(event=event).values_list("user_id", flat=True))
    assert told == {network.township_coordinator.pk}  # the whistling center's, not the county's


def test_late_report_is_recorded_as_late(network, clock):
    case = network.case()
    summons = blow(network, case).summonses.get(department=network.police)
    clock.shift(dt.timedelta(hours=4, minutes=59))  # 2 h allowed: late by 2 h 59 min, "3 hours"
    reported = summons_report(summons=summons, actor=network.police_liaison, attendee="李明 所长")
    assert reported.is_late
    event = CaseEvent.objects.get(case=case, transition="report_in")
    assert event.data["late"] is True and event.data["late_hours"] == 3


def test_report_refusals(network):
    case = network.case()
    summons = blow(network, case).summonses.get(department=network.housing)
    for user in (network.police_liaison, network.sifasuo_liaison, network.township_coordinator):
        with pytest.raises(ActionForbidden):
            summons_report(summons=summons, actor=user, attendee="某人")
    with pytest.raises(ValidationError) as missing:
        summons_report(summons=summons, actor=network.housing_liaison, attendee="  ")
    assert "attendee" in missing.value.message_dict
    summons_report(summons=summons, actor=network.housing_liaison, attendee="王强 副局长")
    with pytest.raises(AlreadyReported):
        summons_report(summons=summons, actor=network.housing_liaison, attendee="王强 副局长")
    assert CaseEvent.objects.filter(case=case, transition="report_in").count() == 1


def test_summoned_liaison_sees_the_case_before_reporting(network):
    case = network.case()
    assert not sees_case(network.housing_liaison, case)
    blow(network, case, network.housing)
    assert sees_case(network.housing_liaison, case)
    assert not sees_case(network.police_liaison, case)
    assert timezone.now() < case.whistles.get().summonses.get().respond_by


# --- Pages -------------------------------------------------------------------------------------


def test_the_case_page_blows_the_whistle(client, network, django_capture_on_commit_callbacks):
    WhistleRule.objects.update_or_create(urgency="urgent", defaults={"hours": 3})
    case = network.case()
    client.force_login(network.township_coordinator)
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "紧急（3小时内报到）" in page and "一般（24小时内报到）" in page
    assert "县住建局" in page and "白河司法所</label>" not in page
    url = reverse("cases:whistle_blow", args=[case.code])
    refused = client.post(url, {"whistle-urgency": "urgent", "whistle-reason": "到场"})
    assert refused.status_code == 400 and "whistle-departments" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "whistle-urgency": "urgent",
                "whistle-departments": [network.housing.pk, network.police.pk],
                "whistle-reason": "到场",
            },
        )
    assert response.status_code == 302
    whistle = case.whistles.get()
    assert whistle.hours == 3 and whistle.summonses.count() == 2
    # Someone else's department is refused by the form; a county coordinator may not post at all.
    sneaky = client.post(
        url, {"whistle-urgency": "urgent", "whistle-departments": [network.sifasuo.pk], "whistle-reason": "x"}
    )
    assert sneaky.status_code == 400 and case.whistles.count() == 1
    client.force_login(network.county_coordinator)
    assert client.post(url, {"whistle-urgency": "urgent"}).status_code == 403


def test_the_panel_shows_each_summons_status(client, network, clock):
    case = network.case()
    whistle = blow(network, case)
    client.force_login(network.township_coordinator)
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert page.count("待报到") >= 2
    summons_report(summons=whistle.summonses.get(department=network.housing), actor=network.housing_liaison,
                   attendee="王强 副局长")  # fmt: skip
    clock.shift(dt.timedelta(hours=4, minutes=30))
    client.force_login(network.township_coordinator)  # a new session: the idle one has expired
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "已报到 按时" in page and "王强 副局长" in page and "超时未报到" in page
    summons_report(summons=whistle.summonses.get(department=network.police), actor=network.police_liaison,
                   attendee="李明 所长")  # fmt: skip
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "已报到 超时 3 小时" in page


def test_the_summoned_liaison_reports_on_the_case_page(client, network):
    case = network.case()
    summons = blow(network, case).summonses.get(department=network.housing)
    client.force_login(network.housing_liaison)
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert f'name="report-{summons.pk}-attendee"' in page
    assert (
        f'name="report-{summons.pk}' in page and 'name="record-text"' not in page
    )  # not yet a co-department
    url = reverse("cases:summons_report", args=[case.code, summons.pk])
    missing = client.post(url, {f"report-{summons.pk}-attendee": ""})
    assert missing.status_code == 400
    assert client.post(url, {f"report-{summons.pk}-attendee": "王强 副局长"}).status_code == 302
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'name="record-text"' in page and f'name="report-{summons.pk}-attendee"' not in page
    response = client.post(
        reverse("cases:record_add", args=[case.code]),
        {"record-kind": "cooperation", "record-text": "已核对红线。"},
    )
    assert response.status_code == 302
    assert HandlingRecord.objects.get(case=case).department == network.housing
    # The police liaison was summoned too, but this is the housing bureau's summons.
    client.force_login(network.police_liaison)
    assert client.post(url, {f"report-{summons.pk}-attendee": "x"}).status_code == 403


def test_the_desk_lists_summonses_waiting_earliest_first_overdue_in_red(
    client, network, clock, django_assert_num_queries
):
    first_case, second_case = network.case(), network.case()
    whistle_blow(case=first_case, actor=network.township_coordinator, departments=[network.housing],
                 urgency="normal", reason="x")  # fmt: skip
    blow(network, second_case, network.housing)
    client.force_login(network.housing_liaison)
    desk = client.get(reverse("cases:department_desk"))
    rows = desk.context["summonses"]
    assert [s.whistle.case for s in rows] == [second_case, first_case]  # 2 hours before 24
    clock.shift(dt.timedelta(hours=3))
    client.force_login(network.housing_liaison)
    html = client.get(reverse("cases:department_desk")).content.decode()
    section = html[html.index('id="group-summonses"') : html.index('<nav class="tabs">')]
    assert section.count('class="overdue"') == 1 and "超时未报到" in section


@pytest.mark.parametrize("n", [2, 12])
def test_the_desk_queries_do_not_grow_with_the_summonses(client, network, n, django_assert_num_queries):
    for _ in range(n):
        blow(network, network.case(), network.housing)
    client.force_login(network.housing_liaison)
    # As pinned in test_coordination: 9 for the page, 3 menu counts, 2 most urgent items.
    with django_assert_num_queries(14):
        response = client.get(reverse("cases:department_desk"))
    assert len(response.context["summonses"]) == n


@pytest.mark.parametrize("n", [1, 6])
def test_the_case_page_queries_do_not_grow_with_the_whistles(client, network, n, django_assert_num_queries):
    case = network.case()
    for _ in range(n):
        blow(network, case)
    client.force_login(network.township_coordinator)
    # As pinned in test_coordination (20), and the whistle form's rule hours and departments (2) and
    # the summonses (1).
    with django_assert_num_queries(23):
        response = client.get(reverse("cases:detail", args=[case.code]))
    assert len(response.context["whistle_panel"]["whistles"]) == n
