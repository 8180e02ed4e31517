from django.urls import path

from duban.problems import views

app_name = "problems"
urlpatterns = [
    path("", views.problems_view, name="list"),
    path("tasks/", views.tasks_view, name="tasks"),
    path("coordination/", views.coordination_view, name="coordination"),
    path("feedback/", views.feedback_view, name="feedback"),
    path("closeout/", views.closeout_view, name="closeout"),
    path("report/", views.problem_report_view, name="report"),
    path("<int:problem_id>/", views.problem_detail_view, name="problem"),
    path("evidence/<int:evidence_id>/", views.evidence_download_view, name="evidence"),
    path("<int:problem_id>/<slug:action>/", views.problem_action_view, name="act"),
    path(
        "extensions/<int:extension_id>/<slug:action>/",
        views.extension_action_view,
        name="extension",
    ),
    path("feedback/<int:feedback_id>/<slug:action>/", views.feedback_action_view, name="review"),
    path("opinions/<int:opinion_id>/feedback/", views.opinion_feedback_view, name="opinion"),
    path("meetings/", views.meeting_list_view, name="meetings"),
    path("meetings/<int:meeting_id>/", views.meeting_detail_view, name="meeting"),
    path(
        "meetings/<int:meeting_id>/<slug:action>/",
        views.meeting_action_view,
        name="meeting_act",
    ),
    path("meetings/<int:meeting_id>/minutes.docx", views.meeting_minutes_view, name="minutes"),
]
