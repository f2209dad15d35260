"""Core URLs."""

from django.urls import path

from zoneops.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/bell/", views.notification_bell, name="notification-bell"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
]
