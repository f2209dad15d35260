"""servicedesk URLs."""

from django.urls import path

from zoneops.servicedesk import views

app_name = "servicedesk"

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/export/", views.case_export, name="case-export"),
    path("cases/new/", views.case_create, name="case-create"),
    path("cases/<str:number>/", views.case_detail, name="case-detail"),
    path("cases/<str:number>/requester/", views.case_requester, name="case-requester"),
    path("cases/<str:number>/tasks/<int:task_id>/<slug:action>/", views.case_action, name="task-action"),
    path("cases/<str:number>/<slug:action>/", views.case_action, name="case-action"),
    path("kpi/", views.kpi, name="kpi"),
    path("calendar/", views.calendar, name="calendar"),
]
