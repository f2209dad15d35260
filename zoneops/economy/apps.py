"""Economy app: indicators, regions, period values, growth / gap / rank, bulletins."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EconomyConfig(AppConfig):
    """Economic indicators."""

    name = "zoneops.economy"
    label = "economy"
    verbose_name = _("Economy")

    def ready(self):
        from zoneops.economy import actions, menus  # noqa: F401 - registers audit actions, menu entries and cards
