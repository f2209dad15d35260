"""Audit app: the append-only trail of who did what, when, from where."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Audit."""

    name = "zoneops.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from zoneops.audit import actions  # noqa: F401 - registers the audit app's own action codes
        from zoneops.core.menu import MenuItem, register, register_group

        register_group("audit", _("Security audit"), icon="bi-shield-check", order=950)
        register(
            "audit",
            MenuItem(_("Audit trail"), "audit:event-list", ("audit.view_audit_trail",), "bi-journal-check", 10),
        )
