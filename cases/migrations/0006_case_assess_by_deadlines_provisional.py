from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_report_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="assess_by",
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name="研判期限"),
        ),
        migrations.AddField(
            model_name="case",
            name="deadlines_provisional",
            field=models.BooleanField(
                default=False,
                help_text="期限跨入尚无节假日安排的年份，按周一至周五推算；录入该年安排后重新计算。",
                verbose_name="期限为推算",
            ),
        ),
    ]
