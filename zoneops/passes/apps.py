"""Passes app: pass types, applications, review, signed QR passes, checkpoints, scans, revocation."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REFRESH_TASK = "zoneops.passes.tasks.refresh_revocation_list_task"


class PassesConfig(AppConfig):
    """Checkpoint passes."""

    name = "zoneops.passes"
    label = "passes"
    verbose_name = _("Passes")

    def ready(self):
        # Registers the audit action codes and the menu group of this app.
        from zoneops.core import schedule
        from zoneops.passes import actions, menus  # noqa: F401

        # Verifiers go amber when their revocation list is 24 h old: re-sign it (once 6 h old) every hour.
        schedule.register("passes.refresh_revocation_list", REFRESH_TASK, dt.timedelta(hours=1))
