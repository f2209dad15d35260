"""Audit action codes of the audit app itself."""

from django.utils.translation import gettext_lazy as _

from zoneops.audit.catalogue import register

EXPORTED = register("audit.exported", _("Audit trail exported"))
PURGED = register("audit.purged", _("Audit events past retention purged"))
