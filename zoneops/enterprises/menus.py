"""Menu entries of the enterprise-services module."""

from django.utils.translation import gettext_lazy as _

from zoneops.core import dashboard
from zoneops.core.menu import MenuItem, register, register_group
from zoneops.enterprises.permissions import VIEW_ENTERPRISE

register_group("enterprises", _("Enterprise services"), icon="bi-building", order=200)
register(
    "enterprises", MenuItem(_("Enterprises"), "enterprises:enterprise-list", (VIEW_ENTERPRISE,), "bi-buildings", 10)
)


def _registry_card(user) -> dict:
    from zoneops.enterprises.selectors import registry_counts

    return {"counts": registry_counts(user)}


dashboard.register(
    dashboard.Card(
        key="enterprises-registry",
        template="enterprises/_home_card.html",
        build=_registry_card,
        perms=(VIEW_ENTERPRISE,),
        order=30,
    )
)
