"""investment URLs."""

from django.urls import path

from zoneops.investment import views

app_name = "investment"

urlpatterns = [
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/import/", views.project_import, name="project-import"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("projects/<int:pk>/negotiations/", views.negotiation_create, name="negotiation-create"),
    path("projects/<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path(
        "projects/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("projects/<int:pk>/<str:action>/", views.project_action, name="project-action"),
    path("negotiations/week/", views.negotiation_week, name="negotiation-week"),
    path("statistics/", views.signing_stats, name="signing-stats"),
    path("weekly-report/", views.weekly_report, name="weekly-report"),
    path("staff/", views.staff_development, name="staff-development"),
    path("trainings/new/", views.training_create, name="training-create"),
    path("fx-rates/", views.fx_rates, name="fx-rates"),
    path("dictionaries/", views.dictionaries, name="dictionaries"),
]
