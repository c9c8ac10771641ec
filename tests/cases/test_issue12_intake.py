"""Issue 12 at the desk and on paper: the agreement's seal, a visit's own form, the desk, parties' names."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.forms import IntakeForm, SubmitResultForm
from cases.models import Case, Party, ResultKind, State, Visit, guess_party_kind
from cases.models.parties import ORGANISATION_SUFFIXES
from cases.selectors import mediating_organisations
from cases.services import (
    PartyData,
    case_accept,
    case_assign,
    case_record_visit,
    case_start_assessment,
    case_submit_result,
)
from departments.models import Department, Role, StaffProfile
from tests.factories import DepartmentFactory, DeskFactory, StaffFactory

from .test_reception import intake_post

TERMS = "一、被申请人于12月10日前支付欠薪8000元；二、申请人放弃其他请求。"


@pytest.fixture
def mediation_committee(center):
    return DepartmentFactory(
        center=center,
        slug="mediation",
        name="县人民调解委员会",
        short_name="人调委",
        kind=Department.Kind.MEDIATION,
    )


@pytest.fixture
def handling_case(new_case, coordinator, liaison, department):
    """A case led by the court (``department``), accepted by its liaison."""

    def make(co_departments=()):
        case = case_start_assessment(case=new_case(), actor=coordinator)
        case = case_assign(
            case=case,
            actor=coordinator,
            risk_colour="blue",
            lead_department=department,
            co_departments=list(co_departments),
        )
        return case_accept(case=case, actor=liaison)

    return make


# --- Item 4: the mediating organisation seals the agreement ---------------------------------------


def test_the_case_s_mediation_body_is_proposed_and_seals_the_agreement(
    handling_case, liaison, mediation_committee
):
    case = handling_case(co_departments=[mediation_committee])
    case = case_submit_result(
        case=case,
        actor=liaison,
        result="达成协议",
        result_kind=ResultKind.MEDIATION_AGREEMENT,
        agreement_terms=TERMS,
    )
    assert case.mediated_by == mediation_committee
    assert case.events.get(transition="submit_result").data["mediated_by"] == "mediation"


def test_an_explicit_mediator_is_kept_and_one_not_on_the_case_is_refused(
    handling_case, liaison, department, mediation_committee, other_department
):
    case = handling_case()
    with pytest.raises(ValidationError) as refused:
        case_submit_result(
            case=case,
            actor=liaison,
            result="达成协议",
            result_kind=ResultKind.MEDIATION_AGREEMENT,
            agreement_terms=TERMS,
            mediated_by=other_department,  # the police: neither on the case nor a mediation body
        )
    assert "mediated_by" in refused.value.message_dict
    assert Case.objects.get(pk=case.pk).state == State.HANDLING
    # A mediation organisation may mediate a case it is not assigned to.
    case = case_submit_result(
        case=case,
        actor=liaison,
        result="达成协议",
        result_kind=ResultKind.MEDIATION_AGREEMENT,
        agreement_terms=TERMS,
        mediated_by=mediation_committee,
    )
    assert Case.objects.get(pk=case.pk).mediated_by == mediation_committee


def test_a_result_that_is_no_agreement_has_no_mediator(handling_case, liaison, mediation_committee):
    case = handling_case()
    case = case_submit_result(case=case, actor=liaison, result="已支付工资", mediated_by=mediation_committee)
    assert case.mediated_by is None


def test_the_submit_form_lists_the_case_s_departments_then_the_mediation_bodies(
    handling_case, department, other_department, mediation_committee
):
    case = handling_case(co_departments=[other_department])
    assert [d.slug for d in mediating_organisations(case)] == ["court", "police", "mediation"]
    form = SubmitResultForm(case=case, prefix="submit_result")
    groups = dict(form.fields["mediated_by"].choices)
    assert [label for _pk, label in groups["本案单位"]] == ["县人民法院（牵头单位）", "县公安局"]
    assert [label for _pk, label in groups["调解组织"]] == ["县人民调解委员会"]
    assert form.initial["mediated_by"] == department.pk  # no mediation body on the case: the lead
    html = form.as_p()
    assert "selected>县人民法院（牵头单位）" in html


def test_the_page_submits_the_mediator_and_the_agreement_prints_its_seal(
    client, handling_case, liaison, mediation_committee
):
    case = handling_case()
    client.force_login(liaison)
    response = client.post(
        reverse("cases:action", args=[case.code, "submit_result"]),
        {
            "submit_result-version": case.version,
            "submit_result-result": "经调解达成协议。",
            "submit_result-result_kind": "agreement",
            "submit_result-agreement_terms": TERMS,
            "submit_result-mediated_by": mediation_committee.pk,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.mediated_by == mediation_committee
    page = client.get(reverse("cases:mediation_agreement", args=[case.code])).content.decode()
    seal = page.split('id="agreement-seal"')[1].split("</p>")[0]
    assert "县人民调解委员会（印章）" in seal
    assert "县人民法院" not in seal
    block = page.split('id="signature-block"')[1].split("</section>")[0]
    assert "申请人：张三" in block and "被申请人：李四" in block  # the parties sign beside the seal


def test_the_api_takes_the_mediator_by_slug_and_checks_the_same_rule(
    handling_case, liaison, mediation_committee, other_department
):
    case = handling_case()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=liaison).key}")
    path = f"/api/v1/cases/{case.code}/transitions/submit_result/"
    body = {"result": "达成协议", "result_kind": "agreement", "agreement_terms": TERMS}
    refused = api.post(path, {**body, "mediated_by": "police"}, format="json")
    assert refused.status_code == 400
    assert "mediated_by" in refused.json()["error"]["fields"]
    assert api.post(path, {**body, "mediated_by": "nobody"}, format="json").status_code == 400
    accepted = api.post(path, {**body, "mediated_by": "mediation"}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert Case.objects.get(pk=case.pk).mediated_by == mediation_committee


def test_an_agreement_from_before_the_mediator_was_recorded_is_sealed_by_the_lead(
    client, handling_case, liaison
):
    case = handling_case()
    case_submit_result(
        case=case,
        actor=liaison,
        result="达成协议",
        result_kind=ResultKind.MEDIATION_AGREEMENT,
        agreement_terms=TERMS,
    )
    Case.objects.filter(pk=case.pk).update(mediated_by=None)
    client.force_login(liaison)
    page = client.get(reverse("cases:mediation_agreement", args=[case.code])).content.decode()
    assert "县人民法院（印章）" in page


# --- Item 10: a return visit asks only what the visit needs --------------------------------------


def visit_post(case, **overrides):
    """A visit as the browser sends it: the matter's fieldset is disabled, so its fields are absent."""
    data = intake_post(intake_key="visit-1", visit_case=case.code, note="询问办理进度。", **overrides)
    for name in IntakeForm.CASE_FIELDS:
        data.pop(name, None)
    data["parties-TOTAL_FORMS"] = "1"
    return data


