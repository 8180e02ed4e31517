from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "duban.core"
    label = "core"
