from django.db import migrations


def first_version(apps, schema_editor):
    rules = apps.get_model("reporting", "LightRules")
    if not rules.objects.exists():
        rules.objects.create(note="默认规则（DOMAIN §4）")


def remove(apps, schema_editor):
    apps.get_model("reporting", "LightRules").objects.filter(pk=1, created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_progress_core_snapshots")]
    operations = [migrations.RunPython(first_version, remove)]
