"""The integrations' scheduled jobs, stored with django-celery-beat so administrators can edit them.

- webhook retries that are due (and deliveries whose message was lost) every minute;
- forgetting Idempotency-Key answers older than a week, daily at 03:30 Asia/Shanghai.

Matched by name: a schedule an administrator changed is left alone when this runs again.
"""

import json

from django.db import migrations

RETRY = "Webhook：到期重试（每分钟）"
PURGE = "接口：清理幂等记录（每日 03:30）"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name=RETRY,
        defaults={
            "task": "integrations.tasks.webhook_retry_due",
            "interval": every_minute,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "发送到期的 Webhook 重试，以及消息丢失未发出的投递。",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=PURGE,
        defaults={
            "task": "integrations.tasks.idempotency_purge",
            "crontab": nightly,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "删除 7 天前的 Idempotency-Key 记录。",
        },
    )
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[RETRY, PURGE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_delivery_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
