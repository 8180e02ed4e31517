"""累计完成投资 without a month means since the start of construction (issue 14): the seeded row
switches, unless the office changed it; the new built-in synonyms are seeded likewise."""

from django.db import migrations

ADDED = [
    ("累计完成", "since_start"),
    ("项目累计完成投资", "since_start"),
    ("开工至今累计完成投资", "since_start"),
]


def forward(apps, schema_editor):
    ColumnAlias = apps.get_model("sheets", "ColumnAlias")
    ColumnAlias.objects.filter(alias="累计完成投资", field="ytd_investment", note="内置").update(
        field="since_start"
    )
    existing = set(ColumnAlias.objects.values_list("alias", flat=True))
    ColumnAlias.objects.bulk_create(
        ColumnAlias(alias=alias, field=field, note="内置")
        for alias, field in ADDED
        if alias not in existing
    )


def backward(apps, schema_editor):
    ColumnAlias = apps.get_model("sheets", "ColumnAlias")
    ColumnAlias.objects.filter(alias="累计完成投资", field="since_start", note="内置").update(
        field="ytd_investment"
    )
    ColumnAlias.objects.filter(alias__in=[a for a, _f in ADDED], note="内置").delete()


class Migration(migrations.Migration):
    dependencies = [("sheets", "0003_column_alias_item_id")]
    operations = [migrations.RunPython(forward, backward)]
