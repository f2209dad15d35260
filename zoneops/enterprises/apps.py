"""Enterprises app: the registry every module points to."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    """Enterprise registry."""

    name = "zoneops.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")
