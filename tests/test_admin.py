"""The admin: every model is registered, pages answer, the state stays read-only, no N+1."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.forms import MultiWidget
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.models import HistoricalChanges

from cases.codes import make_code
from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseSequence,
    Evaluation,
    HandlingRecord,
    Notification,
    Party,
    Referral,
    SmsMessage,
    State,
    Visit,
    Whistle,
    WhistleSummons,
)
from cases.services import case_accept, case_assign, case_start_assessment, handling_record_add
from departments.models import (
    CalendarDay,
    DeadlineRule,
    Department,
    DutyAssignment,
    Place,
    Role,
    ServicePackage,
    StaffProfile,
    WhistleRule,
)

from .factories import (
    CaseFactory,
    CenterFactory,
    DeskFactory,
    PartyFactory,
    ServiceFactory,
    ServicePackageFactory,
    StaffFactory,
    UserFactory,
)

User = get_user_model()
ADMIN_APPS = ("departments", "cases")


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.cn", "zongzhi-test")


@pytest.fixture
def admin_client(client, superuser):
    """A superuser's client (the suite's ``admin_user`` fixture is a staff role, not a superuser)."""
    client.force_login(superuser)
    return client


@pytest.fixture
def data(center, department, coordinator, liaison, new_case):
    """One row of every model, the case taken through intake, assignment and a handling record."""
    township = CenterFactory(code="420923101", name="城关镇综治分中心", parent=center, level="township")
    DeskFactory(department=department, name="法院窗口")
    mediation, arbitration = ServiceFactory(name="调解"), ServiceFactory(name="仲裁")
    package = ServicePackageFactory(name="劳动争议套餐")
    package.services.set([mediation, arbitration])
    DutyAssignment.objects.create(
        center=center,
        position=DutyAssignment.Position.FIRST_DIRECTOR,
        person_name="王明",
        title="县委书记",
        phone="0716-1234567",
        start_date=dt.date(2026, 1, 1),
    )
    DeadlineRule.objects.create(
        colour="red", stage="accept", amount=1, service=mediation, is_legal_limit=True
    )
    CalendarDay.objects.create(date=dt.date(2026, 2, 14), is_workday=True, note="春节调休上班")
    case = new_case()
    case = case_start_assessment(case=case, actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    handling_record_add(case=case, actor=liaison, text="已联系施工方负责人。")
    Visit.objects.create(case=case, visitor_name="张三", phone="13812345678", people_count=3, note="询问进展")
    Attachment.objects.create(
        case=case,
        file="attachments/test/contract.pdf",
        original_name="劳动合同.pdf",
        content_type="application/pdf",
        size=1024,
    )
    Evaluation.objects.create(
        case=case, rating="satisfied", channel=Evaluation.Channel.STAFF, recorded_by=coordinator
    )
    Notification.objects.create(user=liaison, case=case, kind="assigned", title="新交办案件")
    Notification.objects.create(user=coordinator, kind="digest", title="每日汇总")
    SmsMessage.objects.create(
        case=case,
        kind="received",
        phone="13812345678",
        body="您的案件已受理",
        backend="console",
        status="sent",
    )
    _network_rows(case, department, township)
    return {"case": case, "township": township, "package": package}


def _network_rows(case, department, township, i=0):
    """A place, a closed referral and a whistle with its summons: the network of centers' rows."""
    Place.objects.create(township=township, kind="village", name=f"东风村{i}", code=f"{township.code}{i:03d}")
    Referral.objects.create(
        case=case, kind="up", status="accepted", from_center=township, to_center=case.center, reason="跨乡镇"
    )
    whistle = Whistle.objects.create(
        case=case,
        center=case.center,
        urgency="urgent",
        hours=2,
        reason="多部门会商",
        blown_at=case.created_at,
    )
    WhistleSummons.objects.create(whistle=whistle, department=department, respond_by=case.created_at)


