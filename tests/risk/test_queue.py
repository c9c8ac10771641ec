"""The screening queue and the lead page: who sees them, what they show, the decisions' forms."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from departments.models import Role
from risk.models import Lead
from tests.factories import StaffFactory

from .leads import ID_WANG, many, screened, take_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(center, township, village):
    people = [{"name": "王五", "phone": "13900001111", "id_number": ID_WANG, "role": "当事人"}]
    (lead,) = take_in(center, "police", external_id="P-2026-001", people=people)
    reasons = [{"rule": 1, "kind": "keywords", "weight": 40, "explanation": "命中关键词：讨薪、跳楼"}]
    return screened(
        lead, 40, "yellow", reasons, escalation_probability=0.42,
        grading_factors=[{"label": "涉及人数多", "weight": 0.8}, "近期有重复来访"],
    )  # fmt: skip


def login(client, role, center):
    user = StaffFactory(role=role, center=center).user
    client.force_login(user)
    return user


def action_url(lead, name):
    return reverse("risk:lead_action", args=[lead.pk, name])


# --- The queue ----------------------------------------------------------------------------------


def test_the_queue_lists_highest_score_first_with_people_masked(client, coordinator, center, lead):
    low, high = many(center, 2, prefix="L")
    client.force_login(coordinator)
    response = client.get(reverse("risk:leads"))
    assert response.status_code == 200
    assert [x.pk for x in response.context["leads"]] == [lead.pk, high.pk, low.pk]
    body = response.content.decode()
    assert "王*" in body and "王五" not in body
    assert "42%" in body  # the grading's probability; "—" where there is none
    assert "命中关键词：讨薪、跳楼" in body


def test_the_queue_filters(client, coordinator, center, township, other_township, lead):
    many(center, 3, prefix="L")
    take_in(center, "petition", external_id="V-1", township_code=other_township.code)
    client.force_login(coordinator)
    get = lambda **q: [x.external_id for x in client.get(reverse("risk:leads"), q).context["leads"]]  # noqa: E731
    assert get(feed="petition") == ["V-1"]
    assert get(min_score=3) == ["P-2026-001", "L-3"]
    assert get(township=other_township.pk) == ["V-1"]
    Lead.objects.filter(external_id="L-3").update(state="dismissed")
    assert "L-3" not in get()  # the default: what is still to act on
    assert get(state="dismissed") == ["L-3"]
    assert "L-3" in get(state="all")
    response = client.get(reverse("risk:leads"), {"min_score": "abc"})
    assert response.status_code == 200 and "请输入整数" in response.content.decode()


def test_the_queue_paginates_by_fifty(client, coordinator, center, township):
    many(center, 51)
    client.force_login(coordinator)
    first = client.get(reverse("risk:leads"))
    assert len(first.context["leads"]) == 50 and first.context["page"].paginator.num_pages == 2
    second = client.get(reverse("risk:leads"), {"page": 2})
    assert [x.external_id for x in second.context["leads"]] == ["P-1"]


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.LIAISON, Role.ADMIN])
def test_other_roles_get_403(client, center, department, lead, role):
    StaffFactory(role=role, center=center)
    user = StaffFactory(
        role=role, center=center, **({"department": department} if role == Role.LIAISON else {})
    ).user
    client.force_login(user)
    assert client.get(reverse("risk:leads")).status_code == 403
    assert client.get(reverse("risk:lead", args=[lead.pk])).status_code == 403
    assert (
        client.post(action_url(lead, "dismiss"), {"dismiss-version": 1, "dismiss-reason": "x"}).status_code
        == 403
    )


def test_the_queue_needs_a_login(client, lead):
    response = client.get(reverse("risk:leads"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_queue_runs_the_same_queries_for_5_and_30_leads(
    client, coordinator, center, township, django_assert_num_queries
):
    client.force_login(coordinator)
    url = reverse("risk:leads")
    many(center, 5, prefix="A")
    query_count(client, url)  # warm the per-process caches (center name, content types)
    with django_assert_num_queries(QUEUE_QUERIES):
        client.get(url)
    many(center, 25, prefix="B")
    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(client.get(url).context["leads"]) == 30


# session, user, profile, unread notices, the menu's 3 tallies; townships (filter), count, page, people
QUEUE_QUERIES = 11
# ... lead, its people, events; the hand form's townships (exists + choices); the history's people, parties
LEAD_QUERIES = 14


# --- The lead page ------------------------------------------------------------------------------


def test_the_lead_page_shows_everything_masked_with_the_decisions(client, coordinator, lead):
    client.force_login(coordinator)
    response = client.get(reverse("risk:lead", args=[lead.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert lead.text in body
    assert "王*" in body and "139****1111" in body and "1101**********002X" in body
    assert "13900001111" not in body and ID_WANG not in body
    assert "命中关键词：讨薪、跳楼" in body and "+40" in body
    assert "涉及人数多" in body and "近期有重复来访" in body  # grading factors: a dict or a string
    for name in ("open_case", "attach", "hand", "watch", "dismiss"):
        assert f'id="form-{name}"' in body
    assert 'id="form-reopen"' not in body
    assert response.context["actions"][0]["form"].initial["title"] == lead.text[:60]


def test_the_lead_page_shows_the_peoples_history(client, coordinator, center, lead, other_township, new_case):
    # The same person in a petition visit (by ID number) and as a party to two cases.
    take_in(center, "petition", external_id="V-9", people=[{"name": "王五", "id_number": ID_WANG}])
    from cases.services import PartyData, case_create

    mine = new_case(parties=[PartyData(name="王五", id_number=ID_WANG)])
    outsider = StaffFactory(role=Role.COORDINATOR, center=other_township).user
    theirs = case_create(
        actor=outsider, title="外镇的秘密事项", description="d", category="other", source="walk_in",
        parties=[PartyData(name="王五", id_number=ID_WANG)], center=other_township,
    )  # fmt: skip
    township_user = StaffFactory(role=Role.COORDINATOR, center=other_township).user
    client.force_login(coordinator)
    response = client.get(reverse("risk:lead", args=[lead.pk]))
    (history,) = response.context["history"]
    assert history.matched_by == "id_number"
    assert [x.external_id for x in history.leads] == ["V-9"]
    assert {seen.case.code: seen.visible for seen in history.cases} == {mine.code: True, theirs.code: True}
    # A township coordinator sees the county's case by code, center and state only.
    Lead.objects.filter(pk=lead.pk).update(center=other_township)
    client.force_login(township_user)
    body = client.get(reverse("risk:lead", args=[lead.pk])).content.decode()
    assert mine.code_display in body and mine.title not in body
    assert "外镇的秘密事项" in body


def test_the_lead_page_runs_the_same_queries_for_1_and_8_people(
    client, coordinator, center, township, django_assert_num_queries
):
    client.force_login(coordinator)
    people = lambda n: [{"name": f"李{i}", "phone": f"1360000{i:04d}", "role": ""} for i in range(n)]  # noqa: E731
    (one,) = take_in(center, "police", external_id="Q-1", people=people(1))
    (eight,) = take_in(center, "police", external_id="Q-8", people=people(8))
    query_count(client, reverse("risk:lead", args=[one.pk]))
    with django_assert_num_queries(LEAD_QUERIES):
        client.get(reverse("risk:lead", args=[one.pk]))
    with django_assert_num_queries(LEAD_QUERIES):
        client.get(reverse("risk:lead", args=[eight.pk]))


def test_a_leader_reads_without_forms(client, center, lead):
    login(client, Role.LEADER, center)
    assert client.get(reverse("risk:leads")).status_code == 200
    response = client.get(reverse("risk:lead", args=[lead.pk]))
    assert response.status_code == 200 and 'id="actions"' not in response.content.decode()
    response = client.post(
        action_url(lead, "dismiss"), {"dismiss-version": lead.version, "dismiss-reason": "x"}
    )
    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).state == Lead.State.NEW


def test_a_parents_coordinator_reads_a_townships_lead_without_forms(client, coordinator, center, township):
    (lead,) = take_in(township, "public", external_id="G-1")
    client.force_login(coordinator)
    assert lead.pk in [x.pk for x in client.get(reverse("risk:leads")).context["leads"]]
    body = client.get(reverse("risk:lead", args=[lead.pk])).content.decode()
    assert 'id="actions"' not in body and 'id="lead-read-only"' in body
    assert (
        client.post(action_url(lead, "dismiss"), {"dismiss-version": 1, "dismiss-reason": "x"}).status_code
        == 403
    )


def test_another_branch_gets_404(client, township, other_township):
    (lead,) = take_in(township, "public", external_id="G-1")
    login(client, Role.COORDINATOR, other_township)
    assert lead.pk not in [x.pk for x in client.get(reverse("risk:leads")).context["leads"]]
    assert client.get(reverse("risk:lead", args=[lead.pk])).status_code == 404
    assert (
        client.post(action_url(lead, "dismiss"), {"dismiss-version": 1, "dismiss-reason": "x"}).status_code
        == 404
    )


# --- The decisions through the page ----------------------------------------------------------------


def test_open_case_from_the_page_lands_on_the_case_showing_its_origin(client, coordinator, lead):
    client.force_login(coordinator)
    response = client.post(
        action_url(lead, "open_case"),
        {"open_case-version": lead.version, "open_case-title": "工地讨薪", "open_case-category": "labour"},
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.code])
    page = client.get(response["Location"]).content.decode()
    assert 'id="case-origin"' in page and "来源：风险线索 警情 P-2026-001" in page
    assert Lead.objects.get(pk=lead.pk).state == Lead.State.OPENED


def test_field_errors_come_back_in_chinese(client, coordinator, lead):
    client.force_login(coordinator)
    response = client.post(
        action_url(lead, "dismiss"), {"dismiss-version": lead.version, "dismiss-reason": ""}
    )
    assert response.status_code == 400 and "请填写排除理由。" in response.content.decode()
    today = timezone.localdate().isoformat()
    response = client.post(
        action_url(lead, "watch"),
        {"watch-version": lead.version, "watch-review_on": today, "watch-measures": "走访"},
    )
    assert response.status_code == 400 and "复查日期应晚于今天。" in response.content.decode()
    response = client.post(
        action_url(lead, "attach"), {"attach-version": lead.version, "attach-case_code": "123"}
    )
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).state == Lead.State.NEW


def test_watch_and_hand_through_the_page(client, coordinator, lead, township):
    client.force_login(coordinator)
    review_on = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        action_url(lead, "watch"),
        {"watch-version": lead.version, "watch-review_on": review_on, "watch-measures": "每周走访"},
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.state == Lead.State.WATCHING
    response = client.post(
        action_url(lead, "hand"), {"hand-version": lead.version, "hand-township": township.pk}
    )
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).center == township


def test_a_concurrent_decision_shows_a_clear_message(client, coordinator, lead):
    client.force_login(coordinator)
    seen = lead.version
    assert (
        client.post(
            action_url(lead, "dismiss"), {"dismiss-version": seen, "dismiss-reason": "误报"}
        ).status_code
        == 302
    )
    response = client.post(
        action_url(lead, "open_case"),
        {"open_case-version": seen, "open_case-title": "工地讨薪", "open_case-category": "labour"},
    )
    assert response.status_code == 409
    assert "该线索刚被其他人处置或已更新" in response.content.decode()
    assert Case.objects.count() == 0 and Lead.objects.get(pk=lead.pk).state == Lead.State.DISMISSED


def test_the_menu_has_the_queue_for_coordinators_and_leaders(client, coordinator, center):
    client.force_login(coordinator)
    labels = [str(item["label"]) for item in client.get(reverse("risk:leads")).context["nav_menu"]]
    assert "风险研判" in labels
    login(client, Role.LEADER, center)
    labels = [str(item["label"]) for item in client.get(reverse("risk:leads")).context["nav_menu"]]
    assert "风险研判" in labels
