from django.db import migrations, models

FIELD = dict(
    blank=True,
    choices=[
        ("count", "计数（非负）"),
        ("quantity", "数量（非负）"),
        ("percent", "百分比（0—100）"),
        ("rate", "增长率/比率（可为负，可超100）"),
    ],
    help_text="留空时按计量单位判断：%为百分比，个/家/项等为计数，其余为非负数量。",
    max_length=10,
    verbose_name="数值类型",
)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_ledger_import")]

    operations = [
        migrations.AddField(
            model_name="historicalindicator", name="value_kind", field=models.CharField(**FIELD)
        ),
        migrations.AddField(model_name="indicator", name="value_kind", field=models.CharField(**FIELD)),
    ]
