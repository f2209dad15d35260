"""Enterprise URLs."""

from django.urls import path

from zoneops.enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="enterprise-list"),
    path("new", views.enterprise_create, name="enterprise-create"),
    path("import", views.enterprise_import, name="enterprise-import"),
    path("import/template", views.enterprise_template, name="enterprise-template"),
    path("export", views.enterprise_export, name="enterprise-export"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("<int:pk>/edit", views.enterprise_edit, name="enterprise-edit"),
    path("<int:pk>/close", views.enterprise_close, name="enterprise-close"),
    path("<int:pk>/contacts/add", views.contact_add, name="enterprise-contact-add"),
    path("<int:pk>/contacts/<int:contact_pk>/remove", views.contact_remove, name="enterprise-contact-remove"),
]
