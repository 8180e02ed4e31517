from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "duban.assessment"
    label = "assessment"
    verbose_name = _("1+N考核")

    def ready(self) -> None:
        from duban.assessment.services.scoring import on_month_closed
        from duban.reporting.signals import month_closed

        # Connected after supervision's cards (INSTALLED_APPS order): the card points read the
        # cards the same close has just computed.
        month_closed.connect(on_month_closed, dispatch_uid="assessment.scoring")
