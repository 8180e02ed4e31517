from django.urls import path

from duban.supervision import views

app_name = "supervision"

urlpatterns = [
    path("prompts/", views.prompts_view, name="prompts"),
    path("prompts/draft/", views.prompts_draft_view, name="prompts_draft"),
    path("prompts/issue/", views.prompts_issue_view, name="prompts_issue"),
    path("prompts/<int:prompt_id>/", views.prompt_view, name="prompt"),
    path("prompts/<int:prompt_id>/edit/", views.prompt_draft_edit_view, name="prompt_edit"),
    path("prompts/<int:prompt_id>/docx/", views.prompt_docx_view, name="prompt_docx"),
    path("prompts/<int:prompt_id>/<str:action>/", views.prompt_action_view, name="prompt_action"),
    path("cards/", views.cards_view, name="cards"),
    path("cards/publish/", views.cards_publish_view, name="cards_publish"),
    path("cards/<int:card_id>/", views.card_view, name="card"),
    path("units/<int:unit_id>/", views.unit_view, name="unit"),
    path("flags/", views.flags_view, name="flags"),
    path("flags/<int:flag_id>/", views.flag_view, name="flag"),
    path("flags/<int:flag_id>/docx/", views.flag_docx_view, name="flag_docx"),
    path("flags/<int:flag_id>/<str:action>/", views.flag_action_view, name="flag_action"),
    path("reports/<int:report_id>/false/", views.false_report_view, name="false_report"),
    path("interviews/", views.interviews_view, name="interviews"),
    path(
        "interviews/<int:interview_id>/<str:action>/",
        views.interview_action_view,
        name="interview_action",
    ),
]
