"""The monthly retraining of the grading models (risk.train_grading), on the 1st at 03:30."""

import json

from django.db import migrations

RETRAIN = "风险研判：重新训练风险分级模型"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_month="1", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name=RETRAIN,
        defaults={
            "task": "risk.train_grading",
            "crontab": monthly,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "用各县级中心的已结案件重新训练风险分级模型，并在最近 3 个月的案件上检验。",
        },
    )
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=RETRAIN).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0002_default_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
