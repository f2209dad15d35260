"""`{% audit_history obj %}`: the audit timeline of one object, for detail pages."""

from __future__ import annotations

from django import template

from zoneops.audit.display import display_value, with_related_names
from zoneops.audit.selectors import HISTORY_LIMIT, history_of

register = template.Library()


@register.inclusion_tag("audit/_history.html")
def audit_history(obj, limit: int = HISTORY_LIMIT):
    """Render audit/_history.html with the object's latest events (the view has checked the object's scope)."""
    return {"events": list(history_of(obj)[:limit]) if obj is not None else []}


@register.filter
def audit_value(value) -> str:
    """A before/after value as people read it (see zoneops.audit.display)."""
    return display_value(value)


@register.filter
def audit_named(events) -> list:
    """The events with `display_rows`, referenced ids read as names (one query per referenced model)."""
    return with_related_names(events)
