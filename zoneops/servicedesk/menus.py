"""Menu entries and the home card of the service desk."""

from django.utils.translation import gettext_lazy as _

from zoneops.core import dashboard
from zoneops.core.menu import MenuItem, register, register_group
from zoneops.servicedesk import permissions as perms

register_group("servicedesk", _("Service desk"), icon="bi-headset", order=300)
register("servicedesk", MenuItem(_("Case queues"), "servicedesk:case-list", (perms.VIEW_CASE,), "bi-inboxes", 10))
register(
    "servicedesk", MenuItem(_("Register a case"), "servicedesk:case-create", (perms.INTAKE_CASE,), "bi-plus-square", 20)
)
register(
    "servicedesk",
    MenuItem(_("Working-day calendar"), "servicedesk:calendar", (perms.CHANGE_CALENDAR,), "bi-calendar3", 40),
)
register("servicedesk", MenuItem(_("KPIs"), "servicedesk:kpi", (perms.VIEW_KPI,), "bi-graph-up", 30))
register(
    "servicedesk",
    MenuItem(_("Service catalogue"), "servicedesk:category-list", (perms.MANAGE_CATALOGUE,), "bi-diagram-3", 50),
)
register("servicedesk", MenuItem(_("SLA rules"), "servicedesk:sla-rule-list", (perms.MANAGE_SLA,), "bi-stopwatch", 60))
register(
    "servicedesk", MenuItem(_("Hotlines"), "servicedesk:hotline-list", (perms.MANAGE_HOTLINES,), "bi-telephone", 70)
)


def _queues_card(user):
    from zoneops.servicedesk.home import home_card

    return home_card(user)


dashboard.register(
    dashboard.Card(
        key="servicedesk-queues",
        template="servicedesk/_home_card.html",
        build=_queues_card,
        perms=(perms.VIEW_CASE,),
        order=30,
    )
)
