"""The settings' one row, with its defaults, is stored by the migration: a page that reads the
settings never writes (`SingletonModel.load`)."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("reporting", "ReportingSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0004_merge_progress_core_and_settings_history")]
    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
