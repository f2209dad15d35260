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
