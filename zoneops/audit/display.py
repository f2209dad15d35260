"""How recorded values read on pages and in exports."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def display_value(value: Any) -> str:
    """A before/after value as people read it: — for nothing, yes/no, nested values flattened."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict):
        return "; ".join(f"{key}: {display_value(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(display_value(item) for item in value)
    return str(value)
