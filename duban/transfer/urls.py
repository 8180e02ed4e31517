"""Ledger import pages. Include as path("ledger/import/", include("duban.ledger.import_urls"))."""

from django.urls import path

from duban.ledger import import_views, monthly_views

app_name = "ledger_import"
urlpatterns = [
    path("", import_views.ledger_import_upload_view, name="upload"),
    path("confirm/", import_views.ledger_import_confirm_view, name="confirm"),
    path("monthly/", monthly_views.monthly_workbook_view, name="monthly"),
    path(
        "monthly/download/", monthly_views.monthly_workbook_download_view, name="monthly_download"
    ),
    path(
        "monthly/<int:unit_id>/<str:sha>/errors.xlsx",
        monthly_views.monthly_errors_view,
        name="monthly_errors",
    ),
    path("<str:sha>/errors.xlsx", import_views.ledger_import_errors_view, name="errors"),
]
