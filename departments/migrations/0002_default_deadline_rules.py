"""Default deadline policy: colour × stage, plus the statutory limit for petitions.

Administrators edit these rows in the admin; this only seeds a fresh database.
"""

from django.db import migrations

GENERAL = {
    # stage: {colour: working days}
    "accept": {"red": 1, "yellow": 2, "blue": 3},
    "handle": {"red": 7, "yellow": 15, "blue": 30},
    "respond": {"red": 1, "yellow": 3, "blue": 5},
}


def forwards(apps, schema_editor):
    DeadlineRule = apps.get_model("departments", "DeadlineRule")
    for stage, by_colour in GENERAL.items():
        for colour, days in by_colour.items():
            DeadlineRule.objects.get_or_create(
                colour=colour,
                stage=stage,
                service=None,
                category="",
                defaults={"amount": days, "unit": "working_days", "note": "中心默认时限"},
            )
    for colour in ("red", "yellow", "blue"):
        # 《信访工作条例》: decide on acceptance within 15 days, finish within 60 days.
        DeadlineRule.objects.get_or_create(
            colour=colour,
            stage="handle",
            service=None,
            category="petition",
            defaults={
                "amount": 60,
                "unit": "days",
                "is_legal_limit": True,
                "note": "《信访工作条例》：自受理之日起 60 日内办结",
            },
        )


def backwards(apps, schema_editor):
    DeadlineRule = apps.get_model("departments", "DeadlineRule")
    DeadlineRule.objects.filter(
        note__in=["中心默认时限", "《信访工作条例》：自受理之日起 60 日内办结"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("departments", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
