"""economy URLs."""

from django.urls import path

from zoneops.economy import views

app_name = "economy"

urlpatterns = [
    path("", views.report, name="report"),
    path("report/export/", views.report_export, name="report-export"),
    path("points/<str:indicator>/<str:period>/", views.points, name="points"),
    path("values/<int:pk>/", views.value_detail, name="value-detail"),
    path("entry/", views.entry, name="entry"),
    path("import/", views.import_values, name="import"),
    path("import/template/", views.import_template, name="import-template"),
    path("publish/", views.publish, name="publish"),
    path("revisions/", views.revisions, name="revisions"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/new/", views.indicator_form, name="indicator-create"),
    path("indicators/<str:code>/edit/", views.indicator_form, name="indicator-edit"),
    path("regions/", views.regions, name="regions"),
    path("regions/new/", views.region_form, name="region-create"),
    path("regions/<str:code>/edit/", views.region_form, name="region-edit"),
    path("peer-sets/new/", views.peer_set_form, name="peer-set-create"),
    path("peer-sets/<str:code>/edit/", views.peer_set_form, name="peer-set-edit"),
]
