"""Audit action codes of the core app."""

from django.utils.translation import gettext_lazy as _

from zoneops.audit.catalogue import register

NOTIFICATION_READ = register("core.notification_read", _("Notification marked read"))
NOTIFICATIONS_READ_ALL = register("core.notifications_read_all", _("All notifications marked read"))
