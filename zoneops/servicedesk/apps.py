"""Service desk app: cases (工单) from intake to follow-up, department tasks, SLA, KPIs, Open311."""

import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    """Service desk."""

    name = "zoneops.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self):
        from zoneops.core import schedule
        from zoneops.servicedesk import actions, menus  # noqa: F401 - registers audit actions, menu and home card

        # The SLA sweep (75% warning, overdue, supervision) is idempotent; every 5 minutes keeps it timely.
        schedule.register(
            "servicedesk.sweep_cases", "zoneops.servicedesk.tasks.sweep_cases_task", datetime.timedelta(minutes=5)
        )

        try:
            from zoneops.enterprises.panels import Panel, register
        except ImportError:
            return
        from zoneops.servicedesk.permissions import VIEW_CASE
        from zoneops.servicedesk.selectors import enterprise_cases_panel

        register(
            Panel(
                key="cases",
                title=_("Cases"),
                template="servicedesk/_enterprise_cases.html",
                build=enterprise_cases_panel,
                perms=(VIEW_CASE,),
                order=40,
            )
        )
