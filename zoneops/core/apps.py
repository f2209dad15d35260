"""Core app: shared building blocks and platform records (periodic-task slots, notifications), no domain models."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Core building blocks."""

    name = "zoneops.core"
    label = "core"

    def ready(self):
        from zoneops.core import actions  # noqa: F401 - registers the audit actions
