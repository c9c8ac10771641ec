"""Issue 12, items 7 and 11: the assign form guides (packages propose departments, deadlines shown
live with their legal ceiling), one department name, confirmations that say what happened, the
proposed-colour badge, and one "who may add which record kind" rule for the page and the API."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, HandlingRecord, State
from cases.permissions import record_kinds_for
from cases.services import (
    assignment_stage_deadlines,
    case_accept,
    case_assign,
    case_start_assessment,
)
from cases.templatetags.case_tags import colour_badge
from cases.views.case_page import ACTIONS, SUCCESS_MESSAGES
from common.when import deadline_text
from departments.models import DeadlineRule, Department, Role, ServicePackage, Stage
from tests.factories import ServiceFactory, ServicePackageFactory, StaffFactory

pytestmark = pytest.mark.django_db


def post_action(client, case, name, **data):
    body = {f"{name}-version": Case.objects.get(pk=case.pk).version}
    body.update({f"{name}-{k}": v for k, v in data.items()})
    return client.post(reverse("cases:action", args=[case.code, name]), body)


@pytest.fixture
def assessing(new_case, coordinator):
    def make(**overrides):
        return case_start_assessment(case=new_case(**overrides), actor=coordinator)

    return make


@pytest.fixture
def package(department, other_department):
    mediation = ServiceFactory(name="调解", slug="mediation")
    package = ServicePackageFactory(name="劳动争议套餐", slug="labour", lead_department=department)
    package.services.set([mediation])
    package.co_departments.set([other_department])
    return package


# --- Packages propose their departments ---------------------------------------------------------


def test_the_assign_form_carries_each_packages_proposed_departments(
    client, coordinator, assessing, package, department, other_department
):
    case = assessing()
    client.force_login(coordinator)
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    option = re.search(rf'<option value="{package.pk}"[^>]*>', html).group(0)
    assert f'data-lead="{department.pk}"' in option
    assert f'data-co="{other_department.pk}"' in option
    assert 'id="package-proposal"' in html and "js/assign.js" in html


def test_a_package_without_proposals_proposes_nothing(client, coordinator, assessing):
    bare = ServicePackageFactory(name="空套餐")
    case = assessing()
    client.force_login(coordinator)
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    option = re.search(rf'<option value="{bare.pk}"[^>]*>', html).group(0)
    assert 'data-lead=""' in option and 'data-co=""' in option


def test_without_javascript_the_proposed_departments_are_still_chosen_by_hand(
    client, coordinator, assessing, package, department, other_department
):
    case = assessing()
    client.force_login(coordinator)
    response = post_action(
        client,
        case,
        "assign",
        risk_colour="blue",
        category="labour",
        package=package.pk,
        lead_department=other_department.pk,
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.lead_department == other_department and case.package == package


# --- Deadlines shown live, with the legal ceiling ------------------------------------------------


def preview(client, case, **data):
    params = {f"assign-{k}": v for k, v in data.items()}
    return client.get(reverse("cases:assign_preview", args=[case.code]), params)


@pytest.mark.parametrize(
    ("colour", "category", "with_package"),
    [
        ("red", "labour", False),
        ("yellow", "labour", True),
        ("blue", "petition", False),
        ("blue", "other", True),
    ],
)
def test_the_preview_shows_what_case_assign_stores(
    client, coordinator, assessing, package, department, colour, category, with_package
):
    case = assessing()
    client.force_login(coordinator)
    chosen = {"risk_colour": colour, "category": category, "lead_department": department.pk}
    if with_package:
        chosen["package"] = package.pk
    shown = preview(client, case, **chosen)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert post_action(client, case, "assign", **chosen).status_code == 302
    case.refresh_from_db()
    assert case.risk_colour == colour and case.category == category
    accept, handle = re.findall(r'<dd data-stage="(\w+)">([^<（]+)', html)
    assert accept == ("accept", deadline_text(case.accept_by))
    assert handle == ("handle", deadline_text(case.due_by))


def test_the_preview_and_the_service_share_one_function(coordinator, assessing, package, department):
    case = assessing()
    start = case.updated_at
    accept, handle = assignment_stage_deadlines(
        case=case, risk_colour="yellow", package=package, start=start, category="labour"
    )
    assert (accept.stage, handle.stage) == (Stage.ACCEPT, Stage.HANDLE)
    assigned = case_assign(
        case=case, actor=coordinator, risk_colour="yellow", lead_department=department, package=package
    )
    again = assignment_stage_deadlines(
        case=assigned, risk_colour="yellow", package=package, start=assigned.assigned_at
    )
    assert (assigned.accept_by, assigned.due_by) == (again[0].deadline, again[1].deadline)


def test_the_preview_names_the_legal_ceiling_where_one_applies(client, coordinator, assessing):
    case = assessing(category="petition")
    client.force_login(coordinator)
    html = preview(client, case, risk_colour="blue", category="petition").content.decode()
    limit = DeadlineRule.objects.get(
        colour="blue", stage=Stage.HANDLE, category="petition", is_legal_limit=True
    )
    assert "法定上限" in html and limit.note in html
    plain = preview(client, case, risk_colour="blue", category="labour").content.decode()
    assert "法定上限" not in plain


def test_a_service_legal_limit_caps_the_preview_and_the_stored_deadline(
    client, coordinator, assessing, package, department
):
    service = package.services.get()
    DeadlineRule.objects.create(
        colour="blue", stage=Stage.HANDLE, service=service, amount=5, unit="days", is_legal_limit=True,
        note="测试：5日内调结",
    )  # fmt: skip
    case = assessing()
    client.force_login(coordinator)
    chosen = {
        "risk_colour": "blue",
        "category": "labour",
        "package": package.pk,
        "lead_department": department.pk,
    }
    html = preview(client, case, **chosen).content.decode()
    assert "测试：5日内调结" in html
    post_action(client, case, "assign", **chosen)
    case.refresh_from_db()
    assert deadline_text(case.due_by) in html
    assert (case.due_by - case.assigned_at).days <= 6


def test_only_a_coordinator_gets_the_preview(client, liaison, assessing):
    case = assessing()
    client.force_login(liaison)
    assert preview(client, case, risk_colour="red").status_code in (403, 404)


def test_the_case_page_shows_the_preview_before_any_choice(client, coordinator, assessing):
    case = assessing()
    client.force_login(coordinator)
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert 'id="assign-preview"' in html and 'data-stage="accept"' in html and 'data-stage="handle"' in html


# --- One department name --------------------------------------------------------------------------


def test_a_department_is_named_in_full_everywhere_on_the_case_page(
    client, coordinator, assessing, department, other_department, other_liaison
):
    case = assessing()
    case = case_assign(
        case=case,
        actor=coordinator,
        risk_colour="blue",
        lead_department=department,
        co_departments=[other_department],
    )
    assert str(department) == department.display_name == "县人民法院"
    client.force_login(coordinator)
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    facts = html[html.index("牵头单位") : html.index("签收期限")]
    assert "县人民法院" in facts and "县公安局" in facts
    assert "公安<" not in facts and "法院<" not in facts.replace("县人民法院<", "")


def test_the_assign_form_lists_departments_by_their_full_names(client, coordinator, assessing, department):
    case = assessing()
    client.force_login(coordinator)
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
    assert f'<option value="{department.pk}">县人民法院</option>' in html


# --- The demo's packages ---------------------------------------------------------------------------


def test_the_demo_has_packages_for_contracts_and_private_loans_with_proposed_departments(settings):
    from demo.management.commands.seed_demo import seed_centers, seed_departments, seed_services

    county, _subcenters = seed_centers()
    departments = seed_departments(county)
    seed_services(departments)
    seed_services(departments)  # idempotent
    contract = ServicePackage.objects.get(slug="contract")
    loan = ServicePackage.objects.get(slug="loan")
    assert (contract.name, loan.name) == ("合同债务套餐", "民间借贷套餐")
    for package in ServicePackage.objects.all():
        assert package.lead_department is not None, package.slug
        assert package.services.count() >= 2
    assert loan.lead_department == Department.objects.get(slug="mediation")
    assert set(loan.co_departments.values_list("slug", flat=True)) == {"court", "lawsoc"}


def test_the_demo_offers_the_contract_packages_to_its_contract_matters():
    from cases.models import Category
    from demo.content import CATEGORY_PACKAGES, TEMPLATES

    assert CATEGORY_PACKAGES[Category.CONTRACT] == "contract"
    assert any(t.package == "loan" and "民间借贷" in t.title for t in TEMPLATES)


# --- Item 11: the proposed colour's badge ------------------------------------------------------------


def test_a_proposed_colour_reads_as_a_proposal(new_case):
    case = new_case()
    case.proposed_colour, case.risk_colour = "blue", ""
    badge = str(colour_badge(case))
    assert "建议：蓝色" in badge and "?" not in badge and "proposed" in badge
    case.risk_colour = "red"
    assert ">红色<" in str(colour_badge(case))


# --- Item 11: confirmations that say what happened ---------------------------------------------------


def test_every_case_action_has_its_own_confirmation():
    assert set(ACTIONS) <= set(SUCCESS_MESSAGES)


def test_the_assign_confirmation_names_the_department_and_the_deadlines(
    client, coordinator, assessing, department
):
    case = assessing()
    client.force_login(coordinator)
    response = post_action(
        client, case, "assign", risk_colour="yellow", category="labour", lead_department=department.pk
    )
    case.refresh_from_db()
    html = client.get(response["Location"]).content.decode()
    expected = (
        f"已交办县人民法院，签收期限{deadline_text(case.accept_by)}，办结期限{deadline_text(case.due_by)}。"
    )
    assert expected in html and "操作成功" not in html


def test_the_accept_and_reject_confirmations_say_what_happened(
    client, coordinator, liaison, assessing, department
):
    case = case_assign(case=assessing(), actor=coordinator, risk_colour="blue", lead_department=department)
    client.force_login(liaison)
    response = post_action(client, case, "accept")
    case.refresh_from_db()
    assert (
        f"已签收，办结期限{deadline_text(case.due_by)}。" in client.get(response["Location"]).content.decode()
    )
    other = assessing()
    client.force_login(coordinator)
    response = post_action(
        client, other, "reject", reason="属于政务服务事项。", redirect_target="service_center"
    )
    assert response.status_code == 302
    assert "已引导当事人至" in client.get(response["Location"]).content.decode()


# --- Item 11: who may add which record kind: page and API alike ---------------------------------------


@pytest.fixture
def handling(assessing, coordinator, liaison, department, other_department):
    case = case_assign(
        case=assessing(),
        actor=coordinator,
        risk_colour="blue",
        lead_department=department,
        co_departments=[other_department],
    )
    return case_accept(case=case, actor=liaison)


def test_a_liaison_is_not_offered_the_center_note(client, liaison, handling):
    client.force_login(liaison)
    html = client.get(reverse("cases:detail", args=[handling.code])).content.decode()
    form = html[html.index('id="add-record"') :]
    form = form[: form.index("</form>")]
    assert 'value="note"' not in form and "中心备注" not in form
    assert 'value="progress"' in form


def test_a_coordinator_is_offered_the_center_note_first(client, coordinator, handling):
    client.force_login(coordinator)
    html = client.get(reverse("cases:detail", args=[handling.code])).content.decode()
    form = html[html.index('id="add-record"') :]
    assert re.search(r'<option value="note"[^>]*selected', form[: form.index("</select>")])
    assert 'value="cooperation"' not in form[: form.index("</form>")]


@pytest.mark.parametrize("who", ["coordinator", "lead_liaison", "co_liaison"])
def test_the_page_and_the_api_accept_the_same_record_kinds(
    who, coordinator, liaison, other_liaison, handling
):
    user = {"coordinator": coordinator, "lead_liaison": liaison, "co_liaison": other_liaison}[who]
    page, api = Client(), APIClient()
    page.force_login(user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    html = page.get(reverse("cases:detail", args=[handling.code])).content.decode()
    select = html[html.index('name="record-kind"') :]
    offered = re.findall(r'<option value="(\w+)"', select[: select.index("</select>")])
    assert offered == record_kinds_for(user, handling)
    for kind in HandlingRecord.Kind.values:
        on_page = page.post(
            reverse("cases:record_add", args=[handling.code]),
            {"record-kind": kind, "record-text": f"页面{kind}"},
        )
        by_api = api.post(
            f"/api/v1/cases/{handling.code}/records/", {"kind": kind, "text": f"接口{kind}"}, format="json"
        )
        page_ok = HandlingRecord.objects.filter(case=handling, text=f"页面{kind}").exists()
        api_ok = HandlingRecord.objects.filter(case=handling, text=f"接口{kind}").exists()
        assert page_ok is api_ok is (kind in offered), (who, kind, on_page.status_code, by_api.status_code)
        if not api_ok:
            assert by_api.status_code == 400 and on_page.status_code == 400
    assert ("note" in offered) is (who == "coordinator")
    assert ("cooperation" in offered) is (who != "coordinator")
    if who == "co_liaison":
        assert offered[0] == "cooperation"


def test_record_kinds_are_none_for_those_who_may_add_none(reception, leader, handling):
    assert record_kinds_for(reception, handling) == [] and record_kinds_for(leader, handling) == []
    third = StaffFactory(role=Role.LIAISON, center=handling.center).user
    assert record_kinds_for(third, handling) == []
    assert handling.state == State.HANDLING