def test_a_visit_is_recorded_without_title_category_or_description(client, reception, new_case):
    case = new_case()
    client.force_login(reception)
    response = client.post(reverse("cases:intake"), visit_post(case))
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    assert (visit.case, visit.visitor_name, visit.note) == (case, "张三", "询问办理进度。")
    assert Case.objects.count() == 1


def test_a_visit_ignores_the_matter_s_fields_even_when_sent_invalid(client, reception, new_case):
    case = new_case()
    client.force_login(reception)
    data = visit_post(case, title="x" * 500, category="nonsense", description="x" * 6000)
    assert client.post(reverse("cases:intake"), data).status_code == 302
    assert Visit.objects.get().case == case


def test_a_new_case_still_needs_title_category_and_description(client, reception, center):
    client.force_login(reception)
    data = intake_post()
    for name in ("title", "category", "description"):
        data[name] = ""
    response = client.post(reverse("cases:intake"), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert {"title", "category", "description"} <= set(form.errors)
    assert not Case.objects.exists()


def test_a_rejected_visit_comes_back_in_visit_mode(client, reception, new_case):
    case = new_case()
    client.force_login(reception)
    data = visit_post(case)
    data["parties-0-phone"] = "123"  # invalid
    response = client.post(reverse("cases:intake"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<fieldset id="case-fields" hidden disabled>' in html
    assert '<fieldset id="visit-fields">' in html


# --- Item 11: the desk, the party count, organisations' names -----------------------------------


def _selected_desk(response):
    return response.context["form"].initial.get("desk")


def test_the_desk_defaults_to_the_user_s_own_window(client, center, reception, new_case):
    desks = [DeskFactory(), DeskFactory()]
    client.force_login(reception)
    assert _selected_desk(client.get(reverse("cases:intake"))) is None  # two desks, never used: no guess
    new_case(desk=desks[1])
    response = client.get(reverse("cases:intake"))
    assert _selected_desk(response) == desks[1].pk
    assert f'<option value="{desks[1].pk}" selected>' in response.content.decode()
    # A visit recorded later at the other window: that is where the receptionist sits now.
    case_record_visit(case=Case.objects.get(), actor=reception, visitor=PartyData(name="张三"), desk=desks[0])
    assert _selected_desk(client.get(reverse("cases:intake"))) == desks[0].pk


def test_the_desk_on_the_staff_profile_comes_first(client, center, reception, new_case):
    """The administrator sets each receptionist's window; it wins over the last window used."""
    desks = [DeskFactory(), DeskFactory(), DeskFactory()]
    new_case(desk=desks[0])
    profile = reception.staff_profile
    profile.desk = desks[2]
    profile.save(update_fields=["desk"])
    client.force_login(reception)
    assert _selected_desk(client.get(reverse("cases:intake"))) == desks[2].pk
    desks[2].is_active = False  # a closed window is never proposed
    desks[2].save(update_fields=["is_active"])
    assert _selected_desk(client.get(reverse("cases:intake"))) == desks[0].pk


def test_the_demo_receptionist_has_a_window(db):
    from django.core.management import call_command

    call_command("seed_demo", cases=0, stdout=io.StringIO())
    profile = StaffProfile.objects.get(user__username="reception")
    assert profile.desk is not None and profile.desk.department.slug == "justice"


def test_a_department_s_staff_start_on_their_department_s_desk(client, center, department):
    DeskFactory()
    own = DeskFactory(department=department)
    user = StaffFactory(role=Role.COORDINATOR, center=center, department=department).user
    client.force_login(user)
    assert _selected_desk(client.get(reverse("cases:intake"))) == own.pk


def test_the_only_desk_is_preselected(client, reception, center):
    desk = DeskFactory()
    client.force_login(reception)
    assert _selected_desk(client.get(reverse("cases:intake"))) == desk.pk


def _summary(parties):
    return Template("{% load case_tags %}{{ parties|parties_summary }}").render(Context({"parties": parties}))


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["张三"], "张*"),
        (["张三", "李四"], "张* 等 2 人"),
        (["张三", "李四", "王五"], "张* 等 3 人"),
        (["某财务咨询有限公司", "李四"], "某财务咨询有限公司 等 2 人"),
    ],
)
def test_the_party_summary_counts_everyone(names, expected):
    assert _summary([Party(name=n, kind=guess_party_kind(n)) for n in names]) == expected


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("张三", "person"),
        ("欧阳建国", "person"),
        ("某财务咨询有限公司", "organisation"),
        ("县住房和城乡建设局", "organisation"),
        ("城关镇建设村民委员会", "organisation"),
        ("某机械厂", "organisation"),
    ],
)
def test_a_party_s_kind_is_told_from_its_name_when_nobody_said(name, kind):
    assert guess_party_kind(name) == kind


