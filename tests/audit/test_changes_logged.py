"""Changes to roles, accounts, departments, deadline rules and the duty board write access log rows."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from audit.models import AccessLogEntry
from departments.models import DeadlineRule, Department, DutyAssignment, Role, StaffProfile
from tests.test_admin import post_data

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.cn", "zongzhi-test")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def rows(action, **filters):
    return AccessLogEntry.objects.filter(action=action, **filters).order_by("id")


def test_a_role_change_in_the_user_admin_writes_a_row_naming_both_users(
    admin_client, superuser, reception, department
):
    url = reverse("admin:auth_user_change", args=[reception.pk])
    body = post_data(admin_client.get(url))
    body["staff_profile-0-role"] = Role.LIAISON
    body["staff_profile-0-department"] = str(department.pk)
    before = rows("staff.change").count()

    response = admin_client.post(url, body, REMOTE_ADDR="10.9.8.7")

    assert response.status_code == 302, response.content.decode()[:2000]
    assert StaffProfile.objects.get(user=reception).role == Role.LIAISON
    row = rows("staff.change").last()
    assert rows("staff.change").count() == before + 1
    assert (row.actor, row.target_user, row.client_address) == (superuser, reception, "10.9.8.7")
    assert row.details == {
        "operation": "changed",
        "changes": {
            "role": {"old": "reception", "new": "liaison"},
            "department_id": {"old": None, "new": department.pk},
        },
    }


def test_saving_a_user_unchanged_writes_no_row(admin_client, reception):
    url = reverse("admin:auth_user_change", args=[reception.pk])
    before = AccessLogEntry.objects.count()
    assert admin_client.post(url, post_data(admin_client.get(url))).status_code == 302
    assert AccessLogEntry.objects.count() == before


def test_granting_superuser_and_a_group_writes_rows(admin_client, superuser, leader):
    group = Group.objects.create(name="报表管理员")
    url = reverse("admin:auth_user_change", args=[leader.pk])
    body = post_data(admin_client.get(url))
    body.update(is_staff="on", is_superuser="on", groups=[str(group.pk)])

    assert admin_client.post(url, body).status_code == 302

    changes = rows("user.change", target_user=leader, actor=superuser)
    flags = next(r for r in changes if r.details.get("operation") == "changed")
    assert flags.details["changes"] == {
        "is_staff": {"old": False, "new": True},
        "is_superuser": {"old": False, "new": True},
    }
    groups = next(r for r in changes if r.details.get("field") == "groups")
    assert groups.details == {
        "operation": "add",
        "field": "groups",
        "ids": [group.pk],
        "names": ["报表管理员"],
    }


def test_a_role_change_by_a_service_path_outside_a_request_is_logged_too(reception):
    profile = StaffProfile.objects.get(user=reception)
    profile.role = Role.COORDINATOR
    profile.save()
    row = rows("staff.change", target_user=reception).last()
    assert row.actor is None and row.details["changes"] == {
        "role": {"old": "reception", "new": "coordinator"}
    }
    profile.delete()
    assert rows("staff.change", target_user=reception).last().details["operation"] == "deleted"


def test_a_deadline_rule_change_in_the_admin_writes_a_row_with_the_diff(admin_client, superuser):
    rule = DeadlineRule.objects.filter(service__isnull=True, category="").order_by("id").first()
    old_amount = rule.amount
    rule.save()  # rules loaded by the migration have no history yet: the first row has no "old"
    first = rows("deadline_rule.change", object_id=str(rule.pk)).get()
    assert first.details["changes"]["amount"] == {"old": None, "new": old_amount}
    url = reverse("admin:departments_deadlinerule_change", args=[rule.pk])
    body = post_data(admin_client.get(url))
    body["amount"] = str(old_amount + 1)

    assert admin_client.post(url, body).status_code == 302

    row = rows("deadline_rule.change", object_id=str(rule.pk)).last()
    assert row.actor == superuser
    assert row.details == {
        "operation": "changed",
        "changes": {"amount": {"old": old_amount, "new": old_amount + 1}},
    }
    assert row.object_repr == str(DeadlineRule.objects.get(pk=rule.pk))


def test_department_and_duty_board_changes_are_logged(center, superuser):
    department = Department.objects.create(
        center=center, name="县信访局", short_name="信访", slug="petition", kind="sector"
    )
    department.is_active = False
    department._history_user = superuser
    department.save()
    row = rows("department.change", object_id=str(department.pk)).last()
    assert row.actor == superuser
    assert row.details["changes"] == {"is_active": {"old": True, "new": False}}

    duty = DutyAssignment.objects.create(
        center=center, position="duty_director", person_name="王五", start_date=dt.date(2026, 11, 1)
    )
    duty_id = duty.pk
    duty.delete()
    assert [r.details["operation"] for r in rows("duty.change", object_id=str(duty_id))] == [
        "created",
        "deleted",
    ]


def test_loading_a_calendar_year_in_bulk_writes_one_row_with_what_was_loaded(db):
    from departments.holidays import calendar_year_load, parse_notice

    days = parse_notice("2027-01-01 holiday 元旦\n2027-01-09 workday 调休上班\n", year=2027)
    assert calendar_year_load(year=2027, days=days) == 2
    row = rows("calendar.change").get()
    assert row.details == {"operation": "loaded", "year": 2027, "days": 2, "workdays": ["2027-01-09"]}


def test_opening_a_case_or_party_in_the_admin_logs_the_full_numbers_shown(admin_client, superuser, new_case):
    case = new_case()
    party = case.parties.get(name="张三")
    page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == 200 and "13812345678" in page.content.decode()
    assert admin_client.get(reverse("admin:cases_party_change", args=[party.pk])).status_code == 200

    logged = rows("personal.reveal", actor=superuser)
    assert [(r.case_code, r.object_type, r.details) for r in logged] == [
        (case.code, "cases.case", {"via": "admin"}),
        (case.code, "cases.party", {"via": "admin"}),
    ]
    assert logged[1].object_repr == "张*"
