"""Menu entries and the home card of the economy module."""

from django.utils.translation import gettext_lazy as _

from zoneops.core import dashboard
from zoneops.core.menu import MenuItem, register, register_group
from zoneops.economy import permissions as perms

register_group("economy", _("Economic indicators"), icon="bi-graph-up-arrow", order=300)
register("economy", MenuItem(_("Period report"), "economy:report", (perms.VIEW_VALUE,), "bi-table", 10))
register("economy", MenuItem(_("Enter figures"), "economy:entry", (perms.ADD_VALUE,), "bi-pencil-square", 20))
register("economy", MenuItem(_("Import figures"), "economy:import", (perms.ADD_VALUE,), "bi-upload", 30))
register("economy", MenuItem(_("Revisions"), "economy:revisions", (perms.VIEW_VALUE,), "bi-clock-history", 40))
register("economy", MenuItem(_("Indicators"), "economy:indicators", (perms.VIEW_VALUE,), "bi-list-ul", 50))
register(
    "economy", MenuItem(_("Regions and peer sets"), "economy:regions", (perms.MANAGE_INDICATOR,), "bi-geo-alt", 60)
)


def _bulletin_card(user) -> dict:
    from zoneops.economy.views import home_card_context

    return home_card_context(user)


dashboard.register(
    dashboard.Card(
        key="economy-bulletin",
        template="economy/_home_card.html",
        build=_bulletin_card,
        perms=(perms.VIEW_VALUE,),
        order=30,
    )
)
