"""How recorded values read on pages and in exports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from zoneops.audit.models import AuditEvent

# A referenced model and the field of it whose values the trail stores (its pk, or a foreign key's to_field).
Target = tuple[type[models.Model], models.Field]


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


def with_related_names(events: Iterable[AuditEvent] | None) -> list[AuditEvent]:
    """The events, each given `display_rows`: its change rows with referenced ids read as the objects' names.

    One query per referenced model for all the events together; an id whose row is gone stays an id.
    """
    events = list(events or [])
    targets = [[_target(event.object_model, name) for name, _b, _a in event.changed_values] for event in events]
    wanted: dict[Target, set] = defaultdict(set)
    for event, event_targets in zip(events, targets, strict=True):
        for target, (_name, before, after) in zip(event_targets, event.changed_values, strict=True):
            if target is not None:
                wanted[target].update(_keys(target, before) + _keys(target, after))
    names = {target: _names(target, keys) for target, keys in wanted.items() if keys}
    for event, event_targets in zip(events, targets, strict=True):
        event.display_rows = [
            (label, _named(target, before, names), _named(target, after, names))
            for target, (label, before, after) in zip(event_targets, event.change_rows, strict=True)
        ]
    return events


def _target(model: type[models.Model] | None, name: str) -> Target | None:
    """What a change key refers to when it names a forward relation of the model (foreign key or many-to-many)."""
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not field.is_relation or field.auto_created or field.related_model is None:
        return None
    if field.many_to_many:
        return field.related_model, field.related_model._meta.pk
    if field.many_to_one or field.one_to_one:
        return field.related_model, field.target_field
    return None


def _key(target: Target, value: Any) -> Any:
    """The value as a key of the referenced model, or None if it cannot be one (e.g. a name recorded as text)."""
    if value is None or value == "" or isinstance(value, (bool, dict, list, tuple)):
        return None
    try:
        return target[1].to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None


def _keys(target: Target, value: Any) -> list[Any]:
    """The keys in a recorded value: one for a foreign key, several for a many-to-many list."""
    values = value if isinstance(value, (list, tuple)) else [value]
    return [key for key in (_key(target, item) for item in values) if key is not None]


def _names(target: Target, keys: set) -> dict[Any, str]:
    """{key: str(object)} of the referenced rows that still exist, in one query."""
    model, field = target
    # The base manager: the viewer already sees the audited object; scoped managers would hide its references.
    rows = model._base_manager.filter(**{f"{field.name}__in": keys})
    return {getattr(row, field.attname): str(row) for row in rows}


def _named(target: Target | None, value: Any, names: dict[Target, dict[Any, str]]) -> Any:
    """The value with each key it holds replaced by the referenced object's name, if that row still exists."""
    if target is None:
        return value
    found = names.get(target, {})

    def name_of(item: Any) -> Any:
        key = _key(target, item)
        return found.get(key, item) if key is not None else item

    return [name_of(item) for item in value] if isinstance(value, (list, tuple)) else name_of(value)
