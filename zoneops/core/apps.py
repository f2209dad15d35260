"""Core app: shared building blocks, no domain models."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Core building blocks."""

    name = "zoneops.core"
    label = "core"
