"""passes URLs."""

from django.urls import path

from zoneops.passes import views

app_name = "passes"

urlpatterns = [
    path("", views.pass_list, name="pass-list"),
    path("cards", views.pass_cards, name="pass-cards"),
    path("cards.pdf", views.pass_batch_pdf, name="pass-batch-pdf"),
    path("mine", views.my_passes, name="my-passes"),
    path("applications/", views.application_list, name="application-list"),
    path("applications/approve", views.application_batch_approve, name="application-batch-approve"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/review", views.application_review, name="application-review"),
    path("verify", views.verifier, name="verifier"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("stations/", views.station_list, name="station-list"),
    path("stations/new", views.station_create, name="station-create"),
    path("stations/<int:pk>/", views.station_detail, name="station-detail"),
    path("stations/<int:pk>/edit", views.station_edit, name="station-edit"),
    path("stations/<int:pk>/active", views.station_active, name="station-active"),
    path("stations/<int:pk>/inspections", views.inspection_create, name="inspection-create"),
    path("inspections/<int:pk>/edit", views.inspection_edit, name="inspection-edit"),
    path("checkpoints/", views.checkpoint_list, name="checkpoint-list"),
    path("checkpoints/new", views.checkpoint_create, name="checkpoint-create"),
    path("checkpoints/<str:code>/edit", views.checkpoint_edit, name="checkpoint-edit"),
    path("checkpoints/<str:code>/active", views.checkpoint_active, name="checkpoint-active"),
    path("scans/", views.scan_stats, name="scan-stats"),
    path("p/<str:serial>/", views.pass_detail, name="pass-detail"),
    path("p/<str:serial>/card.pdf", views.pass_pdf, name="pass-pdf"),
    path("p/<str:serial>/action", views.pass_action, name="pass-action"),
]
