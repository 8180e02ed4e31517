"""The settings' one row, with its defaults, is stored by the migration: a page that reads the
settings never writes (`SingletonModel.load`)."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("problems", "ProblemSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("problems", "0002_settings_history_evidence_type")]
    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
