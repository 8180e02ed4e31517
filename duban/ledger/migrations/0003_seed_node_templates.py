from django.db import migrations

# DOMAIN.md §6: the default construction nodes; 环评/水保/节能 run in parallel.
NODES = [
    ("项目赋码", ""),
    ("立项（审批/核准/备案）", ""),
    ("可研批复", ""),
    ("用地预审与选址", ""),
    ("土地供应", ""),
    ("建设用地规划许可", ""),
    ("设计方案审查", ""),
    ("建设工程规划许可", ""),
    ("初步设计及概算批复", ""),
    ("环评", "环评/水保/节能"),
    ("水保", "环评/水保/节能"),
    ("节能", "环评/水保/节能"),
    ("施工图审查", ""),
    ("施工/监理招标", ""),
    ("施工许可", ""),
    ("开工", ""),
    ("入统", ""),
    ("基础完工", ""),
    ("主体封顶", ""),
    ("设备安装", ""),
    ("竣工验收", ""),
    ("竣工备案", ""),
    ("投产/投用", ""),
]
NAME = "默认建设节点"


def seed(apps, schema_editor):
    node_set_model = apps.get_model("ledger", "NodeTemplateSet")
    node_model = apps.get_model("ledger", "NodeTemplate")
    node_set, _ = node_set_model.objects.get_or_create(name=NAME, defaults={"is_default": True})
    for order, (name, group) in enumerate(NODES, start=1):
        node_model.objects.get_or_create(
            template_set=node_set, sort_order=order, defaults={"name": name, "parallel_group": group}
        )


def unseed(apps, schema_editor):
    apps.get_model("ledger", "NodeTemplateSet").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_work_item_people")]
    operations = [migrations.RunPython(seed, unseed)]
