"""Audit URLs: search, one event, export. There is no URL that changes or deletes an event."""

from django.urls import path

from zoneops.audit import views

app_name = "audit"

urlpatterns = [
    path("events/", views.event_list, name="event-list"),
    path("events/export/", views.event_export, name="event-export"),
    path("events/<int:pk>/", views.event_detail, name="event-detail"),
]