def test_search_results_show_organisations_in_full_and_people_masked(client, reception, new_case):
    new_case(
        parties=[
            PartyData(name="王小明", phone="13812345678"),
            PartyData(name="某财务咨询有限公司", phone="0716-7654321", role="respondent"),
            PartyData(name="某某", phone="0716-7654322", role="other", kind="organisation"),
        ]
    )
    case = Case.objects.get()
    assert [p.kind for p in case.parties.all()] == ["person", "organisation", "organisation"]
    client.force_login(reception)
    html = client.post(reverse("cases:search"), {"q": "某财务"}).content.decode()
    assert "王** 等 3 人" in html
    new_case(parties=[PartyData(name="某财务咨询有限公司", phone="0716-7654321")], title="另一件")
    html = client.post(reverse("cases:search"), {"q": "另一件"}).content.decode()
    assert "某财务咨询有限公司" in html and "某财***" not in html


def test_the_intake_form_records_the_kind_the_desk_chose(client, reception, center):
    client.force_login(reception)
    data = intake_post(**{"parties-1-name": "老李烧烤", "parties-1-kind": "organisation"})
    assert client.post(reverse("cases:intake"), data).status_code == 302
    assert [p.kind for p in Case.objects.get().parties.all()] == ["person", "organisation"]


def test_the_api_list_masks_people_not_organisations(reception, new_case):
    new_case(
        parties=[
            PartyData(name="王小明", phone="13812345678"),
            PartyData(name="某财务咨询有限公司", phone="0716-7654321", role="respondent"),
        ]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reception).key}")
    rows = api.get("/api/v1/cases/").json()["results"]
    assert [(p["name"], p["kind"]) for p in rows[0]["parties"]] == [
        ("王**", "person"),
        ("某财务咨询有限公司", "organisation"),
    ]


def test_the_migration_marks_existing_organisations_by_their_names(new_case):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cases.migrations.0013_mediated_by_party_kind")
    case = new_case(
        parties=[
            PartyData(name="王小明", phone="13812345678"),
            PartyData(name="某财务咨询有限公司", phone="0716-7654321", role="respondent"),
            PartyData(name="县住建局", phone="0716-7654322", role="other"),
        ]
    )
    Party.objects.filter(case=case).update(kind="person")  # as recorded before the kind existed
    migration.mark_organisations(apps, None)
    assert [p.kind for p in case.parties.all()] == ["person", "organisation", "organisation"]
    assert migration.ORGANISATION_SUFFIXES == ORGANISATION_SUFFIXES  # the frozen copy is today's rule


def test_the_api_case_shows_its_mediator(handling_case, liaison, mediation_committee):
    case = handling_case()
    case_submit_result(
        case=case,
        actor=liaison,
        result="达成协议",
        result_kind=ResultKind.MEDIATION_AGREEMENT,
        agreement_terms=TERMS,
        mediated_by=mediation_committee,
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=liaison).key}")
    body = api.get(f"/api/v1/cases/{case.code}/").json()
    assert body["mediated_by"]["slug"] == "mediation"
    assert body["mediated_by"]["name"] == "县人民调解委员会"
