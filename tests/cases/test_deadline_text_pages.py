"""Item 8 of issue 12: every deadline people read says the day it ends — receipt, case page,
department desk, SMS, supervision notices — while the API keeps ISO 8601."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from cases.models import Notification, SmsMessage
from cases.services import case_assign, case_start_assessment
from supervision.models import SupervisionOrder
from supervision.services.sweep import deadline_sweep
from tests.api.conftest import token_client


def end_of_day(moment: dt.datetime) -> str:
    """What people should read for a deadline the policy puts at midnight (computed here, not by the app)."""
    local = timezone.localtime(moment)
    assert (local.hour, local.minute) == (0, 0), local
    day = local.date() - dt.timedelta(days=1)
    year = "" if day.year == timezone.localdate().year else f"{day.year}年"
    return f"{year}{day.month}月{day.day}日24时前"


def midnight_stamp(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d 00:00")


def test_receipt_says_by_the_end_of_the_day(client, reception, new_case):
    case = new_case()
    client.force_login(reception)
    html = client.get(reverse("cases:receipt", args=[case.code])).content.decode()
    assert f"中心将于{end_of_day(case.assess_by)}完成研判" in html
    assert midnight_stamp(case.assess_by) not in html


def test_case_page_desk_and_sms_show_the_end_of_the_day(
    client, coordinator, liaison, department, new_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = case_start_assessment(case=new_case(), actor=coordinator)
        case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    client.force_login(coordinator)
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert end_of_day(case.accept_by) in html and end_of_day(case.due_by) in html
    assert " 00:00" not in html
    client.force_login(liaison)
    desk = client.get(reverse("cases:department_desk")).content.decode()
    assert end_of_day(case.accept_by) in desk
    notice = Notification.objects.get(user=liaison, kind="assign", case=case)
    assert notice.body.endswith(f"当前期限：{end_of_day(case.accept_by)}")
    sms = SmsMessage.objects.filter(case=case, kind="assign").values_list("body", flat=True)
    assert [f"办结期限{end_of_day(case.due_by)}" in body for body in sms] == [True] * len(sms) and sms


def test_order_notice_and_order_page_say_the_end_of_the_day(
    client, coordinator, liaison, department, new_case
):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    deadline_sweep(now=case.accept_by + dt.timedelta(seconds=1))  # the acceptance deadline is missed
    order = SupervisionOrder.objects.get(case=case)
    assert f"签收期限（{end_of_day(case.accept_by)[:-1]}）已过" in order.required_action
    notice = Notification.objects.get(user=liaison, url__contains=order.number)
    assert f"请于{end_of_day(order.respond_by)}答复。" in notice.body
    client.force_login(liaison)
    html = client.get(reverse("supervision:order_detail", args=[order.number])).content.decode()
    assert end_of_day(order.respond_by) in html


def test_the_api_keeps_iso_8601(coordinator, department, new_case):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    body = token_client(coordinator).get(f"/api/v1/cases/{case.code}/").json()
    assert dt.datetime.fromisoformat(body["due_by"]) == case.due_by
    assert "24时" not in str(body)


def test_the_workbench_shows_a_new_cases_assessment_deadline(client, coordinator, new_case):
    """A case waiting at the center runs on its assessment deadline: the row says so, not "—"."""
    case = new_case()
    client.force_login(coordinator)
    html = client.get(reverse("cases:workbench")).content.decode()
    row = html[html.index(case.code_display) :].split("</tr>")[0]
    assert end_of_day(case.assess_by) in row
    page = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert '当前期限：<span class="deadline' in page
