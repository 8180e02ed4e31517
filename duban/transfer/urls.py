"""Spreadsheet pages. In the project's urls:

path("ledger/import/", include(transfer_urls.import_patterns)),  # namespace ledger_import
path("ledger/", include(transfer_urls.export_patterns)),  # namespace ledger_export
"""

from django.urls import URLPattern, path

from duban.transfer.views import exports, imports, monthly, problems

import_urlpatterns: list[URLPattern] = [
    path("", imports.ledger_import_upload_view, name="upload"),
    path("confirm/", imports.ledger_import_confirm_view, name="confirm"),
    path("choose/", imports.ledger_import_choose_view, name="choose"),
    path("mapping/", imports.ledger_import_mapping_view, name="mapping"),
    path("problems/", problems.problems_import_upload_view, name="problems"),
    path("problems/confirm/", problems.problems_import_confirm_view, name="problems_confirm"),
    path("problems/choose/", problems.problems_import_choose_view, name="problems_choose"),
    path("problems/mapping/", problems.problems_import_mapping_view, name="problems_mapping"),
    path(
        "problems/<str:sha>/errors.xlsx",
        problems.problems_import_errors_view,
        name="problems_errors",
    ),
    path("monthly/", monthly.monthly_workbook_view, name="monthly"),
    path("monthly/download/", monthly.monthly_workbook_download_view, name="monthly_download"),
    path(
        "monthly/<int:unit_id>/<str:sha>/errors.xlsx",
        monthly.monthly_errors_view,
        name="monthly_errors",
    ),
    path("<str:sha>/errors.xlsx", imports.ledger_import_errors_view, name="errors"),
    path("<str:sha>/preview.xlsx", imports.ledger_import_preview_book_view, name="preview_book"),
]
export_urlpatterns: list[URLPattern] = [
    path("export.xlsx", exports.ledger_export_view, name="ledger"),
    path("reports-export.xlsx", exports.reports_export_view, name="reports"),
]

import_patterns = (import_urlpatterns, "ledger_import")
export_patterns = (export_urlpatterns, "ledger_export")
