"""Accounts URLs."""

from django.contrib import admin
from django.urls import path

from zoneops.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", views.otp_view, name="otp"),
    path("me/", views.profile_view, name="profile"),
    path("password/", views.password_change_view, name="password-change"),
    path("sessions/", views.session_list_view, name="session-list"),
    path("sessions/<int:pk>/end/", views.session_end_view, name="session-end"),
    path("me/sessions/end-others/", views.session_end_others_view, name="session-end-others"),
    path("login-log/", views.login_log_view, name="login-log"),
    path("tokens/", views.token_list_view, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token-revoke"),
]

# Department, user and role management pages live in org_urls.py.
from zoneops.accounts.org_urls import urlpatterns as org_urlpatterns  # noqa: E402

urlpatterns += org_urlpatterns

# Django's admin must not offer a second way in that skips the lockout, the login log, 2FA and the password
# policy: its sign-in and password-change pages send the browser to the platform's own.
admin.site.login = views.admin_login_redirect
admin.site.password_change = views.admin_password_change_redirect
