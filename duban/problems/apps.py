from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "duban.problems"
    label = "problems"
    verbose_name = _("问题与调度")

    def ready(self) -> None:
        from duban.core.home_panels import HomePanel, register_home_panel
        from duban.problems.panels import item_problems

        register_home_panel(
            HomePanel(
                key="problems.item",
                homes=("item",),
                order=10,
                template="problems/partials/_item_problems.html",
                context=item_problems,
            )
        )
