"""Menu entries and home cards of the investment-promotion module."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zoneops.core import dashboard
from zoneops.core.menu import MenuItem, register, register_group
from zoneops.investment import permissions as perms

register_group("investment", _("Investment promotion"), icon="bi-briefcase", order=150)
register("investment", MenuItem(_("Projects"), "investment:project-list", (perms.VIEW_PROJECT,), "bi-kanban", 10))
register(
    "investment",
    MenuItem(_("Negotiation week"), "investment:negotiation-week", (perms.VIEW_NEGOTIATION,), "bi-camera-video", 20),
)
register(
    "investment",
    MenuItem(_("Signing statistics"), "investment:signing-stats", (perms.VIEW_PROJECT,), "bi-bar-chart", 30),
)
register(
    "investment", MenuItem(_("Weekly report"), "investment:weekly-report", (perms.VIEW_PROJECT,), "bi-journal-text", 40)
)
register(
    "investment",
    MenuItem(_("Staff development"), "investment:staff-development", (perms.VIEW_STAFF_DEVELOPMENT,), "bi-people", 50),
)

register(
    "investment",
    MenuItem(_("Exchange rates"), "investment:fx-rates", (perms.MANAGE_FX_RATE,), "bi-currency-exchange", 60),
)
register(
    "investment",
    MenuItem(_("New training"), "investment:training-create", (perms.ADD_TRAINING,), "bi-mortarboard", 70),
)
register(
    "investment",
    MenuItem(
        _("Industries and thresholds"),
        "investment:dictionaries",
        (perms.CHANGE_INDUSTRY, perms.CHANGE_THRESHOLD_BUCKET),
        "bi-sliders",
        80,
    ),
)


def _unit_card(user) -> dict:
    """Stale projects and this week's negotiations of the user's scope."""
    from zoneops.core import clock
    from zoneops.investment import selectors

    monday, friday = selectors.week_bounds(clock.today())
    stale = selectors.stale(selectors.visible_projects(user))
    week = selectors.negotiations_between(user, monday, friday) if user.has_perm(perms.VIEW_NEGOTIATION) else []
    return {
        "stale_count": stale.count(),
        "stale": list(stale.order_by(selectors.by_last_progress(), "id")[:5]),
        "stale_days": selectors.stale_days(),
        "week": list(week[:8]),
        "monday": monday,
    }


dashboard.register(
    dashboard.Card(
        key="investment-unit",
        template="investment/_home_card.html",
        build=_unit_card,
        perms=(perms.VIEW_PROJECT,),
        order=40,
    )
)