def registered(*app_labels):
    return [model for model in admin.site._registry if model._meta.app_label in app_labels]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def post_data(response):
    """Return the POST body that re-submits an admin change form unchanged."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if value is None or value is False:
                continue
            if isinstance(field.widget, MultiWidget):
                for i, part in enumerate(field.widget.decompress(value)):
                    data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
            elif value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


# --- Every model, every page --------------------------------------------------------------------


def test_every_model_of_the_apps_is_registered():
    # Historical models are shown through their model's "history" page (SimpleHistoryAdmin).
    models = {
        m
        for label in ADMIN_APPS
        for m in apps.get_app_config(label).get_models()
        if not issubclass(m, HistoricalChanges)
    }
    assert models - set(registered(*ADMIN_APPS)) == set()
    assert User in admin.site._registry


@pytest.mark.parametrize(
    "model",
    [*registered(*ADMIN_APPS), User],
    ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}",
)
def test_changelist_change_and_add_pages_answer(admin_client, data, model):
    model_admin = admin.site._registry[model]
    response = admin_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1

    obj = model._default_manager.order_by("pk").first()
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["original"] == obj

    can_add = model_admin.has_add_permission(response.wsgi_request)
    response = admin_client.get(admin_url(model, "add"))
    assert response.status_code == (200 if can_add else 403)


def test_admin_site_titles_are_chinese(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "综治中心管理后台" in response.content.decode()


def test_service_package_list_shows_its_services(admin_client, data):
    response = admin_client.get(admin_url(ServicePackage, "changelist"))
    assert "调解、仲裁" in response.content.decode()


def test_department_slug_cannot_change_once_saved(admin_client, department):
    url = admin_url(Department, "change", department.pk)
    body = post_data(admin_client.get(url))
    assert "slug" not in body
    body.update(slug="renamed", name="县人民法院（新）")
    assert admin_client.post(url, body).status_code == 302
    department.refresh_from_db()
    assert (department.slug, department.name) == ("court", "县人民法院（新）")


# --- Staff roles on the user page -----------------------------------------------------------------


def test_user_page_assigns_a_role_and_department(admin_client, center, department):
    user = UserFactory(username="newliaison")
    url = admin_url(User, "change", user.pk)
    response = admin_client.get(url)
    prefix = response.context["inline_admin_formsets"][0].formset.prefix
    body = post_data(response)
    body.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-role": Role.LIAISON,
            f"{prefix}-0-center": str(center.pk),
            f"{prefix}-0-department": str(department.pk),
            f"{prefix}-0-display_name": "刘洋",
            f"{prefix}-0-user": str(user.pk),
        }
    )
    assert admin_client.post(url, body).status_code == 302
    profile = StaffProfile.objects.get(user=user)
    assert (profile.role, profile.department, profile.display_name) == (Role.LIAISON, department, "刘洋")


def test_user_page_refuses_a_liaison_without_department(admin_client, center):
    user = UserFactory(username="nodept")
    url = admin_url(User, "change", user.pk)
    response = admin_client.get(url)
    prefix = response.context["inline_admin_formsets"][0].formset.prefix
    body = post_data(response)
    body.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-role": Role.LIAISON,
            f"{prefix}-0-center": str(center.pk),
            f"{prefix}-0-user": str(user.pk),
        }
    )
    response = admin_client.post(url, body)
    assert response.status_code == 200
    assert "部门联络员必须属于一个入驻单位。" in response.content.decode()
    assert not StaffProfile.objects.filter(user=user).exists()


def test_user_list_shows_roles(admin_client, liaison, department):
    response = admin_client.get(admin_url(User, "changelist"))
    content = response.content.decode()
    assert "部门联络员" in content
    assert department.name in content


# --- The case: state read-only, no adding, no deleting -------------------------------------------


def test_case_page_shows_state_but_a_posted_state_is_ignored(admin_client, data):
    case = data["case"]
    events = case.events.count()
    url = admin_url(Case, "change", case.pk)
    response = admin_client.get(url)
    assert "办理中" in response.content.decode()
    assert "state" not in response.context["adminform"].form.fields

    body = post_data(response)
    body.update(state=State.CLOSED, title="拖欠工资纠纷（已更正）", version="99", code="x")
    response = admin_client.post(url, body)
    assert response.status_code == 302

    updated = Case.objects.get(pk=case.pk)
    assert updated.title == "拖欠工资纠纷（已更正）"
    # The correction is a change of the case (a new version) and logged; the state stays.
    assert (updated.state, updated.version, updated.code) == (State.HANDLING, case.version + 1, case.code)
    assert updated.events.count() == events + 1
    assert updated.events.order_by("-id").first().transition == "admin_edit"


def test_case_admin_save_does_not_undo_a_transition_made_meanwhile(admin_client, new_case, coordinator):
    case = new_case()
    url = admin_url(Case, "change", case.pk)
    body = post_data(admin_client.get(url))  # the administrator opens the page …
    case_start_assessment(case=case, actor=coordinator)  # … a coordinator starts assessing …
    body["location"] = "城关镇建设路 10 号"
    assert admin_client.post(url, body).status_code == 302  # … the administrator saves.

    case.refresh_from_db()
    assert (case.state, case.location) == (State.ASSESSING, "城关镇建设路 10 号")


def test_case_fields_set_by_transitions_are_read_only(admin_client, data):
    response = admin_client.get(admin_url(Case, "change", data["case"].pk))
    form_fields = set(response.context["adminform"].form.fields)
    assert form_fields == {"title", "description", "category", "source", "location", "requested_services"}


def test_case_cannot_be_added_or_deleted_in_admin(admin_client, data):
    case = data["case"]
    assert admin_client.get(admin_url(Case, "add")).status_code == 403
    assert admin_client.post(admin_url(Case, "add"), {"title": "x"}).status_code == 403
    assert admin_client.post(admin_url(Case, "delete", case.pk), {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()


def test_case_page_shows_the_transition_log_read_only(admin_client, data):
    response = admin_client.get(admin_url(Case, "change", data["case"].pk))
    content = response.content.decode()
    for label in ("受理登记", "开始研判", "交办", "签收", "已联系施工方负责人。"):
        assert label in content
    events = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is CaseEvent)
    assert not events.has_add_permission
    assert not events.has_change_permission
    assert not events.has_delete_permission


# --- Searching by code, name and number -----------------------------------------------------------


def search(admin_client, model, term):
    response = admin_client.get(admin_url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list), response


def test_case_search_accepts_the_grouped_code(admin_client, data):
    case = data["case"]
    CaseFactory()  # another case that must not match
    found, _ = search(admin_client, Case, case.code_display)
    assert found == [case]
    found, _ = search(admin_client, Case, case.code_display.replace("-", " "))
    assert found == [case]


def test_case_search_accepts_a_lower_case_x(admin_client, center):
    number = next(n for n in range(1, 100) if make_code("420923", 2025, n).endswith("X"))
    with_x = CaseFactory(center=center, code=make_code("420923", 2025, number))
    CaseFactory(center=center, code=make_code("420923", 2025, number + 1))
    found, _ = search(admin_client, Case, with_x.code_display.lower())
    assert found == [with_x]
    found, _ = search(admin_client, Case, with_x.code.lower())
    assert found == [with_x]


def test_case_search_flags_a_mistyped_code(admin_client, data):
    code = data["case"].code
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    found, response = search(admin_client, Case, wrong)
    assert found == []
    assert "校验码不符" in response.content.decode()


def test_case_search_by_code_fragment_title_and_party_name(admin_client, data):
    case = data["case"]
    other = CaseFactory(title="邻里噪音纠纷")
    assert search(admin_client, Case, case.code_display[:16])[0] == [case]
    assert search(admin_client, Case, "噪音")[0] == [other]
    assert search(admin_client, Case, "李四")[0] == [case]


def test_party_list_masks_numbers_and_search_needs_the_full_number(admin_client, data):
    response = admin_client.get(admin_url(Party, "changelist"))
    content = response.content.decode()
    assert "138****5678" in content
    assert "1101**********002X" in content
    assert "13812345678" not in content
    assert "11010519491231002X" not in content

    zhang = Party.objects.get(name="张三")
    assert search(admin_client, Party, "138 1234 5678")[0] == [zhang]
    assert search(admin_client, Party, "11010519491231002x")[0] == [zhang]
    assert search(admin_client, Party, "12345678")[0] == []
    assert search(admin_client, Party, "李四")[0] == [Party.objects.get(name="李四")]
    assert len(search(admin_client, Party, data["case"].code_display)[0]) == 2


def test_visit_list_masks_the_phone_and_finds_by_full_number(admin_client, data):
    content = admin_client.get(admin_url(Visit, "changelist")).content.decode()
    assert "138****5678" in content
    assert "13812345678" not in content
    assert len(search(admin_client, Visit, "13812345678")[0]) == 1
    assert search(admin_client, Visit, "5678")[0] == []


def test_sms_list_masks_the_phone_and_finds_by_full_number(admin_client, data):
    content = admin_client.get(admin_url(SmsMessage, "changelist")).content.decode()
    assert "138****5678" in content
    assert "13812345678" not in content
    assert len(search(admin_client, SmsMessage, "138-1234-5678")[0]) == 1
    assert len(search(admin_client, SmsMessage, data["case"].code_display)[0]) == 1


def test_attachment_page_does_not_link_the_file(admin_client, data):
    attachment = Attachment.objects.get()
    content = admin_client.get(admin_url(Attachment, "change", attachment.pk)).content.decode()
    assert "劳动合同.pdf" in content
    assert "attachments/test/contract.pdf" not in content
    content = admin_client.get(admin_url(Case, "change", data["case"].pk)).content.decode()
    assert "劳动合同.pdf" in content
    assert "attachments/test/contract.pdf" not in content


# --- View-only records ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [CaseEvent, HandlingRecord, Evaluation, Visit, Attachment, Notification, SmsMessage, CaseSequence],
)
def test_logs_and_sequences_are_view_only(admin_client, data, model):
    obj = model.objects.first()
    count = model.objects.count()
    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert admin_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert admin_client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
    response = admin_client.get(admin_url(model, "changelist"))
    assert "delete_selected" not in response.content.decode()
    assert model.objects.count() == count


def test_case_event_list_searches_by_grouped_code(admin_client, data):
    case = data["case"]
    CaseFactory()
    found, _ = search(admin_client, CaseEvent, case.code_display.lower())
    assert [e.transition for e in found] and {e.case_id for e in found} == {case.pk}


# --- Query counts do not grow with rows -------------------------------------------------------------


def _make_cases(n, department, package):
    for _i in range(n):
        case = CaseFactory(
            center=department.center, lead_department=department, package=package, risk_colour="red"
        )
        PartyFactory(case=case)
        CaseEvent.objects.create(
            case=case, transition="create", to_state="received", created_at=case.created_at
        )
        HandlingRecord.objects.create(case=case, department=department, text="记录")
        Evaluation.objects.create(case=case, rating="satisfied", channel="staff")
        Visit.objects.create(case=case, visitor_name="张三", phone="13900000000")
        SmsMessage.objects.create(
            case=case, kind="received", phone="13900000000", body="已受理", backend="c", status="sent"
        )
        Notification.objects.create(user=UserFactory(), case=case, kind="assigned", title="新交办案件")
        Attachment.objects.create(
            case=case, file="a/b.pdf", original_name="b.pdf", content_type="application/pdf", size=1
        )
        township = CenterFactory(code="420923101", name="城关镇综治分中心", parent=department.center)
        _network_rows(case, department, township, i=case.pk)


def _make_org(start, stop, center):
    for i in range(start, stop):
        department = Department.objects.create(
            center=center, name=f"单位{i}", short_name=f"单{i}", slug=f"unit-{i}", kind="sector"
        )
        DeskFactory(department=department)
        staff = StaffFactory(role=Role.LIAISON, center=center, department=department)
        package = ServicePackageFactory()
        package.services.set([ServiceFactory(), ServiceFactory()])
        DeadlineRule.objects.create(colour="blue", stage="handle", amount=i + 1, service=ServiceFactory())
        DutyAssignment.objects.create(
            center=center, position="duty_director", person_name=f"值班{i}", start_date=dt.date(2026, 1, 1)
        )
        CalendarDay.objects.create(date=dt.date(2026, 3, 1) + dt.timedelta(days=i), is_workday=False)
        CenterFactory(code=f"4209{30 + i:02d}", parent=center)
        CaseSequence.objects.create(county_code=f"4209{30 + i:02d}", year=2026, last_number=i)
        assert staff.user_id


# The most queries a changelist makes on top of every page's own (session, user, what the site's
# context processors load): counts, the date hierarchy's range and days, filter choices, rows.
# Measured 3 to 6 with 30 rows each.
MAX_CHANGELIST_QUERIES = 6


@pytest.fixture
def page_queries(admin_client):
    """Return the queries every admin page makes, measured on the index (less its recent actions)."""
    admin_client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as ctx:
        admin_client.get(reverse("admin:index"))
    return len(ctx.captured_queries) - 1


def _changelist_queries(client, model):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.context["cl"].result_count


def test_changelist_queries_do_not_grow_with_rows(admin_client, center, page_queries):
    department = Department.objects.create(
        center=center, name="县人民法院", short_name="法院", slug="court", kind="standing"
    )
    package = ServicePackageFactory()
    package.services.set([ServiceFactory()])
    models = [*registered(*ADMIN_APPS), User]

    _make_cases(3, department, package)
    _make_org(0, 3, center)
    few = {model: _changelist_queries(admin_client, model) for model in models}

    _make_cases(27, department, package)
    _make_org(3, 30, center)
    many = {model: _changelist_queries(admin_client, model) for model in models}

    for model in models:
        (few_queries, few_rows), (many_queries, many_rows) = few[model], many[model]
        label = model._meta.label
        # The whistle rules are one row per urgency (data, seeded): they cannot grow.
        assert many_rows > few_rows or model is WhistleRule, label
        assert many_queries == few_queries, (
            f"{label}: {few_queries} queries for {few_rows} rows, {many_queries} for {many_rows}"
        )
        own = many_queries - page_queries
        assert own <= MAX_CHANGELIST_QUERIES, f"{label}: {own} queries besides the page's {page_queries}"


def test_case_changelist_query_count_is_pinned(
    admin_client, center, page_queries, django_assert_max_num_queries
):
    department = Department.objects.create(
        center=center, name="县人民法院", short_name="法院", slug="court", kind="standing"
    )
    _make_cases(30, department, None)
    with django_assert_max_num_queries(page_queries + MAX_CHANGELIST_QUERIES):
        response = admin_client.get(admin_url(Case, "changelist"))
    assert response.context["cl"].result_count == 30


def test_case_change_page_queries_do_not_grow_with_its_records(admin_client, data, liaison):
    case = data["case"]
    url = admin_url(Case, "change", case.pk)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm the content-type cache
    few = queries()
    for i in range(10):
        handling_record_add(case=case, actor=liaison, text=f"第{i}次联系。")
        PartyFactory(case=case, name=f"王{i}")
        Visit.objects.create(case=case, visitor_name=f"王{i}", recorded_by=liaison)
        Attachment.objects.create(
            case=case, file="a/b.pdf", original_name=f"{i}.pdf", content_type="x", size=1
        )
        Evaluation.objects.create(case=case, rating="satisfied", channel="staff", recorded_by=liaison)
        CaseEvent.objects.create(
            case=case,
            transition="supervise",
            to_state="supervised",
            actor=liaison,
            created_at=case.created_at,
        )
    assert queries() == few
