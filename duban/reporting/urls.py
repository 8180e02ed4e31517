from django.urls import path, register_converter

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.reporting import views


class PeriodConverter:
    """A year-month in a URL: 2024-03."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> Period:
        try:
            return Period.parse(value)
        except ApplicationError as e:
            raise ValueError(str(e)) from e

    def to_url(self, value: Period | str) -> str:
        return str(value)


register_converter(PeriodConverter, "period")

app_name = "reporting"
urlpatterns = [
    path("", views.report_list_view, name="list"),
    path("review/", views.report_review_view, name="review"),
    path("item/<int:item_id>/<period:period>/", views.report_fill_view, name="fill"),
    path(
        "item/<int:item_id>/<period:period>/no-change/",
        views.report_no_change_view,
        name="no_change",
    ),
    path(
        "item/<int:item_id>/<period:period>/figures/",
        views.report_figures_view,
        name="figures",
    ),
    path("<int:report_id>/", views.report_detail_view, name="report"),
    path("<int:report_id>/sign-off/", views.report_sign_off_view, name="sign_off"),
    path("<int:report_id>/accept/", views.report_accept_view, name="accept"),
    path("<int:report_id>/return/", views.report_return_view, name="return"),
    path("<int:report_id>/correct/", views.report_correct_view, name="correct"),
]
