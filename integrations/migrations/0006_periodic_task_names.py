"""The scheduled jobs' names without their schedule: an administrator may change the schedule.

The admin shows each job's schedule beside its name (django-celery-beat's own column), so a name
that said "every 10 minutes" would lie once the interval changed. A job renamed by hand is left alone.
"""

from django.db import migrations

RENAMES = (
    ("Webhook：到期重试（每分钟）", "Webhook：到期重试"),
    ("接口：清理幂等记录（每日 03:30）", "接口：清理幂等记录"),
)


def _rename(apps, pairs) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in pairs:
        if not PeriodicTask.objects.filter(name=new).exists():
            PeriodicTask.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor):
    _rename(apps, RENAMES)


def backwards(apps, schema_editor):
    _rename(apps, [(new, old) for old, new in RENAMES])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_encrypt_idempotent_responses"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
