from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "duban.bulletins"
    label = "bulletins"
    verbose_name = _("统计与通报")

    def ready(self) -> None:
        # The built-in figures register themselves on import; supervision and assessment
        # register theirs from their own AppConfig.ready() through catalogue.register_figure.
        from duban.bulletins import figures  # noqa: F401
