"""Investment app: projects, stages, negotiations, signing statistics, bulletins, staff development."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentConfig(AppConfig):
    """Investment promotion."""

    name = "zoneops.investment"
    label = "investment"
    verbose_name = _("Investment promotion")

    def ready(self):
        from zoneops.investment import actions, menus  # noqa: F401 - registers audit actions, menu and home cards
