"""Rules and thresholds in the admin: validated per kind, and every change re-screens the open leads."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from common.models import OutboxMessage
from risk.models import ColourThreshold, Lead, ScreeningRule
from risk.services.rules import screening_rules_changed

from .test_screening import make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.cn", "zongzhi-test"))
    return client


def _form(rule: ScreeningRule, **changes) -> dict:
    data = {
        "name": rule.name,
        "kind": rule.kind,
        "weight": rule.weight,
        "params": json.dumps(rule.params, ensure_ascii=False),
        "explanation": rule.explanation,
        "is_active": "on" if rule.is_active else "",
        "order": rule.order,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_changing_a_rules_weight_in_the_admin_rescreens_open_leads(
    admin_client, center, django_capture_on_commit_callbacks
):
    lead = make_lead(center, text="公司欠薪三个月")
    dismissed = make_lead(center, text="公司欠薪三个月", state="dismissed")
    rule = ScreeningRule.objects.get(name="矛盾纠纷词")
    url = reverse("admin:risk_screeningrule_change", args=[rule.pk])
    assert admin_client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, _form(rule, weight=50))
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.score == 50 and lead.proposed_colour == "yellow"
    assert lead.reasons[0]["explanation"] == "含有矛盾纠纷词：欠薪"
    dismissed.refresh_from_db()
    assert dismissed.screened_at is None  # only open leads in the all-run
    assert (
        OutboxMessage.objects.filter(task="risk.rescreen_all", key__startswith="risk-rescreen-all:").count()
        == 1
    )

    # Deactivating the rule (and then a threshold) re-screens again.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, _form(rule, weight=50, is_active=""))
    lead.refresh_from_db()
    assert (lead.score, lead.reasons) == (0, [])


def test_changing_a_threshold_in_the_admin_recolours(
    admin_client, center, django_capture_on_commit_callbacks
):
    lead = make_lead(center, text="公司欠薪三个月", people_count=6)  # 15 + 20 = 35: yellow
    yellow = ColourThreshold.objects.get(colour="yellow")
    url = reverse("admin:risk_colourthreshold_change", args=[yellow.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"colour": "yellow", "min_score": 40})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.score, lead.proposed_colour) == (35, "blue")

    response = admin_client.post(url, {"colour": "yellow", "min_score": 60})
    assert response.status_code == 200
    assert "红色分数线应高于黄色分数线" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:risk_colourthreshold_delete", args=[yellow.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.proposed_colour == "yellow"  # no threshold left: the default 30


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("same_person", {"window_days": 30}, "至少填写 min_feeds"),
        ("same_person", {"window_days": "30", "min_feeds": 2}, "参数 window_days 应为整数"),
        ("keywords", {"words": "讨薪"}, "参数 words 应为词语列表"),
        ("many_people", {"min_people": 5, "max": 9}, "不认识的参数：max"),
        ("rising_place", {"window_days": 7}, "缺少参数 baseline_days"),
    ],
)
def test_the_admin_refuses_params_wrong_for_the_kind(admin_client, kind, params, message):
    rule = ScreeningRule.objects.get(name="涉及人数多")
    url = reverse("admin:risk_screeningrule_change", args=[rule.pk])
    response = admin_client.post(url, _form(rule, kind=kind, params=json.dumps(params, ensure_ascii=False)))
    assert response.status_code == 200
    assert message in response.content.decode()
    rule.refresh_from_db()
    assert rule.kind == "many_people" and rule.params == {"min_people": 5}
    assert not OutboxMessage.objects.filter(task="risk.rescreen_all").exists()


def test_the_admin_refuses_an_explanation_that_cannot_be_filled(admin_client):
    rule = ScreeningRule.objects.get(name="涉及人数多")
    url = reverse("admin:risk_screeningrule_change", args=[rule.pk])
    response = admin_client.post(url, _form(rule, explanation="涉及 {count 人"))
    assert response.status_code == 200
    assert "花括号不成对" in response.content.decode()


def test_adding_a_keyword_rule_in_the_admin_and_the_list(
    admin_client, center, django_capture_on_commit_callbacks
):
    lead = make_lead(center, text="村民因宅基地纠纷发生冲突")
    data = {
        "name": "宅基地",
        "kind": "keywords",
        "weight": "12",
        "params": json.dumps({"words": ["宅基地"]}, ensure_ascii=False),
        "explanation": "含有：{words}",
        "is_active": "on",
        "order": "90",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:risk_screeningrule_add"), data)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.score == 12 and lead.reasons[0]["explanation"] == "含有：宅基地"
    listing = admin_client.get(reverse("admin:risk_screeningrule_changelist")).content.decode()
    assert "宅基地" in listing and "同一人员多渠道出现" in listing


def test_screening_rules_changed_queues_one_run_per_state(center, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        screening_rules_changed(None)
        screening_rules_changed(None)  # same state, same moment: dropped
    assert OutboxMessage.objects.filter(task="risk.rescreen_all").count() == 1
    assert len(callbacks) == 2  # each publish finds the one row; delivering it twice is a no-op


def test_the_nightly_rescreen_is_scheduled():
    task = PeriodicTask.objects.get(task="risk.rescreen_all")
    assert task.enabled and task.crontab.hour == "2" and task.crontab.minute == "30"
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_rescreen_all_task_screens_every_open_lead(center):
    from risk.tasks import rescreen_all_task

    leads = [make_lead(center, text="讨薪") for _ in range(3)]
    assert rescreen_all_task.delay().get() == 3
    assert set(Lead.objects.filter(score=15).values_list("pk", flat=True)) == {lead.pk for lead in leads}


def test_deleting_rules_with_the_admin_action_rescreens(
    admin_client, center, django_capture_on_commit_callbacks
):
    lead = make_lead(center, text="公司欠薪三个月", people_count=6)
    rules = ScreeningRule.objects.filter(name__in=["矛盾纠纷词", "涉及人数多"])
    data = {"action": "delete_selected", "_selected_action": [r.pk for r in rules], "post": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:risk_screeningrule_changelist"), data)
    assert response.status_code == 302
    assert not ScreeningRule.objects.filter(name__in=["矛盾纠纷词", "涉及人数多"]).exists()
    lead.refresh_from_db()
    assert (lead.score, lead.proposed_colour, lead.screened_at is not None) == (0, "blue", True)
