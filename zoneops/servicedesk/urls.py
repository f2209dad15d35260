"""servicedesk URLs."""

from django.urls import path

from zoneops.servicedesk import views, views_admin

app_name = "servicedesk"

urlpatterns = [
    path("", views.index, name="index"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/export/", views.case_export, name="case-export"),
    path("cases/new/", views.case_create, name="case-create"),
    path("cases/<str:number>/", views.case_detail, name="case-detail"),
    path("cases/<str:number>/requester/", views.case_requester, name="case-requester"),
    path("cases/<str:number>/tasks/<int:task_id>/<slug:action>/", views.case_action, name="task-action"),
    path("cases/<str:number>/<slug:action>/", views.case_action, name="case-action"),
    path("kpi/", views.kpi, name="kpi"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/remove/", views.calendar_remove, name="calendar-remove"),
    path("catalogue/categories/", views_admin.category_list, name="category-list"),
    path("catalogue/categories/new/", views_admin.category_form, name="category-create"),
    path("catalogue/categories/<str:code>/edit/", views_admin.category_form, name="category-edit"),
    path("catalogue/categories/<str:code>/toggle/", views_admin.category_toggle, name="category-toggle"),
    path("catalogue/categories/<str:code>/delete/", views_admin.category_delete, name="category-delete"),
    path("catalogue/sla-rules/", views_admin.sla_rule_list, name="sla-rule-list"),
    path("catalogue/sla-rules/new/", views_admin.sla_rule_form, name="sla-rule-create"),
    path("catalogue/sla-rules/<int:pk>/edit/", views_admin.sla_rule_form, name="sla-rule-edit"),
    path("catalogue/sla-rules/<int:pk>/delete/", views_admin.sla_rule_delete, name="sla-rule-delete"),
    path("catalogue/hotlines/", views_admin.hotline_list, name="hotline-list"),
    path("catalogue/hotlines/new/", views_admin.hotline_form, name="hotline-create"),
    path("catalogue/hotlines/<str:code>/edit/", views_admin.hotline_form, name="hotline-edit"),
    path("catalogue/hotlines/<str:code>/toggle/", views_admin.hotline_toggle, name="hotline-toggle"),
    path("catalogue/hotlines/<str:code>/delete/", views_admin.hotline_delete, name="hotline-delete"),
]
