"""Coordinator workbench, department desk and the case page: the 研—交—办—结 flow in the browser's shoes."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, HandlingRecord, Notification, SmsMessage, State
from cases.services import (
    case_accept,
    case_assign,
    case_reject,
    case_start_assessment,
    case_submit_result,
)
from cases.sms import MemorySmsBackend
from tests.factories import CaseFactory, StaffFactory


def post_action(client, case, name, **data):
    body = {f"{name}-version": Case.objects.get(pk=case.pk).version}
    body.update({f"{name}-{k}": v for k, v in data.items()})
    return client.post(reverse("cases:action", args=[case.code, name]), body)


def test_coordinator_assesses_assigns_and_the_department_handles(
    client, new_case, coordinator, liaison, department, other_department
):
    case = new_case()
    client.force_login(coordinator)
    assert post_action(client, case, "start_assessment").status_code == 302
    response = post_action(
        client,
        case,
        "assign",
        risk_colour="yellow",
        category="labour",
        lead_department=department.pk,
        co_departments=[other_department.pk],
        instructions="联系用工单位，先行调解。",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.ASSIGNED and case.lead_department == department
    assert list(case.co_departments.all()) == [other_department]

    client.force_login(liaison)
    desk = client.get(reverse("cases:department_desk"))
    assert case.code_display in desk.content.decode()
    response = client.post(
        reverse("cases:action", args=[case.code, "accept"]),
        {"accept-version": case.version, "next": reverse("cases:department_desk")},
    )
    assert response["Location"] == reverse("cases:department_desk")
    response = client.post(
        reverse("cases:record_add", args=[case.code]),
        {"record-kind": "contact", "record-text": "已电话联系申请人。", "record-is_public": "on"},
    )
    assert response.status_code == 302
    assert HandlingRecord.objects.get().is_public
    assert (
        post_action(
            client,
            case,
            "submit_result",
            result_kind="agreement",
            result="双方达成调解协议。",
            agreement_terms="公司于 12 月 31 日前支付工资 36 万元。",
            judicial_confirmation="on",
        ).status_code
        == 302
    )
    agreement = client.get(reverse("cases:mediation_agreement", args=[case.code]))
    assert agreement.status_code == 200 and "公司于 12 月 31 日前支付工资" in agreement.content.decode()
    assert "司法确认" in agreement.content.decode()

    client.force_login(coordinator)
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "双方达成调解协议。" in page
    assert post_action(client, case, "close").status_code == 302
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert [e.transition for e in case.events.all()] == [
        "create",
        "start_assessment",
        "assign",
        "accept",
        "submit_result",
        "close",
    ]


def test_a_stale_form_gets_a_conflict_message_and_keeps_the_text(client, new_case, coordinator, department):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    client.force_login(coordinator)
    seen = case.version
    case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)  # someone else
    response = client.post(
        reverse("cases:action", args=[case.code, "withdraw"]),
        {"withdraw-version": seen, "withdraw-reason": "当事人撤回申请"},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "该案件刚被其他人修改" in html and "当事人撤回申请" in html
    assert Case.objects.get(pk=case.pk).state == State.ASSIGNED


def test_missing_reason_is_a_field_error(client, new_case, coordinator):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    client.force_login(coordinator)
    response = post_action(client, case, "reject", reason="", redirect_target="court")
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).state == State.ASSESSING


def test_rejection_notice_prints_reason_and_where_to_go(client, new_case, coordinator):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    case_reject(case=case, actor=coordinator, reason="属于民事诉讼范围", redirect_target="court")
    client.force_login(coordinator)
    html = client.get(reverse("cases:rejection_notice", args=[case.code])).content.decode()
    assert "不予受理告知书" in html and "属于民事诉讼范围" in html and "人民法院" in html and "异议" in html


def assigned_case(new_case, coordinator, department, **kwargs):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    return case_assign(
        case=case, actor=coordinator, risk_colour="yellow", lead_department=department, **kwargs
    )


def test_departments_see_nothing_they_were_not_assigned(
    client, new_case, coordinator, department, other_department, other_liaison, liaison
):
    case = assigned_case(new_case, coordinator, department)
    client.force_login(other_liaison)
    for url in [
        reverse("cases:detail", args=[case.code]),
        reverse("cases:rejection_notice", args=[case.code]),
        reverse("cases:mediation_agreement", args=[case.code]),
    ]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("cases:action", args=[case.code, "accept"]), {"accept-version": case.version}
    )
    assert response.status_code == 403
    assert case.code_display not in client.get(reverse("cases:department_desk")).content.decode()
    assert Case.objects.get(pk=case.pk).state == State.ASSIGNED
    client.force_login(liaison)
    assert client.get(reverse("cases:detail", args=[case.code])).status_code == 200


def test_co_department_sees_masked_parties_and_records_its_part(
    client, new_case, coordinator, department, other_department, other_liaison, liaison
):
    case = assigned_case(new_case, coordinator, department, co_departments=[other_department])
    client.force_login(other_liaison)
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert "138****5678" in html and "13812345678" not in html
    response = client.post(
        reverse("cases:record_add", args=[case.code]),
        {"record-kind": "cooperation", "record-text": "公安已核实用工单位负责人身份。"},
    )
    assert response.status_code == 302
    # The co-department cannot accept or submit for the lead.
    assert post_action(client, case, "accept").status_code == 403
    party = case.parties.get(name="张三")
    reveal = reverse("cases:party_reveal", args=[case.code, party.pk, "phone"])
    assert client.post(reveal, {"reason": "联系当事人"}).status_code == 403
    client.force_login(liaison)
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    # The lead department sees the number masked too, and may show it with a reason (issue 11).
    assert "13812345678" not in html and reveal in html
    assert "13812345678" in client.post(reveal, {"reason": "联系当事人"}).content.decode()


@pytest.mark.parametrize("role", ["reception", "leader"])
def test_wrong_roles_cannot_act(client, new_case, coordinator, department, role, request):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = post_action(
        client, case, "assign", risk_colour="red", category="labour", lead_department=department.pk
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).state == State.ASSESSING


def test_workbench_queues_count_and_filter(client, new_case, coordinator, department):
    received = new_case()
    assessing = case_start_assessment(case=new_case(), actor=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("cases:workbench"))
    counts = {q["key"]: q["count"] for q in response.context["queues"]}
    assert counts["new"] == 1 and counts["assessing"] == 1
    assert [c.pk for c in response.context["cases"]] == [received.pk]
    response = client.get(reverse("cases:workbench"), {"queue": "assessing", "category": "neighbour"})
    assert list(response.context["cases"]) == []
    response = client.get(reverse("cases:workbench"), {"queue": "assessing", "category": "labour"})
    assert [c.pk for c in response.context["cases"]] == [assessing.pk]


def test_overdue_and_due_soon_queues(client, coordinator, department, center):
    now = timezone.now()
    late = CaseFactory(
        center=center, state=State.HANDLING, lead_department=department, due_by=now - dt.timedelta(days=1)
    )
    soon = CaseFactory(
        center=center, state=State.ASSIGNED, lead_department=department, accept_by=now + dt.timedelta(hours=5)
    )
    CaseFactory(
        center=center, state=State.HANDLING, lead_department=department, due_by=now + dt.timedelta(days=9)
    )
    client.force_login(coordinator)
    overdue = client.get(reverse("cases:workbench"), {"queue": "overdue"})
    assert [c.pk for c in overdue.context["cases"]] == [late.pk]
    assert "超期 1 天" in overdue.content.decode()
    due = client.get(reverse("cases:workbench"), {"queue": "due_soon"})
    assert [c.pk for c in due.context["cases"]] == [soon.pk]


@pytest.mark.parametrize("n", [10, 200])
def test_workbench_queries_do_not_grow(client, coordinator, department, center, n, django_assert_num_queries):
    CaseFactory.create_batch(
        n,
        center=center,
        state=State.HANDLING,
        lead_department=department,
        due_by=timezone.now() - dt.timedelta(days=1),
    )
    client.force_login(coordinator)
    # 10 and the hops between centers' counts (1; the user's center comes with the staff profile),
    # plus the menu's queue counts (3) and the start page's most urgent cases and orders (2).
    with django_assert_num_queries(16):
        response = client.get(reverse("cases:workbench"), {"queue": "overdue"})
    assert len(response.context["cases"]) == min(n, 50)


@pytest.mark.parametrize("n", [10, 200])
def test_department_desk_queries_do_not_grow(
    client, liaison, department, other_department, center, n, django_assert_num_queries
):
    now = timezone.now()
    CaseFactory.create_batch(
        n // 2,
        center=center,
        state=State.ASSIGNED,
        lead_department=department,
        accept_by=now + dt.timedelta(days=1),
    )
    for case in CaseFactory.create_batch(
        n // 2,
        center=center,
        state=State.HANDLING,
        lead_department=other_department,
        due_by=now + dt.timedelta(days=3),
    ):
        case.co_departments.add(department)
    client.force_login(liaison)
    # 8 and the waiting summonses (1), plus the menu's queue counts (3: cases, summonses, orders)
    # and the start page's most urgent cases and orders (2).
    with django_assert_num_queries(14):
        response = client.get(reverse("cases:department_desk"))
    assert len(response.context["cases"]) == n


def test_case_page_queries_are_bounded(
    client, new_case, coordinator, department, liaison, django_assert_num_queries
):
    case = assigned_case(new_case, coordinator, department)
    case = case_accept(case=case, actor=liaison)
    client.force_login(coordinator)
    # 15, the visibility check (1), the case's whistles and the whistle rules' hours (2), its hops
    # between centers (1), the holding center's name (1), plus the menu's queue counts (3: workbench,
    # open orders, callbacks). The user's center comes with the staff profile.
    with django_assert_num_queries(22):
        response = client.get(reverse("cases:detail", args=[case.code]))
    assert response.status_code == 200


def test_staff_are_notified_in_the_inbox_and_by_mail(
    client, new_case, coordinator, department, liaison, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = assigned_case(new_case, coordinator, department)
    notice = Notification.objects.get(user=liaison)
    assert notice.kind == "assign" and case.code_display in notice.title
    assert [m.to for m in mail.outbox] == [[liaison.email]]
    client.force_login(liaison)
    page = client.get(reverse("cases:inbox"))
    assert case.title in page.content.decode()
    assert "unread" in client.get(reverse("cases:department_desk")).content.decode()
    client.post(reverse("cases:inbox_read", args=[notice.pk]))
    assert Notification.objects.get(pk=notice.pk).read_at is not None


def test_returning_and_submitting_notify_coordinators(
    new_case, coordinator, department, liaison, django_capture_on_commit_callbacks
):
    case = assigned_case(new_case, coordinator, department)
    case = case_accept(case=case, actor=liaison)
    with django_capture_on_commit_callbacks(execute=True):
        case_submit_result(case=case, actor=liaison, result="已调解")
    assert Notification.objects.filter(user=coordinator, kind="submit_result").count() == 1


def test_parties_get_texts_at_intake_assignment_and_closing(
    new_case, coordinator, department, liaison, django_capture_on_commit_callbacks
):
    from cases.services import case_close

    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        case = assigned_case(new_case, coordinator, department)
        case = case_accept(case=case, actor=liaison)
        case = case_submit_result(case=case, actor=liaison, result="已调解")
        case_close(case=case, actor=coordinator)
    kinds = list(SmsMessage.objects.filter(case=case).order_by("id").values_list("kind", flat=True))
    assert kinds == ["create", "assign", "close"]
    assert all(phone == "13812345678" for phone, _body in MemorySmsBackend.outbox)  # the applicant's mobile
    assert case.code_display in MemorySmsBackend.outbox[0][1]
    assert f"?k={case.tracking_key}" in MemorySmsBackend.outbox[-1][1]  # the evaluation link


def test_no_notification_for_a_rolled_back_action(
    new_case, coordinator, department, django_capture_on_commit_callbacks
):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    StaffFactory(role="liaison", department=department)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                case_assign(case=case, actor=coordinator, risk_colour="red", lead_department=department)
                raise RuntimeError("the request failed after the service")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()
    assert Case.objects.get(pk=case.pk).state == State.ASSESSING


def test_a_problem_case_stays_red_when_reassigned(
    new_case, coordinator, department, other_department, liaison
):
    from django.core.exceptions import ValidationError

    from cases.services import case_return_to_center

    case = case_start_assessment(case=new_case(), actor=coordinator)
    for _ in range(3):
        case = case_assign(
            case=case,
            actor=coordinator,
            risk_colour="red" if case.is_problem else "blue",
            lead_department=department,
        )
        case = case_return_to_center(case=case, actor=liaison, reason="不属于本单位职责")
    assert case.is_problem and case.risk_colour == "red"
    with pytest.raises(ValidationError) as exc:
        case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=other_department)
    assert "risk_colour" in exc.value.message_dict
    case = case_assign(case=case, actor=coordinator, risk_colour="red", lead_department=other_department)
    assert case.state == State.ASSIGNED
