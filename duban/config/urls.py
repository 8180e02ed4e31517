from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from duban.api.api import api
from duban.transfer import urls as transfer_urls
from duban.web.views import PasswordChangeView, audit_log_view

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path("audit/", audit_log_view, name="audit"),
    path("api/v1/", api.urls),
    path("ledger/import/", include(transfer_urls.import_patterns)),
    path("ledger/", include(transfer_urls.export_patterns)),
    path("ledger/", include("duban.reporting.ledger_urls")),
    path("reports/", include("duban.reporting.urls")),
    path("sheets/", include("duban.sheets.urls")),
    path("problems/", include("duban.problems.urls")),
    path("liaison/", include("duban.liaison.urls")),
    path("bulletins/", include("duban.bulletins.urls")),
    path("supervision/", include("duban.supervision.urls")),
    path("assessment/", include("duban.assessment.urls")),
    path("notifications/", include("duban.notify.urls")),
    path("", include("duban.web.urls")),
]
# Uploaded files are never served from MEDIA_URL: evidence goes through its scoped view.
