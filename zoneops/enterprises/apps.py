"""Enterprises app: the registry every module points to."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    """Enterprise registry."""

    name = "zoneops.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self):
        # Registers audit action codes, the menu group and the detail-page panels of this app.
        from zoneops.enterprises import actions, menus, panels  # noqa: F401

        panels.register_builtin_panels()
