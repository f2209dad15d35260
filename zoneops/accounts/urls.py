"""Accounts URLs."""

from django.urls import path

from zoneops.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/", views.otp_view, name="otp"),
    path("me/", views.profile_view, name="profile"),
    path("password/", views.password_change_view, name="password-change"),
]

# Department, user and role management pages live in org_urls.py.
from zoneops.accounts.org_urls import urlpatterns as org_urlpatterns  # noqa: E402

urlpatterns += org_urlpatterns
