from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The modules whose figures make up the catalogue; each registers its figures (and any new
# row model, see bulletins.row_models) on import. Bulletins sits above every app it counts, so
# a new source of figures is one more module here, reading that app's models.
FIGURE_MODULES = (
    "duban.bulletins.figures",
    "duban.bulletins.figures_supervision",
    "duban.bulletins.figures_assessment",
)


class BulletinsConfig(AppConfig):
    name = "duban.bulletins"
    label = "bulletins"
    verbose_name = _("统计与通报")

    def ready(self) -> None:
        for module in FIGURE_MODULES:
            import_module(module)
