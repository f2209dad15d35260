"""Accounts app: departments, users, roles, data scopes, login security, API tokens."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Accounts."""

    name = "zoneops.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from zoneops.accounts import actions, cards, menus  # noqa: F401 - registers audit actions, home cards, menu entries


def lock_down_django_admin() -> None:
    """Close Django's admin to all but superusers (none exist: 三员分立) and drop its raw model pages."""
    # Called by the root URLconf, once every app's admin module has registered; the admin must be no way
    # round the services and their audit.
    from django.contrib import admin
    from django.contrib.auth.models import Group

    def superusers_only(request):
        return request.user.is_active and request.user.is_superuser

    admin.site.has_permission = superusers_only
    for model in (Group,):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.models import DBTaskResult

    for model in (TOTPDevice, DBTaskResult):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
