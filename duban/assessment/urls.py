from django.urls import path

from duban.assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.ranking_view, name="ranking"),
    path("publish/", views.ranking_publish_view, name="publish"),
    path("ranking.xlsx", views.ranking_xlsx_view, name="ranking_xlsx"),
    path("ranking.docx", views.ranking_docx_view, name="ranking_docx"),
    path("quarter.docx", views.quarter_docx_view, name="quarter_docx"),
    path("scheme/", views.scheme_view, name="scheme"),
    path("units/<int:unit_id>/", views.unit_view, name="unit"),
    path("events/<int:event_id>/object/", views.event_object_view, name="event_object"),
    path("office/", views.office_view, name="office"),
    path("office/manual/", views.manual_propose_view, name="manual_propose"),
    path(
        "office/events/<int:event_id>/<str:action>/",
        views.manual_decide_view,
        name="manual_decide",
    ),
    path(
        "office/objections/<int:objection_id>/<str:action>/",
        views.objection_decide_view,
        name="objection_decide",
    ),
]
