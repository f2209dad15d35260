"""Audit action codes of the enterprises app."""

from django.utils.translation import gettext_lazy as _

from zoneops.audit.catalogue import register

ENTERPRISE_CREATED = register("enterprises.enterprise_created", _("Enterprise registered"))
PROSPECT_CREATED = register("enterprises.prospect_created", _("Prospective investor added to the registry"))
ENTERPRISE_UPDATED = register("enterprises.enterprise_updated", _("Enterprise updated"))
ENTERPRISE_CLOSED = register("enterprises.enterprise_closed", _("Enterprise closed"))
ENTERPRISE_REOPENED = register("enterprises.enterprise_reopened", _("Enterprise reopened"))
CONTACT_ADDED = register("enterprises.contact_added", _("Enterprise contact added"))
CONTACT_UPDATED = register("enterprises.contact_updated", _("Enterprise contact updated"))
CONTACT_REMOVED = register("enterprises.contact_removed", _("Enterprise contact removed"))
ENTERPRISES_IMPORTED = register("enterprises.imported", _("Enterprises imported"))
ENTERPRISES_EXPORTED = register("enterprises.exported", _("Enterprises exported"))
