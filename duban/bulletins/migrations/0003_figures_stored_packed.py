"""The figures' column is read and written through `Bulletin.figures` (packed, see
bulletins.packing); the field is renamed in the state only: same column, same data."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bulletins", "0002_project_special_report"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name="bulletin", old_name="figures", new_name="stored_figures"
                ),
                migrations.AlterField(
                    model_name="bulletin",
                    name="stored_figures",
                    field=models.JSONField(
                        db_column="figures", default=dict, verbose_name="统计指标"
                    ),
                ),
            ],
            database_operations=[],
        )
    ]
