"""Passes app: pass types, applications, review, signed QR passes, checkpoints, scans, revocation."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassesConfig(AppConfig):
    """Checkpoint passes."""

    name = "zoneops.passes"
    label = "passes"
    verbose_name = _("Passes")

    def ready(self):
        # Registers the audit action codes and the menu group of this app.
        from zoneops.passes import actions, menus  # noqa: F401
