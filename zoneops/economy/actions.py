"""Audit action codes of the economy app."""

from django.utils.translation import gettext_lazy as _

from zoneops.audit.catalogue import register

VALUES_UPSERTED = register("economy.values_upserted", _("Indicator values entered"))
VALUE_REVISED = register("economy.value_revised", _("Published indicator value revised"))
VALUES_IMPORTED = register("economy.values_imported", _("Indicator values imported"))
PERIOD_PUBLISHED = register("economy.period_published", _("Period published"))
INDICATOR_CREATED = register("economy.indicator_created", _("Indicator created"))
INDICATOR_UPDATED = register("economy.indicator_updated", _("Indicator updated"))
REPORT_EXPORTED = register("economy.report_exported", _("Economic report exported"))
REGION_CREATED = register("economy.region_created", _("Region created"))
REGION_UPDATED = register("economy.region_updated", _("Region updated"))
PEER_SET_CREATED = register("economy.peer_set_created", _("Peer set created"))
PEER_SET_UPDATED = register("economy.peer_set_updated", _("Peer set updated"))
