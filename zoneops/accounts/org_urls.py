"""URLs of department, user and role management (included by accounts/urls.py, namespace "accounts")."""

from django.urls import path

from zoneops.accounts import org_views as views

urlpatterns = [
    path("departments/", views.department_list, name="department-list"),
    path("departments/new/", views.department_create, name="department-create"),
    path("departments/import/", views.department_import, name="department-import"),
    path("departments/template/", views.department_template, name="department-template"),
    path("departments/export/", views.department_export, name="department-export"),
    path("departments/<int:pk>/", views.department_detail, name="department-detail"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department-edit"),
    path("departments/<int:pk>/move/", views.department_move, name="department-move"),
    path("departments/<int:pk>/toggle/", views.department_toggle, name="department-toggle"),
    path("departments/<int:pk>/delete/", views.department_delete, name="department-delete"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/import/", views.user_import, name="user-import"),
    path("users/template/", views.user_template, name="user-template"),
    path("users/export/", views.user_export, name="user-export"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/roles/", views.user_roles, name="user-roles"),
    path("users/<int:pk>/toggle/", views.user_toggle, name="user-toggle"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user-password-reset"),
    path("roles/", views.role_list, name="role-list"),
    path("roles/new/", views.role_create, name="role-create"),
    path("roles/<int:pk>/", views.role_detail, name="role-detail"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role-edit"),
]
