"""Callback rounds belong to a center: existing rounds become the deployment's county center's."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def to_the_county(apps, schema_editor):
    Center = apps.get_model("departments", "Center")
    CallbackRound = apps.get_model("supervision", "CallbackRound")
    if not CallbackRound.objects.exists():
        return
    county = (
        Center.objects.filter(code=settings.ZONGZHI_COUNTY_CODE).first()
        or Center.objects.filter(level="county").order_by("code").first()
        or Center.objects.order_by("path", "code").first()
    )
    if county is not None:
        CallbackRound.objects.filter(center__isnull=True).update(center=county)


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0010_scope_staff_center"),
        ("supervision", "0006_network"),
    ]

    operations = [
        migrations.AddField(
            model_name="callbackround",
            name="center",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="callback_rounds",
                to="departments.center",
                verbose_name="综治中心",
            ),
        ),
        migrations.RunPython(to_the_county, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="callbackround",
            name="center",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="callback_rounds",
                to="departments.center",
                verbose_name="综治中心",
            ),
        ),
        migrations.AlterField(
            model_name="callbackround",
            name="month",
            field=models.DateField(
                help_text="抽取该月结案案件的当事人；存为该月 1 日。", verbose_name="结案月份"
            ),
        ),
        migrations.AddConstraint(
            model_name="callbackround",
            constraint=models.UniqueConstraint(
                fields=("center", "month"), name="one_callback_round_per_center_month"
            ),
        ),
    ]
