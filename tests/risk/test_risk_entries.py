"""The risk ledger's lines: a coordinator marks a case as a risk, updates a line, resolves it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.codes import display_code
from common.exceptions import ActionForbidden
from departments.models import Role
from risk.models import RiskEntry
from risk.services import risk_entry_from_case, risk_entry_resolve, risk_entry_update

from ..factories import CenterFactory, DepartmentFactory, StaffFactory
from .ledger_helpers import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(center, grid, department):
    return make_case(
        center=center, created=timezone.now() - dt.timedelta(hours=2), place=grid, risk_colour="red",
        lead_department=department, title="工地讨薪",
    )  # fmt: skip


def _mark(client, user, **data):
    client.force_login(user)
    return client.post(reverse("risk:risk_entry_mark"), data)


def test_a_coordinator_marks_a_case_as_a_risk_by_its_code(
    client, coordinator, case, department, township, village
):
    review = timezone.localdate() + dt.timedelta(days=7)
    response = _mark(
        client, coordinator, code=display_code(case.code), measures="专班化解", review_on=review.isoformat()
    )
    assert response.status_code == 302
    entry = RiskEntry.objects.get(case=case)
    assert (entry.colour, entry.measures, entry.review_on, entry.state) == ("red", "专班化解", review, "open")
    assert (entry.department, entry.township, entry.place.parent) == (department, township, village)
    assert entry.created_by == coordinator
    assert (
        response["Location"].startswith(reverse("risk:ledger_risks"))
        and f"#entry-{entry.pk}" in response["Location"]
    )
    # It is on this month's risk ledger, with the link to update it.
    page = client.get(response["Location"].split("#")[0])
    assert f'id="entry-{entry.pk}"' in page.content.decode()
    assert reverse("risk:risk_entry_edit", args=[entry.pk]) in page.content.decode()


def test_marking_again_updates_the_same_line(client, coordinator, case):
    _mark(client, coordinator, code=case.code, colour="yellow")
    _mark(client, coordinator, code=case.code, colour="blue", measures="再次走访")
    entry = RiskEntry.objects.get(case=case)
    assert (entry.colour, entry.measures) == ("blue", "再次走访")


def test_a_wrong_code_is_a_field_error(client, coordinator, case):
    missing = case.code[:-7] + "999999"
    from cases.codes import check_character

    missing = missing + check_character(missing)
    response = _mark(client, coordinator, code=missing)
    assert response.status_code == 400 and "未找到该案件编号" in response.content.decode()
    response = _mark(client, coordinator, code=case.code[:-1] + ("0" if case.code[-1] != "0" else "1"))
    assert response.status_code == 400 and "校验码不符" in response.content.decode()
    response = _mark(client, coordinator, code=case.code, colour="purple")
    assert response.status_code == 400
    assert not RiskEntry.objects.exists()


def test_a_case_of_another_center_is_refused(client, coordinator, township):
    township_case = make_case(center=township, created=timezone.now())
    response = _mark(client, coordinator, code=township_case.code)
    assert response.status_code == 400
    assert "仅本中心研判督办专员可登记风险隐患" in response.content.decode()
    assert not RiskEntry.objects.exists()


@pytest.mark.parametrize("who", ["leader", "liaison", "reception"])
def test_only_coordinators_mark_cases(client, request, who, case):
    user = request.getfixturevalue(who)
    assert _mark(client, user, code=case.code).status_code == 403
    client.force_login(user)
    assert client.get(reverse("risk:risk_entry_mark")).status_code == 403
    assert not RiskEntry.objects.exists()
    with pytest.raises(ActionForbidden):
        risk_entry_from_case(actor=user, case=case)


def test_the_mark_form_is_reachable_from_the_ledger_and_the_map(client, coordinator, leader):
    client.force_login(coordinator)
    for name in ("risk:ledger_risks", "risk:risk_map", "risk:ledger_disputes"):
        body = client.get(reverse(name)).content.decode()
        assert reverse("risk:risk_entry_mark") in body
    assert "登记风险隐患：输入案件编号" in client.get(reverse("risk:ledger_risks")).content.decode()
    client.force_login(leader)
    assert reverse("risk:risk_entry_mark") not in client.get(reverse("risk:ledger_risks")).content.decode()


def test_the_service_checks_colour_and_department(coordinator, case, center):
    with pytest.raises(ValidationError) as exc:
        risk_entry_from_case(actor=coordinator, case=case, colour="purple")
    assert "colour" in exc.value.message_dict
    entry = risk_entry_from_case(actor=coordinator, case=case)
    elsewhere = DepartmentFactory(center=CenterFactory(code="420924", name="邻县综治中心"))
    with pytest.raises(ValidationError) as exc:
        risk_entry_update(actor=coordinator, entry=entry, measures="x", department=elsewhere)
    assert "department" in exc.value.message_dict


# --- Update and resolve ---------------------------------------------------------------------------


@pytest.fixture
def entry(coordinator, case):
    return risk_entry_from_case(actor=coordinator, case=case, measures="专班化解")


def test_a_coordinator_updates_a_line(client, coordinator, entry, other_department):
    client.force_login(coordinator)
    url = reverse("risk:risk_entry_edit", args=[entry.pk])
    assert client.get(url).status_code == 200
    review = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        url, {"measures": "每周走访", "review_on": review.isoformat(), "department": other_department.pk}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.measures, entry.review_on, entry.department) == ("每周走访", review, other_department)


def test_a_department_of_another_county_is_not_offered(client, coordinator, entry):
    elsewhere = DepartmentFactory(center=CenterFactory(code="420924", name="邻县综治中心"))
    client.force_login(coordinator)
    response = client.post(
        reverse("risk:risk_entry_edit", args=[entry.pk]), {"measures": "x", "department": elsewhere.pk}
    )
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.measures == "专班化解"


def test_a_coordinator_resolves_a_line_once(client, coordinator, entry):
    client.force_login(coordinator)
    url = reverse("risk:risk_entry_resolve", args=[entry.pk])
    assert client.post(url, {"note": "已签订协议"}).status_code == 302
    entry.refresh_from_db()
    assert entry.state == "resolved" and entry.resolved_at is not None
    assert entry.measures.endswith("已签订协议")
    with pytest.raises(ValidationError):
        risk_entry_resolve(actor=coordinator, entry=entry)
    response = client.post(url, {}, follow=True)
    assert "该风险隐患已化解" in response.content.decode()


@pytest.mark.parametrize("who", ["leader", "liaison", "township_coordinator"])
def test_others_may_not_update_or_resolve(client, request, who, entry, township):
    if who == "township_coordinator":
        user = StaffFactory(role=Role.COORDINATOR, center=township).user
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("risk:risk_entry_edit", args=[entry.pk])).status_code == 403
    assert client.post(reverse("risk:risk_entry_edit", args=[entry.pk]), {"measures": "x"}).status_code == 403
    assert client.post(reverse("risk:risk_entry_resolve", args=[entry.pk])).status_code == 403
    entry.refresh_from_db()
    assert (entry.state, entry.measures) == ("open", "专班化解")
    with pytest.raises(ActionForbidden):
        risk_entry_resolve(actor=user, entry=entry)


def test_a_leader_reads_the_line_without_the_edit_link(client, leader, entry):
    client.force_login(leader)
    body = client.get(
        reverse("risk:ledger_risks"), {"month": f"{timezone.localdate():%Y-%m}"}
    ).content.decode()
    assert f'id="entry-{entry.pk}"' in body
    assert reverse("risk:risk_entry_edit", args=[entry.pk]) not in body
