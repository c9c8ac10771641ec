"""The default screening rules, colour thresholds and the nightly re-screening job.

Rules are data: administrators change weights, words and explanations in the admin. Matched by
name, so rules an administrator edited are left alone when this runs again.
"""

import json

from django.db import migrations

RESCREEN = "风险研判：重新筛查线索"

RULES = [
    {
        "name": "同一人员多渠道出现",
        "kind": "same_person",
        "weight": 35,
        "params": {"window_days": 30, "min_feeds": 2},
        "explanation": "同一人员（{people}）近 {days} 天在{feeds}等 {count} 个渠道出现",
        "order": 10,
    },
    {
        "name": "同一人员反复出现",
        "kind": "same_person",
        "weight": 20,
        "params": {"window_days": 30, "min_hits": 3},
        "explanation": "同一人员（{people}）近 {days} 天出现 {count} 次",
        "order": 20,
    },
    {
        "name": "关联在办或近期结案案件",
        "kind": "case_link",
        "weight": 25,
        "params": {"closed_within_days": 90},
        "explanation": "涉及人员是案件 {cases} 的当事人（在办或 {days} 天内结案）",
        "order": 30,
    },
    {
        "name": "极端行为词",
        "kind": "keywords",
        "weight": 40,
        "params": {"words": ["跳楼", "自杀", "自焚", "轻生", "喝农药", "爆炸", "持刀", "砍人", "同归于尽"]},
        "explanation": "含有极端行为词：{words}",
        "order": 40,
    },
    {
        "name": "群体性事件词",
        "kind": "keywords",
        "weight": 25,
        "params": {"words": ["聚集", "围堵", "堵路", "拉横幅", "集体上访", "群访", "静坐", "罢工"]},
        "explanation": "含有群体性事件词：{words}",
        "order": 50,
    },
    {
        "name": "矛盾纠纷词",
        "kind": "keywords",
        "weight": 15,
        "params": {"words": ["讨薪", "欠薪", "上访", "家暴", "拆迁", "维权", "征地", "补偿款", "讨债"]},
        "explanation": "含有矛盾纠纷词：{words}",
        "order": 60,
    },
    {
        "name": "涉及人数多",
        "kind": "many_people",
        "weight": 20,
        "params": {"min_people": 5},
        "explanation": "涉及 {count} 人（{people} 人及以上）",
        "order": 70,
    },
    {
        "name": "村（社区）/网格线索上升",
        "kind": "rising_place",
        "weight": 15,
        "params": {"window_days": 7, "baseline_days": 56, "ratio": 2.0, "min_count": 3},
        "explanation": "{place}近 {days} 天线索 {count} 条，此前平均每 {days} 天 {baseline} 条",
        "order": 80,
    },
]


def forwards(apps, schema_editor):
    ScreeningRule = apps.get_model("risk", "ScreeningRule")
    ColourThreshold = apps.get_model("risk", "ColourThreshold")
    for rule in RULES:
        ScreeningRule.objects.get_or_create(name=rule["name"], defaults=rule)
    ColourThreshold.objects.get_or_create(colour="red", defaults={"min_score": 60})
    ColourThreshold.objects.get_or_create(colour="yellow", defaults={"min_score": 30})

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name=RESCREEN,
        defaults={
            "task": "risk.rescreen_all",
            "crontab": nightly,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "按当前规则重新计算全部未结线索的风险分、建议等级和理由。",
        },
    )
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("risk", "ScreeningRule").objects.filter(name__in=[r["name"] for r in RULES]).delete()
    apps.get_model("risk", "ColourThreshold").objects.all().delete()
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=RESCREEN).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
