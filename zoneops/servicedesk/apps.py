"""Service desk app: cases (工单) from intake to follow-up, department tasks, SLA, KPIs, Open311."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    """Service desk."""

    name = "zoneops.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")
