from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "duban.web"
    label = "duban_web"

    def ready(self) -> None:
        # The admin is duban's configuration screen, not "Django 管理".
        from django.contrib import admin
        from django.utils.translation import gettext_lazy as _

        admin.site.site_header = _("督办 · 管理后台")
        admin.site.site_title = _("督办管理后台")
        admin.site.index_title = _("系统配置")

        # The first screens keep a scope's lights in the cache; a write moves them on.
        from duban.web.scope_lights import connect_invalidation

        connect_invalidation()
