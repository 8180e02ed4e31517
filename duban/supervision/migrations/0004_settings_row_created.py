"""The settings' one row, with its defaults, is stored by the migration: a page that reads the
settings never writes (`SingletonModel.load`)."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("supervision", "SupervisionSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_prompts_per_leader_area")]
    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
