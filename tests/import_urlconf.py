"""The project's URLs plus the ledger import pages (until duban/config/urls.py includes them)."""

from django.urls import include, path

from duban.config.urls import urlpatterns as base

urlpatterns = [*base, path("ledger/import/", include("duban.ledger.import_urls"))]
