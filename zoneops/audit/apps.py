"""Audit app: the append-only trail of who did what, when, from where."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Audit."""

    name = "zoneops.audit"
    label = "audit"
    verbose_name = _("Audit")
