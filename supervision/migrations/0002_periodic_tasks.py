"""The two scheduled jobs, stored with django-celery-beat so administrators can edit them.

- the deadline sweep (时限巡查) every 10 minutes;
- the monthly callback sampling (回访抽样) on the 1st at 09:00 Asia/Shanghai.

Matched by name: a schedule an administrator changed is left alone when this runs again.
"""

import json

from django.db import migrations

SWEEP = "督办：时限巡查（每 10 分钟）"
SAMPLING = "回访：每月抽样（每月 1 日 09:00）"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_ten, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="9",
        day_of_month="1",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": "supervision.tasks.sweep_deadlines",
            "interval": every_ten,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "查找临近或超过期限的环节：发送提醒、下发督办单、升级挂牌督办。",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=SAMPLING,
        defaults={
            "task": "supervision.tasks.sample_callbacks",
            "crontab": monthly,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "从上月结案案件的当事人中随机抽取回访对象（人数见 ZONGZHI_CALLBACK_SAMPLE_SIZE，默认 30）。",
        },
    )
    # Tell a running beat that its schedule changed.
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[SWEEP, SAMPLING]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
