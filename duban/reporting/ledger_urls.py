from django.urls import path

from duban.reporting import ledger_views as views

app_name = "ledger"
urlpatterns = [
    path("", views.work_item_list_view, name="list"),
    path("carry-over/", views.work_items_carry_over_view, name="carry_over"),
    path("<int:item_id>/", views.work_item_detail_view, name="item"),
    path("<int:item_id>/edit/", views.work_item_update_view, name="edit"),
    path("<int:item_id>/hand-out/", views.work_item_hand_out_view, name="hand_out"),
    path("<int:item_id>/funding/", views.work_item_funding_view, name="funding"),
    path("<int:item_id>/plan-curve/", views.work_item_plan_curve_view, name="plan_curve"),
    path("<int:item_id>/indicators/add/", views.indicator_create_view, name="indicator_add"),
    path("<int:item_id>/milestones/add/", views.milestone_create_view, name="milestone_add"),
    path(
        "<int:item_id>/milestones/template/",
        views.milestones_from_template_view,
        name="milestone_template",
    ),
]
