"""History: admin edits of cases and deadline rules leave a history row naming the user; personal data stays protected."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cases.models import Case, CaseEvent, Party, State
from cases.services import case_admin_edit, case_start_assessment
from common.exceptions import ActionForbidden
from common.fields import PersonalDataField
from departments.models import CalendarDay, DeadlineRule, Department, DutyAssignment

from .test_admin import post_data

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.cn", "zongzhi-test")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def history_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])


def test_an_admin_edit_of_a_case_is_an_event_and_a_history_row_with_the_user(
    admin_client, superuser, new_case
):
    case = new_case()
    url = change_url(case)
    body = post_data(admin_client.get(url))
    body.update(title="拖欠工资纠纷（更正）", location="城关镇建设路 10 号")

    assert admin_client.post(url, body).status_code == 302

    updated = Case.objects.get(pk=case.pk)
    assert (updated.title, updated.state, updated.version) == (
        "拖欠工资纠纷（更正）",
        State.RECEIVED,
        case.version + 1,
    )
    event = CaseEvent.objects.get(case=case, transition="admin_edit")
    assert event.actor == superuser and event.from_state == event.to_state == State.RECEIVED
    assert event.data["fields"] == {
        "title": {"old": "拖欠工资纠纷", "new": "拖欠工资纠纷（更正）"},
        "location": {"old": "城关镇建设路 8 号工地", "new": "城关镇建设路 10 号"},
    }
    latest = updated.history.first()
    assert latest.history_user == superuser and latest.history_type == "~"
    assert latest.title == "拖欠工资纠纷（更正）"
    assert latest.prev_record.title == "拖欠工资纠纷"
    page = admin_client.get(history_url(case))
    assert page.status_code == 200 and "root" in page.content.decode()


def test_saving_a_case_unchanged_logs_nothing(admin_client, new_case):
    case = new_case()
    url = change_url(case)
    rows = case.history.count()
    assert admin_client.post(url, post_data(admin_client.get(url))).status_code == 302
    assert not CaseEvent.objects.filter(case=case, transition="admin_edit").exists()
    assert Case.objects.get(pk=case.pk).version == case.version
    assert case.history.count() == rows


def test_an_admin_edit_of_a_deadline_rule_leaves_a_history_row_with_the_user(admin_client, superuser):
    rule = DeadlineRule.objects.order_by("pk").first()  # a default rule, from the data migration
    before = rule.amount
    url = change_url(rule)
    body = post_data(admin_client.get(url))
    body["amount"] = str(before + 1)

    assert admin_client.post(url, body).status_code == 302

    rule.refresh_from_db()
    assert rule.amount == before + 1
    latest = rule.history.first()
    assert (latest.history_user, latest.history_type, latest.amount) == (superuser, "~", before + 1)
    assert admin_client.get(history_url(rule)).status_code == 200


def test_the_service_refuses_non_administrators_and_non_descriptive_fields(new_case, coordinator, superuser):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    with pytest.raises(ActionForbidden):
        case_admin_edit(case=case, actor=coordinator, changes={"title": "改"})
    with pytest.raises(Exception) as caught:
        case_admin_edit(case=case, actor=superuser, changes={"state": State.CLOSED})
    assert "state" in caught.value.message_dict
    assert Case.objects.get(pk=case.pk).state == State.ASSESSING


def test_every_traceable_model_keeps_history():
    for model in (Case, Party, Department, DeadlineRule, DutyAssignment, CalendarDay):
        assert hasattr(model, "history"), model


def test_party_history_keeps_personal_data_in_the_same_protected_field(admin_client, new_case):
    """The historical copy uses the main model's PersonalDataField (what protects one protects both)."""
    historical = Party.history.model
    for name in ("phone", "id_number"):
        main, copy = Party._meta.get_field(name), historical._meta.get_field(name)
        assert type(copy) is PersonalDataField and copy.kind == main.kind
    party = new_case().parties.get(name="张三")
    party.address = "城关镇"
    party.save()
    page = admin_client.get(history_url(party)).content.decode()
    # The history list names the party masked, never with the full number.
    assert "张*" in page and "13812345678" not in page and "11010519491231002X" not in page


def test_intake_writes_the_parties_first_history_rows(new_case, reception):
    case = new_case()
    rows = Party.history.filter(case_id=case.pk)
    assert rows.count() == case.parties.count() == 2
    assert {r.history_type for r in rows} == {"+"} and {r.history_user_id for r in rows} == {reception.pk}
    assert case.history.get().history_user == reception


def test_a_transition_outside_a_request_names_its_actor_in_the_history(new_case, coordinator):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    latest = case.history.first()
    assert (latest.state, latest.history_user) == (State.ASSESSING, coordinator)
