"""The nightly purge of delivered outbox rows (03:30 Shanghai), stored with django-celery-beat.

Matched by name: a schedule an administrator changed is left alone when this runs again. The
name says what the job does, not when (the admin shows the schedule beside it).
"""

import json

from django.db import migrations

PURGE = "发件箱：清理已投递记录"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name=PURGE,
        defaults={
            "task": "common.tasks.outbox_purge",
            "crontab": nightly,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "删除投递完成超过保留期（ZONGZHI_OUTBOX_RETENTION_DAYS）的发件箱记录；待执行和最终失败的记录不删除。",
        },
    )
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PURGE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0003_periodic_task_names"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
