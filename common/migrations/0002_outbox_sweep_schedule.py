"""The outbox sweep every minute, stored with django-celery-beat so administrators can edit it.

Matched by name: a schedule an administrator changed is left alone when this runs again.
"""

import json

from django.db import migrations

SWEEP = "发件箱：补发待执行任务（每分钟）"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": "common.tasks.outbox_sweep",
            "interval": every_minute,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "发出仍待执行的通知、短信和邮件任务（消息代理曾不可用、消息丢失或到期重试）。",
        },
    )
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0001_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
