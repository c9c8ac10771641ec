"""The center scope, piece by piece: the repeat-visit warning, the admin, callbacks, the today panel."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, State
from departments.models import Role
from supervision.models import CallbackRound
from supervision.services import callback_round_sample

from ..factories import CaseFactory, CenterFactory, DepartmentFactory, PartyFactory, StaffFactory

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def two_counties(db):
    city = CenterFactory(code="420900", name="孝感市综治中心", level="city")
    county_a = CenterFactory(code="420923", name="云梦县综治中心", parent=city, level="county")
    county_b = CenterFactory(code="420902", name="孝南区综治中心", parent=city, level="county")
    township = CenterFactory(code="420923101", name="城关镇综治中心", parent=county_a)
    return {"city": city, "a": county_a, "b": county_b, "township": township}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_repeat_visit_warning_names_another_centers_case_by_code_center_and_state_only(two_counties):
    here = CaseFactory(center=two_counties["a"], state=State.RECEIVED, title="本县的欠薪纠纷")
    there = CaseFactory(center=two_counties["b"], state=State.ASSESSING, title="邻区的土地纠纷")
    for case in (here, there):
        PartyFactory(case=case, name="李四", phone="13912345678")
    reception = StaffFactory(role=Role.RECEPTION, center=two_counties["a"]).user

    response = login(reception).post(reverse("cases:intake_lookup"), {"parties-0-phone": "13912345678"})

    content = response.content.decode()
    assert here.code_display in content and "本县的欠薪纠纷" in content
    # The other county's case is flagged (a person taking a matter to two centers) but not shown.
    assert there.code_display in content and "孝南区综治中心" in content
    assert "邻区的土地纠纷" not in content
    assert f'data-code="{there.code}"' not in content  # no visit can be recorded on it from here


def test_a_staff_administrator_sees_only_their_centers_rows_in_the_admin(two_counties):
    at_a = CaseFactory(center=two_counties["a"])
    at_township = CaseFactory(center=two_counties["township"])
    at_b = CaseFactory(center=two_counties["b"])
    profile = StaffFactory(role=Role.ADMIN, center=two_counties["a"])
    user = profile.user
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["cases", "departments"]))

    client = login(user)
    listed = set(client.get(reverse("admin:cases_case_changelist")).context["cl"].result_list)
    assert listed == {at_a}
    assert client.get(reverse("admin:cases_case_change", args=[at_b.pk])).status_code == 302  # "not found"
    assert client.get(reverse("admin:cases_case_change", args=[at_township.pk])).status_code == 302
    centers = set(client.get(reverse("admin:departments_center_changelist")).context["cl"].result_list)
    assert centers == {two_counties["a"]}


def test_a_superuser_sees_every_centers_rows_in_the_admin(two_counties, django_user_model):
    cases = {CaseFactory(center=c) for c in two_counties.values()}
    root = django_user_model.objects.create_superuser("root", "root@example.cn", "zongzhi-test")
    listed = set(login(root).get(reverse("admin:cases_case_changelist")).context["cl"].result_list)
    assert listed == cases


def _closed(center, when):
    case = CaseFactory(center=center, state=State.CLOSED, closed_at=when)
    PartyFactory(case=case, phone=f"139{case.pk:08d}")
    return case


def test_each_center_samples_the_cases_it_closed(two_counties, settings):
    october = dt.datetime(2026, 10, 15, 10, tzinfo=SHANGHAI)
    mine = [_closed(two_counties["a"], october) for _ in range(3)]
    theirs = [_closed(two_counties["township"], october) for _ in range(2)]
    coordinator = StaffFactory(role=Role.COORDINATOR, center=two_counties["a"]).user
    township_coordinator = StaffFactory(role=Role.COORDINATOR, center=two_counties["township"]).user

    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=SHANGHAI), tick=False):
        round_a, created_a = callback_round_sample(month=dt.date(2026, 10, 1), actor=coordinator)
        round_t, created_t = callback_round_sample(
            month=dt.date(2026, 10, 1), center=two_counties["township"]
        )

    assert created_a and created_t
    assert round_a.center == two_counties["a"] and round_t.center == two_counties["township"]
    assert {c.case_id for c in round_a.callbacks.all()} == {c.pk for c in mine}
    assert {c.case_id for c in round_t.callbacks.all()} == {c.pk for c in theirs}
    # Each center's coordinators make their own center's calls.
    assert {c.assigned_to_id for c in round_a.callbacks.all()} == {coordinator.pk}
    assert {c.assigned_to_id for c in round_t.callbacks.all()} == {township_coordinator.pk}
    # And see only their own round.
    page = login(township_coordinator).get(
        reverse("supervision:callbacks"), {"month": "2026-10", "who": "all"}
    )
    assert page.context["round"] == round_t


def test_the_monthly_job_draws_one_round_per_county_and_township(two_counties):
    from supervision.tasks import sample_callbacks

    october = dt.datetime(2026, 10, 15, 10, tzinfo=SHANGHAI)
    _closed(two_counties["b"], october)
    with time_machine.travel(dt.datetime(2026, 11, 1, 9, tzinfo=SHANGHAI), tick=False):
        outcome = sample_callbacks.delay(month="2026-10").get()

    assert sorted(c["center"] for c in outcome["centers"]) == ["420902", "420923", "420923101"]
    assert set(CallbackRound.objects.values_list("center__code", flat=True)) == {
        "420902",
        "420923",
        "420923101",
    }
    assert outcome["taken"] == 1


def test_the_workbench_and_its_menu_count_only_the_own_centers_work(two_counties):
    now = timezone.now()
    for center in two_counties.values():
        CaseFactory(center=center, state=State.RECEIVED, assess_by=now + dt.timedelta(days=1))
    coordinator = StaffFactory(role=Role.COORDINATOR, center=two_counties["a"]).user

    response = login(coordinator).get(reverse("cases:workbench"))

    assert [c.center for c in response.context["cases"]] == [two_counties["a"]]
    counts = {q["key"]: q["count"] for q in response.context["queues"]}
    assert counts["new"] == 1
    # The menu's badge and the today panel count the same: the own center's new case only.
    from zongzhi.today import Today

    today = Today(coordinator, now=now)
    assert today.workbench_new["count"] == 1
    items = today.urgent()
    assert len(items) == 1


def test_the_assign_form_offers_the_holding_centers_departments_only(two_counties):
    from cases.forms import AssignForm

    here = DepartmentFactory(center=two_counties["township"], name="城关镇司法所")
    DepartmentFactory(center=two_counties["a"], name="云梦县人民法院")
    case = CaseFactory(center=two_counties["township"], state=State.ASSESSING)

    form = AssignForm(case=Case.objects.get(pk=case.pk), prefix="assign")

    assert list(form.fields["lead_department"].queryset) == [here]
    assert list(form.fields["co_departments"].queryset) == [here]


def test_a_county_desk_sees_a_township_case_but_records_visits_only_on_its_own(two_counties):
    below = CaseFactory(center=two_counties["township"], state=State.RECEIVED, title="镇上的邻里纠纷")
    PartyFactory(case=below, name="王五", phone="13712345678")
    coordinator = StaffFactory(role=Role.COORDINATOR, center=two_counties["a"]).user

    content = (
        login(coordinator)
        .post(reverse("cases:intake_lookup"), {"parties-0-phone": "13712345678"})
        .content.decode()
    )

    assert "镇上的邻里纠纷" in content  # the county oversees the township: it sees the case
    assert f'data-code="{below.code}"' not in content  # but the visit belongs to the township's desk
